"""The monitored services: one module per service, each with its catalogue rows, its metrics,
its alarms and its widgets, kept apart.

Adding a service (SQS, DynamoDB, Step Functions) means adding one module here with
``NAME``, ``CATALOGUE`` and a ``monitor(pack, ...)`` function, registering it in ``PACKS``
and giving ``ServiceMonitoring`` a ``monitor_*`` method that checks its input and calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from org_constructs.monitoring._factory import MonitoredAlarm, MonitoredResource, scaled
from org_constructs.monitoring._packs import api, custom, database, lambda_, nat
from org_constructs.monitoring._settings import AlarmDefault, ResolvedAlarm

__all__ = ["ALARM_CATALOGUE", "PACKS", "CreateAlarm", "Pack"]


class CreateAlarm(Protocol):
    """How a pack asks its ``ServiceMonitoring`` for one alarm (made by the alarm factory)."""

    def __call__(
        self,
        scope: Construct,
        resource: MonitoredResource,
        *,
        key: str,
        metric: cw.IMetric,
        settings: ResolvedAlarm,
        description: str | None,
    ) -> MonitoredAlarm: ...


class _PackModule(Protocol):
    NAME: str
    CATALOGUE: Mapping[str, AlarmDefault]


PACKS: Mapping[str, _PackModule] = {
    module.NAME: module for module in (lambda_, api, database, nat, custom)
}
"""The pack modules by pack name, in catalogue order."""

ALARM_CATALOGUE: Mapping[str, Mapping[str, AlarmDefault]] = {
    name: module.CATALOGUE for name, module in PACKS.items()
}
"""Every alarm the packs create, by pack and key, with its default settings."""

MetricFor = cw.IMetric | Callable[[ResolvedAlarm], cw.IMetric]
"""A metric, or a function that builds one for the settings (a math expression's period)."""


@dataclass(frozen=True)
class Pack:
    """What a pack module gets from ``ServiceMonitoring`` for one resource."""

    resource: MonitoredResource
    scope: Construct
    """Where the resource's alarms are created (``Lambda<label>``, ``Api<label>`` ...)."""
    resolved: Mapping[str, tuple[ResolvedAlarm, ...]]
    """The checked settings of each alarm key: none when disabled, two with ``AlarmLevels``."""
    create: CreateAlarm
    """Creates one alarm through the service's factory and records it."""
    main: Callable[..., None]
    """Adds widgets to the main dashboard (nothing without dashboards)."""
    performance: Callable[..., None]
    """Adds widgets to the performance dashboard."""

    @property
    def label(self) -> str:
        return self.resource.label

    def alarm(
        self,
        key: str,
        metric: MetricFor,
        *,
        factor: float = 1,
        description: str | None = None,
        alarm_key: str | None = None,
    ) -> list[MonitoredAlarm]:
        """Create the alarms of catalogue ``key`` on ``metric`` (one, or one per level).

        ``factor`` multiplies the thresholds (a share of the timeout into milliseconds);
        ``alarm_key`` names the alarm when it is not the catalogue key.
        """
        created = []
        for settings in self.resolved[key]:
            applied = settings if factor == 1 else scaled(settings, factor)
            source = metric(applied) if callable(metric) else metric
            name_key = alarm_key or key
            if applied.level is not None:
                name_key = f"{name_key}_{applied.level}"
            created.append(
                self.create(
                    self.scope,
                    self.resource,
                    key=name_key,
                    metric=source,
                    settings=applied,
                    description=description,
                )
            )
        return created
