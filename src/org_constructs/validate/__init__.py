"""Deprecated: ``org_constructs.validate`` is ``org_constructs.tooling.gate`` since 0.3.0.

This path keeps working, with a ``DeprecationWarning``, until it is removed in 0.4.0.
"""

from org_constructs._deprecated import warn_moved

warn_moved(__name__, "org_constructs.tooling.gate")

from org_constructs.tooling.gate import (  # noqa: E402 - after the warning
    TOOLS,
    Acknowledgement,
    Finding,
    Report,
    ToolRun,
    ValidateOptions,
    run_validation,
)

__all__ = [
    "TOOLS",
    "Acknowledgement",
    "Finding",
    "Report",
    "ToolRun",
    "ValidateOptions",
    "run_validation",
]
