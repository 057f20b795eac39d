"""Typed per-environment configuration: stages, VPC, database, security, queue, state
machine, table, cache and container service settings.

Load all environments of an app with ``load_environments("environments.json")`` or from CDK
context with ``environments_from_context(app)``; every invalid value raises
``org_constructs.errors.ValidationError`` naming the file, the key, the value and what is allowed.
"""

from org_constructs.config._containers import ContainerServiceConfig, ReleaseStrategy
from org_constructs.config._loader import (
    MissingExtraError,
    environment_from_context,
    environments_from_context,
    environments_from_mapping,
    load_environments,
    selected_environments,
)
from org_constructs.config._model import (
    LOG_RETENTION_DAYS,
    DatabaseConfig,
    DatabaseEngine,
    EnvironmentConfig,
    SecurityConfig,
    StageDefaults,
    VpcConfig,
)
from org_constructs.config._services import (
    CacheConfig,
    CacheEngine,
    QueueConfig,
    StateMachineConfig,
    TableConfig,
)
from org_constructs.config._stage import Stage

__all__ = [
    "LOG_RETENTION_DAYS",
    "CacheConfig",
    "CacheEngine",
    "ContainerServiceConfig",
    "DatabaseConfig",
    "DatabaseEngine",
    "EnvironmentConfig",
    "MissingExtraError",
    "QueueConfig",
    "ReleaseStrategy",
    "SecurityConfig",
    "Stage",
    "StageDefaults",
    "StateMachineConfig",
    "TableConfig",
    "VpcConfig",
    "environment_from_context",
    "environments_from_context",
    "environments_from_mapping",
    "load_environments",
    "selected_environments",
]
