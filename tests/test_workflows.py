"""The GitHub Actions workflows: actionlint-clean, and shaped as the release process needs."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from org_constructs.tooling.cli import cli
from tests.support import ROOT, actionlint, cli_env

WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return loaded


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
    # YAML reads the key `on` as True. A push to main, not a tag: the release commit is the
    # release, and the workflow makes the tag.
    assert release[True] == {"push": {"branches": ["main"]}}
    jobs = release["jobs"]
    assert list(jobs) == ["detect", "tag", "build", "publish", "github-release"]
    assert jobs["tag"]["needs"] == "detect"
    assert jobs["tag"]["if"] == "needs.detect.outputs.version != ''"
    assert jobs["tag"]["permissions"] == {"contents": "write"}
    assert jobs["build"]["needs"] == ["detect", "tag"]
    publish = jobs["publish"]
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    assert any("pypa/gh-action-pypi-publish" in s.get("uses", "") for s in publish["steps"])
    assert "--verify-tag" in str(jobs["github-release"]["steps"])
    text = (WORKFLOWS / "release.yml").read_text()
    assert "secrets." not in text, "no stored token: PyPI trusts the workflow over OIDC"
    assert "twine check --strict" in text
    assert "release-notes.md" in text


def release_step(job: str, name_starts: str) -> str:
    steps = workflow("release.yml")["jobs"][job]["steps"]
    script: str = next(s for s in steps if s.get("name", "").startswith(name_starts))["run"]
    return script


def git_repo(folder: Path, version: str, baseline: str, subject: str) -> None:
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "org-constructs"\nversion = "{version}"\n'
    )
    (folder / "release-baseline.json").write_text(f'{{"version": "{baseline}", "commit": "abc"}}')
    (folder / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [Unreleased]\n\n## [0.4.0] - 2026-12-02\n\n### Added\n\n- New.\n\n"
        "## [0.3.0] - 2026-12-01\n\n- Old.\n"
    )
    for command in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", subject],
    ):
        subprocess.run(["git", *command], cwd=folder, check=True, capture_output=True)


def run_bash(script: str, folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=folder,
        env={**cli_env(), **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("version", "baseline", "subject", "expected"),
    [
        ("0.4.0", "0.4.0", "chore(release): 0.4.0", (0, "version=0.4.0")),
        ("0.4.0", "0.4.0", "feat: something", (0, "")),
        ("0.4.0", "0.4.0", "chore(release): 0.4.0 and more", (0, "")),
        ("0.3.0", "0.4.0", "chore(release): 0.4.0", (1, "")),
        ("0.4.0", "0.3.0", "chore(release): 0.4.0", (1, "")),
    ],
    ids=["release", "other commit", "other subject", "pyproject differs", "baseline differs"],
)
def test_only_a_release_commit_of_its_own_version_releases(
    tmp_path: Path, version: str, baseline: str, subject: str, expected: tuple[int, str]
) -> None:
    repo = tmp_path / "repo"
    git_repo(repo, version, baseline, subject)
    output = tmp_path / "output"
    output.write_text("")
    result = run_bash(release_step("detect", "The version"), repo, GITHUB_OUTPUT=str(output))
    assert (result.returncode, output.read_text().strip()) == expected, result.stdout


def test_the_release_notes_are_the_versions_changelog_section(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git_repo(repo, "0.4.0", "0.4.0", "chore(release): 0.4.0")
    result = run_bash(release_step("tag", "Changelog section"), repo, VERSION="0.4.0")
    assert result.returncode == 0, result.stderr
    assert (repo / "release-notes.md").read_text() == "\n### Added\n\n- New.\n\n"
    missing = run_bash(release_step("tag", "Changelog section"), repo, VERSION="0.9.0")
    assert missing.returncode != 0


def test_the_tag_step_tags_once_and_refuses_a_tag_elsewhere(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo = tmp_path / "repo"
    git_repo(repo, "0.4.0", "0.4.0", "chore(release): 0.4.0")
    subprocess.run(["git", "remote", "add", "origin", str(remote)], cwd=repo, check=True)
    (repo / "release-notes.md").write_text("notes\n")
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    script = release_step("tag", "Tag")
    first = run_bash(script, repo, VERSION="0.4.0", GITHUB_SHA=sha)
    assert first.returncode == 0, first.stderr
    tags = subprocess.run(
        ["git", "tag", "-l", "--format=%(refname:short) %(contents)"],
        cwd=remote, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert tags.strip() == "v0.4.0 notes"
    again = run_bash(script, repo, VERSION="0.4.0", GITHUB_SHA=sha)
    assert (again.returncode, "already tags this commit" in again.stdout) == (0, True)
    elsewhere = run_bash(script, repo, VERSION="0.4.0", GITHUB_SHA="0" * 40)
    assert elsewhere.returncode == 1
    assert "already tags" in elsewhere.stdout


def test_the_deploy_workflow_is_the_generated_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository delivers the reference app with the workflow `org-cdk pipeline github`
    writes, from the library's own source: `--check` fails when the two part."""
    header = (WORKFLOWS / "deploy.yml").read_text().splitlines()[1]
    command = header.split("`")[1]
    assert command.startswith("org-cdk pipeline github examples/reference_app --output ")
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, [*shlex.split(command)[1:], "--check"])
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.output
    deploy = workflow("deploy.yml")
    assert list(deploy["jobs"]) == [
        "build",
        "prepare-1",
        "deploy-1",
        "prepare-2",
        "deploy-2",
        "prepare-3",
        "deploy-3",
    ]
    assert deploy["permissions"] == {"contents": "read", "id-token": "write"}
    install = next(s for s in deploy["jobs"]["build"]["steps"] if s.get("name") == "Install")
    assert '".[validate,ops]"' in install["run"], "the repository deploys its own source"


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
