"""SecureStateMachine: defaults per stage, Express, validation, grants, the gate and pinned
logical ids. Its ``monitoring=`` wiring is tested in ``test_state_machine_monitoring.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import CfnParameter, Duration, Environment, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from aws_cdk.assertions import Annotations, Match, Template
from constructs import Construct

from org_constructs import (
    AbstractStack,
    EnvironmentConfig,
    SecureStateMachine,
    Stage,
    StateMachineConfig,
    ValidationError,
    log_group_key,
)
from org_constructs.compliance import NAG_PACKS, acknowledge_finding, nag_findings
from org_constructs.contract import ACKNOWLEDGED, LIBRARY_SOURCE, TEMPLATE_KEY
from org_constructs.testing import (
    assert_no_wildcard_iam,
    find_resources,
    template_json,
    template_of,
)
from tests.support import gate_findings, make_app

STAGES = [stage.value for stage in Stage]
MACHINE, LOG_GROUP, KEY = "FlowStateMachineD2BABC26", "FlowLogGroup621DB4B3", "FlowLogKeyBAAAC6F6"
ROLE, POLICY = "FlowRoleD99EA574", "FlowRolePolicyD5D57740"
STATE_MACHINE = "AWS::StepFunctions::StateMachine"
DELIVERY = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}
XRAY = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}


class FlowStack(AbstractStack):
    """A stack holding what ``build`` makes (a SecureStateMachine, with grantees if it wants)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        build: Callable[[Stack], SecureStateMachine],
    ) -> None:
        self._build = build
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        self.workflow = self._build(self)


def definition(stack: Construct, prefix: str = "") -> sfn.DefinitionBody:
    """A small workflow of states that need no permissions."""
    chain = sfn.Pass(stack, f"{prefix}Prepare").next(sfn.Succeed(stack, f"{prefix}Done"))
    return sfn.DefinitionBody.from_chainable(chain)


def default_state_machine(stack: Stack) -> SecureStateMachine:
    return SecureStateMachine(stack, "Flow", definition_body=definition(stack))


def express_state_machine(stack: Stack) -> SecureStateMachine:
    return SecureStateMachine(
        stack,
        "Flow",
        definition_body=definition(stack),
        state_machine_type=sfn.StateMachineType.EXPRESS,
    )


def full_state_machine(stack: Stack) -> SecureStateMachine:
    """Every option of a Standard workflow."""
    key = log_group_key(stack, "SharedLogKey", "the logs of the orders service")
    return SecureStateMachine(
        stack,
        "Flow",
        definition_body=sfn.DefinitionBody.from_string(
            '{"StartAt": "Prepare", "States": {"Prepare": {"Type": "Pass", "Result": '
            '"${Greeting}", "End": true}}}'
        ),
        definition_substitutions={"Greeting": "hello"},
        state_machine_type=sfn.StateMachineType.STANDARD,
        timeout=Duration.hours(6),
        log_level=sfn.LogLevel.ALL,
        include_execution_data=True,
        tracing_enabled=True,
        state_machine_name="orders-fulfilment",
        comment="Fulfils an order",
        log_encryption_key=key,
        log_retention=logs.RetentionDays.TWO_YEARS,
        removal_policy=RemovalPolicy.RETAIN,
    )


def granted_state_machine(stack: Stack) -> SecureStateMachine:
    workflow = default_state_machine(stack)
    starter = iam.Role(stack, "Starter", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    workflow.grant_start_execution(starter)
    workflow.grant_read(reader)
    return workflow


VARIANTS: dict[str, tuple[str, Callable[[Stack], SecureStateMachine]]] = {
    "dev": ("dev", default_state_machine),
    "staging": ("staging", default_state_machine),
    "production": ("production", default_state_machine),
    "express": ("production", express_state_machine),
    "full": ("staging", full_state_machine),
    "grants": ("production", granted_state_machine),
}


@pytest.fixture(scope="module")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, FlowStack]:
    """Each variant in its own app (Template.from_stack synthesizes the whole app)."""
    return {
        name: FlowStack(make_app(), f"Flow-{name}", config=environments[env], build=build)
        for name, (env, build) in VARIANTS.items()
    }


@pytest.fixture(scope="module")
def templates(stacks: dict[str, FlowStack]) -> dict[str, Template]:
    return {name: template_of(stack) for name, stack in stacks.items()}


def machine(template: Template) -> dict[str, Any]:
    (found,) = find_resources(template, STATE_MACHINE).values()
    return found


def actions_of(policy: dict[str, Any]) -> set[str]:
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    return {
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }


def library_rules(resource: dict[str, Any], tool: str = "cdk-nag") -> set[str]:
    """The rules of ``tool`` the library acknowledges on ``resource``."""
    recorded = (resource.get("Metadata") or {}).get(TEMPLATE_KEY, {}).get(ACKNOWLEDGED, [])
    return {a["rule"] for a in recorded if a["source"] == LIBRARY_SOURCE and a["tool"] == tool}


class TestDefaults:
    @pytest.mark.parametrize("stage", STAGES)
    def test_logs_to_the_encrypted_log_group_at_the_stages_level(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        template = templates[stage]
        properties = machine(template)["Properties"]
        config = StateMachineConfig.for_stage(stage)
        assert properties["LoggingConfiguration"] == {
            "Destinations": [
                {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": [LOG_GROUP, "Arn"]}}}
            ],
            "IncludeExecutionData": False,
            "Level": config.log_level,
        }
        assert [StateMachineConfig.for_stage(s).log_level for s in STAGES] == [
            "ALL",
            "ERROR",
            "ERROR",
        ]
        group = find_resources(template, "AWS::Logs::LogGroup")[LOG_GROUP]["Properties"]
        assert group["KmsKeyId"] == {"Fn::GetAtt": [KEY, "Arn"]}
        assert group["LogGroupName"] == f"/aws/vendedlogs/states/Flow-{stage}-Flow"
        key = find_resources(template, "AWS::KMS::Key")[KEY]["Properties"]
        assert key["EnableKeyRotation"] is True

    @pytest.mark.parametrize(("stage", "days"), [("dev", 7), ("staging", 90), ("production", 365)])
    def test_the_log_group_keeps_the_stages_retention(
        self, templates: dict[str, Template], stage: str, days: int
    ) -> None:
        group = find_resources(templates[stage], "AWS::Logs::LogGroup")[LOG_GROUP]
        assert group["Properties"]["RetentionInDays"] == days

    @pytest.mark.parametrize("stage", STAGES)
    def test_traced_standard_and_timed_out_after_an_hour(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        properties = machine(templates[stage])["Properties"]
        assert properties["TracingConfiguration"] == {"Enabled": True}
        assert properties["StateMachineType"] == "STANDARD"
        assert '"TimeoutSeconds":3600' in properties["DefinitionString"]
        assert "StateMachineName" not in properties, "CloudFormation names it"

    def test_the_role_is_trusted_by_this_accounts_state_machines_only(
        self, templates: dict[str, Template]
    ) -> None:
        role = find_resources(templates["production"], "AWS::IAM::Role")[ROLE]["Properties"]
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "states.amazonaws.com"}
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "333333333333"}
        assert "stateMachine:*" in str(statement["Condition"]["ArnLike"]["aws:SourceArn"])
        assert "ManagedPolicyArns" not in role
        assert machine(templates["production"])["Properties"]["RoleArn"] == {
            "Fn::GetAtt": [ROLE, "Arn"]
        }

    def test_the_roles_policy_holds_log_delivery_and_x_ray_only(
        self, templates: dict[str, Template]
    ) -> None:
        template = templates["production"]
        assert find_resources(template, "AWS::IAM::Policy") == {}, "no inline policy"
        policies = find_resources(template, "AWS::IAM::ManagedPolicy")
        assert list(policies) == [POLICY]
        assert actions_of(policies[POLICY]) == DELIVERY | XRAY
        statements = policies[POLICY]["Properties"]["PolicyDocument"]["Statement"]
        assert {s["Resource"] for s in statements} == {"*"}
        assert library_rules(policies[POLICY]) == {"AwsSolutions-IAM5[Resource::*]"}
        assert POLICY in machine(template)["DependsOn"], "made before the state machine"

    @pytest.mark.parametrize(
        ("stage", "acknowledged"),
        [("dev", set()), ("staging", {"AwsSolutions-SF1"}), ("production", {"AwsSolutions-SF1"})],
    )
    def test_only_the_error_level_is_acknowledged(
        self, templates: dict[str, Template], stage: str, acknowledged: set[str]
    ) -> None:
        assert library_rules(machine(templates[stage])) == acknowledged

    @pytest.mark.parametrize(
        ("stage", "policy"), [("dev", "Delete"), ("staging", "Retain"), ("production", "Retain")]
    )
    def test_removal_policy_follows_stage(
        self, templates: dict[str, Template], stage: str, policy: str
    ) -> None:
        template = templates[stage]
        for kind in (STATE_MACHINE, "AWS::Logs::LogGroup", "AWS::KMS::Key"):
            for resource in find_resources(template, kind).values():
                assert resource["DeletionPolicy"] == policy, kind
                assert resource["UpdateReplacePolicy"] == policy, kind

    def test_the_repeated_dependency_on_the_role_is_acknowledged(
        self, templates: dict[str, Template]
    ) -> None:
        assert library_rules(machine(templates["dev"]), "cfn-lint") == {"W3005"}

    def test_tagged_as_module(self, templates: dict[str, Template]) -> None:
        tags = machine(templates["dev"])["Properties"]["Tags"]
        assert {"Key": "Module", "Value": "SecureStateMachine"} in tags

    def test_attributes(self, stacks: dict[str, FlowStack]) -> None:
        workflow = stacks["dev"].workflow
        assert isinstance(workflow.state_machine, sfn.StateMachine)
        assert isinstance(workflow.log_group, logs.LogGroup)
        assert isinstance(workflow.role, iam.Role)
        assert workflow.state_machine.role is workflow.role
        assert workflow.timeout.to_seconds() == 3600
        assert workflow.state_machine_type is sfn.StateMachineType.STANDARD
        assert workflow.log_level is sfn.LogLevel.ALL
        assert workflow.log_encryption_key is workflow.log_group.node.find_child(
            "Resource"
        ).node.scope.node.scope.node.find_child("LogKey")  # type: ignore[union-attr]
        for attribute in (workflow.state_machine_arn, workflow.state_machine_name):
            assert cdk.Token.is_unresolved(attribute)

    def test_outside_an_abstract_stack_the_production_defaults(self) -> None:
        stack = Stack(make_app(), "Plain")
        SecureStateMachine(stack, "Flow", definition_body=definition(stack))
        template = Template.from_stack(stack)
        found = machine(template)
        assert found["Properties"]["LoggingConfiguration"]["Level"] == "ERROR"
        assert found["DeletionPolicy"] == "Retain"
        group = find_resources(template, "AWS::Logs::LogGroup")[LOG_GROUP]
        assert group["Properties"]["RetentionInDays"] == 365


class TestStageDefaults:
    """One source of stage defaults: the constructor and ``from_config`` agree in every stage."""

    @pytest.mark.parametrize("stage", STAGES)
    def test_constructor_and_from_config_build_the_same_state_machine(
        self, environments: dict[str, EnvironmentConfig], stage: str
    ) -> None:
        config = environments[stage]
        assert config.state_machine == StateMachineConfig.for_stage(stage)

        def built(build: Callable[[Stack], SecureStateMachine]) -> dict[str, Any]:
            stack = FlowStack(make_app(), "F", config=config, build=build)
            return template_json(template_of(stack))

        assert built(default_state_machine) == built(
            lambda s: SecureStateMachine.from_config(
                s, "Flow", config.state_machine, definition_body=definition(s)
            )
        )

    def test_from_config_takes_the_environments_values(self, dev_config: EnvironmentConfig) -> None:
        config = StateMachineConfig.for_stage("dev", log_level="ERROR", include_execution_data=True)
        stack = FlowStack(
            make_app(),
            "F",
            config=dev_config,
            build=lambda s: SecureStateMachine.from_config(
                s, "Flow", config, definition_body=definition(s)
            ),
        )
        logging = machine(template_of(stack))["Properties"]["LoggingConfiguration"]
        assert (logging["Level"], logging["IncludeExecutionData"]) == ("ERROR", True)

    def test_the_config_is_refused_where_it_is_wrong(self, dev_config: EnvironmentConfig) -> None:
        stack = Stack(make_app(), "F")
        body = definition(stack)
        with pytest.raises(
            ValidationError, match=r"config=.EnvironmentConfig\('dev'\).: is the whole"
        ):
            SecureStateMachine.from_config(
                stack,
                "Flow",
                dev_config,  # type: ignore[arg-type]
                definition_body=body,
            )
        with pytest.raises(ValidationError, match=r"log_level=.*comes from the config"):
            SecureStateMachine.from_config(
                stack,
                "Flow",
                StateMachineConfig(),
                definition_body=body,
                log_level=sfn.LogLevel.ALL,
            )
        with pytest.raises(ValidationError, match=r"definition_body=None: is required"):
            SecureStateMachine.from_config(stack, "Flow", StateMachineConfig())
        with pytest.raises(
            ValidationError, match=r"StateMachineConfig: log_level='FATAL': must be one of"
        ):
            StateMachineConfig(log_level="FATAL")
        assert stack.node.try_find_child("Flow") is None


def test_the_environment_file_sets_the_state_machine_defaults() -> None:
    from org_constructs.config import environments_from_mapping

    account = {"account": "111111111111", "region": "us-east-1"}
    found = environments_from_mapping(
        {"production": {**account, "state_machine": {"log_level": "ALL"}}},
        source="environments.json",
    )
    assert found["production"].state_machine == StateMachineConfig(log_level="ALL")
    with pytest.raises(
        ValidationError,
        match=r"environments.json: production.state_machine.log_level='OFF': must be one of "
        r"'ALL', 'ERROR'",
    ):
        environments_from_mapping(
            {"production": {**account, "state_machine": {"log_level": "OFF"}}},
            source="environments.json",
        )


class TestExpress:
    def test_express_logs_and_times_out_within_five_minutes(
        self, templates: dict[str, Template]
    ) -> None:
        properties = machine(templates["express"])["Properties"]
        assert properties["StateMachineType"] == "EXPRESS"
        assert '"TimeoutSeconds":300' in properties["DefinitionString"]
        assert properties["LoggingConfiguration"]["Level"] == "ERROR"
        assert properties["TracingConfiguration"] == {"Enabled": True}

    def test_the_type_and_timeout_are_attributes(self, stacks: dict[str, FlowStack]) -> None:
        workflow = stacks["express"].workflow
        assert workflow.state_machine_type is sfn.StateMachineType.EXPRESS
        assert workflow.timeout.to_seconds() == 300


class TestOptions:
    def test_every_option_reaches_the_template(self, templates: dict[str, Template]) -> None:
        template = templates["full"]
        properties = machine(template)["Properties"]
        assert properties["StateMachineName"] == "orders-fulfilment"
        assert properties["DefinitionSubstitutions"] == {"Greeting": "hello"}
        assert properties["LoggingConfiguration"]["Level"] == "ALL"
        assert properties["LoggingConfiguration"]["IncludeExecutionData"] is True
        groups = find_resources(template, "AWS::Logs::LogGroup")
        assert groups[LOG_GROUP]["Properties"]["RetentionInDays"] == 731
        shared = next(k for k in find_resources(template, "AWS::KMS::Key") if "Shared" in k)
        assert groups[LOG_GROUP]["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [shared, "Arn"]}
        assert KEY not in find_resources(template, "AWS::KMS::Key"), "no key of its own"
        assert library_rules(machine(template)) == set(), "ALL needs no acknowledgement"

    def test_a_definition_from_a_string_keeps_the_timeout(
        self, stacks: dict[str, FlowStack]
    ) -> None:
        assert stacks["full"].workflow.timeout.to_seconds() == 6 * 3600

    def test_without_tracing_the_findings_are_the_apps(self) -> None:
        stack = Stack(make_app(), "Untraced")
        workflow = SecureStateMachine(
            stack, "Flow", definition_body=definition(stack), tracing_enabled=False
        )
        properties = machine(Template.from_stack(stack))["Properties"]
        assert properties["TracingConfiguration"] == {"Enabled": False}
        policy = workflow.role.node.find_child("Policy")
        statements = Stack.of(stack).resolve(policy.node.default_child.policy_document)  # type: ignore[union-attr]
        assert actions_of({"Properties": {"PolicyDocument": statements}}) == DELIVERY
        findings = {f.rule_id for f in nag_findings(stack, ("AwsSolutions",))}
        assert findings == {"AwsSolutions-SF2"}

    def test_the_tasks_permissions_are_never_under_the_librarys_reason(
        self, dev_config: EnvironmentConfig
    ) -> None:
        """A task's statements (and what the app adds) go to a policy of their own, where
        their wildcards stay the app's to acknowledge."""

        def build(stack: Stack) -> SecureStateMachine:
            function = lambda_.Function.from_function_arn(
                stack, "Reserve", "arn:aws:lambda:us-east-1:111111111111:function:reserve"
            )
            chain = tasks.LambdaInvoke(stack, "ReserveStock", lambda_function=function)
            workflow = SecureStateMachine(
                stack, "Flow", definition_body=sfn.DefinitionBody.from_chainable(chain)
            )
            workflow.state_machine.add_to_role_policy(
                iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"])
            )
            workflow.state_machine.add_to_role_policy(
                iam.PolicyStatement(actions=["s3:ListAllMyBuckets"], resources=["*"])
            )
            return workflow

        stack = FlowStack(make_app(), "Tasks", config=dev_config, build=build)
        policies = find_resources(template_of(stack), "AWS::IAM::ManagedPolicy")
        definition_policy = next(p for n, p in policies.items() if "DefinitionPolicy" in n)
        assert actions_of(definition_policy) == {"lambda:InvokeFunction", "s3:ListAllMyBuckets"}
        assert library_rules(definition_policy) == set()
        assert actions_of(policies[POLICY]) == DELIVERY | XRAY
        findings = {f.rule_id for f in nag_findings(stack, ("AwsSolutions",))}
        assert findings == {
            "AwsSolutions-IAM5[Resource::arn:aws:lambda:us-east-1:111111111111:function:reserve:*]",
            "AwsSolutions-IAM5[Resource::*]",
        }, "the app's wildcards are reported"
        acknowledge_finding(
            stack.workflow.role,
            "AwsSolutions-IAM5",
            "The team's reason: any version of the reserve function, and the bucket list.",
            applies_to=[
                "Resource::arn:aws:lambda:us-east-1:111111111111:function:reserve:*",
                "Resource::*",
            ],
        )
        assert nag_findings(stack, ("AwsSolutions",)) == []

    def test_destroy_in_production_warns(self, production_config: EnvironmentConfig) -> None:
        stack = FlowStack(
            make_app(),
            "Destroy",
            config=production_config,
            build=lambda s: SecureStateMachine(
                s, "Flow", definition_body=definition(s), removal_policy=RemovalPolicy.DESTROY
            ),
        )
        Annotations.from_stack(stack).has_warning(
            "/Destroy/Flow", Match.string_like_regexp("removal_policy is DESTROY in production")
        )

    def test_a_token_name_passes(self) -> None:
        stack = Stack(make_app(), "Tokens")
        name = CfnParameter(stack, "Name").value_as_string
        SecureStateMachine(
            stack, "Flow", definition_body=definition(stack), state_machine_name=name
        )
        assert machine(Template.from_stack(stack))["Properties"]["StateMachineName"] == {
            "Ref": "Name"
        }


class TestPinnedLogicalIds:
    """Renaming a child would replace these resources; the ids are public contract."""

    def test_stateful_resources_keep_their_ids(self, templates: dict[str, Template]) -> None:
        template = templates["dev"]
        assert list(find_resources(template, STATE_MACHINE)) == [MACHINE]
        assert list(find_resources(template, "AWS::Logs::LogGroup")) == [LOG_GROUP]
        assert list(find_resources(template, "AWS::KMS::Key")) == [KEY]
        assert list(find_resources(template, "AWS::IAM::Role")) == [ROLE]


def _body(stack: Stack) -> sfn.DefinitionBody:
    return definition(stack, "Invalid")


INVALID: dict[str, tuple[Callable[[Stack], Any], str]] = {
    "timeout zero": (
        lambda s: SecureStateMachine(s, "Q", definition_body=_body(s), timeout=Duration.seconds(0)),
        r"SecureStateMachine\('Q'\): timeout='0 seconds': must be from 1 second to 365 days",
    ),
    "timeout over a year": (
        lambda s: SecureStateMachine(s, "Q", definition_body=_body(s), timeout=Duration.days(366)),
        r"timeout='366 days': must be from 1 second to 365 days",
    ),
    "timeout fraction": (
        lambda s: SecureStateMachine(
            s, "Q", definition_body=_body(s), timeout=Duration.millis(1500)
        ),
        r"timeout=.*: must be a whole number of seconds",
    ),
    "timeout token": (
        lambda s: SecureStateMachine(
            s,
            "Q",
            definition_body=_body(s),
            timeout=Duration.seconds(CfnParameter(s, "T", type="Number").value_as_number),
        ),
        r"timeout=.*: must be a literal duration, not a token",
    ),
    "express over five minutes": (
        lambda s: SecureStateMachine(
            s,
            "Q",
            definition_body=_body(s),
            state_machine_type=sfn.StateMachineType.EXPRESS,
            timeout=Duration.minutes(6),
        ),
        r"timeout='6 minutes': must be from 1 second to 5 minutes: an Express execution runs "
        r"at most 5 minutes; use StateMachineType.STANDARD",
    ),
    "log level off": (
        lambda s: SecureStateMachine(s, "Q", definition_body=_body(s), log_level=sfn.LogLevel.OFF),
        r"log_level='LogLevel.OFF': must be LogLevel.ALL or LogLevel.ERROR: Control Tower",
    ),
    "log level fatal": (
        lambda s: SecureStateMachine(
            s, "Q", definition_body=_body(s), log_level=sfn.LogLevel.FATAL
        ),
        r"log_level='LogLevel.FATAL': must be LogLevel.ALL or LogLevel.ERROR",
    ),
    "express without logs": (
        lambda s: SecureStateMachine(
            s,
            "Q",
            definition_body=_body(s),
            state_machine_type=sfn.StateMachineType.EXPRESS,
            log_level=sfn.LogLevel.OFF,
        ),
        r"log_level='LogLevel.OFF': .*an Express workflow keeps no execution history",
    ),
    "name with a space": (
        lambda s: SecureStateMachine(
            s, "Q", definition_body=_body(s), state_machine_name="orders flow"
        ),
        r"state_machine_name='orders flow': must be 1 to 80 letters, digits",
    ),
    "name too long": (
        lambda s: SecureStateMachine(s, "Q", definition_body=_body(s), state_machine_name="a" * 81),
        r"state_machine_name='a{81}'",
    ),
    "name empty": (
        lambda s: SecureStateMachine(s, "Q", definition_body=_body(s), state_machine_name=""),
        r"state_machine_name='': must be 1 to 80",
    ),
    "empty comment": (
        lambda s: SecureStateMachine(s, "Q", definition_body=_body(s), comment=" "),
        r"comment=' ': must describe the state machine",
    ),
    "snapshot removal policy": (
        lambda s: SecureStateMachine(
            s, "Q", definition_body=_body(s), removal_policy=RemovalPolicy.SNAPSHOT
        ),
        r"removal_policy=.*: state machines and log groups have no snapshots",
    ),
    "definition of the wrong type": (
        lambda s: SecureStateMachine(s, "Q", definition_body=sfn.Pass(s, "P")),  # type: ignore[arg-type]
        r"SecureStateMachine\('Q'\): definition_body=",
    ),
    "tracing as text": (
        lambda s: SecureStateMachine(
            s,
            "Q",
            definition_body=_body(s),
            tracing_enabled="yes",  # type: ignore[arg-type]
        ),
        r"tracing_enabled='yes'",
    ),
    "timeout as a number": (
        lambda s: SecureStateMachine(
            s,
            "Q",
            definition_body=_body(s),
            timeout=60,  # type: ignore[arg-type]
        ),
        r"timeout=60",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused(case: str) -> None:
    build, pattern = INVALID[case]
    stack = Stack(make_app(), "Invalid")
    with pytest.raises(ValidationError, match=pattern):
        build(stack)
    assert stack.node.try_find_child("Q") is None, "nothing half-made"


def test_a_log_key_of_another_region_is_refused_naming_both_regions() -> None:
    stack = Stack(make_app(), "Keys", env=Environment(account="111111111111", region="us-east-1"))
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    with pytest.raises(
        ValidationError,
        match=r"SecureStateMachine\('Q'\): log_encryption_key='Keys/Key': is in region "
        r"eu-west-1, the stack in us-east-1",
    ):
        SecureStateMachine(stack, "Q", definition_body=definition(stack), log_encryption_key=key)
    assert stack.node.try_find_child("Q") is None


class TestGrants:
    def test_grants_land_in_the_librarys_policy(self, templates: dict[str, Template]) -> None:
        template = templates["grants"]
        assert find_resources(template, "AWS::IAM::Policy") == {}, "no default policy"
        policies = find_resources(template, "AWS::IAM::ManagedPolicy")
        grants = {name[:-8]: p for name, p in policies.items() if "OrgConstructsGrants" in name}
        assert sorted(grants) == ["ReaderOrgConstructsGrants", "StarterOrgConstructsGrants"]
        assert actions_of(grants["StarterOrgConstructsGrants"]) == {"states:StartExecution"}
        assert actions_of(grants["ReaderOrgConstructsGrants"]) == {
            "states:ListExecutions",
            "states:ListStateMachines",
            "states:DescribeExecution",
            "states:DescribeStateMachineForExecution",
            "states:GetExecutionHistory",
            "states:ListActivities",
            "states:DescribeStateMachine",
            "states:DescribeActivity",
        }

    def test_exactly_the_wildcards_written_are_acknowledged(
        self, templates: dict[str, Template]
    ) -> None:
        policies = find_resources(templates["grants"], "AWS::IAM::ManagedPolicy")
        recorded = {
            name[:-8]: library_rules(p)
            for name, p in policies.items()
            if "OrgConstructsGrants" in name
        }
        assert recorded == {
            "StarterOrgConstructsGrants": set(),
            "ReaderOrgConstructsGrants": {
                "AwsSolutions-IAM5[Resource::*]",
                "AwsSolutions-IAM5[Resource::arn:aws:states:us-east-1:333333333333:execution:"
                '{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"'
                f'{MACHINE}"}}]}}]}}:*]',
            },
        }
        assert_no_wildcard_iam(templates["grants"])

    def test_the_teams_own_grants_are_not_acknowledged(self, dev_config: EnvironmentConfig) -> None:
        def build(stack: Stack) -> SecureStateMachine:
            workflow = default_state_machine(stack)
            role = iam.Role(stack, "Team", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
            workflow.state_machine.grant_read(role)  # the team's own, in the role's policy
            return workflow

        stack = FlowStack(make_app(), "Own", config=dev_config, build=build)
        findings = {f.rule_id for f in nag_findings(stack, ("AwsSolutions",))}
        assert "AwsSolutions-IAM5[Resource::*]" in findings

    def test_bad_grants_are_refused(self) -> None:
        stack = Stack(make_app(), "Grants")
        workflow = default_state_machine(stack)
        imported = lambda_.Function.from_function_name(stack, "Imported", "orders")
        with pytest.raises(
            ValidationError,
            match=r"SecureStateMachine\('Flow'\).grant_start_execution: grantee='Grants/Imported'"
            r": has no",
        ):
            workflow.grant_start_execution(imported)
        with pytest.raises(ValidationError, match=r"grant_read: grantee=5"):
            workflow.grant_read(5)  # type: ignore[arg-type]


class TestCompliance:
    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_every_pack_is_clean(self, stacks: dict[str, FlowStack], name: str) -> None:
        assert nag_findings(stacks[name], NAG_PACKS) == []

    @pytest.mark.e2e
    def test_the_gate_is_clean_in_every_stage(
        self, environments: dict[str, EnvironmentConfig], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """cfn-guard (Control Tower, CT.STEPFUNCTIONS.PR.1 and PR.2 among them), cfn-lint and
        checkov over every variant, as ``org-cdk validate`` runs them: nothing blocks, and no
        acknowledgement is the team's."""

        def add_stacks(app: cdk.App) -> None:
            for name, (env, build) in VARIANTS.items():
                FlowStack(app, f"Flow-{name}", config=environments[env], build=build)

        findings = gate_findings(add_stacks, monkeypatch)
        assert [f for f in findings if f.blocking] == []
        assert all(f.acknowledged for f in findings), "the library's reasons only"
        assert {(f.tool, f.rule, f.stack) for f in findings} == {
            ("cfn-guard", "CT.CLOUDWATCH.PR.2", "Flow-dev"),
            ("cfn-guard", "CT.CLOUDWATCH.PR.2", "Flow-staging"),
            *(("cfn-lint", "W3005", f"Flow-{name}") for name in VARIANTS),
        }


def test_a_bare_app_without_feature_flags(production_config: EnvironmentConfig) -> None:
    """A consumer's unit test: ``cdk.App()`` with no context at all."""
    app = cdk.App()
    stack = FlowStack(app, "Bare", config=production_config, build=granted_state_machine)
    template = app.synth().get_stack_by_name(stack.stack_name).template
    assert [k for k, v in template["Resources"].items() if v["Type"] == STATE_MACHINE] == [MACHINE]
    assert nag_findings(stack, NAG_PACKS) == []


@pytest.mark.parametrize("name", ["dev", "express", "full"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot
