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
from email.parser import Parser
from pathlib import Path

import pytest

from tests.support import CDK, cli_env, only

ROOT = Path(__file__).resolve().parent.parent


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
    assert "org_constructs/cost/prices.json" in names
    assert "org-cdk = org_constructs.cli:main" in entry_points
    assert "[pytest11]\norg_constructs = org_constructs.testing.plugin" in entry_points
    assert "Typing :: Typed" in (metadata.get_all("Classifier") or [])


def test_sdist_has_sources_and_license(dist: Path) -> None:
    with tarfile.open(only(dist, "*.tar.gz")) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"src/org_constructs/__init__.py", "LICENSE", "README.md", "pyproject.toml"} <= names


SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
"""The Python versions the package declares (classifiers); each is tested where installed."""


def interpreter(version: str) -> str | None:
    """This Python, or pyenv's newest build of ``version``, or one on PATH."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    pyenv = Path.home() / ".pyenv" / "versions"
    builds = sorted(pyenv.glob(f"{version}.*"), key=lambda p: [int(x) for x in p.name.split(".")])
    if builds and (builds[-1] / "bin" / "python").exists():
        return str(builds[-1] / "bin" / "python")
    return shutil.which(f"python{version}")


@pytest.mark.cli
@pytest.mark.parametrize("version", SUPPORTED)
def test_reference_app_synthesizes_from_the_installed_wheel(
    dist: Path, tmp_path: Path, version: str
) -> None:
    """A consuming repo on each supported Python: a fresh virtual environment, the wheel, the
    app's requirements, then `cdk synth` of the production stage."""
    python_bin = interpreter(version)
    if python_bin is None:
        pytest.skip(f"Python {version} is not installed here (pyenv or PATH)")
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    assert uv
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", python_bin, str(venv)], check=True)
    python = venv / "bin" / "python"
    app = tmp_path / "reference_app"
    shutil.copytree(
        ROOT / "examples" / "reference_app", app, ignore=shutil.ignore_patterns("cdk.out")
    )
    install = [uv, "pip", "install", "--quiet", "--python", str(python)]
    subprocess.run([*install, str(only(dist, "*.whl"))], check=True)
    subprocess.run([*install, "-r", str(app / "requirements.txt")], check=True)
    located = subprocess.run(
        [str(python), "-c", "import org_constructs; print(org_constructs.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert str(venv) in located, "imported from the installed wheel, not the source tree"
    reported = subprocess.run(
        [str(python), "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert reported == version
    result = subprocess.run(
        [
            str(CDK),
            "synth",
            "--no-notices",
            "--quiet",
            "-c",
            "stage=production",
        ],
        cwd=app,
        env=cli_env(venv / "bin"),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((app / "cdk.out" / "manifest.json").read_text())
    stacks = [
        n for n, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"
    ]
    assert stacks == [
        "Orders-production-Network",
        "Orders-production-Data",
        "Orders-production-Compute",
        "Orders-production-Monitoring",
    ]
