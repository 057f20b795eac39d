"""The report's pieces that need no synthesis: synth warnings, formats (SARIF too), exit codes."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from org_constructs.tooling.gate import Finding, Report, ToolRun
from org_constructs.tooling.gate._assembly import Assembly, AssemblyStack
from org_constructs.tooling.gate._runner import synth_warnings

STDERR = "\n".join(
    [
        "[Warning at /Network-production/Network] Production VPC with NAT gateways in fewer AZs"
        " than it spans [ack: org-constructs:StandardVpc:FewerNatGatewaysThanAzs]",
        "Successfully synthesized to cdk.out",
        "[Warning at /Other/Thing] A warning without an id",
    ]
)


def test_synth_warnings_become_findings() -> None:
    stack = AssemblyStack(
        name="Network-production",
        template_path=Path("Network-production.template.json"),
        template={},
        metadata={"/Network-production": []},
    )
    findings = synth_warnings(STDERR, Assembly(Path(), [stack]))
    assert [(f.tool, f.rule, f.severity, f.stack, f.resource) for f in findings] == [
        (
            "synth",
            "org-constructs:StandardVpc:FewerNatGatewaysThanAzs",
            "warning",
            "Network-production",
            "Network-production/Network",
        ),
        ("synth", "annotation", "warning", "", "Other/Thing"),
    ]
    assert findings[0].message.startswith("Production VPC with NAT gateways")
    assert not any(f.blocking for f in findings)


def test_exit_codes_and_formats() -> None:
    report = Report(app="app", stage="dev", runs=[ToolRun("cfn-guard", "passed", 1.0)])
    report.findings = [
        Finding("cfn-guard", "CT.S3.PR.1", "error", "S", "S/Bucket", "public", "block it"),
        Finding("cfn-guard", "CT.S3.PR.2", "error", "S", "S/Logs", "no logs", acknowledged="ok"),
    ]
    assert report.exit_code == 1
    assert not report.passed
    text = report.to_text()
    assert "ERROR   cfn-guard CT.S3.PR.1" in text
    assert "reason: ok" in text
    assert text.splitlines()[-1].startswith("FAILED")
    suites = ET.fromstring(report.to_junit())  # noqa: S314 - our own report
    (suite,) = suites
    assert (suite.get("failures"), suite.get("skipped")) == ("1", "1")
    report.runs.append(ToolRun("checkov", "error", 0.0, "not installed"))
    assert report.exit_code == 3


# --- SARIF for GitHub code scanning ----------------------------------------------------------

SARIF_SCHEMA_FILE = Path(__file__).parents[2] / "fixtures" / "sarif-schema-2.1.0.json"
"""The OASIS SARIF 2.1.0 schema (errata 01, the one json.schemastore.org serves)."""
TEMPLATE = "cdk.out/S.template.json"
NAG_RULES = "https://github.com/cdklabs/cdk-nag/blob/main/RULES.md"
W3005 = "https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/rules.md#W3005"


def on_bucket(tool: str, rule: str, severity: str, message: str, **more: Any) -> Finding:
    """A finding on the bucket of stack S, located as the gate locates it."""
    return Finding(
        tool=tool,
        rule=rule,
        severity=severity,
        stack="S",
        resource="S/Bucket/Resource",
        message=message,
        file=TEMPLATE,
        line=12,
        logical_id="BucketABC",
        **more,
    )


def sarif_report(app: Path) -> Report:
    """A report with a finding of every kind: blocking, acknowledged, warning, info, code."""
    return Report(
        app=str(app),
        stage="dev",
        runs=[
            ToolRun("synth", "passed", 9.0),
            ToolRun("cdk-nag", "failed", 9.0),
            ToolRun("cfn-lint", "passed", 2.0),
            ToolRun("checkov", "skipped", 0.0, "--skip"),
            ToolRun("cfn-guard", "error", 0.1, "cfn-guard crashed"),
            ToolRun("ruff", "failed", 0.5),
        ],
        findings=[
            Finding(
                tool="synth",
                rule="annotation",
                severity="warning",
                stack="S",
                resource="S/Topic",
                message="no subscribers",
                file=TEMPLATE,
            ),
            on_bucket(
                "cdk-nag", "AwsSolutions-S1", "error", "no access logs",
                fix="turn server access logs on",
            ),
            on_bucket(
                "cdk-nag", "AwsSolutions-S10", "error", "no TLS",
                acknowledged="the bucket policy denies aws:SecureTransport false",
            ),
            on_bucket("cfn-lint", "W3005", "warning", "obsolete DependsOn", fix=W3005),
            on_bucket("cfn-lint", "I3011", "info", ""),
            Finding(
                tool="ruff",
                rule="S602",
                severity="error",
                stack="",
                resource="tools.py:6",
                message="shell=True",
                fix="https://docs.astral.sh/ruff/rules/subprocess-popen-with-shell-equals-true",
                file="tools.py",
                line=6,
            ),
        ],
    )  # fmt: skip


def runs_by_tool(sarif: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {run["tool"]["driver"]["name"]: run for run in sarif["runs"]}


def test_sarif_has_one_run_per_checker_that_ran(tmp_path: Path) -> None:
    sarif = json.loads(sarif_report(tmp_path / "app").to_sarif(root=tmp_path))
    assert sarif["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert sarif["version"] == "2.1.0"
    runs = runs_by_tool(sarif)
    assert list(runs) == ["synth", "cdk-nag", "cfn-lint", "ruff"], (
        "a skipped checker and one that could not run have no run: code scanning keeps their "
        "alerts open instead of closing them"
    )
    nag = runs["cdk-nag"]
    assert nag["tool"]["driver"]["informationUri"] == "https://github.com/cdklabs/cdk-nag"
    assert nag["tool"]["driver"]["rules"] == [
        {
            "id": "AwsSolutions-S1",
            "shortDescription": {"text": "no access logs"},
            "helpUri": NAG_RULES,
            "help": {"text": "turn server access logs on"},
        },
        {"id": "AwsSolutions-S10", "shortDescription": {"text": "no TLS"}, "helpUri": NAG_RULES},
    ]
    lint_rules = {r["id"]: r for r in runs["cfn-lint"]["tool"]["driver"]["rules"]}
    assert lint_rules["W3005"]["helpUri"] == W3005, "a finding's own link is the rule's help"
    assert "helpUri" not in lint_rules["I3011"], "no link is made up"
    assert lint_rules["I3011"]["shortDescription"] == {"text": "I3011"}
    assert all(run["automationDetails"] == {"id": "org-cdk-validate/dev/"} for run in runs.values())


def test_sarif_results_levels_locations_and_suppressions(tmp_path: Path) -> None:
    runs = runs_by_tool(json.loads(sarif_report(tmp_path / "app").to_sarif(root=tmp_path)))
    levels = {
        (tool, result["ruleId"]): result["level"]
        for tool, run in runs.items()
        for result in run["results"]
    }
    assert levels == {
        ("synth", "annotation"): "warning",
        ("cdk-nag", "AwsSolutions-S1"): "error",
        ("cdk-nag", "AwsSolutions-S10"): "error",
        ("cfn-lint", "W3005"): "warning",
        ("cfn-lint", "I3011"): "note",
        ("ruff", "S602"): "error",
    }
    blocking, acknowledged = runs["cdk-nag"]["results"]
    assert blocking == {
        "ruleId": "AwsSolutions-S1",
        "ruleIndex": 0,
        "level": "error",
        "message": {"text": "no access logs"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "app/cdk.out/S.template.json"},
                    "region": {"startLine": 12},
                },
                "logicalLocations": [
                    {
                        "name": "BucketABC",
                        "fullyQualifiedName": "S/Bucket/Resource",
                        "kind": "resource",
                    }
                ],
            }
        ],
    }
    assert "suppressions" not in blocking
    assert acknowledged["ruleIndex"] == 1
    assert acknowledged["suppressions"] == [
        {"kind": "inSource", "justification": "the bucket policy denies aws:SecureTransport false"}
    ]
    (code,) = runs["ruff"]["results"]
    assert code["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "app/tools.py"},
                "region": {"startLine": 6},
            }
        }
    ], "a finding in code has its file and line, and no resource"
    (warning,) = runs["synth"]["results"]
    assert warning["locations"][0]["logicalLocations"][0]["name"] == "Topic"
    assert "region" not in warning["locations"][0]["physicalLocation"]


def test_sarif_paths_are_relative_to_the_repository(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    app = repository / "services" / "orders"
    app.mkdir(parents=True)
    runs = runs_by_tool(json.loads(sarif_report(app).to_sarif()))
    uri = runs["cdk-nag"]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "services/orders/cdk.out/S.template.json"}
    outside = tmp_path / "elsewhere"
    runs = runs_by_tool(json.loads(sarif_report(outside).to_sarif(root=app)))
    uri = runs["ruff"]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": (outside / "tools.py").as_uri()}, "outside the root: a file URI"


def test_sarif_of_a_clean_run_and_of_a_failed_synthesis(tmp_path: Path) -> None:
    clean = Report(app=str(tmp_path), stage=None, runs=[ToolRun("ruff", "passed", 0.1)])
    sarif = json.loads(clean.to_sarif(root=tmp_path))
    assert sarif["runs"] == [
        {
            "tool": {
                "driver": {
                    "name": "ruff",
                    "informationUri": "https://docs.astral.sh/ruff/",
                    "rules": [],
                }
            },
            "results": [],
        }
    ], "no stage, no automationDetails; a clean checker's run closes its alerts"
    failed = Report(app=str(tmp_path), stage="dev", runs=[ToolRun("synth", "error", 1.0, "boom")])
    assert json.loads(failed.to_sarif(root=tmp_path))["runs"] == []


def test_sarif_matches_the_sarif_2_1_0_schema(tmp_path: Path) -> None:
    # cfn-lint (the validate extra, always in the dev environment) brings jsonschema.
    jsonschema = importlib.import_module("jsonschema")
    schema = json.loads(SARIF_SCHEMA_FILE.read_text())
    for report in (
        sarif_report(tmp_path / "app"),
        Report(app=str(tmp_path), stage=None, runs=[ToolRun("cfn-lint", "passed")]),
    ):
        jsonschema.Draft4Validator(schema).validate(json.loads(report.to_sarif(root=tmp_path)))
    wrong = json.loads(sarif_report(tmp_path / "app").to_sarif(root=tmp_path))
    wrong["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError, match="'fatal' is not one of"):
        jsonschema.Draft4Validator(schema).validate(wrong)
