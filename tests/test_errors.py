"""Every exception the library raises on purpose derives from its base error."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings
from collections.abc import Iterable

import org_constructs
from org_constructs.errors import OrgConstructsError

EMULATOR_ONLY = {
    "org_constructs.tooling.local._patches",
    "org_constructs.tooling.local._server",
}
"""Modules only the emulator's process imports: importing one patches moto (its errors are
moto's ``CloudFormationError``, answered to clients as AWS's), or starts the server."""


def library_modules() -> list[str]:
    """Every module of the package but the emulator's own (walked without importing them)."""
    names = []
    pending: list[tuple[str, Iterable[str]]] = [("org_constructs.", org_constructs.__path__)]
    while pending:
        prefix, path = pending.pop()
        for module in pkgutil.iter_modules(path, prefix):
            if module.name in EMULATOR_ONLY:
                continue
            names.append(module.name)
            if module.ispkg:
                pending.append((f"{module.name}.", importlib.import_module(module.name).__path__))
    return names


def test_every_exception_class_derives_from_the_base_error() -> None:
    found: dict[str, type[BaseException]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for name in library_modules():
            module = importlib.import_module(name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, BaseException) and cls.__module__.startswith("org_constructs"):
                    found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    assert "org_constructs.errors.ValidationError" in found
    assert len(found) >= 7, sorted(found)  # the walk reaches the tooling side too
    strays = sorted(name for name, cls in found.items() if not issubclass(cls, OrgConstructsError))
    assert not strays, f"derive these from OrgConstructsError: {strays}"
    elsewhere = sorted(name for name in found if not name.startswith("org_constructs.errors."))
    assert not elsewhere, f"define these in org_constructs/errors.py: {elsewhere}"
