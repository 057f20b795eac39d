"""``OrgPipeline``'s properties, checked together into one frozen settings value before
anything is added to the tree: the source, the branch, the synth step's folder and commands,
and the environments' waves against the pipeline stack."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import Stage as CdkStage
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_sns as sns
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.config import EnvironmentConfig
from org_constructs.config._waves import Wave, delivery_waves
from org_constructs.delivery._pipeline_stages import StageFunction
from org_constructs.errors import ValidationError

__all__ = ["DEFAULT_INSTALL_COMMANDS"]

_CONNECTION_ARN = re.compile(
    r"^arn:aws(-cn|-us-gov)?:(codestar-connections|codeconnections):"
    r"[a-z]{2}(-[a-z]+)+-\d:\d{12}:connection/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){1,22}$")
_MAX_REPOSITORY = 100  # CodePipeline's longest action name: the source action is named after it
_BRANCH_CHARACTERS = re.compile(r"^[^\x00-\x20\x7f~^:?*\[\\]+$")
_APP_DIR = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
_MAX_COMMAND = 4096

DEFAULT_INSTALL_COMMANDS = ("npm ci", "pip install -r requirements.txt")
"""What the synth step installs in ``app_dir`` unless told otherwise: the CDK CLI the app's
``package.json`` pins and the app's Python requirements (``org-constructs[validate]``)."""


@dataclass(frozen=True)
class _PipelineSettings:
    """The checked properties of one ``OrgPipeline``."""

    parent: CdkStage
    """The pipeline stack's own stage (the app), where each environment's ``cdk.Stage`` goes."""
    waves: tuple[Wave, ...]
    stage: StageFunction
    connection_arn: str | None
    repository: str | None
    branch: str
    codecommit_repository: codecommit.IRepository | None
    app_dir: str
    """Relative, normalized: ``'.'`` for the repository's root."""
    install_commands: tuple[str, ...]
    test_command: str | None
    notification_topic: sns.ITopic | None
    self_mutation: bool
    docker_enabled_for_synth: bool


def _checked(
    where: str,
    scope: Construct,
    *,
    environments: Mapping[str, EnvironmentConfig],
    stage: StageFunction,
    connection_arn: str | None,
    repository: str | None,
    branch: str,
    codecommit_repository: codecommit.IRepository | None,
    app_dir: str,
    install_commands: Sequence[str] | None,
    test_command: str | None,
    notification_topic: sns.ITopic | None,
    order: Sequence[Sequence[str]] | None,
    self_mutation: bool,
    docker_enabled_for_synth: bool,
) -> _PipelineSettings:
    """Every property checked, before anything is added to the tree."""
    pipeline_stack = Stack.of(scope)
    if unresolved(pipeline_stack.account) or unresolved(pipeline_stack.region):
        raise ValidationError(
            where,
            "scope",
            path_of(pipeline_stack),
            "is in a stack without an account and a region: cross-account deployments "
            "need them; give the pipeline stack env=Environment(account=..., region=...)",
        )
    _check_source(where, connection_arn, repository, codecommit_repository)
    _check_branch(where, branch)
    app_dir = _checked_app_dir(where, app_dir)
    install = _checked_commands(
        where,
        "install_commands",
        DEFAULT_INSTALL_COMMANDS if install_commands is None else install_commands,
    )
    if test_command is not None:
        _checked_commands(where, "test_command", [test_command])
    if not environments:
        raise ValidationError(
            where, "environments", dict(environments), "must name at least one environment"
        )
    waves = delivery_waves(environments, where=where, require_role=False, order=order)
    _check_regions(where, waves, pipeline_stack.region)
    parent = CdkStage.of(pipeline_stack)
    if parent is None:  # pragma: no cover - a stack is always in an App or a Stage
        raise ValidationError(where, "scope", path_of(pipeline_stack), "must be in an App")
    for wave in waves:
        for config in wave.environments:
            if parent.node.try_find_child(config.name) is not None:
                raise ValidationError(
                    where,
                    "environments",
                    config.name,
                    f"is already the id of a construct in {path_of(parent) or 'the app'}, "
                    "where the environment's cdk.Stage goes: rename the environment or "
                    "that construct",
                )
    return _PipelineSettings(
        parent=parent,
        waves=tuple(waves),
        stage=stage,
        connection_arn=connection_arn,
        repository=repository,
        branch=branch,
        codecommit_repository=codecommit_repository,
        app_dir=app_dir,
        install_commands=install,
        test_command=test_command,
        notification_topic=notification_topic,
        self_mutation=self_mutation,
        docker_enabled_for_synth=docker_enabled_for_synth,
    )


def _check_source(
    where: str,
    connection_arn: str | None,
    repository: str | None,
    codecommit_repository: codecommit.IRepository | None,
) -> None:
    connection = connection_arn is not None or repository is not None
    if connection and codecommit_repository is not None:
        given = "connection_arn" if connection_arn is not None else "repository"
        raise ValidationError(
            where,
            given,
            connection_arn if connection_arn is not None else repository,
            "cannot be given with codecommit_repository: the pipeline has one source, a "
            "connection (connection_arn and repository) or a CodeCommit repository",
        )
    if not connection and codecommit_repository is None:
        raise ValidationError(
            where,
            "connection_arn",
            None,
            "is required, with repository, unless codecommit_repository is given: the "
            "pipeline needs a source",
        )
    if codecommit_repository is not None:
        return
    if connection_arn is None:
        raise ValidationError(
            where,
            "connection_arn",
            None,
            f"is required with repository={repository!r}: the CodeConnections connection "
            "that reads it, arn:aws:codeconnections:REGION:ACCOUNT:connection/ID",
        )
    if repository is None:
        raise ValidationError(
            where,
            "repository",
            None,
            "is required with connection_arn: the repository to build, 'owner/name'",
        )
    if not checks.is_token(connection_arn) and not _CONNECTION_ARN.fullmatch(connection_arn):
        raise ValidationError(
            where,
            "connection_arn",
            connection_arn,
            "must be a connection ARN, arn:aws:codeconnections:REGION:ACCOUNT:connection/ID "
            "(or arn:aws:codestar-connections:...), as the console or "
            "`aws codeconnections list-connections` shows it",
        )
    if not checks.is_token(repository) and repository.lower().endswith(".git"):
        raise ValidationError(
            where,
            "repository",
            repository,
            f"is a clone address's end: give the repository as 'owner/name', without '.git' "
            f"({repository[: -len('.git')]!r})",
        )
    if (
        checks.is_token(repository)
        or not _REPOSITORY.fullmatch(repository)
        or len(repository) > _MAX_REPOSITORY
        or any(part in (".", "..") for part in repository.split("/"))
    ):
        raise ValidationError(
            where,
            "repository",
            repository,
            "must be the repository as 'owner/name' (GitLab groups: 'owner/group/name'), "
            f"letters, digits, '.', '_' and '-', at most {_MAX_REPOSITORY} characters",
        )


def _check_branch(where: str, branch: str) -> None:
    """A branch name git accepts (``git check-ref-format --branch``), without a token."""
    problem = None
    if checks.is_token(branch):
        problem = "must be a literal branch name, not a token"
    elif not branch.strip():
        problem = "must name a branch, such as 'main'"
    elif branch.startswith("refs/"):
        problem = (
            "is a full ref: give the branch's name alone, such as "
            f"{branch.removeprefix('refs/heads/')!r}"
        )
    elif (
        not _BRANCH_CHARACTERS.fullmatch(branch)
        or ".." in branch
        or "@{" in branch
        or "//" in branch
        or branch == "@"
        or branch.startswith(("-", "/", "."))
        or branch.endswith(("/", ".", ".lock"))
        or "/." in branch
    ):
        problem = (
            "is not a branch name git accepts: no spaces, no ~ ^ : ? * [ \\ or '..', not "
            "starting with '-', '/' or '.', not ending with '/', '.' or '.lock'"
        )
    if problem is not None:
        raise ValidationError(where, "branch", branch, problem)


def _check_regions(where: str, waves: Sequence[Wave], region: str) -> None:
    """Every environment in the pipeline's region: see the class docstring."""
    for wave in waves:
        for config in wave.environments:
            if config.region != region:
                raise ValidationError(
                    where,
                    f"environments.{config.name}.region",
                    config.region,
                    f"must be the pipeline stack's region {region!r}: for another region "
                    "aws-cdk-lib adds a support stack (a replication bucket without access "
                    "logs or versioning, a pipeline role allowed every KMS key); run one "
                    "OrgPipeline per region",
                )


def _checked_app_dir(where: str, app_dir: str) -> str:
    """``app_dir`` as a relative POSIX path without ``.`` parts (``'.'`` for the root)."""
    if checks.is_token(app_dir) or not _APP_DIR.fullmatch(app_dir) or ".." in app_dir.split("/"):
        raise ValidationError(
            where,
            "app_dir",
            app_dir,
            "must be a folder of the repository, relative to its root, such as '.' or "
            "'services/orders' (letters, digits, '.', '_', '-' and '/', without '..')",
        )
    return posixpath.normpath(app_dir)


def _checked_commands(where: str, prop: str, commands: Sequence[str]) -> tuple[str, ...]:
    if prop == "install_commands" and not commands:
        raise ValidationError(
            where,
            prop,
            list(commands),
            "must name at least one command: they install the CDK CLI and org-constructs, "
            "which the synth step's org-cdk validate and cdk synth run; leave it out for "
            f"{list(DEFAULT_INSTALL_COMMANDS)}",
        )
    for index, command in enumerate(commands):
        shown = prop if prop == "test_command" else f"{prop}[{index}]"
        if checks.is_token(command) or not command.strip() or len(command) > _MAX_COMMAND:
            raise ValidationError(
                where,
                shown,
                command,
                f"must be a shell command of 1 to {_MAX_COMMAND} characters, not a token"
                + (" (None runs no tests)" if prop == "test_command" else ""),
            )
    return tuple(commands)
