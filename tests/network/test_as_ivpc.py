"""A StandardVpc goes wherever aws-cdk-lib takes an ``ec2.IVpc``."""

from __future__ import annotations

import pytest
from aws_cdk import Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Template

from org_constructs import StandardVpc
from org_constructs.errors import ValidationError
from org_constructs.testing import find_resources, template_json
from tests.support import make_app


@pytest.fixture(scope="module")
def built() -> tuple[Stack, StandardVpc, dict[str, object]]:
    stack = Stack(make_app(), "Plain", env=Environment(account="111111111111", region="us-east-1"))
    vpc = StandardVpc(stack, "Network", max_azs=2)
    ec2.SecurityGroup(stack, "Group", vpc=vpc)
    lambda_.Function(
        stack,
        "Worker",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
        handler="index.handler",
        runtime=lambda_.Runtime.PYTHON_3_12,
        vpc=vpc,  # no vpc_subnets: aws-cdk-lib asks the VPC for its default selection
    )
    rds.DatabaseInstance(
        stack,
        "Plain",
        engine=rds.DatabaseInstanceEngine.POSTGRES,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
    )
    vpc.add_gateway_endpoint("Dynamo", service=ec2.GatewayVpcEndpointAwsService.DYNAMODB)
    return stack, vpc, template_json(Template.from_stack(stack))


def ref(stack: Stack, construct: object) -> dict[str, str]:
    return {"Ref": stack.get_logical_id(construct.node.default_child)}  # type: ignore[attr-defined]


def test_aws_cdk_lib_constructs_take_it_as_their_vpc(
    built: tuple[Stack, StandardVpc, dict[str, object]],
) -> None:
    stack, vpc, template = built
    (group,) = [
        g
        for g in find_resources(template, "AWS::EC2::SecurityGroup").values()
        if g["Properties"].get("GroupDescription") == "Plain/Group"
    ]
    assert group["Properties"]["VpcId"] == ref(stack, vpc.vpc)
    (function,) = [
        f
        for f in find_resources(template, "AWS::Lambda::Function").values()
        if "VpcConfig" in f["Properties"]
    ]
    private = [stack.resolve(s.subnet_id) for s in vpc.private_subnets]
    assert function["Properties"]["VpcConfig"]["SubnetIds"] == private
    (subnet_group,) = find_resources(template, "AWS::RDS::DBSubnetGroup").values()
    isolated = [stack.resolve(s.subnet_id) for s in vpc.isolated_subnets]
    assert subnet_group["Properties"]["SubnetIds"] == isolated
    assert find_resources(template, "AWS::EC2::VPCEndpoint")


def test_select_subnets_takes_a_tier_name_or_a_selection(
    built: tuple[Stack, StandardVpc, dict[str, object]],
) -> None:
    _, vpc, _ = built
    assert vpc.select_subnets("Isolated").subnet_group_name == "Isolated"
    selected = vpc.select_subnets(subnet_group_name="Public")
    assert selected.subnet_ids == [s.subnet_id for s in vpc.public_subnets]
    with pytest.raises(ValidationError, match=r"tier='Database': must be one of"):
        vpc.select_subnets("Database")
