"""MonitoredFunction's values checked against the runtime, the stack's region and its queues."""

from __future__ import annotations

import pytest
from aws_cdk import Duration, Environment, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match

from org_constructs import (
    AbstractStack,
    EnvironmentConfig,
    MonitoredFunction,
    StandardVpc,
    ValidationError,
)
from tests.support import make_app

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")
KEY_ARN = "arn:aws:kms:{region}:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def stack(region: str = "us-east-1", name: str = "Fn") -> Stack:
    return Stack(make_app(), name, env=Environment(account="111111111111", region=region))


@pytest.mark.parametrize("runtime", [None, lambda_.Runtime.NODEJS_22_X])
def test_a_handler_without_a_file_is_refused(runtime: lambda_.Runtime | None) -> None:
    scope = stack()
    with pytest.raises(
        ValidationError, match=r"handler='handler': must name the file and the function"
    ):
        MonitoredFunction(scope, "F", code=CODE, handler="handler", runtime=runtime)
    assert scope.node.try_find_child("F") is None
    MonitoredFunction(scope, "F", code=CODE, handler="app.handlers.main", runtime=runtime)


def test_a_vpc_of_another_region_is_refused_naming_both_regions() -> None:
    app = make_app()
    here = Stack(app, "Here", env=Environment(account="111111111111", region="eu-west-1"))
    there = Stack(app, "There", env=Environment(account="111111111111", region="us-east-1"))
    vpc = StandardVpc(there, "Network")
    with pytest.raises(
        ValidationError,
        match=r"vpc='There/Network/Vpc': is in region us-east-1, the stack in eu-west-1",
    ):
        MonitoredFunction(here, "F", code=CODE, handler="index.handler", vpc=vpc)
    assert here.node.try_find_child("F") is None


def test_an_environment_key_of_another_region_is_refused_naming_both_regions() -> None:
    scope = stack()
    key = kms.Key.from_key_arn(scope, "Key", KEY_ARN.format(region="eu-west-1"))
    with pytest.raises(
        ValidationError,
        match=r"environment_encryption_key='Fn/Key': is in region eu-west-1, the stack in "
        r"us-east-1",
    ):
        MonitoredFunction(
            scope, "F", code=CODE, handler="index.handler", environment_encryption_key=key
        )
    assert scope.node.try_find_child("F") is None


def with_queue(visibility: Duration | None) -> Stack:
    scope = stack()
    function = MonitoredFunction(
        scope, "F", code=CODE, handler="index.handler", timeout=Duration.minutes(2)
    )
    queue = sqs.Queue(scope, "Jobs", visibility_timeout=visibility, enforce_ssl=True)
    function.alias.add_event_source(sources.SqsEventSource(queue))
    return scope


@pytest.mark.parametrize("visibility", [None, Duration.seconds(60)])
def test_a_queue_that_does_not_outlast_the_timeout_is_refused_at_synthesis(
    visibility: Duration | None,
) -> None:
    scope = with_queue(visibility)
    shown = "30" if visibility is None else "60"
    with pytest.raises(
        RuntimeError,
        match=rf"MonitoredFunction\('Fn/F'\): timeout=120 seconds: exceeds the visibility "
        rf"timeout of the queue 'Fn/Jobs' \({shown} seconds\).*Duration.seconds\(720\)",
    ):
        scope.node.root.synth()  # type: ignore[attr-defined]


def test_a_queue_that_outlasts_the_timeout_is_accepted() -> None:
    scope = with_queue(Duration.minutes(12))
    scope.node.root.synth()  # type: ignore[attr-defined]


def test_all_at_once_in_production_is_flagged(production_config: EnvironmentConfig) -> None:
    class Service(AbstractStack):
        def initialize(self) -> None:
            MonitoredFunction(
                self, "F", code=CODE, handler="index.handler", deployment="ALL_AT_ONCE"
            )
            MonitoredFunction(self, "G", code=CODE, handler="index.handler")

    stack = Service(make_app(), "Svc-production", config=production_config)
    warnings = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    flagged = [w.id for w in warnings if "AllAtOnceInProduction" in str(w.entry.data)]
    assert flagged == ["/Svc-production/F"]
