"""The documents of ``DeploymentAccess``'s policies: the execution policy's statements, the
review role's, and why the library acknowledges their wildcards."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_iam as iam

from org_constructs.contract import BOOTSTRAP_ROLE_KINDS

__all__ = [
    "ACKNOWLEDGED_WILDCARDS",
    "BOOTSTRAP_ROLES",
    "BOOTSTRAP_WRITES",
    "CHECKOV_ACKNOWLEDGEMENTS",
    "DENIED_EVERYWHERE",
    "DENIED_SERVICES",
    "GITHUB_OIDC_HOST",
    "GITHUB_OIDC_URL",
    "IAM_READS",
    "IAM_RESOURCES",
    "IAM_WRITES",
    "MAX_MANAGED_POLICY_SIZE",
    "REVIEW_CLOUDFORMATION_ACTIONS",
    "REVIEW_DENIED_ACTIONS",
    "REVIEW_WILDCARDS",
    "SERVICE_ACTIONS",
    "STS_AUDIENCE",
    "as_list",
    "execution_policy_statements",
    "execution_policy_wildcards",
    "extra_statements",
    "iam_arn",
    "policy_size",
    "review_statements",
    "review_wildcards",
]

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
"""The issuer of GitHub Actions' OIDC tokens."""
STS_AUDIENCE = "sts.amazonaws.com"
"""The audience ``aws-actions/configure-aws-credentials`` asks GitHub for."""
BOOTSTRAP_ROLES = BOOTSTRAP_ROLE_KINDS
"""The roles ``cdk bootstrap`` makes: ``cdk-<qualifier>-<kind>-role-<account>-<region>``."""
# What the review role may do to prepare change sets as the CDK CLI does when a stack's
# artifact names no role to assume (``org-cdk pipeline review-assembly``): the CloudFormation
# and CLI permissions of the bootstrap deploy role, less every action that changes a stack.
REVIEW_CLOUDFORMATION_ACTIONS = (
    "cloudformation:CreateChangeSet",
    "cloudformation:DeleteChangeSet",
    "cloudformation:DescribeChangeSet",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStacks",
    "cloudformation:GetTemplate",
    "cloudformation:GetTemplateSummary",
    "cloudformation:ListChangeSets",
)
REVIEW_DENIED_ACTIONS = (
    "cloudformation:ExecuteChangeSet",
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "cloudformation:DeleteStack",
    "cloudformation:RollbackStack",
    "cloudformation:ContinueUpdateRollback",
    "cloudformation:UpdateTerminationProtection",
)
MAX_MANAGED_POLICY_SIZE = 6144
"""IAM's limit on a managed policy document, counted without whitespace."""


# The actions CloudFormation needs, as the execution role, to create, update and delete what
# the library's constructs make and what aws-cdk-lib adds beside them (custom resource
# handlers, service roles, log groups, the rotation function's nested stack). By action family
# rather than whole services: data-plane actions that no template needs (sns:Publish,
# sqs:SendMessage, s3:PutObject, lambda calls other than invoking a custom resource) are out.
_CRUD = ("Create*", "Delete*", "Describe*", "Get*", "List*", "Put*", "Tag*", "Untag*", "Update*")
SERVICE_ACTIONS: Mapping[str, tuple[str, ...]] = {
    "apigateway": ("DELETE", "GET", "PATCH", "POST", "PUT", "SetWebACL", "UpdateRestApiPolicy"),
    "backup": _CRUD,
    "backup-storage": ("MountCapsule",),
    "chatbot": ("Create*", "Delete*", "Describe*", "Get*", "List*", "Tag*", "Untag*", "Update*"),
    "cloudformation": (
        "CreateChangeSet",
        "CreateStack",
        "DeleteStack",
        "Describe*",
        "Get*",
        "List*",
        "UpdateStack",
    ),
    "cloudwatch": _CRUD,
    "codedeploy": (
        "Continue*",
        "Create*",
        "Delete*",
        "Get*",
        "List*",
        "Register*",
        "Stop*",
        "Tag*",
        "Untag*",
        "Update*",
    ),
    "ec2": (
        "Allocate*",
        "Associate*",
        "Attach*",
        "Authorize*",
        "Create*",
        "Delete*",
        "Describe*",
        "Detach*",
        "Disassociate*",
        "GetLaunchTemplateData",
        "GetManagedPrefixListEntries",
        "GetSecurityGroupsForVpc",
        "Modify*",
        "Release*",
        "Replace*",
        "Revoke*",
        "RunInstances",
        "StartInstances",
        "StopInstances",
        "TerminateInstances",
        "Update*",
    ),
    "events": (*_CRUD, "Disable*", "Enable*", "Remove*"),
    "kms": (
        *_CRUD,
        "CancelKeyDeletion",
        "Decrypt",
        "Disable*",
        "Enable*",
        "Encrypt",
        "GenerateDataKey*",
        "ReEncrypt*",
        "RetireGrant",
        "RevokeGrant",
        "ScheduleKeyDeletion",
    ),
    "lambda": (
        "AddPermission",
        "Create*",
        "Delete*",
        "Get*",
        "InvokeFunction",
        "List*",
        "Publish*",
        "Put*",
        "RemovePermission",
        "Tag*",
        "Untag*",
        "Update*",
    ),
    "logs": (*_CRUD, "AssociateKmsKey", "DisassociateKmsKey"),
    "rds": ("Add*", "Create*", "Delete*", "Describe*", "List*", "Modify*", "Reboot*", "Remove*"),
    "s3": (
        "CreateBucket",
        "DeleteBucket*",
        "Get*Configuration",
        "GetBucket*",
        "GetObject",
        "GetObjectVersion",
        "ListBucket",
        "Put*Configuration",
        "PutBucket*",
    ),
    "secretsmanager": (*_CRUD, "CancelRotateSecret", "RotateSecret", "ValidateResourcePolicy"),
    "sns": (
        "Create*",
        "Delete*",
        "Get*",
        "List*",
        "Put*",
        "Set*",
        "Subscribe",
        "Tag*",
        "Unsubscribe",
        "Untag*",
    ),
    "sqs": ("CreateQueue", "DeleteQueue", "Get*", "List*", "SetQueueAttributes", "Tag*", "Untag*"),
    "ssm": (
        "AddTagsToResource",
        "DeleteParameter*",
        "DescribeParameters",
        "GetParameter*",
        "ListTagsForResource",
        "PutParameter",
        "RemoveTagsFromResource",
    ),
    "wafv2": (*_CRUD, "AssociateWebACL", "CheckCapacity", "DisassociateWebACL"),
}
"""The services the execution policy allows on any resource, with their action families.

``s3:GetObject``: Lambda reads a function's code (the CDK assets, the rotation functions AWS
hosts) and CloudFormation a nested stack's template with the execution role's permissions.
"""
IAM_READS = ("iam:Get*", "iam:List*")
IAM_WRITES = (
    "iam:Add*",
    "iam:Attach*",
    "iam:Create*",
    "iam:Delete*",
    "iam:Detach*",
    "iam:PassRole",
    "iam:Put*",
    "iam:Remove*",
    "iam:Set*",
    "iam:Tag*",
    "iam:Untag*",
    "iam:Update*",
)
"""Every IAM action that changes something (``PassRole`` included)."""
IAM_RESOURCES = ("role", "policy", "instance-profile")
"""What the execution policy lets CloudFormation create in IAM: nothing else (no user, group,
provider or account setting)."""
DENIED_EVERYWHERE = ("iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile")
DENIED_SERVICES = ("organizations:*", "account:*")
BOOTSTRAP_WRITES = (
    "s3:DeleteBucket*",
    "s3:Put*Configuration",
    "s3:PutBucket*",
    "ssm:DeleteParameter*",
    "ssm:PutParameter",
)
"""What the execution role may not do to the bootstrap bucket and version parameter (a
template could attach a bucket policy to the bucket, or import either)."""

ACKNOWLEDGED_WILDCARDS = (
    "DeploymentAccess's execution policy is what CloudFormation may do when it deploys this "
    "library's stacks: the services the constructs create resources of, by action family "
    "(Create*, Describe*...), on any resource since CloudFormation names most resources itself; "
    "IAM only on the account's roles, policies and instance profiles; denies keep the deploy "
    "role, the bootstrap resources, users, access keys, Organizations and the account out of "
    "reach."
)

REVIEW_WILDCARDS = (
    "DeploymentAccess's review role prepares change sets of any stack of the app in the "
    "account's deploy regions (stack/*: stack names are the app's) and reads the templates "
    "the CDK CLI uploaded to the bootstrap assets bucket (its objects); it may never execute a "
    "change set or change a stack, which an explicit deny says."
)

_POLICY_PURPOSE = (
    "The execution policy is what CloudFormation may do to deploy this library's stacks "
    "(cdk bootstrap --cloudformation-execution-policies), in place of AdministratorAccess; "
)
CHECKOV_ACKNOWLEDGEMENTS: Mapping[str, str] = {
    "CKV_AWS_108": _POLICY_PURPOSE
    + "CloudFormation reads with it what templates reference: s3:GetObject for Lambda code "
    "and nested templates, secretsmanager:GetSecretValue and ssm:GetParameter* for dynamic "
    "references and SSM parameter types.",
    "CKV_AWS_109": _POLICY_PURPOSE
    + "the constructs write resource policies (bucket, key, topic, queue, secret, function "
    "and API policies: TLS only, least privilege), which are permissions management.",
    "CKV_AWS_110": _POLICY_PURPOSE
    + "updating a function's code is what deploying a new version does; the deploy role, its "
    "policy and the bootstrap roles are denied any IAM change, so no template widens the "
    "deployment's own access.",
    "CKV_AWS_111": _POLICY_PURPOSE
    + "CloudFormation creates, changes and deletes the resources of every stack, with names "
    "it generates, so writes cannot be scoped to ARNs known when the account is set up.",
}
"""checkov's findings on the execution policy, each with the reason it is what it is for."""


def execution_policy_statements(
    *,
    partition: str,
    account: str,
    qualifier: str,
    protected_arns: Sequence[str],
    extra_actions: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The statements of the execution policy: allows first, denies last.

    The denies come after every allow: cdk-nag's full-access rules read the document as text,
    and would take ``organizations:*`` in a deny followed by an allow for an allow.
    ``extra_actions`` adds an allow ``Extra`` on any resource; ``DeploymentAccess`` puts them
    in a policy of their own instead (the extra execution policy), which it acknowledges
    nothing of.
    """

    def arn(service: str, resource: str, region: str = "") -> str:
        return f"arn:{partition}:{service}:{region}:{account}:{resource}"

    services = [f"{s}:{a}" for s, actions in SERVICE_ACTIONS.items() for a in actions]
    statements: list[dict[str, Any]] = [
        {"Sid": "Services", "Effect": "Allow", "Action": services, "Resource": "*"},
        {
            "Sid": "RolesAndPolicies",
            "Effect": "Allow",
            "Action": [*IAM_READS, *IAM_WRITES],
            "Resource": [arn("iam", f"{kind}/*") for kind in IAM_RESOURCES],
        },
    ]
    if extra_actions:
        statements.append(
            {"Sid": "Extra", "Effect": "Allow", "Action": list(extra_actions), "Resource": "*"}
        )
    statements += [
        {
            "Sid": "DeploymentAccess",
            "Effect": "Deny",
            "Action": list(IAM_WRITES),
            "Resource": list(protected_arns),
        },
        {
            "Sid": "Bootstrap",
            "Effect": "Deny",
            "Action": list(BOOTSTRAP_WRITES),
            "Resource": [
                f"arn:{partition}:s3:::cdk-{qualifier}-assets-{account}-*",
                arn("ssm", f"parameter/cdk-bootstrap/{qualifier}/*", "*"),
            ],
        },
        {"Sid": "Identities", "Effect": "Deny", "Action": list(DENIED_EVERYWHERE), "Resource": "*"},
        {"Sid": "Organization", "Effect": "Deny", "Action": list(DENIED_SERVICES), "Resource": "*"},
    ]
    return statements


def extra_statements(actions: Sequence[str]) -> list[dict[str, Any]]:
    """The statement of the extra execution policy: the team's actions, on any resource."""
    return [{"Sid": "Extra", "Effect": "Allow", "Action": list(actions), "Resource": "*"}]


def policy_size(statements: Sequence[Mapping[str, Any]]) -> int:
    """The characters IAM counts for a document of ``statements`` (no whitespace)."""
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return len(json.dumps(document, separators=(",", ":")))


def execution_policy_wildcards(statements: Sequence[Mapping[str, Any]]) -> list[str]:
    """The wildcards of the allows of ``statements``, as cdk-nag names them (``Action::...``,
    ``Resource::...``), each once: the library acknowledges its own, by name."""
    details: list[str] = []
    for statement in statements:
        if statement["Effect"] == "Allow":
            details += [f"Action::{a}" for a in as_list(statement["Action"]) if "*" in a]
            details += [f"Resource::{r}" for r in as_list(statement["Resource"]) if "*" in r]
    return list(dict.fromkeys(details))


def review_statements(
    *, partition: str, account: str, qualifier: str, regions: Sequence[str]
) -> list[iam.PolicyStatement]:
    """The statements of the review role's policy: it may create and read change sets, pass
    the bootstrap execution role to CloudFormation, assume the publishing and lookup bootstrap
    roles and read the templates the CDK CLI uploaded; it is denied changing a stack."""

    def arn(service: str, region: str, resource: str) -> str:
        return f"arn:{partition}:{service}:{region}:{account}:{resource}"

    return [
        iam.PolicyStatement(
            sid="PublishAndLookUp",
            actions=["sts:AssumeRole", "sts:TagSession"],
            resources=[
                iam_arn(partition, account, f"role/cdk-{qualifier}-{kind}-role-{account}-{r}")
                for r in regions
                for kind in BOOTSTRAP_ROLES
                if kind != "deploy"
            ],
        ),
        iam.PolicyStatement(
            sid="ChangeSets",
            actions=list(REVIEW_CLOUDFORMATION_ACTIONS),
            resources=[arn("cloudformation", r, "stack/*") for r in regions],
        ),
        iam.PolicyStatement(
            sid="PassTheExecutionRole",
            actions=["iam:PassRole"],
            resources=[
                iam_arn(partition, account, f"role/cdk-{qualifier}-cfn-exec-role-{account}-{r}")
                for r in regions
            ],
            conditions={"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
        ),
        iam.PolicyStatement(
            sid="BootstrapVersion",
            actions=["ssm:GetParameter", "ssm:GetParameters"],
            resources=[
                arn("ssm", r, f"parameter/cdk-bootstrap/{qualifier}/version") for r in regions
            ],
        ),
        iam.PolicyStatement(
            sid="ReadTemplates",
            actions=["s3:GetObject", "s3:GetBucketLocation"],
            resources=[
                f"arn:{partition}:s3:::cdk-{qualifier}-assets-{account}-{r}{suffix}"
                for r in regions
                for suffix in ("", "/*")
            ],
        ),
        iam.PolicyStatement(
            sid="NeverChangeAStack",
            effect=iam.Effect.DENY,
            actions=list(REVIEW_DENIED_ACTIONS),
            resources=["*"],
        ),
    ]


def review_wildcards(statements: Sequence[iam.PolicyStatement]) -> list[str]:
    """The wildcard resources of the review role's change sets and templates, as cdk-nag
    names them: stack names are the app's, template objects the CDK CLI's."""
    return [
        f"Resource::{resource}"
        for statement in statements
        if statement.sid in ("ChangeSets", "ReadTemplates")
        for resource in statement.resources
        if "*" in resource
    ]


def iam_arn(partition: str, account: str, resource: str) -> str:
    """The ARN of an IAM ``resource`` (``role/NAME``, ``policy/NAME``...) of ``account``."""
    return f"arn:{partition}:iam::{account}:{resource}"


def as_list(value: Any) -> list[Any]:
    """A statement's ``Action`` or ``Resource``, which may be one value, as a list."""
    return value if isinstance(value, list) else [value]
