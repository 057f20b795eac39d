"""How the gate pairs findings with acknowledgements, and which ones it calls stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from org_constructs.contract import AUDIT_METADATA
from org_constructs.tooling.gate._assembly import Assembly, AssemblyStack
from org_constructs.tooling.gate._report import Finding, Report
from org_constructs.tooling.gate._runner import _pair

POLICY = "S/Role/DefaultPolicy/Resource"
RULE = "AwsSolutions-IAM5[Action::s3:List*]"


def audit(rule: str, source: str, reason: str) -> dict[str, Any]:
    return {"type": AUDIT_METADATA, "data": {"id": rule, "reason": reason, "source": source}}


def paired(*entries: dict[str, Any]) -> Report:
    stack = AssemblyStack(
        name="S",
        template_path=Path("S.template.json"),
        template={"Resources": {}},
        metadata={f"/{POLICY}": list(entries)},
    )
    report = Report(app=".", stage=None, packs=("AwsSolutions",))
    report.findings = [
        Finding("cdk-nag", RULE, "error", "S", POLICY, "The IAM entity contains wildcards")
    ]
    _pair(report, Assembly(Path("."), [stack]), set())
    return report


def test_the_librarys_unused_acknowledgements_are_never_stale() -> None:
    report = paired(
        audit(RULE, "org-constructs", "the grant's own action family"),
        audit("AwsSolutions-IAM5[Action::kms:ReEncrypt*]", "org-constructs", "not granted here"),
    )
    assert [f.acknowledged for f in report.findings] == ["the grant's own action family"]
    assert report.stale == []


def test_an_apps_copy_of_a_library_acknowledgement_is_left_over() -> None:
    """The library's reason wins, so the app learns it can delete its own."""
    report = paired(
        audit(RULE, "app", "written by the service team"),
        audit(RULE, "org-constructs", "the grant's own action family"),
    )
    assert [f.acknowledged for f in report.findings] == ["the grant's own action family"]
    assert [(a.rule, a.source) for a in report.stale] == [(RULE, "app")]


def test_an_apps_unused_acknowledgement_is_stale() -> None:
    report = paired(audit("AwsSolutions-S1", "app", "left over from a bucket that moved"))
    assert [f.blocking for f in report.findings] == [True]
    assert [a.rule for a in report.stale] == ["AwsSolutions-S1"]
