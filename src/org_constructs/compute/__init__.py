"""Compute: ``MonitoredFunction`` and its deployment styles."""

from org_constructs.compute._deployment import NAMES as DEPLOYMENT_NAMES
from org_constructs.compute._deployment import Deployment, DeploymentKind
from org_constructs.compute._function_checks import latest_python_runtime
from org_constructs.compute._monitored_function import ROLLBACK_ALARMS, MonitoredFunction

__all__ = [
    "DEPLOYMENT_NAMES",
    "ROLLBACK_ALARMS",
    "Deployment",
    "DeploymentKind",
    "MonitoredFunction",
    "latest_python_runtime",
]
