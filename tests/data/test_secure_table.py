"""SecureTable: defaults per stage, provisioned capacity, validation, grants, the gate and
pinned logical ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import CfnParameter, Environment, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match, Template
from constructs import Construct

from org_constructs import (
    AbstractStack,
    EnvironmentConfig,
    SecureTable,
    Stage,
    TableConfig,
    ValidationError,
    rotating_key,
)
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.contract import ACKNOWLEDGED, APP_SOURCE, LIBRARY_SOURCE, TEMPLATE_KEY
from org_constructs.testing import find_resources, template_json, template_of
from tests.support import gate_findings, make_app

STAGES = [stage.value for stage in Stage]
TABLE, KEY = "OrdersTable1F8332C7", "OrdersKey6C690DD2"
DEFAULT_PACKS = ("AwsSolutions", "Serverless")
AWS_KEY_REASON = "The table holds public product descriptions only, nothing confidential."
PK = dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
SK = dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING)
BY_CUSTOMER = dynamodb.GlobalSecondaryIndexProps(
    index_name="byCustomer",
    partition_key=dynamodb.Attribute(name="customer", type=dynamodb.AttributeType.STRING),
    sort_key=SK,
)


class TableStack(AbstractStack):
    """A stack holding what ``build`` makes (a SecureTable, with grantees if it wants)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        build: Callable[[Stack], SecureTable],
    ) -> None:
        self._build = build
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        self.secure_table = self._build(self)


def default_table(stack: Stack) -> SecureTable:
    return SecureTable(stack, "Orders", partition_key=PK)


def full_table(stack: Stack) -> SecureTable:
    """Every option of a provisioned table (the key is the library's rotating key)."""
    key = rotating_key(stack, "SharedKey", "the items of the orders service")
    return SecureTable(
        stack,
        "Orders",
        partition_key=PK,
        sort_key=SK,
        table_name="orders-service-orders",
        billing_mode=dynamodb.BillingMode.PROVISIONED,
        min_read_capacity=2,
        max_read_capacity=20,
        min_write_capacity=3,
        max_write_capacity=30,
        target_utilization_percent=60,
        encryption_key=key,
        point_in_time_recovery_days=14,
        deletion_protection=True,
        removal_policy=RemovalPolicy.RETAIN,
        time_to_live_attribute="expires",
        stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        global_secondary_indexes=[BY_CUSTOMER],
        contributor_insights=True,
        regulated=True,
    )


def granted_table(stack: Stack) -> SecureTable:
    table = SecureTable(
        stack,
        "Orders",
        partition_key=PK,
        stream=dynamodb.StreamViewType.NEW_IMAGE,
        global_secondary_indexes=[BY_CUSTOMER],
    )
    reader = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    writer = iam.Role(stack, "Writer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    both = iam.Role(stack, "Both", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    streamer = iam.Role(stack, "Streamer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    table.grant_read_data(reader)
    table.grant_write_data(writer)
    table.grant_read_write_data(both)
    table.grant_stream_read(streamer)
    return table


def aws_owned_table(stack: Stack) -> SecureTable:
    return SecureTable(
        stack,
        "Orders",
        partition_key=PK,
        encryption=dynamodb.TableEncryption.DEFAULT,
        encryption_reason=AWS_KEY_REASON,
    )


def regulated_table(stack: Stack) -> SecureTable:
    return SecureTable(stack, "Orders", partition_key=PK, regulated=True)


VARIANTS: dict[str, tuple[str, Callable[[Stack], SecureTable]]] = {
    "dev": ("dev", default_table),
    "staging": ("staging", default_table),
    "production": ("production", default_table),
    "full": ("staging", full_table),
    "grants": ("production", granted_table),
    "aws-owned": ("dev", aws_owned_table),
    "regulated": ("production", regulated_table),
}


@pytest.fixture(scope="module")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, TableStack]:
    """Each variant in its own app (Template.from_stack synthesizes the whole app)."""
    return {
        name: TableStack(make_app(), f"Table-{name}", config=environments[env], build=build)
        for name, (env, build) in VARIANTS.items()
    }


@pytest.fixture(scope="module")
def templates(stacks: dict[str, TableStack]) -> dict[str, Template]:
    return {name: template_of(stack) for name, stack in stacks.items()}


def tables(template: Template) -> dict[str, dict[str, Any]]:
    return find_resources(template, "AWS::DynamoDB::Table")


class TestDefaults:
    @pytest.mark.parametrize("stage", STAGES)
    def test_on_demand_encrypted_with_a_rotating_customer_managed_key(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        template = templates[stage]
        properties = tables(template)[TABLE]["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        assert "ProvisionedThroughput" not in properties
        assert properties["SSESpecification"] == {
            "KMSMasterKeyId": {"Fn::GetAtt": [KEY, "Arn"]},
            "SSEEnabled": True,
            "SSEType": "KMS",
        }
        keys = find_resources(template, "AWS::KMS::Key")
        assert list(keys) == [KEY]
        assert keys[KEY]["Properties"]["EnableKeyRotation"] is True
        assert find_resources(template, "AWS::ApplicationAutoScaling::ScalableTarget") == {}

    @pytest.mark.parametrize("stage", STAGES)
    def test_point_in_time_recovery_from_the_config_model(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        properties = tables(templates[stage])[TABLE]["Properties"]
        assert properties["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True,
            "RecoveryPeriodInDays": TableConfig.for_stage(stage).point_in_time_recovery_days,
        }

    @pytest.mark.parametrize(
        ("stage", "protected", "policy"),
        [("dev", False, "Delete"), ("staging", True, "Retain"), ("production", True, "Retain")],
    )
    def test_deletion_protection_and_removal_policy_follow_the_stage(
        self, templates: dict[str, Template], stage: str, protected: bool, policy: str
    ) -> None:
        template = templates[stage]
        table = tables(template)[TABLE]
        assert table["Properties"]["DeletionProtectionEnabled"] is protected
        assert TableConfig.for_stage(stage).deletion_protection is protected
        for resource in [table, *find_resources(template, "AWS::KMS::Key").values()]:
            assert resource["DeletionPolicy"] == policy
            assert resource["UpdateReplacePolicy"] == policy

    @pytest.mark.parametrize("stage", STAGES)
    def test_the_name_carries_the_stack(self, templates: dict[str, Template], stage: str) -> None:
        properties = tables(templates[stage])[TABLE]["Properties"]
        assert properties["TableName"] == f"Table-{stage}-Orders"
        assert properties["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]

    def test_nothing_optional_by_default(self, templates: dict[str, Template]) -> None:
        template = templates["production"]
        properties = tables(template)[TABLE]["Properties"]
        for absent in (
            "StreamSpecification",
            "TimeToLiveSpecification",
            "GlobalSecondaryIndexes",
            "ContributorInsightsSpecification",
        ):
            assert absent not in properties
        assert find_resources(template, "AWS::Backup::BackupPlan") == {}, "not regulated"

    def test_tagged_as_module(self, templates: dict[str, Template]) -> None:
        tags = tables(templates["dev"])[TABLE]["Properties"]["Tags"]
        assert {"Key": "Module", "Value": "SecureTable"} in tags

    def test_attributes(self, stacks: dict[str, TableStack]) -> None:
        table = stacks["dev"].secure_table
        assert isinstance(table.table, dynamodb.Table)
        assert isinstance(table.encryption_key, kms.Key)
        assert table.provisioned is False
        assert table.table_stream_arn is None
        assert table.backup_plan is None
        for attribute in (table.table_name, table.table_arn):
            assert cdk.Token.is_unresolved(attribute)
        granted = stacks["grants"].secure_table
        assert cdk.Token.is_unresolved(granted.table_stream_arn)

    def test_outside_an_abstract_stack_the_production_defaults(self) -> None:
        stack = Stack(make_app(), "Plain")
        default_table(stack)
        table = tables(Template.from_stack(stack))[TABLE]
        assert table["Properties"]["DeletionProtectionEnabled"] is True
        assert table["DeletionPolicy"] == "Retain"


class TestStageDefaults:
    """One source of stage defaults: the constructor and ``from_config`` agree in every stage."""

    @pytest.mark.parametrize("stage", STAGES)
    def test_constructor_and_from_config_build_the_same_table(
        self, environments: dict[str, EnvironmentConfig], stage: str
    ) -> None:
        config = environments[stage]
        assert config.table == TableConfig.for_stage(stage), "the fixture keeps the defaults"

        def built(build: Callable[[Stack], SecureTable]) -> dict[str, Any]:
            stack = TableStack(make_app(), "T", config=config, build=build)
            return template_json(template_of(stack))

        assert built(default_table) == built(
            lambda s: SecureTable.from_config(s, "Orders", config.table, partition_key=PK)
        )

    def test_from_config_takes_the_environments_values(self, dev_config: EnvironmentConfig) -> None:
        config = TableConfig.for_stage(
            "dev", deletion_protection=True, point_in_time_recovery_days=3
        )
        stack = TableStack(
            make_app(),
            "T",
            config=dev_config,
            build=lambda s: SecureTable.from_config(s, "Orders", config, partition_key=PK),
        )
        properties = tables(template_of(stack))[TABLE]["Properties"]
        assert properties["DeletionProtectionEnabled"] is True
        assert properties["PointInTimeRecoverySpecification"]["RecoveryPeriodInDays"] == 3

    def test_the_config_is_refused_where_it_is_wrong(self, dev_config: EnvironmentConfig) -> None:
        stack = Stack(make_app(), "T")
        with pytest.raises(
            ValidationError, match=r"config=.EnvironmentConfig\('dev'\).: is the whole"
        ):
            SecureTable.from_config(stack, "Orders", dev_config)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"deletion_protection=False: .*comes from"):
            SecureTable.from_config(
                stack, "Orders", TableConfig(), partition_key=PK, deletion_protection=False
            )
        with pytest.raises(ValidationError, match=r"partition_key=None: is required"):
            SecureTable.from_config(stack, "Orders", TableConfig())
        with pytest.raises(
            ValidationError, match=r"TableConfig: point_in_time_recovery_days=36: must be"
        ):
            TableConfig(point_in_time_recovery_days=36)
        assert stack.node.try_find_child("Orders") is None

    def test_production_refuses_an_unprotected_table(self) -> None:
        with pytest.raises(
            ValidationError, match=r"table.deletion_protection=False: must be true in production"
        ):
            EnvironmentConfig(
                account="333333333333",
                region="us-east-1",
                stage=Stage.PRODUCTION,
                table=TableConfig(deletion_protection=False),
            )


class TestProvisioned:
    def test_capacity_scales_between_min_and_max(self, templates: dict[str, Template]) -> None:
        template = templates["full"]
        properties = tables(template)[TABLE]["Properties"]
        assert properties.get("BillingMode", "PROVISIONED") == "PROVISIONED"
        assert properties["ProvisionedThroughput"] == {
            "ReadCapacityUnits": 2,
            "WriteCapacityUnits": 3,
        }
        (index,) = properties["GlobalSecondaryIndexes"]
        assert index["ProvisionedThroughput"] == {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3}
        targets = find_resources(template, "AWS::ApplicationAutoScaling::ScalableTarget")
        found = sorted(
            (
                t["Properties"]["ScalableDimension"],
                t["Properties"]["MinCapacity"],
                t["Properties"]["MaxCapacity"],
            )
            for t in targets.values()
        )
        assert found == [
            ("dynamodb:index:ReadCapacityUnits", 2, 20),
            ("dynamodb:index:WriteCapacityUnits", 3, 30),
            ("dynamodb:table:ReadCapacityUnits", 2, 20),
            ("dynamodb:table:WriteCapacityUnits", 3, 30),
        ]
        policies = find_resources(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
        assert len(policies) == 4
        for policy in policies.values():
            configuration = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
            assert configuration["TargetValue"] == 60

    def test_default_capacities(self) -> None:
        stack = Stack(make_app(), "Provisioned")
        table = SecureTable(
            stack, "Orders", partition_key=PK, billing_mode=dynamodb.BillingMode.PROVISIONED
        )
        assert table.provisioned is True
        template = Template.from_stack(stack)
        targets = find_resources(template, "AWS::ApplicationAutoScaling::ScalableTarget")
        assert {
            (t["Properties"]["MinCapacity"], t["Properties"]["MaxCapacity"])
            for t in targets.values()
        } == {(5, 50)}
        for policy in find_resources(
            template, "AWS::ApplicationAutoScaling::ScalingPolicy"
        ).values():
            assert (
                policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"]
                == 70
            )


class TestOptions:
    def test_every_option_reaches_the_template(self, templates: dict[str, Template]) -> None:
        template = templates["full"]
        properties = tables(template)[TABLE]["Properties"]
        assert properties["TableName"] == "orders-service-orders"
        assert properties["PointInTimeRecoverySpecification"]["RecoveryPeriodInDays"] == 14
        assert properties["TimeToLiveSpecification"] == {
            "AttributeName": "expires",
            "Enabled": True,
        }
        assert properties["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
        assert properties["ContributorInsightsSpecification"]["Enabled"] is True
        assert properties["KeySchema"] == [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ]
        keys = find_resources(template, "AWS::KMS::Key")
        shared = next(k for k in keys if k.startswith("SharedKey"))
        assert properties["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": [shared, "Arn"]}
        assert "OrdersKey" not in "".join(keys)

    def test_regulated_adds_a_daily_backup_plan(self, templates: dict[str, Template]) -> None:
        template = templates["regulated"]
        (plan,) = find_resources(template, "AWS::Backup::BackupPlan").values()
        rules = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
        assert [r["Lifecycle"]["DeleteAfterDays"] for r in rules] == [35]
        (vault,) = find_resources(template, "AWS::Backup::BackupVault").values()
        backup_key = next(k for k in find_resources(template, "AWS::KMS::Key") if "Backup" in k)
        assert vault["Properties"]["EncryptionKeyArn"] == {"Fn::GetAtt": [backup_key, "Arn"]}
        (selection,) = find_resources(template, "AWS::Backup::BackupSelection").values()
        assert selection["Properties"]["BackupSelection"]["Resources"] == [
            {"Fn::GetAtt": [TABLE, "Arn"]}
        ]

    def test_aws_owned_encryption_records_the_teams_reason(
        self, stacks: dict[str, TableStack], templates: dict[str, Template]
    ) -> None:
        assert stacks["aws-owned"].secure_table.encryption_key is None
        template = templates["aws-owned"]
        table = tables(template)[TABLE]
        assert table["Properties"]["SSESpecification"] == {"SSEEnabled": False}
        assert find_resources(template, "AWS::KMS::Key") == {}
        recorded = table["Metadata"][TEMPLATE_KEY][ACKNOWLEDGED]
        assert {(a["tool"], a["rule"], a["reason"], a["source"]) for a in recorded} == {
            ("cfn-guard", "CT.DYNAMODB.PR.2", AWS_KEY_REASON, APP_SOURCE),
        }
        assert table["Metadata"]["checkov"]["skip"] == [
            {"id": "CKV_AWS_119", "comment": AWS_KEY_REASON}
        ]

    def test_destroy_in_production_warns(self, production_config: EnvironmentConfig) -> None:
        stack = TableStack(
            make_app(),
            "Destroy",
            config=production_config,
            build=lambda s: SecureTable(
                s, "Orders", partition_key=PK, removal_policy=RemovalPolicy.DESTROY
            ),
        )
        Annotations.from_stack(stack).has_warning(
            "/Destroy/Orders", Match.string_like_regexp("removal_policy is DESTROY in production")
        )

    def test_tokens_pass(self) -> None:
        stack = Stack(make_app(), "Tokens")
        name = CfnParameter(stack, "Name").value_as_string
        SecureTable(stack, "Orders", partition_key=PK, table_name=name)
        properties = tables(Template.from_stack(stack))[TABLE]["Properties"]
        assert properties["TableName"] == {"Ref": "Name"}


class TestPinnedLogicalIds:
    """Renaming a child would replace these resources; the ids are public contract."""

    def test_stateful_resources_keep_their_ids(self, templates: dict[str, Template]) -> None:
        assert list(tables(templates["dev"])) == [TABLE]
        assert list(find_resources(templates["dev"], "AWS::KMS::Key")) == [KEY]
        regulated = templates["regulated"]
        assert sorted(find_resources(regulated, "AWS::KMS::Key")) == sorted(
            [KEY, "OrdersBackupKey3EE0A19C"]
        )
        assert list(find_resources(regulated, "AWS::Backup::BackupVault")) == [
            "OrdersBackupVault3BBFF1A7"
        ]


def _gsi(**props: Any) -> dynamodb.GlobalSecondaryIndexProps:
    values: dict[str, Any] = {
        "index_name": "byCustomer",
        "partition_key": dynamodb.Attribute(name="customer", type=dynamodb.AttributeType.STRING),
        **props,
    }
    return dynamodb.GlobalSecondaryIndexProps(**values)


INVALID: dict[str, tuple[Callable[[Stack], Any], str]] = {
    "partition key of the wrong type": (
        lambda s: SecureTable(s, "T", partition_key="pk"),  # type: ignore[arg-type]
        r"SecureTable\('T'\): partition_key='pk'",
    ),
    "sort key on the partition key": (
        lambda s: SecureTable(s, "T", partition_key=PK, sort_key=PK),
        r"sort_key='pk': is the partition key's attribute too",
    ),
    "name characters": (
        lambda s: SecureTable(s, "T", partition_key=PK, table_name="orders table"),
        r"SecureTable\('T'\): table_name='orders table': .*3 to 255 letters",
    ),
    "name too short": (
        lambda s: SecureTable(s, "T", partition_key=PK, table_name="ab"),
        r"table_name='ab'",
    ),
    "capacity on demand": (
        lambda s: SecureTable(s, "T", partition_key=PK, max_read_capacity=10),
        r"max_read_capacity=10: applies only to billing_mode=BillingMode.PROVISIONED",
    ),
    "min above max": (
        lambda s: SecureTable(
            s,
            "T",
            partition_key=PK,
            billing_mode=dynamodb.BillingMode.PROVISIONED,
            min_write_capacity=20,
            max_write_capacity=10,
        ),
        r"min_write_capacity=20: must not exceed max_write_capacity \(10\)",
    ),
    "min above the default max": (
        lambda s: SecureTable(
            s,
            "T",
            partition_key=PK,
            billing_mode=dynamodb.BillingMode.PROVISIONED,
            min_read_capacity=60,
        ),
        r"min_read_capacity=60: must not exceed max_read_capacity \(50\)",
    ),
    "capacity zero": (
        lambda s: SecureTable(
            s,
            "T",
            partition_key=PK,
            billing_mode=dynamodb.BillingMode.PROVISIONED,
            min_read_capacity=0,
        ),
        r"min_read_capacity=0: must be between 1 and 40000",
    ),
    "utilization too low": (
        lambda s: SecureTable(
            s,
            "T",
            partition_key=PK,
            billing_mode=dynamodb.BillingMode.PROVISIONED,
            target_utilization_percent=10,
        ),
        r"target_utilization_percent=10: must be between 20 and 90",
    ),
    "utilization too high": (
        lambda s: SecureTable(
            s,
            "T",
            partition_key=PK,
            billing_mode=dynamodb.BillingMode.PROVISIONED,
            target_utilization_percent=95,
        ),
        r"target_utilization_percent=95: must be between 20 and 90",
    ),
    "aws owned without a reason": (
        lambda s: SecureTable(
            s, "T", partition_key=PK, encryption=dynamodb.TableEncryption.DEFAULT
        ),
        r"encryption=.*DEFAULT.*: needs encryption_reason",
    ),
    "aws managed with a short reason": (
        lambda s: SecureTable(
            s,
            "T",
            partition_key=PK,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            encryption_reason="public",
        ),
        r"encryption_reason='public': must explain in at least 20 characters",
    ),
    "a reason with a customer-managed key": (
        lambda s: SecureTable(s, "T", partition_key=PK, encryption_reason=AWS_KEY_REASON),
        r"encryption_reason=.*: is the reason for a table without a customer-managed key",
    ),
    "a key with aws owned encryption": (
        lambda s: SecureTable(
            s,
            "T",
            partition_key=PK,
            encryption=dynamodb.TableEncryption.DEFAULT,
            encryption_reason=AWS_KEY_REASON,
            encryption_key=kms.Key(s, "K"),
        ),
        r"encryption_key='Invalid/K': is a customer-managed key, and encryption is",
    ),
    "recovery period too long": (
        lambda s: SecureTable(s, "T", partition_key=PK, point_in_time_recovery_days=36),
        r"point_in_time_recovery_days=36: must be between 1 and 35",
    ),
    "recovery period zero": (
        lambda s: SecureTable(s, "T", partition_key=PK, point_in_time_recovery_days=0),
        r"point_in_time_recovery_days=0: must be between 1 and 35",
    ),
    "snapshot removal policy": (
        lambda s: SecureTable(s, "T", partition_key=PK, removal_policy=RemovalPolicy.SNAPSHOT),
        r"removal_policy=.*: DynamoDB tables have no CloudFormation snapshots",
    ),
    "empty time to live attribute": (
        lambda s: SecureTable(s, "T", partition_key=PK, time_to_live_attribute=""),
        r"time_to_live_attribute='': must be an attribute name of 1 to 255 bytes",
    ),
    "too many indexes": (
        lambda s: SecureTable(
            s,
            "T",
            partition_key=PK,
            global_secondary_indexes=[_gsi(index_name=f"index{i}") for i in range(21)],
        ),
        r"global_secondary_indexes=\['index0', .*'index20'\]: has 21 indexes: DynamoDB allows 20",
    ),
    "two indexes of one name": (
        lambda s: SecureTable(s, "T", partition_key=PK, global_secondary_indexes=[_gsi(), _gsi()]),
        r"global_secondary_indexes\[1\].index_name='byCustomer': names another index too",
    ),
    "index name too short": (
        lambda s: SecureTable(
            s, "T", partition_key=PK, global_secondary_indexes=[_gsi(index_name="by")]
        ),
        r"global_secondary_indexes\[0\].index_name='by'",
    ),
    "index with capacity": (
        lambda s: SecureTable(
            s, "T", partition_key=PK, global_secondary_indexes=[_gsi(read_capacity=5)]
        ),
        r"global_secondary_indexes\[0\].read_capacity=5: comes from the table",
    ),
    "index without a partition key": (
        lambda s: SecureTable(
            s,
            "T",
            partition_key=PK,
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexProps(index_name="bySort", sort_key=SK)
            ],
        ),
        r"global_secondary_indexes\[0\].partition_key=None: is required",
    ),
    "an attribute of two types": (
        lambda s: SecureTable(
            s,
            "T",
            partition_key=PK,
            global_secondary_indexes=[
                _gsi(
                    partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.NUMBER)
                )
            ],
        ),
        r"global_secondary_indexes\[0\].partition_key='pk': is a key attribute of type .*NUMBER"
        r" here and .*STRING elsewhere",
    ),
    "an index that is no props": (
        lambda s: SecureTable(
            s,
            "T",
            partition_key=PK,
            global_secondary_indexes=["byCustomer"],  # type: ignore[list-item]
        ),
        r"global_secondary_indexes",
    ),
    "wrong type": (
        lambda s: SecureTable(s, "T", partition_key=PK, contributor_insights="yes"),  # type: ignore[arg-type]
        r"SecureTable\('T'\): contributor_insights='yes'",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused(case: str) -> None:
    build, pattern = INVALID[case]
    stack = Stack(make_app(), "Invalid")
    with pytest.raises(ValidationError, match=pattern):
        build(stack)
    assert stack.node.try_find_child("T") is None, "nothing half-made"


def test_an_encryption_key_of_another_region_is_refused_naming_both_regions() -> None:
    stack = Stack(make_app(), "Keys", env=Environment(account="111111111111", region="us-east-1"))
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    with pytest.raises(
        ValidationError,
        match=r"SecureTable\('T'\): encryption_key='Keys/Key': is in region eu-west-1, the "
        r"stack in us-east-1",
    ):
        SecureTable(stack, "T", partition_key=PK, encryption_key=key)
    assert stack.node.try_find_child("T") is None


class TestGrants:
    @staticmethod
    def policies(template: Template) -> dict[str, dict[str, Any]]:
        return {
            name[:-8]: policy
            for name, policy in find_resources(template, "AWS::IAM::ManagedPolicy").items()
        }

    @staticmethod
    def actions(policy: dict[str, Any]) -> set[str]:
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        return {
            a
            for s in statements
            for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }

    def test_grants_land_in_the_librarys_policy(self, templates: dict[str, Template]) -> None:
        template = templates["grants"]
        assert find_resources(template, "AWS::IAM::Policy") == {}, "no default policy"
        policies = self.policies(template)
        assert sorted(policies) == [
            "BothOrgConstructsGrants",
            "ReaderOrgConstructsGrants",
            "StreamerOrgConstructsGrants",
            "WriterOrgConstructsGrants",
        ]
        reader = self.actions(policies["ReaderOrgConstructsGrants"])
        assert {"dynamodb:GetItem", "dynamodb:Query", "kms:Decrypt"} <= reader
        assert not {"dynamodb:PutItem", "kms:Encrypt"} & reader
        writer = self.actions(policies["WriterOrgConstructsGrants"])
        assert {"dynamodb:PutItem", "dynamodb:DeleteItem", "kms:GenerateDataKey*"} <= writer
        assert "dynamodb:GetItem" not in writer
        both = self.actions(policies["BothOrgConstructsGrants"])
        assert {"dynamodb:GetItem", "dynamodb:PutItem", "kms:ReEncrypt*"} <= both
        streamer = self.actions(policies["StreamerOrgConstructsGrants"])
        assert {"dynamodb:ListStreams", "dynamodb:GetRecords", "kms:Decrypt"} <= streamer

    def test_exactly_the_wildcards_written_are_acknowledged(
        self, templates: dict[str, Template]
    ) -> None:
        index = f"AwsSolutions-IAM5[Resource::<{TABLE}.Arn>/index/*]"
        keys = {
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
        }
        recorded = {
            name: {
                a["rule"]
                for a in (p.get("Metadata") or {}).get(TEMPLATE_KEY, {}).get(ACKNOWLEDGED, [])
                if a["source"] == LIBRARY_SOURCE
            }
            for name, p in self.policies(templates["grants"]).items()
        }
        assert recorded == {
            "ReaderOrgConstructsGrants": {index},
            "WriterOrgConstructsGrants": {index, *keys},
            "BothOrgConstructsGrants": {index, *keys},
            "StreamerOrgConstructsGrants": {"AwsSolutions-IAM5[Resource::*]"},
        }

    def test_without_indexes_no_index_wildcard(self, dev_config: EnvironmentConfig) -> None:
        def build(stack: Stack) -> SecureTable:
            table = default_table(stack)
            role = iam.Role(
                stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
            )
            table.grant_read_data(role)
            return table

        template = template_of(TableStack(make_app(), "NoIndex", config=dev_config, build=build))
        (policy,) = find_resources(template, "AWS::IAM::ManagedPolicy").values()
        assert "Metadata" not in policy, "nothing to acknowledge"

    def test_the_teams_own_grants_are_not_acknowledged(self, dev_config: EnvironmentConfig) -> None:
        def build(stack: Stack) -> SecureTable:
            table = default_table(stack)
            role = iam.Role(stack, "Team", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
            table.table.grant_write_data(role)  # the team's own, in the role's policy
            return table

        stack = TableStack(make_app(), "Own", config=dev_config, build=build)
        findings = {f.rule_id for f in nag_findings(stack, DEFAULT_PACKS)}
        assert findings == {
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
        }

    def test_bad_grants_are_refused(self) -> None:
        stack = Stack(make_app(), "Grants")
        table = default_table(stack)
        role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        imported = lambda_.Function.from_function_name(stack, "Imported", "orders")
        with pytest.raises(
            ValidationError,
            match=r"SecureTable\('Orders'\).grant_read_data: grantee='Grants/Imported': has no",
        ):
            table.grant_read_data(imported)
        with pytest.raises(
            ValidationError,
            match=r"SecureTable\('Orders'\).grant_stream_read: grantee='Grants/Role': cannot "
            r"read a stream: the table has none",
        ):
            table.grant_stream_read(role)
        with pytest.raises(ValidationError, match=r"grant_write_data: grantee='role'"):
            table.grant_write_data("role")  # type: ignore[arg-type]
        assert role.node.try_find_child("OrgConstructsGrants") is None, "nothing granted"


class TestCompliance:
    @pytest.mark.parametrize("name", [n for n in VARIANTS if n not in ("full", "regulated")])
    def test_the_default_packs_are_clean(self, stacks: dict[str, TableStack], name: str) -> None:
        assert nag_findings(stacks[name], DEFAULT_PACKS) == []

    @pytest.mark.parametrize("name", ["full", "regulated"])
    def test_regulated_tables_pass_every_pack(
        self, stacks: dict[str, TableStack], name: str
    ) -> None:
        assert nag_findings(stacks[name], NAG_PACKS) == []

    def test_without_regulated_only_the_backup_plan_rules_remain(
        self, stacks: dict[str, TableStack]
    ) -> None:
        """The regulated packs' backup rule is left to be seen: ``regulated=True`` answers it."""
        findings = {f.rule_id for f in nag_findings(stacks["production"], NAG_PACKS)}
        assert findings == {
            "HIPAA.Security-DynamoDBInBackupPlan",
            "NIST.800.53.R5-DynamoDBInBackupPlan",
        }

    @pytest.mark.e2e
    def test_the_gate_is_clean_in_every_stage(
        self, environments: dict[str, EnvironmentConfig], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """cfn-guard (Control Tower), cfn-lint and checkov over every variant, as ``org-cdk
        validate`` runs them: nothing blocks, and only the app's own reason (AWS-owned
        encryption) is the team's."""

        def add_stacks(app: cdk.App) -> None:
            for name, (env, build) in VARIANTS.items():
                TableStack(app, f"Table-{name}", config=environments[env], build=build)

        findings = gate_findings(add_stacks, monkeypatch)
        assert [f for f in findings if f.blocking] == []
        assert {(f.tool, f.rule, f.stack, f.acknowledged) for f in findings} == {
            ("cfn-guard", "CT.DYNAMODB.PR.2", "Table-aws-owned", AWS_KEY_REASON),
            ("checkov", "CKV_AWS_119", "Table-aws-owned", AWS_KEY_REASON),
        }


def test_a_bare_app_without_feature_flags(production_config: EnvironmentConfig) -> None:
    """A consumer's unit test: ``cdk.App()`` with no context at all."""
    app = cdk.App()
    stack = TableStack(app, "Bare", config=production_config, build=granted_table)
    template = app.synth().get_stack_by_name(stack.stack_name).template
    assert [k for k, v in template["Resources"].items() if v["Type"] == "AWS::DynamoDB::Table"] == [
        TABLE
    ]
    assert nag_findings(stack, DEFAULT_PACKS) == []


@pytest.mark.parametrize("name", ["dev", "full"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot
