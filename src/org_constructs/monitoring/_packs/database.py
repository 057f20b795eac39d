"""RDS instances and Aurora clusters: CPU, connections, IOPS, free storage, replica lag, and
for Aurora deadlocks and Serverless v2 capacity."""

from __future__ import annotations

import typing
from collections.abc import Mapping

from aws_cdk import aws_cloudwatch as cw

from org_constructs._internal import checks as config_checks
from org_constructs._internal.lazy import lazy_module
from org_constructs.errors import ValidationError
from org_constructs.monitoring._packs._base import Pack, PackSpec, PageRow, Plan, Unit
from org_constructs.monitoring._packs._checks import Overrides, PackChecks
from org_constructs.monitoring._settings import (
    GT,
    LT,
    MISSING_BAD,
    MISSING_OK,
    AlarmDefault,
    Severity,
    catalogue,
)

if typing.TYPE_CHECKING:
    from aws_cdk import aws_rds as rds

    from org_constructs.database import SecureDatabase
else:
    rds = lazy_module("aws_cdk.aws_rds")


__all__ = [
    "CATALOGUE",
    "NAME",
    "PACK",
    "alarm_keys",
    "check",
    "identifier",
    "is_cluster",
    "is_serverless_v2",
    "monitor",
    "own_allocated_storage",
]

NAME = "database"
_MAX_STORAGE_GIB = 65536
"""RDS's largest allocated storage, 64 TiB."""

W, C = Severity.WARNING, Severity.CRITICAL

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="cpu",
        metric="CPUUtilization (Average)",
        threshold=80,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="CPU above 80% for 15 minutes (the guide's alarm).",
        action="Find the expensive queries in Performance Insights; add indexes, move reads to "
        "a replica, or scale the instance class.",
    ),
    AlarmDefault(
        key="free_storage",
        metric="FreeStorageSpace (Minimum)",
        threshold=10 * 1024**3,
        unit="bytes",
        comparison=LT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_BAD,
        severity=C,
        meaning="Less than 10 GiB of free storage for 15 minutes (the guide's alarm).",
        action="Enable storage autoscaling or raise allocated storage; drop unused data and "
        "check for runaway logs or temporary tables.",
        condition="an RDS instance (Aurora storage grows by itself)",
    ),
    AlarmDefault(
        key="free_storage_percent",
        metric="100 * FreeStorageSpace / allocated storage",
        threshold=10,
        unit="percent",
        comparison=LT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_BAD,
        severity=W,
        meaning="Less than 10% of the allocated storage is free.",
        action="As for free_storage.",
        condition="an RDS instance whose allocated storage is given",
    ),
    AlarmDefault(
        key="connections",
        metric="DatabaseConnections (Maximum)",
        threshold=400,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="More than 400 open connections for 15 minutes.",
        action="Look for connection leaks; put RDS Proxy in front of Lambda clients; raise "
        "max_connections with the instance class.",
    ),
    AlarmDefault(
        key="read_iops",
        metric="ReadIOPS (Average)",
        threshold=3000,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Read IOPS above 3,000 (the gp3 baseline) for 15 minutes.",
        action="Find the scans in Performance Insights; add indexes or memory (bigger buffer "
        "cache); provision IOPS.",
    ),
    AlarmDefault(
        key="write_iops",
        metric="WriteIOPS (Average)",
        threshold=3000,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Write IOPS above 3,000 (the gp3 baseline) for 15 minutes.",
        action="Batch writes, check for write amplification (indexes), provision IOPS.",
    ),
    AlarmDefault(
        key="replica_lag",
        metric="ReplicaLag / AuroraReplicaLag (Maximum)",
        threshold=30,
        unit="seconds",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=5,
        datapoints_to_alarm=5,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="A replica is more than 30 seconds behind its writer.",
        action="Reads from the replica are stale: check the replica's CPU and IOPS, and long "
        "transactions on the writer.",
        condition="a read replica, or an Aurora cluster with readers",
    ),
    AlarmDefault(
        key="acu_utilization",
        metric="ACUUtilization (Average)",
        threshold=90,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="The cluster has used more than 90% of its maximum Serverless v2 capacity for "
        "15 minutes: it cannot scale further.",
        action="Raise the maximum ACUs (serverless_v2_capacity), or find the expensive queries "
        "in Performance Insights.",
        condition="an Aurora Serverless v2 cluster",
    ),
    AlarmDefault(
        key="deadlocks",
        metric="Deadlocks (Sum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Deadlocks in each of three 5-minute periods: transactions keep blocking each "
        "other (a single deadlock now and then is retried and normal).",
        action="Find the transactions in the engine's deadlock log (SHOW ENGINE INNODB STATUS, "
        "log_lock_waits); take locks in one order and keep transactions short.",
        condition="an Aurora cluster",
    ),
)
"""The database pack's alarms, by key, with their default settings."""


def check(
    checks: PackChecks,
    database: SecureDatabase | rds.IDatabaseInstance | rds.IDatabaseCluster,
    *,
    label: str | None,
    allocated_storage_gib: int | None,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_database`` refuses; the plan of its one instance or cluster."""
    from org_constructs.database import SecureDatabase

    where = checks.where
    checks.check_region("database", database)
    target: rds.IDatabaseInstance | rds.IDatabaseCluster
    if isinstance(database, SecureDatabase):
        if allocated_storage_gib is not None:
            raise ValidationError(
                where,
                "allocated_storage_gib",
                allocated_storage_gib,
                "comes from the SecureDatabase: do not pass it too",
            )
        target = database.database
        allocated_storage_gib = database.allocated_storage_gib
    else:
        target = database
    if allocated_storage_gib is not None:
        config_checks.check_int(
            where, "allocated_storage_gib", allocated_storage_gib, 1, _MAX_STORAGE_GIB
        )
        _check_allocated_storage(where, target, allocated_storage_gib)
    label = checks.label(label, database)
    resolved = checks.resolve([label], alarms)
    checks.possible(
        alarms,
        alarm_keys(target, allocated_storage_gib),
        "this database has",
        "give allocated_storage_gib for free_storage_percent"
        if not is_cluster(target) and allocated_storage_gib is None
        else "",
    )
    watched = [("database", identifier(target))]
    checks.unwatched("database", database, watched)
    storage = allocated_storage_gib

    def build(pack: Pack) -> None:
        monitor(pack, target, allocated_storage_gib=storage)

    return Plan(resolved, [Unit(label, f"Database{label}", build, watched)])


def _check_allocated_storage(
    where: str, target: rds.IDatabaseInstance | rds.IDatabaseCluster, allocated_storage_gib: int
) -> None:
    if is_cluster(target):
        raise ValidationError(
            where,
            "allocated_storage_gib",
            allocated_storage_gib,
            "is for an RDS instance: an Aurora cluster's storage grows by itself and has "
            "no free-storage alarms; leave it out",
        )
    own = own_allocated_storage(target)
    if own is not None and own != allocated_storage_gib:
        raise ValidationError(
            where,
            "allocated_storage_gib",
            allocated_storage_gib,
            f"contradicts the instance's allocated storage ({own} GiB): the free-storage "
            "percentage is a share of it; give the same number",
        )


def is_cluster(database: object) -> bool:
    """An Aurora cluster (its storage grows by itself; its replica lag is in milliseconds)."""
    return isinstance(database, rds.DatabaseClusterBase) or hasattr(database, "cluster_identifier")


def is_serverless_v2(database: object) -> bool:
    """An Aurora cluster of this app whose instances are Serverless v2 (``db.serverless``)."""
    node = getattr(database, "node", None)
    if not is_cluster(database) or node is None:
        return False
    return any(
        isinstance(child.node.default_child, rds.CfnDBInstance)
        and child.node.default_child.db_instance_class == "db.serverless"
        for child in node.children
    )


def alarm_keys(
    database: rds.IDatabaseInstance | rds.IDatabaseCluster, allocated_storage_gib: int | None
) -> list[str]:
    """The keys of the alarms this database gets, in catalogue order."""
    present = _metrics(database, allocated_storage_gib)
    return [key for key in CATALOGUE if key in present]


def identifier(database: rds.IDatabaseInstance | rds.IDatabaseCluster) -> str:
    """The instance or cluster identifier, the dimension of its metrics."""
    if is_cluster(database):
        return typing.cast("rds.IDatabaseCluster", database).cluster_identifier
    return typing.cast("rds.IDatabaseInstance", database).instance_identifier


def own_allocated_storage(database: object) -> int | None:
    """The allocated storage (GiB) of an RDS instance of this app, when it is a number."""
    node = getattr(database, "node", None)
    resource = node.default_child if node is not None else None
    if not isinstance(resource, rds.CfnDBInstance):
        return None
    allocated = resource.allocated_storage
    return int(allocated) if isinstance(allocated, str) and allocated.isdigit() else None


def _metrics(
    database: rds.IDatabaseInstance | rds.IDatabaseCluster, allocated_storage_gib: int | None
) -> dict[str, cw.IMetric]:
    metric = database.metric
    metrics: dict[str, cw.IMetric] = {
        "cpu": metric("CPUUtilization", statistic="Average"),
        "connections": metric("DatabaseConnections", statistic="Maximum"),
        "read_iops": metric("ReadIOPS", statistic="Average"),
        "write_iops": metric("WriteIOPS", statistic="Average"),
    }
    cluster = is_cluster(database)
    if not cluster:
        metrics["free_storage"] = metric("FreeStorageSpace", statistic="Minimum")
        if allocated_storage_gib is not None:
            allocated = allocated_storage_gib * 1024**3
            metrics["free_storage_percent"] = cw.MathExpression(
                expression=f"100 * free / {allocated}",
                using_metrics={"free": metrics["free_storage"]},
                label="Free storage (%)",
            )
    if cluster:
        metrics["deadlocks"] = metric("Deadlocks", statistic="Sum")
        if is_serverless_v2(database):
            metrics["acu_utilization"] = metric("ACUUtilization", statistic="Average")
    if cluster and len(getattr(database, "instance_identifiers", [])) > 1:
        metrics["replica_lag"] = metric("AuroraReplicaLag", statistic="Maximum")
    elif isinstance(database, rds.DatabaseInstanceReadReplica):
        metrics["replica_lag"] = metric("ReplicaLag", statistic="Maximum")
    return metrics


def monitor(
    pack: Pack,
    database: rds.IDatabaseInstance | rds.IDatabaseCluster,
    *,
    allocated_storage_gib: int | None,
) -> None:
    """Alarms and widgets of one database instance or cluster."""
    metrics = _metrics(database, allocated_storage_gib)
    for key, metric in metrics.items():
        # AuroraReplicaLag is in milliseconds, the catalogue's threshold in seconds.
        factor = 1000 if key == "replica_lag" and is_cluster(database) else 1
        pack.alarm(key, metric, factor=factor)

    title = f"Database {pack.label}"
    pack.main(
        cw.GraphWidget(
            title=f"{title}: CPU and connections",
            width=12,
            left=[metrics["cpu"]],
            right=[metrics["connections"]],
        ),
    )
    pack.performance(
        cw.GraphWidget(
            title=f"{title}: CPU",
            width=8,
            left=[metrics["cpu"]],
            left_annotations=[cw.HorizontalAnnotation(value=80, label="80%")],
        ),
        cw.GraphWidget(title=f"{title}: connections", width=8, left=[metrics["connections"]]),
        cw.GraphWidget(
            title=f"{title}: IOPS", width=8, left=[metrics["read_iops"], metrics["write_iops"]]
        ),
    )


PACK = PackSpec(
    name=NAME,
    method="monitor_database",
    target="database",
    title="RDS instance or Aurora cluster",
    catalogue=CATALOGUE,
    roll_back="a parameter or class change rolls back by deploying the previous "
    "configuration; data comes back from an automated backup or the AWS Backup vault "
    "([disaster recovery](guides/runbook.md#disaster-recovery)).",
    check=check,
    page=PageRow(
        call="`monitor_database(instance or cluster)`",
        alarms="CPU (guide: 80% over 3 periods), free storage (guide: 10 GiB) and its "
        "percentage, connections, read/write IOPS, replica lag for read replicas and Aurora "
        "readers",
        main="CPU, connections",
        performance="CPU, connections, IOPS",
    ),
)
"""The database pack, as ``ServiceMonitoring.monitor_database`` and the docs read it."""
