"""What the commands share: the APP_DIR argument, options spelled one way everywhere, and small
helpers (stderr, the stage, assemblies)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = [
    "APP_DIR",
    "FORMATS",
    "assembly_option",
    "environments_option",
    "fail",
    "format_option",
    "read_assemblies",
    "say",
    "stage_config",
]

F = TypeVar("F", bound=Callable[..., Any])

APP_DIR = click.argument(
    "app_dir",
    required=False,
    default=".",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)

FORMATS = {
    "text": "for reading",
    "json": "for scripts",
    "junit": "for CI test reports",
    "sarif": "SARIF 2.1.0 for GitHub code scanning",
}
"""Every ``--format`` a command may offer, with what it is for."""


def format_option(*formats: str) -> Callable[[F], F]:
    """``--format``, among ``formats`` (each one of ``FORMATS``); ``text`` by default."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(formats),
        default="text",
        show_default=True,
        help="; ".join(f"{name}: {FORMATS[name]}" for name in formats) + ".",
    )


def assembly_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--assembly",
        "assemblies",
        multiple=True,
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help=help_text,
    )


def environments_option(function: F) -> F:
    return click.option(
        "--environments",
        "environments_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The environments file.  [default: APP_DIR/environments.json]",
    )(function)


def say(message: object) -> None:
    """A line on stderr."""
    click.echo(str(message), err=True)


def fail(error: Exception) -> click.ClickException:
    return click.ClickException(str(error))


def stage_config(app_dir: Path, environments_file: Path | None, stage: str) -> Any:
    """The stage's ``EnvironmentConfig`` from the environments file (a clear error if not)."""
    from org_constructs.tooling.aws import OpsError, default_environments, load_stage

    try:
        return load_stage(environments_file or default_environments(app_dir), stage)
    except OpsError as error:
        raise fail(error) from None


def read_assemblies(assemblies: tuple[Path, ...]) -> list[Any]:
    """The cloud assemblies given with ``--assembly``, each read once (a clear error if not)."""
    from org_constructs.tooling.gate import Assembly

    read = []
    for directory in assemblies:
        if not (directory / "manifest.json").is_file():
            raise click.BadParameter(
                f"{directory}: not a cloud assembly (no manifest.json); give the folder that "
                "`cdk synth --output` or `org-cdk validate --output` wrote",
                param_hint="--assembly",
            )
        read.append(Assembly.read(directory))
    return read
