"""The one alarm factory: every CloudWatch alarm the library creates is made here.

``ServiceMonitoring``'s packs, ``MonitoredFunction``'s rollback alarms and custom metric alarms
all go through ``AlarmFactory.create``: one naming rule, one way to set the period on a metric,
the resolved settings applied whole (threshold, comparison, periods, missing data, severity)
and the actions of the alarm's severity. Each alarm comes back as a ``MonitoredAlarm`` record
that carries what the alarm is (its severity, its resource's label, its catalogue entry), so
composite alarms and routing read the record instead of side tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from org_constructs.monitoring._settings import (
    AlarmDefault,
    ResolvedAlarm,
    Severity,
    alarm_name,
)

__all__ = ["AlarmFactory", "MonitoredAlarm", "MonitoredResource", "alarm_construct_id", "scaled"]


@dataclass(frozen=True)
class MonitoredAlarm:
    """One alarm the library created, with what it is."""

    alarm: cw.Alarm
    name: str
    """The alarm's name, ``<stage>-<service>-<resource>-<alarm>``."""
    key: str
    """The alarm's key: ``errors``, ``error_rate_warning`` ..."""
    label: str
    """The resource part of its name (``rollback`` for a rollback alarm)."""
    severity: Severity
    entry: AlarmDefault
    """Its row of the alarm catalogue."""
    settings: ResolvedAlarm
    """The settings it was created with."""


@dataclass
class MonitoredResource:
    """What a pack created for one resource."""

    pack: str
    label: str
    alarms: dict[str, cw.Alarm] = field(default_factory=dict)
    """The alarms by key (``errors``, ``latency_p90`` ...)."""
    records: dict[str, MonitoredAlarm] = field(default_factory=dict)
    """The same alarms with what each one is (severity, catalogue entry, settings)."""


class AlarmFactory:
    """Creates alarms named under one prefix, with actions chosen by severity.

    Parameters
    ----------
    where:
        Who reports errors (``ServiceMonitoring('Monitoring')``).
    prefix:
        The first parts of every name: stage and service.
    actions:
        The action of each severity; a severity without one creates alarms without actions.
    """

    def __init__(
        self,
        where: str,
        prefix: tuple[str, ...],
        actions: Mapping[Severity, cw.IAlarmAction | None],
    ) -> None:
        self._where = where
        self._prefix = prefix
        self._actions = dict(actions)

    def name(self, *parts: str) -> str:
        """The alarm name for ``parts`` under the prefix, checked against CloudWatch's rules."""
        return alarm_name(self._where, *self._prefix, *parts)

    def create(
        self,
        scope: Construct,
        *,
        label: str,
        key: str,
        metric: cw.IMetric,
        settings: ResolvedAlarm,
        description: str,
        with_period: bool = True,
    ) -> MonitoredAlarm:
        """One alarm on ``metric`` with ``settings``, named ``<prefix>-<label>-<key>``.

        The construct id is the key in capitals (``ErrorRate``, ``ErrorRateWarning``); a
        ``Metric`` gets the settings' period (a math expression carries its own), unless
        ``with_period`` is False: the metric was built with that period.
        """
        name = self.name(label, key.replace("_", "-"))
        alarm = cw.Alarm(
            scope,
            alarm_construct_id(key),
            alarm_name=name,
            alarm_description=description,
            metric=metric.with_(period=settings.period)
            if with_period and isinstance(metric, cw.Metric)
            else metric,
            threshold=settings.threshold,
            comparison_operator=settings.comparison,
            evaluation_periods=settings.evaluation_periods,
            datapoints_to_alarm=settings.datapoints_to_alarm,
            treat_missing_data=settings.treat_missing_data,
        )
        action = self._actions.get(settings.severity)
        if action is not None:
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
        return MonitoredAlarm(
            alarm=alarm,
            name=name,
            key=key,
            label=label,
            severity=settings.severity,
            entry=settings.default,
            settings=settings,
        )


def alarm_construct_id(key: str) -> str:
    """``error_rate_warning`` -> ``ErrorRateWarning``."""
    return "".join(part.capitalize() for part in key.split("_"))


def scaled(settings: ResolvedAlarm, factor: float) -> ResolvedAlarm:
    """Turn a threshold given as a share (percent of timeout) into the metric's unit."""
    return replace(settings, threshold=round(settings.threshold * factor, 3))
