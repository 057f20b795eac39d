"""The distribution: a wheel and sdist that twine accepts, with py.typed and the pytest plugin.

The ``dist`` fixture (tests/conftest.py) builds them once per session.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from email.parser import Parser
from pathlib import Path

import pytest

from tests.support import (
    CDK,
    CURRENT_PYTHON,
    DIST,
    SUPPORTED_PYTHONS,
    cli_env,
    interpreter,
    only,
    uv_install,
    wheel_venv_work,
)

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.e2e


def test_twine_accepts_both(dist: Path) -> None:
    files = [str(only(dist, "*.whl")), str(only(dist, "*.tar.gz"))]
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_wheel_contents_and_metadata(dist: Path) -> None:
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert version is not None
    wheel = only(dist, f"org_constructs-{version.group(1)}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(info).decode())
        entry_points = archive.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert "org_constructs/py.typed" in names
    assert "org_constructs/testing/plugin.py" in names
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    assert metadata["Name"] == "org-constructs"
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["License-Expression"] == "Apache-2.0"
    required = [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert sorted(required) == ["aws-cdk-lib<3,>=2.269", "click<9,>=8.1", "constructs<11,>=10.5"]
    assert "org_constructs/tooling/cost/prices.json" in names
    assert "org-cdk = org_constructs.tooling.cli:main" in entry_points
    assert "[pytest11]\norg_constructs = org_constructs.testing.plugin" in entry_points
    assert "Typing :: Typed" in (metadata.get_all("Classifier") or [])


def test_sdist_has_sources_and_license(dist: Path) -> None:
    with tarfile.open(only(dist, "*.tar.gz")) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"src/org_constructs/__init__.py", "LICENSE", "README.md", "pyproject.toml"} <= names


BACKGROUND = [DIST, *(wheel_venv_work(version) for version in SUPPORTED_PYTHONS)]

CONSUMER_REPO = ROOT / "examples" / "consumer_repo"
"""The smallest example that uses every construct (tests/test_consumer_repo.py checks that)."""


def installed_app(venv: Path, app: Path, tmp_path: Path) -> Path:
    """A copy of ``app`` outside the project, whose ``python`` is the venv's."""
    copy = tmp_path / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("cdk.out", "__pycache__"))
    python = venv / "bin" / "python"
    located = subprocess.run(
        [
            str(python),
            "-c",
            "import org_constructs, sys; print(org_constructs.__file__, "
            "f'{sys.version_info[0]}.{sys.version_info[1]}')",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=copy,
    ).stdout
    assert str(venv) in located, "imported from the installed wheel, not the source tree"
    return copy


def stack_names(assembly: Path) -> list[str]:
    manifest = json.loads((assembly / "manifest.json").read_text())
    return [n for n, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"]


@pytest.mark.parametrize("version", SUPPORTED_PYTHONS)
def test_every_construct_synthesizes_on_each_supported_python(
    wheel_venv: Callable[[str], Path], tmp_path: Path, version: str
) -> None:
    """The wheel installed once per version (``wheel_venv``), then `cdk synth` of the
    consuming repo, which uses every construct. aws-cdk-lib's built-in validation is off here:
    it does not depend on the interpreter, and the full synthesis below runs it."""
    if interpreter(version) is None:
        pytest.skip(f"Python {version} is not installed here (pyenv or PATH)")
    venv = wheel_venv(version)
    reported = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert reported == str(tuple(int(x) for x in version.split(".")))
    app = installed_app(venv, CONSUMER_REPO, tmp_path)
    result = subprocess.run(
        [str(CDK), "synth", "--no-notices", "--quiet", "-c", "stage=dev"],
        cwd=app,
        env=cli_env(venv / "bin", CDK_VALIDATION="false"),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert stack_names(app / "cdk.out") == ["Billing-dev"]


def test_reference_app_synthesizes_from_the_installed_wheel(
    wheel_venv: Callable[[str], Path], tmp_path: Path
) -> None:
    """A consuming repo's full synthesis, once: the reference app with its own requirements,
    the production stage, aws-cdk-lib's validation on, no warning about Node.js or flags."""
    venv = wheel_venv(CURRENT_PYTHON)
    app = installed_app(venv, ROOT / "examples" / "reference_app", tmp_path)
    uv_install(venv, "-r", str(app / "requirements.txt"))
    result = subprocess.run(
        [str(CDK), "synth", "--no-notices", "--quiet", "-c", "stage=production"],
        cwd=app,
        env=cli_env(venv / "bin"),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "end-of-life" not in result.stderr + result.stdout
    assert "feature flags are not configured" not in result.stderr + result.stdout
    assert stack_names(app / "cdk.out") == [
        "Orders-production-Network",
        "Orders-production-Notifications",
        "Orders-production-Data",
        "Orders-production-Compute",
        "Orders-production-Monitoring",
    ]
