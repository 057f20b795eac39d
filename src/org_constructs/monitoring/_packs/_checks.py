"""The input checks every pack shares, given to a pack's ``check`` by ``ServiceMonitoring``."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from org_constructs._internal import checks as config_checks
from org_constructs._internal.lazy import instance_of
from org_constructs.config import Stage
from org_constructs.errors import ValidationError
from org_constructs.monitoring import _targets as targets
from org_constructs.monitoring._factory import AlarmFactory, MonitoredResource
from org_constructs.monitoring._packs._base import PackSpec
from org_constructs.monitoring._settings import (
    AlarmLevels,
    AlarmSettings,
    ResolvedAlarm,
    alarm_name,
    check_name_part,
    resolve_levels,
)

__all__ = ["Overrides", "PackChecks", "Watchlist"]

Overrides = Mapping[str, AlarmSettings | AlarmLevels] | None
"""The ``alarms={...}`` argument of a ``monitor_*`` method."""


@dataclass
class Watchlist:
    """What one ``ServiceMonitoring`` monitors: its resources and what each one watches."""

    resources: list[MonitoredResource] = field(default_factory=list)
    watched: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    """What each pack watches (``('lambda', <function ARN>)``...) and under which label."""

    def add(
        self, pack: str, label: str, watched: Sequence[tuple[str, ...]] = ()
    ) -> MonitoredResource:
        resource = MonitoredResource(pack=pack, label=label)
        self.resources.append(resource)
        self.watched += [(key, label) for key in watched]
        return resource


_MADE_HERE = (lambda_.Function, lambda_.Alias, lambda_.Version)
_MADE_HERE_ELSEWHERE = ("aws_cdk.aws_apigateway.RestApi",)
"""Resources made by their constructor (not imported): their region is their stack's."""


class PackChecks:
    """The checks of one ``ServiceMonitoring`` for one pack; each raises ``ValidationError``
    naming the method's argument, before anything is created.

    Parameters
    ----------
    where:
        Who reports errors (``ServiceMonitoring('Monitoring')``).
    monitoring:
        The ``ServiceMonitoring`` (its stack's region is the alarms' region).
    stage, service:
        The first parts of every alarm name.
    factory:
        The alarm factory, whose naming rule checks every alarm name.
    watchlist:
        What the service monitors already.
    pack:
        The pack whose input is checked.
    region:
        The region of the ``ServiceMonitoring``'s stack, when known. Default: - read from
        the stack when a check needs it
    stack:
        The ``ServiceMonitoring``'s stack, when known: a resource made in it is in its
        region without reading the region. Default: - the region is read
    """

    def __init__(
        self,
        *,
        where: str,
        monitoring: Construct,
        stage: Stage,
        service: str,
        factory: AlarmFactory,
        watchlist: Watchlist,
        pack: PackSpec,
        region: str | None = None,
        stack: Stack | None = None,
    ) -> None:
        self.where = where
        self.stage = stage
        self.pack = pack
        self._monitoring = monitoring
        self._service = service
        self._factory = factory
        self._watchlist = watchlist
        self._region = region
        self._stack = stack

    @property
    def region(self) -> str:
        """The region of the alarms (the ``ServiceMonitoring``'s stack)."""
        if self._region is None:
            self._region = Stack.of(self._monitoring).region
        return self._region

    def vpc_or_ids(
        self,
        vpc: object,
        ids: Sequence[str] | None,
        *,
        prop: str,
        pattern: re.Pattern[str],
        example: str,
        noun: str,
    ) -> None:
        """A VPC (in the alarms' region) or ids of its NAT resources, never both; each id well
        formed, none twice."""
        if vpc is not None:
            self.check_region("vpc", vpc)
        if vpc is not None and ids is not None:
            raise ValidationError(
                self.where, prop, list(ids), "cannot be given with vpc: the ids come from the VPC"
            )
        for index, value in enumerate(ids or ()):
            config_checks.check_text(
                self.where, f"{prop}[{index}]", value, pattern, example, tokens=True
            )
        config_checks.check_unique(self.where, prop, ids or (), noun)

    def check_region(self, prop: str, target: object, *, stack: object = None) -> None:
        """``target`` is in the alarms' region (or one of them is not known yet); ``stack``:
        its stack, when the caller has read it."""
        if (
            self._stack is not None
            and (isinstance(target, _MADE_HERE) or instance_of(target, *_MADE_HERE_ELSEWHERE))
            and (stack or getattr(target, "stack", None)) is self._stack
        ):
            # Made in the alarms' own stack, so in their region: one request, not three.
            return
        targets.check_same_region(
            self.where,
            prop,
            target,
            self._monitoring,
            reason="CloudWatch alarms watch metrics of their own region only; monitor it "
            "from a ServiceMonitoring in a stack of its region",
            region=self.region,
        )

    def name(self, *parts: str) -> str:
        """The alarm name of ``parts`` after stage and service, checked."""
        return alarm_name(self.where, self.stage.value, self._service, *parts)

    def label(self, label: str | None, resource: object, fallback: str | None = None) -> str:
        """The resource's label: ``label``, else its construct id (else ``fallback``); a
        name part no other resource of the service has."""
        if label is None:
            node = getattr(resource, "node", None)
            label = fallback if node is None else str(node.id)
        if label is None or targets.unresolved_text(label):
            raise ValidationError(self.where, "label", label, "is required for this resource")
        check_name_part(self.where, "label", label)
        self.name(label)
        if any(r.label == label for r in self._watchlist.resources):
            raise ValidationError(
                self.where,
                "label",
                label,
                "is already monitored in this service: give another label",
            )
        return label

    def alarm_keys(self, alarms: Overrides) -> None:
        """Every key of ``alarms`` is an alarm of the pack."""
        catalogue = self.pack.catalogue
        for key in alarms or {}:
            if key not in catalogue:
                raise ValidationError(
                    self.where,
                    f"alarms[{key!r}]",
                    alarms[key],  # type: ignore[index]
                    f"is not an alarm of the {self.pack.name} pack; alarms are "
                    f"{', '.join(catalogue)}",
                )

    def resolve(
        self, labels: Sequence[str], alarms: Overrides
    ) -> dict[str, tuple[ResolvedAlarm, ...]]:
        """Every alarm setting of the pack and every alarm name for ``labels``, checked."""
        self.alarm_keys(alarms)
        resolved = {
            key: resolve_levels(self.where, default, (alarms or {}).get(key))
            for key, default in self.pack.catalogue.items()
        }
        for label in labels:
            for levels in resolved.values():
                for settings in levels:
                    self._factory.name(label, settings.key.replace("_", "-"))
        return resolved

    def possible(
        self, alarms: Overrides, possible: Collection[str], subject: str, hint: str = ""
    ) -> None:
        """Refuse an override of an alarm this target does not have (an
        ``AlarmSettings(enabled=False)`` is accepted: the alarm is absent as asked)."""
        for key, override in (alarms or {}).items():
            if key in possible or (isinstance(override, AlarmSettings) and not override.enabled):
                continue
            condition = self.pack.catalogue[key].condition
            raise ValidationError(
                self.where,
                f"alarms[{key!r}]",
                override,
                f"{subject} no {key} alarm (its condition: {condition}); its alarms are "
                f"{', '.join(possible)}" + (f": {hint}" if hint else ""),
            )

    def watcher(self, key: tuple[str, ...]) -> str | None:
        """The label under which ``key`` is watched in this service already, else None (for a
        resource several packs may share, such as a load balancer)."""
        return next((label for seen, label in self._watchlist.watched if seen == key), None)

    def unwatched(self, prop: str, target: object, watched: Sequence[tuple[str, ...]]) -> None:
        """None of ``watched`` is monitored already in this service (under another label)."""
        for key in watched:
            for seen, label in self._watchlist.watched:
                if seen == key:
                    raise ValidationError(
                        self.where,
                        prop,
                        targets.shown(target),
                        f"is already monitored in this service, as {label!r}: monitor each "
                        "resource once (its alarms={...} change its alarms)",
                    )
