"""Data: the orders bucket and the orders database, from the environment's DatabaseConfig."""

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
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
        self.orders = SecureBucket(
            self, "Orders", lifecycle_rules=[BucketLifecycleRule.guide_default()]
        )
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
        self.database = rds.DatabaseInstance(
            self,
            "Database",
            engine=engine,
            instance_type=ec2.InstanceType(database.instance_type),
            vpc=self.network.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
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
            cloudwatch_logs_exports=["postgresql"]
            if database.engine is DatabaseEngine.POSTGRES
            else ["error"],
        )
        self.create_output("OrdersBucketName", self.orders.bucket_name, description="Orders")
        self.create_output(
            "DatabaseEndpoint", self.database.db_instance_endpoint_address, description="Database"
        )
