"""Compute: ``MonitoredFunction`` and its deployment styles."""

from org_constructs.compute._deployment import NAMES as DEPLOYMENT_NAMES
from org_constructs.compute._deployment import Deployment, DeploymentKind
from org_constructs.compute._function_checks import latest_python_runtime
from org_constructs.compute._monitored_function import MonitoredFunction
from org_constructs.compute._rollback import ROLLBACK_ALARMS

__all__ = [
    "DEPLOYMENT_NAMES",
    "ROLLBACK_ALARMS",
    "Deployment",
    "DeploymentKind",
    "MonitoredFunction",
    "latest_python_runtime",
]
