"""The generated workflow's scripts, run by bash with `org-cdk` and `cdk` replaced by fakes that
record their arguments: what each step runs, in which order, and that a failure stops it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from org_constructs.tooling.pipeline import github_workflow
from tests.tooling.pipeline.test_workflow import reference

FAKE = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$CALLS"
case "$1 $2" in
  "pipeline stacks") [ -n "${FAIL_STACKS:-}" ] && exit 3
    printf 'Orders-dev-Network\\nOrders-dev-Data\\nOrders-dev-Compute\\n' ;;
  "change-set pending") [ -n "${FAIL_PENDING:-}" ] && exit 1; printf '%s' "${PENDING:-}" ;;
esac
exit 0
"""

BOOTSTRAP_ROLE = "arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-us-east-1"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(
        github_workflow(reference(), app_dir="examples/reference_app")
    )
    return loaded


def step(workflow: dict[Any, Any], job: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in workflow["jobs"][job]["steps"] if s.get("name") == name)
    return found


def run(
    tmp_path: Path, script: str, **env: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in ("cdk", "org-cdk"):
        (bin_dir / name).write_text(FAKE)
        (bin_dir / name).chmod(0o755)
    calls = tmp_path / "calls.txt"
    calls.write_text("")
    environment = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "GITHUB_SHA": "0123abc",
        "CALLS": str(calls),
        "STAGE": "dev",
        "CHANGE_SET": "org-cdk-0123abc",
        "BOOTSTRAP_ROLE": BOOTSTRAP_ROLE,
        **env,
    }
    # GitHub runs a `run` script with `bash -e`: the same here.
    result = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return result, calls.read_text().splitlines()


def test_the_deploy_job_reads_and_notifies_as_the_bootstrap_deploy_role(
    workflow: dict[Any, Any],
) -> None:
    assert "BOOTSTRAP_ROLE" not in workflow["jobs"]["prepare-1"]["env"]
    for job in ("deploy-1", "deploy-3"):
        env = workflow["jobs"][job]["env"]
        assert env["BOOTSTRAP_ROLE"] == (
            "arn:aws:iam::${{ matrix.account }}:role/"
            "cdk-hnb659fds-deploy-role-${{ matrix.account }}-${{ matrix.region }}"
        )
    other = yaml.safe_load(
        github_workflow(reference(), app_dir="examples/reference_app", qualifier="orgq1")
    )
    assert "cdk-orgq1-deploy-role-" in other["jobs"]["deploy-2"]["env"]["BOOTSTRAP_ROLE"]


def test_prepare_makes_a_change_set_for_every_stack_of_the_stage(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    result, calls = run(tmp_path, step(workflow, "prepare-1", "Prepare the change sets")["run"])
    assert result.returncode == 0, result.stderr
    assert calls == [
        # The copy the review role prepares from names no role to assume: it uses its own.
        "org-cdk pipeline review-assembly cdk.out",
        "org-cdk pipeline stacks . --stage dev --assembly cdk.out",
        "cdk deploy --app cdk.out --method=prepare-change-set --change-set-name org-cdk-0123abc "
        "--require-approval never Orders-dev-Network Orders-dev-Data Orders-dev-Compute",
    ]


def test_the_summary_reads_the_change_sets_as_the_review_role(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    script = step(workflow, "prepare-1", "Summarize the change sets")["run"]
    result, calls = run(tmp_path, script, ALLOW_STATEFUL="false")
    assert result.returncode == 0, result.stderr
    assert calls[-1] == (
        "org-cdk change-set summary --change-set org-cdk-0123abc "
        "--stack Orders-dev-Network --stack Orders-dev-Data --stack Orders-dev-Compute"
    )
    _, allowed = run(tmp_path, script, ALLOW_STATEFUL="true")
    assert allowed[-1].endswith("--stack Orders-dev-Compute --allow-stateful")


def test_execute_runs_each_pending_change_set_alone_in_stack_order(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    script = step(workflow, "deploy-1", "Execute the change sets")["run"]
    result, calls = run(tmp_path, script, PENDING="Orders-dev-Network\nOrders-dev-Compute\n")
    assert result.returncode == 0, result.stderr
    deploys = [c for c in calls if c.startswith("cdk ")]
    # `cdk deploy --method=execute-change-set` takes one stack a call; Data has no changes.
    assert deploys == [
        "cdk deploy --app cdk.out --method=execute-change-set --change-set-name org-cdk-0123abc "
        f"--require-approval never {stack}"
        for stack in ("Orders-dev-Network", "Orders-dev-Compute")
    ]
    assert calls[1] == (
        f"org-cdk change-set pending --change-set org-cdk-0123abc --role-arn {BOOTSTRAP_ROLE} "
        "--stack Orders-dev-Network --stack Orders-dev-Data --stack Orders-dev-Compute"
    )
    assert (tmp_path / "output.txt").read_text().startswith("started=")


def test_execute_with_nothing_pending_deploys_nothing(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    script = step(workflow, "deploy-1", "Execute the change sets")["run"]
    result, calls = run(tmp_path, script, PENDING="")
    assert result.returncode == 0, result.stderr
    assert not [c for c in calls if c.startswith("cdk ")]


@pytest.mark.parametrize("failing", ["FAIL_STACKS", "FAIL_PENDING"])
def test_a_failing_lookup_stops_the_step_before_any_deploy(
    workflow: dict[Any, Any], tmp_path: Path, failing: str
) -> None:
    for job, name in (
        ("deploy-1", "Execute the change sets"),
        ("prepare-1", "Prepare the change sets"),
    ):
        if job == "prepare-1" and failing == "FAIL_PENDING":
            continue
        result, calls = run(tmp_path, step(workflow, job, name)["run"], **{failing: "1"})
        assert result.returncode != 0
        assert not [c for c in calls if c.startswith("cdk ")], calls


def test_notify_publishes_as_the_bootstrap_deploy_role(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    script = step(workflow, "deploy-1", "Notify")["run"]
    result, calls = run(tmp_path, script, STATUS="succeeded", STARTED="")
    assert result.returncode == 0, result.stderr
    assert calls[-1] == (
        "org-cdk notify . --stage dev --status succeeded --version-label 0123abc --seconds 0 "
        f"--environment-credentials --role-arn {BOOTSTRAP_ROLE} --stack Orders-dev-Network "
        "--stack Orders-dev-Data --stack Orders-dev-Compute"
    )
