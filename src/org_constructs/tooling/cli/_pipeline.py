"""``org-cdk pipeline``: the delivery workflow generated from the environments file, and the
stacks of a stage; ``org-cdk change-set summary``: what a prepared change set would do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from org_constructs.contract import BOOTSTRAP_QUALIFIER_CONTEXT, DEFAULT_QUALIFIER
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


def _refuse_projen_delivery(app_dir: Path, root: Path) -> None:
    """Exit 2 when a projen project already writes the app's delivery workflow: two workflows
    would both deploy every stage on every push."""
    from org_constructs.tooling.project import PROJEN_COMMAND, projen_delivery_workflow

    owned = projen_delivery_workflow(app_dir, root=root)
    if owned is None:
        return
    shown = owned.relative_to(root).as_posix() if owned.is_relative_to(root) else str(owned)
    # A use the command refuses: exit 2, as click's usage errors (without the usage lines).
    say(
        f"Error: {shown} delivers this app already: its projen project (OrgCdkPythonApp in "
        f".projenrc.py) writes it from environments.json and `{PROJEN_COMMAND}` regenerates "
        "it. A second workflow would deploy every stage again on every push, so nothing is "
        f"written: edit environments.json and run `{PROJEN_COMMAND}`; or, to deliver with "
        "`org-cdk pipeline github` instead, pass delivery_workflow=False to OrgCdkPythonApp "
        "and run it again"
    )
    sys.exit(2)


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
@click.option(
    "--wave",
    "waves",
    multiple=True,
    metavar="STAGE[,STAGE...]",
    help="A wave of stages that deploy in parallel, in promotion order (repeatable); instead "
    "of the environments' wave keys.",
)
@click.option(
    "--install",
    multiple=True,
    help="A command that installs the CDK CLI and org-cdk in each job (repeatable).  "
    "[default: npm ci; pip install the app's requirements.txt with org-constructs[ops]]",
)
@click.option(
    "--qualifier",
    help="The CDK bootstrap qualifier of the target accounts.  [default: cdk.json's "
    "@aws-cdk/core:bootstrapQualifier, else hnb659fds]",
)
def github_command(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    environments_file: Path | None,
    output: Path | None,
    check: bool,
    branch: str,
    waves: tuple[str, ...],
    install: tuple[str, ...],
    qualifier: str | None,
) -> None:
    """Write the GitHub Actions workflow that delivers APP_DIR to every stage, wave by wave.

    One job synthesizes and validates every stage; per wave, a job prepares the stages' change
    sets and summarizes them, and a job behind each stage's GitHub environment executes them.

    In a repository of `org-cdk new`, projen writes this workflow (.github/workflows/
    deliver.yml, from environments.json): the command refuses (exit 2) rather than write a
    second one, unless .projenrc.py passes delivery_workflow=False to OrgCdkPythonApp.
    """
    import shlex

    from org_constructs.errors import ValidationError
    from org_constructs.tooling.pipeline import github_workflow

    environments = _environments(app_dir, environments_file)
    root = _git_root(app_dir.resolve())
    try:
        relative = app_dir.resolve().relative_to(root).as_posix()
    except ValueError:
        raise click.ClickException(f"{app_dir} is not inside the repository {root}") from None
    _refuse_projen_delivery(app_dir, root)
    relative = relative if relative != "." else "."
    name = app_dir.resolve().name
    target = output or root / ".github" / "workflows" / f"deliver-{name}.yml"
    words = ["org-cdk", "pipeline", "github", relative]
    if output is not None:
        try:
            words += ["--output", target.resolve().relative_to(root).as_posix()]
        except ValueError:
            words += ["--output", str(output)]
    if branch != "main":
        words += ["--branch", branch]
    for wave in waves:
        words += ["--wave", wave]
    for line in install:
        words += ["--install", line]
    if qualifier is not None:
        words += ["--qualifier", qualifier]
    options: dict[str, Any] = {}
    if install:
        options["install"] = install
    try:
        text = github_workflow(
            environments,
            app_dir=relative,
            branch=branch,
            command=shlex.join(words),
            qualifier=qualifier or _bootstrap_qualifier(app_dir),
            order=[[n.strip() for n in w.split(",") if n.strip()] for w in waves] or None,
            **options,
        )
    except ValidationError as error:
        raise fail(error) from None
    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            state = "does not exist" if current is None else "differs from the environments file"
            raise click.ClickException(f"{target} {state}: run `{shlex.join(words)}` and commit it")
        click.echo(f"{target} is up to date")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target}")


def _bootstrap_qualifier(app_dir: Path) -> str:
    """The qualifier in the app's ``cdk.json`` context, else the CDK default."""
    import json

    path = app_dir / "cdk.json"
    try:
        context = json.loads(path.read_text(encoding="utf-8")).get("context", {})
    except (OSError, ValueError, AttributeError):
        return DEFAULT_QUALIFIER
    value = context.get(BOOTSTRAP_QUALIFIER_CONTEXT) if isinstance(context, dict) else None
    return value if isinstance(value, str) else DEFAULT_QUALIFIER


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


@pipeline.command("review-assembly")
@click.argument(
    "assembly", type=click.Path(exists=True, file_okay=False, path_type=Path), default="cdk.out"
)
def review_assembly_command(assembly: Path) -> None:
    """Let the credentials at hand prepare ASSEMBLY's change sets (default: cdk.out).

    Removes from each stack artifact the role the CDK CLI would assume to deploy it (the
    bootstrap deploy role), so that `cdk deploy --method=prepare-change-set` creates the change
    sets as the review role a prepare job assumed, which may never execute them. Run it on the
    prepare job's copy only.
    """
    from org_constructs.errors import ValidationError
    from org_constructs.tooling.pipeline import review_assembly

    try:
        stacks = review_assembly(assembly)
    except ValidationError as error:
        raise fail(error) from None
    say(f"{len(stacks)} stack(s) of {assembly} deploy with the credentials at hand")


@click.group("change-set")
def change_set() -> None:
    """CloudFormation change sets, reviewed before they run."""


_ROLE_ARN = click.option(
    "--role-arn",
    help="Assume this role first (a pipeline's OIDC role chains into the stage's CDK "
    "bootstrap deploy role, which may read change sets).",
)


def _cloudformation(role_arn: str | None) -> Any:
    from org_constructs.tooling.aws import OpsError, assume_role

    try:
        import boto3
    except ImportError:
        raise click.ClickException(
            "this command calls AWS with boto3: pip install 'org-constructs[ops]'"
        ) from None
    if not role_arn:
        return boto3.client("cloudformation")
    try:
        session = assume_role(boto3.Session(), role_arn, "org-cdk-change-set")
    except OpsError as error:
        raise fail(error) from None
    return session.client("cloudformation")


@change_set.command("summary")
@click.option("--stack", "stacks", multiple=True, required=True, help="A stack (repeatable).")
@click.option("--change-set", "name", required=True, help="The change set's name.")
@click.option(
    "--allow-stateful",
    is_flag=True,
    help="Exit 0 even when a stateful resource is replaced or removed.",
)
@_ROLE_ARN
def summary_command(
    stacks: tuple[str, ...], name: str, allow_stateful: bool, role_arn: str | None
) -> None:
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

    client = _cloudformation(role_arn)
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


@change_set.command("pending")
@click.option("--stack", "stacks", multiple=True, required=True, help="A stack (repeatable).")
@click.option("--change-set", "name", required=True, help="The change set's name.")
@_ROLE_ARN
def pending_command(stacks: tuple[str, ...], name: str, role_arn: str | None) -> None:
    """The stacks whose change set has something to execute, one a line, in the given order.

    A stack without changes has no change set (CloudFormation refuses an empty one, and
    `cdk deploy --method=prepare-change-set` makes none for an unchanged template): it is left
    out, with a line on standard error. A change set that failed for another reason, or is not
    ready to execute, fails the command.
    """
    from org_constructs.tooling.aws import OpsError
    from org_constructs.tooling.pipeline import pending_stacks

    client = _cloudformation(role_arn)
    try:
        pending, unchanged = pending_stacks(client, stacks, name)
    except OpsError as error:
        raise fail(error) from None
    for stack in unchanged:
        say(f"{stack}: no changes, nothing to execute")
    if pending:
        click.echo("\n".join(pending))
