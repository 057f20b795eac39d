"""``DeploymentAccess``: a GitHub Actions workflow deploys into this account by OIDC, no keys."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, Duration, Stack, Token
from aws_cdk import aws_iam as iam
from constructs import Construct

from org_constructs.compliance._acknowledgements import (
    acknowledge_library_check,
    acknowledge_library_finding,
)
from org_constructs.config import EnvironmentConfig
from org_constructs.config import _checks as checks
from org_constructs.contract import (
    BOOTSTRAP_QUALIFIER_CONTEXT,
    BOOTSTRAP_ROLE_KINDS,
    DEFAULT_QUALIFIER,
    EXECUTION_POLICY_NAME,
    REVIEW_SUFFIX,
)
from org_constructs.errors import ValidationError

__all__ = [
    "BOOTSTRAP_QUALIFIER_CONTEXT",
    "BOOTSTRAP_ROLES",
    "CHECKOV_ACKNOWLEDGEMENTS",
    "DEFAULT_EXECUTION_POLICY_NAME",
    "DEFAULT_QUALIFIER",
    "DEFAULT_ROLE_NAME",
    "DEPLOY_ROLE_OUTPUT",
    "EXECUTION_POLICY_OUTPUT",
    "EXTRA_POLICY_OUTPUT",
    "EXTRA_POLICY_SUFFIX",
    "GITHUB_OIDC_URL",
    "MAX_MANAGED_POLICY_SIZE",
    "REVIEW_ROLE_OUTPUT",
    "REVIEW_SUFFIX",
    "SERVICE_ACTIONS",
    "DeploymentAccess",
    "execution_policy_statements",
    "policy_size",
]

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
"""The issuer of GitHub Actions' OIDC tokens."""
STS_AUDIENCE = "sts.amazonaws.com"
"""The audience ``aws-actions/configure-aws-credentials`` asks GitHub for."""
DEFAULT_ROLE_NAME = "org-cdk-deploy"
DEFAULT_EXECUTION_POLICY_NAME = EXECUTION_POLICY_NAME
BOOTSTRAP_ROLES = BOOTSTRAP_ROLE_KINDS
"""The roles ``cdk bootstrap`` makes: ``cdk-<qualifier>-<kind>-role-<account>-<region>``."""
DEPLOY_ROLE_OUTPUT = "DeployRoleArn"
EXECUTION_POLICY_OUTPUT = "ExecutionPolicyArn"
EXTRA_POLICY_OUTPUT = "ExtraExecutionPolicyArn"
EXTRA_POLICY_SUFFIX = "-extra"
"""The policy of ``extra_actions`` is the execution policy's name with this suffix."""
REVIEW_ROLE_OUTPUT = "ReviewRoleArn"
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

_ACKNOWLEDGED_WILDCARDS = (
    "DeploymentAccess's execution policy is what CloudFormation may do when it deploys this "
    "library's stacks: the services the constructs create resources of, by action family "
    "(Create*, Describe*...), on any resource since CloudFormation names most resources itself; "
    "IAM only on the account's roles, policies and instance profiles; denies keep the deploy "
    "role, the bootstrap resources, users, access keys, Organizations and the account out of "
    "reach."
)

_REVIEW_WILDCARDS = (
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

_OWNER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$")
_REPOSITORY_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_ENVIRONMENT_FORBIDDEN = re.compile(r"[:,]")
_WILDCARDS = re.compile(r"[*?]")
_MAX_ENVIRONMENT = 255
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
_MAX_ROLE_NAME = 64
_POLICY_NAME = re.compile(r"^[\w+=,.@-]{1,128}$", re.ASCII)
_IAM_PATH = re.compile(r"^/(?:[\x21-\x2e\x30-\x7e]+/)*$")
_MAX_PATH = 512
_QUALIFIER = re.compile(r"^[a-z0-9]{1,10}$")
_PROVIDER_ARN = re.compile(
    rf"^arn:aws(?:-[a-z]+)*:iam::(?P<account>\d{{12}}):oidc-provider/{re.escape(GITHUB_OIDC_HOST)}$"
)
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")  # aws-cdk-lib's rule, service in lowercase
_MAX_POLICY_NAME = 128
_IAM_READS = re.compile(r"^(get|list)", re.IGNORECASE)
_ASSUMING = ("AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "AssumeRoot")
_FEDERATING = ("GetFederationToken",)
_IDENTITY_CENTER = ("sso", "sso-directory", "identitystore")
_ROLE_ARN = re.compile(
    r"^arn:[a-z-]+:iam::(?P<account>\d{12}):role(?P<path>/(?:.+/)?)(?P<name>[^/]+)$"
)

# Worst cases for the size of the document once CloudFormation resolves it.
_LONGEST_PARTITION = "aws-us-gov"
_SOME_ACCOUNT = "0" * 12


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


def _extra_statements(actions: Sequence[str]) -> list[dict[str, Any]]:
    """The statement of the extra execution policy: the team's actions, on any resource."""
    return [{"Sid": "Extra", "Effect": "Allow", "Action": list(actions), "Resource": "*"}]


def policy_size(statements: Sequence[Mapping[str, Any]]) -> int:
    """The characters IAM counts for a document of ``statements`` (no whitespace)."""
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return len(json.dumps(document, separators=(",", ":")))


@dataclass(frozen=True)
class _Settings:
    """The checked properties of one ``DeploymentAccess``."""

    repository: str
    environments: tuple[str, ...]
    role_name: str
    role_path: str
    oidc_provider_arn: str | None
    qualifier: str
    regions: tuple[str, ...]
    max_session_duration: Duration
    execution_policy_name: str | None
    extra_actions: tuple[str, ...]
    output_prefix: str
    review_role: bool = True

    @property
    def extra_policy_name(self) -> str | None:
        """The name of the policy of ``extra_actions``, if there is one."""
        if self.execution_policy_name is None or not self.extra_actions:
            return None
        return f"{self.execution_policy_name}{EXTRA_POLICY_SUFFIX}"

    @property
    def policy_names(self) -> tuple[str, ...]:
        """The managed policies made, by name: IAM names are unique in an account."""
        names = [self.role_name]
        if self.review_role:
            names.append(f"{self.role_name}{REVIEW_SUFFIX}")
        names += [n for n in (self.execution_policy_name, self.extra_policy_name) if n]
        return tuple(names)

    @property
    def role_names(self) -> tuple[str, ...]:
        """The roles made, by name."""
        review = (f"{self.role_name}{REVIEW_SUFFIX}",) if self.review_role else ()
        return (self.role_name, *review)

    def protected_arns(self, partition: str, account: str) -> list[str]:
        """What the execution role may not change: the deploy role and policy, the provider,
        the bootstrap roles and the execution policy."""
        arns = [
            f"role{self.role_path}{self.role_name}",
            f"policy{self.role_path}{self.role_name}",
            f"role{self.role_path}{self.role_name}{REVIEW_SUFFIX}",
            f"policy{self.role_path}{self.role_name}{REVIEW_SUFFIX}",
            f"oidc-provider/{GITHUB_OIDC_HOST}",
            f"role/cdk-{self.qualifier}-*",
        ]
        if self.execution_policy_name is not None:
            arns.append(f"policy/{self.execution_policy_name}")
        if self.extra_policy_name is not None:
            arns.append(f"policy/{self.extra_policy_name}")
        return [_iam_arn(partition, account, resource) for resource in arns]


class DeploymentAccess(Construct):
    """What a GitHub Actions workflow needs to deploy into this account by OIDC, without keys.

    Deploy it once per target account, with administrator credentials, in a stack of its own
    (not through the pipeline: the execution policy denies changing it). It makes:

    - the GitHub OIDC provider (``https://token.actions.githubusercontent.com``, client id
      ``sts.amazonaws.com``; CloudFormation-native, no custom resource), unless
      ``oidc_provider_arn`` names the account's existing one (one provider per URL);
    - the deploy role, which only ``sts:AssumeRoleWithWebIdentity`` from that provider may
      assume, with ``StringEquals`` on the token's ``aud`` (``sts.amazonaws.com``) and ``sub``
      (``repo:OWNER/NAME:environment:ENV`` for each of ``environments``). Its one permission,
      in a managed policy of the role's own name, is ``sts:AssumeRole`` and
      ``sts:TagSession`` on the CDK bootstrap roles of ``regions``
      (``cdk-<qualifier>-{deploy,file-publishing,image-publishing,lookup}-role-<account>-
      <region>``): the role itself can change nothing. The CDK CLI chains into them; the
      workflow reads change sets and publishes its notification as the bootstrap deploy role;
    - the review role ``<role_name>-review``, unless ``review_role=False``, trusted the same
      way by the environments ``<ENV>-review`` where the generated workflow's prepare jobs
      run: it creates and reads change sets itself and can never execute one;
    - the execution policy, unless ``execution_policy=False``: a customer-managed policy for
      ``cdk bootstrap --cloudformation-execution-policies`` instead of AdministratorAccess.
      It allows the services this library's constructs create, by action family, and IAM on
      the account's roles, policies and instance profiles only; it denies any IAM change to
      the deploy role and its policy, the OIDC provider, the bootstrap roles and itself,
      changes to the bootstrap bucket and version parameter, ``iam:CreateUser``,
      ``iam:CreateAccessKey``, ``iam:CreateLoginProfile``, ``organizations:*`` and
      ``account:*``. It is the same for every region;
    - with ``extra_actions``, the extra execution policy ``<execution_policy_name>-extra``:
      the team's own actions, on any resource, in a policy of their own that the library
      acknowledges nothing of (its findings are the team's to acknowledge). Pass it to
      ``cdk bootstrap --cloudformation-execution-policies`` beside the execution policy.

    The stack outputs ``DeployRoleArn``, ``ReviewRoleArn``, ``ExecutionPolicyArn`` and
    ``ExtraExecutionPolicyArn`` (when made) give the ARNs;
    a second ``DeploymentAccess`` in the stack puts its id in front of them.

    Parameters
    ----------
    scope, construct_id:
        As for any construct. The children ``Provider``, ``Role``, ``RolePolicy``,
        ``ReviewRole``, ``ReviewRolePolicy``, ``ExecutionPolicy`` and
        ``ExtraExecutionPolicy`` fix the CloudFormation logical ids; they are public contract.
    repository:
        The GitHub repository whose workflow deploys, ``OWNER/NAME`` as GitHub spells it (IAM
        compares the ``sub`` claim case-sensitively).
    environments:
        The GitHub environments (one name, or a list) whose jobs may assume the role: the
        stages the workflow deploys to this account. Their protection rules (required
        reviewers) are what stands between a push and a deployment.
    role_name:
        Also the name of the role's managed policy. Default: ``'org-cdk-deploy'``
    role_path:
        Default: ``'/'``
    oidc_provider_arn:
        The account's GitHub OIDC provider when it exists already (made by another
        ``DeploymentAccess``, or by hand):
        ``arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com``.
        Default: - a provider is made
    qualifier:
        The account's CDK bootstrap qualifier. Default: - the app's
        ``@aws-cdk/core:bootstrapQualifier`` context, else ``'hnb659fds'``
    regions:
        The regions the workflow deploys to: the deploy role may assume the bootstrap roles
        of each. Default: - the stack's region (required in a stack without one)
    max_session_duration:
        From 1 to 12 hours. Default: 1 hour
    execution_policy:
        Whether to make the execution policy (one per account). Default: True
    execution_policy_name:
        Default: ``'org-cdk-cfn-execution'``
    extra_actions:
        More actions CloudFormation may take, on any resource (``'dynamodb:CreateTable'``,
        ``'ecr:*'``), for stacks that create what the library does not: the extra execution
        policy. Refused: ``*``; IAM actions other than reads (the execution policy changes
        roles, policies and instance profiles only, never users, groups, providers or account
        settings); ``sts`` actions that assume a role or federate; ``organizations``,
        ``account`` and IAM Identity Center (``sso``, ``identitystore``) actions, which the
        execution policy denies. Acknowledge the findings your actions cause (cdk-nag,
        checkov) on ``extra_execution_policy``. Default: none
    review_role:
        Whether to make the review role, ``<role_name>-review``, which the generated
        workflow's prepare jobs assume from the GitHub environments ``<ENV>-review``: it may
        create and read change sets, pass the bootstrap execution role to CloudFormation and
        assume the publishing and lookup bootstrap roles, and is denied executing a change set
        or changing a stack, so a job before the stage's approval cannot deploy. Default: True

    Raises
    ------
    ValidationError
        For a repository that is not ``OWNER/NAME``, no environment, an environment name
        that GitHub refuses or a pattern, a name given twice, a role or policy name or path
        that IAM refuses, a provider ARN of another URL or account, a malformed qualifier, an
        unknown or repeated region, no region in a stack without one, a session outside 1 to
        12 hours, a malformed extra action, one that reopens what the execution policy denies
        or escalates privilege (``*``, ``iam:*``, ``iam:PassRole``, ``sts:AssumeRole``,
        ``organizations:*``...), an extra execution policy over IAM's 6,144 characters, two
        policies or roles of one name, a second provider, role or execution policy in the
        account, or a value of the wrong type; nothing is added to the tree.

    Example
    -------
    ::

        access = DeploymentAccess(
            stack, "Access", repository="acme/orders", environments=["staging", "production"]
        )
        # Another repository deploying into the same account:
        DeploymentAccess(
            stack,
            "PaymentsAccess",
            repository="acme/payments",
            environments="production",
            role_name="payments-deploy",
            oidc_provider_arn=access.provider.oidc_provider_arn,
            execution_policy=False,
        )
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository: str,
        environments: str | Sequence[str],
        role_name: str = DEFAULT_ROLE_NAME,
        role_path: str = "/",
        oidc_provider_arn: str | None = None,
        qualifier: str | None = None,
        regions: Sequence[str] | None = None,
        max_session_duration: Duration | None = None,
        execution_policy: bool = True,
        execution_policy_name: str = DEFAULT_EXECUTION_POLICY_NAME,
        extra_actions: Sequence[str] = (),
        review_role: bool = True,
    ) -> None:
        where = f"DeploymentAccess({construct_id!r})"
        checks.check_arguments(where, DeploymentAccess.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        settings = _checked(
            where,
            scope,
            construct_id,
            repository=repository,
            environments=environments,
            role_name=role_name,
            role_path=role_path,
            oidc_provider_arn=oidc_provider_arn,
            qualifier=qualifier,
            regions=regions,
            max_session_duration=max_session_duration,
            execution_policy=execution_policy,
            execution_policy_name=execution_policy_name,
            extra_actions=extra_actions,
            review_role=review_role,
        )
        super().__init__(scope, construct_id)
        self._settings = settings
        stack = Stack.of(self)
        self._provider: iam.IOidcProvider
        if settings.oidc_provider_arn is None:
            self._provider = iam.OidcProviderNative(
                self, "Provider", url=GITHUB_OIDC_URL, client_ids=[STS_AUDIENCE]
            )
        else:
            self._provider = iam.OidcProviderNative.from_oidc_provider_arn(
                self, "Provider", settings.oidc_provider_arn
            )
        self._role = self._github_role(
            "Role",
            role_name,
            "",
            f"Assumed by GitHub Actions of {repository} (OIDC) to deploy with the CDK",
        )
        iam.ManagedPolicy(
            self,
            "RolePolicy",
            managed_policy_name=role_name,
            path=role_path,
            description=f"{role_name} may assume the CDK bootstrap roles, and do nothing else",
            roles=[self._role],
            statements=[
                iam.PolicyStatement(
                    sid="BootstrapRoles",
                    actions=["sts:AssumeRole", "sts:TagSession"],
                    resources=self.bootstrap_role_arns,
                )
            ],
        )
        self._review_role = self._make_review_role() if settings.review_role else None
        self._execution_policy = (
            None if settings.execution_policy_name is None else self._make_execution_policy()
        )
        self._extra_policy = (
            None if settings.extra_policy_name is None else self._make_extra_policy()
        )
        CfnOutput(
            stack,
            f"{settings.output_prefix}{DEPLOY_ROLE_OUTPUT}",
            value=self._role.role_arn,
            description=f"The role GitHub Actions of {repository} assume by OIDC to deploy",
        )
        if self._review_role is not None:
            CfnOutput(
                stack,
                f"{settings.output_prefix}{REVIEW_ROLE_OUTPUT}",
                value=self._review_role.role_arn,
                description=f"The role the prepare jobs of {repository} assume by OIDC",
            )
        if self._execution_policy is not None:
            CfnOutput(
                stack,
                f"{settings.output_prefix}{EXECUTION_POLICY_OUTPUT}",
                value=self._execution_policy.managed_policy_arn,
                description="cdk bootstrap --cloudformation-execution-policies ARN",
            )
        if self._extra_policy is not None:
            CfnOutput(
                stack,
                f"{settings.output_prefix}{EXTRA_POLICY_OUTPUT}",
                value=self._extra_policy.managed_policy_arn,
                description="The team's extra actions: pass it to cdk bootstrap "
                "--cloudformation-execution-policies beside ExecutionPolicyArn",
            )

    @classmethod
    def from_config(
        cls,
        scope: Construct,
        construct_id: str,
        config: EnvironmentConfig,
        *,
        repository: str,
        **options: Any,
    ) -> DeploymentAccess:
        """The access of one environment of the environments file.

        The role's name (and path) come from ``config.deploy_role_arn``, the GitHub
        environment is ``config.name`` and the region ``config.region``; ``options`` are the
        constructor's other properties. Environments that share an account share its role:
        give them all to the constructor instead (``environments``, ``regions``).

        Raises
        ------
        ValidationError
            When ``config`` has no ``deploy_role_arn``, or one of another account than the
            stack's; and as the constructor does.
        """
        where = f"DeploymentAccess({construct_id!r})"
        checks.check_arguments(
            where,
            cls.from_config,
            {
                "scope": scope,
                "construct_id": construct_id,
                "config": config,
                "repository": repository,
            },
        )
        checks.check_scope(where, scope, construct_id)
        checks.check_keywords(
            where,
            cls.__init__,
            options,
            taken=("repository", "environments", "role_name", "role_path", "regions"),
        )
        arn = config.deploy_role_arn
        match = _ROLE_ARN.fullmatch(arn) if arn is not None else None
        if match is None:
            raise ValidationError(
                where,
                "config.deploy_role_arn",
                arn,
                f"is required: it names the deploy role; set deploy_role_arn of environment "
                f"{config.name!r} to arn:aws:iam::{config.account}:role/{DEFAULT_ROLE_NAME}",
            )
        account = Stack.of(scope).account
        if not Token.is_unresolved(account) and match["account"] != account:
            raise ValidationError(
                where,
                "config.deploy_role_arn",
                arn,
                f"is a role of account {match['account']}, not of the stack's account "
                f"{account}: deploy the access stack to the environment's account",
            )
        return cls(
            scope,
            construct_id,
            repository=repository,
            environments=config.name,
            role_name=match["name"],
            role_path=match["path"],
            regions=[config.region],
            **options,
        )

    # ------------------------------------------------------------------------- attributes

    @property
    def role(self) -> iam.IRole:
        """The deploy role, which the workflow assumes by OIDC."""
        return self._role

    @property
    def role_arn(self) -> str:
        """The deploy role's ARN: the environments file's ``deploy_role_arn``."""
        return self._role.role_arn

    @property
    def review_role(self) -> iam.IRole | None:
        """The review role the prepare jobs assume by OIDC, if made."""
        return self._review_role

    @property
    def review_role_arn(self) -> str | None:
        """The review role's ARN, if made: the deploy role's with ``-review``."""
        role = self._review_role
        return None if role is None else role.role_arn

    @property
    def provider(self) -> iam.IOidcProvider:
        """The GitHub OIDC provider: made here, or the one ``oidc_provider_arn`` named."""
        return self._provider

    @property
    def execution_policy(self) -> iam.ManagedPolicy | None:
        """The policy for ``cdk bootstrap --cloudformation-execution-policies``, if made."""
        return self._execution_policy

    @property
    def execution_policy_arn(self) -> str | None:
        """The execution policy's ARN, if made."""
        policy = self._execution_policy
        return None if policy is None else policy.managed_policy_arn

    @property
    def extra_execution_policy(self) -> iam.ManagedPolicy | None:
        """The policy of ``extra_actions``, if any: for ``cdk bootstrap
        --cloudformation-execution-policies`` beside the execution policy."""
        return self._extra_policy

    @property
    def extra_execution_policy_arn(self) -> str | None:
        """The extra execution policy's ARN, if made."""
        policy = self._extra_policy
        return None if policy is None else policy.managed_policy_arn

    @property
    def bootstrap_role_arns(self) -> list[str]:
        """The CDK bootstrap roles the deploy role may assume: four per region."""
        stack = Stack.of(self)
        qualifier = self._settings.qualifier
        return [
            _iam_arn(
                stack.partition,
                stack.account,
                f"role/cdk-{qualifier}-{kind}-role-{stack.account}-{region}",
            )
            for region in self._settings.regions
            for kind in BOOTSTRAP_ROLES
        ]

    # ------------------------------------------------------------------------- internals

    def _github_role(self, child_id: str, name: str, suffix: str, description: str) -> iam.Role:
        """A role only the repository's GitHub environments ``<ENV><suffix>`` may assume."""
        settings = self._settings
        subjects = [
            f"repo:{settings.repository}:environment:{environment}{suffix}"
            for environment in settings.environments
        ]
        return iam.Role(
            self,
            child_id,
            role_name=name,
            path=settings.role_path,
            description=description,
            max_session_duration=settings.max_session_duration,
            assumed_by=iam.WebIdentityPrincipal(
                self._provider.oidc_provider_arn,
                {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": subjects[0] if len(subjects) == 1 else subjects,
                    }
                },
            ),
        )

    def _make_review_role(self) -> iam.Role:
        settings = self._settings
        stack = Stack.of(self)
        name = f"{settings.role_name}{REVIEW_SUFFIX}"
        role = self._github_role(
            "ReviewRole",
            name,
            REVIEW_SUFFIX,
            f"Assumed by the prepare jobs of {settings.repository} (OIDC) to create change "
            "sets; it cannot execute them",
        )
        partition, account, qualifier = stack.partition, stack.account, settings.qualifier
        regions = settings.regions

        def arn(service: str, region: str, resource: str) -> str:
            return f"arn:{partition}:{service}:{region}:{account}:{resource}"

        change_sets = iam.PolicyStatement(
            sid="ChangeSets",
            actions=list(REVIEW_CLOUDFORMATION_ACTIONS),
            resources=[arn("cloudformation", r, "stack/*") for r in regions],
        )
        templates = iam.PolicyStatement(
            sid="ReadTemplates",
            actions=["s3:GetObject", "s3:GetBucketLocation"],
            resources=[
                f"arn:{partition}:s3:::cdk-{qualifier}-assets-{account}-{r}{suffix}"
                for r in regions
                for suffix in ("", "/*")
            ],
        )
        policy = iam.ManagedPolicy(
            self,
            "ReviewRolePolicy",
            managed_policy_name=name,
            path=settings.role_path,
            description=f"{name} may create and read change sets, and never execute them",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    sid="PublishAndLookUp",
                    actions=["sts:AssumeRole", "sts:TagSession"],
                    resources=[
                        _iam_arn(
                            partition, account, f"role/cdk-{qualifier}-{kind}-role-{account}-{r}"
                        )
                        for r in regions
                        for kind in BOOTSTRAP_ROLES
                        if kind != "deploy"
                    ],
                ),
                change_sets,
                iam.PolicyStatement(
                    sid="PassTheExecutionRole",
                    actions=["iam:PassRole"],
                    resources=[
                        _iam_arn(
                            partition, account, f"role/cdk-{qualifier}-cfn-exec-role-{account}-{r}"
                        )
                        for r in regions
                    ],
                    conditions={
                        "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
                    },
                ),
                iam.PolicyStatement(
                    sid="BootstrapVersion",
                    actions=["ssm:GetParameter", "ssm:GetParameters"],
                    resources=[
                        arn("ssm", r, f"parameter/cdk-bootstrap/{qualifier}/version")
                        for r in regions
                    ],
                ),
                templates,
                iam.PolicyStatement(
                    sid="NeverChangeAStack",
                    effect=iam.Effect.DENY,
                    actions=list(REVIEW_DENIED_ACTIONS),
                    resources=["*"],
                ),
            ],
        )
        wildcards = [
            f"Resource::{resource}"
            for statement in (change_sets, templates)
            for resource in statement.resources
            if "*" in resource
        ]
        acknowledge_library_finding(
            policy, "AwsSolutions-IAM5", wildcards, _REVIEW_WILDCARDS, resolvable=True
        )
        return role

    def _make_execution_policy(self) -> iam.ManagedPolicy:
        settings = self._settings
        stack = Stack.of(self)
        statements = execution_policy_statements(
            partition=stack.partition,
            account=stack.account,
            qualifier=settings.qualifier,
            protected_arns=settings.protected_arns(stack.partition, stack.account),
        )
        policy = iam.ManagedPolicy(
            self,
            "ExecutionPolicy",
            managed_policy_name=str(settings.execution_policy_name),
            description=(
                "What CloudFormation may do when it deploys org-constructs stacks: "
                "cdk bootstrap --cloudformation-execution-policies"
            ),
            document=iam.PolicyDocument.from_json(
                {"Version": "2012-10-17", "Statement": statements}
            ),
        )
        # The library's own wildcards, each by name: extra_actions are in a policy of their own.
        details: list[str] = []
        for statement in statements:
            if statement["Effect"] == "Allow":
                details += [f"Action::{a}" for a in _as_list(statement["Action"]) if "*" in a]
                details += [f"Resource::{r}" for r in _as_list(statement["Resource"]) if "*" in r]
        acknowledge_library_finding(
            policy,
            "AwsSolutions-IAM5",
            list(dict.fromkeys(details)),
            _ACKNOWLEDGED_WILDCARDS,
            resolvable=True,
        )
        for check, reason in CHECKOV_ACKNOWLEDGEMENTS.items():
            acknowledge_library_check(policy, "checkov", check, reason)
        return policy

    def _make_extra_policy(self) -> iam.ManagedPolicy:
        """The team's ``extra_actions``, apart: nothing of it is acknowledged by the library,
        so that every finding its actions cause reaches the team's gate."""
        settings = self._settings
        return iam.ManagedPolicy(
            self,
            "ExtraExecutionPolicy",
            managed_policy_name=str(settings.extra_policy_name),
            description=(
                f"The team's own actions for CloudFormation, beside "
                f"{settings.execution_policy_name}: cdk bootstrap "
                "--cloudformation-execution-policies"
            ),
            document=iam.PolicyDocument.from_json(
                {"Version": "2012-10-17", "Statement": _extra_statements(settings.extra_actions)}
            ),
        )


# ----------------------------------------------------------------------------- checks


def _checked(
    where: str,
    scope: Construct,
    construct_id: str,
    *,
    repository: str,
    environments: str | Sequence[str],
    role_name: str,
    role_path: str,
    oidc_provider_arn: str | None,
    qualifier: str | None,
    regions: Sequence[str] | None,
    max_session_duration: Duration | None,
    execution_policy: bool,
    execution_policy_name: str,
    extra_actions: Sequence[str],
    review_role: bool = True,
) -> _Settings:
    """Every property checked, before anything is added to the tree."""
    stack = Stack.of(scope)
    _check_repository(where, repository)
    names = _checked_environments(where, environments)
    if review_role:
        _check_review_environments(where, names)
    checks.check_text(
        where, "role_name", role_name, _ROLE_NAME, "an IAM role name: 1 to 64 of A-Za-z0-9_+=,.@-"
    )
    if review_role and len(role_name) + len(REVIEW_SUFFIX) > _MAX_ROLE_NAME:
        raise ValidationError(
            where,
            "role_name",
            role_name,
            f"is too long for its review role {role_name}{REVIEW_SUFFIX!s} (IAM allows "
            f"{_MAX_ROLE_NAME} characters): at most {_MAX_ROLE_NAME - len(REVIEW_SUFFIX)}, or "
            "review_role=False",
        )
    if len(role_path) > _MAX_PATH or not _IAM_PATH.fullmatch(role_path):
        raise ValidationError(
            where,
            "role_path",
            role_path,
            f"must be an IAM path: '/' or '/a/b/' (printable characters between slashes, up to "
            f"{_MAX_PATH} in all)",
        )
    if oidc_provider_arn is not None:
        _check_provider_arn(where, oidc_provider_arn, stack)
    qualifier = _checked_qualifier(where, scope, qualifier)
    if role_name.startswith(f"cdk-{qualifier}-"):
        raise ValidationError(
            where,
            "role_name",
            role_name,
            f"is named like the CDK bootstrap's roles (cdk-{qualifier}-*), which may exist "
            "already (IAM names are unique in an account) and which the execution policy "
            f"guards: give another, such as {DEFAULT_ROLE_NAME!r}",
        )
    region_list = _checked_regions(where, regions, stack)
    duration = Duration.hours(1) if max_session_duration is None else max_session_duration
    checks.check_duration(
        where,
        "max_session_duration",
        duration,
        low=Duration.hours(1),
        high=Duration.hours(12),
        unit="seconds",
    )
    checks.check_text(
        where,
        "execution_policy_name",
        execution_policy_name,
        _POLICY_NAME,
        "an IAM policy name: 1 to 128 of A-Za-z0-9_+=,.@-",
    )
    extras = _checked_actions(where, extra_actions)
    if extras and not execution_policy:
        raise ValidationError(
            where,
            "extra_actions",
            list(extras),
            "are actions of the execution policy: leave them out with execution_policy=False",
        )
    if execution_policy and execution_policy_name == role_name:
        raise ValidationError(
            where,
            "execution_policy_name",
            execution_policy_name,
            "is the name of the deploy role's own policy (role_name; IAM names are unique in "
            "an account): give another",
        )
    if extras and len(execution_policy_name) + len(EXTRA_POLICY_SUFFIX) > _MAX_POLICY_NAME:
        raise ValidationError(
            where,
            "execution_policy_name",
            execution_policy_name,
            f"is too long for the policy of extra_actions, "
            f"{execution_policy_name}{EXTRA_POLICY_SUFFIX} (IAM allows {_MAX_POLICY_NAME} "
            f"characters): at most {_MAX_POLICY_NAME - len(EXTRA_POLICY_SUFFIX)}",
        )
    _check_others(
        where,
        stack,
        oidc_provider_arn=oidc_provider_arn,
        role_name=role_name,
        execution_policy=execution_policy,
        execution_policy_name=execution_policy_name,
    )
    prefix = "" if stack.node.try_find_child(DEPLOY_ROLE_OUTPUT) is None else construct_id
    outputs = (DEPLOY_ROLE_OUTPUT, EXECUTION_POLICY_OUTPUT, REVIEW_ROLE_OUTPUT, EXTRA_POLICY_OUTPUT)
    for output in outputs:
        if prefix and stack.node.try_find_child(f"{prefix}{output}") is not None:
            raise ValidationError(
                where,
                "construct_id",
                construct_id,
                f"the stack has an output {prefix}{output} already: give another id",
            )
    settings = _Settings(
        repository=repository,
        environments=names,
        role_name=role_name,
        role_path=role_path,
        oidc_provider_arn=oidc_provider_arn,
        qualifier=qualifier,
        regions=tuple(region_list),
        max_session_duration=duration,
        execution_policy_name=execution_policy_name if execution_policy else None,
        extra_actions=extras,
        output_prefix=prefix,
        review_role=review_role,
    )
    _check_names(where, stack, settings)
    if extras:
        size = policy_size(_extra_statements(extras))
        if size > MAX_MANAGED_POLICY_SIZE:
            raise ValidationError(
                where,
                "extra_actions",
                list(extras),
                f"make the extra execution policy {size} characters, over IAM's "
                f"{MAX_MANAGED_POLICY_SIZE}: use action families ('ecr:*') instead of actions",
            )
    return settings


def _check_repository(where: str, repository: str) -> None:
    owner, slash, name = repository.partition("/")
    if slash and name.lower().endswith(".git"):
        raise ValidationError(
            where,
            "repository",
            repository,
            "is a clone address's end: give the repository as OWNER/NAME, without '.git' "
            f"({repository[: -len('.git')]!r}); the role's trust compares it with GitHub's "
            "token, which never ends in '.git'",
        )
    if (
        not slash
        or not _OWNER.fullmatch(owner)
        or not _REPOSITORY_NAME.fullmatch(name)
        or name in (".", "..")
    ):
        raise ValidationError(
            where,
            "repository",
            repository,
            "must be a GitHub repository OWNER/NAME such as 'acme/orders': an owner of up to "
            "39 letters, digits and hyphens (not first), a name of up to 100 letters, digits "
            "and - _ . (not '.' or '..')",
        )


def _checked_environments(where: str, environments: str | Sequence[str]) -> tuple[str, ...]:
    single = isinstance(environments, str)
    names = (environments,) if isinstance(environments, str) else tuple(environments)
    if not names:
        raise ValidationError(
            where,
            "environments",
            [],
            "must name at least one GitHub environment whose jobs may deploy",
        )
    for index, name in enumerate(names):
        prop = "environments" if single else f"environments[{index}]"
        if _WILDCARDS.search(name):
            raise ValidationError(
                where,
                prop,
                name,
                "must be a GitHub environment's name, not a pattern: a wildcard would let the "
                "jobs of other environments assume the role; list each environment",
            )
        if (
            not name.strip()
            or len(name) > _MAX_ENVIRONMENT
            or _ENVIRONMENT_FORBIDDEN.search(name)
            or checks.is_token(name)
        ):
            raise ValidationError(
                where,
                prop,
                name,
                f"must be a GitHub environment name: 1 to {_MAX_ENVIRONMENT} characters, not "
                "only spaces, without ':' or ',' (and a literal, not a token)",
            )
    checks.check_unique(where, "environments", names, "environment")
    return names


def _check_review_environments(where: str, names: Sequence[str]) -> None:
    """No environment is the review environment of another: its jobs run before the
    approval, and may assume the review role only."""
    for index, name in enumerate(names):
        base = name.removesuffix(REVIEW_SUFFIX)
        if base != name and base in names:
            raise ValidationError(
                where,
                "environments" if len(names) == 1 else f"environments[{index}]",
                name,
                f"is the review environment of {base!r}, whose prepare jobs run before the "
                "approval and may assume the review role only: list the environments that "
                f"deploy ({base!r}), not their {REVIEW_SUFFIX} twins",
            )


def _check_provider_arn(where: str, arn: str, stack: Stack) -> None:
    if checks.is_token(arn):
        return
    match = _PROVIDER_ARN.fullmatch(arn)
    if match is None:
        raise ValidationError(
            where,
            "oidc_provider_arn",
            arn,
            "must be the ARN of the account's GitHub OIDC provider, "
            f"arn:aws:iam::<account>:oidc-provider/{GITHUB_OIDC_HOST}",
        )
    if not Token.is_unresolved(stack.account) and match["account"] != stack.account:
        raise ValidationError(
            where,
            "oidc_provider_arn",
            arn,
            f"is a provider of account {match['account']}: the role trusts a provider of its "
            f"own account, {stack.account}",
        )


def _checked_qualifier(where: str, scope: Construct, qualifier: str | None) -> str:
    prop = "qualifier"
    if qualifier is None:
        context = scope.node.try_get_context(BOOTSTRAP_QUALIFIER_CONTEXT)
        if context is None:
            return DEFAULT_QUALIFIER
        qualifier, prop = context, f"qualifier (context {BOOTSTRAP_QUALIFIER_CONTEXT})"
    return checks.check_text(
        where,
        prop,
        qualifier,
        _QUALIFIER,
        "a CDK bootstrap qualifier: 1 to 10 lowercase letters and digits, as given to "
        "cdk bootstrap --qualifier",
    )


def _checked_regions(where: str, regions: Sequence[str] | None, stack: Stack) -> list[str]:
    if regions is None:
        if Token.is_unresolved(stack.region):
            raise ValidationError(
                where,
                "regions",
                None,
                "is required in a stack without a region (environment-agnostic): name the "
                "regions the workflow deploys to, such as ['us-east-1']",
            )
        return [stack.region]
    if not regions:
        raise ValidationError(
            where, "regions", [], "must name at least one region the workflow deploys to"
        )
    for index, region in enumerate(regions):
        if not checks.is_token(region):
            checks.check_region(where, f"regions[{index}]", region)
    checks.check_unique(where, "regions", regions, "region")
    return list(regions)


def _checked_actions(where: str, actions: Sequence[str]) -> tuple[str, ...]:
    for index, action in enumerate(actions):
        if action in ("*", "*:*"):
            raise ValidationError(
                where,
                f"extra_actions[{index}]",
                action,
                "would allow everything, as AdministratorAccess does: name services ('ecr:*') "
                "or actions",
            )
        checks.check_text(
            where,
            f"extra_actions[{index}]",
            action,
            _ACTION,
            "an IAM action, service:Action, such as 'dynamodb:CreateTable' or 'ecr:*'",
        )
        problem = _escalation(action)
        if problem is not None:
            raise ValidationError(where, f"extra_actions[{index}]", action, problem)
    checks.check_unique(where, "extra_actions", actions, "action")
    return tuple(actions)


def _escalation(action: str) -> str | None:
    """Why ``action`` may not be an extra action, if it reopens what the execution policy
    denies or lets a template widen its own access; None when it may."""
    service, _, name = action.partition(":")
    matches = re.compile(
        "^" + ".*".join(re.escape(part) for part in name.split("*")) + "$", re.IGNORECASE
    ).fullmatch
    if service in ("organizations", "account"):
        return (
            f"is denied by the execution policy (the Organization statement denies "
            f"{' and '.join(DENIED_SERVICES)}): an allow cannot work, and a deployment "
            "never changes the organization or the account"
        )
    if service in _IDENTITY_CENTER:
        return (
            "gives people access to accounts (IAM Identity Center), as the users, access keys "
            f"and login profiles the execution policy denies ({', '.join(DENIED_EVERYWHERE)}) "
            "do: manage identities outside deployments"
        )
    if service == "iam" and not _IAM_READS.match(name):
        denied = [a for a in DENIED_EVERYWHERE if matches(a.partition(":")[2])]
        also = (
            f" ({', '.join(denied)}: denied by the Identities statement, so no allow works)"
            if denied
            else ""
        )
        return (
            "would reopen IAM on every resource (users, groups, identity providers, account "
            f"settings, other teams' roles){also}: the execution policy allows IAM changes "
            "(iam:Create*, iam:Put*, iam:Attach*, iam:PassRole...) on the account's roles, "
            "policies and instance profiles only (the RolesAndPolicies statement), which is all "
            "a template needs; only reads (iam:Get*, iam:List*) may be added"
        )
    if service == "sts":
        assumed = [f"sts:{a}" for a in (*_ASSUMING, *_FEDERATING) if matches(a)]
        if assumed:
            return (
                f"covers {', '.join(assumed)}: CloudFormation could take on any role that "
                "trusts the account (the bootstrap roles, the deploy role's, other teams') or "
                "federated credentials, a privilege escalation; a template needs neither"
            )
    return None


def _check_others(
    where: str,
    stack: Stack,
    *,
    oidc_provider_arn: str | None,
    role_name: str,
    execution_policy: bool,
    execution_policy_name: str,
) -> None:
    """What must be one per account (IAM is global): CloudFormation would fail to create a
    second, once the first deploys."""
    for other in _others_in_account(stack):
        settings = other._settings
        if oidc_provider_arn is None and settings.oidc_provider_arn is None:
            raise ValidationError(
                where,
                "oidc_provider_arn",
                None,
                f"is required: {other.node.path} makes the account's GitHub OIDC provider "
                f"(one per account); pass oidc_provider_arn=<that construct>.provider."
                f"oidc_provider_arn, or the ARN arn:aws:iam::<account>:oidc-provider/"
                f"{GITHUB_OIDC_HOST}",
            )
        if settings.role_name == role_name:
            raise ValidationError(
                where,
                "role_name",
                role_name,
                f"is the role name of {other.node.path} (one per account): give another",
            )
        if role_name == settings.execution_policy_name:
            raise ValidationError(
                where,
                "role_name",
                role_name,
                f"is the name of the execution policy of {other.node.path} (the role's policy "
                "takes the role's name, and IAM names are unique in an account): give another",
            )
        if not execution_policy:
            continue
        if settings.execution_policy_name == execution_policy_name:
            raise ValidationError(
                where,
                "execution_policy",
                True,
                f"{other.node.path} makes the execution policy {execution_policy_name!r} "
                "(one per account): pass execution_policy=False",
            )
        if settings.role_name == execution_policy_name:
            raise ValidationError(
                where,
                "execution_policy_name",
                execution_policy_name,
                f"is the name of the role policy of {other.node.path} (IAM names are unique in "
                "an account): give another",
            )


def _check_names(where: str, stack: Stack, settings: _Settings) -> None:
    """Every managed policy and role this access makes has a name of its own in the account,
    among its own and those of the other accesses of the account (IAM names are unique)."""
    review = f"{settings.role_name}{REVIEW_SUFFIX}" if settings.review_role else None
    policies = [
        (settings.role_name, "role_name", "the deploy role's policy"),
        (review, "role_name", "the review role's policy"),
        (settings.execution_policy_name, "execution_policy_name", "the execution policy"),
        (settings.extra_policy_name, "execution_policy_name", "the extra execution policy"),
    ]
    made = [(n, prop, what) for n, prop, what in policies if n is not None]
    for index, (name, prop, what) in enumerate(made):
        for other_name, _, other_what in made[:index]:
            if name == other_name:
                value = (
                    settings.role_name if prop == "role_name" else settings.execution_policy_name
                )
                raise ValidationError(
                    where,
                    prop,
                    value,
                    f"names {what} {name!r}, which is also the name of {other_what} (IAM "
                    "names are unique in an account): give another",
                )
    for other in _others_in_account(stack):
        theirs = other._settings
        for name, prop, what in made:
            if name in theirs.policy_names:
                value = (
                    settings.role_name if prop == "role_name" else settings.execution_policy_name
                )
                raise ValidationError(
                    where,
                    prop,
                    value,
                    f"names {what} {name!r}, a policy {other.node.path} makes already (IAM "
                    "names are unique in an account): give another",
                )
        for name in settings.role_names:
            if name in theirs.role_names:
                raise ValidationError(
                    where,
                    "role_name",
                    settings.role_name,
                    f"names the role {name!r}, which {other.node.path} makes already (one per "
                    "account): give another",
                )


# ----------------------------------------------------------------------------- helpers


def _iam_arn(partition: str, account: str, resource: str) -> str:
    return f"arn:{partition}:iam::{account}:{resource}"


def _others_in_account(stack: Stack) -> list[DeploymentAccess]:
    """The app's ``DeploymentAccess`` constructs in ``stack`` and in the stacks of the same
    (literal) account."""
    account = None if Token.is_unresolved(stack.account) else stack.account
    found = []
    for construct in stack.node.root.node.find_all():
        if isinstance(construct, DeploymentAccess):
            other = Stack.of(construct)
            if other is stack or (account is not None and other.account == account):
                found.append(construct)
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
