"""``org-cdk``: the commands a consuming repo runs around ``cdk``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from org_constructs._packs import NAG_PACKS

__all__ = ["cli", "main"]

APP_DIR = click.argument(
    "app_dir",
    required=False,
    default=".",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)


def _stderr(message: str) -> None:
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="org-constructs", prog_name="org-cdk")
def cli() -> None:
    """Validate, price and operate AWS CDK apps built with org-constructs."""


@cli.command()
@APP_DIR
@click.option("--stage", help="Synthesize this stage only (-c stage=STAGE).")
@click.option(
    "--packs",
    help=f"Comma-separated cdk-nag packs replacing those the app declares: {', '.join(NAG_PACKS)}.",
)
@click.option(
    "--skip",
    multiple=True,
    type=click.Choice(["cdk-nag", "cfn-lint", "checkov", "cfn-guard", "ruff"]),
    help="Leave out a checker (repeatable); the report lists it as skipped.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "junit"]),
    default="text",
    show_default=True,
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cloud assembly directory.  [default: APP_DIR/cdk.out]",
)
@click.option(
    "--report", type=click.Path(dir_okay=False, path_type=Path), help="Also write it here."
)
@click.option(
    "--guard-rule",
    "guard_rules",
    multiple=True,
    help="Run a Control Tower control that is off by default (CT.S3.PR.4, CT.S3.PR.9).",
)
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
def validate(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    stage: str | None,
    packs: str | None,
    skip: tuple[str, ...],
    output_format: str,
    output: Path | None,
    report: Path | None,
    guard_rules: tuple[str, ...],
    quiet: bool,
) -> None:
    """Synthesize APP_DIR once and run cdk-nag, cfn-lint, checkov, cfn-guard and ruff.

    Exit status: 0 when nothing blocks, 1 for unacknowledged errors, 3 when a checker could
    not run, 2 for bad usage.
    """
    from org_constructs.validate import ValidateOptions, run_validation

    chosen = None
    if packs is not None:
        chosen = tuple(p.strip() for p in packs.split(",") if p.strip())
        unknown = [p for p in chosen if p not in NAG_PACKS]
        if unknown:
            raise click.BadParameter(
                f"{', '.join(unknown)}: must be among {', '.join(NAG_PACKS)}", param_hint="--packs"
            )
    options = ValidateOptions(app_dir=app_dir, stage=stage, packs=chosen, skip=skip, output=output)
    result = run_validation(options, progress=None if quiet else _stderr)
    rendered = {"text": result.to_text, "json": result.to_json, "junit": result.to_junit}[
        output_format
    ]()
    click.echo(rendered)
    if report is not None:
        report.write_text(rendered + "\n")
    sys.exit(result.exit_code)


@cli.command()
@APP_DIR
@click.option("--stage", "stages", multiple=True, help="Price these stages (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cloud assembly directory.  [default: APP_DIR/cdk.out]",
)
def cost(app_dir: Path, stages: tuple[str, ...], as_json: bool, output: Path | None) -> None:
    """Fixed monthly cost of APP_DIR's resources, per stack and per stage.

    Prices come from the price table shipped with the package (its source and date are
    printed); usage-based charges are listed as not priced.
    """
    from org_constructs.cost import estimate_assembly, render_estimate
    from org_constructs.validate._runner import ValidateOptions, synth

    estimates = []
    for stage in stages or (None,):
        options = ValidateOptions(app_dir=app_dir, stage=stage, output=output)
        result = synth(options, audit=False)
        if result.returncode != 0:
            _stderr(result.stderr.strip())
            raise click.ClickException(f"cdk synth failed for stage {stage or '(all)'}")
        estimates.append(estimate_assembly(options.assembly_dir))
    click.echo(render_estimate(estimates, as_json=as_json))


@cli.command("pre-deploy")
@APP_DIR
@click.option("--stage", required=True, help="The stage about to be deployed.")
@click.option("--tests", "tests_dir", default="tests", show_default=True, help="pytest folder.")
@click.option("--no-diff", is_flag=True, help="Stop after validate (no AWS credentials needed).")
def pre_deploy(app_dir: Path, stage: str, tests_dir: str, no_diff: bool) -> None:
    """Synth, tests, validate and diff: what must pass before `cdk deploy`.

    Stops at the first step that fails, with that step's exit status.
    """
    from org_constructs.validate import ValidateOptions, run_validation
    from org_constructs.validate._runner import cdk_command

    tests = app_dir / tests_dir
    if tests.is_dir():
        _stderr(f"pre-deploy: tests ({tests})")
        status = subprocess.run(  # noqa: S603 - pytest with fixed arguments
            [sys.executable, "-m", "pytest", "-q", str(tests)], cwd=app_dir, check=False
        ).returncode
        if status != 0:
            raise click.ClickException(f"tests failed (pytest exit {status}); not deploying")
    else:
        _stderr(f"pre-deploy: no {tests_dir}/ folder in {app_dir}; no tests to run")
    _stderr(f"pre-deploy: synth and validate stage {stage}")
    options = ValidateOptions(app_dir=app_dir, stage=stage)
    result = run_validation(options, progress=_stderr)
    click.echo(result.to_text())
    if result.exit_code != 0:
        sys.exit(result.exit_code)
    if no_diff:
        _stderr("pre-deploy: diff skipped (--no-diff)")
        return
    _stderr("pre-deploy: cdk diff")
    status = subprocess.run(  # noqa: S603 - the CDK CLI with fixed arguments
        [*cdk_command(), "diff", "--app", str(options.assembly_dir.resolve()), "--no-notices"],
        cwd=app_dir,
        check=False,
    ).returncode
    if status != 0:
        raise click.ClickException(f"cdk diff failed (exit {status})")


def main() -> None:
    """Console entry point."""
    cli(prog_name="org-cdk")
