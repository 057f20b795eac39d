"""The interface of a pack module: what it declares (``PackSpec``), what its ``check`` returns
(``Plan``) and what its build step gets from ``ServiceMonitoring`` for one resource (``Pack``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from org_constructs._internal.kernel import Program, Seconds, Slot, seconds
from org_constructs._internal.shapes import Shape
from org_constructs.monitoring._factory import MonitoredResource, scaled
from org_constructs.monitoring._settings import AlarmDefault, ResolvedAlarm, anchor

__all__ = [
    "CreateAlarm",
    "Metric",
    "MetricFor",
    "Pack",
    "PackSpec",
    "PageRow",
    "Plan",
    "Shared",
    "Unit",
    "anchor",
]


class CreateAlarm(Protocol, metaclass=Shape):
    """How a pack asks its ``ServiceMonitoring`` for one alarm (made by the alarm factory)."""

    def __call__(
        self,
        scope: Construct | Slot,
        resource: MonitoredResource,
        *,
        key: str,
        metric: cw.IMetric | Slot,
        settings: ResolvedAlarm,
        description: str | None,
        with_period: bool = True,
    ) -> None: ...


Metric = cw.IMetric | Slot
"""An aws-cdk-lib metric, or one recorded in the call's ``Program`` (``Pack.call``)."""

MetricFor = Metric | Callable[[ResolvedAlarm], Metric]
"""A metric, or a function that builds one for the settings, with their period (a math
expression's, a metric's: ``pack.call(fn, "metricErrors", {"period": ...})`` saves a copy)."""


@dataclass(frozen=True)
class Pack:
    """What a pack module gets from ``ServiceMonitoring`` for one resource."""

    resource: MonitoredResource
    scope: Construct | Slot
    """Where the resource's alarms are created (``Lambda<label>``, ``Api<label>`` ...)."""
    resolved: Mapping[str, tuple[ResolvedAlarm, ...]]
    """The checked settings of each alarm key: none when disabled, two with ``AlarmLevels``."""
    create: CreateAlarm
    """Creates one alarm through the service's factory and records it."""
    main: Callable[..., None]
    """Adds widgets to the main dashboard (nothing without dashboards)."""
    performance: Callable[..., None]
    """Adds widgets to the performance dashboard."""
    program: Program
    """The calls of this ``monitor_*`` call, made together in one round trip to the jsii
    kernel once every resource is built: the pack's metrics and widgets go here."""
    seconds: Callable[[Duration], float]
    """A period in seconds (read once per period)."""

    @property
    def label(self) -> str:
        return self.resource.label

    def new(self, type_path: str, *args: object) -> Slot:
        """``new aws_cdk.<type_path>(*args)`` in the program (props in aws-cdk-lib's
        spelling): ``pack.new("aws_cloudwatch.GraphWidget", {"title": ..., "left": [...]})``."""
        return self.program.new(type_path, *args)

    def call(self, target: object, method: str, *args: object) -> Slot:
        """``target.<method>(*args)`` in the program: ``pack.call(fn, "metricErrors", {...})``."""
        return self.program.call(target, method, *args)

    def period(self, settings: ResolvedAlarm) -> Seconds:
        """The alarm's period, as a program argument."""
        return seconds(self.seconds(settings.period))

    def alarm(
        self,
        key: str,
        metric: MetricFor,
        *,
        factor: float = 1,
        description: str | None = None,
        alarm_key: str | None = None,
    ) -> None:
        """Create the alarms of catalogue ``key`` on ``metric`` (one, or one per level).

        ``factor`` multiplies the thresholds (a share of the timeout into milliseconds);
        ``alarm_key`` names the alarm when it is not the catalogue key.
        """
        for settings in self.resolved[key]:
            applied = settings if factor == 1 else scaled(settings, factor)
            source = metric(applied) if callable(metric) else metric
            name_key = alarm_key or key
            if applied.level is not None:
                name_key = f"{name_key}_{applied.level}"
            self.create(
                self.scope,
                self.resource,
                key=name_key,
                metric=source,
                settings=applied,
                description=description,
                with_period=not callable(metric),
            )


# ----------------------------------------------------------------------------- declaration


@dataclass(frozen=True)
class PageRow:
    """The pack's row in the table of ``docs/constructs/monitoring.md`` (generated)."""

    call: str
    """How it is called: ``monitor_rest_api(api)` or `(api_name=, stage_name=)``."""
    alarms: str
    """What it alarms on, in a phrase per alarm."""
    main: str
    """What it adds to the main dashboard."""
    performance: str = ""
    """What it adds to the performance dashboard."""


@dataclass(frozen=True)
class Unit:
    """One resource a pack monitors: its label, what it watches, how its alarms are built."""

    label: str
    scope_id: str
    """The construct id of the scope of its alarms: ``Lambda<label>``; part of logical ids."""
    build: Callable[[Pack], None]
    """Creates its alarms and widgets through the ``Pack`` it is given."""
    watched: Sequence[tuple[str, ...]] = ()
    """What it watches (``('lambda', <function ARN>)``), so that nothing is watched twice."""


@dataclass(frozen=True)
class Shared:
    """What a pack's ``finish`` step gets once every resource is built."""

    main: Callable[..., None]
    performance: Callable[..., None]
    critical_action: cw.IAlarmAction
    """The action of Critical alarms (an alarm of the resource itself may notify it too)."""


@dataclass(frozen=True)
class Plan:
    """What a pack's ``check`` returns once every input is checked: nothing is created yet."""

    resolved: Mapping[str, tuple[ResolvedAlarm, ...]]
    """The checked settings of each alarm key (``PackChecks.resolve``)."""
    units: Sequence[Unit]
    finish: Callable[[Shared], None] | None = None
    """Widgets across the units (every NAT gateway on one graph) and other last steps."""


@dataclass(frozen=True)
class PackSpec:
    """Everything the library knows of one monitored service, declared by its pack module as
    ``PACK`` and registered in ``PACKS`` (``monitoring/_packs/__init__.py``).

    ``ServiceMonitoring.<method>`` passes its arguments to ``check``; the alarm docs
    (``docs/alarms.md``) and the construct page's pack table are generated from the rest.
    """

    name: str
    """The pack's key in ``ALARM_CATALOGUE``, the first part of its runbook anchors."""
    method: str
    """The ``ServiceMonitoring`` method that monitors it: ``monitor_lambda_function``."""
    target: str
    """That method's argument that names the resource, for wrong-kind advice."""
    title: str
    """The heading of its section in the alarm docs: ``Lambda function or alias``."""
    catalogue: Mapping[str, AlarmDefault]
    """Every alarm it can create, by key, with meaning, action, levels and condition."""
    roll_back: str
    """How to roll back when one of its alarms fires (Markdown, for the alarm docs)."""
    check: Callable[..., Plan]
    """``check(checks: PackChecks, **arguments) -> Plan``: every input check, nothing created."""
    page: PageRow

    @property
    def heading(self) -> str:
        return f"{self.title}: `{self.method}()`"
