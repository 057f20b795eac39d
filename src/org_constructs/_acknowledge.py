"""Acknowledging compliance findings on resources a construct makes for itself."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct

__all__ = [
    "CDK_HANDLER_CHECKOV_CHECKS",
    "acknowledge",
    "acknowledge_cdk_handler",
    "nag_resource",
    "skip_checkov",
]

# checkov checks that aws-cdk-lib's own deployment-time Lambda handlers cannot meet.
CDK_HANDLER_CHECKOV_CHECKS = ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117")


def acknowledge(scope: IConstruct, reason: str, *rule_ids: str) -> None:
    """Acknowledge ``rule_ids`` on ``scope`` and its children, with one written reason.

    Used only for resources the construct itself creates and cannot make compliant (AWS does
    not support the setting, or aws-cdk-lib creates the resource); never for the user's own.
    """
    if len(reason) < 20:
        raise ValueError(f"acknowledgement reason too short: {reason!r}")
    Validations.of(scope).acknowledge(*(Acknowledgment(id=r, reason=reason) for r in rule_ids))


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


def skip_checkov(resource: IConstruct, check_id: str, comment: str) -> None:
    """Record a checkov skip with its reason in the resource's CloudFormation metadata."""
    cfn = resource if isinstance(resource, CfnResource) else resource.node.default_child
    if not isinstance(cfn, CfnResource):
        raise TypeError(f"{resource.node.path} has no CloudFormation resource to annotate")
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
    return None
