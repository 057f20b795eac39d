"""The customer-managed keys the constructs create for themselves."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.kernel import Program, enum
from org_constructs.errors import ValidationError

__all__ = ["log_group_key", "rotating_key"]


def rotating_key(
    scope: Construct, construct_id: str, purpose: str, removal_policy: RemovalPolicy | None = None
) -> kms.Key:
    """A KMS key with yearly rotation, kept or destroyed as the data it encrypts is.

    ``purpose`` completes the description: "Encrypts <purpose>". ``removal_policy`` defaults
    to the stage's (``removal_policy_for``).
    """
    stack = _check("rotating_key", locals())
    if removal_policy is None:
        stage_policy = getattr(stack, "default_removal_policy", None)
        removal_policy = (
            stage_policy if isinstance(stage_policy, RemovalPolicy) else RemovalPolicy.RETAIN
        )
    key = kms.Key(
        scope,
        construct_id,
        description=f"Encrypts {purpose}",
        enable_key_rotation=True,
        removal_policy=removal_policy,
    )
    # Grants only for AWS services acting on AWS resources (Control Tower CT.KMS.PR.3): a
    # principal with kms:CreateGrant cannot hand the key on to anyone else. The statement in
    # one request to the jsii kernel.
    program = Program()
    statement = program.new(
        "aws_iam.PolicyStatement",
        {
            "sid": "DenyGrantsExceptForAwsServices",
            "effect": enum("aws_iam.Effect.DENY"),
            "principals": [program.new("aws_iam.AnyPrincipal")],
            "actions": ["kms:CreateGrant"],
            "resources": ["*"],
            "conditions": {
                "BoolIfExists": {
                    "kms:GrantIsForAWSResource": "false",
                    "aws:PrincipalIsAWSService": "false",
                }
            },
        },
    )
    program.call(key, "addToResourcePolicy", statement)
    program.run()
    return key


def log_group_key(
    scope: Construct, construct_id: str, purpose: str, removal_policy: RemovalPolicy | None = None
) -> kms.Key:
    """A rotating key that CloudWatch Logs may use to encrypt a log group."""
    stack = _check("log_group_key", locals())
    key = rotating_key(scope, construct_id, purpose, removal_policy)
    key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com"))
    return key


def _check(where: str, arguments: dict[str, object]) -> Any:
    """The arguments checked; the stack of the key's scope."""
    checks.check_arguments(where, rotating_key, arguments)
    stack = checks.check_scope(where, arguments["scope"], arguments["construct_id"])
    if arguments["removal_policy"] is RemovalPolicy.SNAPSHOT:
        raise ValidationError(
            where,
            "removal_policy",
            RemovalPolicy.SNAPSHOT,
            "KMS keys have no snapshots: use RemovalPolicy.RETAIN or RemovalPolicy.DESTROY",
        )
    return stack
