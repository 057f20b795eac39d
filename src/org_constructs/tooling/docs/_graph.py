"""The stack dependency graph as Mermaid (in the Markdown) and Graphviz (SVG)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from org_constructs.errors import ToolError

__all__ = ["dependency_dot", "dependency_mermaid", "render_svg"]


def _node(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def dependency_mermaid(dependencies: Mapping[str, Sequence[str]]) -> str:
    """``graph TD`` with an arrow from each stack to the stacks it depends on."""
    lines = ["graph TD"]
    for stack in dependencies:
        lines.append(f'    {_node(stack)}["{stack}"]')
    for stack, needs in dependencies.items():
        for other in needs:
            lines.append(f"    {_node(stack)} --> {_node(other)}")
    return "\n".join(lines)


def dependency_dot(dependencies: Mapping[str, Sequence[str]], title: str = "") -> str:
    """The same graph in Graphviz's language."""
    lines = [
        "digraph stacks {",
        '  graph [rankdir=TB, fontname="Helvetica", labelloc=t'
        + (f', label="{title}"' if title else "")
        + "];",
        '  node [shape=box, style="rounded,filled", fillcolor="#e8f0fe", fontname="Helvetica"];',
    ]
    for stack in dependencies:
        lines.append(f'  {_node(stack)} [label="{stack}"];')
    for stack, needs in dependencies.items():
        for other in needs:
            lines.append(f"  {_node(stack)} -> {_node(other)};")
    lines.append("}")
    return "\n".join(lines)


def render_svg(dot_source: str, target: Path) -> bool:
    """Write ``target`` with Graphviz's ``dot``; False when Graphviz is not installed."""
    dot = shutil.which("dot")
    if dot is None:
        return False
    result = subprocess.run(  # noqa: S603 - Graphviz with fixed arguments
        [dot, "-Tsvg", "-o", str(target)],
        input=dot_source,
        text=True,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise ToolError(f"dot failed: {result.stderr.strip()}")
    return True
