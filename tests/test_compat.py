"""Below the supported floor, a clear error instead of a jsii fault."""

from __future__ import annotations

import importlib.metadata
import re

import pytest
import tomllib  # type: ignore[import-not-found, unused-ignore]  # 3.11+

from org_constructs import _compat
from tests.support import ROOT


@pytest.fixture(autouse=True)
def fresh() -> None:
    _compat.require.cache_clear()


def test_an_old_aws_cdk_lib_is_named_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "2.257.0")
    with pytest.raises(_compat.UnsupportedVersionError) as raised:
        _compat.require("aws-cdk-lib")
    message = str(raised.value)
    assert "needs aws-cdk-lib>=2.269.0" in message
    assert "2.257.0 is installed" in message
    assert "pip install 'aws-cdk-lib>=2.269.0'" in message


def test_an_old_cdk_nag_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "3.0.0")
    with pytest.raises(_compat.UnsupportedVersionError, match=r"cdk-nag>=3\.0\.2"):
        _compat.require("cdk-nag")


def test_the_installed_versions_pass() -> None:
    _compat.require("aws-cdk-lib")
    _compat.require("cdk-nag")


def test_the_floors_are_those_pyproject_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["validate"]]
    for package, (minimum, _) in _compat.FLOORS.items():
        (line,) = [d for d in declared if re.match(rf"{package}>=", d)]
        floor = re.search(r">=([\d.]+)", line)
        assert floor is not None
        parts = tuple(int(p) for p in floor.group(1).split("."))
        assert parts + (0,) * (3 - len(parts)) == minimum, line


RESULTS = ROOT / "compat" / "results.json"


def test_recorded_runs_pass_at_both_ends_of_every_range() -> None:
    """compat/results.json: what scripts/compat.py recorded, at the floors and the newest."""
    import json

    runs = json.loads(RESULTS.read_text())
    assert {r["resolution"] for r in runs.values()} == {"lowest-direct", "highest"}
    assert all(r["passed"] for r in runs.values()), runs
    lowest = [r for r in runs.values() if r["resolution"] == "lowest-direct"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["validate"]]
    for package in ("aws-cdk-lib", "constructs", "cdk-nag", "cfn-lint"):
        (line,) = [d for d in declared if d.startswith(f"{package}>=")]
        floor = line.split(">=")[1].split(",")[0]
        for run in lowest:
            # The lowest run installs the floor itself (or its first patch release).
            assert run["versions"][package].startswith(floor), (package, run["versions"])
    page = (ROOT / "docs" / "compatibility.md").read_text()
    for run in lowest:
        assert f"| {run['versions']['aws-cdk-lib']} |" in page
