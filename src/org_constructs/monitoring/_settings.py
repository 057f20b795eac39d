"""Alarm settings: severities, per-alarm overrides, the catalogue of defaults, alarm names."""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw

from org_constructs.config import _checks as checks
from org_constructs.errors import ValidationError

__all__ = [
    "ALARM_CATALOGUE",
    "AlarmDefault",
    "AlarmSettings",
    "Severity",
    "alarm_name",
]

MAX_ALARM_NAME = 255
_MAX_PERIODS = 8640
"""The most evaluation periods CloudWatch allows: one day of 10-second periods."""
_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

GT = cw.ComparisonOperator.GREATER_THAN_THRESHOLD
GTE = cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
LT = cw.ComparisonOperator.LESS_THAN_THRESHOLD
LTE = cw.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD
_STATIC_COMPARISONS = (GT, GTE, LT, LTE)
MISSING_OK = cw.TreatMissingData.NOT_BREACHING
MISSING_BAD = cw.TreatMissingData.BREACHING


class Severity(str, Enum):
    """How urgent an alarm is. Critical alarms page and feed the service's composite alarm."""

    WARNING = "Warning"
    CRITICAL = "Critical"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class AlarmDefault:
    """One alarm of a pack, with its default settings and what to do when it fires."""

    key: str
    """The alarm's key in ``alarms={...}`` overrides and the last part of its name."""
    metric: str
    """The metric and statistic, as a person reads them."""
    threshold: float
    unit: str
    """Unit of ``threshold``: ``count``, ``percent``, ``ms``, ``seconds``, ``bytes`` or
    ``percent of timeout`` / ``percent of reserved concurrency``."""
    comparison: cw.ComparisonOperator
    period_minutes: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: cw.TreatMissingData
    severity: Severity
    meaning: str
    action: str
    condition: str = ""
    """When the pack creates the alarm, if not always."""

    @property
    def period(self) -> Duration:
        return Duration.minutes(self.period_minutes)


@dataclass(frozen=True)
class AlarmSettings:
    """Overrides for one alarm; every field left as None keeps the pack's default.

    Parameters
    ----------
    threshold:
        In the alarm's unit (see the alarm catalogue). Must not be negative.
    period:
        10 or 30 seconds, or a whole number of minutes.
    evaluation_periods:
        1 or more.
    datapoints_to_alarm:
        1 to ``evaluation_periods``.
    comparison:
        A ``cloudwatch.ComparisonOperator``.
    treat_missing_data:
        A ``cloudwatch.TreatMissingData``.
    severity:
        ``Severity.WARNING`` or ``Severity.CRITICAL``.
    enabled:
        False leaves the alarm out (its dashboard widgets stay). Default: True
    """

    threshold: float | None = None
    period: Duration | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    comparison: cw.ComparisonOperator | None = None
    treat_missing_data: cw.TreatMissingData | None = None
    severity: Severity | None = None
    enabled: bool = True

    def __post_init__(self) -> None:
        where = "AlarmSettings"
        checks.check_fields(where, self)
        threshold = self.threshold
        if threshold is not None and not (
            math.isfinite(threshold) and (threshold >= 0 or checks.is_token(threshold))
        ):
            raise ValidationError(where, "threshold", threshold, "must be finite and not negative")
        if self.period is not None:
            check_period(where, "period", self.period)
        if self.comparison is not None and self.comparison not in _STATIC_COMPARISONS:
            raise ValidationError(
                where,
                "comparison",
                self.comparison,
                "must compare with a threshold (GREATER_THAN_THRESHOLD, LESS_THAN_THRESHOLD, "
                "...): the anomaly detection operators need an anomaly detection band",
            )
        if self.evaluation_periods is not None:
            checks.check_int(where, "evaluation_periods", self.evaluation_periods, 1, _MAX_PERIODS)
        most = self.evaluation_periods or _MAX_PERIODS
        if self.datapoints_to_alarm is not None:
            checks.check_int(
                where, "datapoints_to_alarm", self.datapoints_to_alarm, 1, _MAX_PERIODS
            )
            if self.datapoints_to_alarm > most:
                raise ValidationError(
                    where,
                    "datapoints_to_alarm",
                    self.datapoints_to_alarm,
                    f"must be from 1 to evaluation_periods ({most})",
                )


@dataclass(frozen=True)
class ResolvedAlarm:
    """The settings one alarm is created with."""

    default: AlarmDefault
    threshold: float
    period: Duration
    evaluation_periods: int
    datapoints_to_alarm: int
    comparison: cw.ComparisonOperator
    treat_missing_data: cw.TreatMissingData
    severity: Severity


def resolve(
    where: str, default: AlarmDefault, override: AlarmSettings | None
) -> ResolvedAlarm | None:
    """Merge ``override`` into ``default`` and check the result; None when disabled."""
    if override is None:
        override = AlarmSettings()
    if not isinstance(override, AlarmSettings):
        raise ValidationError(
            where, f"alarms[{default.key!r}]", override, "must be an AlarmSettings"
        )
    if not override.enabled:
        return None

    def pick(value: object, fallback: object) -> object:
        return fallback if value is None else value

    resolved = ResolvedAlarm(
        default=default,
        threshold=pick(override.threshold, default.threshold),  # type: ignore[arg-type]
        period=pick(override.period, default.period),  # type: ignore[arg-type]
        evaluation_periods=pick(override.evaluation_periods, default.evaluation_periods),  # type: ignore[arg-type]
        datapoints_to_alarm=pick(override.datapoints_to_alarm, default.datapoints_to_alarm),  # type: ignore[arg-type]
        comparison=pick(override.comparison, default.comparison),  # type: ignore[arg-type]
        treat_missing_data=pick(override.treat_missing_data, default.treat_missing_data),  # type: ignore[arg-type]
        severity=pick(override.severity, default.severity),  # type: ignore[arg-type]
    )
    if override.evaluation_periods is not None and override.datapoints_to_alarm is None:
        # A longer window keeps the default datapoints; a shorter one cannot exceed itself.
        resolved = replace(
            resolved,
            datapoints_to_alarm=min(
                default.datapoints_to_alarm, max(resolved.evaluation_periods, 1)
            ),
        )
    _check(where, default.key, resolved, default.unit)
    return resolved


def _check(where: str, key: str, alarm: ResolvedAlarm, unit: str) -> None:
    prop = f"alarms[{key!r}]"
    if isinstance(alarm.threshold, bool) or not isinstance(alarm.threshold, (int, float)):
        raise ValidationError(where, f"{prop}.threshold", alarm.threshold, "must be a number")
    if checks.is_token(alarm.threshold):
        if unit.startswith("percent of"):
            raise ValidationError(
                where,
                f"{prop}.threshold",
                alarm.threshold,
                f"must be a literal number, not a token: it is a {unit} that is scaled here",
            )
    elif alarm.threshold < 0:
        raise ValidationError(
            where, f"{prop}.threshold", alarm.threshold, f"must not be negative ({unit})"
        )
    if (
        unit.startswith("percent")
        and unit != "percent of timeout"
        and not checks.is_token(alarm.threshold)
        and alarm.threshold > 100
    ):
        raise ValidationError(
            where, f"{prop}.threshold", alarm.threshold, "is a percentage: must be at most 100"
        )
    if not isinstance(alarm.evaluation_periods, int) or alarm.evaluation_periods < 1:
        raise ValidationError(
            where,
            f"{prop}.evaluation_periods",
            alarm.evaluation_periods,
            "must be a whole number, 1 or more",
        )
    if (
        not isinstance(alarm.datapoints_to_alarm, int)
        or not 1 <= alarm.datapoints_to_alarm <= alarm.evaluation_periods
    ):
        raise ValidationError(
            where,
            f"{prop}.datapoints_to_alarm",
            alarm.datapoints_to_alarm,
            f"must be from 1 to evaluation_periods ({alarm.evaluation_periods})",
        )
    check_period(where, f"{prop}.period", alarm.period)
    seconds = alarm.period.to_seconds(integral=False)
    if seconds * alarm.evaluation_periods > 86400:
        raise ValidationError(
            where,
            f"{prop}.evaluation_periods",
            alarm.evaluation_periods,
            "times period must not exceed one day",
        )


def check_period(
    where: str, prop: str, period: object, sub_minute: tuple[int, ...] = (10, 30)
) -> None:
    """An alarm period: 10 or 30 seconds (``sub_minute``) or whole minutes, up to a day."""
    checks.check_duration(
        where, prop, period, low=Duration.seconds(min(sub_minute)), high=Duration.days(1)
    )
    seconds = typing.cast("Duration", period).to_seconds(integral=False)
    if seconds not in sub_minute and (seconds < 60 or seconds % 60):
        allowed = " or ".join(str(s) for s in sub_minute)
        raise ValidationError(
            where,
            prop,
            f"{seconds:g}s",
            f"must be {allowed} seconds or a whole number of minutes",
        )


def check_name_part(where: str, prop: str, value: object) -> str:
    """One part of alarm and dashboard names: letters, digits, ``-``, ``_``, ``.``."""
    return checks.check_text(
        where,
        prop,
        value,
        _NAME_PART,
        "letters, digits, '-', '_' or '.', starting with a letter or digit",
    )


def alarm_name(where: str, *parts: str) -> str:
    """``<stage>-<service>-<resource>-<alarm>``, checked against CloudWatch's rules.

    Each part is letters, digits, ``-``, ``_`` or ``.``, starting with a letter or digit; the
    whole name is at most 255 characters.
    """
    for part in parts:
        if not isinstance(part, str) or not _NAME_PART.fullmatch(part):
            raise ValidationError(
                where,
                "alarm name part",
                part,
                "must be letters, digits, '-', '_' or '.', starting with a letter or digit",
            )
    name = "-".join(parts)
    if len(name) > MAX_ALARM_NAME:
        raise ValidationError(
            where,
            "alarm name",
            name,
            f"is {len(name)} characters; CloudWatch allows {MAX_ALARM_NAME}: shorten the "
            "service or resource label",
        )
    return name


def _alarm(  # noqa: PLR0917 - a table row, read positionally
    key: str,
    metric: str,
    threshold: float,
    unit: str,
    comparison: cw.ComparisonOperator,
    period: int,
    evaluations: int,
    datapoints: int,
    missing: cw.TreatMissingData,
    severity: Severity,
    meaning: str,
    action: str,
    condition: str = "",
) -> AlarmDefault:
    return AlarmDefault(
        key,
        metric,
        threshold,
        unit,
        comparison,
        period,
        evaluations,
        datapoints,
        missing,
        severity,
        meaning,
        action,
        condition,
    )


W, C = Severity.WARNING, Severity.CRITICAL

ALARM_CATALOGUE: Mapping[str, Mapping[str, AlarmDefault]] = {
    "lambda": {
        a.key: a
        for a in (
            _alarm(
                "errors",
                "Errors (Sum)",
                1,
                "count",
                GT,
                1,
                1,
                1,
                MISSING_OK,
                W,
                "The function threw more than one error in a minute.",
                "Open the function's log group in Logs Insights, filter on ERROR, find the "
                "exception; if a deployment just happened, roll back the alias.",
            ),
            _alarm(
                "error_rate",
                "100 * Errors / Invocations",
                5,
                "percent",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                C,
                "More than 5% of invocations failed for 15 minutes.",
                "Check recent deployments and downstream dependencies; roll back the alias "
                "(CodeDeploy stops a canary by itself) or fix the dependency.",
            ),
            _alarm(
                "throttles",
                "Throttles (Sum)",
                1,
                "count",
                GT,
                1,
                1,
                1,
                MISSING_OK,
                W,
                "Invocations were rejected for lack of concurrency.",
                "Compare ConcurrentExecutions with reserved and account concurrency; raise the "
                "reservation or the account quota, or slow the caller.",
            ),
            _alarm(
                "duration_p90",
                "Duration (p90)",
                80,
                "percent of timeout",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                W,
                "Nine in ten invocations take more than 80% of the timeout.",
                "Look for slow dependencies in X-Ray traces; raise memory (more CPU) or the "
                "timeout.",
            ),
            _alarm(
                "duration_p99",
                "Duration (p99)",
                95,
                "percent of timeout",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                C,
                "The slowest invocations are about to time out.",
                "As for duration_p90; timeouts are failures, so act before they spread.",
            ),
            _alarm(
                "concurrent_executions",
                "ConcurrentExecutions (Maximum)",
                80,
                "percent of reserved concurrency",
                GT,
                1,
                5,
                5,
                MISSING_OK,
                W,
                "Concurrency stays above 80% of the function's reservation (or of 1,000, the "
                "default account quota).",
                "Expect throttles next: raise the reservation or quota, or batch the work.",
            ),
            _alarm(
                "iterator_age",
                "IteratorAge (Maximum)",
                60000,
                "ms",
                GT,
                1,
                5,
                5,
                MISSING_OK,
                W,
                "Records wait more than a minute in the stream before the function reads them.",
                "The function falls behind its event source: raise batch size, parallelization "
                "factor or concurrency; check for a poison record that fails every batch.",
                "the function has an event source mapping",
            ),
        )
    },
    "api": {
        a.key: a
        for a in (
            _alarm(
                "server_errors",
                "5XXError (Sum)",
                5,
                "count",
                GT,
                1,
                1,
                1,
                MISSING_OK,
                C,
                "More than five 5XX responses in a minute (the guide's alarm).",
                "Check the integration (Lambda errors, timeouts at 29 s); roll back the last "
                "deployment if it started then.",
            ),
            _alarm(
                "server_error_rate",
                "5XXError (Average) x 100",
                1,
                "percent",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                C,
                "More than 1% of requests fail with 5XX for 15 minutes.",
                "As for server_errors; the rate catches failures that the count misses at low "
                "traffic and ignores one-off errors at high traffic.",
            ),
            _alarm(
                "client_error_rate",
                "4XXError (Average) x 100",
                5,
                "percent",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                W,
                "More than 5% of requests are rejected with 4XX for 15 minutes.",
                "A client or a deployment changed a contract, or someone is probing: look at "
                "access logs by status and caller.",
            ),
            _alarm(
                "latency_p90",
                "Latency (p90)",
                1000,
                "ms",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                C,
                "Nine in ten requests take longer than one second for 15 minutes (the guide's "
                "alarm).",
                "Compare Latency with IntegrationLatency: the gap is API Gateway, the rest is "
                "the backend; trace slow requests in X-Ray.",
            ),
            _alarm(
                "request_count",
                "Count (Sum)",
                100000,
                "count",
                GT,
                5,
                1,
                1,
                MISSING_OK,
                W,
                "More than 100,000 requests in five minutes: a traffic spike.",
                "Check whether the traffic is expected (a launch, a retry storm, abuse); "
                "throttle with usage plans or WAF rate rules.",
            ),
        )
    },
    "database": {
        a.key: a
        for a in (
            _alarm(
                "cpu",
                "CPUUtilization (Average)",
                80,
                "percent",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                C,
                "CPU above 80% for 15 minutes (the guide's alarm).",
                "Find the expensive queries in Performance Insights; add indexes, move reads to "
                "a replica, or scale the instance class.",
            ),
            _alarm(
                "free_storage",
                "FreeStorageSpace (Minimum)",
                10 * 1024**3,
                "bytes",
                LT,
                5,
                3,
                3,
                MISSING_BAD,
                C,
                "Less than 10 GiB of free storage for 15 minutes (the guide's alarm).",
                "Enable storage autoscaling or raise allocated storage; drop unused data and "
                "check for runaway logs or temporary tables.",
                "an RDS instance (Aurora storage grows by itself)",
            ),
            _alarm(
                "free_storage_percent",
                "100 * FreeStorageSpace / allocated storage",
                10,
                "percent",
                LT,
                5,
                3,
                3,
                MISSING_BAD,
                W,
                "Less than 10% of the allocated storage is free.",
                "As for free_storage.",
                "an RDS instance whose allocated storage is given",
            ),
            _alarm(
                "connections",
                "DatabaseConnections (Maximum)",
                400,
                "count",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                W,
                "More than 400 open connections for 15 minutes.",
                "Look for connection leaks; put RDS Proxy in front of Lambda clients; raise "
                "max_connections with the instance class.",
            ),
            _alarm(
                "read_iops",
                "ReadIOPS (Average)",
                3000,
                "count",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                W,
                "Read IOPS above 3,000 (the gp3 baseline) for 15 minutes.",
                "Find the scans in Performance Insights; add indexes or memory (bigger buffer "
                "cache); provision IOPS.",
            ),
            _alarm(
                "write_iops",
                "WriteIOPS (Average)",
                3000,
                "count",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                W,
                "Write IOPS above 3,000 (the gp3 baseline) for 15 minutes.",
                "Batch writes, check for write amplification (indexes), provision IOPS.",
            ),
            _alarm(
                "replica_lag",
                "ReplicaLag / AuroraReplicaLag (Maximum)",
                30,
                "seconds",
                GT,
                1,
                5,
                5,
                MISSING_OK,
                W,
                "A replica is more than 30 seconds behind its writer.",
                "Reads from the replica are stale: check the replica's CPU and IOPS, and long "
                "transactions on the writer.",
                "a read replica, or an Aurora cluster with readers",
            ),
        )
    },
    "nat": {
        a.key: a
        for a in (
            _alarm(
                "error_port_allocation",
                "ErrorPortAllocation (Sum)",
                0,
                "count",
                GT,
                5,
                1,
                1,
                MISSING_OK,
                C,
                "The NAT gateway could not allocate a source port: connections failed.",
                "Too many connections to one destination: spread traffic across more NAT "
                "gateways or destination addresses, use VPC endpoints for AWS services.",
            ),
            _alarm(
                "packets_drop_count",
                "PacketsDropCount (Sum)",
                100,
                "count",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                W,
                "The NAT gateway dropped more than 100 packets per 5 minutes for 15 minutes.",
                "Check the AWS Health Dashboard for the AZ; compare with traffic volume.",
            ),
            _alarm(
                "active_connection_count",
                "ActiveConnectionCount (Maximum)",
                55000,
                "count",
                GT,
                5,
                3,
                3,
                MISSING_OK,
                W,
                "More than 55,000 concurrent connections (the guide's threshold; a NAT gateway "
                "supports 55,000 to one destination).",
                "Expect ErrorPortAllocation next: add NAT gateways or destinations, or use VPC "
                "endpoints.",
            ),
        )
    },
    "custom": {
        a.key: a
        for a in (
            _alarm(
                "custom",
                "any metric you give",
                0,
                "the metric's unit",
                GT,
                5,
                1,
                1,
                MISSING_OK,
                W,
                "Whatever you monitor with monitor_metric(): the threshold is yours.",
                "Write the action in the alarm's description when you create it.",
            ),
        )
    },
}
"""Every alarm the packs create, by pack and key, with its default settings."""
