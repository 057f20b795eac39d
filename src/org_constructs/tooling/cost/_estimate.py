"""Price what bills by the hour or month; name what bills by usage."""

from __future__ import annotations

import importlib.resources
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "CostLine",
    "Estimate",
    "StackCost",
    "estimate_assembly",
    "estimate_template",
    "price_table",
    "render_estimate",
]


@cache
def price_table() -> dict[str, Any]:
    """The shipped price table (``org_constructs/tooling/cost/prices.json``)."""
    text = (
        importlib.resources.files("org_constructs.tooling.cost").joinpath("prices.json").read_text()
    )
    table: dict[str, Any] = json.loads(text)
    return table


@dataclass(frozen=True)
class CostLine:
    """One priced resource."""

    logical_id: str
    resource_type: str
    what: str
    monthly: float


@dataclass
class StackCost:
    """The fixed monthly cost of one stack."""

    stack: str
    stage: str
    region: str
    lines: list[CostLine] = field(default_factory=list)
    unpriced: dict[str, int] = field(default_factory=dict)
    """Usage-billed resource types and how many the stack has."""
    unknown: list[str] = field(default_factory=list)
    """Resources whose fixed price the table lacks (an RDS class it does not list)."""

    @property
    def monthly(self) -> float:
        return round(sum(line.monthly for line in self.lines), 2)


@dataclass
class Estimate:
    """Every stack of one synthesized assembly."""

    stacks: list[StackCost]

    def by_stage(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for stack in self.stacks:
            totals[stack.stage] += stack.monthly
        return {stage: round(total, 2) for stage, total in totals.items()}


def estimate_template(
    template: dict[str, Any], *, stack: str = "", stage: str = "-", region: str = ""
) -> StackCost:
    """Price one CloudFormation template."""
    table = price_table()
    hours = table["hours_per_month"]
    hourly = table["hourly"]
    monthly = table["monthly"]
    result = StackCost(stack=stack, stage=stage, region=region or table["region"])
    resources: dict[str, Any] = template.get("Resources", {})

    def add(logical_id: str, kind: str, what: str, amount: float) -> None:
        result.lines.append(CostLine(logical_id, kind, what, round(amount, 2)))

    for logical_id, resource in resources.items():
        kind = resource.get("Type", "")
        props = resource.get("Properties") or {}
        if kind == "AWS::EC2::NatGateway":
            add(logical_id, kind, "NAT gateway hours", hourly["nat_gateway"] * hours)
        elif kind == "AWS::EC2::EIP":
            add(logical_id, kind, "public IPv4 address", hourly["public_ipv4_address"] * hours)
        elif kind == "AWS::EC2::VPCEndpoint" and props.get("VpcEndpointType") == "Interface":
            azs = len(props.get("SubnetIds") or []) or 1
            add(
                logical_id,
                kind,
                f"interface endpoint in {azs} AZ(s)",
                hourly["interface_endpoint_per_az"] * hours * azs,
            )
        elif kind == "AWS::KMS::Key":
            add(logical_id, kind, "customer managed key", monthly["kms_customer_managed_key"])
        elif kind == "AWS::CloudWatch::Alarm":
            metrics = _alarm_metrics(props)
            high = int(props.get("Period") or 60) < 60
            rate = monthly[
                "alarm_high_resolution_per_metric" if high else "alarm_standard_per_metric"
            ]
            add(logical_id, kind, f"alarm on {metrics} metric(s)", rate * metrics)
        elif kind == "AWS::CloudWatch::CompositeAlarm":
            add(logical_id, kind, "composite alarm", monthly["composite_alarm"])
        elif kind == "AWS::CloudWatch::Dashboard":
            add(logical_id, kind, "dashboard", monthly["dashboard"])
        elif kind == "AWS::SecretsManager::Secret":
            add(logical_id, kind, "secret", monthly["secretsmanager_secret"])
        elif kind == "AWS::WAFv2::WebACL":
            rules = len(props.get("Rules") or [])
            add(
                logical_id,
                kind,
                f"web ACL with {rules} rule(s)",
                monthly["wafv2_web_acl"] + monthly["wafv2_rule"] * rules,
            )
        elif kind == "AWS::Chatbot::SlackChannelConfiguration":
            add(logical_id, kind, "Slack channel (AWS Chatbot is free)", monthly["chatbot_channel"])
        elif kind == "AWS::ApiGateway::Stage" and props.get("CacheClusterEnabled"):
            size = str(props.get("CacheClusterSize", "0.5"))
            rate = hourly["api_gateway_cache_gb"].get(size)
            if rate is None:
                result.unknown.append(f"{logical_id}: API cache size {size} GB")
            else:
                add(logical_id, kind, f"API cache {size} GB", rate * hours)
        elif kind == "AWS::RDS::DBInstance":
            _price_database(logical_id, props, add, result)
        elif kind in table["usage_based"]:
            result.unpriced[kind] = result.unpriced.get(kind, 0) + 1
    return result


def _alarm_metrics(props: dict[str, Any]) -> int:
    metrics = props.get("Metrics")
    if not metrics:
        return 1
    return max(1, sum(1 for m in metrics if "MetricStat" in m))


def _price_database(logical_id: str, props: dict[str, Any], add: Any, result: StackCost) -> None:
    table = price_table()
    engine = str(props.get("Engine", "")).lower()
    family = "postgres" if "postgres" in engine else "mysql" if "mysql" in engine else engine
    instance_class = str(props.get("DBInstanceClass", ""))
    rate = table["rds_instance_hourly"].get(family, {}).get(instance_class)
    multi_az = props.get("MultiAZ") in (True, "true")
    if rate is None:
        result.unknown.append(f"{logical_id}: RDS {family} {instance_class}")
    else:
        factor = 2 if multi_az else 1
        add(
            logical_id,
            "AWS::RDS::DBInstance",
            f"{family} {instance_class}{' Multi-AZ' if multi_az else ''} instance hours",
            rate * table["hours_per_month"] * factor,
        )
    storage = props.get("AllocatedStorage")
    if isinstance(storage, int | str) and str(storage).isdigit():
        kind = str(props.get("StorageType", "gp2")).lower()
        per_gb = table["monthly"].get(f"rds_storage_{kind}_per_gb")
        if per_gb is not None:
            factor = 2 if multi_az else 1
            add(
                logical_id,
                "AWS::RDS::DBInstance",
                f"{storage} GB {kind} storage",
                per_gb * int(storage) * factor,
            )


def estimate_assembly(directory: Path) -> Estimate:
    """Price every stack of a cloud assembly; the stage is the stack's ``Environment`` tag."""
    from org_constructs.tooling.gate._assembly import Assembly

    assembly = Assembly.read(directory)
    return Estimate(
        [
            estimate_template(
                stack.template,
                stack=stack.name,
                stage=stack.tags.get("Environment", "-"),
            )
            for stack in assembly.stacks
        ]
    )


def render_estimate(estimates: list[Estimate], *, as_json: bool = False) -> str:
    """A table per stage and stack (or JSON), with the table's source and what it leaves out."""
    table = price_table()
    stacks = [stack for estimate in estimates for stack in estimate.stacks]
    stages: dict[str, float] = defaultdict(float)
    for stack in stacks:
        stages[stack.stage] += stack.monthly
    if as_json:
        return json.dumps(
            {
                "currency": table["currency"],
                "source": table["source"],
                "recorded": table["recorded"],
                "stages": {k: round(v, 2) for k, v in stages.items()},
                "stacks": [{**asdict(s), "monthly": s.monthly} for s in stacks],
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
    unpriced: dict[str, int] = defaultdict(int)
    for stack in stacks:
        for kind, count in stack.unpriced.items():
            unpriced[kind] += count
    if unpriced:
        lines += ["", "Not priced (billed by usage):"]
        for kind, count in sorted(unpriced.items()):
            lines.append(f"  {count} x {kind}: {table['usage_based'][kind]}")
    unknown = [u for s in stacks for u in s.unknown]
    if unknown:
        lines += ["", "Not in the price table:"] + [f"  {u}" for u in unknown]
    lines += [
        "",
        f"Source: {table['source']}; recorded {table['recorded']}. {table['notes']}",
    ]
    return "\n".join(lines)
