"""Deprecated: ``org_constructs.docs`` is ``org_constructs.tooling.docs`` since 0.3.0.

This path keeps working, with a ``DeprecationWarning``, until it is removed in 0.4.0.
"""

from org_constructs._deprecated import warn_moved

warn_moved(__name__, "org_constructs.tooling.docs")

from org_constructs.tooling.docs import (  # noqa: E402 - after the warning
    StackDoc,
    collect_stacks,
    dependency_dot,
    dependency_mermaid,
    render_index,
    render_stack,
    render_svg,
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
