"""NAT instances: status checks, CPU, CPU credits of burstable types, traffic."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2

from org_constructs.monitoring._packs._base import Pack
from org_constructs.monitoring._settings import (
    GT,
    LT,
    MISSING_OK,
    AlarmDefault,
    Severity,
    catalogue,
)
from org_constructs.network import StandardVpc

__all__ = [
    "CATALOGUE",
    "NAME",
    "NatInstance",
    "Widgets",
    "instances_of",
    "monitor",
    "widgets",
]

NAME = "nat_instance"

W, C = Severity.WARNING, Severity.CRITICAL

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="status_check_failed",
        metric="StatusCheckFailed (Maximum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=1,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="The NAT instance failed a status check (AWS's host or its own system) for 3 "
        "minutes: the private subnets that route through it have no internet egress.",
        action="A failed system check is recovered by StandardVpc's recovery alarm (the "
        "instance moves to healthy hardware); for a failed instance check, reboot it "
        "(aws ec2 reboot-instances --instance-ids ID) or redeploy to replace it.",
    ),
    AlarmDefault(
        key="cpu_utilization",
        metric="CPUUtilization (Average)",
        threshold=80,
        unit="percent",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="CPU above 80% for 15 minutes: the NAT instance is near what it can forward; "
        "packets queue and drop next.",
        action="Choose a larger nat_instance_type, send AWS traffic through VPC endpoints, or "
        "run NAT gateways (leave nat_instance_type out).",
    ),
    AlarmDefault(
        key="cpu_credit_balance",
        metric="CPUCreditBalance (Minimum)",
        threshold=5,
        unit="count",
        comparison=LT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="Fewer than 5 CPU credits for 15 minutes: with standard credits the instance "
        "is held to its baseline CPU (5% of a vCPU for a t4g.nano) and forwards slowly. A "
        "new instance starts with none, so the alarm also fires for about an hour after a "
        "deployment replaces it.",
        action="If it lasts, choose a larger burstable type or a non-burstable one "
        "(c7g.medium), or send AWS traffic through VPC endpoints.",
        condition="a burstable (t4g) instance type",
    ),
)
"""The NAT instance pack's alarms, by key, with their default settings."""


@dataclass(frozen=True)
class NatInstance:
    """One NAT instance to monitor: its id and whether its type earns CPU credits."""

    instance_id: str
    burstable: bool


def _metric(instance_id: str, number: int, name: str, statistic: str) -> cw.Metric:
    return cw.Metric(
        namespace="AWS/EC2",
        metric_name=name,
        statistic=statistic,
        dimensions_map={"InstanceId": instance_id},
        label=f"{name} #{number}",
    )


@dataclass
class Widgets:
    """The metrics of every instance, gathered for the NAT widgets."""

    network: list[cw.IMetric] = field(default_factory=list)
    cpu: list[cw.IMetric] = field(default_factory=list)
    credits: list[cw.IMetric] = field(default_factory=list)


def monitor(pack: Pack, instance: NatInstance, number: int, into: Widgets) -> None:
    """The alarms of one NAT instance; its metrics go ``into`` the widgets."""
    pack.alarm(
        "status_check_failed",
        _metric(instance.instance_id, number, "StatusCheckFailed", "Maximum"),
    )
    cpu = _metric(instance.instance_id, number, "CPUUtilization", "Average")
    pack.alarm("cpu_utilization", cpu)
    into.cpu.append(cpu)
    if instance.burstable:
        balance = _metric(instance.instance_id, number, "CPUCreditBalance", "Minimum")
        pack.alarm("cpu_credit_balance", balance)
        into.credits.append(balance)
    into.network += [
        _metric(instance.instance_id, number, "NetworkOut", "Sum"),
        _metric(instance.instance_id, number, "NetworkIn", "Sum"),
    ]


def widgets(main: Callable[..., None], into: Widgets) -> None:
    """The NAT widgets of every instance together, on the main dashboard."""
    main(
        cw.GraphWidget(title="NAT instances: bytes", width=12, left=list(into.network)),
        cw.GraphWidget(
            title="NAT instances: CPU and credits",
            width=12,
            left=list(into.cpu),
            right=list(into.credits),
            left_y_axis=cw.YAxisProps(min=0, max=100, label="%", show_units=False),
        ),
    )


def _is_burstable(instance: ec2.Instance) -> bool:
    kind = instance.instance.instance_type
    return isinstance(kind, str) and ec2.InstanceType(kind).is_burstable()


def instances_of(vpc: StandardVpc | ec2.IVpc) -> dict[int, NatInstance]:
    """The NAT instances this app defines in ``vpc``, by number (1 for the first public
    subnet): a ``StandardVpc``'s, or those of aws-cdk-lib's NAT instance providers."""
    network = vpc.vpc if isinstance(vpc, StandardVpc) else vpc
    instances: dict[int, NatInstance] = {}
    for number, subnet in enumerate(network.public_subnets, start=1):
        instance = subnet.node.try_find_child("NatInstance")
        if isinstance(instance, ec2.Instance):
            instances[number] = NatInstance(instance.instance_id, _is_burstable(instance))
    return instances
