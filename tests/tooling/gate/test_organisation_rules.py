"""The organisation's own cfn-guard rules (``--rules``, cdk.json) and the per-stage report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from org_constructs.contract import ACKNOWLEDGED, TEMPLATE_KEY
from org_constructs.tooling.cli import cli
from org_constructs.tooling.gate import ToolError, ValidateOptions, check_guard_rules
from org_constructs.tooling.gate._assembly import Assembly, AssemblyStack
from org_constructs.tooling.gate._report import Finding, Report
from org_constructs.tooling.gate._runner import _locate, _pair, rules_in_cdk_json
from org_constructs.tooling.gate._tools import run_cfn_guard
from tests.support import ROOT

EXAMPLE_RULES = ROOT / "examples" / "organisation_defaults" / "rules"

# A rule the project has never seen: every queue carries a Team tag.
TAGGED = """\
let queues = Resources.*[ Type == "AWS::SQS::Queue" ]
rule queues_have_an_owner when %queues !empty {
    %queues.Properties.Tags[*].Key == "Team"
    <<
    [ACME.SQS.7]: A queue names the team that owns it
    [FIX]: Tags.of(queue).add("Team", ...)
    >>
}
"""
UNNAMED = """\
rule buckets_are_named {
    Resources.*[ Type == "AWS::S3::Bucket" ].Properties.BucketName exists
}
"""
BROKEN = 'rule broken {\n  Resources.*[ Type == "AWS::SQS::Queue" {\n'


def _stack(tmp_path: Path, name: str, resources: dict[str, Any], stage: str) -> AssemblyStack:
    template = {"Resources": resources}
    path = tmp_path / f"{name}.template.json"
    path.write_text(json.dumps(template, indent=1))
    return AssemblyStack(
        name=name,
        template_path=path,
        template=template,
        tags={"Environment": stage},
        path_of={logical_id: f"{name}/{logical_id}/Resource" for logical_id in resources},
        metadata={f"/{name}": []},
    )


def _queue(**properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::SQS::Queue", "Properties": properties}


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "tagged.guard").write_text(TAGGED)
    return folder


def test_an_organisation_rule_is_reported_under_its_own_id(tmp_path: Path, rules: Path) -> None:
    stacks = [
        _stack(tmp_path, "Svc-dev", {"Jobs": _queue()}, "dev"),
        _stack(
            tmp_path,
            "Svc-production",
            {"Jobs": _queue(Tags=[{"Key": "Team", "Value": "a"}])},
            "production",
        ),
    ]
    findings = run_cfn_guard(Assembly(tmp_path, stacks), rules=[rules])
    own = [f for f in findings if f.rule == "ACME.SQS.7"]
    assert [(f.stack, f.resource, f.severity) for f in own] == [
        ("Svc-dev", "Svc-dev/Jobs/Resource", "error")
    ]
    assert own[0].message == "A queue names the team that owns it"
    assert own[0].fix == 'Tags.of(queue).add("Team", ...)'


def test_a_rule_without_an_id_in_its_message_is_named_after_the_rule(tmp_path: Path) -> None:
    rule = tmp_path / "named.guard"
    rule.write_text(UNNAMED)
    bucket = {"Type": "AWS::S3::Bucket", "Properties": {}}
    findings = run_cfn_guard(
        Assembly(tmp_path, [_stack(tmp_path, "S", {"Files": bucket}, "dev")]), rules=[rule]
    )
    assert "buckets_are_named" in {f.rule for f in findings}


def test_an_organisation_finding_is_acknowledged_like_any_other(
    tmp_path: Path, rules: Path
) -> None:
    acknowledgement = {
        "tool": "cfn-guard",
        "rule": "ACME.SQS.7",
        "reason": "The platform team owns this queue and tags it in its own stack set.",
        "source": "app",
    }
    queue = _queue()
    queue["Metadata"] = {TEMPLATE_KEY: {ACKNOWLEDGED: [acknowledgement]}}
    assembly = Assembly(tmp_path, [_stack(tmp_path, "Svc-dev", {"Jobs": queue}, "dev")])
    report = Report(app=str(tmp_path), stage=None)
    report.findings = [f for f in run_cfn_guard(assembly, rules=[rules]) if f.rule == "ACME.SQS.7"]
    _pair(report, assembly, set())
    assert [f.acknowledged for f in report.findings] == [acknowledgement["reason"]]
    assert not report.blocking


def test_a_rule_file_that_does_not_parse_is_named(tmp_path: Path, rules: Path) -> None:
    (rules / "broken.guard").write_text(BROKEN)
    with pytest.raises(ToolError, match=r"broken\.guard does not parse"):
        check_guard_rules([rules])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: root / "missing.guard", "does not exist"),
        (lambda root: root, "holds no .guard file"),
    ],
)
def test_a_path_without_rules_is_refused(tmp_path: Path, make: Any, message: str) -> None:
    with pytest.raises(ToolError, match=message):
        check_guard_rules([make(tmp_path)])


def test_the_example_rules_parse() -> None:
    assert [p.name for p in check_guard_rules([EXAMPLE_RULES])] == ["log-groups.guard"]


def test_cdk_json_lists_the_rules_relative_to_the_app(tmp_path: Path, rules: Path) -> None:
    (tmp_path / "cdk.json").write_text(
        json.dumps({"app": "python app.py", "context": {"org-constructs:rules": "policy"}})
    )
    assert rules_in_cdk_json(tmp_path) == (tmp_path / "policy",)
    extra = tmp_path / "more.guard"
    options = ValidateOptions(app_dir=tmp_path, rules=(extra,))
    assert options.rule_paths == (tmp_path / "policy", extra)


def test_cdk_json_with_anything_but_paths_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text(json.dumps({"context": {"org-constructs:rules": [3]}}))
    with pytest.raises(ToolError, match="must be a path or a list of paths"):
        rules_in_cdk_json(tmp_path)


def test_validate_stops_at_a_broken_rule_before_synthesizing(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text('{"app": "python app.py"}')
    broken = tmp_path / "broken.guard"
    broken.write_text(BROKEN)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--rules", str(broken)])
    assert result.exit_code == 2, result.output
    assert "broken.guard does not parse" in result.output
    assert not (tmp_path / "cdk.out").exists()


def _finding(stack: str, rule: str, resource: str, acknowledged: str | None = None) -> Finding:
    return Finding("cfn-guard", rule, "error", stack, resource, "m", acknowledged=acknowledged)


def test_the_report_shows_what_differs_between_stages(tmp_path: Path) -> None:
    stacks = [
        _stack(tmp_path, name, {"Logs": {"Type": "AWS::Logs::LogGroup"}}, stage)
        for name, stage in (("Orders-dev-Svc", "dev"), ("Orders-production-Svc", "production"))
    ]
    assembly = Assembly(tmp_path, stacks)
    report = Report(app=str(tmp_path), stage=None)
    report.findings = _locate(
        [
            _finding("Orders-dev-Svc", "CT.CLOUDWATCH.PR.2", "Orders-dev-Svc/Logs/Resource", "dev"),
            _finding("Orders-dev-Svc", "CT.CLOUDWATCH.PR.3", "Orders-dev-Svc/Logs/Resource"),
            _finding(
                "Orders-production-Svc", "CT.CLOUDWATCH.PR.3", "Orders-production-Svc/Logs/Resource"
            ),
        ],
        assembly,
        tmp_path,
    )
    differences = report.stage_differences()
    assert list(differences) == ["dev", "production"]
    assert [(f.rule, f.place) for f in differences["dev"]] == [
        ("CT.CLOUDWATCH.PR.2", "Orders-*-Svc/Logs/Resource")
    ]
    assert differences["production"] == []
    text = report.to_text()
    assert "By stage" in text
    assert "cfn-guard CT.CLOUDWATCH.PR.2 Orders-*-Svc/Logs/Resource (acknowledged: dev)" in text
    stages = report.to_dict()["stages"]
    assert stages["dev"]["findings"] == 2
    assert stages["production"]["blocking"] == 1
    assert [f["rule"] for f in stages["dev"]["only_in_this_stage"]] == ["CT.CLOUDWATCH.PR.2"]


def test_one_stage_has_no_stage_section(tmp_path: Path) -> None:
    stack = _stack(tmp_path, "Orders-dev-Svc", {"Logs": {"Type": "AWS::Logs::LogGroup"}}, "dev")
    report = Report(app=str(tmp_path), stage="dev")
    report.findings = _locate(
        [_finding("Orders-dev-Svc", "CT.CLOUDWATCH.PR.2", "Orders-dev-Svc/Logs/Resource")],
        Assembly(tmp_path, [stack]),
        tmp_path,
    )
    assert report.stage_differences() == {}
    assert "By stage" not in report.to_text()
