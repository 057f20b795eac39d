"""``Stage`` and the one way a config class reads its per-stage defaults."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from org_constructs.errors import ValidationError

__all__ = ["Stage", "stage_defaults"]

_C = TypeVar("_C")


class Stage(str, Enum):
    """A deployment stage. Defaults throughout the library follow it.

    ``dev`` is cheap and disposable, ``staging`` rehearses production, ``production`` is safe.
    """

    DEV = "dev"
    STAGING = "staging"
    PRODUCTION = "production"

    def __str__(self) -> str:
        return self.value

    @property
    def is_production(self) -> bool:
        """True for the production stage."""
        return self is Stage.PRODUCTION

    @classmethod
    def parse(cls, value: object, *, where: str = "Stage", prop: str = "stage") -> Stage:
        """Return the stage for ``value`` (a ``Stage`` or its name).

        Raises
        ------
        ValidationError
            When ``value`` names no stage.
        """
        if isinstance(value, Stage):
            return value
        for stage in cls:
            if value == stage.value:
                return stage
        raise ValidationError(where, prop, value, "must be one of 'dev', 'staging', 'production'")


def stage_defaults(
    cls: type[_C],
    stage: Stage | str,
    table: Mapping[Stage, Mapping[str, Any]],
    overrides: Mapping[str, Any],
) -> _C:
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ValidationError(
            cls.__name__,
            unknown[0],
            overrides[unknown[0]],
            f"is not a property; use {sorted(names)}",
        )
    values = {**table[Stage.parse(stage, where=cls.__name__)], **overrides}
    return cls(**values)
