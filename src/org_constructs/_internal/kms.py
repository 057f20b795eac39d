"""The customer-managed keys the constructs create for themselves."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
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
    stack, _ = _check("rotating_key", locals(), region=False)
    key, program = _key(stack, scope, construct_id, purpose, removal_policy)
    program.run()
    return key


def log_group_key(
    scope: Construct, construct_id: str, purpose: str, removal_policy: RemovalPolicy | None = None
) -> kms.Key:
    """A rotating key that CloudWatch Logs may use to encrypt a log group."""
    stack, region = _check("log_group_key", locals(), region=True)
    key, program = _key(stack, scope, construct_id, purpose, removal_policy)
    logs = program.new("aws_iam.ServicePrincipal", f"logs.{region}.amazonaws.com")
    program.call(key, "grantEncryptDecrypt", logs)
    program.run()
    return key


def _key(
    stack: Any,
    scope: Construct,
    construct_id: str,
    purpose: str,
    removal_policy: RemovalPolicy | None,
) -> tuple[kms.Key, Program]:
    """The key, and a program that adds its resource policy's statement (the caller adds its
    own steps and runs it: one request to the jsii kernel for them all)."""
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
    # principal with kms:CreateGrant cannot hand the key on to anyone else.
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
    return key, program


def _check(where: str, arguments: dict[str, object], *, region: bool) -> tuple[Any, Any]:
    """The arguments checked: the stack of the key's scope and, if asked, its region (read
    with the scope's check, in one request to the jsii kernel)."""
    checks.check_arguments(where, rotating_key, arguments)
    scope, construct_id = arguments["scope"], arguments["construct_id"]
    if region:
        stack, stack_region = checks.check_scope_and_region(where, scope, construct_id)
    else:
        stack, stack_region = checks.check_scope(where, scope, construct_id), None
    if arguments["removal_policy"] is RemovalPolicy.SNAPSHOT:
        raise ValidationError(
            where,
            "removal_policy",
            RemovalPolicy.SNAPSHOT,
            "KMS keys have no snapshots: use RemovalPolicy.RETAIN or RemovalPolicy.DESTROY",
        )
    return stack, stack_region
