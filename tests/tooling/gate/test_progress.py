"""What the gate reports as it runs, and where its findings point (the synthesis and the
checkers replaced: in-process, no CDK CLI)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from org_constructs.contract import NAG_SUMMARY_FILE
from org_constructs.tooling.gate import Finding, ProgressEvent, Report, ToolError, _runner, _tools

TEMPLATE = {
    "Resources": {
        "TopicDEF": {"Type": "AWS::SNS::Topic"},
        "BucketABC": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "orders"}},
    }
}
NAG_VIOLATION = {
    "ruleName": "AwsSolutions-S1",
    "description": "The S3 Bucket has server access logs disabled.",
    "violatingResources": [
        {"constructPath": "S/Bucket/Resource", "resourceLogicalId": "BucketABC"}
    ],
}


def write_assembly(folder: Path) -> None:
    """What `cdk synth` writes for stack S (a topic and a bucket) with cdk-nag on."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "S.template.json").write_text(json.dumps(TEMPLATE, indent=1))
    metadata = {
        "/S": [],
        "/S/Topic/Resource": [{"type": "aws:cdk:logicalId", "data": "TopicDEF"}],
        "/S/Bucket/Resource": [{"type": "aws:cdk:logicalId", "data": "BucketABC"}],
    }
    artifact = {
        "type": "aws:cloudformation:stack",
        "environment": "aws://111111111111/us-east-1",
        "properties": {"templateFile": "S.template.json"},
        "metadata": metadata,
    }
    (folder / "manifest.json").write_text(json.dumps({"artifacts": {"S": artifact}}))
    (folder / NAG_SUMMARY_FILE).write_text(json.dumps([{"scope": "S", "packs": ["AwsSolutions"]}]))
    nag = {"pluginReports": [{"summary": {"pluginName": "cdk-nag"}, "violations": [NAG_VIOLATION]}]}
    (folder / _tools.NAG_REPORT).write_text(json.dumps(nag))


def cfn_lint(assembly: Any) -> list[Finding]:
    return [Finding("cfn-lint", "W3005", "warning", "S", "S/Bucket/Resource", "obsolete DependsOn")]


def broken_cfn_guard(*arguments: Any) -> list[Finding]:
    raise ToolError("cfn-guard exited 101: thread panicked")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app whose synthesis writes stack S and a synth warning; ruff finds one line, cfn-lint
    one warning, cfn-guard cannot run."""
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "cdk.json").write_text("{}")

    def synth(options: _runner.ValidateOptions, *, audit: bool) -> Any:
        write_assembly(options.assembly_dir)
        warning = "[Warning at /S/Topic] The topic has no subscription\n"
        return subprocess.CompletedProcess(["cdk", "synth"], 0, "", warning)

    monkeypatch.setattr(_runner, "synth", synth)
    monkeypatch.setattr(
        _tools,
        "run_ruff",
        lambda app_dir: [Finding("ruff", "S602", "error", "", "tools.py:6", "shell=True")],
    )
    monkeypatch.setattr(_tools, "run_cfn_lint", cfn_lint)
    monkeypatch.setattr(_tools, "run_cfn_guard", broken_cfn_guard)
    return folder


def run(app: Path) -> tuple[Report, list[ProgressEvent]]:
    events: list[ProgressEvent] = []
    options = _runner.ValidateOptions(app_dir=app, skip=("checkov",))
    return _runner.run_validation(options, progress=events.append), events


def test_each_checker_reports_running_then_done_or_error(app: Path) -> None:
    report, events = run(app)
    states = {
        tool: [e.state for e in events if e.tool == tool] for tool in {e.tool for e in events}
    }
    assert states == {
        "checkov": ["skipped"],
        "synth": ["running", "done"],
        "ruff": ["running", "done"],
        "cfn-lint": ["running", "done"],
        "cfn-guard": ["running", "error"],
        "cdk-nag": ["done"],  # it runs inside the synthesis
    }
    done = {e.tool: e.findings for e in events if e.state == "done"}
    assert done == {"synth": 1, "ruff": 1, "cfn-lint": 1, "cdk-nag": 1}
    (failed,) = [e for e in events if e.state == "error"]
    assert failed.detail == "cfn-guard exited 101: thread panicked"
    assert report.exit_code == 3


def test_the_plain_lines(app: Path) -> None:
    _, events = run(app)
    lines = {str(e) for e in events}
    assert "checkov: skipped (--skip)" in lines
    assert "ruff: scanning the app's Python code" in lines
    assert "cfn-guard: could not run" in lines
    assert any(re.fullmatch(r"cfn-lint: 1 finding\(s\) in \d+\.\ds", line) for line in lines)
    assert all("\x1b" not in line and "\n" not in line for line in lines)


def test_each_checker_is_timed_on_its_own(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ruff ends at once; it is not charged the time cfn-lint takes (as it was when the times
    were taken while collecting the results)."""

    def slow_cfn_lint(assembly: Any) -> list[Finding]:
        time.sleep(0.5)
        return cfn_lint(assembly)

    monkeypatch.setattr(_tools, "run_cfn_lint", slow_cfn_lint)
    report, events = run(app)
    seconds = {r.tool: r.seconds for r in report.runs}
    assert seconds["cfn-lint"] >= 0.5
    assert seconds["ruff"] < 0.25
    (ruff_done,) = [e for e in events if e.tool == "ruff" and e.state == "done"]
    assert ruff_done.seconds == seconds["ruff"]


def test_progress_is_called_one_event_at_a_time(app: Path) -> None:
    inside = threading.Event()
    overlaps: list[str] = []

    def slow(event: ProgressEvent) -> None:
        if inside.is_set():
            overlaps.append(event.tool)
        inside.set()
        time.sleep(0.02)
        inside.clear()

    _runner.run_validation(_runner.ValidateOptions(app_dir=app, skip=("checkov",)), slow)
    assert overlaps == []


def test_findings_point_at_their_template_line_and_logical_id(app: Path) -> None:
    report, _ = run(app)
    located = {f.tool: (f.file, f.line, f.logical_id) for f in report.findings}
    template = (app / "cdk.out" / "S.template.json").read_text().splitlines()
    assert (template[3 - 1].strip(), template[6 - 1].strip()) == ('"TopicDEF": {', '"BucketABC": {')
    assert located == {
        "synth": ("cdk.out/S.template.json", 3, "TopicDEF"),  # S/Topic: its resource's id
        "cdk-nag": ("cdk.out/S.template.json", 6, "BucketABC"),
        "cfn-lint": ("cdk.out/S.template.json", 6, "BucketABC"),
        "ruff": ("tools.py", 6, ""),
    }
    assert "S/Topic" in {f.resource for f in report.findings}, "the resource is unchanged"
    assert json.loads(report.to_json())["findings"][0]["file"] == "cdk.out/S.template.json"
