"""``org-cdk``: the commands a consuming repo runs around ``cdk``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from org_constructs.contract import NAG_PACKS

__all__ = ["cli", "main"]

F = TypeVar("F", bound=Callable[..., Any])

APP_DIR = click.argument(
    "app_dir",
    required=False,
    default=".",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)


def _assembly_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--assembly",
        "assemblies",
        multiple=True,
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help=help_text,
    )


def _read_assemblies(assemblies: tuple[Path, ...]) -> list[Any]:
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
    from org_constructs.tooling.gate import ValidateOptions, run_validation

    chosen = None
    if packs is not None:
        chosen = tuple(p.strip() for p in packs.split(",") if p.strip())
        unknown = [p for p in chosen if p not in NAG_PACKS]
        if unknown:
            raise click.BadParameter(
                f"{', '.join(unknown)}: must be among {', '.join(NAG_PACKS)}", param_hint="--packs"
            )
    from org_constructs.tooling.gate import GUARD_DISABLED

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
    )
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
@_assembly_option(
    "Price this cloud assembly instead of synthesizing (repeatable; the one `org-cdk validate "
    "--output` wrote, say). --stage then selects among its stacks' Environment tags."
)
def cost(
    app_dir: Path,
    stages: tuple[str, ...],
    as_json: bool,
    output: Path | None,
    assemblies: tuple[Path, ...],
) -> None:
    """Fixed monthly cost of APP_DIR's resources, per stack and per stage.

    Prices come from the price table shipped with the package (its source and date are
    printed); usage-based charges are listed as not priced.
    """
    from org_constructs.tooling.cost import estimate_assembly, render_estimate
    from org_constructs.tooling.gate import ValidateOptions, synth

    estimates = []
    if assemblies:
        _read_assemblies(assemblies)
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
    from org_constructs.tooling.gate import ValidateOptions, cdk_command, run_validation

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


# --- Operations: stage-aware CDK commands, notifications, stacks, resources -----------------


def _environments_option(function: Any) -> Any:
    return click.option(
        "--environments",
        "environments_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The environments file.  [default: APP_DIR/environments.json]",
    )(function)


def _fail(error: Exception) -> click.ClickException:
    return click.ClickException(str(error))


def _stage(app_dir: Path, environments_file: Path | None, stage: str) -> Any:
    from org_constructs.tooling.aws import OpsError, default_environments, load_stage

    try:
        return load_stage(environments_file or default_environments(app_dir), stage)
    except OpsError as error:
        raise _fail(error) from None


def _run_cdk(command: list[str], app_dir: Path, dry_run: bool) -> int:
    _stderr("$ " + " ".join(command))
    if dry_run:
        return 0
    return subprocess.run(command, cwd=app_dir, check=False).returncode  # noqa: S603


def _cdk_wrapper(verb: str, summary: str) -> None:
    @cli.command(verb, help=f"{summary}\n\nRuns `cdk {verb}` with the stage's context and profile.")
    @APP_DIR
    @click.option("--stage", required=True, help="A stage of the environments file.")
    @click.option("--profile", help="Override the stage's AWS profile.")
    @_environments_option
    @click.option("--dry-run", is_flag=True, help="Print the command line only.")
    @click.argument("cdk_args", nargs=-1, type=click.UNPROCESSED)
    def command(  # noqa: PLR0917 - click passes every option by keyword
        app_dir: Path,
        stage: str,
        profile: str | None,
        environments_file: Path | None,
        dry_run: bool,
        cdk_args: tuple[str, ...],
    ) -> None:
        from org_constructs.tooling.aws import cdk_command_line
        from org_constructs.tooling.gate import cdk_command

        config = _stage(app_dir, environments_file, stage)
        line = cdk_command_line(cdk_command(), verb, config, profile=profile, extra=cdk_args)
        sys.exit(_run_cdk(line, app_dir, dry_run))


_cdk_wrapper("ls", "List the stage's stacks.")
_cdk_wrapper("synth", "Synthesize the stage's stacks.")
_cdk_wrapper("diff", "Compare the stage's stacks with what is deployed.")
_cdk_wrapper("bootstrap", "Bootstrap the stage's account and region.")


@cli.command()
@APP_DIR
@click.option("--stage", required=True, help="A stage of the environments file.")
@click.option("--profile", help="Override the stage's AWS profile.")
@_environments_option
@click.option("--yes", is_flag=True, help="Do not ask before deploying production.")
@click.option("--no-validate", is_flag=True, help="Skip the validation gate (not advised).")
@click.option("--notify", is_flag=True, help="Publish the result to the deployment topic.")
@click.option("--notify-prefix", default="", help="Stack name prefix of the notification stack.")
@click.option("--version-label", help="Version in the notification.  [default: git describe]")
@click.option("--dry-run", is_flag=True, help="Print the command lines only.")
@click.argument("cdk_args", nargs=-1, type=click.UNPROCESSED)
def deploy(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    stage: str,
    profile: str | None,
    environments_file: Path | None,
    yes: bool,
    no_validate: bool,
    notify: bool,
    notify_prefix: str,
    version_label: str | None,
    dry_run: bool,
    cdk_args: tuple[str, ...],
) -> None:
    """Validate, then deploy every stack of the stage; production asks first unless --yes."""
    import time

    from org_constructs.tooling.aws import cdk_command_line
    from org_constructs.tooling.gate import ValidateOptions, cdk_command, run_validation

    config = _stage(app_dir, environments_file, stage)
    if config.is_production and not yes and not dry_run:
        if not sys.stdin.isatty():
            raise click.ClickException(
                f"deploying production stage {stage!r} needs --yes when nobody can answer"
            )
        click.confirm(f"Deploy production stage {stage!r} to {config.account}?", abort=True)
    if not no_validate and not dry_run:
        report = run_validation(ValidateOptions(app_dir=app_dir, stage=stage), progress=_stderr)
        if report.exit_code != 0:
            click.echo(report.to_text())
            raise click.ClickException("the validation gate failed; nothing was deployed")
    extra = (
        ["--require-approval", "never", *cdk_args]
        if (yes or not config.is_production)
        else list(cdk_args)
    )
    line = cdk_command_line(cdk_command(), "deploy", config, profile=profile, extra=extra)
    started = time.monotonic()
    status = _run_cdk(line, app_dir, dry_run)
    if notify and not dry_run:
        _notify(
            config,
            profile=profile,
            prefix=notify_prefix,
            version_label=version_label,
            app_dir=app_dir,
            status=status,
            started=started,
        )
    sys.exit(status)


def _notify(
    config: Any,
    *,
    profile: str | None,
    prefix: str,
    version_label: str | None,
    app_dir: Path,
    status: int,
    started: float,
) -> None:
    import time

    topic, message = _publish(
        config,
        profile=profile,
        prefix=prefix,
        status="succeeded" if status == 0 else "failed",
        stacks=(),
        version=version_label or _git_version(app_dir),
        seconds=round(time.monotonic() - started, 1),
    )
    _stderr(f"notified {topic} ({message})")


def _publish(
    config: Any,
    *,
    profile: str | None,
    prefix: str,
    status: str,
    stacks: tuple[str, ...],
    version: str,
    seconds: float,
) -> tuple[str, str]:
    """Publish a deployment result to the stage's deployment topic: (topic, message id)."""
    from org_constructs.tooling.aws import (
        DeploymentResult,
        OpsError,
        caller,
        find_deployment_topic,
        publish_result,
        session_for,
    )

    try:
        session = session_for(config, profile)
        topic = find_deployment_topic(session, prefix)
        result = DeploymentResult(
            stage=config.name,
            stacks=stacks,
            status=status,
            version=version,
            who=caller(session),
            seconds=seconds,
        )
        return topic, publish_result(session, topic, result)
    except OpsError as error:
        raise _fail(error) from None


def _git_version(app_dir: Path) -> str:
    result = subprocess.run(
        ["git", "describe", "--tags", "--always", "--dirty"],  # noqa: S607
        cwd=app_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "unknown"


@cli.command("notify")
@APP_DIR
@click.option("--stage", required=True)
@click.option("--profile", help="Override the stage's AWS profile.")
@_environments_option
@click.option("--status", type=click.Choice(["succeeded", "failed"]), required=True)
@click.option("--prefix", default="", help="Stack name prefix of the notification stack.")
@click.option("--version-label", help="Version in the notification.  [default: git describe]")
@click.option("--seconds", type=float, default=0.0, help="How long the deployment took.")
@click.option("--stack", "stacks", multiple=True, help="Stacks the deployment covered.")
def notify_command(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    stage: str,
    profile: str | None,
    environments_file: Path | None,
    status: str,
    prefix: str,
    version_label: str | None,
    seconds: float,
    stacks: tuple[str, ...],
) -> None:
    """Publish a deployment result (for pipelines that run `cdk deploy` themselves)."""
    config = _stage(app_dir, environments_file, stage)
    topic, message = _publish(
        config,
        profile=profile,
        prefix=prefix,
        status=status,
        stacks=stacks,
        version=version_label or _git_version(app_dir),
        seconds=seconds,
    )
    click.echo(f"published {message} to {topic}")


@cli.group()
def stacks() -> None:
    """Deployed CloudFormation stacks of the app's stages."""


@stacks.command("obsolete")
@APP_DIR
@click.option(
    "--stage", "stages", multiple=True, help="Stages to look in.  [default: all with a profile]"
)
@click.option("--prefix", default="", help="Only stacks whose names start with this.")
@_environments_option
@click.option("--delete", is_flag=True, help="Delete them (asks for each; needs --prefix).")
@click.option("--yes", is_flag=True, help="Do not ask (non-interactive deletion).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_assembly_option(
    "The stacks the app defines, from this cloud assembly instead of a synthesis (repeatable)."
)
def stacks_obsolete(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    stages: tuple[str, ...],
    prefix: str,
    environments_file: Path | None,
    delete: bool,
    yes: bool,
    as_json: bool,
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
        defined = {s.name for a in _read_assemblies(assemblies) for s in a.stacks}
    else:
        _stderr("synth: the stacks the app defines")
        options = ValidateOptions(app_dir=app_dir, output=app_dir / "cdk.out")
        result = synth(options, audit=False)
        if result.returncode != 0:
            _stderr(result.stderr.strip())
            raise click.ClickException("cdk synth failed")
        defined = {s.name for s in Assembly.read(options.assembly_dir).stacks}
    report = []
    try:
        for stage in chosen:
            config = _stage(app_dir, file, stage)
            _stderr(f"{stage}: listing stacks in {config.account}/{config.region}")
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
        raise _fail(error) from None
    if as_json:
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


@cli.command("find-resource")
@click.argument("resource_type")
@click.argument("name", required=False, default="")
@click.option(
    "--stages", "stages", multiple=True, help="Stages to search.  [default: all with a profile]"
)
@click.option("--prefix", default="", help="Only stacks whose names start with this.")
@click.option(
    "--environments",
    "environments_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default="environments.json",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def find_resource(  # noqa: PLR0917 - click passes every option by keyword
    resource_type: str,
    name: str,
    stages: tuple[str, ...],
    prefix: str,
    environments_file: Path,
    as_json: bool,
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
            config = _stage(environments_file.parent, environments_file, stage)
            session = session_for(config)
            found += find_resources(
                session, resource_type, name, stage=stage, prefix=prefix, progress=_stderr
            )
    except OpsError as error:
        raise _fail(error) from None
    if as_json:
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
        raise _fail(error) from None
    left_out = [name for name, config in environments.items() if not config.profile]
    if left_out:
        _stderr(f"left out (no profile; name them with --stage): {', '.join(left_out)}")
    return [name for name, config in environments.items() if config.profile]


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


@cli.command("docs")
@APP_DIR
@click.option("--stage", required=True, help="The stage whose stacks get pages.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for index.md, one page per stack and the diagrams.",
)
@click.option("--no-architecture", is_flag=True, help="Skip the AWS-icon architecture picture.")
@_assembly_option(
    "Read this cloud assembly instead of synthesizing (repeatable: one per stage, such as "
    "those `org-cdk validate --stage S --output DIR` wrote, or one with every stage)."
)
def docs_command(
    app_dir: Path, stage: str, out: Path, no_architecture: bool, assemblies: tuple[Path, ...]
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
            read = _read_assemblies(assemblies)
        else:
            options = ValidateOptions(app_dir=app_dir, output=Path(scratch) / "cdk.out")
            _stderr("synth: every stage")
            result = synth(options, audit=False)
            if result.returncode != 0:
                _stderr(result.stderr.strip())
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
        written = write_docs(stages, stage, out, architecture=not no_architecture)
    click.echo(f"wrote {len(written)} page(s) to {out}")
