"""Deployment styles for ``MonitoredFunction``: canary, linear, all at once."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from aws_cdk import Duration
from aws_cdk import aws_codedeploy as codedeploy
from constructs import Construct

from org_constructs._internal import checks
from org_constructs.config import Stage, StageDefaults
from org_constructs.errors import ValidationError

__all__ = ["Deployment", "DeploymentKind"]


class DeploymentKind(str, Enum):
    """How traffic moves to a new version."""

    CANARY = "canary"
    LINEAR = "linear"
    ALL_AT_ONCE = "all_at_once"


# CodeDeploy's predefined Lambda configurations, by (kind, percentage, minutes).
_PREDEFINED = {
    (DeploymentKind.CANARY, 10, 5): "CANARY_10_PERCENT_5_MINUTES",
    (DeploymentKind.CANARY, 10, 10): "CANARY_10_PERCENT_10_MINUTES",
    (DeploymentKind.CANARY, 10, 15): "CANARY_10_PERCENT_15_MINUTES",
    (DeploymentKind.CANARY, 10, 30): "CANARY_10_PERCENT_30_MINUTES",
    (DeploymentKind.LINEAR, 10, 1): "LINEAR_10_PERCENT_EVERY_1_MINUTE",
    (DeploymentKind.LINEAR, 10, 2): "LINEAR_10_PERCENT_EVERY_2_MINUTES",
    (DeploymentKind.LINEAR, 10, 3): "LINEAR_10_PERCENT_EVERY_3_MINUTES",
    (DeploymentKind.LINEAR, 10, 10): "LINEAR_10_PERCENT_EVERY_10_MINUTES",
    (DeploymentKind.ALL_AT_ONCE, 100, 0): "ALL_AT_ONCE",
}
NAMES = tuple(_PREDEFINED.values())
"""The names ``Deployment.named()`` accepts: CodeDeploy's predefined Lambda configurations."""


@dataclass(frozen=True)
class Deployment:
    """How CodeDeploy shifts traffic from the live version to a new one.

    Build one with ``Deployment.canary()``, ``Deployment.linear()``,
    ``Deployment.all_at_once()`` or ``Deployment.named("CANARY_10_PERCENT_5_MINUTES")``.
    Predefined combinations use CodeDeploy's own configurations; others create a custom one.

    Raises
    ------
    ValidationError
        For a percentage outside 1-99, an interval under 1 minute or over 2880, or an unknown
        name.
    """

    kind: DeploymentKind
    percentage: int = 100
    interval_minutes: int = 0

    def __post_init__(self) -> None:
        where = "Deployment"
        kind: object = self.kind
        if not isinstance(kind, DeploymentKind):
            checks.check_choice(where, "kind", kind, [k.value for k in DeploymentKind])
            object.__setattr__(self, "kind", DeploymentKind(kind))
        if self.kind is DeploymentKind.ALL_AT_ONCE:
            if (self.percentage, self.interval_minutes) != (100, 0):
                raise ValidationError(
                    where,
                    "percentage/interval_minutes",
                    (self.percentage, self.interval_minutes),
                    "must be left out for all_at_once: all traffic moves at once",
                )
            return
        _check_traffic(where, self.percentage, "interval_minutes", self.interval_minutes)

    @classmethod
    def canary(cls, percentage: int = 10, minutes: int = 5) -> Deployment:
        """``percentage`` of traffic for ``minutes``, then the rest. Default: 10% for 5 minutes."""
        _check_traffic("Deployment.canary", percentage, "minutes", minutes)
        return cls(DeploymentKind.CANARY, percentage, minutes)

    @classmethod
    def linear(cls, percentage: int = 10, every_minutes: int = 1) -> Deployment:
        """``percentage`` more traffic every ``every_minutes``. Default: 10% every minute."""
        _check_traffic("Deployment.linear", percentage, "every_minutes", every_minutes)
        return cls(DeploymentKind.LINEAR, percentage, every_minutes)

    @classmethod
    def all_at_once(cls) -> Deployment:
        """All traffic at once (alarms still roll back a failed deployment)."""
        return cls(DeploymentKind.ALL_AT_ONCE)

    @classmethod
    def named(cls, name: str) -> Deployment:
        """One of CodeDeploy's predefined configurations, by name (see ``NAMES``)."""
        for (kind, percentage, minutes), known in _PREDEFINED.items():
            if name == known:
                return cls(kind, percentage, minutes)
        raise ValidationError("Deployment", "name", name, f"must be one of {', '.join(NAMES)}")

    @classmethod
    def for_stage(cls, stage: Stage | str | None) -> Deployment:
        """The stage's (``StageDefaults.for_stage``; production's for None): all at once in
        dev; canary 10% for 5 minutes in staging, production and elsewhere."""
        if stage is not None:
            stage = Stage.parse(stage, where="Deployment.for_stage")
        kind = StageDefaults.for_stage(stage or Stage.PRODUCTION).deployment
        return cls.all_at_once() if kind == "all_at_once" else cls.canary()

    @property
    def name(self) -> str:
        """The predefined configuration's name, or a description of a custom one."""
        key = (self.kind, self.percentage, self.interval_minutes)
        if key in _PREDEFINED:
            return _PREDEFINED[key]
        every = "EVERY_" if self.kind is DeploymentKind.LINEAR else ""
        minutes = f"{every}{self.interval_minutes}_MINUTES"
        return f"{self.kind.value.upper()}_{self.percentage}_PERCENT_{minutes}"

    def config(self, scope: Construct, construct_id: str) -> codedeploy.ILambdaDeploymentConfig:
        """The CodeDeploy configuration: predefined when one matches, else a custom one."""
        checks.check_arguments(f"Deployment({self.name})", Deployment.config, locals())
        key = (self.kind, self.percentage, self.interval_minutes)
        if key in _PREDEFINED:
            predefined: codedeploy.ILambdaDeploymentConfig = getattr(
                codedeploy.LambdaDeploymentConfig, _PREDEFINED[key]
            )
            return predefined
        interval = Duration.minutes(self.interval_minutes)
        routing: codedeploy.TrafficRouting = (
            codedeploy.TimeBasedCanaryTrafficRouting(interval=interval, percentage=self.percentage)
            if self.kind is DeploymentKind.CANARY
            else codedeploy.TimeBasedLinearTrafficRouting(
                interval=interval, percentage=self.percentage
            )
        )
        return codedeploy.LambdaDeploymentConfig(scope, construct_id, traffic_routing=routing)


def _check_traffic(where: str, percentage: object, minutes_prop: str, minutes: object) -> None:
    if not _whole(percentage, 1, 99):
        raise ValidationError(
            where, "percentage", percentage, "must be a whole number from 1 to 99"
        )
    if not _whole(minutes, 1, 2880):
        raise ValidationError(
            where,
            minutes_prop,
            minutes,
            "must be whole minutes from 1 to 2880 (CodeDeploy's limits)",
        )


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
