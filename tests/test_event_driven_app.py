"""The event-driven reference service (``examples/event_driven``): its size, the gate over every
stage, its cost, its team's own tests and its local deploy.

The templates are those the gate synthesized for every stage (``EVENT_DRIVEN_GATE``).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import ROOT, ValidatedApp, cli_env, gate_work, org_cdk_in_process, run

APP = ROOT / "examples" / "event_driven"
STAGES = ("dev", "staging", "production")
EVENT_DRIVEN_GATE = gate_work("event_driven")
BACKGROUND = [EVENT_DRIVEN_GATE]


def stack_files() -> list[Path]:
    return sorted((APP / "stacks").glob("*.py"))


def calls_in(paths: list[Path]) -> list[tuple[str, str]]:
    """Every call in ``paths``: (file name, the called name)."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = str(getattr(node.func, "attr", None) or getattr(node.func, "id", ""))
                found.append((path.name, name))
    return found


def test_the_stack_code_is_at_most_150_lines_with_at_most_two_acknowledgements() -> None:
    lines = sum(
        1 for path in stack_files() for line in path.read_text().splitlines() if line.strip()
    )
    assert lines <= 150, f"{lines} non-blank lines of stack code"
    acknowledgements = [
        call
        for call in calls_in([*stack_files(), APP / "app.py"])
        if "acknowledge" in call[1] or call[1] in ("skip_checkov", "add_suppressions")
    ]
    assert 0 < len(acknowledgements) <= 2, acknowledgements


def test_every_alarm_is_the_librarys() -> None:
    """No hand-written alarm or metric: the packs cover each resource of the service."""
    hand_written = [
        call
        for call in calls_in(stack_files())
        if call[1] in ("monitor_metric", "Alarm", "CompositeAlarm", "Metric", "MathExpression")
    ]
    assert hand_written == []


@pytest.fixture(scope="module")
def gate(validated_example: Callable[..., ValidatedApp]) -> ValidatedApp:
    return validated_example("event_driven")


@pytest.mark.e2e
def test_the_gate_passes_every_stage(gate: ValidatedApp) -> None:
    report = gate.report
    assert gate.returncode == 0, [f for f in report["findings"] if not f["acknowledged"]]
    assert set(report["stages"]) == set(STAGES), "each stage checked"
    for stage in STAGES:
        assert (gate.assembly / f"Uploads-{stage}.template.json").exists()
    assert {t["tool"] for t in report["tools"] if t["status"] == "passed"} == {
        "synth",
        "cdk-nag",
        "cfn-lint",
        "checkov",
        "cfn-guard",
        "ruff",
    }
    assert [a for a in report["stale_acknowledgements"] if a["source"] == "app"] == []


@pytest.mark.e2e
def test_every_stack_of_every_stage_is_priced(gate: ValidatedApp) -> None:
    result = org_cdk_in_process("cost", "--assembly", str(gate.assembly), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["complete"] is True, report["not_priced"]
    assert set(report["stages"]) == set(STAGES)
    assert {stack["stack"] for stack in report["stacks"]} == {f"Uploads-{s}" for s in STAGES}
    priced = " ".join(line["what"] for stack in report["stacks"] for line in stack["lines"])
    for charge in ("Application Load Balancer hours", "Fargate vCPU hours", "Fargate GB hours"):
        assert charge in priced, charge


@pytest.mark.e2e
def test_the_teams_tests_pass() -> None:
    """`pytest` in the app's folder, with the org-constructs pytest plugin."""
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], APP, cli_env())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.e2e
def test_the_dev_stage_deploys_every_resource(tmp_path: Path) -> None:
    """`org-cdk local deploy examples/event_driven --stage dev`, as docs/guides/event-driven.md
    shows it: every declared resource made and confirmed, nothing skipped."""
    deployed = org_cdk_in_process(
        "local", "deploy", str(APP), "--stage", "dev", "--output", str(tmp_path)
    )
    assert deployed.exit_code == 0, deployed.output
    made = re.search(r"created: (\d+) of (\d+) resources", deployed.stdout)
    assert made is not None, deployed.stdout
    assert made.group(1) == made.group(2), deployed.stdout
    assert "skipped by the emulator (no CloudFormation support; nothing was made): none" in (
        deployed.stdout
    )
    for listed in (
        "x AWS::Lambda::EventSourceMapping",
        "x AWS::StepFunctions::StateMachine",
        "x AWS::DynamoDB::Table",
        "x Custom::S3BucketNotifications",
        "x AWS::ECS::Service",
        "x AWS::ElasticLoadBalancingV2::LoadBalancer",
    ):
        assert listed in deployed.stdout
