"""A library grant's acknowledgement covers what the library wrote, never the team's statements.

Each grant kind is given to a role beside the team's own ``Table.grant_write_data`` (with a
customer key, so the team writes ``kms:GenerateDataKey*`` and ``kms:ReEncrypt*`` too): the gate
(cdk-nag's AwsSolutions-IAM5) still reports the team's wildcards, on the role's own policy, and
nothing of the library's, whose wildcards are acknowledged on the library's policy only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_

from org_constructs import DeploymentNotifications, MonitoredFunction, SecureBucket, SecureDatabase
from org_constructs.compliance import nag_findings
from org_constructs.compliance._acknowledgements import nag_resource
from org_constructs.contract import LIBRARY_GRANTS_ID
from org_constructs.testing import acknowledged_rules, find_resources, template_of
from tests.support import make_app

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return 1\n")
TEAM_WILDCARDS = {
    "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
    "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
}


def team_table(stack: Stack, grantee: iam.IGrantable) -> None:
    """The team's own grant: a table encrypted with its own key."""
    key = kms.Key(stack, "TableKey", enable_key_rotation=True)
    table = dynamodb.Table(
        stack,
        "Orders",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
    )
    table.grant_write_data(grantee)


def bucket_grant(method: str) -> Callable[[Stack, iam.IGrantable], Any]:
    def grant(stack: Stack, grantee: iam.IGrantable) -> Any:
        return getattr(SecureBucket(stack, "Data"), method)(grantee)

    return grant


def invoke(stack: Stack, grantee: iam.IGrantable) -> Any:
    function = MonitoredFunction(stack, "Api", code=CODE, handler="index.handler")
    return function.grant_invoke(grantee)


def connect(stack: Stack, grantee: iam.IGrantable) -> Any:
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Network",
        vpc_id="vpc-0123456789abcdef0",
        vpc_cidr_block="10.2.0.0/16",
        availability_zones=["us-east-1a", "us-east-1b"],
        isolated_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )
    return SecureDatabase(stack, "Db", vpc=vpc).grant_connect(grantee, "orders_app")


def publish(stack: Stack, grantee: iam.IGrantable) -> Any:
    return DeploymentNotifications(stack, "Deployments").grant_publish(grantee)


GRANTS: dict[str, Callable[[Stack, iam.IGrantable], Any]] = {
    **{
        f"SecureBucket.{m}": bucket_grant(m)
        for m in ("grant_read", "grant_write", "grant_read_write", "grant_put", "grant_delete")
    },
    "MonitoredFunction.grant_invoke": invoke,
    "SecureDatabase.grant_connect": connect,
    "DeploymentNotifications.grant_publish": publish,
}


def iam5(stack: Stack) -> set[tuple[str, str]]:
    return {
        (f.rule_id, f.construct_path)
        for f in nag_findings(stack, ["AwsSolutions"])
        if f.rule_id.startswith("AwsSolutions-IAM5")
    }


def wildcards_written(stack: Stack, policy: Any) -> set[str]:
    """The IAM5 finding ids of the wildcards in ``policy``'s statements, as cdk-nag writes them."""
    document = stack.resolve(policy.document)
    found = set()
    for statement in document["Statement"]:
        for kind, key in (("Action", "Action"), ("Resource", "Resource")):
            values = statement.get(key, [])
            for value in values if isinstance(values, list) else [values]:
                rendered = nag_resource(stack, value)
                if rendered is not None and "*" in rendered:
                    found.add(f"AwsSolutions-IAM5[{kind}::{rendered}]")
    return found


@pytest.mark.parametrize("kind", GRANTS)
def test_the_teams_wildcards_stay_visible_beside_a_library_grant(kind: str) -> None:
    stack = Stack(make_app(), "Grants")
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    grant = GRANTS[kind](stack, role)
    team_table(stack, role)
    assert grant.success

    found = iam5(stack)
    assert found == {(rule, "Grants/App/DefaultPolicy/Resource") for rule in TEAM_WILDCARDS}

    # The library's statements are in its own policy, whose wildcards it acknowledges: exactly
    # those it wrote, with a reason naming the grant.
    policy: Any = role.node.find_child(LIBRARY_GRANTS_ID)
    written = {
        (action, str(statement["Resource"]))
        for statement in stack.resolve(policy.document)["Statement"]
        for action in statement["Action"]
    }
    assert grant.principal_statements
    for statement in grant.principal_statements:
        resolved = stack.resolve(statement.to_statement_json())
        resources = str(resolved["Resource"])
        actions = resolved["Action"]
        assert {(a, resources) for a in actions if isinstance(actions, list)} <= written or (
            (actions, resources) in written
        )
    template = template_of(stack).to_json()
    resource = template["Resources"][stack.get_logical_id(policy.node.default_child)]
    assert resource["Type"] == "AWS::IAM::ManagedPolicy"
    acknowledged = acknowledged_rules(resource)
    assert set(acknowledged) == wildcards_written(stack, policy)
    assert all(kind.split(".")[1] in reason for reason in acknowledged.values())
    # The team's own policy carries no acknowledgement of the library's.
    default = template["Resources"][
        stack.get_logical_id(role.node.find_child("DefaultPolicy").node.default_child)  # type: ignore[arg-type]
    ]
    assert acknowledged_rules(default) == {}


def test_a_grant_put_without_the_team_is_clean() -> None:
    """The library's own wildcards (the same kms:GenerateDataKey* as the team's) are
    acknowledged: nothing is left for the team to acknowledge."""
    stack = Stack(make_app(), "Grants")
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    SecureBucket(stack, "Data").grant_put(role)
    assert iam5(stack) == set()
    policy = role.node.find_child(LIBRARY_GRANTS_ID)
    assert "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]" in wildcards_written(stack, policy)


def grantee_function(stack: Stack) -> tuple[iam.IGrantable, str]:
    function = lambda_.Function(
        stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler", code=CODE
    )
    return function, "Grants/Fn/ServiceRole/"


def grantee_monitored_function(stack: Stack) -> tuple[iam.IGrantable, str]:
    function = MonitoredFunction(stack, "Worker", code=CODE, handler="index.handler")
    return function, "Grants/Worker/Role/"


def grantee_imported_role(stack: Stack) -> tuple[iam.IGrantable, str]:
    role = iam.Role.from_role_arn(stack, "Imported", f"arn:aws:iam::{stack.account}:role/app")
    return role, "Grants/Imported"


@pytest.mark.parametrize(
    "grantee", [grantee_function, grantee_monitored_function, grantee_imported_role]
)
def test_a_function_or_an_imported_role_gets_the_library_policy_on_its_role(
    grantee: Callable[[Stack], tuple[iam.IGrantable, str]],
) -> None:
    stack = Stack(make_app(), "Grants")
    principal, role_path = grantee(stack)
    SecureBucket(stack, "Data").grant_put(principal)
    team_table(stack, principal)
    found = iam5(stack)
    library = f"{role_path}{LIBRARY_GRANTS_ID}/Resource"
    assert not [f for f in found if f[1] == library], found
    assert {rule for rule, _ in found} == TEAM_WILDCARDS
    assert all(path != library for _, path in found)
    policies = template_of(stack).find_resources("AWS::IAM::ManagedPolicy")
    assert any(LIBRARY_GRANTS_ID in name for name in policies)


def test_an_immutable_role_gets_nothing() -> None:
    """aws-cdk-lib writes nothing for a role imported with mutable=False; nor does the library."""
    stack = Stack(make_app(), "Grants")
    role = iam.Role.from_role_arn(
        stack, "Imported", f"arn:aws:iam::{stack.account}:role/app", mutable=False
    )
    assert SecureBucket(stack, "Data").grant_put(role).success
    template = template_of(stack)
    assert template.find_resources("AWS::IAM::ManagedPolicy") == {}
    assert template.find_resources("AWS::IAM::Policy") == {}
    assert iam5(stack) == set()


def test_grants_of_several_constructs_share_one_library_policy() -> None:
    stack = Stack(make_app(), "Grants")
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    SecureBucket(stack, "Data").grant_read(role)
    SecureBucket(stack, "Logs").grant_put(role)
    DeploymentNotifications(stack, "Deployments").grant_publish(role)
    policies = template_of(stack).find_resources("AWS::IAM::ManagedPolicy")
    assert [name[:-8] for name in policies] == [f"App{LIBRARY_GRANTS_ID}"]
    assert iam5(stack) == set()


@pytest.mark.parametrize("flags", ["bare App", "recommended flags"])
def test_a_grant_on_a_bucket_of_another_stack_is_acknowledged_as_cdk_nag_names_it(
    flags: str,
) -> None:
    """The prefix's resource comes from the bucket's stack (an export import in a bare App, a
    stack output reference with the recommended flags): written as cdk-nag writes it."""
    from aws_cdk import App, Environment

    from org_constructs.compliance import apply_nag_packs

    app = App() if flags == "bare App" else make_app()
    env = Environment(account="111111111111", region="us-east-1")
    data = Stack(app, "Data", env=env)
    compute = Stack(app, "Compute", env=env)
    bucket = SecureBucket(data, "Orders")
    function = MonitoredFunction(compute, "Worker", code=CODE, handler="index.handler")
    bucket.grant_read_write(function, "orders/*")
    apply_nag_packs(compute, ["AwsSolutions"])
    assembly = app.synth()  # fails on any unacknowledged finding
    template = assembly.get_stack_by_name("Compute").template
    (policy,) = [
        r
        for logical_id, r in template["Resources"].items()
        if logical_id.startswith(f"WorkerRole{LIBRARY_GRANTS_ID}")
    ]
    ids = [a["rule"] for a in policy["Metadata"]["org-constructs"]["acknowledged"]]
    (prefix,) = [i for i in ids if i.endswith("/orders/*]")]
    assert "OrdersBucket" in prefix
    if flags == "bare App":
        assert prefix.startswith("AwsSolutions-IAM5[Resource::Data:ExportsOutputFnGetAttOrders")


def test_the_library_policy_takes_the_grants_without_calling_back_into_python() -> None:
    """The policy stands in for the role inside the jsii kernel: aws-cdk-lib's grants read its
    principal members and add statements there, with no request back to this process."""
    import jsii._kernel as jsii_kernel
    from jsii._reference_map import resolve_id

    from org_constructs.compliance._acknowledgements import _LibraryGrants

    stack = Stack(make_app(), "Grants")
    role = iam.Role(stack, "Worker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    bucket = SecureBucket(stack, "Data")
    asked: list[str] = []
    original = jsii_kernel._handle_callback

    def handle(kernel: Any, callback: Any) -> Any:
        request = callback.invoke or callback.get or callback.set
        target = resolve_id(request.objref.ref)
        if isinstance(target, _LibraryGrants):
            asked.append(callback.cookie)
        return original(kernel, callback)

    jsii_kernel._handle_callback = handle
    try:
        bucket.grant_read_write(role)
        bucket.grant_put(role)
    finally:
        jsii_kernel._handle_callback = original
    assert asked == []
    policies = find_resources(template_of(stack), "AWS::IAM::ManagedPolicy")
    [library] = [p for logical_id, p in policies.items() if LIBRARY_GRANTS_ID in logical_id]
    role_id = stack.get_logical_id(role.node.default_child)  # type: ignore[arg-type]
    assert library["Properties"]["Roles"] == [{"Ref": role_id}]
    actions = {
        action
        for statement in library["Properties"]["PolicyDocument"]["Statement"]
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }
    assert {"s3:GetObject*", "s3:PutObject", "s3:DeleteObject*"} <= actions
