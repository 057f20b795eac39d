"""Acknowledging compliance findings on resources a construct makes for itself."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_cdk import CfnResource, Stack
from constructs import Construct, IConstruct

from org_constructs._keys import ACKNOWLEDGED, TEMPLATE_KEY

__all__ = [
    "CDK_HANDLER_CHECKOV_CHECKS",
    "CHECK_TOOLS",
    "acknowledge",
    "acknowledge_cdk_handler",
    "acknowledge_check",
    "acknowledge_grant",
    "acknowledge_short_retention",
    "nag_resource",
    "skip_checkov",
]

# checkov checks that aws-cdk-lib's own deployment-time Lambda handlers cannot meet.
CDK_HANDLER_CHECKOV_CHECKS = ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117")
# ... and the Control Tower rule (cfn-guard) they cannot meet: they run outside any VPC.
CDK_HANDLER_GUARD_RULES = ("CT.LAMBDA.PR.3",)
# ... and cfn-lint's warning on the explicit dependency aws-cdk-lib adds beside the GetAtt.
CDK_HANDLER_LINT_RULES = ("W3005",)
DEPENDS_ON_ROLE_REASON = (
    "aws-cdk-lib makes a Lambda function depend on its role explicitly as well as through "
    "Role: Fn::GetAtt; the repeated dependency changes nothing in the deployment order."
)

CHECK_TOOLS = ("checkov", "cfn-guard", "cfn-lint")
"""Tools whose findings ``acknowledge_check`` records in the template."""


def acknowledge_check(
    resource: IConstruct, tool: str, rule_id: str, reason: str, *, source: str = "app"
) -> None:
    """Acknowledge a template checker's finding on ``resource``, with the reason in its metadata.

    checkov gets its own skip (``Metadata.checkov.skip``), which it honours and reports with
    the comment; cfn-guard and cfn-lint findings are matched by ``org-cdk validate`` against
    ``Metadata["org-constructs"]["acknowledged"]``, which also lists the checkov ones.
    """
    if tool not in CHECK_TOOLS:
        raise ValueError(f"acknowledge_check: tool={tool!r}: must be one of {CHECK_TOOLS}")
    if len(reason.strip()) < 20:
        raise ValueError(f"acknowledgement reason too short: {reason!r}")
    cfn = _cfn(resource)
    if tool == "checkov":
        skip_checkov(cfn, rule_id, reason)
        return
    current = cfn.get_metadata(TEMPLATE_KEY) or {ACKNOWLEDGED: []}
    current[ACKNOWLEDGED].append(
        {"tool": tool, "rule": rule_id, "reason": reason, "source": source}
    )
    cfn.add_metadata(TEMPLATE_KEY, current)


def acknowledge_short_retention(log_group: IConstruct) -> None:
    """Acknowledge Control Tower's one-year log retention rule when the stage keeps logs less."""
    cfn = _cfn(log_group)
    days = getattr(cfn, "retention_in_days", None)
    if isinstance(days, int | float) and 0 < days < 365:
        acknowledge_check(
            log_group,
            "cfn-guard",
            "CT.CLOUDWATCH.PR.2",
            f"Logs are kept {days} days, the environment's log retention "
            "(EnvironmentConfig.log_retention_days); production keeps them a year or more.",
            source="org-constructs",
        )


def _cfn(resource: IConstruct) -> CfnResource:
    cfn = resource if isinstance(resource, CfnResource) else resource.node.default_child
    if not isinstance(cfn, CfnResource):
        raise TypeError(f"{resource.node.path} has no CloudFormation resource to annotate")
    return cfn


def acknowledge(scope: IConstruct, reason: str, *rule_ids: str) -> None:
    """Acknowledge ``rule_ids`` on ``scope`` and its children, with one written reason.

    Used only for resources the construct itself creates and cannot make compliant (AWS does
    not support the setting, or aws-cdk-lib creates the resource); never for the user's own.
    """
    if len(reason) < 20:
        raise ValueError(f"acknowledgement reason too short: {reason!r}")
    from org_constructs.compliance._nag import record_acknowledgement

    record_acknowledgement(scope, rule_ids, reason, source="org-constructs")


def acknowledge_cdk_handler(
    stack: Stack, id_prefix: str, reason: str, rule_ids: tuple[str, ...]
) -> None:
    """Acknowledge findings on a stack-level handler that aws-cdk-lib creates for a construct.

    Such handlers (the default security group restricter, the bucket notifications handler)
    are singletons under the stack; each is marked once, with nag acknowledgements and checkov
    skips for what a deployment-time function cannot meet.
    """
    for child in stack.node.children:
        if not child.node.id.startswith(id_prefix):
            continue
        acknowledge(child, reason, *rule_ids)
        function = child.node.try_find_child("Handler") or child.node.try_find_child("Resource")
        if isinstance(function, CfnResource) and not function.get_metadata("checkov"):
            for check in CDK_HANDLER_CHECKOV_CHECKS:
                skip_checkov(function, check, reason)
            for rule in CDK_HANDLER_GUARD_RULES:
                acknowledge_check(function, "cfn-guard", rule, reason, source="org-constructs")
            for rule in CDK_HANDLER_LINT_RULES:
                acknowledge_check(
                    function, "cfn-lint", rule, DEPENDS_ON_ROLE_REASON, source="org-constructs"
                )


def acknowledge_grant(
    grantee: Any,
    granted_by: str,
    grants: Iterable[Any],
    *,
    owner: IConstruct,
    actions: Iterable[str] = (),
) -> None:
    """Acknowledge the cdk-nag wildcard findings that a library ``grant_*`` method causes.

    aws-cdk-lib's grants write action families (``s3:GetObject*``, ``kms:GenerateDataKey*``)
    and object patterns (``bucket/*``), which AwsSolutions-IAM5 reports on the grantee's
    policy. The acknowledgement goes on the grantee's principal (so it covers the policy the
    statements land in), one finding id for each wildcard action and resource that
    ``grants`` wrote, with a reason naming the grant; ``org-cdk validate`` lists them as
    acknowledged. ``actions``: wildcard actions granted alongside (a key grant aws-cdk-lib
    makes without returning it). ``owner``: the construct whose resources are granted (when it
    shares the grantee's stack, the acknowledgement is written at once). Nothing is recorded
    for a principal that is not a construct
    (an account or service principal gets a resource policy, which IAM5 does not check).
    """
    from org_constructs.compliance._nag import acknowledge_library_finding

    principal = getattr(grantee, "grant_principal", None)
    if not isinstance(principal, Construct):
        return
    details: list[str] = []
    for grant in grants:
        for statement in grant.principal_statements:
            details += [f"Action::{a}" for a in statement.actions if "*" in a]
            details += [f"Resource::{r}" for r in statement.resources if "*" in r]
    details += [f"Action::{a}" for a in actions if "*" in a]
    unique = list(dict.fromkeys(details))
    if unique:
        acknowledge_library_finding(
            principal,
            "AwsSolutions-IAM5",
            unique,
            f"{granted_by} grants these actions on the resources it names only: the wildcards "
            "are aws-cdk-lib's action families and the objects under the granted prefix.",
            resolvable=Stack.of(owner) is Stack.of(principal),
        )


def skip_checkov(resource: IConstruct, check_id: str, comment: str) -> None:
    """Record a checkov skip with its reason in the resource's CloudFormation metadata."""
    cfn = _cfn(resource)
    current = cfn.get_metadata("checkov") or {"skip": []}
    current["skip"].append({"id": check_id, "comment": comment})
    cfn.add_metadata("checkov", current)


def nag_resource(stack: Stack, value: str) -> str | None:
    """How cdk-nag writes ``value`` (a string or token) in a finding id, or None if unknown.

    ``Fn::GetAtt`` becomes ``<LogicalId.Attribute>``, ``Ref`` becomes ``<LogicalId>`` and
    ``Fn::Join`` is joined, as in ``AwsSolutions-IAM5[Resource::<BucketE6B0FAA8.Arn>/*]``.
    """
    return _render(stack.resolve(value))


def _render(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref" and isinstance(argument, str):
            return f"<{argument}>"
        if key == "Fn::GetAtt" and isinstance(argument, list):
            return f"<{'.'.join(str(a) for a in argument)}>"
        if key == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            parts = [_render(part) for part in argument[1]]
            if all(part is not None for part in parts):
                return str(argument[0]).join(p for p in parts if p is not None)
    if isinstance(value, dict):
        # Other intrinsics (Fn::GetStackOutput, Fn::ImportValue...): cdk-nag writes their JSON.
        return json.dumps(value, separators=(",", ":"))
    return None
