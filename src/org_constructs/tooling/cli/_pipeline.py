"""``org-cdk pipeline``: the delivery workflow generated from the environments file, and the
stacks of a stage; ``org-cdk change-set summary``: what a prepared change set would do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from org_constructs.tooling.cli._options import APP_DIR, environments_option, fail, say

if TYPE_CHECKING:
    from org_constructs.config import EnvironmentConfig

__all__ = ["change_set", "pipeline"]


@click.group()
def pipeline() -> None:
    """Delivery pipelines generated from the environments file."""


def _environments(app_dir: Path, environments_file: Path | None) -> dict[str, EnvironmentConfig]:
    from org_constructs.config import load_environments
    from org_constructs.errors import ValidationError

    path = environments_file or app_dir / "environments.json"
    if not path.is_file():
        raise click.ClickException(f"no environments file at {path}")
    try:
        return dict(load_environments(path))
    except ValidationError as error:
        raise fail(error) from None


def _git_root(start: Path) -> Path:
    result = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],  # noqa: S607
        cwd=start,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise click.ClickException(f"{start} is not in a git repository: give --output")
    return Path(result.stdout.strip())


@pipeline.command("github")
@APP_DIR
@environments_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The workflow file.  [default: .github/workflows/deliver-<APP_DIR name>.yml under "
    "the git root]",
)
@click.option("--check", is_flag=True, help="Write nothing; fail when the file is stale.")
@click.option("--branch", default="main", show_default=True, help="A push here delivers.")
def github_command(
    app_dir: Path, environments_file: Path | None, output: Path | None, check: bool, branch: str
) -> None:
    """Write the GitHub Actions workflow that delivers APP_DIR to every stage, wave by wave.

    One job synthesizes and validates every stage; per wave, a job prepares the stages' change
    sets and summarizes them, and a job behind each stage's GitHub environment executes them.
    """
    from org_constructs.errors import ValidationError
    from org_constructs.tooling.pipeline import github_workflow

    environments = _environments(app_dir, environments_file)
    root = _git_root(app_dir.resolve())
    try:
        relative = app_dir.resolve().relative_to(root).as_posix()
    except ValueError:
        raise click.ClickException(f"{app_dir} is not inside the repository {root}") from None
    relative = relative if relative != "." else "."
    name = app_dir.resolve().name
    target = output or root / ".github" / "workflows" / f"deliver-{name}.yml"
    try:
        text = github_workflow(
            environments,
            app_dir=relative,
            branch=branch,
            command=f"org-cdk pipeline github {relative}",
        )
    except ValidationError as error:
        raise fail(error) from None
    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            state = "does not exist" if current is None else "differs from the environments file"
            raise click.ClickException(
                f"{target} {state}: run `org-cdk pipeline github {relative}` and commit it"
            )
        click.echo(f"{target} is up to date")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target}")


@pipeline.command("stacks")
@APP_DIR
@environments_option
@click.option("--stage", required=True, help="A stage of the environments file.")
@click.option(
    "--assembly",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The cloud assembly.  [default: APP_DIR/cdk.out]",
)
def stacks_command(
    app_dir: Path, environments_file: Path | None, stage: str, assembly: Path | None
) -> None:
    """The stage's stacks in the cloud assembly, one a line, each after those it depends on.

    A stack is the stage's when it deploys to the stage's account and region with the stage in
    its Environment tag (AbstractStack sets it).
    """
    from org_constructs.errors import ValidationError
    from org_constructs.tooling.cli._options import read_assemblies
    from org_constructs.tooling.pipeline import stage_stacks

    environments = _environments(app_dir, environments_file)
    config = next((c for c in environments.values() if c.name == stage), None)
    if config is None:
        raise click.ClickException(
            f"unknown stage {stage!r}: choose from {', '.join(environments)}"
        )
    (read,) = read_assemblies((assembly or app_dir / "cdk.out",))
    try:
        names = stage_stacks(read, config)
    except ValidationError as error:
        raise fail(error) from None
    click.echo("\n".join(names))


@click.group("change-set")
def change_set() -> None:
    """CloudFormation change sets, reviewed before they run."""


@change_set.command("summary")
@click.option("--stack", "stacks", multiple=True, required=True, help="A stack (repeatable).")
@click.option("--change-set", "name", required=True, help="The change set's name.")
@click.option(
    "--allow-stateful",
    is_flag=True,
    help="Exit 0 even when a stateful resource is replaced or removed.",
)
def summary_command(stacks: tuple[str, ...], name: str, allow_stateful: bool) -> None:
    """Print what the change sets would do as markdown, and fail on lost data.

    Region and credentials come from the environment (AWS_REGION, a CI role). The table is
    also appended to $GITHUB_STEP_SUMMARY when it is set. Exit status 1 when a change set
    replaces or removes a stateful resource (a bucket, a database, a key...), unless
    --allow-stateful.
    """
    from org_constructs.tooling.aws import OpsError
    from org_constructs.tooling.pipeline import (
        append_step_summary,
        describe_change_set,
        render_summaries,
    )

    try:
        import boto3
    except ImportError:
        raise click.ClickException(
            "this command calls AWS with boto3: pip install 'org-constructs[ops]'"
        ) from None
    client = boto3.client("cloudformation")
    try:
        summaries = [describe_change_set(client, stack, name) for stack in stacks]
    except OpsError as error:
        raise fail(error) from None
    text = render_summaries(summaries, allow_stateful=allow_stateful)
    click.echo(text, nl=False)
    written = append_step_summary(text)
    if written is not None:
        say(f"appended to {written}")
    if any(s.dangerous for s in summaries) and not allow_stateful:
        say("a stateful resource would be replaced or removed: nothing may run (--allow-stateful)")
        sys.exit(1)
