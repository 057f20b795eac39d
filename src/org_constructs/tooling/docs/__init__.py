"""Stack documentation and diagrams generated from synthesized cloud assemblies
(``org-cdk docs``)."""

from org_constructs.tooling.docs._graph import dependency_dot, dependency_mermaid, render_svg
from org_constructs.tooling.docs._pages import (
    StackDoc,
    collect_stacks,
    render_index,
    render_stack,
    write_docs,
)

__all__ = [
    "StackDoc",
    "collect_stacks",
    "dependency_dot",
    "dependency_mermaid",
    "render_index",
    "render_stack",
    "render_svg",
    "write_docs",
]
