"""The guide's monitoring layout, one module per stack, imported by tests without the app."""

from stacks.alarms import AlarmStack
from stacks.dashboards import DashboardStack
from stacks.service import ServiceStack

__all__ = ["AlarmStack", "DashboardStack", "ServiceStack"]
