"""Old import paths that still work for one minor release, with a ``DeprecationWarning``."""

from __future__ import annotations

import warnings

__all__ = ["REMOVED_IN", "warn_moved"]

REMOVED_IN = "0.4.0"
"""The release that removes the paths moved in 0.3.0."""


def warn_moved(old: str, new: str) -> None:
    """Warn that module ``old`` moved to ``new`` (called when ``old`` is imported)."""
    warnings.warn(
        f"{old} moved to {new} in org-constructs 0.3.0; the old path is removed in "
        f"{REMOVED_IN}: import from {new}",
        DeprecationWarning,
        stacklevel=3,
    )
