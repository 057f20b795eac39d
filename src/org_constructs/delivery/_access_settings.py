"""``DeploymentAccess``'s properties, checked together into one frozen settings value before
anything is added to the tree: names, trust, regions, the extra actions it refuses (those that
reopen what the execution policy denies) and what must be one per account."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Stack
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.tokens import unresolved
from org_constructs.config import EnvironmentConfig
from org_constructs.contract import (
    BOOTSTRAP_QUALIFIER_CONTEXT,
    DEFAULT_QUALIFIER,
    EXECUTION_POLICY_NAME,
    REVIEW_SUFFIX,
)
from org_constructs.delivery._access_policies import (
    DENIED_EVERYWHERE,
    DENIED_SERVICES,
    GITHUB_OIDC_HOST,
    MAX_MANAGED_POLICY_SIZE,
    extra_statements,
    iam_arn,
    policy_size,
)
from org_constructs.errors import ValidationError

__all__ = [
    "DEFAULT_EXECUTION_POLICY_NAME",
    "DEFAULT_ROLE_NAME",
    "DEPLOY_ROLE_OUTPUT",
    "EXECUTION_POLICY_OUTPUT",
    "EXTRA_POLICY_OUTPUT",
    "EXTRA_POLICY_SUFFIX",
    "REVIEW_ROLE_OUTPUT",
    "OtherAccess",
    "checked_config_role",
]

DEFAULT_ROLE_NAME = "org-cdk-deploy"
DEFAULT_EXECUTION_POLICY_NAME = EXECUTION_POLICY_NAME
DEPLOY_ROLE_OUTPUT = "DeployRoleArn"
EXECUTION_POLICY_OUTPUT = "ExecutionPolicyArn"
EXTRA_POLICY_OUTPUT = "ExtraExecutionPolicyArn"
EXTRA_POLICY_SUFFIX = "-extra"
"""The policy of ``extra_actions`` is the execution policy's name with this suffix."""
REVIEW_ROLE_OUTPUT = "ReviewRoleArn"

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
        return [iam_arn(partition, account, resource) for resource in arns]


@dataclass(frozen=True)
class OtherAccess:
    """Another ``DeploymentAccess`` of the account: its path, for messages, and settings."""

    path: str
    settings: _Settings


def checked_config_role(where: str, scope: Construct, config: EnvironmentConfig) -> tuple[str, str]:
    """The name and path of ``config.deploy_role_arn``, a role of the stack's account."""
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
    if not unresolved(account) and match["account"] != account:
        raise ValidationError(
            where,
            "config.deploy_role_arn",
            arn,
            f"is a role of account {match['account']}, not of the stack's account "
            f"{account}: deploy the access stack to the environment's account",
        )
    return match["name"], match["path"]


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
    others: Sequence[OtherAccess],
) -> _Settings:
    """Every property checked, before anything is added to the tree; ``others`` are the
    accesses of the account made already, which IAM's one-per-account names are checked
    against."""
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
        low=checks.hours(1),
        high=checks.hours(12),
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
        others,
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
    _check_names(where, others, settings)
    if extras:
        size = policy_size(extra_statements(extras))
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
    if not unresolved(stack.account) and match["account"] != stack.account:
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
        if unresolved(stack.region):
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
    others: Sequence[OtherAccess],
    *,
    oidc_provider_arn: str | None,
    role_name: str,
    execution_policy: bool,
    execution_policy_name: str,
) -> None:
    """What must be one per account (IAM is global): CloudFormation would fail to create a
    second, once the first deploys."""
    for other in others:
        settings = other.settings
        if oidc_provider_arn is None and settings.oidc_provider_arn is None:
            raise ValidationError(
                where,
                "oidc_provider_arn",
                None,
                f"is required: {other.path} makes the account's GitHub OIDC provider "
                f"(one per account); pass oidc_provider_arn=<that construct>.provider."
                f"oidc_provider_arn, or the ARN arn:aws:iam::<account>:oidc-provider/"
                f"{GITHUB_OIDC_HOST}",
            )
        if settings.role_name == role_name:
            raise ValidationError(
                where,
                "role_name",
                role_name,
                f"is the role name of {other.path} (one per account): give another",
            )
        if role_name == settings.execution_policy_name:
            raise ValidationError(
                where,
                "role_name",
                role_name,
                f"is the name of the execution policy of {other.path} (the role's policy "
                "takes the role's name, and IAM names are unique in an account): give another",
            )
        if not execution_policy:
            continue
        if settings.execution_policy_name == execution_policy_name:
            raise ValidationError(
                where,
                "execution_policy",
                True,
                f"{other.path} makes the execution policy {execution_policy_name!r} "
                "(one per account): pass execution_policy=False",
            )
        if settings.role_name == execution_policy_name:
            raise ValidationError(
                where,
                "execution_policy_name",
                execution_policy_name,
                f"is the name of the role policy of {other.path} (IAM names are unique in "
                "an account): give another",
            )


def _check_names(where: str, others: Sequence[OtherAccess], settings: _Settings) -> None:
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
    for other in others:
        theirs = other.settings
        for name, prop, what in made:
            if name in theirs.policy_names:
                value = (
                    settings.role_name if prop == "role_name" else settings.execution_policy_name
                )
                raise ValidationError(
                    where,
                    prop,
                    value,
                    f"names {what} {name!r}, a policy {other.path} makes already (IAM "
                    "names are unique in an account): give another",
                )
        for name in settings.role_names:
            if name in theirs.role_names:
                raise ValidationError(
                    where,
                    "role_name",
                    settings.role_name,
                    f"names the role {name!r}, which {other.path} makes already (one per "
                    "account): give another",
                )
