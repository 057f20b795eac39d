"""What the commands share: the APP_DIR argument, options spelled one way everywhere, the old
spellings that still work until 0.4.0, and small helpers (stderr, the stage, assemblies)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click
from click.core import ParameterSource

from org_constructs._deprecated import REMOVED_IN

__all__ = [
    "APP_DIR",
    "FORMATS",
    "assembly_option",
    "environments_option",
    "fail",
    "format_option",
    "read_assemblies",
    "renamed_option",
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


def renamed_option(
    old: str,
    new: str,
    dest: str,
    *,
    flag_value: str | None = None,
    required: bool = False,
    **attributes: Any,
) -> Callable[[F], F]:
    """``old``, the spelling of option ``new`` before 0.3.0: hidden, and working until 0.4.0
    with a warning on stderr that names ``new``.

    Parameters
    ----------
    old, new
        The two spellings (``"--stages"``, ``"--stage"``).
    dest
        The parameter of the command that ``new`` sets (``"stages"``).
    flag_value
        ``old`` is a flag that stands for ``new flag_value`` (``--json`` for ``--format json``).
        Default: - ``old`` takes what ``new`` takes (``attributes``); a repeatable one adds its
        values to ``new``'s, another one stands in for ``new`` (giving both is a usage error).
    required
        ``new`` is required. Declare it optional, so that ``old`` can stand in: this checks it.
        Default: False
    """
    name = "renamed_" + old.lstrip("-").replace("-", "_")
    spelling = new if flag_value is None else f"{new} {flag_value}"

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def run(**kwargs: Any) -> Any:
            given = kwargs.pop(name)
            context = click.get_current_context()
            if context.get_parameter_source(name) is ParameterSource.COMMANDLINE:
                say(f"Warning: {old} is deprecated and removed in {REMOVED_IN}: use {spelling}")
                new_given = context.get_parameter_source(dest) is ParameterSource.COMMANDLINE
                if flag_value is not None:
                    if new_given and kwargs[dest] != flag_value:
                        raise click.UsageError(
                            f"{old} means {spelling}, which contradicts {new} {kwargs[dest]}"
                        )
                    kwargs[dest] = flag_value
                elif attributes.get("multiple"):
                    kwargs[dest] = (*kwargs[dest], *given)
                elif new_given:
                    raise click.UsageError(f"{old} is the old spelling of {new}: give only {new}")
                else:
                    kwargs[dest] = given
            if required and kwargs[dest] is None:
                option = next(p for p in context.command.params if p.name == dest)
                raise click.MissingParameter(ctx=context, param=option)
            return command(**kwargs)

        hidden = click.option(old, name, hidden=True, is_flag=flag_value is not None, **attributes)
        return cast(F, hidden(run))

    return decorate


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
