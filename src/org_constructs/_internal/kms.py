"""The customer-managed keys the constructs create for themselves."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from org_constructs._internal import checks
from org_constructs.errors import ValidationError

__all__ = ["log_group_key", "rotating_key"]


def rotating_key(
    scope: Construct, construct_id: str, purpose: str, removal_policy: RemovalPolicy | None = None
) -> kms.Key:
    """A KMS key with yearly rotation, kept or destroyed as the data it encrypts is.

    ``purpose`` completes the description: "Encrypts <purpose>". ``removal_policy`` defaults
    to the stage's (``removal_policy_for``).
    """
    _check("rotating_key", locals())
    key = kms.Key(
        scope,
        construct_id,
        description=f"Encrypts {purpose}",
        enable_key_rotation=True,
        removal_policy=removal_policy or _stage_removal_policy(scope),
    )
    # Grants only for AWS services acting on AWS resources (Control Tower CT.KMS.PR.3): a
    # principal with kms:CreateGrant cannot hand the key on to anyone else.
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyGrantsExceptForAwsServices",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:CreateGrant"],
            resources=["*"],
            conditions={
                "BoolIfExists": {
                    "kms:GrantIsForAWSResource": "false",
                    "aws:PrincipalIsAWSService": "false",
                }
            },
        )
    )
    return key


def log_group_key(
    scope: Construct, construct_id: str, purpose: str, removal_policy: RemovalPolicy | None = None
) -> kms.Key:
    """A rotating key that CloudWatch Logs may use to encrypt a log group."""
    _check("log_group_key", locals())
    key = rotating_key(scope, construct_id, purpose, removal_policy)
    key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{Stack.of(scope).region}.amazonaws.com"))
    return key


def _stage_removal_policy(scope: Construct) -> RemovalPolicy:
    """``removal_policy_for(scope)``: the ``AbstractStack``'s stage default, else RETAIN.

    Read from the stack's ``default_removal_policy`` rather than imported from
    ``org_constructs.core``, whose stacks create these keys themselves (the organisation
    defaults' key), so that the two modules do not import each other.
    """
    policy = getattr(Stack.of(scope), "default_removal_policy", None)
    return policy if isinstance(policy, RemovalPolicy) else RemovalPolicy.RETAIN


def _check(where: str, arguments: dict[str, object]) -> None:
    checks.check_arguments(where, rotating_key, arguments)
    checks.check_scope(where, arguments["scope"], arguments["construct_id"])
    if arguments["removal_policy"] is RemovalPolicy.SNAPSHOT:
        raise ValidationError(
            where,
            "removal_policy",
            RemovalPolicy.SNAPSHOT,
            "KMS keys have no snapshots: use RemovalPolicy.RETAIN or RemovalPolicy.DESTROY",
        )
