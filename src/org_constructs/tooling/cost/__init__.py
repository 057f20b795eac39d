"""Fixed monthly cost of a synthesized app, from the price table shipped with the package."""

from org_constructs.errors import PriceTableError
from org_constructs.tooling.cost._estimate import (
    CostLine,
    Estimate,
    StackCost,
    estimate_assembly,
    estimate_template,
    price_table,
)
from org_constructs.tooling.cost._render import incomplete_summary, not_priced, render_estimate

__all__ = [
    "CostLine",
    "Estimate",
    "PriceTableError",
    "StackCost",
    "estimate_assembly",
    "estimate_template",
    "incomplete_summary",
    "not_priced",
    "price_table",
    "render_estimate",
]
