"""``org-cdk local deploy`` and ``org-cdk local destroy``: a stage on the local emulator."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import click

from org_constructs.tooling.cli._options import (
    APP_DIR,
    environments_option,
    fail,
    say,
    stage_config,
)

if TYPE_CHECKING:
    from org_constructs.tooling.local import Emulator

__all__ = ["local"]

ENDPOINT_HELP = "A running emulator (what `local deploy --keep` printed): http://localhost:PORT."


@click.group()
def local() -> None:
    """Deploy a stage to the local AWS emulator (needs org-constructs[local])."""


@local.command("deploy")
@APP_DIR
@click.option("--stage", required=True, help="The stage to deploy (a name in environments.json).")
@environments_option
@click.option("--port", type=int, help="Listen on this port of 127.0.0.1.  [default: a free one]")
@click.option(
    "--keep",
    is_flag=True,
    help="Leave the emulator running and print how to use it, also after a failure.",
)
@click.option("--endpoint", help=ENDPOINT_HELP + "  [default: start one]")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="The cloud assembly.  [default: APP_DIR/cdk.out]",
)
@click.option(
    "--allow-skipped",
    "allowed",
    multiple=True,
    metavar="TYPE",
    help="Deploy although the emulator cannot make this resource type (repeatable).",
)
def local_deploy(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    stage: str,
    environments_file: Path | None,
    port: int | None,
    keep: bool,
    endpoint: str | None,
    output: Path | None,
    allowed: tuple[str, ...],
) -> None:
    """Synthesize STAGE, start the emulator, bootstrap, deploy every stack, check, stop.

    After the deploy, every resource and output the templates declare is asked of the
    emulator: anything it does not hold (or a stack that did not complete) fails the command,
    naming each one, with the emulator's own errors. The emulator listens on 127.0.0.1 only and
    is stopped by its PID, also when a step fails (--keep leaves it running, also then). A
    resource type it cannot make stops the deploy before it starts (unless allowed). With
    --endpoint, the stage goes to an emulator kept running by an earlier --keep (its stacks are
    updated in place) and that emulator is left running.
    """
    from org_constructs.tooling.gate import cdk_command
    from org_constructs.tooling.local import (
        AVOIDED_BY,
        Emulator,
        LocalError,
        bootstrap,
        check_port,
        deploy_report,
        deploy_stacks,
        require_local_extra,
        start_emulator,
        synthesize_stage,
        unsupported_types,
    )

    config = stage_config(app_dir, environments_file, stage)
    try:
        # Refused before the synthesis: quick answers.
        require_local_extra()
        if endpoint is not None and (port is not None or keep):
            raise LocalError("--endpoint cannot be given with --port or --keep")
        running_port = _endpoint_port(endpoint) if endpoint is not None else None
        if port is not None:
            check_port(port)
        cdk = cdk_command()
        say(f"cdk synth -c stage={stage}")
        synthesized = synthesize_stage(
            cdk, app_dir, stage, (output or app_dir / "cdk.out").resolve()
        )
        missing = {k: v for k, v in unsupported_types(synthesized).items() if k not in allowed}
        if missing:
            listed = "; ".join(f"{kind} (in {', '.join(s)})" for kind, s in sorted(missing.items()))
            avoided = "".join(f"\n{k}: {AVOIDED_BY[k]}" for k in sorted(missing) if k in AVOIDED_BY)
            raise LocalError(
                f"the emulator cannot make {listed}: nothing was deployed. Deploy without "
                "them with --allow-skipped TYPE, or leave them out of the local stage" + avoided
            )
        if running_port is not None:
            emulator = Emulator.running(running_port, config.account, config.region)
        else:
            emulator = start_emulator(config.account, config.region, port=port)
    except LocalError as error:
        raise fail(error) from None
    try:
        if emulator.pid is not None:
            say(
                f"emulator PID {emulator.pid} on 127.0.0.1:{emulator.port}, account "
                f"{config.account}, log {emulator.log}"
            )
        say(f"cdk bootstrap aws://{config.account}/{config.region}")
        bootstrap(cdk, app_dir, emulator)
        say(f"cdk deploy {' '.join(synthesized.stacks)}")
        failures = []
        try:
            deploy_stacks(cdk, app_dir, emulator, synthesized)
        except LocalError as error:
            failures.append(str(error))
        say("asking the emulator for every resource and output of the templates")
        report = deploy_report(
            emulator.client,
            synthesized.assembly,
            synthesized.stacks,
            allowed=allowed,
            log=emulator.log if emulator.pid is not None else None,
        )
        click.echo(report.text)
        if not report.complete:
            failures.append(report.failure())
        if failures:
            raise LocalError(f"the local deploy of stage {stage} failed:\n" + "\n".join(failures))
    except LocalError as error:
        if keep:
            _keep_running(emulator, failed=True)
        else:
            emulator.stop()
        raise fail(error) from None
    except BaseException:
        emulator.stop()
        raise
    if keep:
        _keep_running(emulator, failed=False)
    elif emulator.pid is not None:
        emulator.stop()
        say(f"emulator stopped (PID {emulator.pid})")


def _keep_running(emulator: Emulator, *, failed: bool) -> None:
    """Say how to use the emulator left running (also after a failure: to inspect it)."""
    click.echo("")
    if failed:
        click.echo("the deploy failed; the emulator keeps running so that you can inspect it:")
    click.echo(f"the emulator keeps running: PID {emulator.pid}, {emulator.endpoint}")
    for key, value in emulator.environment().items():
        click.echo(f"export {key}={shlex.quote(value)}")
    click.echo(f"the emulator's log: {emulator.log}")
    if emulator.folder is not None:
        click.echo(
            f"its temporary folder (remove it once the emulator is stopped): {emulator.folder}"
        )
    click.echo(f"stop it with: kill {emulator.pid}")


@local.command("destroy")
@APP_DIR
@click.option("--stage", required=True, help="The stage to destroy.")
@environments_option
@click.option("--endpoint", help=ENDPOINT_HELP + "  [default: $AWS_ENDPOINT_URL]")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="The cloud assembly.  [default: APP_DIR/cdk.out]",
)
def local_destroy(
    app_dir: Path,
    stage: str,
    environments_file: Path | None,
    endpoint: str | None,
    output: Path | None,
) -> None:
    """Delete the stage's stacks from a running emulator, dependents first."""
    import os

    from org_constructs.tooling.gate import cdk_command
    from org_constructs.tooling.local import Emulator, LocalError, destroy_stacks, synthesize_stage

    config = stage_config(app_dir, environments_file, stage)
    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint is None:
        raise click.UsageError("give --endpoint: the running emulator (local deploy --keep)")
    try:
        running = Emulator.running(_endpoint_port(endpoint), config.account, config.region)
        synthesized = synthesize_stage(
            cdk_command(), app_dir, stage, (output or app_dir / "cdk.out").resolve()
        )
        lines = destroy_stacks(running, synthesized.destroy_order())
    except LocalError as error:
        raise fail(error) from None
    for line in lines:
        click.echo(line)


def _endpoint_port(endpoint: str) -> int:
    """The port of ``http://localhost:PORT`` (or 127.0.0.1); anything else is refused."""
    from urllib.parse import urlparse

    from org_constructs.tooling.local import LocalError

    parsed = urlparse(endpoint)
    try:
        port = parsed.port
    except ValueError:
        port = None
    if parsed.scheme != "http" or parsed.hostname not in ("localhost", "127.0.0.1") or not port:
        raise LocalError(
            f"--endpoint {endpoint}: must be the local emulator, http://localhost:PORT"
        )
    return port
