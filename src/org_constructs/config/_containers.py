"""The per-stage settings of a container service (``ContainerServiceConfig``), and the task sizes
Fargate runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from org_constructs._internal import checks
from org_constructs.config._stage import Stage
from org_constructs.config._stage import stage_defaults as _stage_defaults
from org_constructs.errors import ValidationError

__all__ = [
    "FARGATE_SIZES",
    "MAX_BAKE_MINUTES",
    "MAX_CANARY_PERCENT",
    "MAX_TASKS",
    "ContainerServiceConfig",
    "ReleaseStrategy",
    "check_fargate_size",
    "fargate_memory_choices",
]

FARGATE_SIZES: Mapping[int, tuple[int, int, int]] = {
    256: (512, 2048, 512),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}
"""Fargate's task sizes: CPU units to (lowest memory, highest memory, step), in MiB; at 256 CPU
units only 512, 1024 and 2048 MiB."""
MAX_CANARY_PERCENT = 50.0
"""The most traffic a canary or a linear step may move at once: a larger share is no longer a
trial of the new release."""
MAX_BAKE_MINUTES = 1440
"""ECS's longest bake time, in minutes (24 hours)."""
MAX_TASKS = 5000
"""The most tasks ECS runs in one service."""


class ReleaseStrategy(str, Enum):
    """How ECS moves traffic to a new release of a ``ContainerService``.

    ``ROLLING`` replaces the tasks in the one target group (all at once, minimum healthy 100%,
    maximum 200%); ``CANARY``, ``LINEAR`` and ``BLUE_GREEN`` start the new release in a second
    (alternate) target group and move the production listener rule's traffic to it: a share
    for a bake time, then the rest (canary); equal steps (linear); all of it (blue/green).
    """

    ROLLING = "rolling"
    CANARY = "canary"
    LINEAR = "linear"
    BLUE_GREEN = "blue_green"

    def __str__(self) -> str:
        return self.value

    @property
    def shifts_traffic(self) -> bool:
        """True for the strategies that keep the new release in its own target group."""
        return self is not ReleaseStrategy.ROLLING


def fargate_memory_choices(cpu: int) -> tuple[int, ...]:
    """The memory sizes (MiB) Fargate runs with ``cpu`` units; empty for an unknown CPU."""
    if cpu not in FARGATE_SIZES:
        return ()
    if cpu == 256:
        return (512, 1024, 2048)
    low, high, step = FARGATE_SIZES[cpu]
    return tuple(range(low, high + 1, step))


def check_fargate_size(where: str, cpu: object, memory_mib: object) -> None:
    """Refuse a CPU or a CPU and memory pair Fargate does not run, naming both."""
    checks.check_choice(where, "cpu", cpu, list(FARGATE_SIZES))
    checks.check_int(where, "memory_mib", memory_mib, 1, 122880)
    choices = fargate_memory_choices(cpu)  # type: ignore[arg-type]
    if memory_mib not in choices:
        low, high, step = FARGATE_SIZES[cpu]  # type: ignore[index]
        sizes = "512, 1024 or 2048 MiB" if cpu == 256 else f"{low} to {high} MiB in steps of {step}"
        raise ValidationError(
            where,
            "memory_mib",
            memory_mib,
            f"is not a size Fargate runs with cpu={cpu}: give {sizes} (or change cpu)",
        )


@dataclass(frozen=True)
class ContainerServiceConfig:
    """Container service settings for one environment: the defaults of ``ContainerService``.

    Parameters
    ----------
    cpu:
        CPU units of a task: 256, 512, 1024, 2048, 4096, 8192 or 16384. Default: 512
    memory_mib:
        Memory of a task, a size Fargate runs with ``cpu`` (256: 512, 1024 or 2048; 512: 1024 to
        4096; 1024: 2048 to 8192; 2048: 4096 to 16384 and 4096: 8192 to 30720 by 1024; 8192:
        16384 to 61440 by 4096; 16384: 32768 to 122880 by 8192). Default: 1024
    min_capacity:
        The fewest tasks auto scaling keeps, 1 to 5000; at least 2 outside dev (one per
        Availability Zone at least, so that a task or an AZ can fail). Default: 2
    max_capacity:
        The most tasks auto scaling starts, ``min_capacity`` to 5000. Default: 10
    strategy:
        How a release reaches traffic (``ReleaseStrategy``): ``'rolling'``, ``'canary'``,
        ``'linear'`` or ``'blue_green'``. Default: ``'canary'``
    traffic_percent:
        The share of traffic the canary (or each linear step) receives, 0.1 to 50 in steps of
        0.1 (3 at least for linear, ECS's floor). Default: 10
    step_bake_time_minutes:
        How long the canary (or each linear step) runs before more traffic moves, 1 to 1440.
        Default: 5
    bake_time_minutes:
        How long both releases keep running after all traffic moved, while the rollback
        alarms still watch the new one, 1 to 1440. Default: 10
    deletion_protection:
        The load balancer refuses deletion. Default: True
    allow_http:
        Serve plain HTTP without a certificate (dev only). Default: False

    Use ``ContainerServiceConfig.for_stage(stage)`` for the per-stage defaults (dev runs one
    small task, releases all at once, leaves the load balancer unprotected and may serve plain
    HTTP; staging and production run at least two tasks behind a canary).

    Example
    -------
    >>> ContainerServiceConfig.for_stage("dev").strategy
    <ReleaseStrategy.ROLLING: 'rolling'>
    """

    cpu: int = 512
    memory_mib: int = 1024
    min_capacity: int = 2
    max_capacity: int = 10
    strategy: ReleaseStrategy = ReleaseStrategy.CANARY
    traffic_percent: float = 10.0
    step_bake_time_minutes: int = 5
    bake_time_minutes: int = 10
    deletion_protection: bool = True
    allow_http: bool = False

    def __post_init__(self) -> None:
        where = type(self).__name__
        strategy: object = self.strategy
        if not isinstance(strategy, ReleaseStrategy):
            checks.check_choice(where, "strategy", strategy, [s.value for s in ReleaseStrategy])
            object.__setattr__(self, "strategy", ReleaseStrategy(strategy))
        check_fargate_size(where, self.cpu, self.memory_mib)
        checks.check_int(where, "min_capacity", self.min_capacity, 1, MAX_TASKS)
        checks.check_int(where, "max_capacity", self.max_capacity, 1, MAX_TASKS)
        if self.max_capacity < self.min_capacity:
            raise ValidationError(
                where,
                "max_capacity",
                self.max_capacity,
                f"is below min_capacity ({self.min_capacity}): auto scaling could not keep "
                "the fewest tasks asked for",
            )
        check_traffic_percent(where, "traffic_percent", self.traffic_percent, self.strategy)
        checks.check_int(
            where, "step_bake_time_minutes", self.step_bake_time_minutes, 1, MAX_BAKE_MINUTES
        )
        checks.check_int(where, "bake_time_minutes", self.bake_time_minutes, 1, MAX_BAKE_MINUTES)
        checks.check_bool(where, "deletion_protection", self.deletion_protection)
        checks.check_bool(where, "allow_http", self.allow_http)

    @classmethod
    def for_stage(cls, stage: Stage | str, **overrides: Any) -> ContainerServiceConfig:
        """Return the stage's defaults with ``overrides`` applied.

        Example
        -------
        >>> ContainerServiceConfig.for_stage("production").min_capacity
        2
        """
        return _stage_defaults(cls, stage, _CONTAINER_DEFAULTS, overrides)


def check_traffic_percent(
    where: str, prop: str, value: object, strategy: ReleaseStrategy | None = None
) -> float:
    """A canary or linear share: 0.1 (3 for linear) to 50, in steps of 0.1."""
    low = 3.0 if strategy is ReleaseStrategy.LINEAR else 0.1
    checks.check_number(where, prop, value, low, MAX_CANARY_PERCENT, tokens=False)
    percent = float(value)  # type: ignore[arg-type]
    if abs(round(percent * 10) - percent * 10) > 1e-9:
        raise ValidationError(where, prop, value, "must be a multiple of 0.1 (ECS's step)")
    return percent


_CONTAINER_DEFAULTS: Mapping[Stage, Mapping[str, Any]] = {
    Stage.DEV: {
        "cpu": 256,
        "memory_mib": 512,
        "min_capacity": 1,
        "max_capacity": 2,
        "strategy": ReleaseStrategy.ROLLING,
        "deletion_protection": False,
        "allow_http": True,
    },
    Stage.STAGING: {
        "cpu": 512,
        "memory_mib": 1024,
        "min_capacity": 2,
        "max_capacity": 4,
        "strategy": ReleaseStrategy.CANARY,
        "deletion_protection": True,
        "allow_http": False,
    },
    Stage.PRODUCTION: {
        "cpu": 1024,
        "memory_mib": 2048,
        "min_capacity": 2,
        "max_capacity": 10,
        "strategy": ReleaseStrategy.CANARY,
        "deletion_protection": True,
        "allow_http": False,
    },
}
