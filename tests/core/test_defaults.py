"""Organisation defaults: the property injectors AbstractStack registers for plain L2s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import jsii
import pytest
from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template
from constructs import Construct

from org_constructs import (
    AbstractStack,
    EnvironmentConfig,
    SecureBucket,
    SecureQueue,
    Stage,
    ValidationError,
    apply_organisation_defaults,
)
from org_constructs.compliance import nag_findings
from org_constructs.compute import latest_python_runtime
from org_constructs.contract import (
    ACKNOWLEDGED,
    APP_SOURCE,
    DEFAULT_PACKS,
    LIBRARY_SOURCE,
    TEMPLATE_KEY,
)
from org_constructs.core import DEFAULT_RESOURCES
from org_constructs.core._defaults import DEFAULTS_ACCESS_LOGS_ID
from tests.support import gate_findings, make_app

Build = Callable[[Stack], None]


class PlainStack(AbstractStack):
    """An AbstractStack holding what ``build`` makes with plain aws-cdk-lib L2s."""

    def __init__(self, scope: Construct, construct_id: str, *, build: Build, **kwargs: Any) -> None:
        self._build = build
        super().__init__(scope, construct_id, **kwargs)

    def initialize(self) -> None:
        self._build(self)


def _code() -> lambda_.Code:
    return lambda_.Code.from_inline("def handler(event, context):\n    return event\n")


def tiny_service(stack: Stack) -> None:
    """The plain resources a team creates itself, with no settings of its own."""
    logs.LogGroup(stack, "AppLogs")
    sqs.Queue(stack, "Jobs")
    sns.Topic(stack, "Events")
    s3.Bucket(stack, "Files")
    key = dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    dynamodb.TableV2(stack, "Orders", partition_key=key)
    dynamodb.Table(stack, "Legacy", partition_key=key)
    lambda_.Function(
        stack,
        "Handler",
        runtime=latest_python_runtime(),
        handler="index.handler",
        code=_code(),
    )


def explicit_service(stack: Stack) -> None:
    """The same resources with the team's own settings, which must win."""
    logs.LogGroup(stack, "AppLogs", retention=logs.RetentionDays.ONE_WEEK)
    sqs.Queue(
        stack,
        "Jobs",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=False,
        redrive_allow_policy=sqs.RedriveAllowPolicy(
            redrive_permission=sqs.RedrivePermission.DENY_ALL
        ),
    )
    s3.Bucket(stack, "Files", versioned=False, encryption=s3.BucketEncryption.S3_MANAGED)
    dynamodb.TableV2(
        stack,
        "Orders",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        deletion_protection=False,
    )
    lambda_.Function(
        stack,
        "Handler",
        runtime=latest_python_runtime(),
        handler="index.handler",
        code=_code(),
        architecture=lambda_.Architecture.X86_64,
        tracing=lambda_.Tracing.DISABLED,
    )


def library_queue(stack: Stack) -> None:
    SecureQueue(stack, "Jobs")


VARIANTS: dict[str, tuple[str, Build, bool]] = {
    "dev": ("dev", tiny_service, True),
    "production": ("production", tiny_service, True),
    "explicit": ("production", explicit_service, True),
    "off": ("dev", tiny_service, False),
}


@pytest.fixture(scope="module")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, PlainStack]:
    app = make_app()
    return {
        name: PlainStack(
            app,
            f"Plain-{name}",
            config=environments[env],
            build=build,
            organisation_defaults=defaults,
        )
        for name, (env, build, defaults) in VARIANTS.items()
    }


@pytest.fixture(scope="module")
def templates(stacks: dict[str, PlainStack]) -> dict[str, Template]:
    return {name: Template.from_stack(stack) for name, stack in stacks.items()}


def _of_type(template: Template, kind: str) -> dict[str, Any]:
    return dict(template.find_resources(kind))


def _acknowledged(resource: dict[str, Any]) -> list[tuple[str, str, str]]:
    entries = resource.get("Metadata", {}).get(TEMPLATE_KEY, {}).get(ACKNOWLEDGED, [])
    return [(a["tool"], a["rule"], a["source"]) for a in entries]


KEY = "OrganisationDefaultsKey"


class TestLogGroups:
    def test_dev_keeps_the_environments_retention_and_acknowledges_it(
        self, templates: dict[str, Template], environments: dict[str, EnvironmentConfig]
    ) -> None:
        (group,) = [
            r
            for k, r in _of_type(templates["dev"], "AWS::Logs::LogGroup").items()
            if k.startswith("AppLogs")
        ]
        assert group["Properties"]["RetentionInDays"] == environments["dev"].log_retention_days
        assert environments["dev"].log_retention_days < 365
        assert group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0].startswith(KEY)
        assert ("cfn-guard", "CT.CLOUDWATCH.PR.2", LIBRARY_SOURCE) in _acknowledged(group)

    def test_production_keeps_a_year_with_nothing_to_acknowledge(
        self, templates: dict[str, Template]
    ) -> None:
        templates["production"].has_resource(
            "AWS::Logs::LogGroup",
            {
                "Properties": {
                    "RetentionInDays": 365,
                    "KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp(f"^{KEY}"), "Arn"]},
                },
                "Metadata": Match.absent(),
            },
        )

    def test_the_teams_own_short_retention_stays_a_finding(
        self, templates: dict[str, Template]
    ) -> None:
        (group,) = [
            r
            for k, r in _of_type(templates["explicit"], "AWS::Logs::LogGroup").items()
            if k.startswith("AppLogs")
        ]
        assert group["Properties"]["RetentionInDays"] == 7
        assert _acknowledged(group) == []


def test_one_shared_key_per_stack_with_a_fixed_logical_id(
    templates: dict[str, Template],
) -> None:
    keys = _of_type(templates["production"], "AWS::KMS::Key")
    (logical_id,) = keys  # one key for the log group, the queues, the topic and the bucket
    # Logical ids are public contract: the same in every stack, never to change.
    assert logical_id == "OrganisationDefaultsKey08D934A6"
    assert keys[logical_id]["Properties"]["EnableKeyRotation"] is True


class TestQueuesAndTopics:
    def test_a_queue_gets_the_key_tls_only_and_a_dead_letter_queue(
        self, templates: dict[str, Template]
    ) -> None:
        queues = _of_type(templates["production"], "AWS::SQS::Queue")
        main = next(v for k, v in queues.items() if k.startswith("Jobs") and "Dead" not in k)
        dead = next(v for k, v in queues.items() if k.startswith("JobsDeadLetterQueue"))
        assert "Fn::GetAtt" in main["Properties"]["KmsMasterKeyId"]
        assert main["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 5
        assert dead["Properties"]["RedriveAllowPolicy"] == {"redrivePermission": "allowAll"}
        assert ("cdk-nag", "Serverless-SQSRedrivePolicy", LIBRARY_SOURCE) in _acknowledged(dead)
        templates["production"].has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "PolicyDocument": {
                    "Statement": [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                }
            },
        )

    def test_a_topic_gets_the_key_and_tls_only(self, templates: dict[str, Template]) -> None:
        templates["production"].has_resource_properties(
            "AWS::SNS::Topic",
            {"KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp(f"^{KEY}"), "Arn"]}},
        )
        templates["production"].resource_count_is("AWS::SNS::TopicPolicy", 1)

    def test_the_teams_queue_settings_win(self, templates: dict[str, Template]) -> None:
        (queue,) = _of_type(templates["explicit"], "AWS::SQS::Queue").values()
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
        assert "KmsMasterKeyId" not in queue["Properties"]
        assert "RedrivePolicy" not in queue["Properties"]
        templates["explicit"].resource_count_is("AWS::SQS::QueuePolicy", 0)


class TestBucketsTablesFunctions:
    def test_a_bucket_is_private_tls_only_versioned_encrypted_and_logged(
        self, templates: dict[str, Template]
    ) -> None:
        buckets = _of_type(templates["production"], "AWS::S3::Bucket")
        files = next(v for k, v in buckets.items() if k.startswith("Files"))["Properties"]
        assert files["VersioningConfiguration"] == {"Status": "Enabled"}
        assert files["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True
        rule = files["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert files["LoggingConfiguration"]["DestinationBucketName"] == {
            "Ref": next(k for k in buckets if k.startswith("OrganisationDefaultsAccessLogs"))
        }

    def test_tables_have_recovery_and_protection_outside_dev(
        self, templates: dict[str, Template]
    ) -> None:
        for name, protected in (("dev", False), ("production", True)):
            v2 = _of_type(templates[name], "AWS::DynamoDB::GlobalTable")
            (table,) = v2.values()
            replica = table["Properties"]["Replicas"][0]
            assert replica["PointInTimeRecoverySpecification"] == {
                "PointInTimeRecoveryEnabled": True
            }
            assert replica.get("DeletionProtectionEnabled", False) is protected
            (legacy,) = _of_type(templates[name], "AWS::DynamoDB::Table").values()
            assert legacy["Properties"]["PointInTimeRecoverySpecification"] == {
                "PointInTimeRecoveryEnabled": True
            }
            assert legacy["Properties"].get("DeletionProtectionEnabled", False) is protected

    def test_a_function_is_traced_on_arm64(self, templates: dict[str, Template]) -> None:
        templates["dev"].has_resource_properties(
            "AWS::Lambda::Function",
            {"Architectures": ["arm64"], "TracingConfig": {"Mode": "Active"}},
        )

    def test_the_teams_function_and_table_settings_win(
        self, templates: dict[str, Template]
    ) -> None:
        (function,) = _of_type(templates["explicit"], "AWS::Lambda::Function").values()
        assert function["Properties"].get("Architectures", ["x86_64"]) == ["x86_64"]
        assert function["Properties"].get("TracingConfig", {"Mode": "PassThrough"}) == {
            "Mode": "PassThrough"
        }
        (table,) = _of_type(templates["explicit"], "AWS::DynamoDB::GlobalTable").values()
        assert table["Properties"]["Replicas"][0].get("DeletionProtectionEnabled") is not True
        buckets = _of_type(templates["explicit"], "AWS::S3::Bucket")
        files = next(v for k, v in buckets.items() if k.startswith("Files"))
        assert "VersioningConfiguration" not in files["Properties"]


def test_opting_out_leaves_the_plain_resources_as_aws_cdk_lib_makes_them(
    templates: dict[str, Template],
) -> None:
    templates["off"].resource_count_is("AWS::KMS::Key", 0)
    templates["off"].resource_count_is("AWS::SQS::Queue", 1)
    for group in _of_type(templates["off"], "AWS::Logs::LogGroup").values():
        assert "KmsKeyId" not in group["Properties"]
        assert "Metadata" not in group


def test_the_librarys_own_constructs_are_left_as_they_are(
    environments: dict[str, EnvironmentConfig],
) -> None:
    def template(defaults: bool) -> dict[str, Any]:
        stack = PlainStack(
            make_app(),
            "Library",
            config=environments["production"],
            build=library_queue,
            organisation_defaults=defaults,
        )
        return dict(Template.from_stack(stack).to_json())

    assert template(True) == template(False)


def test_the_librarys_constructs_are_not_asked_about(
    environments: dict[str, EnvironmentConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a library construct makes is left to it inside the jsii kernel: the defaults'
    Python injectors hear only of the team's resources, and still default those."""
    from org_constructs.core import _defaults

    asked: list[str] = []
    original = _defaults._Injector.inject

    def inject(self: Any, original_props: Any, *, id: str, scope: Construct) -> Any:
        asked.append(id)
        return original(self, original_props, id=id, scope=scope)

    monkeypatch.setattr(_defaults._Injector, "inject", inject)

    class TeamQueue(SecureQueue):
        """A team's own kind of SecureQueue: still the library's construct."""

    def build(stack: Stack) -> None:
        SecureQueue(stack, "Jobs")
        TeamQueue(stack, "Orders")
        SecureBucket(stack, "Uploads")
        sqs.Queue(stack, "TeamQueue")

    stack = PlainStack(make_app(), "Asked", config=environments["production"], build=build)
    template = Template.from_stack(stack)
    assert asked == ["TeamQueue", "TeamQueueDeadLetterQueue"]  # the defaults' own DLQ too
    team = template.find_resources(
        "AWS::SQS::Queue", {"Properties": {"KmsMasterKeyId": Match.any_value()}}
    )
    assert any(logical_id.startswith("TeamQueue") for logical_id in team)


def test_a_teams_subclass_of_a_library_construct_is_left_as_it_is(
    environments: dict[str, EnvironmentConfig],
) -> None:
    class TeamQueue(SecureQueue):
        """A team's own kind of SecureQueue."""

    def template(build: Build) -> dict[str, Any]:
        stack = PlainStack(make_app(), "Library", config=environments["production"], build=build)
        return dict(Template.from_stack(stack).to_json())

    def team_queue(stack: Stack) -> None:
        TeamQueue(stack, "Jobs")

    assert template(team_queue) == template(library_queue)


@jsii.implements(cdk.IPropertyInjector)
class TeamQueueInjector:
    """A team's own property injector for queues."""

    @property
    def construct_unique_id(self) -> str:
        result: str = sqs.Queue.PROPERTY_INJECTION_ID
        return result

    def inject(self, original_props: Any, *, id: str, scope: Construct) -> Any:
        return {**original_props, "visibilityTimeout": cdk.Duration.seconds(123)}


class TestTheAppsOwnInjectors:
    """aws-cdk-lib keeps one injector per class and scope: one of the app's on the defaults'
    scope would silently replace them, or be replaced."""

    def test_one_already_there_is_refused_naming_both(self) -> None:
        stack = Stack(cdk.App(), "Legacy")
        cdk.PropertyInjectors.of(stack).add(TeamQueueInjector())
        with pytest.raises(ValidationError, match=r"resources=\['Queue'\]: already have a prop"):
            apply_organisation_defaults(stack, stage=Stage.PRODUCTION)
        # Without queues, the rest applies; the app's injector keeps its queues.
        apply_organisation_defaults(stack, stage=Stage.PRODUCTION, resources=("LogGroup",))
        sqs.Queue(stack, "Jobs")
        logs.LogGroup(stack, "AppLogs")
        template = Template.from_stack(stack)
        template.has_resource_properties("AWS::SQS::Queue", {"VisibilityTimeout": 123})
        template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365})

    def test_one_added_afterwards_fails_the_synthesis(self) -> None:
        stack = Stack(cdk.App(), "Legacy")
        apply_organisation_defaults(stack, stage=Stage.PRODUCTION)
        cdk.PropertyInjectors.of(stack).add(TeamQueueInjector())
        sqs.Queue(stack, "Jobs")
        with pytest.raises(Exception, match=r"resources=\['Queue'\]: a property injector of"):
            Template.from_stack(stack)

    def test_one_on_a_scope_below_applies_there(self) -> None:
        stack = Stack(cdk.App(), "Legacy")
        apply_organisation_defaults(stack, stage=Stage.PRODUCTION)
        inner = Construct(stack, "Inner")
        cdk.PropertyInjectors.of(inner).add(TeamQueueInjector())
        sqs.Queue(inner, "Jobs")
        sqs.Queue(stack, "Orders")
        queues = _of_type(Template.from_stack(stack), "AWS::SQS::Queue")
        inner_queue = next(q for i, q in queues.items() if i.startswith("InnerJobs"))
        assert inner_queue["Properties"] == {"VisibilityTimeout": 123}
        orders = next(q for i, q in queues.items() if i.startswith("Orders") and "Dead" not in i)
        assert "KmsMasterKeyId" in orders["Properties"]


class TestBucketAccessLogsInAnyApp:
    """The defaults log a bucket to the stack's owner-enforced log bucket, which takes S3's log
    delivery by its policy only (``@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy``)."""

    FLAG = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"

    @staticmethod
    def bucket_logging(template: Template) -> list[Any]:
        return [
            bucket["Properties"].get("LoggingConfiguration")
            for logical_id, bucket in _of_type(template, "AWS::S3::Bucket").items()
            if logical_id.startswith("Files")
        ]

    def test_a_bare_app_pins_the_flag_and_logs_by_policy(self) -> None:
        app = cdk.App()  # no feature flags at all, as in a team's unit test
        stack = Stack(app, "Legacy")
        apply_organisation_defaults(stack, stage=Stage.PRODUCTION)
        s3.Bucket(stack, "Files")
        template = Template.from_stack(stack)
        [logging] = self.bucket_logging(template)
        assert logging["DestinationBucketName"]["Ref"].startswith(DEFAULTS_ACCESS_LOGS_ID)
        [log_bucket] = [
            b
            for logical_id, b in _of_type(template, "AWS::S3::Bucket").items()
            if logical_id.startswith(DEFAULTS_ACCESS_LOGS_ID)
        ]
        assert "AccessControl" not in log_bucket["Properties"]
        template.has_resource_properties(
            "AWS::S3::BucketPolicy",
            {
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [Match.object_like({"Principal": {"Service": "logging.s3.amazonaws.com"}})]
                    )
                }
            },
        )
        assert stack.node.try_get_context(self.FLAG) is True

    def test_an_abstract_stack_in_a_bare_app(
        self, environments: dict[str, EnvironmentConfig]
    ) -> None:
        def files(stack: Stack) -> None:
            s3.Bucket(stack, "Files")

        stack = PlainStack(cdk.App(), "Bare", config=environments["dev"], build=files)
        [logging] = self.bucket_logging(Template.from_stack(stack))
        assert logging is not None

    def test_the_apps_false_is_kept_and_the_bucket_is_not_logged(self) -> None:
        stack = Stack(cdk.App(context={self.FLAG: False}), "Legacy")
        apply_organisation_defaults(stack, stage=Stage.PRODUCTION)
        s3.Bucket(stack, "Files")
        assert self.bucket_logging(Template.from_stack(stack)) == [None]
        assert stack.node.try_get_context(self.FLAG) is False

    def test_registered_after_other_constructs_without_the_flag(self) -> None:
        stack = Stack(cdk.App(), "Legacy")
        sqs.Queue(stack, "Existing")  # context can no longer be set on the stack
        apply_organisation_defaults(stack, stage=Stage.PRODUCTION)
        s3.Bucket(stack, "Files")
        assert self.bucket_logging(Template.from_stack(stack)) == [None]


def test_the_default_packs_are_clean_in_every_stage(stacks: dict[str, PlainStack]) -> None:
    """AwsSolutions and Serverless, which every environment declares unless it says otherwise
    (the regulated packs ask for more than a default can give: replication, backup plans)."""
    for name in ("dev", "production"):
        assert nag_findings(stacks[name], DEFAULT_PACKS) == [], name


class TestApplyOrganisationDefaults:
    def test_a_plain_stack_gets_them_too(self) -> None:
        app = make_app()
        stack = Stack(
            app, "Legacy", env=cdk.Environment(account="111111111111", region="us-east-1")
        )
        apply_organisation_defaults(stack, stage=Stage.PRODUCTION, resources=("LogGroup",))
        logs.LogGroup(stack, "AppLogs")
        sqs.Queue(stack, "Jobs")
        template = Template.from_stack(stack)
        template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365})
        (queue,) = _of_type(template, "AWS::SQS::Queue").values()
        assert "KmsMasterKeyId" not in queue.get("Properties", {}), "Queue was not chosen"

    def test_a_load_balancer_drops_invalid_headers_and_is_protected_outside_dev(self) -> None:
        found: dict[Stage, dict[str, Any]] = {}
        for stage in (Stage.DEV, Stage.PRODUCTION):
            stack = Stack(make_app(), f"Lb-{stage.value}")
            apply_organisation_defaults(stack, stage=stage)
            vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
            elbv2.ApplicationLoadBalancer(stack, "Lb", vpc=vpc, internet_facing=False)
            found[stage] = _of_type(
                Template.from_stack(stack), "AWS::ElasticLoadBalancingV2::LoadBalancer"
            )
        attributes = {
            stage: {
                a["Key"]: a["Value"]
                for (lb,) in [list(found[stage].values())]
                for a in lb["Properties"]["LoadBalancerAttributes"]
            }
            for stage in found
        }
        assert attributes[Stage.PRODUCTION]["deletion_protection.enabled"] == "true"
        assert attributes[Stage.DEV].get("deletion_protection.enabled", "false") == "false"
        for stage in found:
            assert attributes[stage]["routing.http.drop_invalid_header_fields.enabled"] == "true"
        (dev_lb,) = found[Stage.DEV].values()
        assert ("cfn-guard", "CT.ELASTICLOADBALANCING.PR.5", LIBRARY_SOURCE) in _acknowledged(
            dev_lb
        )

    def test_settings_the_team_chose_are_not_contradicted(self) -> None:
        """A public website bucket and a global table keep what aws-cdk-lib allows them."""
        stack = Stack(make_app(), "Site")
        apply_organisation_defaults(stack, stage=Stage.PRODUCTION)
        s3.Bucket(
            stack,
            "Site",
            public_read_access=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ACLS_ONLY,
            website_index_document="index.html",
        )
        dynamodb.Table(
            stack,
            "Global",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            replication_regions=["eu-west-1"],
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        )
        template = Template.from_stack(stack)
        site = next(
            v for k, v in _of_type(template, "AWS::S3::Bucket").items() if k.startswith("Site")
        )
        assert site["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
        assert site["Properties"]["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is False
        (table,) = _of_type(template, "AWS::DynamoDB::Table").values()
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True
        }

    def test_an_unknown_resource_is_refused(self) -> None:
        stack = Stack(make_app(), "S")
        with pytest.raises(ValidationError, match=r"resources.*among LogGroup"):
            apply_organisation_defaults(stack, stage=Stage.DEV, resources=("Bucket", "Vpc"))

    def test_registering_twice_is_refused(self, environments: dict[str, EnvironmentConfig]) -> None:
        stack = PlainStack(make_app(), "Twice", config=environments["dev"], build=lambda s: None)
        with pytest.raises(ValidationError, match="register them once per scope"):
            apply_organisation_defaults(stack, stage=Stage.DEV)

    def test_a_stage_that_is_not_a_stage_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="stage"):
            apply_organisation_defaults(Stack(make_app(), "S"), stage="dev")  # type: ignore[arg-type]

    def test_every_resource_name_is_documented(self) -> None:
        from tests.support import ROOT

        page = (ROOT / "docs" / "organisation-defaults.md").read_text()
        for name in DEFAULT_RESOURCES:
            assert f"`{name}`" in page, name


@pytest.mark.e2e
def test_the_gate_passes_a_plain_service_in_dev_and_production(
    environments: dict[str, EnvironmentConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    """cfn-guard (Control Tower), cfn-lint and checkov over the plain resources, as ``org-cdk
    validate`` runs them: nothing blocks, and nothing is the team's to acknowledge."""

    def add_stacks(app: cdk.App) -> None:
        for stage in ("dev", "production"):
            PlainStack(app, f"Tiny-{stage}", config=environments[stage], build=tiny_service)

    findings = gate_findings(add_stacks, monkeypatch)
    assert [f for f in findings if f.blocking] == []
    assert all(f.acknowledged for f in findings)
    assert not [f for f in findings if f.tool != "checkov" and APP_SOURCE in str(f)]
