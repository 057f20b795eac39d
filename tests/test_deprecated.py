"""The import paths moved in 0.3.0 keep working for one minor release, with a warning."""

from __future__ import annotations

import importlib
import sys

import pytest

from org_constructs._deprecated import REMOVED_IN

MOVED = {
    "org_constructs.validate": "org_constructs.tooling.gate",
    "org_constructs.ops": "org_constructs.tooling.aws",
    "org_constructs.cost": "org_constructs.tooling.cost",
    "org_constructs.docs": "org_constructs.tooling.docs",
    "org_constructs.cli": "org_constructs.tooling.cli",
    "org_constructs.operations": "org_constructs.notifications",
}


@pytest.mark.parametrize(("old", "new"), MOVED.items())
def test_an_old_path_warns_and_gives_the_same_names(
    old: str, new: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(DeprecationWarning, match=rf"{old} moved to {new} .*removed in {REMOVED_IN}"):
        legacy = importlib.import_module(old)
    current = importlib.import_module(new)
    assert set(legacy.__all__) <= set(current.__all__), "every name of 0.2.0 is still there"
    for name in legacy.__all__:
        assert getattr(legacy, name) is getattr(current, name), name


def test_the_new_paths_import_without_a_warning(recwarn: pytest.WarningsRecorder) -> None:
    for new in MOVED.values():
        importlib.import_module(new)
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]
