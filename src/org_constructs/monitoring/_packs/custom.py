"""Custom metrics: an alarm on any metric the packs do not cover."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_cloudwatch as cw

from org_constructs.monitoring._packs._base import Pack
from org_constructs.monitoring._settings import GT, MISSING_OK, AlarmDefault, Severity, catalogue

__all__ = ["CATALOGUE", "NAME", "monitor"]

NAME = "custom"

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
