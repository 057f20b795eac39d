"""The per-stage settings of the services a team's stacks add: queues, state machines,
tables and caches (``QueueConfig``, ``StateMachineConfig``, ``TableConfig``, ``CacheConfig``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from org_constructs._internal import checks
from org_constructs.config._stage import Stage
from org_constructs.config._stage import stage_defaults as _stage_defaults
from org_constructs.errors import ValidationError

__all__ = [
    "CACHE_NODE_TYPE",
    "MAX_CACHE_REPLICAS",
    "MAX_CACHE_SNAPSHOT_DAYS",
    "MAX_QUEUE_RECEIVE_COUNT",
    "MAX_QUEUE_RETENTION_DAYS",
    "MAX_RECOVERY_PERIOD_DAYS",
    "STATE_MACHINE_LOG_LEVELS",
    "CacheConfig",
    "CacheEngine",
    "QueueConfig",
    "StateMachineConfig",
    "TableConfig",
]

_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")
MAX_QUEUE_RETENTION_DAYS = 14
"""The longest SQS keeps a message, in days."""
MAX_QUEUE_RECEIVE_COUNT = 1000
"""The most receives ``SecureQueue`` allows before a message moves to the dead-letter queue."""
STATE_MACHINE_LOG_LEVELS = ("ALL", "ERROR")
"""The log levels a ``SecureStateMachine`` may log at: those Control Tower's
CT.STEPFUNCTIONS.PR.1 accepts (``FATAL`` leaves out failed tasks, ``OFF`` logs nothing)."""
MAX_RECOVERY_PERIOD_DAYS = 35
"""The longest point-in-time recovery window DynamoDB keeps, in days."""
CACHE_NODE_TYPE = re.compile(r"^cache\.[a-z][a-z0-9-]*\.[a-z0-9]+$")
"""An ElastiCache node type: ``cache.<family>.<size>``."""
MAX_CACHE_REPLICAS = 5
"""The most read replicas ElastiCache gives one primary."""
MAX_CACHE_SNAPSHOT_DAYS = 35
"""The longest ElastiCache keeps automatic snapshots, in days."""


@dataclass(frozen=True)
class QueueConfig:
    """Message queue settings for one environment: the defaults of ``SecureQueue``.

    Parameters
    ----------
    retention_days:
        How long SQS keeps a message that no consumer deleted, 1 to 14 days (SQS's maximum).
        Default: 14
    max_receive_count:
        How many times a message is received before SQS moves it to the dead-letter queue,
        1 to 1000. Default: 5

    Use ``QueueConfig.for_stage(stage)`` for the per-stage defaults (dev keeps messages 4 days,
    staging 7, production 14).

    Example
    -------
    >>> QueueConfig.for_stage("dev").retention_days
    4
    """

    retention_days: int = 14
    max_receive_count: int = 5

    def __post_init__(self) -> None:
        where = type(self).__name__
        checks.check_int(where, "retention_days", self.retention_days, 1, MAX_QUEUE_RETENTION_DAYS)
        checks.check_int(
            where, "max_receive_count", self.max_receive_count, 1, MAX_QUEUE_RECEIVE_COUNT
        )

    @classmethod
    def for_stage(cls, stage: Stage | str, **overrides: Any) -> QueueConfig:
        """Return the stage's defaults with ``overrides`` applied.

        Example
        -------
        >>> QueueConfig.for_stage("production").retention_days
        14
        """
        return _stage_defaults(cls, stage, _QUEUE_DEFAULTS, overrides)


@dataclass(frozen=True)
class StateMachineConfig:
    """Step Functions settings for one environment: the defaults of ``SecureStateMachine``.

    Parameters
    ----------
    log_level:
        What the state machine logs to its log group: ``'ALL'`` (every state transition: the
        whole path of an execution, log ingestion paid per transition) or ``'ERROR'`` (failed
        executions and failed, timed-out or aborted states only). Default: ``'ERROR'``
    include_execution_data:
        Whether the logs hold each state's input and output. They may hold personal or secret
        data, which the log group then keeps for its whole retention. Default: False

    Use ``StateMachineConfig.for_stage(stage)`` for the per-stage defaults (dev logs ``ALL``
    to debug with, staging and production ``ERROR``; no stage logs execution data).

    Example
    -------
    >>> StateMachineConfig.for_stage("dev").log_level
    'ALL'
    """

    log_level: str = "ERROR"
    include_execution_data: bool = False

    def __post_init__(self) -> None:
        where = type(self).__name__
        checks.check_choice(where, "log_level", self.log_level, STATE_MACHINE_LOG_LEVELS)
        checks.check_bool(where, "include_execution_data", self.include_execution_data)

    @classmethod
    def for_stage(cls, stage: Stage | str, **overrides: Any) -> StateMachineConfig:
        """Return the stage's defaults with ``overrides`` applied.

        Example
        -------
        >>> StateMachineConfig.for_stage("production").log_level
        'ERROR'
        """
        return _stage_defaults(cls, stage, _STATE_MACHINE_DEFAULTS, overrides)


@dataclass(frozen=True)
class TableConfig:
    """DynamoDB settings for one environment: the defaults of ``SecureTable``.

    Parameters
    ----------
    deletion_protection:
        Whether DynamoDB refuses to delete the table (a stack deletion, a replacement, a
        mistaken ``delete-table``). Required in production. Default: True
    point_in_time_recovery_days:
        How far back point-in-time recovery can restore the table, 1 to 35 days. Recovery is
        always on; its price depends on the table's size, not on this window. Default: 35

    Use ``TableConfig.for_stage(stage)`` for the per-stage defaults (dev turns deletion
    protection off, so that a dev stack can be deleted with its table).

    Example
    -------
    >>> TableConfig.for_stage("dev").deletion_protection
    False
    """

    deletion_protection: bool = True
    point_in_time_recovery_days: int = MAX_RECOVERY_PERIOD_DAYS

    def __post_init__(self) -> None:
        where = type(self).__name__
        checks.check_bool(where, "deletion_protection", self.deletion_protection)
        checks.check_int(
            where,
            "point_in_time_recovery_days",
            self.point_in_time_recovery_days,
            1,
            MAX_RECOVERY_PERIOD_DAYS,
        )

    @classmethod
    def for_stage(cls, stage: Stage | str, **overrides: Any) -> TableConfig:
        """Return the stage's defaults with ``overrides`` applied.

        Example
        -------
        >>> TableConfig.for_stage("production").deletion_protection
        True
        """
        return _stage_defaults(cls, stage, _TABLE_DEFAULTS, overrides)


class CacheEngine(str, Enum):
    """An in-memory cache engine of ElastiCache."""

    VALKEY = "valkey"
    REDIS = "redis"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class CacheConfig:
    """In-memory cache settings for one environment: the defaults of ``SecureCache``.

    Parameters
    ----------
    engine:
        Default: ``CacheEngine.VALKEY`` (open source, 20% cheaper per node hour than Redis OSS)
    version:
        The engine version (``'8.0'``); empty for the library's default of the engine.
        Default: ``''``
    node_type:
        ``cache.<family>.<size>``. Default: ``'cache.m7g.large'``
    replicas:
        Read replicas of the primary, 0 to 5. Default: 2
    automatic_failover:
        A replica takes over when the primary fails; needs a replica. Default: True
    multi_az:
        The replicas in other Availability Zones than the primary; needs automatic failover.
        Default: True
    snapshot_retention_days:
        Days of daily snapshots kept, 0 (none) to 35. Default: 30

    Use ``CacheConfig.for_stage(stage)`` for the per-stage defaults (dev runs one
    ``cache.t4g.micro`` node without replicas and keeps snapshots 1 day).

    Example
    -------
    >>> CacheConfig.for_stage("dev").node_type
    'cache.t4g.micro'
    """

    engine: CacheEngine = CacheEngine.VALKEY
    version: str = ""
    node_type: str = "cache.m7g.large"
    replicas: int = 2
    automatic_failover: bool = True
    multi_az: bool = True
    snapshot_retention_days: int = 30

    def __post_init__(self) -> None:
        where = type(self).__name__
        engine: object = self.engine
        if isinstance(engine, str) and not isinstance(engine, CacheEngine):
            checks.check_choice(where, "engine", engine, [e.value for e in CacheEngine])
            object.__setattr__(self, "engine", CacheEngine(engine))
        elif not isinstance(engine, CacheEngine):
            raise ValidationError(where, "engine", engine, "must be 'valkey' or 'redis'")
        if self.version != "":
            checks.check_text(where, "version", self.version, _VERSION, "a version such as '8.0'")
        checks.check_text(
            where,
            "node_type",
            self.node_type,
            CACHE_NODE_TYPE,
            "a node type of the form cache.<family>.<size>, such as 'cache.t4g.micro'",
        )
        checks.check_int(where, "replicas", self.replicas, 0, MAX_CACHE_REPLICAS)
        checks.check_bool(where, "automatic_failover", self.automatic_failover)
        checks.check_bool(where, "multi_az", self.multi_az)
        checks.check_int(
            where,
            "snapshot_retention_days",
            self.snapshot_retention_days,
            0,
            MAX_CACHE_SNAPSHOT_DAYS,
        )
        if self.automatic_failover and self.replicas == 0:
            raise ValidationError(
                where,
                "automatic_failover",
                True,
                "needs a replica to fail over to, and replicas is 0: give replicas=1 or more, "
                "or automatic_failover=False",
            )
        if self.multi_az and not self.automatic_failover:
            raise ValidationError(
                where,
                "multi_az",
                True,
                "needs automatic_failover=True (ElastiCache's rule), and automatic_failover is "
                "False",
            )

    @classmethod
    def for_stage(cls, stage: Stage | str, **overrides: Any) -> CacheConfig:
        """Return the stage's defaults with ``overrides`` applied.

        Example
        -------
        >>> CacheConfig.for_stage("production").replicas
        2
        """
        return _stage_defaults(cls, stage, _CACHE_DEFAULTS, overrides)


_QUEUE_DEFAULTS: Mapping[Stage, Mapping[str, Any]] = {
    Stage.DEV: {"retention_days": 4, "max_receive_count": 5},
    Stage.STAGING: {"retention_days": 7, "max_receive_count": 5},
    Stage.PRODUCTION: {"retention_days": 14, "max_receive_count": 5},
}
_STATE_MACHINE_DEFAULTS: Mapping[Stage, Mapping[str, Any]] = {
    Stage.DEV: {"log_level": "ALL", "include_execution_data": False},
    Stage.STAGING: {"log_level": "ERROR", "include_execution_data": False},
    Stage.PRODUCTION: {"log_level": "ERROR", "include_execution_data": False},
}
_TABLE_DEFAULTS: Mapping[Stage, Mapping[str, Any]] = {
    Stage.DEV: {"deletion_protection": False, "point_in_time_recovery_days": 35},
    Stage.STAGING: {"deletion_protection": True, "point_in_time_recovery_days": 35},
    Stage.PRODUCTION: {"deletion_protection": True, "point_in_time_recovery_days": 35},
}
_CACHE_DEFAULTS: Mapping[Stage, Mapping[str, Any]] = {
    Stage.DEV: {
        "node_type": "cache.t4g.micro",
        "replicas": 0,
        "automatic_failover": False,
        "multi_az": False,
        "snapshot_retention_days": 1,
    },
    Stage.STAGING: {
        "node_type": "cache.t4g.small",
        "replicas": 1,
        "automatic_failover": True,
        "multi_az": True,
        "snapshot_retention_days": 15,
    },
    Stage.PRODUCTION: {
        "node_type": "cache.m7g.large",
        "replicas": 2,
        "automatic_failover": True,
        "multi_az": True,
        "snapshot_retention_days": 30,
    },
}
