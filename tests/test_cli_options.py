"""org-cdk's options reach the code that uses them (in-process, the checkers replaced)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from org_constructs.tooling.cli import cli
from org_constructs.tooling.gate import ProgressEvent, _runner
from org_constructs.tooling.gate._report import Report
from tests.support import org_cdk_in_process


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The ValidateOptions of each run; the run itself reports a clean app."""
    seen: list[Any] = []

    def fake(options: Any, progress: Any = None) -> Report:
        seen.append(options)
        return Report(app=str(options.app_dir), stage=options.stage)

    monkeypatch.setattr(_runner, "run_validation", fake)
    from org_constructs.tooling import gate as validate

    monkeypatch.setattr(validate, "run_validation", fake)
    return seen


def test_guard_rule_reaches_the_options(captured: list[Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["validate", str(tmp_path), "--guard-rule", "CT.S3.PR.4", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    (options,) = captured
    assert options.guard_rules == ("CT.S3.PR.4",)
    assert "CT.S3.PR.4" not in options.guard_disabled  # so cfn-guard runs it
    assert "CT.S3.PR.9" in options.guard_disabled


def test_an_unknown_guard_rule_is_refused(captured: list[Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--guard-rule", "CT.S3.PR.99"])
    assert result.exit_code == 2
    assert "CT.S3.PR.99: the controls that are off by default are" in result.output
    assert captured == []


def test_every_option_reaches_the_options(captured: list[Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            str(tmp_path),
            "--stage",
            "dev",
            "--packs",
            "AwsSolutions,HIPAA.Security",
            "--skip",
            "checkov",
            "--output",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    (options,) = captured
    assert (options.stage, options.packs, options.skip, options.output) == (
        "dev",
        ("AwsSolutions", "HIPAA.Security"),
        ("checkov",),
        out,
    )


# --- The other commands: each option reaches its collaborator (AWS and the CDK CLI replaced) --


@pytest.fixture
def stage_app(tmp_path: Path) -> Path:
    """An app folder with an environments file: dev and production, each with a profile."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "environments.json").write_text(
        json.dumps(
            {
                "dev": {"account": "111111111111", "region": "us-east-1", "profile": "o-dev"},
                "production": {
                    "account": "333333333333",
                    "region": "us-east-1",
                    "profile": "o-prod",
                },
            }
        )
    )
    return app


@dataclass
class Recorded:
    cdk: list[list[str]] = field(default_factory=list)
    validated: list[Any] = field(default_factory=list)
    published: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[tuple[str, str | None]] = field(default_factory=list)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    """The CDK CLI, the gate and AWS replaced by recorders (a clean gate, a cdk exit of 0)."""
    from org_constructs.tooling import aws as ops
    from org_constructs.tooling import gate as validate
    from org_constructs.tooling.cli import _deploy

    seen = Recorded()

    def run_cdk(command: list[str], app_dir: Path, dry_run: bool) -> int:
        seen.cdk.append(command)
        return 0

    def run_validation(options: Any, progress: Any = None) -> Report:
        seen.validated.append(options)
        return Report(app=str(options.app_dir), stage=options.stage)

    def publish(config: Any, **arguments: Any) -> tuple[str, str]:
        seen.published.append({"stage": config.name, **arguments})
        return "arn:aws:sns:us-east-1:111111111111:deployments", "message-1"

    def session_for(config: Any, profile: str | None = None) -> str:
        seen.sessions.append((config.name, profile))
        return f"session-{config.name}"

    monkeypatch.setattr(_deploy, "_run_cdk", run_cdk)
    monkeypatch.setattr(_deploy, "_publish", publish)
    monkeypatch.setattr(validate, "run_validation", run_validation)
    monkeypatch.setattr(ops, "session_for", session_for)
    monkeypatch.setattr(validate, "cdk_command", lambda: ["cdk"])
    return seen


invoke = org_cdk_in_process


def written_assembly(folder: Path, stacks: dict[str, dict[str, str]]) -> Path:
    """A cloud assembly of empty stacks (name: tags) in ``folder``, as `cdk synth` lays it out."""
    folder.mkdir()
    artifacts = {}
    for name, tags in stacks.items():
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://111111111111/us-east-1",
            "properties": {"templateFile": f"{name}.template.json", "tags": tags},
        }
        (folder / f"{name}.template.json").write_text('{"Resources": {}}')
    (folder / "manifest.json").write_text(json.dumps({"version": "48.0.0", "artifacts": artifacts}))
    return folder


def test_cost_of_an_assembly_names_a_stage_it_lacks(tmp_path: Path) -> None:
    assembly = written_assembly(tmp_path / "cdk.out", {"S-dev": {"Environment": "dev"}})
    priced = invoke("cost", "--assembly", str(assembly), "--stage", "dev", "--format", "json")
    assert priced.exit_code == 0, priced.output
    assert json.loads(priced.stdout)["stages"] == {"dev": 0.0}
    missing = invoke("cost", "--assembly", str(assembly), "--stage", "qa")
    assert missing.exit_code == 1
    assert "no stack of stage 'qa' in the assemblies given" in missing.stderr


def test_deploy_validates_then_deploys_with_the_stage_profile(
    stage_app: Path, recorded: Recorded
) -> None:
    result = invoke("deploy", str(stage_app), "--stage", "dev", "--profile", "mine", "--", "-v")
    assert result.exit_code == 0, result.output
    assert [(o.app_dir, o.stage) for o in recorded.validated] == [(stage_app, "dev")]
    (line,) = recorded.cdk
    assert line == [
        "cdk",
        "deploy",
        "--context",
        "stage=dev",
        "--all",
        "--profile",
        "mine",
        "--no-notices",
        "--require-approval",
        "never",
        "-v",
    ], "the stage's context, --profile over the stage's, arguments after -- passed on"
    assert recorded.published == []


def test_deploy_no_validate_and_notify(stage_app: Path, recorded: Recorded) -> None:
    result = invoke(
        "deploy",
        str(stage_app),
        "--stage",
        "dev",
        "--no-validate",
        "--notify",
        "--notify-prefix",
        "Orders-dev",
        "--version-label",
        "1.2.3",
    )
    assert result.exit_code == 0, result.output
    assert recorded.validated == [], "--no-validate skips the gate"
    (published,) = recorded.published
    assert (published["stage"], published["prefix"], published["version"]) == (
        "dev",
        "Orders-dev",
        "1.2.3",
    )
    assert published["status"] == "succeeded"
    assert "notified arn:aws:sns" in result.stderr


def test_deploy_production_needs_yes_without_a_terminal(
    stage_app: Path, recorded: Recorded
) -> None:
    refused = invoke("deploy", str(stage_app), "--stage", "production")
    assert refused.exit_code == 1
    assert "needs --yes when nobody can answer" in refused.stderr
    assert recorded.cdk == []
    accepted = invoke("deploy", str(stage_app), "--stage", "production", "--yes")
    assert accepted.exit_code == 0, accepted.output
    (line,) = recorded.cdk
    assert "--require-approval" in line, "--yes deploys without asking"


def test_deploy_stops_when_the_gate_fails(
    stage_app: Path, recorded: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    from org_constructs.tooling import gate as validate
    from org_constructs.tooling.gate._report import Finding

    def failing(options: Any, progress: Any = None) -> Report:
        report = Report(app=str(options.app_dir), stage=options.stage)
        report.findings.append(Finding("cdk-nag", "AwsSolutions-S1", "error", "S", "S/B", "bad"))
        return report

    monkeypatch.setattr(validate, "run_validation", failing)
    result = invoke("deploy", str(stage_app), "--stage", "dev")
    assert result.exit_code == 1
    assert "the validation gate failed; nothing was deployed" in result.stderr
    assert recorded.cdk == []


BOOTSTRAP_ROLE = "arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-us-east-1"


def test_notify_passes_every_option(stage_app: Path, recorded: Recorded) -> None:
    result = invoke(
        "notify",
        str(stage_app),
        "--stage",
        "dev",
        "--profile",
        "ci",
        "--status",
        "failed",
        "--prefix",
        "Orders-dev",
        "--version-label",
        "2.0.0",
        "--seconds",
        "12.5",
        "--stack",
        "A",
        "--stack",
        "B",
        "--role-arn",
        BOOTSTRAP_ROLE,
    )
    assert result.exit_code == 0, result.output
    assert recorded.published == [
        {
            "stage": "dev",
            "profile": "ci",
            "ambient": False,
            "role_arn": BOOTSTRAP_ROLE,
            "prefix": "Orders-dev",
            "status": "failed",
            "stacks": ("A", "B"),
            "version": "2.0.0",
            "seconds": 12.5,
        }
    ]
    assert "published message-1 to arn:aws:sns" in result.stdout


def test_notify_can_take_the_credentials_of_the_environment(
    stage_app: Path, recorded: Recorded
) -> None:
    result = invoke(
        "notify", str(stage_app), "--stage", "dev", "--status", "succeeded",
        "--version-label", "2.0.0", "--environment-credentials",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert recorded.published[0]["ambient"] is True


def test_environments_option_names_another_file(stage_app: Path, recorded: Recorded) -> None:
    other = stage_app / "envs" / "other.json"
    other.parent.mkdir()
    other.write_text(
        json.dumps({"qa": {"stage": "staging", "account": "444444444444", "region": "eu-west-1"}})
    )
    result = invoke("ls", str(stage_app), "--stage", "qa", "--environments", str(other))
    assert result.exit_code == 0, result.output
    (line,) = recorded.cdk
    assert "stage=qa" in line
    assert "--profile" not in line, "qa names no profile"


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """``deployed_stacks`` replaced: each stage has Orders-dev-Keep and Orders-dev-Old."""
    from org_constructs.tooling import aws as ops
    from org_constructs.tooling.aws import DeployedStack

    calls: list[tuple[str, str, str]] = []

    def deployed(session: str, prefix: str = "", stage: str = "") -> list[DeployedStack]:
        calls.append((session, prefix, stage))
        return [
            DeployedStack("Orders-dev-Keep", "CREATE_COMPLETE", False),
            DeployedStack("Orders-dev-Old", "CREATE_COMPLETE", False),
        ]

    monkeypatch.setattr(ops, "deployed_stacks", deployed)
    return calls


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str, str]]:
    """``find_resources`` replaced: every stage has bucket b-1."""
    from org_constructs.tooling import aws as ops
    from org_constructs.tooling.aws import FoundResource

    calls: list[tuple[str, str, str, str]] = []

    def find(session: str, resource_type: str, name: str = "", **kwargs: Any) -> list[Any]:
        calls.append((session, resource_type, name, kwargs["prefix"]))
        return [
            FoundResource(
                kwargs["stage"],
                "Orders-dev-Data",
                "Bucket",
                "b-1",
                "AWS::S3::Bucket",
                "CREATE_COMPLETE",
            )
        ]

    monkeypatch.setattr(ops, "find_resources", find)
    return calls


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], str, bool]]:
    """``write_docs`` replaced: what it was asked to write."""
    from org_constructs.tooling import docs

    calls: list[tuple[list[str], str, bool]] = []

    def write_docs(
        stages: dict[str, Any], stage: str, out: Path, *, architecture: bool
    ) -> list[Path]:
        calls.append((sorted(stages), stage, architecture))
        return [out / "index.md"]

    monkeypatch.setattr(docs, "write_docs", write_docs)
    return calls


def test_stacks_obsolete_options(
    stage_app: Path, recorded: Recorded, listed: list[tuple[str, str, str]], tmp_path: Path
) -> None:
    assembly = written_assembly(tmp_path / "cdk.out", {"Orders-dev-Keep": {}})
    result = invoke(
        "stacks",
        "obsolete",
        str(stage_app),
        "--stage",
        "dev",
        "--prefix",
        "Orders-",
        "--assembly",
        str(assembly),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert listed == [("session-dev", "Orders-", "dev")]
    (report,) = json.loads(result.stdout)
    assert [s["name"] for s in report["obsolete"]] == ["Orders-dev-Old"]


def test_find_resource_options(
    stage_app: Path, recorded: Recorded, asked: list[tuple[str, str, str, str]]
) -> None:
    result = invoke(
        "find-resource",
        "AWS::S3::Bucket",
        "Bucket",
        "--stage",
        "dev",
        "--prefix",
        "Orders-",
        "--environments",
        str(stage_app / "environments.json"),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert asked == [("session-dev", "AWS::S3::Bucket", "Bucket", "Orders-")]
    assert json.loads(result.stdout)[0]["physical_id"] == "b-1"


def test_docs_reads_assemblies_and_skips_the_picture(
    tmp_path: Path, written: list[tuple[list[str], str, bool]]
) -> None:
    assembly = written_assembly(tmp_path / "cdk.out", {"S-dev": {"Environment": "dev"}})
    out = tmp_path / "pages"
    result = invoke(
        "docs",
        str(tmp_path),
        "--stage",
        "dev",
        "--output",
        str(out),
        "--assembly",
        str(assembly),
        "--no-architecture",
    )
    assert result.exit_code == 0, result.output
    assert written == [(["dev"], "dev", False)]
    missing = invoke(
        "docs", str(tmp_path), "--stage", "qa", "--output", str(out), "--assembly", str(assembly)
    )
    assert missing.exit_code == 1
    assert "no stack of stage 'qa': the app has dev" in missing.stderr


def test_pre_deploy_tests_folder_and_no_diff(tmp_path: Path, recorded: Recorded) -> None:
    app = tmp_path / "app"
    app.mkdir()
    result = invoke("pre-deploy", str(app), "--stage", "dev", "--tests", "checks", "--no-diff")
    assert result.exit_code == 0, result.output
    assert "no checks/ folder" in result.stderr
    assert "diff skipped (--no-diff)" in result.stderr
    assert [(o.app_dir, o.stage) for o in recorded.validated] == [(app, "dev")]


# --- Old spellings: removed in 0.5.0 -----------------------------------------------------------

OLD_SPELLINGS = {
    "cost --json": (["cost", "--assembly", "{assembly}", "--stage", "dev", "--json"], "--json"),
    "stacks obsolete --json": (
        ["stacks", "obsolete", "{app}", "--stage", "dev", "--assembly", "{assembly}", "--json"],
        "--json",
    ),
    "find-resource --stages": (
        ["find-resource", "AWS::S3::Bucket", "--stages", "dev", "--environments", "{env}"],
        "--stages",
    ),
    "docs --out": (
        ["docs", "{app}", "--stage", "dev", "--out", "{pages}", "--assembly", "{assembly}"],
        "--out",
    ),
}
"""Each spelling that warned until 0.5.0: a command line with it, and the old option."""


@pytest.mark.parametrize(("arguments", "old"), OLD_SPELLINGS.values(), ids=list(OLD_SPELLINGS))
def test_an_old_spelling_is_a_usage_error(
    arguments: list[str], old: str, stage_app: Path, tmp_path: Path
) -> None:
    assembly = written_assembly(tmp_path / "cdk.out", {"Orders-dev-Keep": {"Environment": "dev"}})
    values = {
        "app": str(stage_app),
        "assembly": str(assembly),
        "env": str(stage_app / "environments.json"),
        "pages": str(tmp_path / "pages"),
    }
    result = invoke(*(a.format(**values) for a in arguments))
    assert result.exit_code == 2, result.output
    assert f"No such option '{old}'" in result.stderr


# --- validate --format sarif, and its progress on stderr ---------------------------------------


def test_validate_writes_sarif(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, captured: list[Any]
) -> None:
    from org_constructs.tooling import gate as validate
    from org_constructs.tooling.gate import Finding, ToolRun

    def found(options: Any, progress: Any = None) -> Report:
        report = Report(app=str(options.app_dir), stage="dev", runs=[ToolRun("cdk-nag", "failed")])
        report.findings.append(
            Finding("cdk-nag", "AwsSolutions-S1", "error", "S", "S/B", "no logs", file="t.json")
        )
        return report

    monkeypatch.setattr(validate, "run_validation", found)
    sarif = tmp_path / "validate.sarif"
    result = invoke("validate", str(tmp_path), "--format", "sarif", "--report", str(sarif))
    assert result.exit_code == 1, "the exit status does not depend on the format"
    assert json.loads(result.stdout) == json.loads(sarif.read_text())
    (run,) = json.loads(sarif.read_text())["runs"]
    assert run["tool"]["driver"]["name"] == "cdk-nag"
    assert run["results"][0]["level"] == "error"


EVENTS = [
    ProgressEvent("checkov", "skipped", "--skip"),
    ProgressEvent("ruff", "running", "scanning the app's Python code"),
    ProgressEvent("synth", "running", "cdk synth (cdk-nag runs inside it)"),
    ProgressEvent("synth", "done", seconds=12.0, findings=0),
    ProgressEvent("ruff", "done", seconds=1.5, findings=2),
    ProgressEvent("cfn-guard", "running", "Control Tower rules on 4 template(s)"),
    ProgressEvent("cfn-guard", "error", "cfn-guard exited 101", seconds=0.4),
]
"""What a validation reports, in order."""
FINAL_SCREEN = [
    "  synth     done      12.0s  0 finding(s)",
    "  checkov   skipped  --skip",
    "  cfn-guard error      0.4s  could not run: cfn-guard exited 101",
    "  ruff      done       1.5s  2 finding(s)",
]
"""What the terminal shows at the end: one line per checker, in report order."""
SGR = re.compile(r"\x1b\[[0-9;]*m")
"""An ANSI colour or style code."""


@pytest.fixture
def progressing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate replaced by one that reports EVENTS and finds nothing."""
    from org_constructs.tooling import gate as validate

    def run(options: Any, progress: Any = None) -> Report:
        for event in EVENTS:
            if progress is not None:
                progress(event)
        return Report(app=str(options.app_dir), stage=None)

    monkeypatch.setattr(validate, "run_validation", run)


def on_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from org_constructs.tooling.cli import _progress

    monkeypatch.setattr(_progress, "stderr_is_terminal", lambda: True)


def screen(output: str) -> list[str]:
    """What a terminal shows after ``output``: cursor up, carriage return and erase line
    applied, colour codes dropped."""
    rows, row, column = [""], 0, 0
    for match in re.finditer(r"\x1b\[(\d*)([A-Za-z])|(\r)|(\n)|([^\x1b\r\n]+)", output):
        count, code, carriage, newline, text = match.groups()
        if code == "A":
            row -= int(count or 1)
        elif code == "K":
            rows[row] = ""
        elif carriage:
            column = 0
        elif newline:
            row, column = row + 1, 0
            rows += [""] * (row + 1 - len(rows))
        elif text:
            rows[row] = rows[row][:column] + text
            column += len(text)
    return [r for r in rows if r]


def test_progress_without_a_terminal_is_one_plain_line_per_event(
    tmp_path: Path, progressing: None
) -> None:
    result = invoke("validate", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [str(event) for event in EVENTS]
    assert "\x1b" not in result.stderr
    assert "cfn-guard: could not run" in result.stderr


def test_progress_on_a_terminal_updates_a_line_per_checker(
    tmp_path: Path, progressing: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_terminal(monkeypatch)
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = invoke("validate", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert screen(result.stderr) == FINAL_SCREEN, "each line rewritten in place"
    assert result.stderr.count("\x1b[2K") > len(FINAL_SCREEN), "redrawn at every event"
    colours = set(SGR.findall(result.stderr))
    assert {"\x1b[33m", "\x1b[32m", "\x1b[31m"} <= colours, "running, done, error"
    assert "PASSED" in result.stdout
    assert "\x1b" not in result.stdout, "the report stays plain"


@pytest.mark.parametrize("value", ["1", ""], ids=["NO_COLOR=1", "NO_COLOR empty"])
def test_no_color_keeps_the_lines_and_drops_the_colours(
    tmp_path: Path, progressing: None, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    on_terminal(monkeypatch)
    monkeypatch.setenv("NO_COLOR", value)
    result = invoke("validate", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert screen(result.stderr) == FINAL_SCREEN
    assert SGR.findall(result.stderr) == []


def test_quiet_silences_the_progress_on_a_terminal_too(
    tmp_path: Path, progressing: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_terminal(monkeypatch)
    result = invoke("validate", str(tmp_path), "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_live_lines_fit_the_terminal() -> None:
    from org_constructs.tooling.cli._progress import LiveProgress

    live = LiveProgress(colour=False, width=40)
    line = live.row(ProgressEvent("checkov", "error", "checkov is not installed. " * 4, 0.1))
    assert len(line) < 40
    assert line.endswith("...")


def test_notify_with_role_arn_publishes_as_that_role(
    stage_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from org_constructs.tooling import aws

    seen: dict[str, Any] = {}
    monkeypatch.setattr(aws, "session_for", lambda config, profile, ambient: "ambient-session")

    def assume(session: Any, role_arn: str, name: str) -> str:
        seen["assumed"] = (session, role_arn, name)
        return "role-session"

    def publish(session: Any, topic: str, result: Any) -> str:
        seen["published_with"] = session
        return "message-9"

    monkeypatch.setattr(aws, "assume_role", assume)
    monkeypatch.setattr(aws, "find_deployment_topic", lambda session, prefix: "arn:aws:sns:t")
    monkeypatch.setattr(aws, "caller", lambda session: "ci")
    monkeypatch.setattr(aws, "publish_result", publish)
    role = "arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-us-east-1"
    result = invoke(
        "notify", str(stage_app), "--stage", "dev", "--status", "succeeded",
        "--version-label", "1", "--environment-credentials", "--role-arn", role,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert seen == {
        "assumed": ("ambient-session", role, "org-cdk-notify-dev"),
        "published_with": "role-session",
    }
