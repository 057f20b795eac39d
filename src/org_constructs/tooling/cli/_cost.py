"""``org-cdk cost``: the fixed monthly cost of an app's stacks, per stack and per stage."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from org_constructs.tooling.cli._options import (
    APP_DIR,
    assembly_option,
    format_option,
    read_assemblies,
    say,
)

if TYPE_CHECKING:
    from org_constructs.tooling.cost import Estimate

__all__ = ["INCOMPLETE_EXIT", "cost"]

INCOMPLETE_EXIT = 3
"""The exit status of an estimate that leaves out a resource with a possible fixed charge."""


@click.command()
@APP_DIR
@click.option("--stage", "stages", multiple=True, help="Price these stages (repeatable).")
@format_option("text", "json")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cloud assembly directory.  [default: APP_DIR/cdk.out]",
)
@assembly_option(
    "Price this cloud assembly instead of synthesizing (repeatable; the one `org-cdk validate "
    "--output` wrote, say). --stage then selects among its stacks' Environment tags."
)
@click.option(
    "--allow-unpriced",
    is_flag=True,
    help="Exit 0 even when the estimate is incomplete (a resource with an hourly or monthly "
    "charge the price table lacks).",
)
def cost(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    stages: tuple[str, ...],
    output_format: str,
    output: Path | None,
    assemblies: tuple[Path, ...],
    allow_unpriced: bool,
) -> None:
    """Fixed monthly cost of APP_DIR's resources, per stack and per stage.

    Prices come from the price table shipped with the package (its source and date are
    printed). Every resource type that is not priced and not free is listed under "Not
    priced" with its count: billed by usage, or with an hourly or monthly charge the table
    lacks, or unknown to the table. The last two (and a price missing from the table) make
    the estimate incomplete: the report says so and the exit status is 3, unless
    --allow-unpriced.
    """
    from org_constructs.tooling.cost import estimate_assembly
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
        _report(estimates, as_json=as_json, allow_unpriced=allow_unpriced)
        return
    for stage in stages or (None,):
        options = ValidateOptions(app_dir=app_dir, stage=stage, output=output)
        result = synth(options, audit=False)
        if result.returncode != 0:
            say(result.stderr.strip())
            raise click.ClickException(f"cdk synth failed for stage {stage or '(all)'}")
        estimates.append(estimate_assembly(options.assembly_dir))
    _report(estimates, as_json=as_json, allow_unpriced=allow_unpriced)


def _report(estimates: list[Estimate], *, as_json: bool, allow_unpriced: bool) -> None:
    """Print the estimate; exit ``INCOMPLETE_EXIT`` when it leaves out a fixed charge."""
    from org_constructs.tooling.cost import incomplete_summary, render_estimate

    click.echo(render_estimate(estimates, as_json=as_json))
    summary = incomplete_summary([stack for estimate in estimates for stack in estimate.stacks])
    if not summary:
        return
    if allow_unpriced:
        say(f"incomplete estimate: {summary} (--allow-unpriced: exit 0)")
        return
    say(f"incomplete estimate: {summary}; the price table lacks them (--allow-unpriced to exit 0)")
    sys.exit(INCOMPLETE_EXIT)
