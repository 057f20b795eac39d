"""SecureDatabase: defaults per stage, Aurora, MySQL, validation, grants, packs, logical ids."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Template
from constructs import Construct

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    DatabaseConfig,
    DatabaseEngine,
    EnvironmentConfig,
    SecureDatabase,
    SecurityConfig,
    ServiceMonitoring,
    StandardVpc,
    ValidationError,
)
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.contract import REGULATED_PACKS
from org_constructs.database._engines import offered_majors
from org_constructs.testing import (
    assert_no_open_ingress,
    assert_no_wildcard_iam,
    find_resources,
    template_json,
    template_of,
)
from tests.support import (
    ROOT,
    Background,
    CheckovReport,
    checkov_report,
    make_app,
    templates_for_checkov,
)

Build = Callable[[Stack, StandardVpc], SecureDatabase]


def network(stack: Stack) -> StandardVpc:
    """The VPC the databases use: isolated subnets and the Secrets Manager endpoint."""
    return StandardVpc(stack, "Network", interface_endpoints=["secretsmanager"])


class DatabaseStack(AbstractStack):
    """A stack holding a StandardVpc and the SecureDatabase ``build`` makes in it."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, build: Build
    ) -> None:
        self._build = build
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        self.network = network(self)
        self.database = self._build(self, self.network)


def default_database(stack: Stack, vpc: StandardVpc) -> SecureDatabase:
    return SecureDatabase(stack, "Orders", vpc=vpc)


def regulated_database(stack: Stack, vpc: StandardVpc) -> SecureDatabase:
    return SecureDatabase(stack, "Orders", vpc=vpc, regulated=True)


def full_database(stack: Stack, vpc: StandardVpc | None = None) -> SecureDatabase:
    """Every option (the feature flags matrix builds it in its own stack)."""
    vpc = vpc or network(stack)
    database = SecureDatabase(
        stack,
        "Orders",
        vpc=vpc,
        engine=DatabaseEngine.POSTGRES,
        version="15.15",
        instance_type="m6g.large",
        port=6432,
        multi_az=True,
        deletion_protection=True,
        backup_retention=Duration.days(14),
        removal_policy=RemovalPolicy.RETAIN,
        allocated_storage_gib=50,
        max_allocated_storage_gib=200,
        regulated=True,
        performance_insights=True,
        enhanced_monitoring_interval=Duration.seconds(30),
        multi_user_rotation=True,
        rotation_interval=Duration.days(7),
        log_retention=logs.RetentionDays.TWO_YEARS,
    )
    client = ec2.SecurityGroup(stack, "Clients", vpc=vpc.vpc, allow_all_outbound=False)
    database.allow_from(client, "The orders service")
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    database.grant_connect(role, "orders_app")
    return database


def aurora_database(stack: Stack, vpc: StandardVpc) -> SecureDatabase:
    return SecureDatabase(
        stack, "Orders", vpc=vpc, aurora=True, serverless_v2_capacity=(0.5, 8), regulated=True
    )


def aurora_provisioned(stack: Stack, vpc: StandardVpc) -> SecureDatabase:
    return SecureDatabase(stack, "Orders", vpc=vpc, aurora=True, engine=DatabaseEngine.MYSQL)


def mysql_database(stack: Stack, vpc: StandardVpc) -> SecureDatabase:
    return SecureDatabase(stack, "Orders", vpc=vpc, engine=DatabaseEngine.MYSQL)


VARIANTS: dict[str, tuple[str, Build]] = {
    "dev": ("dev", default_database),
    "staging": ("staging", default_database),
    "production": ("production", default_database),
    "regulated": ("production", regulated_database),
    "full": ("production", full_database),
    "aurora": ("production", aurora_database),
    "aurora-mysql-dev": ("dev", aurora_provisioned),
    "mysql-dev": ("dev", mysql_database),
}


@pytest.fixture(scope="session")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, DatabaseStack]:
    return {
        name: DatabaseStack(make_app(), f"Db-{name}", config=environments[env], build=build)
        for name, (env, build) in VARIANTS.items()
    }


@pytest.fixture(scope="session")
def templates(
    stacks: dict[str, DatabaseStack], background: Background, request: pytest.FixtureRequest
) -> dict[str, Template]:
    """Session-scoped: the end-to-end checkov test reads them after the fast tests."""
    return templates_for_checkov(stacks, background, request, __file__, "secure_database")


def instance(template: Template) -> dict[str, Any]:
    (found,) = find_resources(template, "AWS::RDS::DBInstance").values()
    return found


def cluster(template: Template) -> dict[str, Any]:
    (found,) = find_resources(template, "AWS::RDS::DBCluster").values()
    return found


def ref(template: Template, resource_type: str) -> dict[str, Any]:
    (logical_id,) = find_resources(template, resource_type)
    return {"Ref": logical_id}


class TestDefaults:
    def test_storage_encrypted_with_a_rotating_key(self, templates: dict[str, Template]) -> None:
        properties = instance(templates["dev"])["Properties"]
        assert properties["StorageEncrypted"] is True
        assert properties["KmsKeyId"] == {"Fn::GetAtt": ["OrdersStorageKey1912DAF3", "Arn"]}
        for key in find_resources(templates["dev"], "AWS::KMS::Key").values():
            assert key["Properties"]["EnableKeyRotation"] is True

    def test_generated_secret_with_its_own_key(self, templates: dict[str, Template]) -> None:
        template = templates["dev"]
        (secret,) = find_resources(template, "AWS::SecretsManager::Secret").values()
        properties = secret["Properties"]
        assert properties["KmsKeyId"] == {"Fn::GetAtt": ["OrdersSecretKeyE4BE1B92", "Arn"]}
        assert '"username":"dbadmin"' in properties["GenerateSecretString"]["SecretStringTemplate"]
        master = instance(template)["Properties"]["MasterUserPassword"]
        assert "OrdersSecret" in str(master)

    def test_iam_auth_minor_upgrades_private(self, templates: dict[str, Template]) -> None:
        properties = instance(templates["dev"])["Properties"]
        assert properties["EnableIAMDatabaseAuthentication"] is True
        assert properties["AutoMinorVersionUpgrade"] is True
        assert properties["PubliclyAccessible"] is False
        assert properties["CopyTagsToSnapshot"] is True

    def test_tls_required_and_a_current_ca(self, templates: dict[str, Template]) -> None:
        template = templates["dev"]
        (group,) = find_resources(template, "AWS::RDS::DBParameterGroup").values()
        assert group["Properties"]["Parameters"] == {"rds.force_ssl": "1"}
        assert group["Properties"]["Family"] == "postgres16"
        properties = instance(template)["Properties"]
        assert properties["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"
        assert properties["DBParameterGroupName"] == ref(template, "AWS::RDS::DBParameterGroup")

    def test_engine_version_and_non_default_port(self, templates: dict[str, Template]) -> None:
        properties = instance(templates["dev"])["Properties"]
        assert (properties["Engine"], properties["EngineVersion"]) == ("postgres", "16.13")
        assert properties["Port"] == "5433"

    def test_isolated_subnets(self, stacks: dict[str, DatabaseStack]) -> None:
        template = template_of(stacks["dev"])
        (subnet_group,) = find_resources(template, "AWS::RDS::DBSubnetGroup").values()
        isolated = [
            {"Ref": Stack.of(s).get_logical_id(s.node.default_child)}  # type: ignore[arg-type]
            for s in stacks["dev"].network.isolated_subnets
        ]
        assert subnet_group["Properties"]["SubnetIds"] == isolated

    def test_no_ingress_but_the_rotation_function(self, templates: dict[str, Template]) -> None:
        template = templates["dev"]
        ingress = find_resources(template, "AWS::EC2::SecurityGroupIngress")
        (rule,) = [r["Properties"] for r in ingress.values()]
        assert rule["SourceSecurityGroupId"] == {
            "Fn::GetAtt": ["OrdersRotationSecurityGroup6D9CD7E3", "GroupId"]
        }
        assert (rule["FromPort"], rule["ToPort"]) == (5433, 5433)
        group = find_resources(template, "AWS::EC2::SecurityGroup")["OrdersSecurityGroup2E5456CF"]
        assert "SecurityGroupIngress" not in group["Properties"]
        assert_no_open_ingress(template)

    def test_storage_autoscaling_with_a_ceiling(self, templates: dict[str, Template]) -> None:
        properties = instance(templates["dev"])["Properties"]
        assert (properties["AllocatedStorage"], properties["MaxAllocatedStorage"]) == ("20", 100)
        assert properties["StorageType"] == "gp3"

    def test_hosted_rotation_every_30_days_in_the_isolated_subnets(
        self, templates: dict[str, Template]
    ) -> None:
        template = templates["dev"]
        assert template_json(template)["Transform"].startswith("AWS::SecretsManager-")
        (schedule,) = find_resources(template, "AWS::SecretsManager::RotationSchedule").values()
        properties = schedule["Properties"]
        assert properties["RotationRules"] == {"ScheduleExpression": "rate(30 days)"}
        hosted = properties["HostedRotationLambda"]
        assert hosted["RotationType"] == "PostgreSQLSingleUser"
        assert hosted["KmsKeyArn"] == {"Fn::GetAtt": ["OrdersSecretKeyE4BE1B92", "Arn"]}
        assert "Isolated" in str(hosted["VpcSubnetIds"])
        assert "Private" not in str(hosted["VpcSubnetIds"])
        assert find_resources(template, "AWS::Serverless::Application") == {}, "no SAR app"

    def test_every_log_type_in_encrypted_log_groups(self, templates: dict[str, Template]) -> None:
        template = templates["dev"]
        properties = instance(template)["Properties"]
        assert properties["EnableCloudwatchLogsExports"] == ["postgresql", "upgrade"]
        identifier = properties["DBInstanceIdentifier"]
        groups = find_resources(template, "AWS::Logs::LogGroup")
        ours = {k: v for k, v in groups.items() if k.startswith("Orders")}
        assert {g["Properties"]["LogGroupName"] for g in ours.values()} == {
            f"/aws/rds/instance/{identifier}/postgresql",
            f"/aws/rds/instance/{identifier}/upgrade",
        }
        for group in ours.values():
            assert group["Properties"]["RetentionInDays"] == 7, "dev's log retention"
            assert group["Properties"]["KmsKeyId"] == {
                "Fn::GetAtt": ["OrdersStorageKey1912DAF3", "Arn"]
            }, "the storage key: the logs hold what the database holds"
        assert set(ours) <= set(instance(template)["DependsOn"]), "made before RDS writes"
        policy = find_resources(template, "AWS::KMS::Key")["OrdersStorageKey1912DAF3"]
        logs_statements = [
            st
            for st in policy["Properties"]["KeyPolicy"]["Statement"]
            if st.get("Principal") == {"Service": "logs.us-east-1.amazonaws.com"}
        ]
        assert len(logs_statements) == 1
        assert set(logs_statements[0]["Action"]) >= {"kms:Decrypt", "kms:Encrypt"}

    def test_no_log_retention_handler(self, templates: dict[str, Template]) -> None:
        assert find_resources(templates["production"], "Custom::LogRetention") == {}

    def test_tagged_as_module(self, templates: dict[str, Template]) -> None:
        tags = {t["Key"]: t["Value"] for t in instance(templates["dev"])["Properties"]["Tags"]}
        assert tags["Module"] == "SecureDatabase"

    def test_attributes(self, stacks: dict[str, DatabaseStack]) -> None:
        database = stacks["dev"].database
        assert isinstance(database.instance, rds.DatabaseInstance)
        assert database.cluster is None
        assert database.is_cluster is False
        assert database.engine is DatabaseEngine.POSTGRES
        assert database.port == 5433
        assert database.allocated_storage_gib == 20
        assert database.endpoint_address == database.instance.db_instance_endpoint_address
        assert database.connections.security_groups == [database.security_group]
        assert database.secret.node.path == database.instance.secret.node.path  # type: ignore[union-attr]
        assert database.rotation_schedule is not None

    def test_least_privilege(self, templates: dict[str, Template]) -> None:
        for name in ("dev", "production", "full", "aurora"):
            assert_no_wildcard_iam(templates[name])


class TestStages:
    @pytest.mark.parametrize(
        ("name", "multi_az", "protected", "backup_days"),
        [("dev", False, False, 1), ("staging", True, True, 7), ("production", True, True, 30)],
    )
    def test_availability_protection_and_backups(
        self,
        templates: dict[str, Template],
        name: str,
        multi_az: bool,
        protected: bool,
        backup_days: int,
    ) -> None:
        properties = instance(templates[name])["Properties"]
        assert properties["MultiAZ"] is multi_az
        assert properties["DeletionProtection"] is protected
        assert properties["BackupRetentionPeriod"] == backup_days

    @pytest.mark.parametrize(
        ("name", "instance_class"),
        [("dev", "db.t4g.micro"), ("staging", "db.t4g.medium"), ("production", "db.r6g.large")],
    )
    def test_instance_class_follows_the_stage(
        self, templates: dict[str, Template], name: str, instance_class: str
    ) -> None:
        assert instance(templates[name])["Properties"]["DBInstanceClass"] == instance_class

    @pytest.mark.parametrize("name", ["dev", "staging", "production"])
    def test_never_destroyed_silently(self, templates: dict[str, Template], name: str) -> None:
        resource = instance(templates[name])
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == (
            "Snapshot",
            "Snapshot",
        )
        keys = find_resources(templates[name], "AWS::KMS::Key")
        for key in (k for logical_id, k in keys.items() if logical_id.startswith("Orders")):
            assert key["DeletionPolicy"] == "Retain", "a snapshot needs its key"

    def test_monitoring_and_insights_in_production_only(
        self, templates: dict[str, Template]
    ) -> None:
        dev = instance(templates["dev"])["Properties"]
        assert "MonitoringInterval" not in dev
        assert "EnablePerformanceInsights" not in dev
        production = instance(templates["production"])["Properties"]
        assert production["MonitoringInterval"] == 60
        assert production["EnablePerformanceInsights"] is True
        assert production["PerformanceInsightsKMSKeyId"] == production["KmsKeyId"]

    def test_backup_plan_only_when_regulated(self, templates: dict[str, Template]) -> None:
        assert find_resources(templates["production"], "AWS::Backup::BackupPlan") == {}
        template = templates["regulated"]
        (plan,) = find_resources(template, "AWS::Backup::BackupPlan").values()
        (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
        assert rule["Lifecycle"] == {"DeleteAfterDays": 35}
        assert rule["ScheduleExpression"] == "cron(0 5 * * ? *)"
        (vault,) = find_resources(template, "AWS::Backup::BackupVault").values()
        assert vault["Properties"]["EncryptionKeyArn"] == {
            "Fn::GetAtt": ["OrdersBackupKey3EE0A19C", "Arn"]
        }

    def test_regulated_turns_monitoring_on_in_dev(self, dev_config: EnvironmentConfig) -> None:
        stack = DatabaseStack(make_app(), "RegDev", config=dev_config, build=regulated_database)
        properties = instance(template_of(stack))["Properties"]
        assert properties["MonitoringInterval"] == 60
        assert properties["EnablePerformanceInsights"] is True

    def test_an_environment_with_a_regulated_pack_is_regulated_by_default(
        self, dev_config: EnvironmentConfig
    ) -> None:
        config = dataclasses.replace(
            dev_config, security=SecurityConfig(nag_packs=("AwsSolutions", "NIST.800.53.R5"))
        )
        stack = DatabaseStack(make_app(), "NistDev", config=config, build=default_database)
        template = template_of(stack)
        properties = instance(template)["Properties"]
        assert properties["MonitoringInterval"] == 60
        assert properties["EnablePerformanceInsights"] is True
        assert find_resources(template, "AWS::Backup::BackupPlan")

    def test_outside_an_abstract_stack_production_values(self) -> None:
        stack = Stack(make_app(), "Plain")
        SecureDatabase(stack, "Orders", vpc=network(stack))
        properties = instance(Template.from_stack(stack))["Properties"]
        assert (properties["MultiAZ"], properties["DeletionProtection"]) == (True, True)
        assert properties["BackupRetentionPeriod"] == 30
        assert properties["DBInstanceClass"] == "db.r6g.large"

    def test_destroy_only_when_asked(self, dev_config: EnvironmentConfig) -> None:
        stack = DatabaseStack(
            make_app(),
            "Destroy",
            config=dev_config,
            build=lambda s, v: SecureDatabase(
                s, "Orders", vpc=v, removal_policy=RemovalPolicy.DESTROY
            ),
        )
        template = template_of(stack)
        assert instance(template)["DeletionPolicy"] == "Delete"
        for key in find_resources(template, "AWS::KMS::Key").values():
            if "Orders" in str(key["Properties"]["Description"]):
                assert key["DeletionPolicy"] == "Delete"


class TestOptions:
    def test_all_options(self, templates: dict[str, Template]) -> None:
        template = templates["full"]
        properties = instance(template)["Properties"]
        assert properties["EngineVersion"] == "15.15"
        assert properties["DBInstanceClass"] == "db.m6g.large"
        assert properties["Port"] == "6432"
        assert properties["BackupRetentionPeriod"] == 14
        assert (properties["AllocatedStorage"], properties["MaxAllocatedStorage"]) == ("50", 200)
        assert properties["MonitoringInterval"] == 30
        assert instance(template)["DeletionPolicy"] == "Retain"
        (schedule,) = find_resources(template, "AWS::SecretsManager::RotationSchedule").values()
        hosted = schedule["Properties"]["HostedRotationLambda"]
        assert hosted["RotationType"] == "PostgreSQLMultiUser"
        assert schedule["Properties"]["RotationRules"] == {"ScheduleExpression": "rate(7 days)"}
        groups = find_resources(template, "AWS::Logs::LogGroup")
        assert {g["Properties"]["RetentionInDays"] for k, g in groups.items() if "Orders" in k} == {
            731
        }

    def test_allow_from_opens_exactly_one_ingress(self, templates: dict[str, Template]) -> None:
        rules = [
            r["Properties"]
            for r in find_resources(templates["full"], "AWS::EC2::SecurityGroupIngress").values()
        ]
        clients = [r for r in rules if r.get("Description") == "The orders service"]
        assert len(rules) == 2, "the rotation function's and the one allow_from added"
        (rule,) = clients
        assert rule["SourceSecurityGroupId"]["Fn::GetAtt"][0].startswith("Clients")
        assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 6432, 6432)

    def test_allow_from_a_network(self, dev_config: EnvironmentConfig) -> None:
        def build(stack: Stack, vpc: StandardVpc) -> SecureDatabase:
            database = SecureDatabase(stack, "Orders", vpc=vpc, rotation=False)
            database.allow_from(ec2.Peer.ipv4("10.0.0.0/16"))
            return database

        template = template_of(DatabaseStack(make_app(), "Peer", config=dev_config, build=build))
        group = find_resources(template, "AWS::EC2::SecurityGroup")["OrdersSecurityGroup2E5456CF"]
        (rule,) = group["Properties"]["SecurityGroupIngress"]
        assert (rule["CidrIp"], rule["FromPort"]) == ("10.0.0.0/16", 5433)

    def test_grant_connect_on_the_instance_resource_id(
        self, templates: dict[str, Template]
    ) -> None:
        template = templates["full"]
        # The grant's own policy on the grantee's role: the library's, not the role's default.
        (policy,) = [
            p
            for name, p in find_resources(template, "AWS::IAM::ManagedPolicy").items()
            if name.startswith("AppOrgConstructsGrants")
        ]
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Action"] == "rds-db:connect"
        resource = str(statement["Resource"])
        assert ":dbuser:" in resource
        assert "DbiResourceId" in resource
        assert resource.endswith("'/orders_app']]}")

    def test_rotation_off(self, dev_config: EnvironmentConfig) -> None:
        stack = DatabaseStack(
            make_app(),
            "NoRotation",
            config=dev_config,
            build=lambda s, v: SecureDatabase(s, "Orders", vpc=v, rotation=False),
        )
        template = template_of(stack)
        assert find_resources(template, "AWS::SecretsManager::RotationSchedule") == {}
        assert find_resources(template, "AWS::EC2::SecurityGroupIngress") == {}
        assert nag_findings(stack, ("AwsSolutions",)) == [], "SMG4 acknowledged, naming why"
        (secret,) = find_resources(template, "AWS::SecretsManager::Secret").values()
        assert "rotation=False" in str(secret["Metadata"])


class TestAurora:
    def test_serverless_v2_cluster(self, templates: dict[str, Template]) -> None:
        template = templates["aurora"]
        properties = cluster(template)["Properties"]
        assert properties["Engine"] == "aurora-postgresql"
        assert properties["ServerlessV2ScalingConfiguration"] == {
            "MinCapacity": 0.5,
            "MaxCapacity": 8,
        }
        assert properties["StorageEncrypted"] is True
        assert properties["EnableIAMDatabaseAuthentication"] is True
        assert properties["Port"] == 5433
        assert properties["EnableCloudwatchLogsExports"] == ["postgresql"]
        (group,) = find_resources(template, "AWS::RDS::DBClusterParameterGroup").values()
        assert group["Properties"]["Parameters"] == {"rds.force_ssl": "1"}
        members = find_resources(template, "AWS::RDS::DBInstance")
        assert {m["Properties"]["DBInstanceClass"] for m in members.values()} == {"db.serverless"}
        assert len(members) == 2, "a writer and a reader in production"
        for member in members.values():
            assert member["Properties"]["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"
            assert member["Properties"]["PubliclyAccessible"] is False

    def test_aurora_attributes(self, stacks: dict[str, DatabaseStack]) -> None:
        database = stacks["aurora"].database
        assert isinstance(database.cluster, rds.DatabaseCluster)
        assert database.instance is None
        assert database.is_cluster is True
        assert database.allocated_storage_gib is None
        assert database.endpoint_address == database.cluster.cluster_endpoint.hostname

    def test_provisioned_aurora_mysql_in_dev(self, templates: dict[str, Template]) -> None:
        template = templates["aurora-mysql-dev"]
        properties = cluster(template)["Properties"]
        assert properties["Engine"] == "aurora-mysql"
        assert properties["EngineVersion"] == "8.0.mysql_aurora.3.10.4"
        assert properties["Port"] == 3307
        assert properties["EnableCloudwatchLogsExports"] == [
            "audit",
            "error",
            "general",
            "slowquery",
        ]
        (group,) = find_resources(template, "AWS::RDS::DBClusterParameterGroup").values()
        assert group["Properties"]["Parameters"] == {"require_secure_transport": "ON"}
        (member,) = find_resources(template, "AWS::RDS::DBInstance").values()
        assert member["Properties"]["DBInstanceClass"] == "db.r6g.large"
        assert cluster(template)["DeletionPolicy"] == "Snapshot"
        (schedule,) = find_resources(template, "AWS::SecretsManager::RotationSchedule").values()
        assert schedule["Properties"]["HostedRotationLambda"]["RotationType"] == "MySQLSingleUser"


class TestMysql:
    def test_mysql_instance(self, templates: dict[str, Template]) -> None:
        template = templates["mysql-dev"]
        properties = instance(template)["Properties"]
        assert (properties["Engine"], properties["EngineVersion"]) == ("mysql", "8.0.45")
        assert properties["Port"] == "3307"
        assert properties["EnableCloudwatchLogsExports"] == [
            "audit",
            "error",
            "general",
            "slowquery",
        ]
        (group,) = find_resources(template, "AWS::RDS::DBParameterGroup").values()
        assert group["Properties"]["Parameters"] == {"require_secure_transport": "1"}


class TestFromConfig:
    def test_values_come_from_the_config(self, dev_config: EnvironmentConfig) -> None:
        config = DatabaseConfig.for_stage(
            "staging", engine="mysql", version="8.4.7", backup_retention_days=10
        )
        stack = DatabaseStack(
            make_app(),
            "FromConfig",
            config=dev_config,
            build=lambda s, v: SecureDatabase.from_config(s, "Orders", v, config, port=3310),
        )
        properties = instance(template_of(stack))["Properties"]
        assert (properties["Engine"], properties["EngineVersion"]) == ("mysql", "8.4.7")
        assert properties["DBInstanceClass"] == "db.t4g.medium"
        assert properties["BackupRetentionPeriod"] == 10
        assert (properties["MultiAZ"], properties["DeletionProtection"]) == (True, True)
        assert properties["Port"] == "3310"

    def test_a_config_value_cannot_be_overridden_too(self) -> None:
        stack = Stack(make_app(), "Twice")
        vpc = network(stack)
        with pytest.raises(ValidationError, match=r"multi_az=True: comes from the config"):
            SecureDatabase.from_config(stack, "B", vpc, DatabaseConfig(), multi_az=True)
        with pytest.raises(ValidationError, match=r"regulatd=True: is not a property; did you"):
            SecureDatabase.from_config(stack, "B", vpc, DatabaseConfig(), regulatd=True)
        with pytest.raises(ValidationError, match=r"storage_encrypted=False: must be True"):
            SecureDatabase.from_config(stack, "B", vpc, DatabaseConfig(storage_encrypted=False))
        assert stack.node.try_find_child("B") is None


class TestPinnedLogicalIds:
    """Renaming a child would replace these resources; the ids are public contract."""

    def test_stateful_resources_keep_their_ids(self, templates: dict[str, Template]) -> None:
        template = templates["dev"]
        assert list(find_resources(template, "AWS::RDS::DBInstance")) == ["OrdersDatabaseD3C7C10E"]
        assert list(find_resources(template, "AWS::SecretsManager::Secret")) == [
            "OrdersSecret93AA201F"
        ]
        assert sorted(k for k in find_resources(template, "AWS::KMS::Key") if "Orders" in k) == [
            "OrdersSecretKeyE4BE1B92",
            "OrdersStorageKey1912DAF3",
        ]
        assert sorted(
            k for k in find_resources(template, "AWS::Logs::LogGroup") if "Orders" in k
        ) == ["OrdersLogGrouppostgresqlA6AB64DA", "OrdersLogGroupupgrade18A18CD3"]
        assert list(find_resources(templates["aurora"], "AWS::RDS::DBCluster")) == [
            "OrdersDatabaseD3C7C10E"
        ]


def vpc_without_isolated_subnets(stack: Stack) -> ec2.IVpc:
    return ec2.Vpc(
        stack,
        "Public",
        max_azs=2,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)
        ],
    )


def bad(value: object) -> Any:
    """A value of the wrong type, past the type checker."""
    return value


def db(stack: Stack, **options: Any) -> SecureDatabase:
    """A SecureDatabase ``B`` in a VPC fit for it, with ``options``."""
    vpc = options.pop("vpc", None) or network(stack)
    return SecureDatabase(stack, "B", vpc=vpc, **options)


INVALID: dict[str, tuple[Callable[[Stack], Any], str]] = {
    "major no longer offered": (
        lambda s: db(s, version="9.6"),
        r"SecureDatabase\('B'\): version='9.6': PostgreSQL 9.6 is not offered by aws-cdk-lib "
        r".*the majors offered are 11, 12, .*17, 18",
    ),
    "mysql major no longer offered": (
        lambda s: db(s, engine=DatabaseEngine.MYSQL, version="5.6.51"),
        r"version='5.6.51': MySQL 5.6 is not offered .*majors offered are 5.7, 8.0, 8.4",
    ),
    "minor withdrawn": (
        lambda s: db(s, version="16.2"),
        r"version='16.2': RDS no longer creates PostgreSQL 16.2: use a version it still offers",
    ),
    "version text": (
        lambda s: db(s, version="latest"),
        r"version='latest': must be a version such as '16', '16.13' or '8.0.45'",
    ),
    "rds mysql version for aurora": (
        lambda s: db(s, engine=DatabaseEngine.MYSQL, aurora=True, version="8.0.45"),
        r"version='8.0.45': must be an Aurora MySQL version such as '3.10.4'",
    ),
    "db prefix": (
        lambda s: db(s, instance_type="db.t4g.micro"),
        r"instance_type='db.t4g.micro': leave out the 'db.' prefix: use 't4g.micro'",
    ),
    "unknown family": (
        lambda s: db(s, instance_type="q9.large"),
        r"instance_type='q9.large': 'q9' is not an instance class family of RDS postgres",
    ),
    "burstable for aurora": (
        lambda s: db(s, aurora=True, instance_type="t4g.medium"),
        r"'t4g' is not an instance class family of Aurora postgres \(Aurora takes memory-",
    ),
    "size of the family": (
        lambda s: db(s, instance_type="r6g.micro"),
        r"instance_type='r6g.micro': the r6g family has sizes large",
    ),
    "backup retention too long": (
        lambda s: db(s, backup_retention=Duration.days(36)),
        r"backup_retention='36 days': must be from 1 day to 35 days",
    ),
    "backup retention not whole days": (
        lambda s: db(s, backup_retention=Duration.hours(36)),
        r"backup_retention='1 day 12 hours': must be a whole number of days",
    ),
    "storage too small": (
        lambda s: db(s, allocated_storage_gib=10),
        r"allocated_storage_gib=10: must be between 20 and 65536",
    ),
    "storage too large": (
        lambda s: db(s, allocated_storage_gib=70000),
        r"allocated_storage_gib=70000: must be between 20 and 65536",
    ),
    "ceiling below storage": (
        lambda s: db(s, allocated_storage_gib=200, max_allocated_storage_gib=150),
        r"max_allocated_storage_gib=150: must be at least allocated_storage_gib \(200\)",
    ),
    "storage with aurora": (
        lambda s: db(s, aurora=True, allocated_storage_gib=50),
        r"allocated_storage_gib=50: cannot be given with aurora=True",
    ),
    "serverless without aurora": (
        lambda s: db(s, serverless_v2_capacity=(0.5, 4)),
        r"serverless_v2_capacity=\(0.5, 4\): needs aurora=True",
    ),
    "capacity not in steps": (
        lambda s: db(s, aurora=True, serverless_v2_capacity=(0.7, 4)),
        r"serverless_v2_capacity.min_acu=0.7: must be 0 or 0.5 to 256 ACUs, in steps of 0.5",
    ),
    "capacity too high": (
        lambda s: db(s, aurora=True, serverless_v2_capacity=(1, 300)),
        r"serverless_v2_capacity.max_acu=300: must be 1 to 256 ACUs",
    ),
    "capacity min above max": (
        lambda s: db(s, aurora=True, serverless_v2_capacity=(8, 4)),
        r"serverless_v2_capacity=\(8, 4\): min_acu must not exceed max_acu",
    ),
    "instance type with serverless": (
        lambda s: db(s, aurora=True, serverless_v2_capacity=(0, 4), instance_type="r6g.large"),
        r"instance_type='r6g.large': cannot be given with serverless_v2_capacity",
    ),
    "engine default port": (
        lambda s: db(s, port=5432),
        r"port=5432: is the default port of postgres \(AwsSolutions-RDS11\)",
    ),
    "mysql default port": (
        lambda s: db(s, engine=DatabaseEngine.MYSQL, port=3306),
        r"port=3306: is the default port of mysql",
    ),
    "port out of range": (lambda s: db(s, port=80), r"port=80: must be between 1150 and 65535"),
    "vpc without isolated subnets": (
        lambda s: db(s, vpc=vpc_without_isolated_subnets(s)),
        r"vpc='Invalid/Public': has no isolated subnets",
    ),
    "vpc without secrets manager endpoint": (
        lambda s: db(s, vpc=StandardVpc(s, "Plain")),
        r"vpc='Invalid/Plain': has no Secrets Manager interface endpoint",
    ),
    "rotation interval without rotation": (
        lambda s: db(s, rotation=False, rotation_interval=Duration.days(7)),
        r"rotation_interval='7 days': cannot be given with rotation=False",
    ),
    "multi user without rotation": (
        lambda s: db(s, rotation=False, multi_user_rotation=True),
        r"multi_user_rotation=True: cannot be given with rotation=False",
    ),
    "rotation interval too long": (
        lambda s: db(s, rotation_interval=Duration.days(400)),
        r"rotation_interval='400 days': must be from 1 day to 365 days",
    ),
    "monitoring interval": (
        lambda s: db(s, enhanced_monitoring_interval=Duration.seconds(20)),
        r"enhanced_monitoring_interval='20 seconds': must be 0 \(off\), 1, 5, 10, 15, 30 or 60",
    ),
    "engine as text": (
        lambda s: db(s, engine=bad("oracle")),
        r"engine='oracle': must be one of DatabaseEngine.POSTGRES, DatabaseEngine.MYSQL",
    ),
    "regulated truthy string": (
        lambda s: db(s, regulated=bad("yes")),
        r"regulated='yes': must be True or False",
    ),
    "regulated without performance insights": (
        lambda s: db(s, regulated=True, performance_insights=False),
        r"performance_insights=False: contradicts regulated=True",
    ),
    "regulated without enhanced monitoring": (
        lambda s: db(s, regulated=True, enhanced_monitoring_interval=Duration.seconds(0)),
        r"enhanced_monitoring_interval='0 seconds': contradicts regulated=True",
    ),
    "auto-pause on an aurora postgresql version that cannot pause": (
        lambda s: db(s, aurora=True, version="13.9", serverless_v2_capacity=(0, 2)),
        r"serverless_v2_capacity.min_acu=0: needs an engine version that pauses at 0 ACUs, and "
        r"version '13.9' does not: use 13.15 or later",
    ),
    "auto-pause on an aurora mysql version that cannot pause": (
        lambda s: db(
            s,
            aurora=True,
            engine=DatabaseEngine.MYSQL,
            version="3.04.0",
            serverless_v2_capacity=(0, 2),
        ),
        r"min_acu=0: .* version '8.0.mysql_aurora.3.04.0' does not: use 3.8.0 or later",
    ),
    "mysql class too small for performance insights": (
        lambda s: db(
            s, engine=DatabaseEngine.MYSQL, instance_type="t4g.small", performance_insights=True
        ),
        r"instance_type='t4g.small': is too small for Performance Insights "
        r"\(performance_insights=True",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused(case: str) -> None:
    build, pattern = INVALID[case]
    stack = Stack(make_app(), "Invalid")
    with pytest.raises(ValidationError, match=pattern):
        build(stack)
    assert stack.node.try_find_child("B") is None, "nothing half-made"


def test_the_offered_majors_come_from_aws_cdk_lib() -> None:
    assert "9.6" not in offered_majors(DatabaseEngine.POSTGRES, False)
    assert {"16", "17"} <= set(offered_majors(DatabaseEngine.POSTGRES, False))
    assert "8.0" in offered_majors(DatabaseEngine.MYSQL, False)
    assert "8.0" in offered_majors(DatabaseEngine.MYSQL, True)


def test_one_encryption_key_encrypts_storage_logs_and_secret() -> None:
    stack = Stack(make_app(), "OneKey")
    key = kms.Key(stack, "ServiceKey", enable_key_rotation=True)
    database = db(stack, encryption_key=key)
    assert database.storage_key is key
    assert database.secret_key is key
    template = template_json(template_of(stack))
    key_id = stack.get_logical_id(key.node.default_child)  # type: ignore[arg-type]
    keys = [k for k in find_resources(template, "AWS::KMS::Key") if not k.startswith("Network")]
    assert keys == [key_id], "no key of its own"
    key_ref = {"Fn::GetAtt": [key_id, "Arn"]}
    (resource,) = find_resources(template, "AWS::RDS::DBInstance").values()
    assert resource["Properties"]["KmsKeyId"] == key_ref
    (secret,) = find_resources(template, "AWS::SecretsManager::Secret").values()
    assert secret["Properties"]["KmsKeyId"] == key_ref
    groups = [
        g
        for g in find_resources(template, "AWS::Logs::LogGroup").values()
        if str(g["Properties"].get("LogGroupName", "")).startswith("/aws/rds/")
    ]
    assert groups
    assert all(g["Properties"]["KmsKeyId"] == key_ref for g in groups)
    statements = find_resources(template, "AWS::KMS::Key")[key_id]["Properties"]["KeyPolicy"]
    services = [json.dumps(st["Principal"].get("Service")) for st in statements["Statement"]]
    assert [s for s in services if '"logs."' in s], "CloudWatch Logs may use the key"


def test_allow_from_a_peer_in_another_stack_writes_the_rules_there() -> None:
    """A client in a stack that depends on the database's: the ingress rule goes into the
    client's stack, so the database's stack does not refer back to it (a cycle)."""
    app = make_app()
    data = Stack(app, "Data")
    vpc = network(data)
    database = SecureDatabase(data, "B", vpc=vpc)
    compute = Stack(app, "Compute")
    compute.add_dependency(data)
    client = ec2.SecurityGroup(compute, "Client", vpc=vpc.vpc, allow_all_outbound=False)
    database.allow_from(client, "The client")
    app.synth()  # no DependencyCycle
    data_rules = find_resources(template_of(data), "AWS::EC2::SecurityGroupIngress")
    assert not [r for r in data_rules.values() if "Client" in json.dumps(r)]
    ingress = find_resources(template_of(compute), "AWS::EC2::SecurityGroupIngress")
    (rule,) = ingress.values()
    assert rule["Properties"]["FromPort"] == rule["Properties"]["ToPort"] == 5433
    assert rule["Properties"]["Description"] == "The client"
    (egress,) = find_resources(template_of(compute), "AWS::EC2::SecurityGroupEgress").values()
    assert egress["Properties"]["FromPort"] == 5433, "the client may reach the database port"


def test_methods_refuse_bad_input(dev_config: EnvironmentConfig) -> None:
    stack = Stack(make_app(), "Methods")
    database = SecureDatabase(stack, "B", vpc=network(stack))
    with pytest.raises(ValidationError, match=r"allow_from: peer='0.0.0.0/0': admits every"):
        database.allow_from(ec2.Peer.any_ipv4())
    with pytest.raises(ValidationError, match=r"allow_from: peer='::/0': admits every"):
        database.allow_from(ec2.Peer.any_ipv6())
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    with pytest.raises(ValidationError, match=r"grant_connect: db_user='a b': must be a database"):
        database.grant_connect(role, "a b")
    imported = iam.Role.from_role_name(stack, "Imported", "x", mutable=False)
    database.grant_connect(imported, "app")  # an immutable role: nothing to write, no error


class TestCompliance:
    @pytest.mark.parametrize(
        "name", ["dev", "staging", "production", "aurora-mysql-dev", "mysql-dev", "full"]
    )
    def test_aws_solutions_and_serverless_clean(
        self, stacks: dict[str, DatabaseStack], name: str
    ) -> None:
        assert nag_findings(stacks[name], ("AwsSolutions", "Serverless")) == []

    @pytest.mark.parametrize("name", ["regulated", "aurora", "full"])
    def test_regulated_settings_clean_on_every_pack(
        self, stacks: dict[str, DatabaseStack], name: str
    ) -> None:
        # The network's own findings are StandardVpc's; App is the grantee's role (full).
        findings = [
            f
            for f in nag_findings(stacks[name], NAG_PACKS)
            if "/Network/" not in f.construct_path and "/App/" not in f.construct_path
        ]
        assert findings == []

    def test_default_findings_are_the_documented_ones(
        self, stacks: dict[str, DatabaseStack]
    ) -> None:
        """What regulated=True answers: enhanced monitoring (dev) and the backup plan."""
        page = (ROOT / "docs" / "constructs" / "secure-database.md").read_text()
        for name, rules in (
            ("dev", {"RDSEnhancedMonitoringEnabled", "RDSInBackupPlan"}),
            ("production", {"RDSInBackupPlan"}),
        ):
            findings = {
                (f.rule_id.split("-", 1)[1], f.construct_path.split("/")[-2])
                for f in nag_findings(stacks[name], REGULATED_PACKS)
                if "/Network/" not in f.construct_path
            }
            assert findings == {(rule, "Database") for rule in rules}
            for rule in rules:
                assert rule in page

    @pytest.mark.e2e
    def test_checkov_passes_with_documented_skips(
        self, templates: dict[str, Template], background: Background
    ) -> None:
        report: CheckovReport = checkov_report(background, "secure_database", templates)
        assert [f for f in report.failed if "Network" not in f[2]] == []
        skipped = {check for _, check, _ in report.skipped}
        assert {"CKV_AWS_157", "CKV_AWS_118"} <= skipped, "single-AZ, no enhanced monitoring"
        for _, _, comment in report.skipped:
            assert len(comment) >= 20


class TestMonitoring:
    def test_an_instance_keeps_its_alarm_names(self, dev_config: EnvironmentConfig) -> None:
        def build(stack: Stack, vpc: StandardVpc) -> SecureDatabase:
            database = default_database(stack, vpc)
            topic = AlarmTopic(stack, "Alarms")
            monitoring = ServiceMonitoring(
                stack, "Monitoring", service_name="orders", alarm_topic=topic
            )
            monitoring.monitor_database(database)
            stack.monitoring = monitoring  # type: ignore[attr-defined]
            return database

        stack = DatabaseStack(make_app(), "Monitored", config=dev_config, build=build)
        names = set(stack.monitoring.alarms) - {  # type: ignore[attr-defined]
            "dev-orders-AlarmsDeadLetters-messages"  # the topic's own dead letters
        }
        assert names == {
            f"dev-orders-Orders-{key}"
            for key in (
                "cpu",
                "free-storage",
                "free-storage-percent",
                "connections",
                "read-iops",
                "write-iops",
            )
        }
        template = template_of(stack)
        (percent,) = [
            a
            for a in find_resources(template, "AWS::CloudWatch::Alarm").values()
            if a["Properties"]["AlarmName"] == "dev-orders-Orders-free-storage-percent"
        ]
        expressions = [
            q["Expression"] for q in percent["Properties"]["Metrics"] if "Expression" in q
        ]
        assert expressions == [f"100 * free / {20 * 1024**3}"], "the construct's own storage"

    def test_aurora_serverless_gets_acu_and_deadlock_alarms(
        self, production_config: EnvironmentConfig
    ) -> None:
        def build(stack: Stack, vpc: StandardVpc) -> SecureDatabase:
            database = aurora_database(stack, vpc)
            topic = AlarmTopic(stack, "Alarms")
            monitoring = ServiceMonitoring(
                stack, "Monitoring", service_name="orders", alarm_topic=topic
            )
            monitoring.monitor_database(database, label="aurora")
            stack.monitoring = monitoring  # type: ignore[attr-defined]
            return database

        stack = DatabaseStack(make_app(), "MonitoredAurora", config=production_config, build=build)
        names = set(stack.monitoring.alarms)  # type: ignore[attr-defined]
        assert "production-orders-aurora-acu-utilization" in names
        assert "production-orders-aurora-deadlocks" in names
        assert "production-orders-aurora-free-storage" not in names
        alarms = {
            a["Properties"]["AlarmName"]: a["Properties"]
            for a in find_resources(template_of(stack), "AWS::CloudWatch::Alarm").values()
        }
        acu = alarms["production-orders-aurora-acu-utilization"]
        assert (acu["MetricName"], acu["Threshold"], acu["EvaluationPeriods"]) == (
            "ACUUtilization",
            90,
            3,
        )
        assert acu["Dimensions"][0]["Name"] == "DBClusterIdentifier"
        deadlocks = alarms["production-orders-aurora-deadlocks"]
        assert (deadlocks["MetricName"], deadlocks["Threshold"]) == ("Deadlocks", 0)

    def test_storage_comes_from_the_construct(self) -> None:
        stack = Stack(make_app(), "Twice")
        database = SecureDatabase(stack, "Orders", vpc=network(stack))
        monitoring = ServiceMonitoring(
            stack,
            "Monitoring",
            service_name="orders",
            alarm_topic=AlarmTopic(stack, "A"),
            stage="dev",
        )
        with pytest.raises(ValidationError, match=r"allocated_storage_gib=50: comes from the"):
            monitoring.monitor_database(database, allocated_storage_gib=50)


@pytest.mark.parametrize("name", ["dev", "full"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot
