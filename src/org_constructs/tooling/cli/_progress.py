"""The gate's progress on stderr: on a terminal, one line per checker rewritten in place as it
moves on (colour unless ``NO_COLOR`` is set); elsewhere one plain line per event."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from org_constructs.tooling.gate import ProgressEvent

__all__ = ["LiveProgress", "plain_progress", "progress_for", "stderr_is_terminal"]

COLOURS = {"running": "yellow", "done": "green", "error": "red", "skipped": "bright_black"}
"""The colour of each state's word on a terminal."""
UP = "\x1b[{}A"
"""Cursor up N lines (ANSI)."""
CLEAR_LINE = "\r\x1b[2K"
"""Back to column 1, the line erased (ANSI)."""


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal that can be drawn on (not ``TERM=dumb``)."""
    try:
        interactive = sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return False
    return interactive and os.environ.get("TERM") != "dumb"


def progress_for(*, quiet: bool) -> Callable[[ProgressEvent], None] | None:
    """What ``run_validation`` should report progress to: nothing under ``--quiet``, a live
    display when stderr is a terminal, plain lines otherwise (logs, CI, pipes)."""
    if quiet:
        return None
    if not stderr_is_terminal():
        return plain_progress
    return LiveProgress(colour="NO_COLOR" not in os.environ)


def plain_progress(event: ProgressEvent) -> None:
    """One line per event, no control characters: ``cfn-lint: 3 finding(s) in 4.2s``."""
    click.echo(str(event), err=True)


class LiveProgress:
    """One line per checker on a terminal, the block redrawn in place at every event.

    Parameters
    ----------
    colour
        Colour each line's state. Default: True
    width
        Columns of the terminal; lines are cut to fit, so that none wraps and the block can
        be redrawn. Default: - the terminal's width
    """

    def __init__(self, *, colour: bool = True, width: int | None = None) -> None:
        from org_constructs.tooling.gate import TOOLS

        self.colour = colour
        self.width = width or shutil.get_terminal_size().columns
        self.order = ("synth", *TOOLS)
        self.events: dict[str, ProgressEvent] = {}
        self.drawn = 0

    def __call__(self, event: ProgressEvent) -> None:
        self.events[event.tool] = event
        rows = [self.row(self.events[tool]) for tool in sorted(self.events, key=self._rank)]
        up = UP.format(self.drawn) if self.drawn else ""
        block = "".join(f"{CLEAR_LINE}{row}\n" for row in rows)
        click.echo(up + block, err=True, nl=False, color=True)
        self.drawn = len(rows)

    def row(self, event: ProgressEvent) -> str:
        """``  cfn-lint  done        4.2s  3 finding(s)``, cut to the terminal's width."""
        if event.state == "running":
            tail = event.detail
        elif event.state == "done":
            tail = f"{event.seconds:5.1f}s  {event.findings} finding(s)"
        elif event.state == "error":
            tail = f"{event.seconds:5.1f}s  could not run: {event.detail}"
        else:
            tail = event.detail
        room = max(self.width - 22, 10)  # 2 + tool (9) + 1 + state (8) + 1, and the last column
        if len(tail) > room:
            tail = tail[: room - 3] + "..."
        state = f"{event.state:<8}"
        if self.colour:
            state = click.style(state, fg=COLOURS[event.state], bold=event.state == "error" or None)
        return f"  {event.tool:<9} {state} {tail}".rstrip()

    def _rank(self, tool: str) -> int:
        return self.order.index(tool) if tool in self.order else len(self.order)
