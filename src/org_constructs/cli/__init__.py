"""Deprecated: ``org_constructs.cli`` is ``org_constructs.tooling.cli`` since 0.3.0.

This path keeps working, with a ``DeprecationWarning``, until it is removed in 0.4.0.
"""

from org_constructs._deprecated import warn_moved

warn_moved(__name__, "org_constructs.tooling.cli")

from org_constructs.tooling.cli import (  # noqa: E402 - after the warning
    cli,
    main,
)

__all__ = [
    "cli",
    "main",
]
