"""Alarm settings: severities, per-alarm overrides, the catalogue of defaults, alarm names."""

from __future__ import annotations

import functools
import math
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw

from org_constructs._internal import checks
from org_constructs.errors import OrgConstructsError, ValidationError

__all__ = [
    "AlarmDefault",
    "AlarmLevels",
    "AlarmSettings",
    "ResolvedAlarm",
    "Severity",
    "alarm_description",
    "alarm_name",
    "anchor",
    "catalogue",
    "resolve",
    "resolve_levels",
]

MAX_ALARM_NAME = 255
_MAX_PERIODS = 8640
"""The most evaluation periods CloudWatch allows: one day of 10-second periods."""
_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

GT = cw.ComparisonOperator.GREATER_THAN_THRESHOLD
GTE = cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
LT = cw.ComparisonOperator.LESS_THAN_THRESHOLD
LTE = cw.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD
_STATIC_COMPARISONS = (GT, GTE, LT, LTE)
MISSING_OK = cw.TreatMissingData.NOT_BREACHING
MISSING_BAD = cw.TreatMissingData.BREACHING


class Severity(str, Enum):
    """How urgent an alarm is. Critical alarms page and feed the service's composite alarm."""

    WARNING = "Warning"
    CRITICAL = "Critical"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class AlarmDefault:
    """One alarm of a pack, with its default settings and what to do when it fires."""

    key: str
    """The alarm's key in ``alarms={...}`` overrides and the last part of its name."""
    metric: str
    """The metric and statistic, as a person reads them."""
    threshold: float
    unit: str
    """Unit of ``threshold``: ``count``, ``percent``, ``ms``, ``seconds``, ``bytes`` or
    ``percent of timeout`` / ``percent of reserved concurrency``."""
    comparison: cw.ComparisonOperator
    period_minutes: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: cw.TreatMissingData
    severity: Severity
    meaning: str
    action: str
    condition: str = ""
    """When the pack creates the alarm, if not always."""

    @property
    def period(self) -> Duration:
        return _minutes(self.period_minutes)


@dataclass(frozen=True)
class AlarmSettings:
    """Overrides for one alarm; every field left as None keeps the pack's default.

    Parameters
    ----------
    threshold:
        In the alarm's unit (see the alarm catalogue). Must not be negative.
    period:
        10 or 30 seconds, or a whole number of minutes.
    evaluation_periods:
        1 or more.
    datapoints_to_alarm:
        1 to ``evaluation_periods``.
    comparison:
        A ``cloudwatch.ComparisonOperator``.
    treat_missing_data:
        A ``cloudwatch.TreatMissingData``.
    severity:
        ``Severity.WARNING`` or ``Severity.CRITICAL``.
    enabled:
        False leaves the alarm out (its dashboard widgets stay). Default: True
    """

    threshold: float | None = None
    period: Duration | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    comparison: cw.ComparisonOperator | None = None
    treat_missing_data: cw.TreatMissingData | None = None
    severity: Severity | None = None
    enabled: bool = True

    def __post_init__(self) -> None:
        where = "AlarmSettings"
        checks.check_fields(where, self)
        threshold = self.threshold
        if threshold is not None and not (
            math.isfinite(threshold) and (threshold >= 0 or checks.is_token(threshold))
        ):
            raise ValidationError(where, "threshold", threshold, "must be finite and not negative")
        if self.period is not None:
            check_period(where, "period", self.period)
        if self.comparison is not None and self.comparison not in _STATIC_COMPARISONS:
            raise ValidationError(
                where,
                "comparison",
                self.comparison,
                "must compare with a threshold (GREATER_THAN_THRESHOLD, LESS_THAN_THRESHOLD, "
                "...): the anomaly detection operators need an anomaly detection band",
            )
        if self.evaluation_periods is not None:
            checks.check_int(where, "evaluation_periods", self.evaluation_periods, 1, _MAX_PERIODS)
        most = self.evaluation_periods or _MAX_PERIODS
        if self.datapoints_to_alarm is not None:
            checks.check_int(
                where, "datapoints_to_alarm", self.datapoints_to_alarm, 1, _MAX_PERIODS
            )
            if self.datapoints_to_alarm > most:
                raise ValidationError(
                    where,
                    "datapoints_to_alarm",
                    self.datapoints_to_alarm,
                    f"must be from 1 to evaluation_periods ({most})",
                )


@dataclass(frozen=True)
class AlarmLevels:
    """Two alarms on one metric: a warning level and a critical level, each routed by severity.

    Give it in place of an ``AlarmSettings``, as in ``alarms={"error_rate":
    AlarmLevels(warning=AlarmSettings(threshold=1), critical=AlarmSettings(threshold=5))}``.
    Each level overrides the catalogue's defaults on its own; its severity is its level's. The
    alarms are named ``<...>-<alarm>-warning`` and ``<...>-<alarm>-critical`` (keys
    ``<alarm>_warning`` and ``<alarm>_critical`` in ``MonitoredResource.alarms``).

    Parameters
    ----------
    warning, critical:
        The settings of each level; both are required, neither may be disabled or name
        another severity, and the warning level must be reached before the critical one (a
        lower threshold for a ``GREATER_THAN`` alarm, a higher one for a ``LESS_THAN`` alarm).
    """

    warning: AlarmSettings
    critical: AlarmSettings

    def __post_init__(self) -> None:
        where = "AlarmLevels"
        checks.check_fields(where, self)
        for level, severity in (("warning", Severity.WARNING), ("critical", Severity.CRITICAL)):
            settings = getattr(self, level)
            if not isinstance(settings, AlarmSettings):
                raise ValidationError(where, level, settings, "must be an AlarmSettings")
            if not settings.enabled:
                raise ValidationError(
                    where,
                    f"{level}.enabled",
                    False,
                    "cannot be False: leave the alarm out with AlarmSettings(enabled=False)",
                )
            if settings.severity not in {None, severity}:
                raise ValidationError(
                    where,
                    f"{level}.severity",
                    settings.severity,
                    f"is the level's: leave it out or give {severity!s}",
                )


LEVELS = ("warning", "critical")
"""The levels of ``AlarmLevels``, in the order their alarms are created."""


@dataclass(frozen=True)
class ResolvedAlarm:
    """The settings one alarm is created with."""

    default: AlarmDefault
    threshold: float
    period: Duration
    evaluation_periods: int
    datapoints_to_alarm: int
    comparison: cw.ComparisonOperator
    treat_missing_data: cw.TreatMissingData
    severity: Severity
    level: str | None = None
    """``'warning'`` or ``'critical'`` for a level of ``AlarmLevels``, else None."""

    @property
    def key(self) -> str:
        """The alarm's key: the catalogue's, with the level when there are two."""
        return self.default.key if self.level is None else f"{self.default.key}_{self.level}"


def resolve_levels(
    where: str, default: AlarmDefault, override: AlarmSettings | AlarmLevels | None
) -> tuple[ResolvedAlarm, ...]:
    """The alarms to create for one catalogue entry: none (disabled), one, or two levels."""
    if override is not None and not isinstance(override, AlarmSettings | AlarmLevels):
        raise ValidationError(
            where, f"alarms[{default.key!r}]", override, "must be an AlarmSettings or AlarmLevels"
        )
    if override is None:
        return _resolved_default(where, default)
    if not isinstance(override, AlarmLevels):
        single = resolve(where, default, override)
        return () if single is None else (single,)
    resolved = []
    for level in LEVELS:
        severity = Severity.WARNING if level == "warning" else Severity.CRITICAL
        settings = replace(getattr(override, level), severity=severity)
        alarm = resolve(where, default, settings)
        if alarm is None:  # pragma: no cover - AlarmLevels refuses disabled levels
            raise ValidationError(where, f"alarms[{default.key!r}].{level}", settings, "enabled")
        resolved.append(replace(alarm, level=level))
    warning, critical = resolved
    _check_levels(where, default.key, warning, critical)
    return tuple(resolved)


_DEFAULTS: dict[AlarmDefault, tuple[ResolvedAlarm, ...]] = {}
"""Each catalogue row's settings without override, checked once: every resource of every
pack reuses them (checking a period costs a dozen calls into aws-cdk-lib)."""


def _resolved_default(where: str, default: AlarmDefault) -> tuple[ResolvedAlarm, ...]:
    cached = _DEFAULTS.get(default)
    if cached is None or cached[0].default is not default:
        single = resolve(where, default, None)
        if single is None:  # pragma: no cover - a default is always enabled
            return ()
        cached = _DEFAULTS[default] = (single,)
    return cached


@functools.cache
def _minutes(minutes: int) -> Duration:
    """One ``Duration`` per number of minutes: a duration is immutable, so every alarm with
    that period shares it."""
    return Duration.minutes(minutes)


_ABOVE = (GT, GTE)


def _check_levels(where: str, key: str, warning: ResolvedAlarm, critical: ResolvedAlarm) -> None:
    prop = f"alarms[{key!r}]"
    if (warning.comparison in _ABOVE) != (critical.comparison in _ABOVE):
        raise ValidationError(
            where,
            f"{prop}.critical.comparison",
            critical.comparison,
            f"must compare in the same direction as the warning level ({warning.comparison})",
        )
    if checks.is_token(warning.threshold) or checks.is_token(critical.threshold):
        return
    above = warning.comparison in _ABOVE
    if (above and warning.threshold >= critical.threshold) or (
        not above and warning.threshold <= critical.threshold
    ):
        relation = "below" if above else "above"
        raise ValidationError(
            where,
            f"{prop}.warning.threshold",
            warning.threshold,
            f"must be {relation} the critical threshold ({critical.threshold:g}): the warning "
            "level fires first",
        )


def resolve(
    where: str, default: AlarmDefault, override: AlarmSettings | None
) -> ResolvedAlarm | None:
    """Merge ``override`` into ``default`` and check the result; None when disabled."""
    if override is None:
        override = AlarmSettings()
    if isinstance(override, AlarmLevels):
        raise ValidationError(
            where,
            f"alarms[{default.key!r}]",
            override,
            "has one level here: give an AlarmSettings",
        )
    if not isinstance(override, AlarmSettings):
        raise ValidationError(
            where, f"alarms[{default.key!r}]", override, "must be an AlarmSettings"
        )
    if not override.enabled:
        return None

    def pick(value: object, fallback: object) -> object:
        return fallback if value is None else value

    resolved = ResolvedAlarm(
        default=default,
        threshold=pick(override.threshold, default.threshold),  # type: ignore[arg-type]
        period=pick(override.period, default.period),  # type: ignore[arg-type]
        evaluation_periods=pick(override.evaluation_periods, default.evaluation_periods),  # type: ignore[arg-type]
        datapoints_to_alarm=pick(override.datapoints_to_alarm, default.datapoints_to_alarm),  # type: ignore[arg-type]
        comparison=pick(override.comparison, default.comparison),  # type: ignore[arg-type]
        treat_missing_data=pick(override.treat_missing_data, default.treat_missing_data),  # type: ignore[arg-type]
        severity=pick(override.severity, default.severity),  # type: ignore[arg-type]
    )
    if override.evaluation_periods is not None and override.datapoints_to_alarm is None:
        # A longer window keeps the default datapoints; a shorter one cannot exceed itself.
        resolved = replace(
            resolved,
            datapoints_to_alarm=min(
                default.datapoints_to_alarm, max(resolved.evaluation_periods, 1)
            ),
        )
    _check(where, default.key, resolved, default.unit)
    return resolved


def _check(where: str, key: str, alarm: ResolvedAlarm, unit: str) -> None:
    prop = f"alarms[{key!r}]"
    if isinstance(alarm.threshold, bool) or not isinstance(alarm.threshold, (int, float)):
        raise ValidationError(where, f"{prop}.threshold", alarm.threshold, "must be a number")
    if checks.is_token(alarm.threshold):
        if unit.startswith("percent of"):
            raise ValidationError(
                where,
                f"{prop}.threshold",
                alarm.threshold,
                f"must be a literal number, not a token: it is a {unit} that is scaled here",
            )
    elif alarm.threshold < 0:
        raise ValidationError(
            where, f"{prop}.threshold", alarm.threshold, f"must not be negative ({unit})"
        )
    if (
        unit.startswith("percent")
        and unit != "percent of timeout"
        and not checks.is_token(alarm.threshold)
        and alarm.threshold > 100
    ):
        raise ValidationError(
            where, f"{prop}.threshold", alarm.threshold, "is a percentage: must be at most 100"
        )
    if not isinstance(alarm.evaluation_periods, int) or alarm.evaluation_periods < 1:
        raise ValidationError(
            where,
            f"{prop}.evaluation_periods",
            alarm.evaluation_periods,
            "must be a whole number, 1 or more",
        )
    if (
        not isinstance(alarm.datapoints_to_alarm, int)
        or not 1 <= alarm.datapoints_to_alarm <= alarm.evaluation_periods
    ):
        raise ValidationError(
            where,
            f"{prop}.datapoints_to_alarm",
            alarm.datapoints_to_alarm,
            f"must be from 1 to evaluation_periods ({alarm.evaluation_periods})",
        )
    seconds = check_period(where, f"{prop}.period", alarm.period)
    if seconds * alarm.evaluation_periods > 86400:
        raise ValidationError(
            where,
            f"{prop}.evaluation_periods",
            alarm.evaluation_periods,
            "times period must not exceed one day",
        )


def catalogue(*rows: AlarmDefault) -> Mapping[str, AlarmDefault]:
    """A pack's catalogue: its rows by key, in the order given (keys must be unique)."""
    by_key = {row.key: row for row in rows}
    if len(by_key) != len(rows):  # pragma: no cover - a mistake in the library's own table
        raise OrgConstructsError(f"catalogue keys repeat: {[row.key for row in rows]}")
    return by_key


def check_period(
    where: str, prop: str, period: object, sub_minute: tuple[int, ...] = (10, 30)
) -> float:
    """An alarm period: 10 or 30 seconds (``sub_minute``) or whole minutes, up to a day; its
    seconds."""
    milliseconds = checks.check_duration(
        where, prop, period, low=checks.seconds(min(sub_minute)), high=checks.days(1)
    )
    seconds = typing.cast("float", milliseconds) / 1000
    if seconds not in sub_minute and (seconds < 60 or seconds % 60):
        allowed = " or ".join(str(s) for s in sub_minute)
        raise ValidationError(
            where,
            prop,
            f"{seconds:g}s",
            f"must be {allowed} seconds or a whole number of minutes",
        )
    return seconds


def check_name_part(where: str, prop: str, value: object) -> str:
    """One part of alarm and dashboard names: letters, digits, ``-``, ``_``, ``.``."""
    return checks.check_text(
        where,
        prop,
        value,
        _NAME_PART,
        "letters, digits, '-', '_' or '.', starting with a letter or digit",
    )


def alarm_name(where: str, *parts: str) -> str:
    """``<stage>-<service>-<resource>-<alarm>``, checked against CloudWatch's rules.

    Each part is letters, digits, ``-``, ``_`` or ``.``, starting with a letter or digit; the
    whole name is at most 255 characters.
    """
    for part in parts:
        if not isinstance(part, str) or not _NAME_PART.fullmatch(part):
            raise ValidationError(
                where,
                "alarm name part",
                part,
                "must be letters, digits, '-', '_' or '.', starting with a letter or digit",
            )
    name = "-".join(parts)
    if len(name) > MAX_ALARM_NAME:
        raise ValidationError(
            where,
            "alarm name",
            name,
            f"is {len(name)} characters; CloudWatch allows {MAX_ALARM_NAME}: shorten the "
            "service or resource label",
        )
    return name


def anchor(pack: str, key: str) -> str:
    """The runbook anchor of an alarm: ``nat-instance-cpu-utilization``."""
    return f"{pack}-{key}".replace("_", "-")


def alarm_description(severity: Severity, entry: AlarmDefault, pack: str, runbook_url: str) -> str:
    """The description of a pack's alarm: severity, meaning, action and its runbook section,
    ``<runbook_url>#<pack>-<key>``."""
    return (
        f"[{severity.value}] {entry.meaning} What to do: {entry.action} "
        f"Runbook: {runbook_url}#{anchor(pack, entry.key)}"
    )
