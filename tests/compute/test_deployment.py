"""Deployment styles: predefined CodeDeploy configurations, custom ones, validation."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_codedeploy as codedeploy

from org_constructs import Deployment, Stage, ValidationError
from org_constructs.compute import DEPLOYMENT_NAMES, DeploymentKind
from tests.support import make_app


@pytest.mark.parametrize("name", DEPLOYMENT_NAMES)
def test_every_codedeploy_lambda_config_by_name(name: str) -> None:
    deployment = Deployment.named(name)
    assert deployment.name == name
    config = deployment.config(Stack(make_app(), "S"), "Config")
    predefined = getattr(codedeploy.LambdaDeploymentConfig, name)
    assert config.deployment_config_name == predefined.deployment_config_name
    assert config.deployment_config_name.startswith("CodeDeployDefault.Lambda")


def test_every_predefined_style_is_covered() -> None:
    expected = (
        {f"CANARY_10_PERCENT_{m}_MINUTES" for m in (5, 10, 15, 30)}
        | {f"LINEAR_10_PERCENT_EVERY_{m}_MINUTES" for m in (2, 3, 10)}
        | {
            "LINEAR_10_PERCENT_EVERY_1_MINUTE",
            "ALL_AT_ONCE",
        }
    )
    assert set(DEPLOYMENT_NAMES) == expected


def test_builders_match_predefined() -> None:
    assert Deployment.canary().name == "CANARY_10_PERCENT_5_MINUTES"
    assert Deployment.canary(10, 30).name == "CANARY_10_PERCENT_30_MINUTES"
    assert Deployment.linear(10, 3).name == "LINEAR_10_PERCENT_EVERY_3_MINUTES"
    assert Deployment.all_at_once().kind is DeploymentKind.ALL_AT_ONCE


@pytest.mark.parametrize(
    ("deployment", "routing"),
    [
        (
            Deployment.canary(25, 7),
            {
                "Type": "TimeBasedCanary",
                "TimeBasedCanary": {"CanaryInterval": 7, "CanaryPercentage": 25},
            },
        ),
        (
            Deployment.linear(20, 4),
            {
                "Type": "TimeBasedLinear",
                "TimeBasedLinear": {"LinearInterval": 4, "LinearPercentage": 20},
            },
        ),
    ],
)
def test_custom_percentages_and_intervals(deployment: Deployment, routing: dict[str, Any]) -> None:
    stack = Stack(make_app(), "S")
    config = deployment.config(stack, "Config")
    assert isinstance(config, codedeploy.LambdaDeploymentConfig)
    cfn = config.node.default_child
    assert isinstance(cfn, codedeploy.CfnDeploymentConfig)
    assert stack.resolve(cfn.traffic_routing_config) == {
        "type": routing["Type"],
        **{
            k[0].lower() + k[1:]: {kk[0].lower() + kk[1:]: vv for kk, vv in v.items()}
            for k, v in routing.items()
            if k != "Type"
        },
    }
    assert deployment.name.startswith(deployment.kind.value.upper())


@pytest.mark.parametrize(
    ("stage", "name"),
    [
        (Stage.DEV, "ALL_AT_ONCE"),
        (Stage.STAGING, "CANARY_10_PERCENT_5_MINUTES"),
        (Stage.PRODUCTION, "CANARY_10_PERCENT_5_MINUTES"),
        (None, "CANARY_10_PERCENT_5_MINUTES"),
    ],
)
def test_stage_defaults(stage: Stage | None, name: str) -> None:
    assert Deployment.for_stage(stage).name == name


def bad(value: object) -> Any:
    return value


def test_kind_may_be_its_name() -> None:
    assert Deployment(bad("linear"), 10, 2).name == "LINEAR_10_PERCENT_EVERY_2_MINUTES"
    assert Deployment.for_stage(bad("dev")).name == "ALL_AT_ONCE"


@pytest.mark.parametrize(
    ("build", "pattern"),
    [
        (
            lambda: Deployment.named("CANARY_50_PERCENT"),
            r"name='CANARY_50_PERCENT': must be one of",
        ),
        (lambda: Deployment.canary(0, 5), r"percentage=0: must be a whole number from 1 to 99"),
        (lambda: Deployment.canary(100, 5), r"percentage=100"),
        (lambda: Deployment.linear(10, 0), r"every_minutes=0: must be whole minutes from 1"),
        (lambda: Deployment.canary(10, 3000), r"Deployment.canary: minutes=3000"),
        (lambda: Deployment.canary(bad("10")), r"percentage='10': must be a whole number"),
        (
            lambda: Deployment(DeploymentKind.CANARY, 10, bad(True)),
            r"Deployment: interval_minutes=True: must be whole minutes",
        ),
        (lambda: Deployment(bad("blue-green")), r"kind='blue-green': must be one of 'canary'"),
        (
            lambda: Deployment(DeploymentKind.ALL_AT_ONCE, 50, 5),
            r"percentage/interval_minutes=\(50, 5\): must be left out for all_at_once",
        ),
        (lambda: Deployment.for_stage(bad("qa")), r"Deployment.for_stage: stage='qa': must be one"),
    ],
)
def test_invalid_styles_are_refused(build: Any, pattern: str) -> None:
    with pytest.raises(ValidationError, match=pattern):
        build()
