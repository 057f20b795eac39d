"""Compare two synthesized CloudFormation templates: resources by type, alarms by metric,
dashboard widgets, tags.

Usage::

    python benchmarks/compare_resources.py <template-a.json> <template-b.json>

Prints the count of each resource type in both templates and every difference: resource
types, the metrics the alarms watch (namespace, metric name and statistic, or the metrics of
a math expression), the number of widgets of each kind on the dashboards and the tag keys
each resource carries (the organisation's tags cost the same in both). Exits 0 when
the two templates hold the same resources, 1 when anything differs, 2 when a path holds no
template. The benchmark of the library's overhead compares an example with its hand-written
twin this way before timing them.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

IGNORED_TYPES = frozenset({"AWS::CDK::Metadata"})
"""Written by the CDK into any stack: no part of either app."""


class NotATemplateError(Exception):
    """A path that holds no CloudFormation template."""


def load(path: str) -> dict[str, Any]:
    """The template at ``path``; ``NotATemplateError`` when it is missing or holds no resources."""
    try:
        template = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise NotATemplateError(f"{path}: {error}") from error
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise NotATemplateError(f"{path}: no CloudFormation template (no Resources)")
    return template


def resource_types(template: dict[str, Any]) -> Counter[str]:
    """How many resources of each type."""
    return Counter(
        resource["Type"]
        for resource in template.get("Resources", {}).values()
        if resource["Type"] not in IGNORED_TYPES
    )


def alarm_metrics(template: dict[str, Any]) -> Counter[str]:
    """What each alarm watches: ``namespace/metric statistic period``, or for a math
    expression its metrics joined with ``+``."""
    watched: Counter[str] = Counter()
    for resource in template.get("Resources", {}).values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        properties = resource.get("Properties", {})
        if "MetricName" in properties:
            statistic = properties.get("Statistic") or properties.get("ExtendedStatistic")
            watched[
                f"{properties.get('Namespace')}/{properties['MetricName']} {statistic} "
                f"{properties.get('Period')}s"
            ] += 1
            continue
        parts = sorted(
            f"{query['MetricStat']['Metric'].get('Namespace')}/"
            f"{query['MetricStat']['Metric']['MetricName']} {query['MetricStat'].get('Stat')} "
            f"{query['MetricStat'].get('Period')}s"
            for query in properties.get("Metrics", [])
            if "MetricStat" in query
        )
        watched["expression of " + " + ".join(parts)] += 1
    return watched


def _flatten(value: Any) -> str:
    """A dashboard body with its references as placeholders: the strings of an ``Fn::Join``
    joined, any other intrinsic function (``Ref``, ``Fn::GetAtt``, ``Fn::Select``...) as
    ``REF``; enough to read the widgets."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_flatten(part) for part in parts)
    return "REF"


_WIDGET_TYPE = re.compile(r'\{"type":"(\w+)"')


def dashboard_widgets(template: dict[str, Any]) -> Counter[str]:
    """How many widgets of each kind (``metric``, ``alarm``, ``text``...) on all dashboards,
    and how many dashboards."""
    widgets: Counter[str] = Counter()
    for resource in template.get("Resources", {}).values():
        if resource["Type"] != "AWS::CloudWatch::Dashboard":
            continue
        widgets["(dashboards)"] += 1
        body = _flatten(resource["Properties"]["DashboardBody"])
        try:
            types = [widget.get("type") for widget in json.loads(body).get("widgets", [])]
        except ValueError:
            # A reference inside a JSON string (a quoted token): read the types as text.
            types = _WIDGET_TYPE.findall(body)
        for kind in types:
            widgets[f"{kind} widget"] += 1
    return widgets


def tag_keys(template: dict[str, Any]) -> Counter[str]:
    """Each tagged resource as ``type: key, key...`` (its tags' keys; values name the stack)."""
    tagged: Counter[str] = Counter()
    for resource in template.get("Resources", {}).values():
        tags = resource.get("Properties", {}).get("Tags")
        if isinstance(tags, list):
            keys = sorted(str(tag.get("Key")) for tag in tags if isinstance(tag, dict))
        elif isinstance(tags, dict):
            keys = sorted(tags)
        else:
            continue
        tagged[f"{resource['Type']}: {', '.join(keys)}"] += 1
    return tagged


def differences(a: Counter[str], b: Counter[str]) -> list[tuple[str, int, int]]:
    return [(key, a[key], b[key]) for key in sorted(a.keys() | b.keys()) if a[key] != b[key]]


def report(title: str, a: Counter[str], b: Counter[str], *, list_all: bool = False) -> bool:
    """Print the comparison of one aspect; True when the two agree."""
    found = differences(a, b)
    print(f"{title}: {sum(a.values())} against {sum(b.values())}")
    rows = [(key, a[key], b[key]) for key in sorted(a.keys() | b.keys())] if list_all else found
    for key, count_a, count_b in rows:
        mark = "" if count_a == count_b else f"   <- {count_b - count_a:+d}"
        print(f"  {count_a:4d} {count_b:4d}  {key}{mark}")
    return not found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: compare_resources.py <template-a> <template-b>", file=sys.stderr)
        return 2
    try:
        a, b = load(argv[0]), load(argv[1])
    except NotATemplateError as error:
        print(f"compare_resources.py: {error}", file=sys.stderr)
        return 2
    print(f"a: {argv[0]}\nb: {argv[1]}")
    same = report("resources", resource_types(a), resource_types(b), list_all=True)
    same &= report("alarm metrics", alarm_metrics(a), alarm_metrics(b))
    same &= report("dashboard widgets", dashboard_widgets(a), dashboard_widgets(b))
    same &= report("tags", tag_keys(a), tag_keys(b))
    print("the same resources" if same else "the templates differ")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
