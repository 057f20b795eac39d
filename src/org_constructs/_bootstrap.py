"""The roles ``cdk bootstrap`` makes in an account, by name, for constructs that refer to them."""

from __future__ import annotations

from aws_cdk import Aws, DefaultStackSynthesizer, Stack
from constructs import IConstruct

from org_constructs.contract import BOOTSTRAP_QUALIFIER_CONTEXT, DEFAULT_QUALIFIER

__all__ = ["bootstrap_qualifier", "bootstrap_role_arn"]


def bootstrap_qualifier(scope: IConstruct) -> str:
    """The context's ``@aws-cdk/core:bootstrapQualifier``, else the CDK default."""
    value = scope.node.try_get_context(BOOTSTRAP_QUALIFIER_CONTEXT)
    return value if isinstance(value, str) and value else DEFAULT_QUALIFIER


def bootstrap_role_arn(scope: IConstruct, kind: str = "deploy") -> str | None:
    """The ARN of the bootstrap role ``kind`` in the account and region of ``scope``'s stack.

    ``None`` when the stack's synthesizer deploys without bootstrap roles (not a
    ``DefaultStackSynthesizer``: ``CliCredentialsStackSynthesizer``, ``LegacyStackSynthesizer``).
    """
    stack = Stack.of(scope)
    if not isinstance(stack.synthesizer, DefaultStackSynthesizer):
        return None
    qualifier = bootstrap_qualifier(scope)
    return (
        f"arn:{Aws.PARTITION}:iam::{stack.account}:role/"
        f"cdk-{qualifier}-{kind}-role-{stack.account}-{stack.region}"
    )
