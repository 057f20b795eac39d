"""assert_no_wildcard_iam and assert_no_open_ingress: they pass good templates and fail bad ones."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from org_constructs.testing import (
    acknowledged_rules,
    assert_no_open_ingress,
    assert_no_wildcard_dimensions,
    assert_no_wildcard_iam,
    iam_statements,
    template_of,
)
from tests.support import make_app


def policy_template(*statements: dict[str, Any], kind: str = "AWS::IAM::Policy") -> dict[str, Any]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    if kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
        properties: dict[str, Any] = {"Policies": [{"PolicyName": "p", "PolicyDocument": document}]}
    else:
        properties = {"PolicyDocument": document}
    return {"Resources": {"Subject": {"Type": kind, "Properties": properties}}}


def ingress_template(*rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "Resources": {
            "Group": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"SecurityGroupIngress": list(rules)},
            }
        }
    }


@pytest.fixture(scope="module")
def real_templates() -> dict[str, Template]:
    """A least-privilege stack and a careless one, synthesized once."""
    app = make_app()
    good = Stack(app, "Good")
    bucket = s3.Bucket(good, "Bucket")
    role = iam.Role(good, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    bucket.grant_read(role)
    vpc = ec2.Vpc(good, "Vpc", max_azs=1, nat_gateways=0)
    web = ec2.SecurityGroup(good, "Web", vpc=vpc)
    web.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443))

    bad = Stack(app, "Bad")
    admin = iam.Role(bad, "Admin", assumed_by=iam.AccountRootPrincipal())
    admin.add_to_policy(iam.PolicyStatement(actions=["*"], resources=["*"]))
    bad_vpc = ec2.Vpc(bad, "Vpc", max_azs=1, nat_gateways=0)
    ssh = ec2.SecurityGroup(bad, "Ssh", vpc=bad_vpc)
    ssh.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(22))
    return {"good": template_of(good), "bad": template_of(bad)}


class TestWildcardIam:
    def test_least_privilege_stack_passes(self, real_templates: dict[str, Template]) -> None:
        assert_no_wildcard_iam(real_templates["good"])

    def test_admin_stack_fails(self, real_templates: dict[str, Template]) -> None:
        with pytest.raises(AssertionError, match=r"wildcard action '\*'") as caught:
            assert_no_wildcard_iam(real_templates["bad"])
        assert "Resource '*' for *" in str(caught.value)

    @pytest.mark.parametrize(
        "kind",
        [
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::Role",
            "AWS::IAM::User",
            "AWS::IAM::Group",
        ],
    )
    def test_service_wildcard_fails_in_every_policy_holder(self, kind: str) -> None:
        template = policy_template(
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}, kind=kind
        )
        with pytest.raises(AssertionError, match=r"Subject statement 0: wildcard action 's3:\*'"):
            assert_no_wildcard_iam(template)

    def test_allowed_action_passes(self) -> None:
        template = policy_template({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:b"})
        assert_no_wildcard_iam(template, allowed_actions=["S3:*"])

    def test_star_resource_fails_unless_listed(self) -> None:
        statement = {"Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": "*"}
        with pytest.raises(AssertionError, match=r"Resource '\*' for xray:PutTraceSegments"):
            assert_no_wildcard_iam(policy_template(statement))
        assert_no_wildcard_iam(policy_template(statement), allowed_on_any_resource=["xray:*"])

    def test_every_action_must_be_listed_for_star_resource(self) -> None:
        statement = {
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "s3:GetObject"],
            "Resource": ["*"],
        }
        with pytest.raises(AssertionError, match=r"Resource '\*' for s3:GetObject \("):
            assert_no_wildcard_iam(policy_template(statement), allowed_on_any_resource=["xray:*"])

    @pytest.mark.parametrize("key", ["NotAction", "NotResource"])
    def test_not_action_and_not_resource_fail(self, key: str) -> None:
        statement = {"Effect": "Allow", key: "iam:*"}
        if key == "NotResource":
            statement["Action"] = "s3:GetObject"
        with pytest.raises(AssertionError, match=rf"Allow with {key} grants everything"):
            assert_no_wildcard_iam(policy_template(statement))

    def test_deny_statements_are_ignored(self) -> None:
        assert_no_wildcard_iam(policy_template({"Effect": "Deny", "Action": "*", "Resource": "*"}))

    def test_statements_are_listed(self) -> None:
        template = policy_template(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:b/*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
        )
        (statement,) = iam_statements(template)
        assert statement.actions == ("s3:GetObject",)
        assert statement.resources == ("arn:b/*",)


class TestOpenIngress:
    def test_https_only_passes_when_allowed(self, real_templates: dict[str, Template]) -> None:
        assert_no_open_ingress(real_templates["good"], allowed_ports=[443])

    def test_https_fails_when_not_allowed(self, real_templates: dict[str, Template]) -> None:
        with pytest.raises(AssertionError, match=r"tcp ports 443-443 open to 0.0.0.0/0"):
            assert_no_open_ingress(real_templates["good"])

    def test_ssh_from_anywhere_fails(self, real_templates: dict[str, Template]) -> None:
        with pytest.raises(AssertionError, match=r"Ssh\w+: tcp ports 22-22 open to 0.0.0.0/0"):
            assert_no_open_ingress(real_templates["bad"], allowed_ports=[443])

    def test_ipv6_anywhere_fails(self) -> None:
        rule = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv6": "::/0"}
        with pytest.raises(AssertionError, match=r"open to ::/0"):
            assert_no_open_ingress(ingress_template(rule))

    def test_all_protocols_never_pass(self) -> None:
        rule = {"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}
        with pytest.raises(AssertionError, match=r"-1 all ports open to 0.0.0.0/0"):
            assert_no_open_ingress(ingress_template(rule), allowed_ports=range(0, 65536))

    def test_range_must_be_wholly_allowed(self) -> None:
        rule = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 443, "CidrIp": "0.0.0.0/0"}
        with pytest.raises(AssertionError, match=r"ports 80-443"):
            assert_no_open_ingress(ingress_template(rule), allowed_ports=[80, 443])

    def test_standalone_ingress_resource_is_checked(self) -> None:
        template = {
            "Resources": {
                "Rule": {
                    "Type": "AWS::EC2::SecurityGroupIngress",
                    "Properties": {
                        "IpProtocol": "tcp",
                        "FromPort": 3389,
                        "ToPort": 3389,
                        "CidrIp": "0.0.0.0/0",
                    },
                }
            }
        }
        with pytest.raises(AssertionError, match=r"Rule: tcp ports 3389-3389"):
            assert_no_open_ingress(template)

    def test_private_sources_pass(self) -> None:
        rule = {"IpProtocol": "-1", "CidrIp": "10.0.0.0/8"}
        assert_no_open_ingress(ingress_template(rule))


class TestWildcardDimensions:
    """The guide's alarms used FunctionName='*'; CloudWatch alarms never fire on that."""

    def test_guide_style_alarm_fails(self) -> None:
        stack = Stack(make_app(), "GuideStyle")
        metric = cw.Metric(
            namespace="AWS/Lambda", metric_name="Errors", dimensions_map={"FunctionName": "*"}
        )
        metric.create_alarm(stack, "Errors", threshold=1, evaluation_periods=1)
        with pytest.raises(AssertionError, match=r"Errors\w+: FunctionName='\*'"):
            assert_no_wildcard_dimensions(template_of(stack))

    def test_wildcard_inside_metric_math_fails(self) -> None:
        stack = Stack(make_app(), "Math")
        metric = cw.Metric(
            namespace="AWS/NATGateway",
            metric_name="ErrorPortAllocation",
            dimensions_map={"NatGatewayId": "*"},
            label="ports",
        )
        metric.create_alarm(stack, "Ports", threshold=1, evaluation_periods=1)
        with pytest.raises(AssertionError, match=r"metric m1: NatGatewayId='\*'"):
            assert_no_wildcard_dimensions(template_of(stack))

    def test_wildcard_in_a_dashboard_fails(self) -> None:
        stack = Stack(make_app(), "Dash")
        dashboard = cw.Dashboard(stack, "Board")
        dashboard.add_widgets(
            cw.GraphWidget(
                left=[
                    cw.Metric(
                        namespace="AWS/ApiGateway",
                        metric_name="Count",
                        dimensions_map={"ApiName": "*"},
                    )
                ]
            )
        )
        with pytest.raises(AssertionError, match=r"Board\w+: a dashboard metric has a '\*'"):
            assert_no_wildcard_dimensions(template_of(stack))

    def test_real_dimensions_and_search_pass(self) -> None:
        stack = Stack(make_app(), "Real")
        metric = cw.Metric(
            namespace="AWS/Lambda", metric_name="Errors", dimensions_map={"FunctionName": "orders"}
        )
        metric.create_alarm(stack, "Errors", threshold=1, evaluation_periods=1)
        search = cw.MathExpression(
            expression="SEARCH('{AWS/Lambda,FunctionName} MetricName=\"Errors\"', 'Sum', 300)",
            using_metrics={},
        )
        cw.Dashboard(stack, "Board").add_widgets(cw.GraphWidget(left=[metric, search]))
        assert_no_wildcard_dimensions(template_of(stack))


def acknowledged(template: dict[str, Any], *rules: str) -> dict[str, Any]:
    """``template`` with cdk-nag acknowledgements recorded on its one resource."""
    (resource,) = template["Resources"].values()
    resource["Metadata"] = {
        "org-constructs": {
            "acknowledged": [
                {"tool": "cdk-nag", "rule": rule, "reason": f"because of {rule}", "source": "x"}
                for rule in rules
            ]
        }
    }
    return template


class TestAcknowledgedFindings:
    """The helpers honour the acknowledgements the gate reads, and show them on failure."""

    XRAY: ClassVar[dict[str, str]] = {
        "Effect": "Allow",
        "Action": "xray:PutTraceSegments",
        "Resource": "*",
    }
    EVERYTHING: ClassVar[dict[str, str]] = {
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::b/*",
    }

    def test_an_acknowledged_wildcard_resource_passes(self) -> None:
        template = acknowledged(policy_template(self.XRAY), "AwsSolutions-IAM5[Resource::*]")
        assert_no_wildcard_iam(template)

    def test_an_acknowledged_wildcard_action_passes(self) -> None:
        template = acknowledged(policy_template(self.EVERYTHING), "AwsSolutions-IAM5[Action::s3:*]")
        assert_no_wildcard_iam(template)

    def test_a_whole_rule_acknowledgement_covers_its_details(self) -> None:
        assert_no_wildcard_iam(acknowledged(policy_template(self.XRAY), "AwsSolutions-IAM5"))

    def test_another_detail_does_not_cover(self) -> None:
        template = acknowledged(policy_template(self.XRAY), "AwsSolutions-IAM5[Action::s3:*]")
        with pytest.raises(AssertionError, match="Resource '\\*' for xray:PutTraceSegments"):
            assert_no_wildcard_iam(template)

    def test_a_failure_lists_what_was_acknowledged(self) -> None:
        template = acknowledged(
            policy_template(self.XRAY, self.EVERYTHING), "AwsSolutions-IAM5[Resource::*]"
        )
        with pytest.raises(AssertionError) as failure:
            assert_no_wildcard_iam(template)
        message = str(failure.value)
        assert "wildcard action 's3:*'" in message
        assert "acknowledged, so not counted:" in message
        assert "because of AwsSolutions-IAM5[Resource::*]" in message

    def test_other_tools_acknowledgements_do_not_count(self) -> None:
        template = acknowledged(policy_template(self.XRAY), "AwsSolutions-IAM5[Resource::*]")
        entry = template["Resources"]["Subject"]["Metadata"]["org-constructs"]["acknowledged"][0]
        entry["tool"] = "cfn-guard"
        with pytest.raises(AssertionError):
            assert_no_wildcard_iam(template)

    def test_acknowledged_open_ingress_passes(self) -> None:
        rule = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}
        with pytest.raises(AssertionError):
            assert_no_open_ingress(ingress_template(rule))
        assert_no_open_ingress(acknowledged(ingress_template(rule), "AwsSolutions-EC23"))

    def test_the_library_records_them_in_the_template(self) -> None:
        """MonitoredFunction's X-Ray statement is acknowledged where the helper reads it."""
        from aws_cdk import aws_lambda as lambda_

        from org_constructs import MonitoredFunction

        stack = Stack(make_app(), "Function")
        MonitoredFunction(
            stack,
            "Orders",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"),
            handler="index.handler",
        )
        template = template_of(stack).to_json()
        assert_no_wildcard_iam(template)
        (policy,) = [
            r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"
        ]
        assert "AwsSolutions-IAM5[Resource::*]" in acknowledged_rules(policy)
        # Without the record, the same template fails: the helper is not blind to X-Ray.
        del policy["Metadata"]["org-constructs"]
        with pytest.raises(AssertionError, match="xray:PutTraceSegments"):
            assert_no_wildcard_iam(template)
