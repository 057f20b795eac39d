"""``org-cdk docs``: Markdown pages and diagrams of a stage's stacks."""

from __future__ import annotations

from pathlib import Path

import click

from org_constructs.tooling.cli._options import (
    APP_DIR,
    assembly_option,
    read_assemblies,
    say,
)

__all__ = ["docs_command"]

FOLDER = click.Path(file_okay=False, path_type=Path)


@click.command("docs")
@APP_DIR
@click.option("--stage", required=True, help="The stage whose stacks get pages.")
@click.option(
    "--output",
    type=FOLDER,
    required=True,
    help="Folder for index.md, one page per stack and the diagrams.",
)
@click.option("--no-architecture", is_flag=True, help="Skip the AWS-icon architecture picture.")
@assembly_option(
    "Read this cloud assembly instead of synthesizing (repeatable: one per stage, such as "
    "those `org-cdk validate --stage S --output DIR` wrote, or one with every stage)."
)
def docs_command(
    app_dir: Path, stage: str, output: Path, no_architecture: bool, assemblies: tuple[Path, ...]
) -> None:
    """Markdown pages for the stage's stacks, with every stage's settings side by side.

    Synthesizes APP_DIR once with every stage (stacks are told apart by their Environment
    tag), or reads the assemblies given with --assembly, then writes the pages, the dependency
    graph (Mermaid, and SVG through Graphviz) and an architecture picture (the `diagrams`
    package).
    """
    import tempfile

    from org_constructs.tooling.docs import write_docs
    from org_constructs.tooling.gate import Assembly, ValidateOptions, synth

    with tempfile.TemporaryDirectory() as scratch:
        if assemblies:
            read = read_assemblies(assemblies)
        else:
            options = ValidateOptions(app_dir=app_dir, output=Path(scratch) / "cdk.out")
            say("synth: every stage")
            result = synth(options, audit=False)
            if result.returncode != 0:
                say(result.stderr.strip())
                raise click.ClickException("cdk synth failed")
            read = [Assembly.read(options.assembly_dir)]
        stages: dict[str, Assembly] = {}
        seen: set[str] = set()
        for assembly in read:
            for stack in assembly.stacks:
                if stack.name in seen:
                    continue
                seen.add(stack.name)
                name = stack.tags.get("Environment", stage)
                stages.setdefault(name, Assembly(assembly.directory, [])).stacks.append(stack)
        if stage not in stages:
            raise click.ClickException(
                f"no stack of stage {stage!r}: the app has {', '.join(stages) or 'none'}"
            )
        written = write_docs(stages, stage, output, architecture=not no_architecture)
    click.echo(f"wrote {len(written)} page(s) to {output}")
