"""Service level objectives: the burn-rate policy, its arithmetic, the checks of an objective's
settings and the ``ServiceLevelObjective`` record.

The policy is the Google SRE Workbook's ("Alerting on SLOs", multiwindow, multi-burn-rate
alerts): page when the error budget burns 14.4 times as fast as the objective allows over 1
hour, confirmed over 5 minutes, or 6 times over 6 hours, confirmed over 30 minutes; open a
ticket when it burns at least as fast as allowed over 3 days, confirmed over 6 hours. A burn
rate ``b`` is an error ratio of ``b * (1 - objective)``: the alarm thresholds.

Each window is one CloudWatch alarm whose one datapoint is the window itself (period = window,
one evaluation period): its error ratio is the ratio of sums over the whole window, not a mean
of ratios. CloudWatch allows period x evaluation periods up to one day for periods under an
hour and up to seven days for longer ones, so every window here fits: 5 and 30 minutes (under
a day), 1 hour, 6 hours and 3 days (under seven days).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw

from org_constructs._internal.lazy import lazy_module
from org_constructs.errors import ValidationError
from org_constructs.monitoring._settings import Severity

if TYPE_CHECKING:
    from aws_cdk import aws_applicationsignals as applicationsignals
else:  # needed only by an objective with application_signals=True
    applicationsignals = lazy_module("aws_cdk.aws_applicationsignals")

__all__ = [
    "MAX_WINDOW_DAYS",
    "MIN_WINDOW_DAYS",
    "POLICY",
    "BurnRateAlarm",
    "BurnRatePolicy",
    "ServiceLevelObjective",
    "burn_threshold",
    "check_objective",
    "check_window",
    "window_label",
]

MIN_WINDOW_DAYS = 7
"""The shortest objective window: twice the 3-day ticket window, rounded up to a week."""
MAX_WINDOW_DAYS = 455
"""The longest objective window: CloudWatch keeps one-hour datapoints for 455 days (15
months), so the budget of a longer window cannot be read whole."""
_SHORT_RANGE = 86_400
"""CloudWatch: period x evaluation periods is at most one day for periods under an hour."""
_LONG_RANGE = 604_800
"""CloudWatch: period x evaluation periods is at most seven days for periods of an hour or
more."""


@dataclass(frozen=True)
class BurnRatePolicy:
    """One row of the burn-rate policy: a burn rate checked over a long and a short window.

    Parameters
    ----------
    key:
        ``fast_burn``, ``slow_burn`` or ``ticket``: the composite alarm's key.
    burn_rate:
        How many times faster than the objective allows the budget burns.
    long_window, short_window:
        The windows, in minutes: the long one measures, the short one confirms that the
        burn still goes on (and lets the alarm reset soon after it stops).
    severity:
        ``Critical`` pages (the critical topic), ``Warning`` opens a ticket (the warning topic).
    anchor, action:
        The runbook section its composite alarm links, and what to do.
    """

    key: str
    burn_rate: float
    long_window_minutes: int
    short_window_minutes: int
    severity: Severity
    anchor: str
    """The runbook anchor its composite alarm links (a section of ``docs/alarms.md``)."""
    action: str
    """What to do when it fires."""

    @property
    def long_window(self) -> Duration:
        return Duration.minutes(self.long_window_minutes)

    @property
    def short_window(self) -> Duration:
        return Duration.minutes(self.short_window_minutes)

    def budget_consumed(self, window_days: int) -> float:
        """The share of a ``window_days`` budget this burn spends over the long window when
        the alarm fires (2% for 14.4x over 1 hour of 30 days)."""
        return self.burn_rate * self.long_window_minutes / (window_days * 24 * 60)


POLICY: tuple[BurnRatePolicy, ...] = (
    BurnRatePolicy(
        key="fast_burn",
        burn_rate=14.4,
        long_window_minutes=60,
        short_window_minutes=5,
        severity=Severity.CRITICAL,
        anchor="slo-fast-burn",
        action="Find what fails now (the dashboard's burn rate, then the resource's own "
        "alarms and logs); roll back a deployment that began it.",
    ),
    BurnRatePolicy(
        key="slow_burn",
        burn_rate=6.0,
        long_window_minutes=6 * 60,
        short_window_minutes=30,
        severity=Severity.CRITICAL,
        anchor="slo-slow-burn",
        action="A steady leak: find the failing requests in the logs and fix the cause "
        "within hours; roll back if a deployment began it.",
    ),
    BurnRatePolicy(
        key="ticket",
        burn_rate=1.0,
        long_window_minutes=3 * 24 * 60,
        short_window_minutes=6 * 60,
        severity=Severity.WARNING,
        anchor="slo-ticket",
        action="Plan the fix: at this pace the objective is missed by the end of its window.",
    ),
)
"""The SRE Workbook's policy: two pages and a ticket."""


def _check_limits() -> None:
    """Every window of the policy is one period CloudWatch can evaluate (see the module)."""
    for row in POLICY:
        for minutes in (row.long_window_minutes, row.short_window_minutes):
            seconds = minutes * 60
            limit = _SHORT_RANGE if seconds < 3600 else _LONG_RANGE
            if seconds > limit:  # pragma: no cover - the library's own table
                raise AssertionError(f"{row.key}: a {minutes}-minute window exceeds {limit} s")


_check_limits()


def window_label(minutes: int) -> str:
    """``5m``, ``1h``, ``3d``: the window in alarm names."""
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def burn_threshold(burn_rate: float, objective: float) -> float:
    """The error ratio of ``burn_rate`` for ``objective`` (percent): ``burn_rate * (1 -
    objective / 100)``, in decimal arithmetic so that 14.4 and 99.9 give 0.0144 exactly, and
    at most 1 (every request failing: a higher ratio cannot be reached)."""
    budget = (Decimal(100) - Decimal(str(objective))) / Decimal(100)
    return min(float(Decimal(str(burn_rate)) * budget), 1.0)


def check_objective(where: str, prop: str, objective: object) -> float:
    """An objective in percent, strictly between 0 and 100."""
    if isinstance(objective, bool) or not isinstance(objective, (int, float)):
        raise ValidationError(
            where, prop, objective, "must be a number of percent between 0 and 100 (99.9)"
        )
    if not math.isfinite(objective) or not 0 < objective < 100:
        raise ValidationError(
            where,
            prop,
            objective,
            "must be strictly between 0 and 100 percent: 100 leaves no error budget (every "
            "burn rate alarm would fire on the first error), 0 promises nothing",
        )
    return float(objective)


def check_window(where: str, prop: str, window: object) -> int:
    """The objective's window: a whole number of days from ``MIN_WINDOW_DAYS`` to
    ``MAX_WINDOW_DAYS``; the number of days."""
    if not isinstance(window, Duration):
        raise ValidationError(where, prop, window, "must be a Duration, such as Duration.days(30)")
    if window.is_unresolved():
        raise ValidationError(
            where,
            prop,
            window.to_human_string(),
            "must be a literal duration, not a token: the budget is computed with it",
        )
    minutes = window.to_minutes(integral=False)
    shown = window.to_human_string()
    if minutes % (24 * 60):
        raise ValidationError(
            where,
            prop,
            shown,
            "must be a whole number of days: the error budget view reads the window in days",
        )
    days = int(minutes // (24 * 60))
    if days < MIN_WINDOW_DAYS:
        raise ValidationError(
            where,
            prop,
            shown,
            f"must be at least {MIN_WINDOW_DAYS} days: the ticket alarm watches 3 days of it, "
            "and a shorter window leaves no room between the ticket and the whole budget",
        )
    if days > MAX_WINDOW_DAYS:
        raise ValidationError(
            where,
            prop,
            shown,
            f"must be at most {MAX_WINDOW_DAYS} days: CloudWatch keeps one-hour datapoints "
            "for 455 days (15 months), so it cannot evaluate the budget of a longer window",
        )
    return days


@dataclass(frozen=True)
class BurnRateAlarm:
    """One row of the policy as created for an objective: two window alarms and the
    composite alarm that fires when both are in ALARM."""

    key: str
    """``fast_burn``, ``slow_burn`` or ``ticket``."""
    burn_rate: float
    threshold: float
    """The error ratio both window alarms compare with: ``burn_rate * (1 - objective)``."""
    long_window: Duration
    short_window: Duration
    long_alarm: cw.Alarm
    short_alarm: cw.Alarm
    composite: cw.CompositeAlarm
    """``ALARM(long) AND ALARM(short)``; it pages (``Critical``) or opens a ticket
    (``Warning``) through the monitoring's topics."""
    severity: Severity
    """The composite's: ``Critical`` (pages) or ``Warning`` (the ticket row, and every row
    without paging)."""
    budget_consumed: float
    """The share of the window's error budget spent by the time the long window fires."""


@dataclass(frozen=True)
class ServiceLevelObjective:
    """What ``ServiceMonitoring.add_*_slo`` created for one objective.

    Attributes
    ----------
    name:
        The objective's name, in its alarm names (``<stage>-<service>-slo-<name>-...``).
    objective:
        The target, in percent of good events (99.9).
    window:
        The window the error budget is counted over (30 days).
    error_budget:
        The share of events that may be bad: ``1 - objective / 100`` (0.001).
    error_ratio:
        The error ratio (bad events / all events) as a CloudWatch math expression, with a
        5-minute period; each window alarm uses the same expression with its window as period.
    expression:
        That expression's text (``IF(total > 0, bad / total, 0)``...).
    burn_rates:
        The policy's rows as created (fast burn, slow burn, ticket), each with its alarms.
    alarms:
        The window alarms by key: ``fast_burn_1h``, ``fast_burn_5m``, ``slow_burn_6h``,
        ``slow_burn_30m``, ``ticket_3d``, ``ticket_6h``.
    composite_alarms:
        ``fast_burn``, ``slow_burn`` (they page) and ``ticket`` (a warning).
    thresholds:
        The threshold of each window alarm, by the same keys as ``alarms``.
    pages:
        Whether the fast and slow burns page (the critical topic); else they warn (the
        warning topic), as in dev by default.
    service_level_objective:
        The Application Signals objective, with ``application_signals=True``.
    """

    name: str
    objective: float
    window: Duration
    error_budget: float
    error_ratio: cw.MathExpression
    expression: str
    burn_rates: tuple[BurnRateAlarm, ...]
    pages: bool
    service_level_objective: applicationsignals.CfnServiceLevelObjective | None = None
    alarms: Mapping[str, cw.Alarm] = field(default_factory=dict)
    composite_alarms: Mapping[str, cw.CompositeAlarm] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=dict)
