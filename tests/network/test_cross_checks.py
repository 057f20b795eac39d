"""StandardVpc's values checked against the stack's region and zones."""

from __future__ import annotations

import pytest
from aws_cdk import Environment, Stack
from aws_cdk import aws_kms as kms

from org_constructs import EnvironmentConfig, SecureDatabase, StandardVpc, ValidationError
from tests.support import make_app

KEY_ARN = "arn:aws:kms:{region}:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def stack(region: str = "us-east-1") -> Stack:
    return Stack(make_app(), "Net", env=Environment(account="111111111111", region=region))


def test_a_flow_log_key_of_another_region_is_refused_naming_both_regions() -> None:
    scope = stack()
    key = kms.Key.from_key_arn(scope, "Key", KEY_ARN.format(region="eu-west-1"))
    with pytest.raises(
        ValidationError,
        match=r"flow_logs_key='Net/Key': is in region eu-west-1, the stack in us-east-1",
    ):
        StandardVpc(scope, "V", flow_logs_key=key)
    assert scope.node.try_find_child("V") is None


def test_a_flow_log_key_of_the_stack_region_is_accepted() -> None:
    scope = stack()
    key = kms.Key.from_key_arn(scope, "Key", KEY_ARN.format(region="us-east-1"))
    assert StandardVpc(scope, "V", flow_logs_key=key).flow_log_key is key


def test_more_azs_than_the_region_has_is_refused_naming_the_zones() -> None:
    app = make_app(
        **{
            "availability-zones:account=111111111111:region=us-west-1": [
                "us-west-1a",
                "us-west-1c",
            ]
        }
    )
    scope = Stack(app, "Net", env=Environment(account="111111111111", region="us-west-1"))
    with pytest.raises(
        ValidationError,
        match=r"max_azs=3: the stack's region has 2 availability zones "
        r"\(us-west-1a, us-west-1c.*max_azs=2",
    ):
        StandardVpc(scope, "V", max_azs=3)
    assert scope.node.try_find_child("V") is None
    assert len(StandardVpc(scope, "V", max_azs=2).isolated_subnets) == 2


def test_zones_not_looked_up_yet_are_not_counted() -> None:
    scope = stack("ap-south-2")  # no zones in the context: aws-cdk-lib returns placeholders
    assert len(StandardVpc(scope, "V", max_azs=3, nat_gateways=1).isolated_subnets) == 3


def test_from_config_with_the_whole_environment_names_the_part_to_give(
    dev_config: EnvironmentConfig,
) -> None:

    stack = Stack(make_app(), "Whole")
    with pytest.raises(
        ValidationError, match=r"config=\"EnvironmentConfig\('dev'\)\".*config\.vpc"
    ):
        StandardVpc.from_config(stack, "Network", dev_config)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"database_config=.*config\.database"):
        SecureDatabase.from_config(
            stack,
            "Db",
            vpc=StandardVpc(stack, "Vpc"),
            database_config=dev_config,  # type: ignore[arg-type]
        )
