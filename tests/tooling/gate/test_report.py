"""The report's pieces that need no synthesis: synth warnings, formats, exit codes."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from org_constructs.tooling.gate import Finding, Report, ToolRun
from org_constructs.tooling.gate._assembly import Assembly, AssemblyStack
from org_constructs.tooling.gate._runner import synth_warnings

STDERR = "\n".join(
    [
        "[Warning at /Network-production/Network] Production VPC with NAT gateways in fewer AZs"
        " than it spans [ack: org-constructs:StandardVpc:FewerNatGatewaysThanAzs]",
        "Successfully synthesized to /tmp/cdk.out",
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
