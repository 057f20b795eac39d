"""SecureDatabase's values checked against the stage, the VPC and the peers it admits."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk import Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from org_constructs import (
    DatabaseEngine,
    EnvironmentConfig,
    MonitoredFunction,
    SecureDatabase,
    StandardVpc,
)
from org_constructs.errors import ValidationError
from org_constructs.testing import find_resources, template_json
from tests.database.test_secure_database import DatabaseStack, network
from tests.support import make_app

CODE = lambda_.Code.from_inline("def handler(event, context): pass")


def test_no_deletion_protection_in_production_is_refused(
    production_config: EnvironmentConfig,
) -> None:
    with pytest.raises(
        ValidationError,
        match=r"deletion_protection=False: contradicts the stage 'production'",
    ):
        DatabaseStack(
            make_app(),
            "Db-production",
            config=production_config,
            build=lambda s, v: SecureDatabase(s, "Orders", vpc=v, deletion_protection=False),
        )


def test_an_unprotected_staging_database_is_not_acknowledged_as_dev(
    environments: dict[str, EnvironmentConfig],
) -> None:
    stack = DatabaseStack(
        make_app(),
        "Db-staging",
        config=environments["staging"],
        build=lambda s, v: SecureDatabase(s, "Orders", vpc=v, deletion_protection=False),
    )
    (database,) = find_resources(
        template_json(Template.from_stack(stack)), "AWS::RDS::DBInstance"
    ).values()
    reasons = json.dumps(database["Metadata"])
    assert "deletion_protection=False was given for this staging database" in reasons
    assert "No deletion protection in dev" not in reasons


def test_a_vpc_in_one_zone_is_refused_naming_the_zones() -> None:
    stack = Stack(
        make_app(), "OneZone", env=Environment(account="111111111111", region="us-east-1")
    )
    vpc = StandardVpc(stack, "Network", max_azs=1, nat_gateways=1)
    with pytest.raises(
        ValidationError,
        match=re.escape("vpc='OneZone/Network (isolated subnets in 1 availability zone)'")
        + ".*at least two availability zones.*max_azs=2",
    ):
        SecureDatabase(stack, "Orders", vpc=vpc, rotation=False)
    assert stack.node.try_find_child("Orders") is None


@pytest.mark.parametrize("which", ["monitored", "function"])
def test_allow_from_a_function_outside_the_vpc_names_the_fix(which: str) -> None:
    stack = Stack(make_app(), "Peers")
    database = SecureDatabase(stack, "Orders", vpc=network(stack))
    released = MonitoredFunction(stack, "Worker", code=CODE, handler="index.handler")
    peer = released if which == "monitored" else released.function
    with pytest.raises(
        ValidationError,
        match=rf"allow_from: peer='Peers/Worker{'/Function' if which == 'function' else ''}': "
        r"is a function outside a VPC.*vpc=",
    ):
        database.allow_from(peer)


def test_allow_from_a_function_in_the_vpc_is_accepted() -> None:
    stack = Stack(make_app(), "Peers")
    vpc = network(stack)
    database = SecureDatabase(stack, "Orders", vpc=vpc)
    worker = MonitoredFunction(stack, "Worker", code=CODE, handler="index.handler", vpc=vpc)
    database.allow_from(worker)
    ingress = find_resources(
        template_json(Template.from_stack(stack)), "AWS::EC2::SecurityGroupIngress"
    )
    assert any(r["Properties"]["FromPort"] == database.port for r in ingress.values())


def two_regions() -> tuple[Stack, Stack]:
    app = make_app()
    here = Stack(app, "Here", env=Environment(account="111111111111", region="eu-west-1"))
    there = Stack(app, "There", env=Environment(account="111111111111", region="us-east-1"))
    return here, there


def test_a_vpc_of_another_region_is_refused_naming_both_regions() -> None:
    here, there = two_regions()
    vpc = StandardVpc(there, "Network", interface_endpoints=["secretsmanager"])
    with pytest.raises(
        ValidationError,
        match=r"vpc='There/Network/Vpc': is in region us-east-1, the stack in eu-west-1",
    ):
        SecureDatabase(here, "Orders", vpc=vpc)
    assert here.node.try_find_child("Orders") is None


def test_an_encryption_key_of_another_region_is_refused_naming_both_regions() -> None:
    here, _ = two_regions()
    key = kms.Key.from_key_arn(
        here, "Key", "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    with pytest.raises(
        ValidationError,
        match=r"encryption_key='Here/Key': is in region us-east-1, the stack in eu-west-1",
    ):
        SecureDatabase(here, "Orders", vpc=network(here), encryption_key=key)
    assert here.node.try_find_child("Orders") is None


def test_a_key_of_the_stack_region_is_accepted() -> None:
    here, _ = two_regions()
    key = kms.Key.from_key_arn(
        here, "Key", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    assert SecureDatabase(here, "Orders", vpc=network(here), encryption_key=key).storage_key is key


def test_grant_connect_as_the_master_user_is_refused() -> None:
    stack = Stack(make_app(), "Grants")
    database = SecureDatabase(stack, "Orders", vpc=network(stack))
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    with pytest.raises(ValidationError, match=r"grant_connect: db_user='dbadmin': is the master"):
        database.grant_connect(role, "dbadmin")
    database.grant_connect(role, "orders_app")


def test_a_regulated_dev_mysql_database_needs_a_class_with_performance_insights(
    dev_config: EnvironmentConfig,
) -> None:
    with pytest.raises(
        ValidationError,
        match=r"instance_type='t4g.micro': is too small for Performance Insights "
        r"\(performance_insights=True",
    ):
        DatabaseStack(
            make_app(),
            "Db-dev",
            config=dev_config,
            build=lambda s, v: SecureDatabase(
                s, "Orders", vpc=v, engine=DatabaseEngine.MYSQL, regulated=True
            ),
        )
