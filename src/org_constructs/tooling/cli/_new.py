"""``org-cdk new``: a service's CDK app repository, written by ``OrgCdkPythonApp`` (projen)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from org_constructs.tooling.cli._options import fail

if TYPE_CHECKING:
    from org_constructs.tooling.project import ProjectSettings

__all__ = ["new"]

_OPTIONS = {"service": "--service", "stages": "--stage", "region": "--region"}


@click.command("new")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--service",
    required=True,
    help="The service's name: lowercase letters, digits and hyphens, starting with a letter, "
    "at most 40 characters (it names the stacks, billing-dev).",
)
@click.option(
    "--stage",
    "stages",
    multiple=True,
    metavar="STAGE[,STAGE...]",
    help="A stage of environments.json: dev, staging or production (repeatable; written in "
    "promotion order).  [default: dev, staging, production]",
)
@click.option("--region", default="us-east-1", show_default=True, help="The region of every stage.")
def new(directory: Path, service: str, stages: tuple[str, ...], region: str) -> None:
    """Write a new repository for a service's CDK app into DIRECTORY, which must not exist
    or be empty.

    It writes .projenrc.py on OrgCdkPythonApp and runs it once (nothing installed): the
    managed files (cdk.json, requirements, pytest.ini, package.json, scripts/, workflows)
    and the team's (app.py, stacks/, handler/, tests/, environments.json, README.md). Bad
    input writes nothing.
    """
    settings = _settings(service, stages, region)
    target = directory.expanduser().absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise click.BadParameter(
            f"{directory} exists and is not an empty folder: choose a new one",
            param_hint="DIRECTORY",
        )
    from org_constructs.config import MissingExtraError

    try:
        from org_constructs.tooling.project import OrgCdkPythonApp
    except MissingExtraError as error:
        raise fail(error) from None
    from org_constructs.errors import ValidationError

    with _staging_folder(target) as staging:
        (staging / ".projenrc.py").write_text(settings.projenrc(), encoding="utf-8")
        try:
            with _no_installs():
                OrgCdkPythonApp(outdir=str(staging), **settings.as_options()).synth()
        except ValidationError as error:
            raise fail(error) from None
    shown = directory if directory.is_absolute() else Path(os.path.relpath(target))
    click.echo(f"Wrote {shown}: the {service} service's CDK app on org-constructs (projen).")
    click.echo("Next:")
    for line in (
        f"cd {shown}",
        "bash scripts/main.sh   # set up, then synthesize every stage into cdk.out",
        "bash scripts/test.sh   # the tests (the first run records the snapshots) and the gate",
        'git init && git add -A && git commit -m "chore: org-cdk new"',
    ):
        click.echo(f"  {line}")


def _settings(service: str, stages: tuple[str, ...], region: str) -> ProjectSettings:
    """The checked settings; a bad value is a usage error naming its option."""
    from org_constructs.errors import ValidationError
    from org_constructs.tooling.project import DEFAULT_STAGES, ProjectSettings

    names = [name.strip() for value in stages for name in value.split(",")]
    if "" in names:
        raise click.BadParameter(
            "a stage name is empty: give STAGE[,STAGE...]", param_hint="--stage"
        )
    try:
        return ProjectSettings(service=service, stages=names or DEFAULT_STAGES, region=region)
    except ValidationError as error:
        raise click.BadParameter(
            f"{error.value!r}: {error.expected}", param_hint=_OPTIONS.get(error.prop, error.prop)
        ) from None


@contextmanager
def _staging_folder(target: Path) -> Iterator[Path]:
    """A new folder beside ``target`` to write into, moved to ``target`` when all is written;
    removed (with the parents made for it) on any failure, so nothing is half-written."""
    made = [parent for parent in target.parents if not parent.exists()]  # deepest first
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.org-cdk-new-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        yield staging
        staging.replace(target)  # an empty folder there is replaced in one rename
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for parent in made:
            parent.rmdir()
        raise


@contextmanager
def _no_installs() -> Iterator[None]:
    """projen's ``PROJEN_DISABLE_POST=1`` for this process: no virtual environment, no pip."""
    before = os.environ.get("PROJEN_DISABLE_POST")
    os.environ["PROJEN_DISABLE_POST"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["PROJEN_DISABLE_POST"]
        else:
            os.environ["PROJEN_DISABLE_POST"] = before
