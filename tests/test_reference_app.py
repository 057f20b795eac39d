"""The reference app, built on the library: deployment safety wired end to end, its size.

The templates are those the gate synthesized for every stage (``REFERENCE_GATE``).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from org_constructs.contract import DEPLOYMENT_TOPIC_OUTPUT
from tests.support import REFERENCE_GATE, ROOT, ValidatedApp, org_cdk_in_process

pytestmark = pytest.mark.e2e

BACKGROUND = [REFERENCE_GATE]
STAGES = ("dev", "staging", "production")
STACKS = ("Network", "Notifications", "Data", "Compute", "Monitoring")
APP = ROOT / "examples" / "reference_app"
ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")


@pytest.fixture(scope="module")
def assembly(validated_example: Callable[..., ValidatedApp]) -> Path:
    return validated_example("reference_app").assembly


def template(assembly: Path, stack: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((assembly / f"{stack}.template.json").read_text())
    return loaded


def resources(assembly: Path, stage: str, resource_type: str) -> dict[str, dict[str, Any]]:
    """Every resource of ``resource_type`` in the stage's stacks, by ``stack/logical id``."""
    found = {}
    for part in STACKS:
        stack = f"Orders-{stage}-{part}"
        for logical_id, resource in template(assembly, stack)["Resources"].items():
            if resource["Type"] == resource_type:
                found[f"{stack}/{logical_id}"] = resource
    return found


def refers_to(value: object, stack: str, fragment: str) -> bool:
    """Whether ``value`` reads an output of ``stack`` whose name contains ``fragment``, or
    (same stack) refers to a resource whose logical id does."""
    text = json.dumps(value)
    if '"Fn::GetStackOutput"' in text or '"Fn::ImportValue"' in text:
        return stack in text and fragment in text
    return fragment in text


@pytest.mark.parametrize("stage", STAGES)
def test_every_alarm_notifies_the_alarm_topic_on_alarm_and_on_ok(
    assembly: Path, stage: str
) -> None:
    notifications = f"Orders-{stage}-Notifications"
    alarms = {
        key: resource
        for resource_type in ALARM_TYPES
        for key, resource in resources(assembly, stage, resource_type).items()
    }
    assert len(alarms) >= 20, "packs, rollback alarms and the composite"
    silent = {}
    for key, alarm in alarms.items():
        properties = alarm["Properties"]
        if alarm["Type"] == "AWS::CloudWatch::Alarm" and "-slo-" in str(
            properties.get("AlarmName")
        ):
            continue  # a window of an objective: its composite alarm notifies (below)
        for actions in ("AlarmActions", "OKActions"):
            topics = [
                a for a in properties.get(actions, []) if refers_to(a, notifications, "AlarmsTopic")
            ]
            if not topics:
                silent[key] = actions
    assert silent == {}, "every alarm pages and clears through the stage's alarm topic"


@pytest.mark.parametrize("stage", STAGES)
def test_the_api_objectives_page_in_staging_and_production_only(assembly: Path, stage: str) -> None:
    """Two objectives for the API (availability 99.9%, latency 500 ms at 99%): each burn
    rate's long and short window, combined in a composite alarm; none in dev (its budget)."""
    monitoring = template(assembly, f"Orders-{stage}-Monitoring")["Resources"]
    names = {
        resource["Properties"]["AlarmName"]: resource["Properties"]
        for resource in monitoring.values()
        if resource["Type"] in ALARM_TYPES and "-slo-" in resource["Properties"]["AlarmName"]
    }
    if stage == "dev":
        assert names == {}
        return
    prefix = f"{stage}-orders-slo-orders-api"
    assert names[f"{prefix}-fast-burn-1h"]["Threshold"] == 0.0144
    assert names[f"{prefix}-fast-burn-5m"]["Threshold"] == 0.0144
    assert names[f"{stage}-orders-slo-Api-latency-fast-burn-1h"]["Threshold"] == 0.144
    rule = json.dumps(names[f"{prefix}-fast-burn"]["AlarmRule"])
    assert "ALARM(" in rule
    assert " AND " in rule
    assert len(names) == 2 * (6 + 3)


@pytest.mark.parametrize("stage", STAGES)
def test_every_deployment_group_reports_to_the_deployment_topic(assembly: Path, stage: str) -> None:
    notifications = f"Orders-{stage}-Notifications"
    outputs = template(assembly, notifications)["Outputs"]
    assert DEPLOYMENT_TOPIC_OUTPUT in outputs, "org-cdk deploy --notify finds the topic"
    groups = resources(assembly, stage, "AWS::CodeDeploy::DeploymentGroup")
    assert len(groups) == 1
    for group in groups.values():
        properties = group["Properties"]
        (trigger,) = properties["TriggerConfigurations"]
        assert sorted(trigger["TriggerEvents"]) == [
            "DeploymentFailure",
            "DeploymentRollback",
            "DeploymentStart",
            "DeploymentSuccess",
        ]
        assert refers_to(trigger["TriggerTargetArn"], notifications, "DeploymentsTopic")
        alarm_configuration = properties["AlarmConfiguration"]
        assert alarm_configuration["Enabled"] is True
        assert len(alarm_configuration["Alarms"]) >= 3, "the rollback alarms stop a release"
        assert "DEPLOYMENT_STOP_ON_ALARM" in properties["AutoRollbackConfiguration"]["Events"]


@pytest.mark.parametrize("stage", STAGES)
def test_the_topics_are_deployed_before_the_stacks_that_publish_to_them(
    assembly: Path, stage: str
) -> None:
    manifest = json.loads((assembly / "manifest.json").read_text())["artifacts"]
    compute = manifest[f"Orders-{stage}-Compute"]["dependencies"]
    monitoring = manifest[f"Orders-{stage}-Monitoring"]["dependencies"]
    assert {f"Orders-{stage}-Notifications", f"Orders-{stage}-Data"} <= set(compute)
    assert {f"Orders-{stage}-Notifications", f"Orders-{stage}-Compute"} <= set(monitoring)


def test_the_stack_code_is_small_and_acknowledges_nothing_of_the_library() -> None:
    """The constructs justify what they create: the app acknowledges only its own choice (an
    access log archive bucket of the landing zone, whose policy it cannot see)."""
    files = sorted((APP / "stacks").glob("*.py"))
    lines = sum(len(f.read_text().splitlines()) for f in files)
    assert lines <= 255, f"{lines} lines of stack code"
    calls = []
    for path in [*files, APP / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = str(getattr(node.func, "attr", None) or getattr(node.func, "id", ""))
                if "acknowledge" in name or name in ("skip_checkov",):
                    calls.append((path.name, name, ast.unparse(node)[:120]))
    assert [(f, n) for f, n, _ in calls] == [("data.py", "acknowledge")], calls
    assert "accessLogsPolicyNotAdded" in calls[0][2]


def test_dev_costs_at_most_35_usd_a_month(assembly: Path) -> None:
    """The cost goal of the dev stage: a NAT instance instead of a NAT gateway, one dashboard,
    one key for the orders data; the keys, dashboards and alarms it still pays for listed."""
    result = org_cdk_in_process(
        "cost", "--assembly", str(assembly), "--stage", "dev", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["stages"]["dev"] <= 35
    text = org_cdk_in_process("cost", "--assembly", str(assembly), "--stage", "dev")
    priced = text.stdout.split("What is priced:")[1].split("Not priced")[0]
    assert "NAT gateway" not in priced
    for item in ("customer managed key", "dashboard", "alarm on", "instance hours"):
        assert item in priced, item
