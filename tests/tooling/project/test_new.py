"""``org-cdk new``: bad input refused with nothing written, nothing half-written on a failure,
and (end to end) the new repo from the wheel, as its team runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from org_constructs.tooling.project import DEFAULT_STAGES
from tests.support import (
    CHECKOV,
    DIST,
    UV,
    Background,
    actionlint,
    cli_env,
    only,
    org_cdk_in_process,
    run,
    stack_templates,
    tail,
    uv_install,
    without_aws_credentials,
)


def make_project_venv(background: Background) -> Path:
    """A fresh virtual environment with ``org-constructs[project]`` from the session's wheel:
    what a developer installs to run ``org-cdk new`` (no testing or validate extras)."""
    wheel = only(background.result(*DIST), "*.whl")
    venv: Path = background.tmp.mktemp("venv-project") / "venv"
    subprocess.run(
        [str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)],
        check=True,
        capture_output=True,
    )
    uv_install(venv, f"org-constructs[project] @ {wheel.as_uri()}")
    return venv


PROJECT_VENV = (("venv", "project"), make_project_venv)
BACKGROUND = [DIST, PROJECT_VENV]


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".org-cdk-new-" in p.name)


INVALID: dict[str, tuple[list[str], str]] = {
    "uppercase service": (["--service", "Billing"], r"--service: 'Billing': must be lowercase"),
    "service from a digit": (["--service", "9lives"], "starting with a letter"),
    "long service": (["--service", "s" * 41], "at most 40 characters"),
    "unknown stage": (["--stage", "dev,qa"], r"--stage: 'qa': is not a stage: choose among"),
    "stage twice": (["--stage", "dev", "--stage", "dev"], r"'dev': is given twice"),
    "stage twice in a list": (["--stage", "dev,staging,dev"], r"'dev': is given twice"),
    "empty stage": (["--stage", "dev,"], "a stage name is empty"),
    "region shape": (["--region", "us_east_1"], r"--region: 'us_east_1': must be an AWS region"),
    "unknown region": (["--region", "xx-east-9"], "is not a region that aws-cdk-lib knows"),
}


@pytest.mark.parametrize("case", INVALID)
def test_bad_input_is_refused_and_nothing_is_written(case: str, tmp_path: Path) -> None:
    arguments, message = INVALID[case]
    target = tmp_path / "parent" / "repo"
    base = ["--service", "billing"] if "--service" not in arguments else []
    result = org_cdk_in_process("new", str(target), *base, *arguments)
    assert result.exit_code == 2, result.output
    assert re.search(message, " ".join(result.output.split())), result.output
    assert list(tmp_path.iterdir()) == [], "not even the parent"


@pytest.mark.parametrize("occupied", ["a file in it", "a file"])
def test_a_folder_that_is_not_empty_is_refused_as_it_is(occupied: str, tmp_path: Path) -> None:
    target = tmp_path / "repo"
    if occupied == "a file":
        target.write_text("mine")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = org_cdk_in_process("new", str(target), "--service", "billing")
    assert result.exit_code == 2, result.output
    assert "exists and is not an empty folder" in result.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_an_empty_folder_is_used(tmp_path: Path) -> None:
    target = tmp_path / "repo"
    target.mkdir()
    options = ["--service", "order-api", "--stage", "dev,production", "--region", "eu-west-1"]
    result = org_cdk_in_process("new", str(target), *options)
    assert result.exit_code == 0, result.output
    environments = json.loads((target / "environments.json").read_text())
    assert list(environments) == ["dev", "production"]
    assert {settings["region"] for settings in environments.values()} == {"eu-west-1"}
    assert 'service="order-api"' in (target / ".projenrc.py").read_text()
    assert leftovers(tmp_path) == []


def test_it_prints_the_next_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = org_cdk_in_process("new", "billing-service", "--service", "billing")
    assert result.exit_code == 0, result.output
    lines = [line.split("#")[0].strip() for line in result.stdout.splitlines()]
    assert lines[2:5] == ["cd billing-service", "bash scripts/main.sh", "bash scripts/test.sh"]


def test_without_projen_it_names_the_extra_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "projen", None)  # import projen raises ImportError
    monkeypatch.delitem(sys.modules, "org_constructs.tooling.project._app", raising=False)
    result = org_cdk_in_process("new", str(tmp_path / "repo"), "--service", "billing")
    assert result.exit_code == 1, result.output
    assert "pip install 'org-constructs[project]'" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """projen fails half way (here: after writing a file): the staging folder and the
    parents made for it are removed, the folder never appears."""
    from org_constructs.tooling.project import OrgCdkPythonApp

    def half_written(project: Any) -> None:
        Path(project.outdir, "cdk.json").write_text("{}")
        raise RuntimeError("disk full")

    monkeypatch.setattr(OrgCdkPythonApp, "synth", half_written)
    result = org_cdk_in_process("new", str(tmp_path / "a" / "b" / "repo"), "--service", "billing")
    assert isinstance(result.exception, RuntimeError), result.output
    assert list(tmp_path.iterdir()) == []


def test_help_names_every_option() -> None:
    result = org_cdk_in_process("new", "--help")
    assert result.exit_code == 0
    for option in ("--service", "--stage", "--region", "DIRECTORY"):
        assert option in result.output


@pytest.mark.e2e
def test_a_new_repo_from_the_wheel(background: Background, tmp_path: Path) -> None:
    """From the wheel with the ``project`` extra in a fresh virtual environment: ``org-cdk
    new``, then as the team runs it: the README's test command (org-constructs installed from
    the package index: the session's wheel found through find-links), its main job (``cdk
    synth`` of every stage, no AWS credentials), actionlint on the workflows, and projen once
    more on the committed repo, which changes nothing."""
    venv: Path = background.result(*PROJECT_VENV)
    dist: Path = background.result(*DIST)
    tools = tmp_path / "bin"  # uv on PATH, and nothing else of this project's environment
    tools.mkdir()
    (tools / "uv").symlink_to(UV)
    env = without_aws_credentials(cli_env(venv / "bin"), tmp_path)
    for variable in ("CI", "JSII_NODE", "VIRTUAL_ENV", "ORG_CDK_CHECKOV"):
        env.pop(variable, None)  # as on a developer's machine; the repo's scripts set JSII_NODE
    env["PATH"] = os.pathsep.join([str(tools), env["PATH"]])
    env["PYTHON"] = sys.executable
    env["UV_FIND_LINKS"] = str(dist)
    env["PIP_FIND_LINKS"] = " ".join(filter(None, [str(dist), env.get("PIP_FIND_LINKS")]))

    repo = tmp_path / "billing-service"
    created = run(
        [str(venv / "bin" / "org-cdk"), "new", repo.name, "--service", "billing"], tmp_path, env
    )
    assert created.returncode == 0, tail(created)

    readme = (repo / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block is not None
    main_job, test_command = (
        line.split("#")[0].strip() for line in block.group(1).splitlines()[:2]
    )
    assert (main_job, test_command) == ("bash scripts/main.sh", "bash scripts/test.sh")

    # checkov has an environment of its own: this project's (the repo's setup would install one).
    team = {**env, "ORG_CDK_CHECKOV": os.environ.get("ORG_CDK_CHECKOV", str(CHECKOV))}
    tests = run(test_command.split(), repo, team, timeout=1200)
    assert tests.returncode == 0, f"{test_command}:\n{tail(tests, 8000)}"
    assert f"{len(DEFAULT_STAGES)} snapshots generated" in tests.stdout
    assert f"{3 * len(DEFAULT_STAGES)} passed" in tests.stdout
    gate = tests.stdout.split("==> org-cdk validate", 1)[1]
    assert "PASSED" in gate
    assert "stale" not in gate.lower()
    where = "import org_constructs; print(org_constructs.__file__)"
    installed = run([str(repo / ".venv" / "bin" / "python"), "-c", where], repo, team)
    assert str(repo / ".venv") in installed.stdout, "the repo's own environment, from the index"

    synth = run(main_job.split(), repo, team, timeout=1200)
    assert synth.returncode == 0, f"{main_job}:\n{tail(synth)}"
    templates = stack_templates(repo / "cdk.out")  # fails on any context lookup
    assert sorted(templates) == sorted(f"billing-{stage}" for stage in DEFAULT_STAGES)

    lint = actionlint(repo, ".github/workflows/ci.yml", ".github/workflows/deliver.yml", env=team)
    assert lint.returncode == 0, tail(lint)

    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "chore: org-cdk new"]):
        done = run([*git, *command], repo, team)
        assert done.returncode == 0, tail(done)
    again = run(
        ["bash", "-c", "source scripts/_env.sh && PROJEN_DISABLE_POST=1 python .projenrc.py"],
        repo,
        team,
    )
    assert again.returncode == 0, tail(again)
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], repo, team)
    assert status.stdout == "", f"projen changed the committed repo:\n{status.stdout}"
    committed = run(["git", "ls-files"], repo, team).stdout.split()
    assert "package-lock.json" in committed
    assert "tests/__snapshots__/test_service/test_snapshot[production].json" in committed
