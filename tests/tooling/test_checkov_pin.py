"""One checkov release wherever the gate runs: ``org_constructs.contract.CHECKOV_VERSION``.

The places that install checkov for the gate: this repository's ``scripts/setup.sh`` and its
workflows, a service repository's scripts (``OrgCdkPythonApp``, tested in
``tests/tooling/project/test_project.py``), the workflow of ``org-cdk pipeline github`` and
``OrgPipeline``'s synth step (``tests/delivery/test_pipeline.py``).
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

import yaml

from org_constructs import contract
from org_constructs.config import environments_from_mapping
from org_constructs.tooling import project
from org_constructs.tooling.pipeline import github_workflow
from tests.support import ROOT

_INSTALL = re.compile(r"\b(?:pipx|pip|uv tool|uv pip)\s+install\b[^\n]*\bcheckov\b[^\n]*")
"""A command line that installs checkov (``pipx install checkov``, ``uv tool install ...``)."""
_PINNED = re.compile(r"""["']?checkov==([^\s"']+)""")


def checkov_installs(text: str) -> list[str]:
    """The lines of ``text`` that install checkov."""
    return [match.group(0) for match in _INSTALL.finditer(text)]


def pinned_versions(lines: list[str]) -> list[str | None]:
    """The release each line installs, ``None`` where it names none."""
    found = [_PINNED.search(line) for line in lines]
    return [match.group(1) if match else None for match in found]


def test_the_version_is_a_release() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", contract.CHECKOV_VERSION)


def test_setup_sh_pins_the_contract_version() -> None:
    """``scripts/setup.sh`` installs the release the tests run the gate with."""
    text = (ROOT / "scripts" / "setup.sh").read_text()
    (line,) = re.findall(r"^CHECKOV_VERSION=(.+)$", text, re.M)
    assert "src/org_constructs/contract.py" in line, "read from the contract, not written again"
    script = line.replace('"$ROOT/', f'"{ROOT}/').removeprefix("$(").removesuffix(")")
    read = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert read.stdout.strip() == contract.CHECKOV_VERSION
    assert pinned_versions(checkov_installs(text)) == ["$CHECKOV_VERSION"]


def test_the_helpers_find_an_unpinned_install() -> None:
    """The checks below can fail: an unpinned or other release is seen as such."""
    text = "run: |\n  pipx install checkov\n  uv tool install 'checkov==1.0.0'\n  pip install x"
    assert pinned_versions(checkov_installs(text)) == [None, "1.0.0"]


def test_every_workflow_of_the_repository_installs_the_contract_version() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    found = {path.name: pinned_versions(checkov_installs(path.read_text())) for path in workflows}
    installs = [version for versions in found.values() for version in versions]
    assert len(installs) >= 3, found  # ci.yml's compatibility and validate jobs, deploy.yml
    assert set(installs) == {contract.CHECKOV_VERSION}, found


def test_the_generated_github_workflow_installs_the_contract_version() -> None:
    environments = environments_from_mapping(
        {
            "dev": {
                "account": "111111111111",
                "region": "us-east-1",
                "deploy_role_arn": "arn:aws:iam::111111111111:role/org-cdk-deploy",
            }
        },
        source="environments.json",
    )
    text = github_workflow(environments, app_dir="app")
    workflow: dict[Any, Any] = yaml.safe_load(text)
    steps = workflow["jobs"]["build"]["steps"]
    install = next(step for step in steps if step.get("name") == "Install checkov")
    assert install["run"] == f"pipx install checkov=={contract.CHECKOV_VERSION}"
    assert pinned_versions(checkov_installs(text)) == [contract.CHECKOV_VERSION]


def test_a_service_repository_uses_the_contract_version() -> None:
    """Its ``scripts/_env.sh`` and ``setup.sh`` take ``project.CHECKOV_VERSION`` (the files
    themselves: ``test_package_json_pins_node_22_and_the_cdk_cli_of_this_project``)."""
    assert project.CHECKOV_VERSION == contract.CHECKOV_VERSION
