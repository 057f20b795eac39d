"""The consuming repo of the docs (examples/consumer_repo), as a service team follows them.

The docs include its files (docs/consuming-repo.md, the README); these tests run them: the
team's own tests in this environment, then the whole path from the built wheel in a fresh
virtual environment: the team's tests, `cdk synth` without AWS credentials, and the gate.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    CDK,
    CHECKOV,
    CURRENT_PYTHON,
    DIST,
    ROOT,
    cli_env,
    run,
    stack_templates,
    tail,
    uv_install,
    wheel_venv_work,
    without_aws_credentials,
)

REPO = ROOT / "examples" / "consumer_repo"
BACKGROUND = [DIST, wheel_venv_work(CURRENT_PYTHON)]
COPY_IGNORE = shutil.ignore_patterns("cdk.out", "__pycache__", ".pytest_cache")
FILES = (
    "app.py",
    "stacks/__init__.py",
    "stacks/service.py",
    "handler/index.py",
    "environments.json",
    "cdk.json",
    "pytest.ini",
    "requirements.txt",
    "tests/conftest.py",
    "tests/test_service.py",
)
"""Every file of the consuming repo, as its team writes it (snapshots are recorded)."""
LIBRARY_CONSTRUCTS = (
    "StandardVpc",
    "SecureBucket",
    "SecureDatabase",
    "SecureApi",
    "SecureQueue",
    "SecureStateMachine",
    "AlarmTopic",
    "ServiceMonitoring",
    "MonitoredFunction",
    "DeploymentNotifications",
)


def copy_of_the_repo(tmp_path: Path) -> Path:
    """The consuming repo in a folder of its own, outside this project."""
    repo = tmp_path / "billing-service"
    shutil.copytree(REPO, repo, ignore=COPY_IGNORE)
    return repo


class TestTheFiles:
    def test_the_repo_has_every_file_the_docs_show(self) -> None:
        assert [name for name in FILES if not (REPO / name).is_file()] == []
        snapshots = sorted(p.name for p in (REPO / "tests" / "__snapshots__").rglob("*.json"))
        assert snapshots == ["test_snapshot[dev].json", "test_snapshot[production].json"]

    def test_the_service_uses_the_library_with_no_acknowledgement(self) -> None:
        code = "\n".join((REPO / name).read_text() for name in FILES if name.endswith(".py"))
        for construct in LIBRARY_CONSTRUCTS:
            assert f"{construct}(" in code or f"{construct}.from_config(" in code, construct
        assert "self.data.grant_read(self.function)" in code
        # What the library creates, the library acknowledges: the team never has to.
        assert "acknowledge" not in code

    def test_every_environment_synthesizes_without_credentials(self) -> None:
        environments = json.loads((REPO / "environments.json").read_text())
        assert all("availability_zones" in settings for settings in environments.values())
        assert not (REPO / "cdk.context.json").exists(), "nothing to look up"

    def test_the_consuming_repo_page_includes_them(self) -> None:
        page = (ROOT / "docs" / "consuming-repo.md").read_text()
        included = set(re.findall(r'^--8<-- "examples/consumer_repo/([^"]+)"', page, re.M))
        assert included == set(FILES) - {"cdk.json"}

    @pytest.mark.parametrize(
        ("heading", "files"),
        [
            ("## A first stack", ["stacks/service.py", "app.py"]),
            ("## Test your stacks", ["tests/conftest.py", "tests/test_service.py"]),
        ],
    )
    def test_the_readme_shows_them_as_they_are(self, heading: str, files: list[str]) -> None:
        """GitHub does not include files: the README's blocks must equal them, line by line."""
        readme = (ROOT / "README.md").read_text()
        section = readme.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
        blocks = re.findall(r"^```python\n(.*?)^```$", section, re.M | re.S)
        assert blocks == [(REPO / name).read_text() for name in files]
        for name in files:
            assert f"(examples/consumer_repo/{name})" in section, f"link to {name}"


@pytest.mark.e2e
def test_the_teams_tests_pass(tmp_path: Path) -> None:
    """`pytest` in the repo, with this environment's org-constructs (the plugin loaded by its
    entry point): green, each stack synthesized once, the context of cdk.json."""
    repo = copy_of_the_repo(tmp_path)
    result = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        repo,
        without_aws_credentials(cli_env(), tmp_path),
    )
    assert result.returncode == 0, (
        f"{tail(result)}\n\nA changed template changes the snapshots: review the change, then "
        "record them with `pytest --snapshot-update` in examples/consumer_repo"
    )
    assert "8 passed" in result.stdout


def zones_of(template: dict[str, Any]) -> set[str]:
    return {
        resource["Properties"]["AvailabilityZone"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::EC2::Subnet"
    }


@pytest.mark.e2e
def test_a_consuming_repo_from_the_wheel(wheel_venv: Callable[[str], Path], tmp_path: Path) -> None:
    """The issue's "done when": the wheel with `[testing,validate]` in a fresh virtual
    environment, the repo copied out of this project, then as its team runs them: `pytest`,
    `cdk synth -c stage=dev` with no AWS credentials, `org-cdk validate . --stage production`.
    """
    venv = wheel_venv(CURRENT_PYTHON)  # org-constructs[testing,validate] from the wheel
    python = venv / "bin" / "python"
    repo = copy_of_the_repo(tmp_path)
    uv_install(venv, "-r", str(repo / "requirements.txt"))
    env = without_aws_credentials(cli_env(venv / "bin"), tmp_path)
    env.pop("CDK_VALIDATION", None)  # as in the team's shell: the plugin turns it off in tests
    located = run(
        [str(python), "-c", "import org_constructs; print(org_constructs.__file__)"], repo, env
    )
    assert str(venv) in located.stdout, "imported from the installed wheel, not the source tree"

    tests = run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], repo, env)
    assert tests.returncode == 0, f"the team's tests:\n{tail(tests)}"
    assert "8 passed" in tests.stdout

    synth = run([str(CDK), "synth", "--no-notices", "--quiet", "-c", "stage=dev"], repo, env)
    assert synth.returncode == 0, f"cdk synth without credentials:\n{tail(synth)}"
    templates = stack_templates(repo / "cdk.out")
    assert list(templates) == ["Billing-dev"]
    environments = json.loads((repo / "environments.json").read_text())
    # What the unit tests saw (tests/test_service.py): the first max_azs (2 in dev) zones.
    assert zones_of(templates["Billing-dev"]) == set(environments["dev"]["availability_zones"][:2])

    gate = run(
        [
            str(venv / "bin" / "org-cdk"),
            "validate",
            ".",
            "--stage",
            "production",
            "--format",
            "json",
            "--output",
            str(tmp_path / "validate.out"),
        ],
        repo,
        {**env, "ORG_CDK_CHECKOV": os.environ.get("ORG_CDK_CHECKOV", str(CHECKOV))},
    )
    assert gate.stdout, gate.stderr[-3000:]
    report = json.loads(gate.stdout)
    blocking = [
        f"{f['tool']} {f['rule']} {f['resource']}: {f['message']}"
        for f in report["findings"]
        if f["severity"] == "error" and f["acknowledged"] is None
    ]
    not_run = [f"{t['tool']}: {t['detail']}" for t in report["tools"] if t["status"] == "error"]
    stale = [f"{a['tool']} {a['rule']} {a['where']}" for a in report["stale_acknowledgements"]]
    problems = [
        *(f"blocks: {finding}" for finding in blocking),
        *(f"did not run: {tool}" for tool in not_run),
        *(f"stale acknowledgement: {ack}" for ack in stale),
    ]
    assert problems == [], "org-cdk validate . --stage production:\n" + "\n".join(problems)
    assert (gate.returncode, report["passed"]) == (0, True), gate.stderr[-2000:]
