"""Data: the orders bucket and the orders database, from the environment's DatabaseConfig."""

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from constructs import Construct

from org_constructs import (
    AbstractStack,
    BucketLifecycleRule,
    DatabaseEngine,
    EnvironmentConfig,
    SecureBucket,
    StandardVpc,
    rotating_key,
)
from org_constructs.compliance import acknowledge_check, acknowledge_finding
from stacks.regulated import (
    RECOVERY_REGION,
    central_log_bucket_name,
    is_regulated,
    replica_bucket_name,
)

# Not the engine's default port (AwsSolutions-RDS11): scanners probe 5432 and 3306 first.
DATABASE_PORT = {DatabaseEngine.POSTGRES: 5433, DatabaseEngine.MYSQL: 3307}
# Every log type each engine can export (HIPAA/NIST/PCI RDSLoggingEnabled).
DATABASE_LOGS = {
    DatabaseEngine.POSTGRES: ["postgresql", "upgrade"],
    DatabaseEngine.MYSQL: ["audit", "error", "general", "slowquery"],
}


LOG_RETENTION_HANDLER_FINDINGS = {
    "AwsSolutions-IAM4": [
        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ],
    "AwsSolutions-IAM5": ["Resource::*"],
    "HIPAA.Security-IAMNoInlinePolicy": [],
    "NIST.800.53.R5-IAMNoInlinePolicy": [],
    "PCI.DSS.321-IAMNoInlinePolicy": [],
}


class DataStack(AbstractStack):
    """Stateful resources: retained outside dev, encrypted with keys that rotate."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: StandardVpc,
    ) -> None:
        self.network = network
        super().__init__(scope, construct_id, config=config, description="Orders data")

    def initialize(self) -> None:
        regulated = is_regulated(self.config)
        central_logs, replica = self._regulated_buckets() if regulated else (None, None)
        self.orders = SecureBucket(
            self,
            "Orders",
            lifecycle_rules=[BucketLifecycleRule.guide_default()],
            access_log_bucket=central_logs,
            replication_destination=replica,
        )
        self.database = self._database(regulated)
        self.create_output("OrdersBucketName", self.orders.bucket_name, description="Orders")
        self.create_output(
            "DatabaseEndpoint", self.database.db_instance_endpoint_address, description="Database"
        )

    def _regulated_buckets(self) -> tuple[s3.IBucket, s3.IBucket]:
        """Access logs to the central archive and a replica in the recovery region."""
        central = s3.Bucket.from_bucket_name(
            self, "CentralAccessLogs", central_log_bucket_name(self.config)
        )
        Validations.of(self).acknowledge(
            Acknowledgment(
                id="Annotation::@aws-cdk/aws-s3:accessLogsPolicyNotAdded",
                reason="The landing zone's archive bucket policy admits S3 server access logs "
                "from every bucket in the organisation.",
            )
        )
        replica = s3.Bucket.from_bucket_attributes(
            self,
            "Replica",
            bucket_name=replica_bucket_name(self.config, "orders"),
            region=RECOVERY_REGION,
        )
        return central, replica

    def _database(self, regulated: bool) -> rds.DatabaseInstance:
        database = self.config.database
        engine = (
            rds.DatabaseInstanceEngine.postgres(
                version=rds.PostgresEngineVersion.of(
                    database.version, database.version.split(".")[0]
                )
            )
            if database.engine is DatabaseEngine.POSTGRES
            else rds.DatabaseInstanceEngine.mysql(
                version=rds.MysqlEngineVersion.of(
                    database.version, ".".join(database.version.split(".")[:2])
                )
            )
        )
        instance = rds.DatabaseInstance(
            self,
            "Database",
            engine=engine,
            instance_type=ec2.InstanceType(database.instance_type),
            vpc=self.network.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            port=DATABASE_PORT[database.engine],
            credentials=rds.Credentials.from_generated_secret(
                "orders",
                encryption_key=rotating_key(self, "SecretKey", "the orders database credentials"),
            ),
            multi_az=database.multi_az,
            allocated_storage=20,
            max_allocated_storage=100,
            storage_encrypted=database.storage_encrypted,
            storage_encryption_key=rotating_key(self, "DatabaseKey", "the orders database"),
            backup_retention=Duration.days(database.backup_retention_days),
            deletion_protection=database.deletion_protection,
            removal_policy=self.default_removal_policy,
            iam_authentication=True,
            auto_minor_version_upgrade=True,
            cloudwatch_logs_exports=DATABASE_LOGS[database.engine][: 1 if not regulated else None],
            cloudwatch_logs_retention=self.config.log_retention if regulated else None,
            monitoring_interval=Duration.seconds(60) if regulated else None,
        )
        if not database.multi_az:
            reason = (
                f"A single-AZ instance is this environment's choice (database.multi_az=false in "
                f"{self.config.name}): it halves the cost where an AZ outage may stop the service."
            )
            acknowledge_finding(instance, "AwsSolutions-RDS3", reason)
            acknowledge_check(instance, "checkov", "CKV_AWS_157", reason)
            acknowledge_check(instance, "cfn-guard", "CT.RDS.PR.1", reason)
        if not database.deletion_protection:
            reason = (
                f"{self.config.name} databases are rebuilt from scratch "
                "(database.deletion_protection=false); staging and production protect theirs."
            )
            acknowledge_finding(instance, "AwsSolutions-RDS10", reason)
            acknowledge_check(instance, "cfn-guard", "CT.RDS.PR.13", reason)
        if regulated:
            self._regulated_database(instance)
        else:
            reason = (
                f"Enhanced monitoring, every log export and AWS Backup are the regulated "
                f"settings; {self.config.name} is not held to the regulated packs, and the "
                "instance keeps automated backups."
            )
            acknowledge_check(instance, "checkov", "CKV_AWS_118", reason)
            for rule in ("CT.RDS.PR.2", "CT.RDS.PR.14"):
                acknowledge_check(instance, "cfn-guard", rule, reason)
            acknowledge_finding(
                instance,
                "AwsSolutions-SMG4",
                "Rotation runs the hosted rotation application, which the regulated environments "
                "deploy; the others keep the generated secret, and dev deploys to the local "
                "emulator, which cannot run the application.",
            )
        if database.backup_retention_days < 7:
            acknowledge_check(
                instance,
                "cfn-guard",
                "CT.RDS.PR.8",
                f"{self.config.name} keeps {database.backup_retention_days} day(s) of automated "
                "backups (database.backup_retention_days); the rule reads one day as none.",
            )
        return instance

    def _regulated_database(self, instance: rds.DatabaseInstance) -> None:
        """Credential rotation, enhanced monitoring, log retention and an AWS Backup plan."""
        # Imported here: only the regulated environments need it.
        from aws_cdk import aws_backup as backup

        instance.add_rotation_single_user(automatically_after=Duration.days(30))
        for rule in ("EC2RestrictedCommonPorts", "EC2RestrictedSSH"):
            for pack in ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"):
                acknowledge_finding(
                    instance.connections.security_groups[0],
                    f"{pack}-{rule}",
                    "The rule cannot read the database port, a token; the rule admits only the "
                    "rotation function's security group, on the database port (5433 or 3307).",
                )
        # aws-cdk-lib's log retention handler (cloudwatch_logs_retention) runs at deployment.
        reason = (
            "aws-cdk-lib's log retention handler sets the retention of the database's log "
            "groups during deployment; its function and role are aws-cdk-lib's."
        )
        for child in self.node.children:
            if child.node.id.startswith("LogRetention"):
                for rule, details in LOG_RETENTION_HANDLER_FINDINGS.items():
                    acknowledge_finding(child, rule, reason, applies_to=details)
                function = child.node.find_child("Resource")
                for check in ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"):
                    acknowledge_check(function, "checkov", check, reason)
                acknowledge_check(function, "cfn-guard", "CT.LAMBDA.PR.3", reason)
                policy = child.node.find_child("ServiceRole").node.find_child("DefaultPolicy")
                acknowledge_check(policy, "checkov", "CKV_AWS_111", reason)
        acknowledge_finding(
            instance,
            "AwsSolutions-IAM4",
            "Enhanced monitoring needs the AWS managed AmazonRDSEnhancedMonitoringRole policy; "
            "AWS maintains the exact permissions the RDS agent needs.",
            applies_to=[
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonRDSEnhancedMonitoringRole"
            ],
        )
        vault = backup.BackupVault(
            self,
            "BackupVault",
            encryption_key=rotating_key(self, "BackupKey", "the orders backup vault"),
            removal_policy=self.default_removal_policy,
        )
        plan = backup.BackupPlan.daily35_day_retention(self, "BackupPlan", vault)
        selection = plan.add_selection(
            "Database",
            resources=[backup.BackupResource.from_rds_database_instance(instance)],
        )
        acknowledge_finding(
            selection,
            "AwsSolutions-IAM4",
            "AWS Backup's service role uses the AWS managed AWSBackupServiceRolePolicyForBackup "
            "policy, which AWS keeps in step with the services Backup supports.",
            applies_to=[
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSBackupServiceRolePolicyForBackup"
            ],
        )
