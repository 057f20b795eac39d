"""MonitoredFunction: release, rollback alarms, hooks, triggers, hardening, checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import CfnParameter, Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from constructs import Construct

from org_constructs import (
    AbstractStack,
    AlarmSettings,
    AlarmTopic,
    Deployment,
    EnvironmentConfig,
    MonitoredFunction,
    ServiceMonitoring,
    StandardVpc,
    ValidationError,
)
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.compute import latest_python_runtime
from org_constructs.contract import REGULATED_PACKS
from org_constructs.testing import find_resources, template_json, template_of
from tests.support import Background, checkov_report, make_app, templates_for_checkov

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")
HOOK = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")


class FunctionStack(AbstractStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        build: Callable[[Stack], MonitoredFunction],
    ) -> None:
        self._build = build
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        self.fn = self._build(self)


def default_function(stack: Stack) -> MonitoredFunction:
    topic = AlarmTopic(stack, "Alarms", emails=["ops@example.com"])
    return MonitoredFunction(stack, "Orders", code=CODE, handler="index.handler", alarm_topic=topic)


def full_function(stack: Stack) -> MonitoredFunction:
    """Every option, and the regulated settings: VPC, reservation, customer keys, hooks."""
    topic = AlarmTopic(stack, "Alarms", emails=["ops@example.com"])
    releases = AlarmTopic(stack, "Releases", emails=["releases@example.com"])
    network = StandardVpc(stack, "Network", nat_gateways=0, interface_endpoints=["codedeploy"])
    monitoring = ServiceMonitoring(stack, "Monitoring", service_name="orders", alarm_topic=topic)
    extra = cw.Alarm(
        stack,
        "QueueDepth",
        metric=cw.Metric(namespace="Orders", metric_name="Backlog"),
        threshold=100,
        evaluation_periods=1,
    )
    extra.add_alarm_action(topic.alarm_action)
    return MonitoredFunction(
        stack,
        "Orders",
        code=CODE,
        handler="index.handler",
        memory_size=512,
        timeout=Duration.seconds(20),
        environment={"TABLE": "orders"},
        environment_encryption_key=kms.Key(stack, "EnvKey", enable_key_rotation=True),
        description="Takes orders",
        deployment=Deployment.linear(20, 2),
        alias_name="prod",
        alarm_topic=topic,
        notification_topic=releases,
        service_name="orders",
        rollback_alarms={
            "throttles": AlarmSettings(enabled=False),
            "errors": AlarmSettings(threshold=5),
        },
        additional_rollback_alarms=[extra],
        pre_traffic_hook=HOOK,
        post_traffic_hook=HOOK,
        reserved_concurrent_executions=20,
        vpc=network,
        monitoring=monitoring,
    )


@pytest.fixture(scope="session")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, FunctionStack]:
    variants: dict[str, tuple[str, Callable[[Stack], MonitoredFunction]]] = {
        "dev": ("dev", default_function),
        "staging": ("staging", default_function),
        "production": ("production", default_function),
        "full": ("production", full_function),
    }
    return {
        name: FunctionStack(make_app(), f"Fn-{name}", config=environments[env], build=build)
        for name, (env, build) in variants.items()
    }


@pytest.fixture(scope="session")
def templates(
    stacks: dict[str, FunctionStack], background: Background, request: pytest.FixtureRequest
) -> dict[str, Template]:
    """Session-scoped: the end-to-end checkov test reads them after the fast tests."""
    return templates_for_checkov(
        stacks, background, request, __file__, "monitored_function", checked=("production", "full")
    )


def single(
    template: Template, resource_type: str, props: dict[str, Any] | None = None
) -> dict[str, Any]:
    found = find_resources(template, resource_type, props)
    assert len(found) == 1, sorted(found)
    (resource,) = found.values()
    properties: dict[str, Any] = resource["Properties"]
    return properties


def logical_id(stack: Stack, construct: Construct) -> str:
    return str(stack.resolve(construct.node.default_child.logical_id))  # type: ignore[union-attr]


class TestRelease:
    def test_alias_points_at_the_current_version(
        self, stacks: dict[str, FunctionStack], templates: dict[str, Template]
    ) -> None:
        stack = stacks["production"]
        alias = single(templates["production"], "AWS::Lambda::Alias")
        version_id = logical_id(stack, stack.fn.current_version)
        assert alias["Name"] == "live"
        assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}

    def test_alias_is_updated_through_codedeploy(self, templates: dict[str, Template]) -> None:
        (alias,) = find_resources(templates["production"], "AWS::Lambda::Alias").values()
        hook = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
        assert set(hook) == {"ApplicationName", "DeploymentGroupName"}

    def test_a_code_change_publishes_a_new_version(self, dev_config: EnvironmentConfig) -> None:
        def version(code: str) -> str:
            stack = FunctionStack(
                make_app(),
                "V",
                config=dev_config,
                build=lambda s: MonitoredFunction(
                    s, "Orders", code=lambda_.Code.from_inline(code), handler="index.handler"
                ),
            )
            return logical_id(stack, stack.fn.current_version)

        assert version("def handler(e, c): return 1") != version("def handler(e, c): return 2")

    @pytest.mark.parametrize(
        ("name", "config"),
        [
            ("dev", "CodeDeployDefault.LambdaAllAtOnce"),
            ("staging", "CodeDeployDefault.LambdaCanary10Percent5Minutes"),
            ("production", "CodeDeployDefault.LambdaCanary10Percent5Minutes"),
        ],
    )
    def test_deployment_config_per_stage(
        self, templates: dict[str, Template], name: str, config: str
    ) -> None:
        group = single(templates[name], "AWS::CodeDeploy::DeploymentGroup")
        assert group["DeploymentConfigName"] == config

    def test_custom_deployment_config(self, templates: dict[str, Template]) -> None:
        config = single(templates["full"], "AWS::CodeDeploy::DeploymentConfig")
        assert config["TrafficRoutingConfig"] == {
            "Type": "TimeBasedLinear",
            "TimeBasedLinear": {"LinearInterval": 2, "LinearPercentage": 20},
        }

    def test_rollback_on_failure_stop_and_alarm(self, templates: dict[str, Template]) -> None:
        group = single(templates["production"], "AWS::CodeDeploy::DeploymentGroup")
        assert group["AutoRollbackConfiguration"] == {
            "Enabled": True,
            "Events": [
                "DEPLOYMENT_FAILURE",
                "DEPLOYMENT_STOP_ON_REQUEST",
                "DEPLOYMENT_STOP_ON_ALARM",
            ],
        }
        assert group["AlarmConfiguration"]["Enabled"] is True
        assert len(group["AlarmConfiguration"]["Alarms"]) == 4


class TestRollbackAlarms:
    def test_alarms_watch_the_new_version_only(
        self, stacks: dict[str, FunctionStack], templates: dict[str, Template]
    ) -> None:
        stack = stacks["production"]
        version_id = logical_id(stack, stack.fn.current_version)
        alarms = find_resources(templates["production"], "AWS::CloudWatch::Alarm")
        rollback = {k: a for k, a in alarms.items() if "Rollback" in k}
        assert len(rollback) == 4
        for alarm in rollback.values():
            text = json.dumps(alarm["Properties"])
            assert '"Name": "ExecutedVersion", "Value": {"Fn::GetAtt": ["' + version_id in text
            assert ':live"' in text, "dimensioned on the alias too"

    def test_names_thresholds_and_actions(self, templates: dict[str, Template]) -> None:
        alarms = {
            a["Properties"]["AlarmName"]: a["Properties"]
            for a in find_resources(templates["production"], "AWS::CloudWatch::Alarm").values()
        }
        assert sorted(alarms) == [
            f"production-Fn-production-Orders-rollback-{key}"
            for key in ("duration-p99", "error-rate", "errors", "throttles")
        ]
        assert alarms["production-Fn-production-Orders-rollback-duration-p99"]["Threshold"] == 28500
        for properties in alarms.values():
            assert properties["TreatMissingData"] == "notBreaching"
            assert properties["AlarmActions"] == properties["OKActions"]
            assert len(properties["AlarmActions"]) == 1

    def test_alias_waits_for_the_alarms(self, templates: dict[str, Template]) -> None:
        (alias,) = find_resources(templates["production"], "AWS::Lambda::Alias").values()
        assert sum("RollbackAlarms" in d for d in alias["DependsOn"]) == 4

    def test_overrides_and_own_alarms(self, templates: dict[str, Template]) -> None:
        group = single(templates["full"], "AWS::CodeDeploy::DeploymentGroup")
        names = json.dumps(group["AlarmConfiguration"]["Alarms"])
        assert "QueueDepth" in names
        assert "Throttles" not in names
        errors = single(
            templates["full"],
            "AWS::CloudWatch::Alarm",
            {"AlarmName": "production-orders-Orders-rollback-errors"},
        )
        assert errors["Threshold"] == 5


class TestHooksAndNotifications:
    def test_triggers_for_start_success_failure_rollback(
        self, templates: dict[str, Template]
    ) -> None:
        group = single(templates["production"], "AWS::CodeDeploy::DeploymentGroup")
        (trigger,) = group["TriggerConfigurations"]
        assert trigger["TriggerEvents"] == [
            "DeploymentStart",
            "DeploymentSuccess",
            "DeploymentFailure",
            "DeploymentRollback",
        ]
        assert trigger["TriggerTargetArn"] == {"Ref": "AlarmsTopic3A2DFEBA"}

    def test_notifications_to_a_given_topic(self, templates: dict[str, Template]) -> None:
        group = single(templates["full"], "AWS::CodeDeploy::DeploymentGroup")
        assert group["TriggerConfigurations"][0]["TriggerTargetArn"] == {
            "Ref": "ReleasesTopic0876477F"
        }

    def test_hooks_created_from_code_are_hardened(
        self, stacks: dict[str, FunctionStack], templates: dict[str, Template]
    ) -> None:
        template = templates["full"]
        functions = find_resources(template, "AWS::Lambda::Function")
        hooks = {k: f for k, f in functions.items() if "TrafficHook" in k}
        assert len(hooks) == 2
        for hook in hooks.values():
            properties = hook["Properties"]
            assert properties["TracingConfig"] == {"Mode": "Active"}
            assert properties["ReservedConcurrentExecutions"] == 1
            assert "VpcConfig" in properties
        group = single(template, "AWS::CodeDeploy::DeploymentGroup")
        assert group["DeploymentStyle"]["DeploymentOption"] == "WITH_TRAFFIC_CONTROL"

    def test_hook_permission_is_scoped_to_this_deployment_group(
        self, templates: dict[str, Template]
    ) -> None:
        policies = find_resources(templates["full"], "AWS::IAM::ManagedPolicy")
        hook_policies = [p for k, p in policies.items() if "TrafficHook" in k]
        assert len(hook_policies) == 2
        for policy in hook_policies:
            statements = policy["Properties"]["PolicyDocument"]["Statement"]
            (put,) = [
                s
                for s in statements
                if s["Action"] == "codedeploy:PutLifecycleEventHookExecutionStatus"
            ]
            assert "deploymentgroup:" in json.dumps(put["Resource"])
            assert "OrdersDeploymentGroup" in json.dumps(put["Resource"])


class TestHardening:
    def test_tracing_arm_memory_runtime(self, templates: dict[str, Template]) -> None:
        properties = single(templates["production"], "AWS::Lambda::Function")
        assert properties["TracingConfig"] == {"Mode": "Active"}
        assert properties["Architectures"] == ["arm64"]
        assert properties["MemorySize"] == 256
        assert properties["Timeout"] == 30
        assert properties["Runtime"] == latest_python_runtime().name == "python3.14"

    def test_encrypted_log_group_with_stage_retention(self, templates: dict[str, Template]) -> None:
        for name, days in (("dev", 7), ("staging", 90), ("production", 365)):
            group = single(templates[name], "AWS::Logs::LogGroup")
            assert group["RetentionInDays"] == days
            assert "KmsKeyId" in group

    def test_role_has_one_managed_policy_and_nothing_inline(
        self, templates: dict[str, Template]
    ) -> None:
        template = templates["production"]
        function_role = [
            r
            for k, r in find_resources(template, "AWS::IAM::Role").items()
            if k.startswith("OrdersRole")
        ]
        (role,) = function_role
        assert "Policies" not in role["Properties"]
        assert "ManagedPolicyArns" not in role["Properties"], "no AWS managed policy"
        policy = next(
            p
            for k, p in find_resources(template, "AWS::IAM::ManagedPolicy").items()
            if k.startswith("OrdersRolePolicy")
        )
        assert len(policy["Properties"]["Roles"]) == 1
        actions = {
            a
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        }
        assert {"logs:PutLogEvents", "xray:PutTraceSegments", "sqs:SendMessage"} <= actions

    def test_dead_letter_queue_is_encrypted(self, templates: dict[str, Template]) -> None:
        function = single(templates["production"], "AWS::Lambda::Function")
        assert "DeadLetterConfig" in function
        queue = find_resources(templates["production"], "AWS::SQS::Queue")
        (dead_letters,) = [q["Properties"] for k, q in queue.items() if k.startswith("Orders")]
        assert dead_letters["MessageRetentionPeriod"] == 14 * 24 * 3600
        assert "KmsMasterKeyId" in dead_letters

    def test_regulated_options(self, templates: dict[str, Template]) -> None:
        function = single(
            templates["full"],
            "AWS::Lambda::Function",
            {"Handler": "index.handler", "MemorySize": 512},
        )
        assert function["ReservedConcurrentExecutions"] == 20
        assert function["Environment"] == {"Variables": {"TABLE": "orders"}}
        assert function["KmsKeyArn"] == {"Fn::GetAtt": ["EnvKeyCD7B3BF3", "Arn"]}
        assert len(function["VpcConfig"]["SubnetIds"]) == 3

    def test_user_grants_land_in_the_managed_policy(self, dev_config: EnvironmentConfig) -> None:
        def build(stack: Stack) -> MonitoredFunction:
            fn = MonitoredFunction(stack, "Orders", code=CODE, handler="index.handler")
            kms.Key(stack, "Data", enable_key_rotation=True).grant_decrypt(fn.role)
            fn.grant_invoke(iam.AccountRootPrincipal())
            fn.add_environment("MODE", "fast")
            return fn

        template = template_of(FunctionStack(make_app(), "Grants", config=dev_config, build=build))
        assert find_resources(template, "AWS::IAM::Policy") == {}
        assert "kms:Decrypt" in json.dumps(find_resources(template, "AWS::IAM::ManagedPolicy"))

    def test_attributes(self, stacks: dict[str, FunctionStack]) -> None:
        fn = stacks["full"].fn
        assert fn.alias.alias_name == "prod"
        assert fn.deployment == Deployment.linear(20, 2)
        assert sorted(fn.rollback_alarms) == ["duration_p99", "error_rate", "errors"]
        assert fn.dead_letter_queue is not None
        assert fn.log_group.node.id == "LogGroup"
        assert fn.deployment_group.node.id == "DeploymentGroup"
        assert isinstance(fn.function, lambda_.Function)

    def test_monitoring_widgets_and_alarms_for_the_alias(
        self, templates: dict[str, Template]
    ) -> None:
        names = [
            a["Properties"].get("AlarmName")
            for a in find_resources(templates["full"], "AWS::CloudWatch::Alarm").values()
        ]
        assert "production-orders-Orders-errors" in names
        assert len(find_resources(templates["full"], "AWS::CloudWatch::Dashboard")) == 2


INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "runtime Lambda no longer supports": (
        {"runtime": lambda_.Runtime.PYTHON_3_8},
        r"runtime='python3.8': is a legacy runtime AWS Lambda no longer supports",
    ),
    "hook_handler without a hook from code": (
        {"hook_handler": "hooks.main"},
        r"hook_handler='hooks.main': applies to hooks given as lambda_.Code",
    ),
    "hook_handler without a file": (
        {"pre_traffic_hook": CODE, "hook_handler": "main"},
        r"hook_handler='main': must name the file and the function, 'FILE.FUNCTION'",
    ),
    "unknown style": ({"deployment": "CANARY_50"}, r"deployment='CANARY_50': must be one of"),
    "not a deployment": ({"deployment": 5}, r"deployment=5: must be a Deployment or a string"),
    "reserved below one": (
        {"reserved_concurrent_executions": 0},
        r"reserved_concurrent_executions=0: must be between 1 and",
    ),
    "reserved as boolean": (
        {"reserved_concurrent_executions": True},
        r"reserved_concurrent_executions=True: must be a whole number or None",
    ),
    "memory": ({"memory_size": 64}, r"memory_size=64: must be between 128 and 10240"),
    "timeout": (
        {"timeout": Duration.minutes(20)},
        r"timeout='20 minutes': must be from 1 second to 15 minutes",
    ),
    "timeout zero": ({"timeout": Duration.seconds(0)}, r"timeout='0 seconds': must be from 1"),
    "timeout in milliseconds": (
        {"timeout": Duration.millis(1500)},
        r"timeout='1 second 500 millis': must be a whole number of seconds",
    ),
    "alias": ({"alias_name": "123"}, r"alias_name='123': must be 1-128 letters"),
    "alias not text": ({"alias_name": 5}, r"alias_name=5: must be a string"),
    "alias a forged token": (
        {"alias_name": "${Token[0]}"},
        r"alias_name='\$\{Token\[0\]\}': must be 1-128 letters",
    ),
    "hook handler empty": ({"hook_handler": ""}, r"hook_handler='': must be 1 to 128 characters"),
    "description too long": (
        {"description": "d" * 257},
        r"description='d+': must be at most 256 characters",
    ),
    "environment key": ({"environment": {"LOG-LEVEL": "info"}}, r"environment\['LOG-LEVEL'\]"),
    "environment reserved": (
        {"environment": {"AWS_REGION": "us-east-1"}},
        r"environment\['AWS_REGION'\]='AWS_REGION': is set by the Lambda runtime",
    ),
    "environment value not text": (
        {"environment": {"LEVEL": 5}},
        r"environment\['LEVEL'\]=5: must be a string",
    ),
    "environment over 4 KB": (
        {"environment": {"BLOB": "x" * 5000}},
        r"environment='5004 bytes': Lambda allows at most 4096 bytes",
    ),
    "groups without vpc": (
        {"security_groups": [ec2.SecurityGroup.from_security_group_id(Stack(), "G", "sg-1")]},
        r"security_groups=\[.*\]: need vpc",
    ),
    "group not a group": ({"security_groups": ["sg"]}, r"security_groups\[0\]='sg': must be an"),
    "unknown rollback alarm": (
        {"rollback_alarms": {"latency": AlarmSettings()}},
        r"rollback_alarms\['latency'\]=.*is not a rollback alarm",
    ),
    "rollback alarm over 100 percent": (
        {"rollback_alarms": {"error_rate": AlarmSettings(threshold=150)}},
        r"alarms\['error_rate'\].threshold=150: is a percentage: must be at most 100",
    ),
    "too many rollback alarms": (
        {"additional_rollback_alarms": [cw.Alarm.from_alarm_name(Stack(), "A", "a")] * 7},
        r"additional_rollback_alarms='7 alarms': CodeDeploy watches at most 10 alarms",
    ),
    "service name with spaces": (
        {"service_name": "my service"},
        r"service_name='my service': must be letters, digits",
    ),
    "inline code on a runtime without it": (
        {"runtime": lambda_.Runtime.PROVIDED_AL2023},
        r"runtime='provided.al2023': does not run inline code",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused(case: str) -> None:
    props, pattern = INVALID[case]
    stack = Stack(make_app(), "Invalid")
    with pytest.raises(ValidationError, match=pattern):
        MonitoredFunction(stack, "Fn", code=CODE, handler="index.handler", **props)
    assert stack.node.try_find_child("Fn") is None


def test_interval_under_a_minute_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"Deployment.canary: minutes=0: must be whole"):
        Deployment.canary(10, 0)


def test_a_label_monitoring_refuses_leaves_nothing_half_made() -> None:
    stack = Stack(make_app(), "Invalid")
    monitoring = ServiceMonitoring(
        stack, "M", service_name="orders", stage="dev", alarm_topic=sns.Topic(stack, "T")
    )
    with pytest.raises(ValidationError, match=r"label='Orders fn': must be letters, digits"):
        MonitoredFunction(
            stack,
            "Orders fn",
            code=CODE,
            handler="index.handler",
            service_name="orders",
            monitoring=monitoring,
        )
    assert stack.node.try_find_child("Orders fn") is None
    assert monitoring.resources == []


def test_token_memory_and_reserved_concurrency_pass() -> None:
    stack = Stack(make_app(), "Tokens")
    MonitoredFunction(
        stack,
        "Fn",
        code=CODE,
        handler="index.handler",
        memory_size=token(CfnParameter(stack, "Memory", type="Number").value_as_number),
        reserved_concurrent_executions=token(
            CfnParameter(stack, "Reserved", type="Number").value_as_number
        ),
    )


def token(number: float) -> Any:
    """A number token (typed float by aws-cdk-lib) where a whole number is expected."""
    return number


def test_runtime_can_be_chosen(dev_config: EnvironmentConfig) -> None:
    stack = FunctionStack(
        make_app(),
        "Runtime",
        config=dev_config,
        build=lambda s: MonitoredFunction(
            s, "Orders", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_12
        ),
    )
    assert single(template_of(stack), "AWS::Lambda::Function")["Runtime"] == "python3.12"


def test_hook_in_another_stack_is_refused() -> None:
    app = make_app()
    other = Stack(app, "Other")
    hook = lambda_.Function(
        other, "Hook", runtime=lambda_.Runtime.PYTHON_3_13, handler="i.h", code=HOOK
    )
    with pytest.raises(
        ValidationError, match=r"pre_traffic_hook='Other/Hook': must be in the same stack"
    ):
        MonitoredFunction(Stack(app, "Main"), "Fn", code=CODE, handler="i.h", pre_traffic_hook=hook)


class TestCompliance:
    @pytest.mark.parametrize("name", ["dev", "production", "full"])
    def test_aws_solutions_and_serverless_clean(
        self, stacks: dict[str, FunctionStack], name: str
    ) -> None:
        assert nag_findings(stacks[name], ("AwsSolutions", "Serverless")) == []

    def test_regulated_settings_clean_on_every_pack(self, stacks: dict[str, FunctionStack]) -> None:
        assert nag_findings(stacks["full"], NAG_PACKS) == []

    def test_default_findings_are_the_documented_ones(
        self, stacks: dict[str, FunctionStack]
    ) -> None:
        findings = {f.rule_id for f in nag_findings(stacks["production"], REGULATED_PACKS)}
        assert findings == {
            "HIPAA.Security-LambdaConcurrency",
            "HIPAA.Security-LambdaInsideVPC",
            "NIST.800.53.R5-LambdaConcurrency",
            "NIST.800.53.R5-LambdaInsideVPC",
            "PCI.DSS.321-LambdaInsideVPC",
        }
        page = (
            Path(__file__).resolve().parents[2] / "docs" / "constructs" / "monitored-function.md"
        ).read_text()
        for rule in findings:
            assert rule in page

    @pytest.mark.e2e
    def test_checkov_clean_with_documented_skips(
        self, templates: dict[str, Template], background: Background
    ) -> None:
        report = checkov_report(
            background, "monitored_function", {k: templates[k] for k in ("production", "full")}
        )
        assert report.failed == []
        skipped = {(name, check) for name, check, _ in report.skipped}
        assert ("production", "CKV_AWS_117") in skipped
        assert ("production", "CKV_AWS_115") in skipped
        assert ("full", "CKV_AWS_117") in skipped, "only the VPC's aws-cdk-lib handler"
        assert all(comment for _, _, comment in report.skipped)


@pytest.mark.parametrize("name", ["dev", "production", "full"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot


def test_outputs_nothing_unexpected(templates: dict[str, Template]) -> None:
    assert "Outputs" not in template_json(templates["production"])


def test_connections_are_the_functions_security_groups() -> None:
    """``database.allow_from(function)``, ``peer.connections.allow_to(function)`` work."""
    stack = Stack(make_app(), "Connections")
    network = StandardVpc(stack, "Network", nat_gateways=0)
    function = MonitoredFunction(stack, "Orders", code=CODE, handler="index.handler", vpc=network)
    assert ec2.IConnectable in type(function).__jsii_ifaces__  # type: ignore[attr-defined]
    groups = [g.node.path for g in function.connections.security_groups]
    assert groups == ["Connections/Orders/Function/SecurityGroup"]
    outside = MonitoredFunction(stack, "Outside", code=CODE, handler="index.handler")
    with pytest.raises(
        ValidationError,
        match=r"MonitoredFunction\('Outside'\): vpc=None: is required for connections",
    ):
        outside.connections  # noqa: B018 - the property raises


def test_files_left_out_of_the_code_asset_publish_no_new_version(tmp_path: Path) -> None:
    """The docs' advice: a ``__pycache__`` beside the handler changes the asset's hash and so
    publishes a version (and starts a release) unless the asset leaves it out."""
    folder = tmp_path / "handler"
    folder.mkdir()
    (folder / "index.py").write_text("def handler(event, context):\n    return event\n")

    def versions(**asset: Any) -> set[str]:
        stack = Stack(make_app(), "Versions")
        topic = AlarmTopic(stack, "Alarms", emails=["ops@example.com"])
        code = lambda_.Code.from_asset(str(folder), **asset)
        MonitoredFunction(stack, "Orders", code=code, handler="index.handler", alarm_topic=topic)
        return set(find_resources(Template.from_stack(stack), "AWS::Lambda::Version"))

    excluded = {"exclude": ["__pycache__", "*.pyc", "tests"]}
    before = versions(**excluded)
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"compiled")
    assert versions(**excluded) == before
    assert versions() != before
