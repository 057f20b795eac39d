"""org-cdk validate end to end: a deliberately bad app fails every checker; the reference app
passes all of them in every stage (production with all five cdk-nag packs)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from tests.support import ORG_CDK, ValidatedApp, cli_env, org_cdk, recommended_context

pytestmark = pytest.mark.cli


BAD_APP = """
import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2, aws_iam as iam, aws_s3 as s3, aws_sns as sns

from org_constructs.compliance import apply_nag_packs

app = cdk.App()
stack = cdk.Stack(app, "Careless", env=cdk.Environment(account="111111111111", region="us-east-1"))
bucket = s3.Bucket(
    stack, "Public", public_read_access=True, block_public_access=s3.BlockPublicAccess(
        block_public_acls=False, block_public_policy=False, ignore_public_acls=False,
        restrict_public_buckets=False,
    ),
)
bucket.node.default_child.add_property_override("BucketName", "Not_A_Valid_Name!")
role = iam.Role(stack, "Admin", assumed_by=iam.AccountRootPrincipal())
role.add_to_policy(iam.PolicyStatement(actions=["*"], resources=["*"]))
vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0, subnet_configuration=[
    ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)])
group = ec2.SecurityGroup(stack, "Open", vpc=vpc)
group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(22))
sns.Topic(stack, "Plain")
apply_nag_packs(app, ["AwsSolutions"])
app.synth()
"""

BAD_SCRIPT = """
import subprocess


def run(command: str) -> None:
    subprocess.call(command, shell=True)
"""


@pytest.fixture(scope="module")
def bad_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    app = tmp_path_factory.mktemp("bad-app")
    (app / "app.py").write_text(BAD_APP)
    (app / "tools.py").write_text(BAD_SCRIPT)
    (app / "cdk.json").write_text(
        json.dumps({"app": f"{sys.executable} app.py", "context": recommended_context()})
    )
    return app


@pytest.fixture(scope="module")
def bad_run(bad_app: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    result = org_cdk("validate", str(bad_app), "--format", "json")
    return result, json.loads(result.stdout)


def blocking(report: dict[str, Any], tool: str) -> set[str]:
    return {
        f["rule"]
        for f in report["findings"]
        if f["tool"] == tool and f["severity"] == "error" and f["acknowledged"] is None
    }


class TestBadApp:
    def test_exit_code_is_non_zero(
        self, bad_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]]
    ) -> None:
        result, report = bad_run
        assert result.returncode == 1, result.stderr
        assert report["passed"] is False
        statuses = {t["tool"]: t["status"] for t in report["tools"]}
        assert statuses == {
            "synth": "passed",
            "cdk-nag": "failed",
            "cfn-lint": "failed",
            "checkov": "failed",
            "cfn-guard": "failed",
            "ruff": "failed",
        }

    @pytest.mark.parametrize(
        ("tool", "expected"),
        [
            # public bucket, wildcard IAM, open security group, unencrypted topic
            ("cdk-nag", {"AwsSolutions-S10", "AwsSolutions-IAM5[Action::*]", "AwsSolutions-EC23"}),
            ("checkov", {"CKV_AWS_24", "CKV_AWS_26"}),
            ("cfn-guard", {"CT.S3.PR.1", "CT.EC2.PR.4", "CT.IAM.PR.5"}),
            ("cfn-lint", {"E3031"}),
            ("ruff", {"S602"}),
        ],
    )
    def test_each_tool_reports_its_part(
        self,
        bad_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
        tool: str,
        expected: set[str],
    ) -> None:
        _, report = bad_run
        assert expected <= blocking(report, tool)

    def test_findings_name_stack_resource_and_fix(
        self, bad_run: tuple[subprocess.CompletedProcess[str], dict[str, Any]]
    ) -> None:
        _, report = bad_run
        guard = next(f for f in report["findings"] if f["rule"] == "CT.S3.PR.1")
        assert guard["stack"] == "Careless"
        assert guard["resource"] == "Careless/Public/Resource"
        assert guard["fix"]
        ruff = next(f for f in report["findings"] if f["tool"] == "ruff")
        assert ruff["resource"] == "tools.py:6"

    def test_junit_report(self, bad_app: Path, tmp_path: Path) -> None:
        junit = tmp_path / "report.xml"
        result = org_cdk(
            "validate",
            str(bad_app),
            "--format",
            "junit",
            "--skip",
            "checkov",
            "--skip",
            "cfn-lint",
            "--report",
            str(junit),
            "--quiet",
        )
        assert result.returncode == 1
        suites = ET.fromstring(junit.read_text())  # noqa: S314 - our own report
        by_name = {s.get("name"): s for s in suites}
        assert int(by_name["cdk-nag"].get("failures", "0")) > 0
        assert by_name["checkov"].find("testcase") is not None
        assert "--skip" in ET.tostring(by_name["checkov"], encoding="unicode")

    def test_skipped_tool_and_unknown_pack(self, bad_app: Path) -> None:
        result = org_cdk("validate", str(bad_app), "--packs", "CIS")
        assert result.returncode == 2
        assert "CIS: must be among AwsSolutions" in result.stderr


@pytest.fixture(params=["dev", "staging", "production"])
def reference_report(
    request: pytest.FixtureRequest, validated_example: Callable[..., ValidatedApp]
) -> dict[str, Any]:
    run = validated_example("reference_app", request.param)
    return {**run.report, "returncode": run.returncode}


def test_reference_app_passes_every_checker(reference_report: dict[str, Any]) -> None:
    open_errors = [
        f
        for f in reference_report["findings"]
        if f["severity"] == "error" and not f["acknowledged"]
    ]
    assert open_errors == []
    assert reference_report["returncode"] == 0
    assert {t["tool"]: t["status"] for t in reference_report["tools"]} == dict.fromkeys(
        ("synth", "cdk-nag", "cfn-lint", "checkov", "cfn-guard", "ruff"), "passed"
    )
    # Every acknowledged finding carries its reason; skipped rules say why.
    assert all(
        len(f["acknowledged"]) >= 20 for f in reference_report["findings"] if f["acknowledged"]
    )
    assert set(reference_report["rules_not_run"]) == {
        "cfn-guard CT.S3.PR.4",
        "cfn-guard CT.S3.PR.9",
    }


@pytest.mark.parametrize(
    "example",
    [
        "minimal_app",
        "standard_vpc",
        "secure_bucket",
        "monitoring",
        "monitored_function",
        "deployment_notifications",
    ],
)
def test_every_example_passes_the_packs_it_declares(
    example: str, validated_example: Callable[..., ValidatedApp]
) -> None:
    run = validated_example(example)
    report = run.report
    assert run.returncode == 0, [f for f in report["findings"] if not f["acknowledged"]]
    assert report["packs"] == ["AwsSolutions", "Serverless"]
    assert {t["tool"] for t in report["tools"] if t["status"] == "passed"} == {
        "synth",
        "cdk-nag",
        "cfn-lint",
        "checkov",
        "cfn-guard",
        "ruff",
    }
    assert [a for a in report["stale_acknowledgements"] if a["source"] == "app"] == []


def test_production_is_held_to_all_five_packs(reference_report: dict[str, Any]) -> None:
    expected = {
        "dev": ["AwsSolutions", "Serverless"],
        "staging": ["AwsSolutions", "Serverless"],
        "production": [
            "AwsSolutions",
            "Serverless",
            "HIPAA.Security",
            "NIST.800.53.R5",
            "PCI.DSS.321",
        ],
    }[str(reference_report["stage"])]
    assert reference_report["packs"] == expected


def test_stale_acknowledgements_are_reported(tmp_path: Path) -> None:
    app = tmp_path / "stale"
    app.mkdir()
    (app / "app.py").write_text(
        textwrap.dedent("""
        import aws_cdk as cdk
        from aws_cdk import aws_sns as sns
        from org_constructs.compliance import acknowledge_finding, apply_nag_packs

        app = cdk.App()
        stack = cdk.Stack(app, "Tidy")
        topic = sns.Topic(stack, "Topic", enforce_ssl=True)
        acknowledge_finding(topic, "AwsSolutions-S1", "left over from a bucket that moved away")
        apply_nag_packs(app, ["AwsSolutions"])
        app.synth()
    """)
    )
    (app / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} app.py"}))
    result = org_cdk("validate", str(app), "--format", "json", "--skip", "checkov", "--quiet")
    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout
    assert [(a["rule"], a["where"]) for a in report["stale_acknowledgements"]] == [
        ("AwsSolutions-S1", "Tidy/Topic")
    ]
    text = org_cdk("validate", str(app), "--skip", "checkov", "--quiet").stdout
    assert "Acknowledgements that match no finding (1)" in text


def test_every_command_has_help() -> None:
    for command in ([], ["validate"], ["cost"], ["pre-deploy"]):
        result = org_cdk(*command, "--help")
        assert result.returncode == 0
        assert "Usage: org-cdk" in result.stdout


def test_missing_checkov_is_a_clear_error(bad_app: Path) -> None:
    env = cli_env(ORG_CDK_CHECKOV="")
    env["PATH"] = ":".join(p for p in env["PATH"].split(":") if ".tools" not in p)
    result = subprocess.run(
        [str(ORG_CDK), "validate", str(bad_app), "--skip", "cfn-guard", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 3
    assert "checkov is not installed" in result.stdout


def test_cost_report_per_stage(tmp_path: Path) -> None:
    result = org_cdk(
        "cost",
        "examples/reference_app",
        "--stage",
        "dev",
        "--stage",
        "production",
        "--json",
        "--output",
        str(tmp_path / "cost"),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    stages = report["stages"]
    assert 10 < stages["dev"] < 100
    assert stages["production"] > 3 * stages["dev"]
    assert report["recorded"] == "2026-11-25"
    text = org_cdk(
        "cost",
        "examples/reference_app",
        "--stage",
        "dev",
        "--output",
        str(tmp_path / "cost"),
    ).stdout
    assert "Not priced (billed by usage):" in text
    assert "AWS::Lambda::Function" in text


def test_pre_deploy_stops_at_the_failing_gate(bad_app: Path) -> None:
    tests = bad_app / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "test_app.py").write_text("def test_app_exists():\n    assert True\n")
    result = org_cdk("pre-deploy", str(bad_app), "--stage", "dev")
    assert result.returncode == 1
    assert "pre-deploy: tests" in result.stderr
    assert "pre-deploy: synth and validate stage dev" in result.stderr
    assert "pre-deploy: cdk diff" not in result.stderr
    assert "FAILED" in result.stdout


def test_pre_deploy_runs_tests_first(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "tests").mkdir(parents=True)
    (app / "tests" / "test_fails.py").write_text("def test_fails():\n    assert False\n")
    (app / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} app.py"}))
    result = org_cdk("pre-deploy", str(app), "--stage", "dev", "--no-diff")
    assert result.returncode == 1
    assert "tests failed (pytest exit 1); not deploying" in result.stderr
    assert "synth and validate" not in result.stderr
