"""Helpers shared by the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from org_constructs.testing import TemplateLike, template_json
from org_constructs.validate._tools import CHECKOV_ENV, CHECKOV_OPTIONS

ROOT = Path(__file__).resolve().parent.parent


@cache
def recommended_context() -> dict[str, Any]:
    """The feature flags a new CDK app gets (``cdk init``), as the examples' cdk.json has them."""
    cdk_json = json.loads((ROOT / "examples" / "minimal_app" / "cdk.json").read_text())
    context: dict[str, Any] = cdk_json["context"]
    return context


TEST_ACCOUNTS = ("111111111111", "222222222222", "333333333333")
US_EAST_1_AZS = [f"us-east-1{letter}" for letter in "abcdef"]


def availability_zone_context() -> dict[str, Any]:
    """What ``cdk.context.json`` records for the test accounts, so no lookup is needed."""
    return {
        f"availability-zones:account={account}:region=us-east-1": US_EAST_1_AZS
        for account in TEST_ACCOUNTS
    }


def make_app(**context: Any) -> cdk.App:
    """An ``App`` with the recommended feature flags and the test accounts' AZs."""
    return cdk.App(context={**recommended_context(), **availability_zone_context(), **context})


CDK = ROOT / "node_modules" / ".bin" / "cdk"
"""The project's CDK CLI (installed by scripts/setup.sh with Node.js 22 beside it)."""


def cli_env(python_bin: Path | None = None, **extra: str) -> dict[str, str]:
    """Environment for running the CDK CLI as a user does.

    The project's Node.js first on PATH, then ``python_bin`` (the folder whose ``python`` runs
    the app; default: this interpreter's), aws-cdk-lib's built-in validation on (unit tests turn
    it off), no telemetry, and ``extra`` on top.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("CDK_VALIDATION", "PYTHONPATH")}
    tools = [str(CDK.parent), str(python_bin or Path(sys.executable).parent)]
    env["PATH"] = os.pathsep.join([*tools, env["PATH"]])
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    env.update(extra)
    return env


CHECKOV = ROOT / ".tools" / "bin" / "checkov"


@dataclass(frozen=True)
class CheckovReport:
    passed: int
    failed: list[tuple[str, str, str]]
    """(template, check id, resource) of each failed check."""
    skipped: list[tuple[str, str, str]]
    """(template, check id, comment) of each skipped check."""


def run_checkov(templates: Mapping[str, TemplateLike], workdir: Path) -> CheckovReport:
    """Run checkov (CloudFormation framework, no downloads) once over several templates."""
    assert CHECKOV.exists(), "checkov is installed into .tools by scripts/setup.sh"
    for name, template in templates.items():
        (workdir / f"{name}.json").write_text(json.dumps(template_json(template), indent=1))
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(workdir),
            *CHECKOV_OPTIONS,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, **CHECKOV_ENV},
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    if isinstance(report, list):
        (report,) = [r for r in report if r.get("check_type") == "cloudformation"]
    results = report.get("results", {})
    summary = report.get("summary", {})

    def name_of(check: Mapping[str, Any]) -> str:
        return Path(check["file_path"]).stem

    return CheckovReport(
        passed=summary.get("passed", 0),
        failed=[
            (name_of(c), c["check_id"], c["resource"]) for c in results.get("failed_checks", [])
        ],
        skipped=[
            (name_of(c), c["check_id"], c.get("check_result", {}).get("suppress_comment", ""))
            for c in results.get("skipped_checks", [])
        ],
    )


def only(folder: Path, pattern: str) -> Path:
    """The one file in ``folder`` that matches ``pattern`` (fails on none or several)."""
    (path,) = folder.glob(pattern)
    return path


ORG_CDK = Path(sys.executable).parent / "org-cdk"
"""The ``org-cdk`` command of the project's environment."""


def org_cdk(
    *arguments: str, cwd: Path = ROOT, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``org-cdk`` as a user does (the project's Node.js first on PATH, checkov found)."""
    return subprocess.run(
        [str(ORG_CDK), *arguments],
        cwd=cwd,
        env=cli_env(None, ORG_CDK_CHECKOV=str(CHECKOV), **extra_env),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@dataclass(frozen=True)
class ValidatedApp:
    """One ``org-cdk validate --format json`` run of an example and the assembly it made."""

    report: dict[str, Any]
    returncode: int
    assembly: Path
