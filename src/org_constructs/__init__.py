"""org-constructs: AWS CDK v2 L3 constructs with secure, cost-aware defaults.

Everything a README example imports comes from here.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from org_constructs._internal.lazy import lazy_names
from org_constructs.errors import OrgConstructsError, ValidationError

if TYPE_CHECKING:
    from org_constructs.api import SecureApi
    from org_constructs.compute import Deployment, MonitoredFunction
    from org_constructs.config import (
        CacheConfig,
        ContainerServiceConfig,
        DatabaseConfig,
        DatabaseEngine,
        EnvironmentConfig,
        QueueConfig,
        ReleaseStrategy,
        SecurityConfig,
        Stage,
        StateMachineConfig,
        TableConfig,
        VpcConfig,
        environment_from_context,
        environments_from_context,
        load_environments,
        selected_environments,
    )
    from org_constructs.containers import ContainerService
    from org_constructs.core import (
        AbstractStack,
        apply_organisation_defaults,
        removal_policy_for,
        stage_of,
    )
    from org_constructs.data import SecureCache, SecureTable
    from org_constructs.database import SecureDatabase
    from org_constructs.delivery import DeploymentAccess, OrgPipeline
    from org_constructs.encryption import log_group_key, rotating_key
    from org_constructs.events import Trigger
    from org_constructs.messaging import SecureQueue
    from org_constructs.monitoring import (
        AlarmSettings,
        AlarmTopic,
        ServiceMonitoring,
        Severity,
    )
    from org_constructs.network import StandardVpc
    from org_constructs.notifications import DeploymentNotifications
    from org_constructs.storage import BucketLifecycleRule, BucketTransition, SecureBucket
    from org_constructs.workflows import SecureStateMachine

try:
    __version__ = version("org-constructs")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

# Names are imported on first use, so that tools which only need part of the package (the
# pytest plugin, the command line) start without loading aws-cdk-lib.
_LAZY = {
    "AbstractStack": "org_constructs.core",
    "apply_organisation_defaults": "org_constructs.core",
    "removal_policy_for": "org_constructs.core",
    "stage_of": "org_constructs.core",
    "DatabaseConfig": "org_constructs.config",
    "DatabaseEngine": "org_constructs.config",
    "EnvironmentConfig": "org_constructs.config",
    "QueueConfig": "org_constructs.config",
    "SecurityConfig": "org_constructs.config",
    "Stage": "org_constructs.config",
    "StateMachineConfig": "org_constructs.config",
    "TableConfig": "org_constructs.config",
    "CacheConfig": "org_constructs.config",
    "ContainerServiceConfig": "org_constructs.config",
    "ReleaseStrategy": "org_constructs.config",
    "VpcConfig": "org_constructs.config",
    "environment_from_context": "org_constructs.config",
    "environments_from_context": "org_constructs.config",
    "load_environments": "org_constructs.config",
    "selected_environments": "org_constructs.config",
    "StandardVpc": "org_constructs.network",
    "log_group_key": "org_constructs.encryption",
    "rotating_key": "org_constructs.encryption",
    "Deployment": "org_constructs.compute",
    "MonitoredFunction": "org_constructs.compute",
    "AlarmSettings": "org_constructs.monitoring",
    "AlarmTopic": "org_constructs.monitoring",
    "ServiceMonitoring": "org_constructs.monitoring",
    "DeploymentNotifications": "org_constructs.notifications",
    "Severity": "org_constructs.monitoring",
    "BucketLifecycleRule": "org_constructs.storage",
    "BucketTransition": "org_constructs.storage",
    "SecureApi": "org_constructs.api",
    "SecureBucket": "org_constructs.storage",
    "SecureDatabase": "org_constructs.database",
    "SecureQueue": "org_constructs.messaging",
    "SecureStateMachine": "org_constructs.workflows",
    "SecureTable": "org_constructs.data",
    "SecureCache": "org_constructs.data",
    "ContainerService": "org_constructs.containers",
    "Trigger": "org_constructs.events",
    "DeploymentAccess": "org_constructs.delivery",
    "OrgPipeline": "org_constructs.delivery",
}


__all__ = [
    "AbstractStack",
    "AlarmSettings",
    "AlarmTopic",
    "BucketLifecycleRule",
    "BucketTransition",
    "CacheConfig",
    "ContainerService",
    "ContainerServiceConfig",
    "DatabaseConfig",
    "DatabaseEngine",
    "Deployment",
    "DeploymentAccess",
    "DeploymentNotifications",
    "EnvironmentConfig",
    "MonitoredFunction",
    "OrgConstructsError",
    "OrgPipeline",
    "QueueConfig",
    "ReleaseStrategy",
    "SecureApi",
    "SecureBucket",
    "SecureCache",
    "SecureDatabase",
    "SecureQueue",
    "SecureStateMachine",
    "SecureTable",
    "SecurityConfig",
    "ServiceMonitoring",
    "Severity",
    "Stage",
    "StandardVpc",
    "StateMachineConfig",
    "TableConfig",
    "Trigger",
    "ValidationError",
    "VpcConfig",
    "__version__",
    "apply_organisation_defaults",
    "environment_from_context",
    "environments_from_context",
    "load_environments",
    "log_group_key",
    "removal_policy_for",
    "rotating_key",
    "selected_environments",
    "stage_of",
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)
