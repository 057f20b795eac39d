"""Custom metrics: an alarm on any metric the packs do not cover."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw

from org_constructs.errors import ValidationError
from org_constructs.monitoring import _targets as targets
from org_constructs.monitoring._packs._base import Pack, PackSpec, PageRow, Plan, Unit
from org_constructs.monitoring._packs._checks import PackChecks
from org_constructs.monitoring._settings import (
    GT,
    MISSING_OK,
    AlarmDefault,
    AlarmSettings,
    Severity,
    catalogue,
    check_period,
    resolve,
)

__all__ = ["CATALOGUE", "NAME", "PACK", "check", "monitor"]

NAME = "custom"
_MAX_DESCRIPTION = 1024

W, C = Severity.WARNING, Severity.CRITICAL

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="custom",
        metric="any metric you give",
        threshold=0,
        unit="the metric's unit",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Whatever you monitor with monitor_metric(): the threshold is yours.",
        action="Write the action in the alarm's description when you create it.",
    ),
)
"""The custom metric pack's alarms, by key, with their default settings."""


def monitor(pack: Pack, metric: cw.IMetric, *, description: str | None) -> None:
    """The one alarm (named ``<...>-<label>-alarm``) and a graph of the metric."""
    pack.alarm("custom", metric, description=description, alarm_key="alarm")
    pack.main(cw.GraphWidget(title=pack.label, width=12, left=[metric]))


def check(
    checks: PackChecks,
    metric: cw.IMetric,
    *,
    label: str,
    threshold: float,
    comparison: cw.ComparisonOperator,
    period: Duration | None,
    evaluation_periods: int,
    datapoints_to_alarm: int | None,
    treat_missing_data: cw.TreatMissingData,
    severity: Severity,
    description: str | None,
) -> Plan:
    """What ``monitor_metric`` refuses; the plan of its one alarm."""
    where = checks.where
    targets.check_alarm_metric(where, "metric", metric, checks.region)
    period = _metric_period(where, metric, period)
    if description is not None and len(description) > _MAX_DESCRIPTION:
        raise ValidationError(
            where,
            "description",
            f"{description[:40]}...",
            f"must be at most {_MAX_DESCRIPTION} characters (CloudWatch's limit)",
        )
    label = checks.label(label, None)
    try:
        given = AlarmSettings(
            threshold=threshold,
            comparison=comparison,
            period=period,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=(
                evaluation_periods if datapoints_to_alarm is None else datapoints_to_alarm
            ),
            treat_missing_data=treat_missing_data,
            severity=severity,
        )
    except ValidationError as error:
        raise error.relocated(where) from None
    settings = resolve(where, CATALOGUE["custom"], given)
    if settings is None:  # pragma: no cover - custom settings are always enabled
        raise ValidationError(where, "label", label, "cannot be disabled")
    checks.name(label, "alarm")
    if isinstance(metric, cw.MathExpression):
        # The alarm factory sets the period of a plain metric; an expression carries its own.
        metric = metric.with_(period=settings.period)
    watched = metric

    def build(pack: Pack) -> None:
        monitor(pack, watched, description=description)

    return Plan({"custom": (settings,)}, [Unit(label, f"Custom{label}", build)])


def _metric_period(where: str, metric: cw.IMetric, period: Duration | None) -> Duration | None:
    """The alarm's period: ``period``, else the metric's own; both given must agree."""
    own = targets.metric_period(metric)
    if own is None or own.is_unresolved():
        return period
    if period is None:
        if targets.is_default_period(own):
            return None
        try:
            check_period(where, "metric.period", own)
        except ValidationError as error:
            raise ValidationError(
                where,
                "metric.period",
                own.to_human_string(),
                f"{error.expected} for an alarm: give period=... (a period CloudWatch "
                "alarms allow)",
            ) from None
        return own
    if (
        not targets.is_default_period(own)
        and isinstance(period, Duration)
        and not period.is_unresolved()
        and own.to_milliseconds() != period.to_milliseconds()
    ):
        raise ValidationError(
            where,
            "period",
            period.to_human_string(),
            f"contradicts the metric's own period ({own.to_human_string()}): leave "
            "period out to alarm on the metric's, or build the metric with this one",
        )
    return period


PACK = PackSpec(
    name=NAME,
    method="monitor_metric",
    target="metric",
    title="Any metric",
    catalogue=CATALOGUE,
    roll_back="as the owner of the metric decides; a deployment that started it is rolled back "
    "by deploying the previous release ([rolling back](guides/runbook.md#rolling-back)).",
    check=check,
    page=PageRow(
        call="`monitor_metric(metric, ...)`",
        alarms="one alarm with the threshold you give",
        main="the metric",
    ),
)
"""The custom metric pack, as ``ServiceMonitoring.monitor_metric`` and the docs read it."""
