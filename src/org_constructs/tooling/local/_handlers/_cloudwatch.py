"""CloudFormation handlers for CloudWatch alarms.

- ``AWS::CloudWatch::Alarm``: ``PutMetricAlarm`` with the metric or the metric math
  (``Metrics`` with ``ReturnData``), dimensions, statistic, threshold, periods, the three action
  lists, ``TreatMissingData`` and tags; an update puts the alarm again and keeps its state. No
  alarm is ever evaluated: each stays in its first state and no action runs.
- ``AWS::CloudWatch::CompositeAlarm``: moto has no ``PutCompositeAlarm``; the alarm is stored
  through the backend's ``put_metric_alarm`` with its ``AlarmRule``, description, actions and
  tags, which ``DescribeAlarms`` lists under ``CompositeAlarms`` (moto ignores ``AlarmTypes``
  and always returns both lists). The rule is never evaluated; action suppressors are left out.
"""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import (
    Dimension,
    Metric,
    MetricDataQuery,
    MetricStat,
    cloudwatch_backends,
)
from moto.core.common_models import CloudFormationModel
from moto.utilities.utils import get_partition

from org_constructs.tooling.local._handlers._base import (
    Properties,
    _bool,
    _dropped_tags,
    _Handler,
    _tags,
)

__all__ = ["CompositeAlarm", "MetricAlarm"]


def _metric_stat(stat: Properties | None) -> MetricStat | None:
    if not stat:
        return None
    metric = stat["Metric"]
    return MetricStat(
        metric=Metric(
            metric_name=metric["MetricName"],
            namespace=metric.get("Namespace"),
            dimensions=[Dimension(d["Name"], d["Value"]) for d in metric.get("Dimensions") or []],
        ),
        period=int(stat["Period"]),  # type: ignore[arg-type]
        stat=stat["Stat"],
        unit=stat.get("Unit"),  # type: ignore[arg-type]
    )


def _metric_queries(metrics: list[Properties] | None) -> list[MetricDataQuery] | None:
    if not metrics:
        return None
    return [
        MetricDataQuery(
            query_id=m["Id"],
            label=m.get("Label"),  # type: ignore[arg-type]
            period=m.get("Period"),  # type: ignore[arg-type]
            return_data=None if "ReturnData" not in m else _bool(m["ReturnData"]),  # type: ignore[arg-type]
            expression=m.get("Expression"),
            metric_stat=_metric_stat(m.get("MetricStat")),
        )
        for m in metrics
    ]


def _number(value: Any, kind: type[int] | type[float]) -> Any:
    return None if value is None else kind(value)


class _AlarmHandler(_Handler):
    """An alarm put through the backend's ``put_metric_alarm``, keeping its state on updates."""

    NAME = "AlarmName"
    ATTRIBUTES = frozenset({"Arn"})

    def arguments(self) -> dict[str, Any]:
        raise NotImplementedError

    def _put(self) -> None:
        p = self.properties
        backend = cloudwatch_backends[self.account_id][self.region_name]
        before = backend.alarms.get(self.name)
        arguments = {
            "name": self.name,
            "description": p.get("AlarmDescription"),
            "alarm_actions": list(p.get("AlarmActions") or []),
            "ok_actions": list(p.get("OKActions") or []),
            "insufficient_data_actions": list(p.get("InsufficientDataActions") or []),
            "actions_enabled": _bool(p.get("ActionsEnabled"), default=True),
            "tags": _tags(p),
            **self.arguments(),
        }
        alarm = backend.put_metric_alarm(**arguments)
        if before is not None:
            alarm.state_value, alarm.state_reason = before.state_value, before.state_reason
            alarm.state_reason_data = before.state_reason_data
            alarm.state_updated_timestamp = before.state_updated_timestamp
            alarm.history = before.history

    def create(self) -> None:
        self._put()

    def update(self, previous: Properties) -> None:
        self._put()
        backend = cloudwatch_backends[self.account_id][self.region_name]
        backend.tagger.untag_resource_using_names(
            self.attribute("Arn"), _dropped_tags(previous, self.properties)
        )

    def remove(self) -> None:
        backend = cloudwatch_backends[self.account_id][self.region_name]
        backend.delete_alarms([self.name])
        backend.tagger.delete_all_tags_for_resource(self.attribute("Arn"))

    def attribute(self, name: str) -> Any:
        partition = get_partition(self.region_name)
        return f"arn:{partition}:cloudwatch:{self.region_name}:{self.account_id}:alarm:{self.name}"


class MetricAlarm(_AlarmHandler, CloudFormationModel):
    TYPE = "AWS::CloudWatch::Alarm"

    def arguments(self) -> dict[str, Any]:
        p = self.properties
        return {
            "namespace": p.get("Namespace"),
            "metric_name": p.get("MetricName"),
            "metric_data_queries": _metric_queries(p.get("Metrics")),
            "dimensions": [
                {"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions") or []
            ],
            "statistic": p.get("Statistic"),
            "extended_statistic": p.get("ExtendedStatistic"),
            "period": _number(p.get("Period"), int),
            "unit": p.get("Unit"),
            "comparison_operator": p["ComparisonOperator"],
            "threshold": _number(p.get("Threshold"), float),
            "threshold_metric_id": p.get("ThresholdMetricId"),
            "evaluation_periods": int(p["EvaluationPeriods"]),
            "datapoints_to_alarm": _number(p.get("DatapointsToAlarm"), int),
            "treat_missing_data": p.get("TreatMissingData"),
            "evaluate_low_sample_count_percentile": p.get("EvaluateLowSampleCountPercentile"),
        }


class CompositeAlarm(_AlarmHandler, CloudFormationModel):
    TYPE = "AWS::CloudWatch::CompositeAlarm"

    def arguments(self) -> dict[str, Any]:
        # None of a metric alarm's settings: moto tells the two kinds apart by the rule.
        return {
            "rule": self.properties["AlarmRule"],
            "namespace": None,
            "metric_name": None,
            "dimensions": [],
            "statistic": None,
            "period": None,
            "comparison_operator": None,
            "threshold": None,
            "evaluation_periods": None,
        }
