"""The one alarm factory: every CloudWatch alarm the library creates is made here.

``ServiceMonitoring``'s packs, ``MonitoredFunction``'s rollback alarms and custom metric alarms
all go through ``AlarmFactory.create``: one naming rule, one way to set the period on a metric,
the resolved settings applied whole (threshold, comparison, periods, missing data, severity)
and the actions of the alarm's severity. Each alarm comes back as a ``MonitoredAlarm`` record
that carries what the alarm is (its severity, its resource's label, its catalogue entry), so
composite alarms and routing read the record instead of side tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from org_constructs._internal.kernel import Program, Slot, enum, seconds
from org_constructs.monitoring._settings import (
    AlarmDefault,
    ResolvedAlarm,
    Severity,
    alarm_name,
)

__all__ = [
    "AlarmFactory",
    "MonitoredAlarm",
    "MonitoredResource",
    "PackCall",
    "PendingAlarm",
    "alarm_construct_id",
    "scaled",
]


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
        self._seconds: dict[int, tuple[Duration, float]] = {}

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
        """One alarm on ``metric`` with ``settings``, named ``<prefix>-<label>-<key>``, now.

        The construct id is the key in capitals (``ErrorRate``, ``ErrorRateWarning``); a
        ``Metric`` gets the settings' period (a math expression carries its own), unless
        ``with_period`` is False: the metric was built with that period.
        """
        program = Program()
        pending = self.plan(
            program,
            scope,
            label=label,
            key=key,
            metric=metric,
            settings=settings,
            description=description,
            with_period=with_period,
        )
        return pending.made(program.run())

    def plan(
        self,
        program: Program,
        scope: Construct | Slot,
        *,
        label: str,
        key: str,
        metric: cw.IMetric | Slot,
        settings: ResolvedAlarm,
        description: str,
        with_period: bool = True,
    ) -> PendingAlarm:
        """``create``'s calls, recorded in ``program``: the alarm exists once it has run
        (``PendingAlarm.made``). ``metric`` may be a slot of the same program."""
        name = self.name(label, key.replace("_", "-"))
        if with_period and _is_metric(metric):
            metric = program.call(
                metric, "with", {"period": seconds(self.seconds(settings.period))}
            )
        alarm = program.new(
            "aws_cloudwatch.Alarm",
            scope,
            alarm_construct_id(key),
            {
                "alarmName": name,
                "alarmDescription": description,
                "metric": metric,
                "threshold": settings.threshold,
                "comparisonOperator": enum(
                    f"aws_cloudwatch.ComparisonOperator.{settings.comparison.name}"
                ),
                "evaluationPeriods": settings.evaluation_periods,
                "datapointsToAlarm": settings.datapoints_to_alarm,
                "treatMissingData": enum(
                    f"aws_cloudwatch.TreatMissingData.{settings.treat_missing_data.name}"
                ),
            },
        )
        action = self._actions.get(settings.severity)
        if action is not None:
            program.call(alarm, "addAlarmAction", action)
            program.call(alarm, "addOkAction", action)
        return PendingAlarm(
            slot=alarm,
            result=program.result(alarm),
            name=name,
            key=key,
            label=label,
            settings=settings,
        )

    def seconds(self, period: Duration) -> float:
        """``period`` in seconds (read once per period object: each read is a kernel call)."""
        known = self._seconds.get(id(period))
        if known is None:
            known = (period, period.to_seconds())
            self._seconds[id(period)] = known
        return known[1]


@dataclass(frozen=True)
class PendingAlarm:
    """An alarm recorded in a ``Program`` that has not run yet."""

    slot: Slot
    """The alarm in the program (an argument of later calls)."""
    result: int
    """Its position among the program's results."""
    name: str
    key: str
    label: str
    settings: ResolvedAlarm

    def made(self, results: Sequence[object]) -> MonitoredAlarm:
        """The record of the alarm, from the results of the program that made it."""
        alarm = results[self.result]
        if not isinstance(alarm, cw.Alarm):  # pragma: no cover - the program makes Alarms
            raise TypeError(f"the kernel made {type(alarm).__name__}, not an Alarm")
        return MonitoredAlarm(
            alarm=alarm,
            name=self.name,
            key=self.key,
            label=self.label,
            severity=self.settings.severity,
            entry=self.settings.default,
            settings=self.settings,
        )


@dataclass
class PackCall:
    """One ``monitor_*`` call: every alarm, metric and widget it makes, recorded in one
    ``Program`` and made together, in one round trip to the jsii kernel, at its end."""

    program: Program = field(default_factory=Program)
    pending: list[tuple[MonitoredResource, PendingAlarm]] = field(default_factory=list)

    def critical(self) -> list[Slot]:
        """The critical alarms of the call, as arguments of the program's later calls."""
        return [
            pending.slot
            for _, pending in self.pending
            if pending.settings.severity is Severity.CRITICAL
        ]

    def run(self) -> list[MonitoredAlarm]:
        """Make everything; the records of the alarms, in the order recorded (also kept in
        their resources' ``alarms`` and ``records``)."""
        results = self.program.run()
        records = []
        for resource, pending in self.pending:
            record = pending.made(results)
            resource.alarms[record.key] = record.alarm
            resource.records[record.key] = record
            records.append(record)
        return records


def _is_metric(metric: object) -> bool:
    """A single metric (not math): the alarm sets its period."""
    if isinstance(metric, Slot):
        return metric.kind == "metric"
    return isinstance(metric, cw.Metric)


def alarm_construct_id(key: str) -> str:
    """``error_rate_warning`` -> ``ErrorRateWarning``."""
    return "".join(part.capitalize() for part in key.split("_"))


def scaled(settings: ResolvedAlarm, factor: float) -> ResolvedAlarm:
    """Turn a threshold given as a share (percent of timeout) into the metric's unit."""
    return replace(settings, threshold=round(settings.threshold * factor, 3))
