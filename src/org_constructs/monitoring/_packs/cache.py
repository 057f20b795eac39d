"""ElastiCache caches (Valkey, Redis OSS): engine CPU, memory, evictions, connections and
replication lag, per node of a replication group."""

from __future__ import annotations

from collections.abc import Mapping

from org_constructs._internal.nodes import id_of, path_of
from org_constructs.core import CacheWithNodes
from org_constructs.errors import ValidationError
from org_constructs.monitoring._packs._base import MetricFor, Pack, PackSpec, PageRow, Plan, Unit
from org_constructs.monitoring._packs._checks import Overrides, PackChecks
from org_constructs.monitoring._settings import (
    GT,
    MISSING_OK,
    AlarmDefault,
    Severity,
    catalogue,
)

__all__ = ["CATALOGUE", "NAME", "PACK", "check"]

NAME = "cache"
_NAMESPACE = "AWS/ElastiCache"

W, C = Severity.WARNING, Severity.CRITICAL

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="engine_cpu",
        metric="EngineCPUUtilization (Average), per node",
        threshold=80,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="The engine thread of a node is busier than 80% for 15 minutes: commands "
        "queue behind it and latency rises.",
        action="Find slow or heavy commands (SLOWLOG, large KEYS/SCAN, big values); spread "
        "reads to replicas, or a larger node type.",
    ),
    AlarmDefault(
        key="memory",
        metric="DatabaseMemoryUsagePercentage (Maximum), per node",
        threshold=80,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="A node uses more than 80% of its memory for 15 minutes.",
        action="Check TTLs and the largest keys; set an eviction policy (maxmemory-policy) or "
        "move to a larger node type before writes fail.",
    ),
    AlarmDefault(
        key="memory_critical",
        metric="DatabaseMemoryUsagePercentage (Maximum), per node",
        threshold=90,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="A node uses more than 90% of its memory for 15 minutes: it evicts keys or "
        "refuses writes (noeviction).",
        action="Scale to a larger node type now; then find what grew (keys without TTL).",
    ),
    AlarmDefault(
        key="evictions",
        metric="Evictions (Sum), per node",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="A node evicted keys in each of three 5-minute periods: it is full and drops "
        "data to make room.",
        action="A cache that evicts serves more misses: give keys TTLs, store less, or use a "
        "larger node type.",
    ),
    AlarmDefault(
        key="connections",
        metric="CurrConnections (Maximum), per node",
        threshold=5000,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="More than 5,000 open connections on a node for 15 minutes (the limit is 65,000).",
        action="Look for clients that open a connection per request (Lambda without reuse); "
        "pool and reuse connections.",
    ),
    AlarmDefault(
        key="replication_lag",
        metric="ReplicationLag (Maximum), per replica",
        threshold=1,
        unit="seconds",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=5,
        datapoints_to_alarm=5,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="A replica is more than a second behind its primary for 5 minutes: reads "
        "from it are stale, and a failover would lose the difference.",
        action="Check the primary's write rate and engine CPU, and the replica's network; "
        "a larger node type replicates faster.",
        condition="the cache has replicas",
    ),
)
"""The cache pack's alarms, by key, with their default settings."""


def check(
    checks: PackChecks,
    cache: CacheWithNodes,
    *,
    label: str | None,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_cache`` refuses; the plan of its one cache."""
    where = checks.where
    if not isinstance(cache, CacheWithNodes):
        raise ValidationError(
            where, "cache", cache, "must be a SecureCache (a construct with cache_id and node_ids)"
        )
    if cache.serverless:
        raise ValidationError(
            where,
            "cache",
            path_of(cache),
            "is a serverless cache, which this pack does not watch yet (its metrics are ECPUs "
            "and BytesUsedForCache, not per node): watch it with monitor_custom_metrics, or "
            "use a replication group",
        )
    checks.check_region("cache", cache)
    label = checks.label(label or str(id_of(cache)), cache)
    resolved = dict(checks.resolve([label], alarms))
    nodes = list(cache.node_ids)
    possible = [key for key in CATALOGUE if key != "replication_lag" or len(nodes) > 1]
    checks.possible(alarms, possible, "this cache has", "")
    if len(nodes) < 2:
        resolved["replication_lag"] = ()
    watched = [("elasticache", cache.cache_id)]
    checks.unwatched("cache", cache, watched)

    def build(pack: Pack) -> None:
        _monitor(pack, nodes)

    return Plan(resolved, [Unit(label, f"Cache{label}", build, watched)])


def _monitor(pack: Pack, nodes: list[str]) -> None:
    """Alarms (one per node) and widgets of one replication group."""

    def metric(
        name: str, node: str, statistic: str, label: str | None = None, period: object = None
    ) -> object:
        return pack.new(
            "aws_cloudwatch.Metric",
            {
                "namespace": _NAMESPACE,
                "metricName": name,
                "statistic": statistic,
                "dimensionsMap": {"CacheClusterId": node},
                "label": label,
                "period": period,
            },
        )

    def alarm_metric(name: str, node: str, statistic: str) -> MetricFor:
        return lambda settings: metric(  # type: ignore[return-value]
            name, node, statistic, period=pack.period(settings)
        )

    for index, node in enumerate(nodes):
        suffix = "" if index == 0 else f"_{index:03d}"
        for key, name, statistic in (
            ("engine_cpu", "EngineCPUUtilization", "Average"),
            ("memory", "DatabaseMemoryUsagePercentage", "Maximum"),
            ("memory_critical", "DatabaseMemoryUsagePercentage", "Maximum"),
            ("evictions", "Evictions", "Sum"),
            ("connections", "CurrConnections", "Maximum"),
        ):
            pack.alarm(key, alarm_metric(name, node, statistic), alarm_key=key + suffix)
        if index > 0:
            pack.alarm(
                "replication_lag",
                alarm_metric("ReplicationLag", node, "Maximum"),
                alarm_key="replication_lag" + suffix,
            )
    title = f"Cache {pack.label}"

    def graph(what: str, name: str, statistic: str) -> object:
        return pack.new(
            "aws_cloudwatch.GraphWidget",
            {
                "title": f"{title}: {what}",
                "width": 6,
                "left": [metric(name, node, statistic, node) for node in nodes],
            },
        )

    pack.main(
        graph("engine CPU (%)", "EngineCPUUtilization", "Average"),
        graph("memory used (%)", "DatabaseMemoryUsagePercentage", "Maximum"),
        graph("connections", "CurrConnections", "Maximum"),
        graph("evictions", "Evictions", "Sum"),
    )


PACK = PackSpec(
    name=NAME,
    method="monitor_cache",
    target="cache",
    title="ElastiCache cache",
    catalogue=CATALOGUE,
    roll_back="a node type or parameter change rolls back by deploying the previous "
    "configuration; data comes back from the last snapshot "
    "([disaster recovery](guides/runbook.md#disaster-recovery)).",
    check=check,
    page=PageRow(
        call="`monitor_cache(cache)` (a `SecureCache` with nodes; serverless is refused)",
        alarms="engine CPU, memory (warning 80%, critical 90%), evictions, current "
        "connections, replication lag per replica, each per node",
        main="engine CPU, memory, connections, evictions per node",
    ),
)
"""The cache pack, as ``ServiceMonitoring.monitor_cache`` and the docs read it."""
