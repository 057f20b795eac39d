"""org-cdk validate end to end: a deliberately bad app fails every checker; the reference app
passes all of them in every stage (production with all five cdk-nag packs)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from org_constructs.contract import NAG_SUMMARY_FILE
from org_constructs.tooling import gate
from org_constructs.tooling.gate import _runner
from org_constructs.tooling.gate._report import Finding, Report
from tests.support import (
    REFERENCE_GATE,
    ROOT,
    SMALL_EXAMPLES,
    Background,
    ValidatedApp,
    cli_env,
    gate_work,
    org_cdk,
    org_cdk_in_process,
    recommended_context,
)

pytestmark = pytest.mark.e2e

REGULATED = ["HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"]


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


def make_bad_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    app = tmp_path_factory.mktemp("bad-app")
    (app / "app.py").write_text(BAD_APP)
    (app / "tools.py").write_text(BAD_SCRIPT)
    (app / "cdk.json").write_text(
        json.dumps({"app": f"{sys.executable} app.py", "context": recommended_context()})
    )
    return app


BadRun = tuple[Path, subprocess.CompletedProcess[str], dict[str, Any], Path]
"""The bad app's folder, the `org-cdk validate --format json` process, its report, and the
cloud assembly it synthesized."""


def bad_gate_run(background: Background) -> BadRun:
    app = make_bad_app(background.tmp)
    out = app / "validate.out"
    result = org_cdk("validate", str(app), "--format", "json", "--output", str(out))
    return app, result, json.loads(result.stdout), out


BAD_RUN = ("bad-app",)
BACKGROUND = [
    (BAD_RUN, bad_gate_run),
    REFERENCE_GATE,
    *(gate_work(name) for name in SMALL_EXAMPLES),
]


@pytest.fixture(scope="module")
def bad(background: Background) -> BadRun:
    run: BadRun = background.result(BAD_RUN, bad_gate_run)
    return run


@pytest.fixture(scope="module")
def bad_app(bad: BadRun) -> Path:
    return bad[0]


@pytest.fixture(scope="module")
def bad_run(bad: BadRun) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    return bad[1], bad[2]


@pytest.fixture
def replayed_synth(bad: BadRun, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate's synthesis replaced by a copy of the bad app's: the tests of the command line
    that use it run the real checkers on it, in-process, without another `cdk synth`."""

    def replay(options: _runner.ValidateOptions, *, audit: bool) -> Any:
        shutil.rmtree(options.assembly_dir, ignore_errors=True)
        shutil.copytree(bad[3], options.assembly_dir)
        return subprocess.CompletedProcess(["cdk", "synth"], 0, "", "")

    monkeypatch.setattr(_runner, "synth", replay)


def invoke(*arguments: str, **env: str) -> Any:
    return org_cdk_in_process(*arguments, env=env)


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

    def test_junit_report(self, bad_app: Path, tmp_path: Path, replayed_synth: None) -> None:
        junit = tmp_path / "report.xml"
        result = invoke(
            "validate",
            str(bad_app),
            "--format",
            "junit",
            "--skip",
            "checkov",
            "--skip",
            "cfn-lint",
            "--output",
            str(tmp_path / "cdk.out"),
            "--report",
            str(junit),
            "--quiet",
        )
        assert result.exit_code == 1
        assert result.stdout.strip() == junit.read_text().strip()
        suites = ET.fromstring(junit.read_text())  # noqa: S314 - our own report
        by_name = {s.get("name"): s for s in suites}
        assert int(by_name["cdk-nag"].get("failures", "0")) > 0
        assert by_name["checkov"].find("testcase") is not None
        assert "--skip" in ET.tostring(by_name["checkov"], encoding="unicode")

    def test_skipped_tool_and_unknown_pack(self, bad_app: Path) -> None:
        result = invoke("validate", str(bad_app), "--packs", "CIS")
        assert result.exit_code == 2
        assert "CIS: must be among AwsSolutions" in result.stderr


@pytest.fixture
def reference_report(validated_example: Callable[..., ValidatedApp]) -> dict[str, Any]:
    """The gate over every stage of the reference app at once."""
    run = validated_example("reference_app")
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
        "secure_queue",
        "secure_state_machine",
        "secure_table",
        "secure_cache",
        "container_service",
        "queue_worker",
        "monitoring",
        "monitored_function",
        "deployment_notifications",
        "deployment_access",
        "org_pipeline",
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


@pytest.mark.parametrize(
    ("stage", "packs"),
    [
        ("dev", ["AwsSolutions", "Serverless"]),
        ("staging", ["AwsSolutions", "Serverless"]),
        ("production", ["AwsSolutions", "Serverless", *REGULATED]),
    ],
)
def test_each_stage_is_held_to_its_packs(
    validated_example: Callable[..., ValidatedApp], stage: str, packs: list[str]
) -> None:
    """Each stack gets its own stage's packs, also when every stage is checked at once."""
    run = validated_example("reference_app")
    declared = json.loads((run.assembly / NAG_SUMMARY_FILE).read_text())
    by_stack = {d["scope"]: d["packs"] for d in declared}
    parts = ("Network", "Notifications", "Data", "Compute", "Monitoring")
    assert {f"Orders-{stage}-{part}": by_stack[f"Orders-{stage}-{part}"] for part in parts} == {
        f"Orders-{stage}-{part}": packs for part in parts
    }
    assert run.report["packs"] == ["AwsSolutions", "Serverless", *REGULATED]


def test_stale_acknowledgements_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    # In-process: one synthesis (the CDK CLI as the gate starts it), the report in two formats.
    monkeypatch.setenv("PATH", cli_env()["PATH"])
    result = _runner.run_validation(_runner.ValidateOptions(app_dir=app, skip=("checkov",)))
    report = json.loads(result.to_json())
    assert result.exit_code == 0, result.to_text()
    assert [(a["rule"], a["where"]) for a in report["stale_acknowledgements"]] == [
        ("AwsSolutions-S1", "Tidy/Topic")
    ]
    assert "Acknowledgements that match no finding (1)" in result.to_text()


COMMANDS = [
    [],
    ["validate"],
    ["cost"],
    ["pre-deploy"],
    ["docs"],
    ["deploy"],
    ["notify"],
    ["stacks"],
    ["stacks", "obsolete"],
    ["find-resource"],
    ["ls"],
    ["synth"],
    ["diff"],
    ["bootstrap"],
    ["pipeline"],
    ["pipeline", "github"],
    ["pipeline", "stacks"],
    ["change-set"],
    ["change-set", "summary"],
    ["change-set", "pending"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "org-cdk")
def test_every_command_has_help(command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage: org-cdk" in result.stdout


def test_the_installed_entry_point_runs() -> None:
    """The process boundary: the console script of the environment, its exit statuses."""
    assert org_cdk("--help").returncode == 0
    unknown = org_cdk("validate", "--packs", "CIS", ".")
    assert unknown.returncode == 2
    assert "CIS: must be among" in unknown.stderr
    assert org_cdk("--version").stdout.startswith("org-cdk, version ")


def test_missing_checkov_is_a_clear_error(
    bad_app: Path, tmp_path: Path, replayed_synth: None
) -> None:
    path = ":".join(p for p in cli_env()["PATH"].split(":") if ".tools" not in p)
    result = invoke(
        "validate",
        str(bad_app),
        "--skip",
        "cfn-guard",
        "--skip",
        "cfn-lint",
        "--output",
        str(tmp_path / "cdk.out"),
        "--quiet",
        ORG_CDK_CHECKOV="",
        PATH=path,
    )
    assert result.exit_code == 3
    assert "checkov is not installed" in result.stdout


def test_cost_report_per_stage(validated_example: Callable[..., ValidatedApp]) -> None:
    """`org-cdk cost --assembly` on the gate's assembly, two of its stages (no synthesis)."""
    assembly = str(validated_example("reference_app").assembly)
    result = invoke(
        "cost",
        "--assembly",
        assembly,
        "--stage",
        "dev",
        "--stage",
        "production",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    stages = report["stages"]
    assert 10 < stages["dev"] < 100
    assert stages["production"] > 3 * stages["dev"]
    assert report["recorded"] == "2026-11-25"
    assert report["complete"] is True, report["not_priced"]
    assert set(stages) == {"dev", "production"}, "--stage selects among the assembly's stages"
    text = invoke("cost", "--assembly", assembly, "--stage", "dev").stdout
    assert "Not priced (billed by usage):" in text
    assert "AWS::Lambda::Function" in text
    assert "production" not in text.split("Not priced")[0], "--stage dev selects dev only"


def test_cost_synthesizes_each_stage_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validated_example: Callable[..., ValidatedApp]
) -> None:
    """Without --assembly, one `cdk synth -c stage=S` per --stage, each assembly priced (the
    synthesis replaced by a copy of the gate's assembly, which has every stage)."""
    asked: list[str | None] = []

    def replay(options: _runner.ValidateOptions, *, audit: bool) -> Any:
        asked.append(options.stage)
        assert audit is False
        source = validated_example("reference_app").assembly
        shutil.rmtree(options.assembly_dir, ignore_errors=True)
        shutil.copytree(source, options.assembly_dir)
        return subprocess.CompletedProcess(["cdk"], 0, "", "")

    monkeypatch.setattr(gate, "synth", replay)  # the name `org-cdk cost` calls
    app = str(ROOT / "examples" / "reference_app")
    out = str(tmp_path / "cost")
    result = invoke(
        "cost", app, "--stage", "dev", "--stage", "staging", "--format", "json", "--output", out
    )
    assert result.exit_code == 0, result.output
    assert asked == ["dev", "staging"]
    assert set(json.loads(result.stdout)["stages"]) >= {"dev", "staging"}


def test_cost_names_a_failed_synthesis_and_a_bad_assembly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        gate,
        "synth",
        lambda options, audit: subprocess.CompletedProcess(["cdk"], 1, "", "boom: no app"),
    )
    failed = invoke("cost", str(tmp_path), "--stage", "qa")
    assert failed.exit_code == 1
    assert "cdk synth failed for stage qa" in failed.stderr
    assert "boom: no app" in failed.stderr
    not_an_assembly = invoke("cost", "--assembly", str(tmp_path))
    assert not_an_assembly.exit_code == 2
    assert "not a cloud assembly (no manifest.json)" in not_an_assembly.stderr


@pytest.fixture
def gate_fails(monkeypatch: pytest.MonkeyPatch) -> list[_runner.ValidateOptions]:
    """The gate replaced by one that finds a blocking error: the pre-deploy tests are about the
    order of the steps, not the checkers (the bad app's tests cover those)."""
    asked: list[_runner.ValidateOptions] = []

    def run(options: _runner.ValidateOptions, progress: Any = None) -> Report:
        asked.append(options)
        report = Report(app=str(options.app_dir), stage=options.stage)
        report.findings.append(
            Finding("cdk-nag", "AwsSolutions-S10", "error", "Careless", "Careless/Public", "bad")
        )
        return report

    from org_constructs.tooling import gate as validate

    monkeypatch.setattr(validate, "run_validation", run)
    return asked


def test_pre_deploy_stops_at_the_failing_gate(
    tmp_path: Path, gate_fails: list[_runner.ValidateOptions]
) -> None:
    app = tmp_path / "app"
    (app / "tests").mkdir(parents=True)
    (app / "tests" / "test_app.py").write_text("def test_app_exists():\n    assert True\n")
    result = invoke("pre-deploy", str(app), "--stage", "dev")
    assert result.exit_code == 1
    assert "pre-deploy: tests" in result.stderr
    assert "pre-deploy: synth and validate stage dev" in result.stderr
    assert "pre-deploy: cdk diff" not in result.stderr
    assert "FAILED" in result.stdout
    assert [(o.app_dir, o.stage) for o in gate_fails] == [(app, "dev")]


def test_pre_deploy_runs_tests_first(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "tests").mkdir(parents=True)
    (app / "tests" / "test_fails.py").write_text("def test_fails():\n    assert False\n")
    (app / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} app.py"}))
    result = invoke("pre-deploy", str(app), "--stage", "dev", "--no-diff")
    assert result.exit_code == 1
    assert "tests failed (pytest exit 1); not deploying" in result.stderr
    assert "synth and validate" not in result.stderr
