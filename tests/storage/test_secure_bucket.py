"""SecureBucket: defaults, options, validation, compliance packs and pinned logical ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import Annotations as CoreAnnotations
from aws_cdk import CfnParameter, Duration, Environment, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as lambda_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match, Template
from constructs import Construct

from org_constructs import (
    AbstractStack,
    BucketLifecycleRule,
    BucketTransition,
    EnvironmentConfig,
    SecureBucket,
    ValidationError,
)
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.compliance._acknowledgements import CDK_HANDLER_CHECKOV_CHECKS
from org_constructs.contract import REGULATED_PACKS
from org_constructs.testing import assert_no_wildcard_iam, find_resources, template_of
from tests.support import (
    ROOT,
    Background,
    CheckovReport,
    checkov_report,
    make_app,
    templates_for_checkov,
)

DR_BUCKET_ARN = "arn:aws:s3:::org-data-dr-us-west-2"


class BucketStack(AbstractStack):
    """A stack holding one SecureBucket built by ``build``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        build: Callable[[Stack], SecureBucket],
    ) -> None:
        self._build = build
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        self.secure_bucket = self._build(self)


def default_bucket(stack: Stack) -> SecureBucket:
    return SecureBucket(stack, "Data")


def full_bucket(stack: Stack) -> SecureBucket:
    key = kms.Key(stack, "SharedKey", enable_key_rotation=True)
    return SecureBucket(
        stack,
        "Data",
        bucket_name="org-data-full-example",
        encryption_key=key,
        lifecycle_rules=[
            BucketLifecycleRule.guide_default(),
            BucketLifecycleRule(
                id="archive-reports",
                prefix="reports/",
                transitions=[
                    BucketTransition(s3.StorageClass.INFREQUENT_ACCESS, 30),
                    BucketTransition(s3.StorageClass.GLACIER, 90),
                ],
                noncurrent_transitions=[BucketTransition(s3.StorageClass.GLACIER, 30)],
                noncurrent_expiration_days=180,
            ),
        ],
        access_logs_prefix="logs/data/",
        access_log_retention_days=30,
        event_bridge_enabled=True,
        cors=[
            s3.CorsRule(
                allowed_methods=[s3.HttpMethods.GET], allowed_origins=["https://example.com"]
            )
        ],
    )


def regulated_bucket(stack: Stack) -> SecureBucket:
    """The documented regulated settings: replication and a central access log bucket."""
    destination = s3.Bucket.from_bucket_arn(stack, "DisasterRecovery", DR_BUCKET_ARN)
    central_logs = s3.Bucket.from_bucket_name(stack, "CentralLogs", "org-central-access-logs")
    bucket = SecureBucket(
        stack, "Data", replication_destination=destination, access_log_bucket=central_logs
    )
    # The central log bucket belongs to the log archive account, which grants log delivery.
    CoreAnnotations.of(bucket).acknowledge_warning(
        "@aws-cdk/aws-s3:accessLogsPolicyNotAdded", "the log archive account grants delivery"
    )
    return bucket


@pytest.fixture(scope="session")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, BucketStack]:
    """Each variant in its own app (Template.from_stack synthesizes the whole app)."""
    variants: dict[str, tuple[str, Callable[[Stack], SecureBucket]]] = {
        "dev": ("dev", default_bucket),
        "production": ("production", default_bucket),
        "full": ("staging", full_bucket),
        "regulated": ("production", regulated_bucket),
    }
    return {
        name: BucketStack(make_app(), f"Bucket-{name}", config=environments[env], build=build)
        for name, (env, build) in variants.items()
    }


@pytest.fixture(scope="session")
def templates(
    stacks: dict[str, BucketStack], background: Background, request: pytest.FixtureRequest
) -> dict[str, Template]:
    """Session-scoped: the end-to-end checkov test reads them after the fast tests."""
    return templates_for_checkov(stacks, background, request, __file__, "secure_bucket")


def data_bucket(template: Template) -> dict[str, Any]:
    resource: dict[str, Any] = find_resources(template, "AWS::S3::Bucket")["DataBucketE6B0FAA8"]
    return resource


class TestDefaults:
    def test_kms_encryption_with_bucket_key_and_rotating_key(
        self, templates: dict[str, Template]
    ) -> None:
        template = templates["dev"]
        template.has_resource_properties(
            "AWS::S3::Bucket",
            {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "BucketKeyEnabled": True,
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey5F086070", "Arn"]},
                            },
                        }
                    ]
                }
            },
        )
        template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})

    def test_private_versioned_owner_enforced(self, templates: dict[str, Template]) -> None:
        properties = data_bucket(templates["dev"])["Properties"]
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert properties["OwnershipControls"] == {
            "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
        }

    def test_tls_12_and_ssl_enforced(self, templates: dict[str, Template]) -> None:
        policies = find_resources(templates["dev"], "AWS::S3::BucketPolicy")
        data_policy = next(
            p
            for p in policies.values()
            if p["Properties"]["Bucket"] == {"Ref": "DataBucketE6B0FAA8"}
        )
        statements = data_policy["Properties"]["PolicyDocument"]["Statement"]
        conditions = [s["Condition"] for s in statements if s["Effect"] == "Deny"]
        assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
        assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions

    def test_access_logs_to_a_dedicated_secure_log_bucket(
        self, templates: dict[str, Template]
    ) -> None:
        template = templates["dev"]
        assert data_bucket(template)["Properties"]["LoggingConfiguration"] == {
            "DestinationBucketName": {"Ref": "DataAccessLogsC0C25EE4"},
            "LogFilePrefix": "access-logs/",
        }
        log_bucket = find_resources(template, "AWS::S3::Bucket")["DataAccessLogsC0C25EE4"]
        properties = log_bucket["Properties"]
        assert "LoggingConfiguration" not in properties, "the log bucket logs nowhere: no loop"
        encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
        assert properties["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
        (rule,) = properties["LifecycleConfiguration"]["Rules"]
        assert rule["ExpirationInDays"] == 7, "dev keeps access logs for the dev log retention"

    def test_log_bucket_retention_follows_stage(self, templates: dict[str, Template]) -> None:
        log_bucket = find_resources(templates["production"], "AWS::S3::Bucket")[
            "DataAccessLogsC0C25EE4"
        ]
        (rule,) = log_bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        assert rule["ExpirationInDays"] == 365

    def test_incomplete_uploads_are_removed(self, templates: dict[str, Template]) -> None:
        rules = data_bucket(templates["dev"])["Properties"]["LifecycleConfiguration"]["Rules"]
        assert rules == [
            {
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                "Id": "abort-incomplete-multipart-uploads",
                "Status": "Enabled",
            }
        ]

    @pytest.mark.parametrize(("name", "policy"), [("dev", "Delete"), ("production", "Retain")])
    def test_removal_policy_follows_stage(
        self, templates: dict[str, Template], name: str, policy: str
    ) -> None:
        for resource_type in ("AWS::S3::Bucket", "AWS::KMS::Key"):
            for resource in find_resources(templates[name], resource_type).values():
                assert resource["DeletionPolicy"] == policy
                assert resource["UpdateReplacePolicy"] == policy

    def test_no_auto_delete_unless_asked(self, templates: dict[str, Template]) -> None:
        assert find_resources(templates["dev"], "Custom::S3AutoDeleteObjects") == {}

    def test_tagged_as_module(self, templates: dict[str, Template]) -> None:
        tags = {t["Key"]: t["Value"] for t in data_bucket(templates["dev"])["Properties"]["Tags"]}
        assert tags["Module"] == "SecureBucket"
        assert tags["Environment"] == "dev"

    def test_attributes(self, stacks: dict[str, BucketStack]) -> None:
        bucket = stacks["dev"].secure_bucket
        assert isinstance(bucket.bucket, s3.Bucket)
        assert isinstance(bucket.encryption_key, kms.Key)
        assert isinstance(bucket.access_log_bucket, s3.Bucket)
        assert bucket.bucket_name == bucket.bucket.bucket_name
        assert bucket.bucket_arn == bucket.bucket.bucket_arn


class TestOptions:
    def test_given_key_is_used_and_no_key_created(self, templates: dict[str, Template]) -> None:
        template = templates["full"]
        assert list(find_resources(template, "AWS::KMS::Key")) == ["SharedKey1EE60F1E"]
        encryption = data_bucket(template)["Properties"]["BucketEncryption"]
        default = encryption["ServerSideEncryptionConfiguration"][0][
            "ServerSideEncryptionByDefault"
        ]
        assert default["KMSMasterKeyID"] == {"Fn::GetAtt": ["SharedKey1EE60F1E", "Arn"]}

    def test_lifecycle_rules(self, templates: dict[str, Template]) -> None:
        rules = data_bucket(templates["full"])["Properties"]["LifecycleConfiguration"]["Rules"]
        assert rules[0] == {
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            "ExpirationInDays": 365,
            "Id": "expire-after-a-year",
            "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
            "Status": "Enabled",
        }
        assert rules[1]["Prefix"] == "reports/"
        assert rules[1]["Transitions"] == [
            {"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
            {"StorageClass": "GLACIER", "TransitionInDays": 90},
        ]
        assert rules[1]["NoncurrentVersionTransitions"] == [
            {"StorageClass": "GLACIER", "TransitionInDays": 30}
        ]

    def test_name_logs_events_cors(self, templates: dict[str, Template]) -> None:
        properties = data_bucket(templates["full"])["Properties"]
        assert properties["BucketName"] == "org-data-full-example"
        assert properties["LoggingConfiguration"]["LogFilePrefix"] == "logs/data/"
        (notifications,) = find_resources(
            templates["full"], "Custom::S3BucketNotifications"
        ).values()
        assert notifications["Properties"]["NotificationConfiguration"] == {
            "EventBridgeConfiguration": {}
        }
        assert properties["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"] == [
            "https://example.com"
        ]

    def test_replication_with_a_least_privilege_role(self, templates: dict[str, Template]) -> None:
        template = templates["regulated"]
        replication = data_bucket(template)["Properties"]["ReplicationConfiguration"]
        (rule,) = replication["Rules"]
        assert rule["Destination"]["Bucket"] == DR_BUCKET_ARN
        assert rule["Status"] == "Enabled"
        assert rule["DeleteMarkerReplication"] == {"Status": "Enabled"}
        assert rule["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
        (policy,) = find_resources(template, "AWS::IAM::ManagedPolicy").values()
        actions = {
            a
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }
        assert "s3:ReplicateObject" in actions
        assert "kms:Decrypt" in actions
        assert find_resources(template, "AWS::IAM::Policy") == {}, "no inline policies"
        assert_no_wildcard_iam(template)

    def test_central_log_bucket_means_no_log_bucket_created(
        self, templates: dict[str, Template]
    ) -> None:
        assert list(find_resources(templates["regulated"], "AWS::S3::Bucket")) == [
            "DataBucketE6B0FAA8"
        ]

    def test_s3_managed_encryption_and_no_logs(self, dev_config: EnvironmentConfig) -> None:
        stack = BucketStack(
            make_app(),
            "Plain",
            config=dev_config,
            build=lambda s: SecureBucket(
                s, "Data", encryption=s3.BucketEncryption.S3_MANAGED, server_access_logs=False
            ),
        )
        template = template_of(stack)
        assert find_resources(template, "AWS::KMS::Key") == {}
        properties = data_bucket(template)["Properties"]
        assert "LoggingConfiguration" not in properties
        assert stack.secure_bucket.encryption_key is None
        assert stack.secure_bucket.access_log_bucket is None

    def test_auto_delete_in_dev(self, dev_config: EnvironmentConfig) -> None:
        stack = BucketStack(
            make_app(),
            "AutoDelete",
            config=dev_config,
            build=lambda s: SecureBucket(s, "Data", auto_delete_objects=True),
        )
        assert len(find_resources(template_of(stack), "Custom::S3AutoDeleteObjects")) == 2

    def test_outside_an_abstract_stack_data_is_retained(self) -> None:
        stack = Stack(make_app(), "Plain")
        SecureBucket(stack, "Data")
        template = Template.from_stack(stack)
        template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Retain"})
        log_bucket = find_resources(template, "AWS::S3::Bucket")["DataAccessLogsC0C25EE4"]
        (rule,) = log_bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        assert rule["ExpirationInDays"] == 365

    def test_destroy_in_production_warns(self, production_config: EnvironmentConfig) -> None:
        stack = BucketStack(
            make_app(),
            "Destroy",
            config=production_config,
            build=lambda s: SecureBucket(s, "Data", removal_policy=RemovalPolicy.DESTROY),
        )
        Annotations.from_stack(stack).has_warning(
            "/Destroy/Data", Match.string_like_regexp("removal_policy is DESTROY in production")
        )

    def test_grants_delegate_to_the_bucket(self, dev_config: EnvironmentConfig) -> None:
        def build(stack: Stack) -> SecureBucket:
            bucket = SecureBucket(stack, "Data")
            for index, grant in enumerate(
                (
                    bucket.grant_read,
                    bucket.grant_write,
                    bucket.grant_read_write,
                    bucket.grant_put,
                    bucket.grant_delete,
                )
            ):
                role = iam.Role(stack, f"Role{index}", assumed_by=iam.AccountRootPrincipal())
                assert grant(role).success
            return bucket

        template = template_of(BucketStack(make_app(), "Grants", config=dev_config, build=build))
        # Each role's grants land in the library's own policy, none in a default policy.
        assert find_resources(template, "AWS::IAM::Policy") == {}
        policies = find_resources(template, "AWS::IAM::ManagedPolicy")
        assert sorted(name[:-8] for name in policies) == [
            f"Role{index}OrgConstructsGrants" for index in range(5)
        ]
        actions = [
            a
            for p in policies.values()
            for s in p["Properties"]["PolicyDocument"]["Statement"]
            for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        ]
        assert "s3:GetObject*" in actions
        assert "s3:PutObject" in actions
        assert "s3:DeleteObject*" in actions
        assert "kms:Decrypt" in actions


class TestPinnedLogicalIds:
    """Renaming a child would replace these resources; the ids are public contract."""

    def test_stateful_resources_keep_their_ids(self, templates: dict[str, Template]) -> None:
        template = templates["dev"]
        assert sorted(find_resources(template, "AWS::S3::Bucket")) == [
            "DataAccessLogsC0C25EE4",
            "DataBucketE6B0FAA8",
        ]
        assert sorted(find_resources(template, "AWS::KMS::Key")) == ["DataKey5F086070"]


INVALID: dict[str, tuple[Callable[[Stack], Any], str]] = {
    "name uppercase": (
        lambda s: SecureBucket(s, "B", bucket_name="My-Bucket"),
        r"SecureBucket\('B'\): bucket_name='My-Bucket': must be 3 to 63 lowercase",
    ),
    "name too short": (lambda s: SecureBucket(s, "B", bucket_name="ab"), r"bucket_name='ab'"),
    "name double dot": (lambda s: SecureBucket(s, "B", bucket_name="a..b"), r"have no '\.\.'"),
    "name ip": (lambda s: SecureBucket(s, "B", bucket_name="192.168.1.1"), r"like an IP"),
    "name reserved": (
        lambda s: SecureBucket(s, "B", bucket_name="xn--bucket"),
        r"bucket_name='xn--bucket': uses a prefix or suffix that S3 reserves",
    ),
    "encryption unsupported": (
        lambda s: SecureBucket(s, "B", encryption=s3.BucketEncryption.UNENCRYPTED),
        r"encryption=.*must be BucketEncryption.KMS or BucketEncryption.S3_MANAGED",
    ),
    "key with s3 managed": (
        lambda s: SecureBucket(
            s, "B", encryption=s3.BucketEncryption.S3_MANAGED, encryption_key=kms.Key(s, "K")
        ),
        r"must be BucketEncryption.KMS when encryption_key is given",
    ),
    "tls below 1.2": (
        lambda s: SecureBucket(s, "B", minimum_tls_version=1.0),
        r"minimum_tls_version=1.0: must be 1.2 or newer",
    ),
    "log retention zero": (
        lambda s: SecureBucket(s, "B", access_log_retention_days=0),
        r"access_log_retention_days=0: must be between 1 and 2147483647",
    ),
    "lifecycle raw rule": (
        lambda s: SecureBucket(s, "B", lifecycle_rules=[s3.LifecycleRule(enabled=True)]),  # type: ignore[list-item]
        r"lifecycle_rules\[0\]=.*must be a BucketLifecycleRule",
    ),
    "auto delete retained": (
        lambda s: SecureBucket(
            s, "B", auto_delete_objects=True, removal_policy=RemovalPolicy.RETAIN
        ),
        r"auto_delete_objects=True: needs removal_policy=RemovalPolicy.DESTROY",
    ),
    "replication unversioned": (
        lambda s: SecureBucket(
            s,
            "B",
            versioned=False,
            replication_destination=s3.Bucket.from_bucket_arn(s, "D", DR_BUCKET_ARN),
        ),
        r"versioned=False: must be True when replication_destination is given",
    ),
    "tls above 1.3": (
        lambda s: SecureBucket(s, "B", minimum_tls_version=5.0),
        r"minimum_tls_version=5.0: must be 1.2 or 1.3: no newer TLS version exists",
    ),
    "tls as text": (
        lambda s: SecureBucket(s, "B", minimum_tls_version=bad("1.2")),
        r"minimum_tls_version='1.2': must be a number",
    ),
    "versioned truthy string": (
        lambda s: SecureBucket(s, "B", versioned=bad("false")),
        r"versioned='false': must be True or False",
    ),
    "key not a key": (
        lambda s: SecureBucket(s, "B", encryption_key=bad("alias/data")),
        r"encryption_key='alias/data': must be an aws_kms.IKey or None",
    ),
    "log bucket without access logs": (
        lambda s: SecureBucket(
            s,
            "B",
            server_access_logs=False,
            access_log_bucket=s3.Bucket.from_bucket_name(s, "L", "org-logs"),
        ),
        r"access_log_bucket=.*: cannot be given with server_access_logs=False",
    ),
    "log prefix without access logs": (
        lambda s: SecureBucket(s, "B", server_access_logs=False, access_logs_prefix="logs/"),
        r"access_logs_prefix='logs/': cannot be given with server_access_logs=False",
    ),
    "log retention without access logs": (
        lambda s: SecureBucket(s, "B", server_access_logs=False, access_log_retention_days=30),
        r"access_log_retention_days=30: cannot be given with server_access_logs=False",
    ),
    "log retention of a given log bucket": (
        lambda s: SecureBucket(
            s,
            "B",
            access_log_bucket=s3.Bucket.from_bucket_name(s, "L", "org-logs"),
            access_log_retention_days=30,
        ),
        r"access_log_retention_days=30: applies to the log bucket SecureBucket creates",
    ),
    "lifecycle ids twice": (
        lambda s: SecureBucket(
            s,
            "B",
            lifecycle_rules=[
                BucketLifecycleRule(id="expire", expiration_days=30),
                BucketLifecycleRule(id="expire", expiration_days=60),
            ],
        ),
        r"lifecycle_rules='expire': is given twice: give each rule id once",
    ),
    "object lock unversioned": (
        lambda s: SecureBucket(s, "B", object_lock_enabled=True, versioned=False),
        r"versioned=False: must be True with object_lock_enabled",
    ),
    "object lock retention without object lock": (
        lambda s: SecureBucket(
            s,
            "B",
            object_lock_default_retention=s3.ObjectLockRetention.governance(Duration.days(1)),
        ),
        r"object_lock_default_retention=.*: needs object_lock_enabled=True",
    ),
    "replication key without destination": (
        lambda s: SecureBucket(s, "B", replication_destination_key=kms.Key(s, "K")),
        r"replication_destination_key=.*: needs replication_destination",
    ),
    "snapshot removal policy": (
        lambda s: SecureBucket(s, "B", removal_policy=RemovalPolicy.SNAPSHOT),
        r"removal_policy=.*: S3 buckets have no snapshots",
    ),
}


def bad(value: object) -> Any:
    """A value of the wrong type, past the type checker."""
    return value


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused(case: str, dev_config: EnvironmentConfig) -> None:
    build, pattern = INVALID[case]
    stack = Stack(make_app(), "Invalid")
    with pytest.raises(ValidationError, match=pattern):
        build(stack)
    assert stack.node.try_find_child("B") is None, "nothing half-made"


def test_a_grantee_without_a_principal_is_refused() -> None:
    stack = Stack(make_app(), "Grants")
    bucket = SecureBucket(stack, "B")
    imported = lambda_.Function.from_function_name(stack, "Imported", "orders")
    with pytest.raises(
        ValidationError,
        match=r"SecureBucket\('B'\).grant_read: grantee='Grants/Imported': has no principal",
    ):
        bucket.grant_read(imported)
    with pytest.raises(ValidationError, match=r"grant_write: objects_key_pattern=5: must be a"):
        bucket.grant_write(iam.AccountRootPrincipal(), bad(5))


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("", r"objects_key_pattern='': matches no object"),
        ("/reports/*", r"objects_key_pattern='/reports/\*': starts with '/'.*'reports/\*'"),
        ("reports/../secret/*", r"objects_key_pattern='reports/../secret/\*': has a '.' or '..'"),
        ("./reports/*", r"objects_key_pattern='./reports/\*': has a '.' or '..'"),
    ],
)
def test_a_key_pattern_that_is_not_a_key_is_refused(pattern: str, message: str) -> None:
    stack = Stack(make_app(), "Grants")
    bucket = SecureBucket(stack, "B")
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    with pytest.raises(ValidationError, match=r"SecureBucket\('B'\).grant_read: " + message):
        bucket.grant_read(role, pattern)
    assert role.node.try_find_child("DefaultPolicy") is None, "nothing granted"
    bucket.grant_read(role, "reports/2024..final/*")  # '..' inside a name is a key like any


def test_a_token_key_pattern_passes() -> None:
    stack = Stack(make_app(), "Grants")
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    SecureBucket(stack, "B").grant_read(role, CfnParameter(stack, "Prefix").value_as_string)


def test_an_encryption_key_of_another_region_is_refused_naming_both_regions() -> None:
    env = Environment(account="111111111111", region="us-east-1")
    stack = Stack(make_app(), "Keys", env=env)
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    with pytest.raises(
        ValidationError,
        match=r"SecureBucket\('B'\): encryption_key='Keys/Key': is in region eu-west-1, the "
        r"stack in us-east-1",
    ):
        SecureBucket(stack, "B", encryption_key=key)
    assert stack.node.try_find_child("B") is None


def test_token_tls_version_and_retention_pass() -> None:
    stack = Stack(make_app(), "Tokens")
    days: Any = CfnParameter(stack, "Days", type="Number").value_as_number
    tls = CfnParameter(stack, "Tls", type="Number").value_as_number
    SecureBucket(stack, "B", access_log_retention_days=days, minimum_tls_version=tls)


def test_auto_delete_outside_dev_is_refused(production_config: EnvironmentConfig) -> None:
    with pytest.raises(ValidationError, match=r"auto_delete_objects=True: is only allowed in dev"):
        BucketStack(
            make_app(),
            "Prod",
            config=production_config,
            build=lambda s: SecureBucket(
                s, "B", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY
            ),
        )


class TestCompliance:
    @pytest.mark.parametrize("name", ["dev", "production", "full"])
    def test_aws_solutions_and_serverless_clean(
        self, stacks: dict[str, BucketStack], name: str
    ) -> None:
        assert nag_findings(stacks[name], ("AwsSolutions", "Serverless")) == []

    def test_regulated_settings_clean_on_every_pack(self, stacks: dict[str, BucketStack]) -> None:
        assert nag_findings(stacks["regulated"], NAG_PACKS) == []

    def test_default_findings_are_the_documented_ones(self, stacks: dict[str, BucketStack]) -> None:
        findings = {
            (f.rule_id, f.construct_path) for f in nag_findings(stacks["dev"], REGULATED_PACKS)
        }
        expected = {
            (f"{pack}-S3BucketReplicationEnabled", f"Bucket-dev/Data/{child}/Resource")
            for pack in REGULATED_PACKS
            for child in ("Bucket", "AccessLogs")
        }
        assert findings == expected
        page = (ROOT / "docs" / "constructs" / "secure-bucket.md").read_text()
        for rule_id, _ in findings:
            assert rule_id in page

    @pytest.mark.e2e
    def test_checkov_passes_with_documented_skips(
        self, templates: dict[str, Template], background: Background
    ) -> None:
        report: CheckovReport = checkov_report(background, "secure_bucket", templates)
        assert report.failed == []
        assert report.passed > 40
        log_bucket_skips = {(name, "CKV_AWS_18") for name in ("dev", "production", "full")}
        # EventBridge notifications make aws-cdk-lib add its notifications handler.
        handler_skips = {("full", check) for check in CDK_HANDLER_CHECKOV_CHECKS}
        assert {(name, check) for name, check, _ in report.skipped} == (
            log_bucket_skips | handler_skips
        )
        for _, check, comment in report.skipped:
            expected = "access log bucket" if check == "CKV_AWS_18" else "aws-cdk-lib creates"
            assert expected in comment


@pytest.mark.parametrize("name", ["dev", "full", "regulated"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot


def test_warning_annotation_is_acknowledgeable(production_config: EnvironmentConfig) -> None:
    def build(stack: Stack) -> SecureBucket:
        bucket = SecureBucket(stack, "Data", removal_policy=RemovalPolicy.DESTROY)
        CoreAnnotations.of(bucket).acknowledge_warning(
            "org-constructs:SecureBucket:DestroyInProduction", "a scratch bucket"
        )
        return bucket

    stack = BucketStack(make_app(), "Ack", config=production_config, build=build)
    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())


NOTIFY: dict[str, Callable[[Stack, SecureBucket], None]] = {
    "queue": lambda s, b: b.bucket.add_event_notification(
        s3.EventType.OBJECT_CREATED, s3n.SqsDestination(sqs.Queue(s, "Events", enforce_ssl=True))
    ),
    "topic": lambda s, b: b.bucket.add_event_notification(
        s3.EventType.OBJECT_CREATED, s3n.SnsDestination(sns.Topic(s, "Events"))
    ),
    "function": lambda s, b: b.bucket.add_object_removed_notification(
        s3n.LambdaDestination(
            lambda_.Function(
                s,
                "Events",
                runtime=lambda_.Runtime.PYTHON_3_13,
                handler="index.handler",
                code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"),
            )
        )
    ),
    "event source": lambda s, b: lambda_.Function(
        s,
        "Events",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"),
    ).add_event_source(
        lambda_sources.S3EventSource(b.bucket, events=[s3.EventType.OBJECT_CREATED])
    ),
}


@pytest.mark.parametrize("kind", NOTIFY)
def test_every_notification_kind_acknowledges_the_handler(kind: str) -> None:
    """However a notification is added, aws-cdk-lib's handler and the bucket's handler policy
    carry the library's acknowledgements (the page says so for every kind)."""
    stack = Stack(make_app(), "Notify")
    bucket = SecureBucket(stack, "Data")
    NOTIFY[kind](stack, bucket)
    bucket.bucket.add_event_notification(  # a second one adds no second acknowledgement
        s3.EventType.OBJECT_REMOVED, s3n.SqsDestination(sqs.Queue(stack, "More", enforce_ssl=True))
    )
    handler = [c for c in stack.node.children if c.node.id.startswith("BucketNotificationsHandler")]
    assert len(handler) == 1
    findings = [
        f
        for f in nag_findings(stack, list(NAG_PACKS))
        if "BucketNotificationsHandler" in f.construct_path or "/Notifications/" in f.construct_path
    ]
    assert findings == []
    template = template_of(stack).to_json()
    (function,) = [
        r
        for name, r in template["Resources"].items()
        if name.startswith("BucketNotificationsHandler") and r["Type"] == "AWS::Lambda::Function"
    ]
    skips = [s["id"] for s in function["Metadata"]["checkov"]["skip"]]
    assert sorted(skips) == sorted(CDK_HANDLER_CHECKOV_CHECKS)
