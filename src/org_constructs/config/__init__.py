"""Typed per-environment configuration: stages, VPC, database, security, queue and state
machine settings.

Load all environments of an app with ``load_environments("environments.json")`` or from CDK
context with ``environments_from_context(app)``; every invalid value raises
``org_constructs.errors.ValidationError`` naming the file, the key, the value and what is allowed.
"""

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
    QueueConfig,
    SecurityConfig,
    Stage,
    StageDefaults,
    StateMachineConfig,
    VpcConfig,
)

__all__ = [
    "LOG_RETENTION_DAYS",
    "DatabaseConfig",
    "DatabaseEngine",
    "EnvironmentConfig",
    "MissingExtraError",
    "QueueConfig",
    "SecurityConfig",
    "Stage",
    "StageDefaults",
    "StateMachineConfig",
    "VpcConfig",
    "environment_from_context",
    "environments_from_context",
    "environments_from_mapping",
    "load_environments",
    "selected_environments",
]
