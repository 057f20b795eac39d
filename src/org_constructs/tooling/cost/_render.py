"""The estimate as a report: a table per stage and stack (or JSON), and what it leaves out."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from typing import Any

from org_constructs.tooling.cost._estimate import Estimate, StackCost, price_table

__all__ = ["incomplete_summary", "not_priced", "render_estimate"]


def not_priced(stacks: list[StackCost]) -> list[dict[str, Any]]:
    """Every type left out of the totals, with its count over ``stacks``: ``billing`` is
    ``"usage"`` (billed by usage only), ``"fixed"`` (an hourly or monthly charge the table
    does not price) or ``"unknown"`` (a type the table does not know), ``what`` what bills."""
    table = price_table()
    counted: dict[tuple[str, str], int] = defaultdict(int)
    for stack in stacks:
        for billing, counts in (
            ("usage", stack.unpriced),
            ("fixed", stack.fixed_not_priced),
            ("unknown", stack.unrecognized),
        ):
            for kind, count in counts.items():
                counted[billing, kind] += count
    what = {
        "usage": table["usage_based"],
        "fixed": table["fixed_not_priced"],
        "unknown": {},
    }
    return [
        {
            "type": kind,
            "count": count,
            "billing": billing,
            "what": what[billing].get(kind, "not in the price table: its charges are unknown"),
        }
        for (billing, kind), count in sorted(counted.items(), key=lambda item: item[0][::-1])
    ]


_NOT_PRICED_HEADINGS = {
    "usage": "Not priced (billed by usage):",
    "fixed": "Not priced (an hourly or monthly charge the price table lacks, left out of the "
    "totals):",
    "unknown": "Not priced (types the price table does not know, left out of the totals):",
}


def incomplete_summary(stacks: list[StackCost]) -> str:
    """One line naming what an incomplete estimate leaves out; empty when it is complete."""
    parts = [
        f"{entry['count']} x {entry['type']}"
        for entry in not_priced(stacks)
        if entry["billing"] != "usage"
    ]
    missing = [u for s in stacks for u in s.unknown]
    if missing:
        parts.append(f"{len(missing)} price(s) not in the table")
    if not parts:
        return ""
    return "the totals leave out " + ", ".join(parts)


def render_estimate(estimates: list[Estimate], *, as_json: bool = False) -> str:
    """A table per stage and stack (or JSON), with the table's source and what it leaves out:
    every resource type that is not priced and not free, with its count."""
    table = price_table()
    stacks = [stack for estimate in estimates for stack in estimate.stacks]
    stages: dict[str, float] = defaultdict(float)
    for stack in stacks:
        stages[stack.stage] += stack.monthly
    left_out = not_priced(stacks)
    complete = all(stack.complete for stack in stacks)
    if as_json:
        return json.dumps(
            {
                "currency": table["currency"],
                "source": table["source"],
                "recorded": table["recorded"],
                "complete": complete,
                "stages": {k: round(v, 2) for k, v in stages.items()},
                "not_priced": left_out,
                "stacks": [
                    {**asdict(s), "monthly": s.monthly, "complete": s.complete} for s in stacks
                ],
            },
            indent=2,
        )
    lines = [f"Fixed monthly cost ({table['currency']}, {table['region']} list prices)", ""]
    width = max([len(s.stack) for s in stacks] + [5])
    lines.append(f"{'stage':<12} {'stack':<{width}} {'monthly':>10}")
    for stack in sorted(stacks, key=lambda s: (s.stage, s.stack)):
        lines.append(f"{stack.stage:<12} {stack.stack:<{width}} {stack.monthly:>10.2f}")
    lines.append("")
    for stage, total in sorted(stages.items()):
        lines.append(f"{stage:<12} {'total':<{width}} {total:>10.2f}")
    lines += ["", "What is priced:"]
    for stack in sorted(stacks, key=lambda s: (s.stage, s.stack)):
        for line in stack.lines:
            lines.append(f"  {stack.stack}: {line.what} ({line.logical_id}) {line.monthly:.2f}")
    for billing, heading in _NOT_PRICED_HEADINGS.items():
        entries = [entry for entry in left_out if entry["billing"] == billing]
        if entries:
            lines += ["", heading]
            lines += [f"  {e['count']} x {e['type']}: {e['what']}" for e in entries]
    unknown = [u for s in stacks for u in s.unknown]
    if unknown:
        lines += ["", "Not in the price table:"] + [f"  {u}" for u in unknown]
    summary = incomplete_summary(stacks)
    if summary:
        lines += ["", f"Incomplete estimate: {summary}."]
    lines += [
        "",
        f"Source: {table['source']}; recorded {table['recorded']}. {table['notes']}",
    ]
    return "\n".join(lines)
