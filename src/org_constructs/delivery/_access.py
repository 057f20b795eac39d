"""``DeploymentAccess``: a GitHub Actions workflow deploys into this account by OIDC, no keys.

Its settings and their checks are in ``_access_settings``, its policy documents in
``_access_policies``; this module builds from the checked settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.compliance._acknowledgements import (
    acknowledge_library_check,
    acknowledge_library_finding,
)
from org_constructs.config import EnvironmentConfig
from org_constructs.contract import BOOTSTRAP_QUALIFIER_CONTEXT, DEFAULT_QUALIFIER, REVIEW_SUFFIX
from org_constructs.delivery._access_policies import (
    ACKNOWLEDGED_WILDCARDS,
    BOOTSTRAP_ROLES,
    CHECKOV_ACKNOWLEDGEMENTS,
    GITHUB_OIDC_HOST,
    GITHUB_OIDC_URL,
    MAX_MANAGED_POLICY_SIZE,
    REVIEW_WILDCARDS,
    SERVICE_ACTIONS,
    STS_AUDIENCE,
    execution_policy_statements,
    execution_policy_wildcards,
    extra_statements,
    iam_arn,
    policy_size,
    review_statements,
    review_wildcards,
)
from org_constructs.delivery._access_settings import (
    DEFAULT_EXECUTION_POLICY_NAME,
    DEFAULT_ROLE_NAME,
    DEPLOY_ROLE_OUTPUT,
    EXECUTION_POLICY_OUTPUT,
    EXTRA_POLICY_OUTPUT,
    EXTRA_POLICY_SUFFIX,
    REVIEW_ROLE_OUTPUT,
    OtherAccess,
    _checked,
    _Settings,
    checked_config_role,
)

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
            others=_others_in_account(Stack.of(scope)),
        )
        super().__init__(scope, construct_id)
        self._settings: _Settings = settings
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
            settings.role_name,
            "",
            f"Assumed by GitHub Actions of {settings.repository} (OIDC) to deploy with the CDK",
        )
        iam.ManagedPolicy(
            self,
            "RolePolicy",
            managed_policy_name=settings.role_name,
            path=settings.role_path,
            description=(
                f"{settings.role_name} may assume the CDK bootstrap roles, and do nothing else"
            ),
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
            description=(
                f"The role GitHub Actions of {settings.repository} assume by OIDC to deploy"
            ),
        )
        if self._review_role is not None:
            CfnOutput(
                stack,
                f"{settings.output_prefix}{REVIEW_ROLE_OUTPUT}",
                value=self._review_role.role_arn,
                description=f"The role the prepare jobs of {settings.repository} assume by OIDC",
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
        role_name, role_path = checked_config_role(where, scope, config)
        return cls(
            scope,
            construct_id,
            repository=repository,
            environments=config.name,
            role_name=role_name,
            role_path=role_path,
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
            iam_arn(
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
        statements = review_statements(
            partition=stack.partition,
            account=stack.account,
            qualifier=settings.qualifier,
            regions=settings.regions,
        )
        policy = iam.ManagedPolicy(
            self,
            "ReviewRolePolicy",
            managed_policy_name=name,
            path=settings.role_path,
            description=f"{name} may create and read change sets, and never execute them",
            roles=[role],
            statements=statements,
        )
        acknowledge_library_finding(
            policy,
            "AwsSolutions-IAM5",
            review_wildcards(statements),
            REVIEW_WILDCARDS,
            resolvable=True,
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
        acknowledge_library_finding(
            policy,
            "AwsSolutions-IAM5",
            execution_policy_wildcards(statements),
            ACKNOWLEDGED_WILDCARDS,
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
                {"Version": "2012-10-17", "Statement": extra_statements(settings.extra_actions)}
            ),
        )


# ----------------------------------------------------------------------------- helpers


def _others_in_account(stack: Stack) -> list[OtherAccess]:
    """The app's ``DeploymentAccess`` constructs in ``stack`` and in the stacks of the same
    (literal) account."""
    account = None if unresolved(stack.account) else stack.account
    found = []
    for construct in stack.node.root.node.find_all():
        if isinstance(construct, DeploymentAccess):
            other = Stack.of(construct)
            if other is stack or (account is not None and other.account == account):
                found.append(OtherAccess(path_of(construct), construct._settings))
    return found
