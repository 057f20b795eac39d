"""What a pack module gets from ``ServiceMonitoring`` for one resource."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from org_constructs.monitoring._factory import MonitoredAlarm, MonitoredResource, scaled
from org_constructs.monitoring._settings import ResolvedAlarm

__all__ = ["CreateAlarm", "MetricFor", "Pack"]


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
