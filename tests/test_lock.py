"""The development environment is locked: requirements-dev.lock agrees with pyproject.toml."""

from __future__ import annotations

import re

import tomllib  # type: ignore[import-not-found, unused-ignore]  # 3.11+
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support import ROOT

LOCK = ROOT / "requirements-dev.lock"


def locked() -> dict[str, str]:
    """Package name -> the version the lock pins."""
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", LOCK.read_text(), re.M)
    return {canonicalize_name(name): version for name, version in pins}


def project() -> dict[str, object]:
    loaded: dict[str, object] = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return loaded


def test_every_development_pin_is_the_locked_version() -> None:
    versions = locked()
    group = project()["dependency-groups"]["dev"]  # type: ignore[index]
    for line in group:
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{line}: the dev group pins exact versions"
        name = canonicalize_name(requirement.name)
        assert versions.get(name) == specifier.version, (
            f"{line}: the lock has {versions.get(name)}; run bash scripts/lock.sh"
        )


def test_the_locked_versions_are_inside_every_declared_range() -> None:
    versions = locked()
    table = project()["project"]
    declared = [*table["dependencies"]]  # type: ignore[index]
    for extra in table["optional-dependencies"].values():  # type: ignore[index]
        declared += extra
    for line in declared:
        requirement = Requirement(line)
        version = versions.get(canonicalize_name(requirement.name))
        assert version is not None, f"{line}: not in the lock; run bash scripts/lock.sh"
        assert requirement.specifier.contains(version, prereleases=True), (line, version)


def test_every_package_is_pinned_with_hashes_and_no_index_address() -> None:
    text = LOCK.read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    assert len(entries) > 100
    for entry in entries:
        assert "==" in entry.splitlines()[0], entry
        assert "--hash=sha256:" in entry, entry
    assert "://" not in text
