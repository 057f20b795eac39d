"""The stacks of the reference app, one per concern, as the guide organises them."""

from stacks.compute import ComputeStack
from stacks.data import DataStack
from stacks.monitoring import MonitoringStack
from stacks.network import NetworkStack
from stacks.notifications import NotificationsStack

__all__ = ["ComputeStack", "DataStack", "MonitoringStack", "NetworkStack", "NotificationsStack"]
