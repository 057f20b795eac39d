"""The CDK CLI command line for one stage: its profile, its stacks, its account and region."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from org_constructs.config import EnvironmentConfig, load_environments
from org_constructs.errors import ValidationError
from org_constructs.tooling.aws._aws import OpsError

__all__ = ["VERBS", "cdk_command_line", "load_stage"]

VERBS = ("ls", "synth", "diff", "deploy", "bootstrap", "destroy")


def load_stage(environments_file: Path, stage: str) -> EnvironmentConfig:
    """The stage's configuration, or an ``OpsError`` that names the file and the stages."""
    if not environments_file.is_file():
        raise OpsError(
            f"no environments file at {environments_file}: pass --environments PATH "
            "(a JSON or YAML file of stages)"
        )
    try:
        environments = load_environments(environments_file)
    except ValidationError as error:
        raise OpsError(str(error)) from None
    if stage not in environments:
        raise OpsError(
            f"unknown stage {stage!r} in {environments_file.name}: "
            f"choose from {', '.join(environments)}"
        )
    return environments[stage]


def cdk_command_line(
    cdk: Sequence[str],
    verb: str,
    config: EnvironmentConfig,
    *,
    profile: str | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """``cdk VERB`` for ``config``'s stage: ``-c stage=NAME``, its profile, all its stacks.

    ``bootstrap`` targets ``aws://ACCOUNT/REGION``; ``deploy`` asks for no approval prompt of
    its own only when the caller already confirmed (``--require-approval never`` is added by
    the caller).
    """
    if verb not in VERBS:
        raise OpsError(f"unknown command {verb!r}: one of {', '.join(VERBS)}")
    chosen = profile or config.profile
    command = [*cdk, verb]
    if verb == "bootstrap":
        command.append(f"aws://{config.account}/{config.region}")
    command += ["--context", f"stage={config.name}"]
    if verb in ("deploy", "diff", "destroy"):
        command.append("--all")
    if chosen:
        command += ["--profile", chosen]
    command += ["--no-notices", *extra]
    return command


def default_environments(app_dir: Path) -> Path:
    """``environments.json`` (or ``.yaml``/``.yml``) in the app folder."""
    for name in ("environments.json", "environments.yaml", "environments.yml"):
        if (app_dir / name).is_file():
            return app_dir / name
    return app_dir / "environments.json"
