"""AbstractStack: environment, tags, protection, removal policy, outputs, initialize()."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template
from constructs import Construct

from org_constructs import (
    AbstractStack,
    EnvironmentConfig,
    SecurityConfig,
    Stage,
    StandardVpc,
    ValidationError,
)
from org_constructs.core import config_of, is_regulated, removal_policy_for, stage_of
from org_constructs.testing import find_resources, template_of
from tests.support import US_EAST_1_AZS, make_app


class ServiceStack(AbstractStack):
    """Sets attributes in its constructor and reads them in initialize()."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.topic_name = f"{self.config.name}-events"
        self.initialize_calls = 0

    def initialize(self) -> None:
        self.initialize_calls += 1
        self.topic = sns.Topic(self, "Events", topic_name=self.topic_name)
        logs.LogGroup(
            self,
            "Logs",
            retention=self.config.log_retention,
            removal_policy=self.default_removal_policy,
        )
        self.create_output("TopicArn", self.topic.topic_arn, description="Events topic")


class ChildServiceStack(ServiceStack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.topic_name = "child-events"


@pytest.fixture(scope="module")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, ServiceStack]:
    """One ServiceStack per test environment, in one app, synthesized once."""
    app = make_app()
    return {
        name: ServiceStack(app, f"Service-{name}", config=config)
        for name, config in environments.items()
    }


@pytest.fixture(scope="module")
def templates(stacks: dict[str, ServiceStack]) -> dict[str, Template]:
    return {name: template_of(stack) for name, stack in stacks.items()}


class TestInitialize:
    def test_runs_after_the_subclass_constructor(self, templates: dict[str, Template]) -> None:
        templates["dev"].has_resource_properties("AWS::SNS::Topic", {"TopicName": "dev-events"})

    def test_runs_once_after_the_outermost_constructor(self, dev_config: EnvironmentConfig) -> None:
        stack = ChildServiceStack(make_app(), "Child", config=dev_config)
        assert stack.initialize_calls == 1
        template = Template.from_stack(stack)
        template.has_resource_properties("AWS::SNS::Topic", {"TopicName": "child-events"})

    def test_subclass_must_implement_it(self, dev_config: EnvironmentConfig) -> None:
        class Incomplete(AbstractStack):
            pass

        with pytest.raises(ValidationError, match=r"Incomplete does not implement initialize"):
            Incomplete(make_app(), "Incomplete", config=dev_config)  # type: ignore[abstract]


class TestEnvironment:
    def test_env_comes_from_config(self, stacks: dict[str, ServiceStack]) -> None:
        prod = stacks["production"]
        assert (prod.account, prod.region) == ("333333333333", "us-east-1")
        assert prod.stage is Stage.PRODUCTION
        assert prod.config.name == "production"

    def test_env_cannot_be_passed(self, dev_config: EnvironmentConfig) -> None:
        with pytest.raises(ValidationError, match=r"ServiceStack\('S'\): env=.*comes from config"):
            ServiceStack(make_app(), "S", config=dev_config, env={"region": "eu-west-1"})

    def test_config_must_be_an_environment_config(self) -> None:
        with pytest.raises(ValidationError, match=r"config=\{\}: must be an EnvironmentConfig"):
            ServiceStack(make_app(), "S", config={})

    def test_stack_kwargs_pass_through(self, dev_config: EnvironmentConfig) -> None:
        stack = ServiceStack(make_app(), "S", config=dev_config, stack_name="custom-name")
        assert stack.stack_name == "custom-name"


class TestAvailabilityZones:
    ZONES = ("us-east-1c", "us-east-1a", "us-east-1b")

    def test_from_config_without_a_lookup(self) -> None:
        config = EnvironmentConfig(
            account="111111111111",
            region="us-east-1",
            stage=Stage.DEV,
            availability_zones=self.ZONES,
        )
        app = cdk.App()  # no cdk.context.json: a lookup would need AWS credentials
        stack = ServiceStack(app, "Zones", config=config)
        network = StandardVpc(stack, "Network")
        assert stack.availability_zones == list(self.ZONES)
        assert network.vpc.availability_zones == ["us-east-1c", "us-east-1a"]  # dev: max_azs 2
        subnets = find_resources(template_of(stack), "AWS::EC2::Subnet")
        assert {s["Properties"]["AvailabilityZone"] for s in subnets.values()} == {
            "us-east-1c",
            "us-east-1a",
        }
        assembly = app.synth()
        manifest = json.loads(Path(assembly.directory, "manifest.json").read_text())
        assert "missing" not in manifest, "no context lookup was needed"
        # The zones are written by name, as aws-cdk-lib writes those it looks up; like it, the
        # stack acknowledges the built-in validation's warning of literal zones (W3010).
        metadata = json.loads(Path(assembly.directory, "Zones.metadata.json").read_text())
        entries = metadata["/Zones"]
        acknowledged = {
            rule: reason
            for entry in entries
            if entry["type"] == "aws:cdk:acknowledged-rules"
            for rule, reason in entry["data"].items()
        }
        assert list(acknowledged) == ["CloudFormation-Validate::W3010"]
        assert "availability_zones" in acknowledged["CloudFormation-Validate::W3010"]

    def test_from_context_otherwise(self, dev_config: EnvironmentConfig) -> None:
        assert dev_config.availability_zones is None
        stack = ServiceStack(make_app(), "Lookup", config=dev_config)
        assert stack.availability_zones == US_EAST_1_AZS  # recorded as in cdk.context.json


class TestTags:
    STANDARD = ("Environment", "StackName", "ManagedBy")

    @pytest.mark.parametrize("name", ["dev", "staging", "production"])
    def test_every_taggable_resource_is_tagged(
        self, templates: dict[str, Template], name: str
    ) -> None:
        expected = {"Environment": name, "StackName": f"Service-{name}", "ManagedBy": "CDK"}
        if name == "production":
            expected["CostCenter"] = "platform"
        for resource_type in ("AWS::SNS::Topic", "AWS::Logs::LogGroup"):
            (resource,) = find_resources(templates[name], resource_type).values()
            tags = {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}
            assert tags == expected

    def test_stack_tags_reach_cloudformation(self, stacks: dict[str, ServiceStack]) -> None:
        tags = stacks["production"].tags.tag_values()
        assert tags == {
            "CostCenter": "platform",
            "Environment": "production",
            "ManagedBy": "CDK",
            "StackName": "Service-production",
        }


class TestProtection:
    @pytest.mark.parametrize(
        ("name", "protected"), [("dev", False), ("staging", False), ("production", True)]
    )
    def test_termination_protection_in_production(
        self, stacks: dict[str, ServiceStack], name: str, protected: bool
    ) -> None:
        assert stacks[name].termination_protection is protected

    def test_termination_protection_can_be_set(self, dev_config: EnvironmentConfig) -> None:
        stack = ServiceStack(make_app(), "S", config=dev_config, termination_protection=True)
        assert stack.termination_protection is True

    @pytest.mark.parametrize(
        ("name", "policy", "deletion"),
        [
            ("dev", RemovalPolicy.DESTROY, "Delete"),
            ("staging", RemovalPolicy.RETAIN, "Retain"),
            ("production", RemovalPolicy.RETAIN, "Retain"),
        ],
    )
    def test_default_removal_policy_follows_stage(
        self,
        stacks: dict[str, ServiceStack],
        templates: dict[str, Template],
        name: str,
        policy: RemovalPolicy,
        deletion: str,
    ) -> None:
        assert stacks[name].default_removal_policy == policy
        assert removal_policy_for(stacks[name].topic) == policy
        templates[name].has_resource("AWS::Logs::LogGroup", {"DeletionPolicy": deletion})

    def test_removal_policy_given_wins(self, stacks: dict[str, ServiceStack]) -> None:
        topic = stacks["production"].topic
        assert removal_policy_for(topic, RemovalPolicy.SNAPSHOT) == RemovalPolicy.SNAPSHOT

    def test_other_stacks_retain(self) -> None:
        stack = Stack(make_app(), "Plain")
        assert removal_policy_for(stack) == RemovalPolicy.RETAIN
        assert stage_of(stack) is None

    def test_stage_of_a_construct(self, stacks: dict[str, ServiceStack]) -> None:
        assert stage_of(stacks["staging"].topic) is Stage.STAGING


class TestOutputs:
    def test_exported_as_stack_name_and_id(self, templates: dict[str, Template]) -> None:
        templates["dev"].has_output(
            "TopicArn",
            {"Description": "Events topic", "Export": {"Name": "Service-dev-TopicArn"}},
        )

    def test_custom_export_name_and_no_export(self, dev_config: EnvironmentConfig) -> None:
        stack = ServiceStack(make_app(), "S", config=dev_config)
        stack.create_output("Custom", "value", export_name="shared-value")
        stack.create_output("Local", "value", export=False)
        template = Template.from_stack(stack)
        template.has_output("Custom", {"Export": {"Name": "shared-value"}})
        template.has_output("Local", {"Value": "value", "Export": Match.absent()})

    def test_export_name_without_export_is_refused(self, dev_config: EnvironmentConfig) -> None:
        stack = ServiceStack(make_app(), "S", config=dev_config)
        with pytest.raises(ValidationError, match=r"export_name='x': cannot be given with export"):
            stack.create_output("Bad", "value", export_name="x", export=False)


@pytest.mark.parametrize("name", ["dev", "production"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot


def bad(value: object) -> Any:
    return value


INVALID: dict[str, tuple[dict[str, Any], str, str]] = {
    "id that makes a bad stack name": (
        {},
        "my stack",
        r"construct_id='my stack': makes the stack name 'my stack': CloudFormation allows",
    ),
    "stack name with a space": (
        {"stack_name": "orders stack"},
        "S",
        r"stack_name='orders stack': makes the stack name 'orders stack'",
    ),
    "description too long": ({"description": "d" * 1025}, "S", r"description='d+\.\.\.'"),
    "stack name a token": (
        {"stack_name": cdk.Aws.ACCOUNT_ID},
        "S",
        r"stack_name='\$\{Token\[AWS.AccountId.[0-9]+\]\}': makes the stack name",
    ),
    "unknown stack property": (
        {"stack_nmae": "x"},
        "S",
        r"stack_nmae='x': is not a property; did you mean 'stack_name'\?",
    ),
    "stack property of the wrong type": (
        {"analytics_reporting": "yes"},
        "S",
        r"analytics_reporting='yes': must be True or False or None",
    ),
    "termination protection truthy string": (
        {"termination_protection": "no"},
        "S",
        r"termination_protection='no': must be True or False or None",
    ),
    "a stack tag of AWS": (
        {"tags": {"aws:team": "orders"}},
        "S",
        r"tags\['aws:team'\]='aws:team': tag keys starting with 'aws:' are AWS's",
    ),
    "a stack tag the stack sets itself": (
        {"tags": {"Environment": "production"}},
        "S",
        r"tags\['Environment'\]='Environment': is set by AbstractStack",
    ),
    "a stack tag value too long": (
        {"tags": {"Team": "t" * 257}},
        "S",
        r"tags\['Team'\]='t+': tag values must be text of at most 256",
    ),
}


def test_no_termination_protection_in_production_is_refused(
    production_config: EnvironmentConfig,
) -> None:
    app = make_app()
    with pytest.raises(
        ValidationError,
        match=r"termination_protection=False: contradicts the stage 'production' of config "
        r"'production'",
    ):
        ServiceStack(app, "S", config=production_config, termination_protection=False)
    assert app.node.try_find_child("S") is None
    ServiceStack(app, "S", config=production_config, termination_protection=True)


def test_a_stack_without_initialize_is_refused(dev_config: EnvironmentConfig) -> None:
    class Half(AbstractStack):
        pass

    app = make_app()
    for kind in (AbstractStack, Half):
        with pytest.raises(
            ValidationError,
            match=rf"{kind.__name__}: initialize=None: {kind.__name__} does not implement "
            r"initialize\(\): subclass AbstractStack",
        ):
            kind(app, "S", config=dev_config)  # type: ignore[abstract]
    assert app.node.try_find_child("S") is None


def test_stack_tags_of_your_own_are_accepted(dev_config: EnvironmentConfig) -> None:
    stack = ServiceStack(make_app(), "S", config=dev_config, tags={"Team": "orders"})
    assert stack.tags.tag_values()["Team"] == "orders"


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_stack_props_are_refused_before_the_stack_exists(
    case: str, dev_config: EnvironmentConfig
) -> None:
    props, construct_id, pattern = INVALID[case]
    app = make_app()
    with pytest.raises(ValidationError, match=pattern):
        ServiceStack(app, construct_id, config=dev_config, **props)
    assert app.node.try_find_child(construct_id) is None, "nothing half-made"


def test_a_stack_in_a_stage_is_named_after_both(dev_config: EnvironmentConfig) -> None:
    stage = cdk.Stage(make_app(), "Dev")
    with pytest.raises(ValidationError, match=r"makes the stack name 'Dev-my_stack'"):
        ServiceStack(stage, "my_stack", config=dev_config)
    assert ServiceStack(stage, "my_stack", config=dev_config, stack_name="Dev-orders")


def test_an_id_already_used_is_refused(dev_config: EnvironmentConfig) -> None:
    app = make_app()
    ServiceStack(app, "S", config=dev_config)
    with pytest.raises(ValidationError, match=r"construct_id='S': is already used in the app"):
        ServiceStack(app, "S", config=dev_config)


OUTPUTS: dict[str, tuple[dict[str, Any], str]] = {
    "export name with a slash": (
        {"output_id": "Arn", "export_name": "orders/arn"},
        r"export_name='orders/arn': makes the export name 'orders/arn'",
    ),
    "id that makes a bad export name": (
        {"output_id": "Topic_Arn"},
        r"output_id='Topic_Arn': makes the export name 'S-Topic_Arn'",
    ),
    "id already used": ({"output_id": "TopicArn"}, r"output_id='TopicArn': is already used in S"),
    "export truthy string": ({"output_id": "X", "export": "no"}, r"export='no': must be True or"),
}


@pytest.mark.parametrize("case", sorted(OUTPUTS))
def test_invalid_outputs_are_refused(case: str, dev_config: EnvironmentConfig) -> None:
    arguments, pattern = OUTPUTS[case]
    stack = ServiceStack(make_app(), "S", config=dev_config)
    with pytest.raises(ValidationError, match=pattern):
        stack.create_output(value="v", **arguments)


def test_stage_defaults_need_a_stack() -> None:
    app = make_app()
    with pytest.raises(
        ValidationError, match=r"stage_of: scope=.*: must be a Stack or a construct"
    ):
        stage_of(app)
    with pytest.raises(ValidationError, match=r"removal_policy_for: given='retain'"):
        removal_policy_for(Stack(app, "Plain"), bad("retain"))


class TestRegulated:
    def _stack(self, config: EnvironmentConfig, packs: tuple[str, ...]) -> Stack:
        regulated = dataclasses.replace(config, security=SecurityConfig(nag_packs=packs))

        class Empty(AbstractStack):
            def initialize(self) -> None:
                pass

        return Empty(make_app(), f"Empty-{len(packs)}", config=regulated)

    def test_a_regulated_pack_makes_the_environment_regulated(
        self, production_config: EnvironmentConfig
    ) -> None:
        stack = self._stack(production_config, ("AwsSolutions", "PCI.DSS.321"))
        assert config_of(stack).security.nag_packs == ("AwsSolutions", "PCI.DSS.321")  # type: ignore[union-attr]
        assert is_regulated(stack) is True
        assert is_regulated(self._stack(production_config, ("AwsSolutions",))) is False

    def test_outside_an_abstract_stack_nothing_is_known(self) -> None:
        plain = Stack(make_app(), "Plain")
        assert config_of(plain) is None
        assert is_regulated(plain) is False
