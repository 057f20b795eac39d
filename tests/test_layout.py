"""The package's layout rules: two sides, one contract between them, imports downward only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"


def modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / "org_constructs").rglob("*.py"):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = modules()


def imports(name: str) -> set[str]:
    """The library modules ``name`` imports anywhere (module level, functions, TYPE_CHECKING)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("org_constructs"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else str(node.module))
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("org_constructs")}
    return {_owner(module) for module in found} - {name}


def _owner(module: str) -> str:
    while module not in MODULES:
        module = module.rsplit(".", 1)[0]
    return module


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_back_up_the_chain() -> None:
    graph = {name: imports(name) for name in MODULES}
    assert graph["org_constructs.monitoring._service"], "the walk sees the imports"
    assert not cycles(graph), "import cycles (function-level imports count)"


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_contract_imports_nothing() -> None:
    tree = ast.parse(MODULES["org_constructs.contract"].read_text())
    imported = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
    ]
    assert not imported


DEPRECATED = {"validate", "ops", "cost", "docs", "cli", "operations"}
"""Old paths that only re-export the tooling (with a warning) until 0.4.0."""


def _constructs_side(name: str) -> bool:
    parts = name.split(".")
    return len(parts) == 1 or parts[1] not in {"tooling", *DEPRECATED}


CONSTRUCTS_SIDE = sorted(n for n in MODULES if _constructs_side(n))
CLI = sorted(n for n in MODULES if n.startswith("org_constructs.tooling.cli"))


@pytest.mark.parametrize("name", CONSTRUCTS_SIDE)
def test_the_constructs_side_never_imports_the_tooling(name: str) -> None:
    assert not [m for m in imports(name) if m.startswith("org_constructs.tooling")]


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if n.startswith("org_constructs.tooling.cli"))
)
def test_the_cli_uses_only_public_names_of_the_other_tooling(name: str) -> None:
    private = [
        m
        for m in imports(name)
        if m.startswith("org_constructs.tooling.")
        and not m.startswith("org_constructs.tooling.cli")
        and any(part.startswith("_") for part in m.split(".")[3:])
    ]
    assert not private, f"{name} imports private modules: {private}"


MAX_MODULE_LINES = 900
"""No module is longer: a construct's settings, documents and building go in modules of their
own, along the seams of ``delivery`` (``_access_settings``, ``_access_policies``, ``_access``)."""


@pytest.mark.parametrize(
    "path", sorted(MODULES.values()), ids=lambda path: path.relative_to(SRC).as_posix()
)
def test_no_module_is_over_the_line_limit(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, (
        f"{path.relative_to(SRC).as_posix()} has {lines} lines, over {MAX_MODULE_LINES}: "
        "split it along its seams (settings and checks, documents, the construct)"
    )
