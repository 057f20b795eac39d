"""Grants made through the library's constructs acknowledge exactly what they grant."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from org_constructs import DeploymentNotifications, MonitoredFunction, SecureBucket
from org_constructs.compliance import nag_findings
from org_constructs.contract import LIBRARY_GRANTS_ID
from org_constructs.testing import acknowledged_rules, assert_no_wildcard_iam, template_of
from tests.support import ROOT, load_script, make_app
from tests.test_docs import construct_page, is_stack, public_constructs

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return 1\n")


def reader(stack: Stack) -> iam.Role:
    return iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


def policy_acknowledgements(stack: Stack, role: iam.Role) -> dict[str, str]:
    """The cdk-nag acknowledgements on the library's policy of the role, from the template."""
    template = template_of(stack).to_json()
    policy_id = stack.get_logical_id(
        role.node.find_child(LIBRARY_GRANTS_ID).node.default_child  # type: ignore[arg-type]
    )
    return acknowledged_rules(template["Resources"][policy_id])


def test_grant_read_acknowledges_its_own_findings() -> None:
    stack = Stack(make_app(), "Grants")
    bucket = SecureBucket(stack, "Data")
    role = reader(stack)
    bucket.grant_read(role)
    assert nag_findings(stack, ["AwsSolutions"]) == []
    bucket_arn = stack.get_logical_id(bucket.bucket.node.default_child)  # type: ignore[arg-type]
    acknowledged = policy_acknowledgements(stack, role)
    assert set(acknowledged) == {
        "AwsSolutions-IAM5[Action::s3:GetBucket*]",
        "AwsSolutions-IAM5[Action::s3:GetObject*]",
        "AwsSolutions-IAM5[Action::s3:List*]",
        f"AwsSolutions-IAM5[Resource::<{bucket_arn}.Arn>/*]",
    }
    assert all("SecureBucket('Grants/Data').grant_read('*')" in r for r in acknowledged.values())
    assert_no_wildcard_iam(template_of(stack))


def test_a_prefix_is_acknowledged_as_granted() -> None:
    stack = Stack(make_app(), "Grants")
    bucket = SecureBucket(stack, "Data")
    role = reader(stack)
    bucket.grant_write(role, "uploads/*")
    assert nag_findings(stack, ["AwsSolutions"]) == []
    rules = set(policy_acknowledgements(stack, role))
    assert any(rule.endswith(".Arn>/uploads/*]") for rule in rules), rules
    assert not any(rule.endswith(".Arn>/*]") for rule in rules), rules
    # The key's wildcard actions, which aws-cdk-lib grants beside the bucket's.
    assert "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]" in rules


def test_a_users_own_wildcard_next_to_a_grant_is_still_found() -> None:
    stack = Stack(make_app(), "Grants")
    bucket = SecureBucket(stack, "Data")
    role = reader(stack)
    bucket.grant_read(role)
    role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:*"], resources=["*"]))
    found = {f.rule_id for f in nag_findings(stack, ["AwsSolutions"])}
    assert found == {"AwsSolutions-IAM5[Action::dynamodb:*]", "AwsSolutions-IAM5[Resource::*]"}


def test_a_grant_across_stacks_is_acknowledged_once_references_resolve() -> None:
    app = make_app()
    data = Stack(app, "Data")
    compute = Stack(app, "Compute")
    bucket = SecureBucket(data, "Orders")
    function = MonitoredFunction(compute, "Api", code=CODE, handler="index.handler")
    bucket.grant_read_write(function, "orders/*")
    app.synth()  # the acknowledgement is written when the bucket's ARN is known in Compute
    assert nag_findings(compute, ["AwsSolutions"]) == []


@pytest.mark.parametrize(
    "principal",
    [iam.AccountPrincipal("111111111111"), iam.ServicePrincipal("lambda.amazonaws.com")],
)
def test_a_principal_that_is_no_construct_gets_nothing_to_acknowledge(principal: Any) -> None:
    stack = Stack(make_app(), "Grants")
    bucket = SecureBucket(stack, "Data")
    bucket.grant_read(principal)
    assert nag_findings(stack, ["AwsSolutions"]) == []


def test_publishing_to_deployment_notifications_is_acknowledged() -> None:
    stack = Stack(make_app(), "Grants")
    notifications = DeploymentNotifications(stack, "Deployments")
    role = reader(stack)
    notifications.grant_publish(role)
    assert nag_findings(stack, ["AwsSolutions"]) == []
    assert set(policy_acknowledgements(stack, role)) == {
        "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]"
    }


def test_monitored_function_is_a_grantee() -> None:
    stack = Stack(make_app(), "Grants")
    bucket = SecureBucket(stack, "Data")
    function = MonitoredFunction(stack, "Api", code=CODE, handler="index.handler")
    grant = bucket.grant_read(function)
    assert grant.success
    assert function.grant_principal is function.role
    assert nag_findings(stack, ["AwsSolutions", "Serverless"]) == []
    assert_no_wildcard_iam(template_of(stack))


def test_every_construct_has_its_acknowledgement_table_on_its_page() -> None:
    """``scripts/generate_acknowledgement_docs.py`` writes a table per construct (``PAGES``):
    each public construct is there, on the page that documents it."""
    listed = {
        construct: f"constructs/{page}"
        for page, rows in load_script("generate_acknowledgement_docs").PAGES.items()
        for construct, *_ in rows
    }
    constructs = {name for name, c in public_constructs().items() if not is_stack(c)}
    assert sorted(constructs - set(listed)) == [], "add them to PAGES"
    assert sorted(set(listed) - constructs) == [], "not a public construct"
    pages = {
        f"constructs/{page.name}": page.read_text()
        for page in (ROOT / "docs" / "constructs").glob("*.md")
    }
    for construct, page in listed.items():
        assert construct_page(construct, pages) == page, construct
        assert f"**{construct}**:" in pages[page], f"{page} lacks the table of {construct}"
