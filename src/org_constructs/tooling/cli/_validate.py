"""``org-cdk validate`` and ``org-cdk pre-deploy``: the validation gate, alone or before a
deployment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from org_constructs.contract import NAG_PACKS
from org_constructs.tooling.cli._options import APP_DIR, format_option, say
from org_constructs.tooling.cli._progress import progress_for

__all__ = ["pre_deploy", "validate"]


@click.command()
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
@format_option("text", "json", "junit", "sarif")
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
@click.option(
    "--rules",
    "rules",
    multiple=True,
    type=click.Path(path_type=Path),
    help="The organisation's own cfn-guard rules: a .guard file or a folder of them "
    "(repeatable), run besides those cdk.json lists under org-constructs:rules.",
)
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
def validate(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    stage: str | None,
    packs: str | None,
    skip: tuple[str, ...],
    output_format: str,
    output: Path | None,
    report: Path | None,
    guard_rules: tuple[str, ...],
    rules: tuple[Path, ...],
    quiet: bool,
) -> None:
    """Synthesize APP_DIR once and run cdk-nag, cfn-lint, checkov, cfn-guard and ruff.

    Without --stage, every stage the app synthesizes is checked, as CI does, and the report
    says which findings a stage does not share with the others. cfn-guard runs the Control
    Tower rules and the organisation's own (--rules, and cdk.json's org-constructs:rules).

    On a terminal each checker has a line on stderr that shows it running, then done with its
    time and findings; elsewhere (CI logs) one line per event.

    Exit status: 0 when nothing blocks, 1 for unacknowledged errors, 3 when a checker could
    not run, 2 for bad usage.
    """
    from org_constructs.tooling.gate import GUARD_DISABLED, ValidateOptions, run_validation

    chosen = None
    if packs is not None:
        chosen = tuple(p.strip() for p in packs.split(",") if p.strip())
        unknown = [p for p in chosen if p not in NAG_PACKS]
        if unknown:
            raise click.BadParameter(
                f"{', '.join(unknown)}: must be among {', '.join(NAG_PACKS)}", param_hint="--packs"
            )
    unknown_rules = [rule for rule in guard_rules if rule not in GUARD_DISABLED]
    if unknown_rules:
        raise click.BadParameter(
            f"{', '.join(unknown_rules)}: the controls that are off by default are "
            f"{', '.join(GUARD_DISABLED)}; every other one always runs",
            param_hint="--guard-rule",
        )
    options = ValidateOptions(
        app_dir=app_dir,
        stage=stage,
        packs=chosen,
        skip=skip,
        output=output,
        guard_rules=guard_rules,
        rules=rules,
    )
    if "cfn-guard" not in skip:
        from org_constructs.tooling.gate import ToolError, check_guard_rules

        try:
            check_guard_rules(options.rule_paths)
        except ToolError as error:
            raise click.BadParameter(str(error), param_hint="--rules") from None
    result = run_validation(options, progress=progress_for(quiet=quiet))
    rendered = {
        "text": result.to_text,
        "json": result.to_json,
        "junit": result.to_junit,
        "sarif": result.to_sarif,
    }[output_format]()
    click.echo(rendered)
    if report is not None:
        report.write_text(rendered + "\n")
    sys.exit(result.exit_code)


@click.command("pre-deploy")
@APP_DIR
@click.option("--stage", required=True, help="The stage about to be deployed.")
@click.option("--tests", "tests_dir", default="tests", show_default=True, help="pytest folder.")
@click.option("--no-diff", is_flag=True, help="Stop after validate (no AWS credentials needed).")
def pre_deploy(app_dir: Path, stage: str, tests_dir: str, no_diff: bool) -> None:
    """Synth, tests, validate and diff: what must pass before `cdk deploy`.

    Stops at the first step that fails, with that step's exit status.
    """
    from org_constructs.tooling.gate import ValidateOptions, cdk_command, run_validation

    tests = app_dir / tests_dir
    if tests.is_dir():
        say(f"pre-deploy: tests ({tests})")
        status = subprocess.run(  # noqa: S603 - pytest with fixed arguments
            [sys.executable, "-m", "pytest", "-q", str(tests)], cwd=app_dir, check=False
        ).returncode
        if status != 0:
            raise click.ClickException(f"tests failed (pytest exit {status}); not deploying")
    else:
        say(f"pre-deploy: no {tests_dir}/ folder in {app_dir}; no tests to run")
    say(f"pre-deploy: synth and validate stage {stage}")
    options = ValidateOptions(app_dir=app_dir, stage=stage)
    result = run_validation(options, progress=progress_for(quiet=False))
    click.echo(result.to_text())
    if result.exit_code != 0:
        sys.exit(result.exit_code)
    if no_diff:
        say("pre-deploy: diff skipped (--no-diff)")
        return
    say("pre-deploy: cdk diff")
    status = subprocess.run(  # noqa: S603 - the CDK CLI with fixed arguments
        [*cdk_command(), "diff", "--app", str(options.assembly_dir.resolve()), "--no-notices"],
        cwd=app_dir,
        check=False,
    ).returncode
    if status != 0:
        raise click.ClickException(f"cdk diff failed (exit {status})")
