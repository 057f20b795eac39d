"""Deprecated: ``org_constructs.cost`` is ``org_constructs.tooling.cost`` since 0.3.0.

This path keeps working, with a ``DeprecationWarning``, until it is removed in 0.4.0.
"""

from org_constructs._deprecated import warn_moved

warn_moved(__name__, "org_constructs.tooling.cost")

from org_constructs.tooling.cost import (  # noqa: E402 - after the warning
    CostLine,
    Estimate,
    StackCost,
    estimate_assembly,
    estimate_template,
    price_table,
    render_estimate,
)

__all__ = [
    "CostLine",
    "Estimate",
    "StackCost",
    "estimate_assembly",
    "estimate_template",
    "price_table",
    "render_estimate",
]
