"""The stacks of the reference app, one per concern, as the guide organises them."""

from stacks.compute import ComputeStack
from stacks.data import DataStack
from stacks.monitoring import MonitoringStack
from stacks.network import NetworkStack

__all__ = ["ComputeStack", "DataStack", "MonitoringStack", "NetworkStack"]
