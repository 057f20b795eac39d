"""``ServiceMonitoring``'s service level objectives: error budgets and multi-window,
multi-burn-rate alarms (a mixin, so that the facade stays one readable module)."""

from __future__ import annotations

__all__ = ["Objectives"]


class Objectives:
    """The ``add_*_slo`` methods; ``ServiceMonitoring`` runs them."""
