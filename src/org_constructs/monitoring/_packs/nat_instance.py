"""NAT instances: status checks, CPU, CPU credits of burstable types, traffic."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2

from org_constructs.errors import ValidationError
from org_constructs.monitoring._packs._base import Pack, PackSpec, PageRow, Plan, Shared, Unit
from org_constructs.monitoring._packs._checks import Overrides, PackChecks
from org_constructs.monitoring._packs._nat_devices import NatInstance, gateways_of, instances_of
from org_constructs.monitoring._settings import (
    GT,
    LT,
    MISSING_OK,
    AlarmDefault,
    Severity,
    catalogue,
    check_name_part,
)
from org_constructs.network import StandardVpc

__all__ = [
    "CATALOGUE",
    "NAME",
    "PACK",
    "NatInstance",
    "Widgets",
    "check",
    "instances_of",
    "monitor",
    "widgets",
]

NAME = "nat_instance"
_INSTANCE_ID = re.compile(r"^i-[0-9a-f]{8,17}$")

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


def check(
    checks: PackChecks,
    vpc: StandardVpc | ec2.IVpc | None = None,
    *,
    nat_instance_ids: Sequence[str] | None,
    burstable: bool | None,
    label: str,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_nat_instances`` refuses; the plan of one unit per instance."""
    where = checks.where
    checks.vpc_or_ids(
        vpc,
        nat_instance_ids,
        prop="nat_instance_ids",
        pattern=_INSTANCE_ID,
        example="an EC2 instance id such as 'i-0123456789abcdef0'",
        noun="instance",
    )
    if vpc is not None and burstable is not None:
        raise ValidationError(
            where,
            "burstable",
            burstable,
            "cannot be given with vpc: it comes from the type of the VPC's instances",
        )
    check_name_part(where, "label", label)
    checks.alarm_keys(alarms)
    instances = {
        number: NatInstance(instance_id, bool(burstable))
        for number, instance_id in enumerate(nat_instance_ids or (), start=1)
    }
    if vpc is not None:
        instances = instances_of(vpc)
    if not instances:
        gateways = vpc is not None and bool(gateways_of(vpc))
        raise ValidationError(
            where,
            "vpc",
            vpc,
            "runs NAT gateways, not NAT instances: monitor them with monitor_nat_gateways"
            if gateways
            else "has no NAT instances this app defines: give nat_instance_ids for a VPC "
            "defined elsewhere, or do not monitor NAT instances of a VPC without them",
        )
    labels = {number: checks.label(f"{label}{number}", None) for number in instances}
    resolved = checks.resolve(list(labels.values()), alarms)
    burstable_any = any(instance.burstable for instance in instances.values())
    checks.possible(
        alarms,
        [k for k in CATALOGUE if k != "cpu_credit_balance" or burstable_any],
        "these NAT instances have",
        "give burstable=True when their type earns CPU credits" if vpc is None else "",
    )
    for number, instance in instances.items():
        checks.unwatched(
            f"nat instance {number}",
            vpc or instance.instance_id,
            [("nat_instance", instance.instance_id)],
        )
    gathered = Widgets()

    def build(instance: NatInstance, number: int) -> Callable[[Pack], None]:
        return lambda pack: monitor(pack, instance, number, gathered)

    def finish(shared: Shared) -> None:
        widgets(shared.main, gathered)
        if isinstance(vpc, StandardVpc):
            # A recovery is an event people should see: the VPC's recovery alarms notify too.
            for recovery in vpc.nat_recovery_alarms:
                recovery.add_alarm_action(shared.critical_action)
                recovery.add_ok_action(shared.critical_action)

    units = [
        Unit(
            labels[number],
            f"NatInstance{labels[number]}",
            build(instance, number),
            [("nat_instance", instance.instance_id)],
        )
        for number, instance in instances.items()
    ]
    return Plan(resolved, units, finish)


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


PACK = PackSpec(
    name=NAME,
    method="monitor_nat_instances",
    target="vpc",
    title="NAT instances",
    catalogue=CATALOGUE,
    roll_back="if it began with a deployment (a new instance type or image), deploy the "
    "previous release; a lasting failure is ended by replacing the instance (redeploy) or by "
    "NAT gateways ([disaster recovery](guides/runbook.md#disaster-recovery)).",
    check=check,
    page=PageRow(
        call="`monitor_nat_instances(vpc)` or `(nat_instance_ids=, burstable=)`",
        alarms="per NAT instance: failed status checks (Critical), CPU above 80%, CPU credit "
        "balance below 5 for `t4g` types; the recovery itself is the `StandardVpc`'s alarm",
        main="bytes, CPU and CPU credits per instance",
    ),
)
"""The NAT instance pack, as ``ServiceMonitoring.monitor_nat_instances`` and the docs read it."""
