"""Dashboard widgets and alarm rules that read their content when the app is synthesized.

A service's alarm status widget and its composite alarm list alarms that packs add after the
widget or the composite alarm exists; these wrappers render the list at synthesis time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jsii
from aws_cdk import IStableStringProducer, Lazy
from aws_cdk import aws_cloudwatch as cw

__all__ = ["LazyAlarmStatusWidget", "LazyAnyAlarmRule"]


@jsii.implements(cw.IWidget)
class LazyAlarmStatusWidget:
    """An alarm status widget over the alarm ARNs ``alarms()`` returns when the dashboard renders.

    The ARNs are built from the alarms' names, so the dashboard does not reference the alarm
    resources themselves.
    """

    def __init__(
        self,
        alarms: Callable[[], Sequence[str]],
        *,
        title: str,
        width: int = 24,
        height: int = 6,
    ) -> None:
        self._alarms = alarms
        self._title = title
        self._width = width
        self._height = height
        self._x: float | None = None
        self._y: float | None = None

    @property
    def width(self) -> float:
        return self._width

    @property
    def height(self) -> float:
        return self._height

    @property
    def warnings(self) -> list[str] | None:
        return None

    @property
    def warnings_v2(self) -> dict[str, str] | None:
        return None

    def position(self, x: float, y: float) -> None:
        self._x, self._y = x, y

    def to_json(self) -> list[Any]:
        alarms = list(self._alarms())
        if not alarms:
            widget = cw.TextWidget(
                markdown=f"**{self._title}**: no alarms", width=self._width, height=self._height
            )
            if self._x is not None and self._y is not None:
                widget.position(self._x, self._y)
            return widget.to_json()
        return [
            {
                "type": "alarm",
                "width": self._width,
                "height": self._height,
                "x": self._x,
                "y": self._y,
                "properties": {"title": self._title, "alarms": alarms},
            }
        ]


@jsii.implements(IStableStringProducer)
class _Producer:
    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self) -> str:
        return self._produce()


@jsii.implements(cw.IAlarmRule)
class LazyAnyAlarmRule:
    """``ALARM("a") OR ALARM("b") ...`` over the alarm names ``names()`` returns at synthesis.

    Names, not ARNs: the rule does not reference the alarm resources, so the composite alarm
    needs explicit dependencies on them (``ServiceMonitoring`` adds them).
    """

    def __init__(self, names: Callable[[], Sequence[str]]) -> None:
        self._names = names

    def render_alarm_rule(self) -> str:
        return Lazy.string(_Producer(self._render))

    def _render(self) -> str:
        return " OR ".join(f'ALARM("{name}")' for name in self._names())
