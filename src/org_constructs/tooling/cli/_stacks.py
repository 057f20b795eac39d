"""``org-cdk stacks obsolete`` and ``org-cdk find-resource``: what is deployed in the stages'
accounts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from org_constructs.tooling.cli._options import (
    APP_DIR,
    assembly_option,
    environments_option,
    fail,
    format_option,
    read_assemblies,
    say,
    stage_config,
)

__all__ = ["find_resource", "stacks"]


@click.group()
def stacks() -> None:
    """Deployed CloudFormation stacks of the app's stages."""


@stacks.command("obsolete")
@APP_DIR
@click.option(
    "--stage",
    "stages",
    multiple=True,
    help="Look in this stage (repeatable).  [default: all with a profile]",
)
@click.option("--prefix", default="", help="Only stacks whose names start with this.")
@environments_option
@click.option("--delete", is_flag=True, help="Delete them (asks for each; needs --prefix).")
@click.option("--yes", is_flag=True, help="Do not ask (non-interactive deletion).")
@format_option("text", "json")
@assembly_option(
    "The stacks the app defines, from this cloud assembly instead of a synthesis (repeatable)."
)
def stacks_obsolete(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    stages: tuple[str, ...],
    prefix: str,
    environments_file: Path | None,
    delete: bool,
    yes: bool,
    output_format: str,
    assemblies: tuple[Path, ...],
) -> None:
    """Stacks deployed in the stages' accounts that the app no longer defines."""
    import json
    from dataclasses import asdict

    from org_constructs.tooling.aws import (
        OpsError,
        default_environments,
        delete_stacks,
        deployed_stacks,
        obsolete_stacks,
        session_for,
    )
    from org_constructs.tooling.gate import Assembly, ValidateOptions, synth

    if delete and not yes and not sys.stdin.isatty():
        raise click.ClickException(
            "--delete asks before each deletion; pass --yes when nobody can answer"
        )
    if delete and not prefix:
        raise click.ClickException("--delete needs --prefix: it never deletes outside it")
    file = environments_file or default_environments(app_dir)
    chosen = stages or tuple(_all_stages(file))
    if assemblies:
        defined = {s.name for a in read_assemblies(assemblies) for s in a.stacks}
    else:
        say("synth: the stacks the app defines")
        options = ValidateOptions(app_dir=app_dir, output=app_dir / "cdk.out")
        result = synth(options, audit=False)
        if result.returncode != 0:
            say(result.stderr.strip())
            raise click.ClickException("cdk synth failed")
        defined = {s.name for s in Assembly.read(options.assembly_dir).stacks}
    report = []
    try:
        for stage in chosen:
            config = stage_config(app_dir, file, stage)
            say(f"{stage}: listing stacks in {config.account}/{config.region}")
            session = session_for(config)
            obsolete = obsolete_stacks(deployed_stacks(session, prefix, stage), defined)
            deleted: list[str] = []
            left: list[str] = []
            if delete and obsolete:
                deleted, left = delete_stacks(
                    session,
                    obsolete,
                    prefix,
                    lambda s: yes or click.confirm(f"Delete {s.name} ({s.status})?"),
                )
            report.append((stage, obsolete, deleted, left))
    except OpsError as error:
        raise fail(error) from None
    if output_format == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "stage": stage,
                        "obsolete": [asdict(s) for s in obsolete],
                        "deleted": deleted,
                        "not_deleted": left,
                    }
                    for stage, obsolete, deleted, left in report
                ],
                indent=2,
            )
        )
        return
    rows = [
        [stage, s.name, s.status, "yes" if s.termination_protection else "no"]
        for stage, obsolete, _, _ in report
        for s in obsolete
    ]
    click.echo(_table(["stage", "stack", "status", "protected"], rows) if rows else "none")
    for _, _, deleted, left in report:
        for name in deleted:
            click.echo(f"deleting {name}")
        for reason in left:
            click.echo(f"not deleted: {reason}")


@click.command("find-resource")
@click.argument("resource_type")
@click.argument("name", required=False, default="")
@click.option(
    "--stage",
    "stages",
    multiple=True,
    help="Search this stage (repeatable).  [default: all with a profile]",
)
@click.option("--prefix", default="", help="Only stacks whose names start with this.")
@click.option(
    "--environments",
    "environments_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default="environments.json",
    show_default=True,
)
@format_option("text", "json")
def find_resource(  # noqa: PLR0917 - click passes every option by keyword
    resource_type: str,
    name: str,
    stages: tuple[str, ...],
    prefix: str,
    environments_file: Path,
    output_format: str,
) -> None:
    """Resources of RESOURCE_TYPE (AWS::S3::Bucket) whose ids contain NAME, in every stack of
    the stages' accounts."""
    import json
    from dataclasses import asdict

    from org_constructs.tooling.aws import OpsError, find_resources, session_for

    if "::" not in resource_type:
        raise click.BadParameter(
            f"{resource_type!r}: a CloudFormation type such as AWS::S3::Bucket",
            param_hint="RESOURCE_TYPE",
        )
    found = []
    try:
        for stage in stages or tuple(_all_stages(environments_file)):
            config = stage_config(environments_file.parent, environments_file, stage)
            session = session_for(config)
            found += find_resources(
                session, resource_type, name, stage=stage, prefix=prefix, progress=say
            )
    except OpsError as error:
        raise fail(error) from None
    if output_format == "json":
        click.echo(json.dumps([asdict(f) for f in found], indent=2))
        return
    rows = [[f.stage, f.stack, f.logical_id, f.physical_id, f.status] for f in found]
    click.echo(
        _table(["stage", "stack", "logical id", "physical id", "status"], rows)
        if rows
        else "no matching resources"
    )


def _all_stages(environments_file: Path) -> list[str]:
    """The stages that name an AWS profile (the others are listed as left out)."""
    from org_constructs.config import load_environments
    from org_constructs.errors import ValidationError

    if not environments_file.is_file():
        raise click.ClickException(f"no environments file at {environments_file}")
    try:
        environments = load_environments(environments_file)
    except ValidationError as error:
        raise fail(error) from None
    left_out = [name for name, config in environments.items() if not config.profile]
    if left_out:
        say(f"left out (no profile; name them with --stage): {', '.join(left_out)}")
    return [name for name, config in environments.items() if config.profile]


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)
