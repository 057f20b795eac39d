"""Stage-aware CDK commands: ``ls``, ``synth``, ``diff`` and ``bootstrap`` wrap ``cdk`` with the
stage's context and profile; ``deploy`` validates first; ``notify`` publishes the result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from org_constructs.tooling.cli._options import (
    APP_DIR,
    environments_option,
    fail,
    say,
    stage_config,
)
from org_constructs.tooling.cli._progress import progress_for

__all__ = ["CDK_WRAPPERS", "deploy", "notify_command"]


def _run_cdk(command: list[str], app_dir: Path, dry_run: bool) -> int:
    say("$ " + " ".join(command))
    if dry_run:
        return 0
    return subprocess.run(command, cwd=app_dir, check=False).returncode  # noqa: S603


def _cdk_wrapper(verb: str, summary: str) -> click.Command:
    @click.command(
        verb, help=f"{summary}\n\nRuns `cdk {verb}` with the stage's context and profile."
    )
    @APP_DIR
    @click.option("--stage", required=True, help="A stage of the environments file.")
    @click.option("--profile", help="Override the stage's AWS profile.")
    @environments_option
    @click.option("--dry-run", is_flag=True, help="Print the command line only.")
    @click.argument("cdk_args", nargs=-1, type=click.UNPROCESSED)
    def command(  # noqa: PLR0917 - click passes every option by keyword
        app_dir: Path,
        stage: str,
        profile: str | None,
        environments_file: Path | None,
        dry_run: bool,
        cdk_args: tuple[str, ...],
    ) -> None:
        from org_constructs.tooling.aws import cdk_command_line
        from org_constructs.tooling.gate import cdk_command

        config = stage_config(app_dir, environments_file, stage)
        line = cdk_command_line(cdk_command(), verb, config, profile=profile, extra=cdk_args)
        sys.exit(_run_cdk(line, app_dir, dry_run))

    return command


CDK_WRAPPERS = [
    _cdk_wrapper("ls", "List the stage's stacks."),
    _cdk_wrapper("synth", "Synthesize the stage's stacks."),
    _cdk_wrapper("diff", "Compare the stage's stacks with what is deployed."),
    _cdk_wrapper("bootstrap", "Bootstrap the stage's account and region."),
]
"""``org-cdk ls|synth|diff|bootstrap``."""


@click.command()
@APP_DIR
@click.option("--stage", required=True, help="A stage of the environments file.")
@click.option("--profile", help="Override the stage's AWS profile.")
@environments_option
@click.option("--yes", is_flag=True, help="Do not ask before deploying production.")
@click.option("--no-validate", is_flag=True, help="Skip the validation gate (not advised).")
@click.option("--notify", is_flag=True, help="Publish the result to the deployment topic.")
@click.option("--notify-prefix", default="", help="Stack name prefix of the notification stack.")
@click.option("--version-label", help="Version in the notification.  [default: git describe]")
@click.option("--dry-run", is_flag=True, help="Print the command lines only.")
@click.argument("cdk_args", nargs=-1, type=click.UNPROCESSED)
def deploy(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    stage: str,
    profile: str | None,
    environments_file: Path | None,
    yes: bool,
    no_validate: bool,
    notify: bool,
    notify_prefix: str,
    version_label: str | None,
    dry_run: bool,
    cdk_args: tuple[str, ...],
) -> None:
    """Validate, then deploy every stack of the stage; production asks first unless --yes."""
    import time

    from org_constructs.tooling.aws import cdk_command_line
    from org_constructs.tooling.gate import ValidateOptions, cdk_command, run_validation

    config = stage_config(app_dir, environments_file, stage)
    if config.is_production and not yes and not dry_run:
        if not sys.stdin.isatty():
            raise click.ClickException(
                f"deploying production stage {stage!r} needs --yes when nobody can answer"
            )
        click.confirm(f"Deploy production stage {stage!r} to {config.account}?", abort=True)
    if not no_validate and not dry_run:
        report = run_validation(
            ValidateOptions(app_dir=app_dir, stage=stage), progress=progress_for(quiet=False)
        )
        if report.exit_code != 0:
            click.echo(report.to_text())
            raise click.ClickException("the validation gate failed; nothing was deployed")
    extra = (
        ["--require-approval", "never", *cdk_args]
        if (yes or not config.is_production)
        else list(cdk_args)
    )
    line = cdk_command_line(cdk_command(), "deploy", config, profile=profile, extra=extra)
    started = time.monotonic()
    status = _run_cdk(line, app_dir, dry_run)
    if notify and not dry_run:
        _notify(
            config,
            profile=profile,
            prefix=notify_prefix,
            version_label=version_label,
            app_dir=app_dir,
            status=status,
            started=started,
        )
    sys.exit(status)


def _notify(
    config: Any,
    *,
    profile: str | None,
    prefix: str,
    version_label: str | None,
    app_dir: Path,
    status: int,
    started: float,
) -> None:
    import time

    topic, message = _publish(
        config,
        profile=profile,
        prefix=prefix,
        status="succeeded" if status == 0 else "failed",
        stacks=(),
        version=version_label or _git_version(app_dir),
        seconds=round(time.monotonic() - started, 1),
    )
    say(f"notified {topic} ({message})")


def _publish(
    config: Any,
    *,
    profile: str | None,
    prefix: str,
    status: str,
    stacks: tuple[str, ...],
    version: str,
    seconds: float,
    ambient: bool = False,
) -> tuple[str, str]:
    """Publish a deployment result to the stage's deployment topic: (topic, message id)."""
    from org_constructs.tooling.aws import (
        DeploymentResult,
        OpsError,
        caller,
        find_deployment_topic,
        publish_result,
        session_for,
    )

    try:
        session = session_for(config, profile, ambient=ambient)
        topic = find_deployment_topic(session, prefix)
        result = DeploymentResult(
            stage=config.name,
            stacks=stacks,
            status=status,
            version=version,
            who=caller(session),
            seconds=seconds,
        )
        return topic, publish_result(session, topic, result)
    except OpsError as error:
        raise fail(error) from None


def _git_version(app_dir: Path) -> str:
    result = subprocess.run(
        ["git", "describe", "--tags", "--always", "--dirty"],  # noqa: S607
        cwd=app_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "unknown"


@click.command("notify")
@APP_DIR
@click.option("--stage", required=True)
@click.option("--profile", help="Override the stage's AWS profile.")
@environments_option
@click.option("--status", type=click.Choice(["succeeded", "failed"]), required=True)
@click.option("--prefix", default="", help="Stack name prefix of the notification stack.")
@click.option("--version-label", help="Version in the notification.  [default: git describe]")
@click.option("--seconds", type=float, default=0.0, help="How long the deployment took.")
@click.option("--stack", "stacks", multiple=True, help="Stacks the deployment covered.")
@click.option(
    "--environment-credentials",
    "ambient",
    is_flag=True,
    help="Without --profile, use the credentials of the environment (AWS_* variables, the "
    "role a CI job assumed) instead of the stage's profile.",
)
def notify_command(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    stage: str,
    profile: str | None,
    environments_file: Path | None,
    status: str,
    prefix: str,
    version_label: str | None,
    seconds: float,
    stacks: tuple[str, ...],
    ambient: bool,
) -> None:
    """Publish a deployment result (for pipelines that run `cdk deploy` themselves)."""
    config = stage_config(app_dir, environments_file, stage)
    topic, message = _publish(
        config,
        profile=profile,
        ambient=ambient,
        prefix=prefix,
        status=status,
        stacks=stacks,
        version=version_label or _git_version(app_dir),
        seconds=seconds,
    )
    click.echo(f"published {message} to {topic}")
