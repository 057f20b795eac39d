"""``org-cdk cost``: the fixed monthly cost of an app's stacks, per stack and per stage."""

from __future__ import annotations

from pathlib import Path

import click

from org_constructs.tooling.cli._options import (
    APP_DIR,
    assembly_option,
    format_option,
    read_assemblies,
    renamed_option,
    say,
)

__all__ = ["cost"]


@click.command()
@APP_DIR
@click.option("--stage", "stages", multiple=True, help="Price these stages (repeatable).")
@format_option("text", "json")
@renamed_option("--json", "--format", "output_format", flag_value="json")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cloud assembly directory.  [default: APP_DIR/cdk.out]",
)
@assembly_option(
    "Price this cloud assembly instead of synthesizing (repeatable; the one `org-cdk validate "
    "--output` wrote, say). --stage then selects among its stacks' Environment tags."
)
def cost(
    app_dir: Path,
    stages: tuple[str, ...],
    output_format: str,
    output: Path | None,
    assemblies: tuple[Path, ...],
) -> None:
    """Fixed monthly cost of APP_DIR's resources, per stack and per stage.

    Prices come from the price table shipped with the package (its source and date are
    printed); usage-based charges are listed as not priced.
    """
    from org_constructs.tooling.cost import estimate_assembly, render_estimate
    from org_constructs.tooling.gate import ValidateOptions, synth

    as_json = output_format == "json"
    estimates = []
    if assemblies:
        read_assemblies(assemblies)
        for directory in assemblies:
            estimate = estimate_assembly(directory)
            if stages:
                estimate.stacks = [s for s in estimate.stacks if s.stage in stages]
            estimates.append(estimate)
        found = {stack.stage for estimate in estimates for stack in estimate.stacks}
        missing = [stage for stage in stages if stage not in found]
        if missing:
            raise click.ClickException(
                f"no stack of stage {', '.join(map(repr, missing))} in the assemblies given"
            )
        click.echo(render_estimate(estimates, as_json=as_json))
        return
    for stage in stages or (None,):
        options = ValidateOptions(app_dir=app_dir, stage=stage, output=output)
        result = synth(options, audit=False)
        if result.returncode != 0:
            say(result.stderr.strip())
            raise click.ClickException(f"cdk synth failed for stage {stage or '(all)'}")
        estimates.append(estimate_assembly(options.assembly_dir))
    click.echo(render_estimate(estimates, as_json=as_json))
