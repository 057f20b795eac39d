"""Stage-aware CDK commands: ``ls``, ``synth``, ``diff`` and ``bootstrap`` wrap ``cdk`` with the
stage's context and profile; ``deploy`` validates first; ``notify`` publishes the result."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from org_constructs.contract import EXECUTION_POLICY_NAME
from org_constructs.tooling.cli._options import (
    APP_DIR,
    environments_option,
    fail,
    say,
    stage_config,
)
from org_constructs.tooling.cli._progress import progress_for

__all__ = ["CDK_WRAPPERS", "EXECUTION_POLICY", "bootstrap", "deploy", "notify_command"]


def _run_cdk(command: list[str], app_dir: Path, dry_run: bool) -> int:
    say("$ " + " ".join(command))
    if dry_run:
        return 0
    return subprocess.run(command, cwd=app_dir, check=False).returncode  # noqa: S603


def _cdk_wrapper(verb: str, summary: str) -> click.Command:
    @click.command(
        verb, help=f"{summary}\n\nRuns `cdk {verb}` with the stage's context and profile."
    )
    @APP_DIR
    @click.option("--stage", required=True, help="A stage of the environments file.")
    @click.option("--profile", help="Override the stage's AWS profile.")
    @environments_option
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

        config = stage_config(app_dir, environments_file, stage)
        line = cdk_command_line(cdk_command(), verb, config, profile=profile, extra=cdk_args)
        sys.exit(_run_cdk(line, app_dir, dry_run))

    return command


CDK_WRAPPERS = [
    _cdk_wrapper("ls", "List the stage's stacks."),
    _cdk_wrapper("synth", "Synthesize the stage's stacks."),
    _cdk_wrapper("diff", "Compare the stage's stacks with what is deployed."),
]
"""``org-cdk ls|synth|diff``."""

EXECUTION_POLICY = EXECUTION_POLICY_NAME
"""The managed policy ``DeploymentAccess`` makes for CloudFormation to deploy with."""
_ADMINISTRATOR = "arn:aws:iam::aws:policy/AdministratorAccess"
_ACCOUNT = re.compile(r"\d{12}")
_POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}")
_POLICY_ARN = re.compile(r"arn:aws[\w-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]{1,512}")
_QUALIFIER = re.compile(r"[a-z0-9]{1,10}")


def _execution_policies(account: str, policies: tuple[str, ...], administrator: bool) -> list[str]:
    if administrator and policies:
        raise click.BadParameter(
            "give either --execution-policy or --administrator", param_hint="--administrator"
        )
    if administrator:
        return [_ADMINISTRATOR]
    chosen: list[str] = []
    for policy in policies or (EXECUTION_POLICY,):
        if _POLICY_NAME.fullmatch(policy):
            chosen.append(f"arn:aws:iam::{account}:policy/{policy}")
            continue
        match = _POLICY_ARN.fullmatch(policy)
        if match is None or match.group(1) not in ("aws", account):
            raise click.BadParameter(
                f"{policy!r} is neither a policy name nor the ARN of a managed policy of AWS or "
                f"of account {account}",
                param_hint="--execution-policy",
            )
        if policy.endswith(":policy/AdministratorAccess"):
            raise click.BadParameter(
                "AdministratorAccess is chosen with --administrator, on purpose",
                param_hint="--execution-policy",
            )
        chosen.append(policy)
    return chosen


def _missing_policies(config: Any, profile: str | None, arns: list[str]) -> list[str]:
    """The policies of ``arns`` IAM does not know; none when it cannot be asked (no boto3, no
    permission): ``cdk bootstrap`` then reports it itself."""
    from org_constructs.tooling.aws import OpsError, session_for

    try:
        ambient = (profile or config.profile) is None
        iam = session_for(config, profile, ambient=ambient).client("iam")
    except OpsError:
        return []
    missing = []
    for arn in arns:
        try:
            iam.get_policy(PolicyArn=arn)
        except Exception as error:  # any other failure: cdk bootstrap reports it
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code == "NoSuchEntity":
                missing.append(arn)
            else:
                say(f"could not check {arn} ({code or type(error).__name__}); bootstrapping")
    return missing


@click.command("bootstrap")
@APP_DIR
@click.option("--stage", required=True, help="A stage of the environments file.")
@click.option("--profile", help="Override the stage's AWS profile.")
@environments_option
@click.option(
    "--trust",
    multiple=True,
    metavar="ACCOUNT",
    help="An account whose pipeline may deploy here: its roles may assume the bootstrap "
    "roles (repeatable).",
)
@click.option(
    "--execution-policy",
    "policies",
    multiple=True,
    metavar="NAME|ARN",
    help=f"A managed policy CloudFormation deploys with (repeatable).  [default: "
    f"{EXECUTION_POLICY}, which DeploymentAccess makes]",
)
@click.option(
    "--administrator",
    is_flag=True,
    help="Let CloudFormation deploy with AdministratorAccess instead (not advised).",
)
@click.option(
    "--qualifier",
    help="The bootstrap qualifier.  [default: cdk.json's @aws-cdk/core:bootstrapQualifier, "
    "else the CDK default]",
)
@click.option("--dry-run", is_flag=True, help="Print the command line only.")
@click.argument("cdk_args", nargs=-1, type=click.UNPROCESSED)
def bootstrap(  # noqa: PLR0917 - click passes every option by keyword
    app_dir: Path,
    stage: str,
    profile: str | None,
    environments_file: Path | None,
    trust: tuple[str, ...],
    policies: tuple[str, ...],
    administrator: bool,
    qualifier: str | None,
    dry_run: bool,
    cdk_args: tuple[str, ...],
) -> None:
    """Bootstrap the stage's account and region for deployments, by this account or a pipeline's.

    Runs `cdk bootstrap aws://ACCOUNT/REGION` with the stage's context and profile. CloudFormation
    deploys with the least-privilege policy DeploymentAccess makes in the account
    (`org-cdk-cfn-execution`: deploy DeploymentAccess first), never AdministratorAccess unless
    --administrator. Each --trust account (the pipeline's) may assume the bootstrap roles.
    """
    from org_constructs.tooling.aws import cdk_command_line
    from org_constructs.tooling.gate import cdk_command

    config = stage_config(app_dir, environments_file, stage)
    for account in trust:
        if not _ACCOUNT.fullmatch(account):
            raise click.BadParameter(f"{account!r} is not a 12-digit account", param_hint="--trust")
        if account == config.account:
            raise click.BadParameter(
                f"{account} is the stage's own account: its principals may already use the "
                "bootstrap roles",
                param_hint="--trust",
            )
    if len(set(trust)) != len(trust):
        raise click.BadParameter("an account is given twice", param_hint="--trust")
    if qualifier is not None and not _QUALIFIER.fullmatch(qualifier):
        raise click.BadParameter(
            f"{qualifier!r}: 1 to 10 lowercase letters and digits", param_hint="--qualifier"
        )
    chosen = _execution_policies(config.account, policies, administrator)
    if administrator:
        say("warning: CloudFormation will deploy with AdministratorAccess (--administrator)")
    elif not dry_run:
        missing = _missing_policies(config, profile, chosen)
        if missing:
            raise click.ClickException(
                f"account {config.account} has no policy {', '.join(missing)}: deploy "
                "DeploymentAccess there first (it makes org-cdk-cfn-execution), name another "
                "with --execution-policy, or pass --administrator for a sandbox account"
            )
    extra = [f"--trust={account}" for account in trust]
    extra += ["--cloudformation-execution-policies", ",".join(chosen)]
    if qualifier:
        extra += ["--qualifier", qualifier]
    line = cdk_command_line(
        cdk_command(), "bootstrap", config, profile=profile, extra=[*extra, *cdk_args]
    )
    sys.exit(_run_cdk(line, app_dir, dry_run))


@click.command()
@APP_DIR
@click.option("--stage", required=True, help="A stage of the environments file.")
@click.option("--profile", help="Override the stage's AWS profile.")
@environments_option
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

    config = stage_config(app_dir, environments_file, stage)
    if config.is_production and not yes and not dry_run:
        if not sys.stdin.isatty():
            raise click.ClickException(
                f"deploying production stage {stage!r} needs --yes when nobody can answer"
            )
        click.confirm(f"Deploy production stage {stage!r} to {config.account}?", abort=True)
    if not no_validate and not dry_run:
        report = run_validation(
            ValidateOptions(app_dir=app_dir, stage=stage), progress=progress_for(quiet=False)
        )
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
    say(f"notified {topic} ({message})")


def _publish(
    config: Any,
    *,
    profile: str | None,
    prefix: str,
    status: str,
    stacks: tuple[str, ...],
    version: str,
    seconds: float,
    ambient: bool = False,
    role_arn: str | None = None,
) -> tuple[str, str]:
    """Publish a deployment result to the stage's deployment topic: (topic, message id)."""
    from org_constructs.tooling.aws import (
        DeploymentResult,
        OpsError,
        assume_role,
        caller,
        find_deployment_topic,
        publish_result,
        session_for,
    )

    try:
        session = session_for(config, profile, ambient=ambient)
        if role_arn:
            session = assume_role(session, role_arn, f"org-cdk-notify-{config.name}")
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
        raise fail(error) from None


def _git_version(app_dir: Path) -> str:
    result = subprocess.run(
        ["git", "describe", "--tags", "--always", "--dirty"],  # noqa: S607
        cwd=app_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "unknown"


@click.command("notify")
@APP_DIR
@click.option("--stage", required=True)
@click.option("--profile", help="Override the stage's AWS profile.")
@environments_option
@click.option("--status", type=click.Choice(["succeeded", "failed"]), required=True)
@click.option("--prefix", default="", help="Stack name prefix of the notification stack.")
@click.option("--version-label", help="Version in the notification.  [default: git describe]")
@click.option("--seconds", type=float, default=0.0, help="How long the deployment took.")
@click.option("--stack", "stacks", multiple=True, help="Stacks the deployment covered.")
@click.option(
    "--environment-credentials",
    "ambient",
    is_flag=True,
    help="Without --profile, use the credentials of the environment (AWS_* variables, the "
    "role a CI job assumed) instead of the stage's profile.",
)
@click.option(
    "--role-arn",
    help="Assume this role first and publish with its credentials (a pipeline's OIDC role "
    "chains into the stage's CDK bootstrap deploy role).",
)
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
    ambient: bool,
    role_arn: str | None,
) -> None:
    """Publish a deployment result (for pipelines that run `cdk deploy` themselves)."""
    config = stage_config(app_dir, environments_file, stage)
    topic, message = _publish(
        config,
        profile=profile,
        ambient=ambient,
        role_arn=role_arn,
        prefix=prefix,
        status=status,
        stacks=stacks,
        version=version_label or _git_version(app_dir),
        seconds=seconds,
    )
    click.echo(f"published {message} to {topic}")
