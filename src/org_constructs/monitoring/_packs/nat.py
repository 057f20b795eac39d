"""NAT gateways: port allocation errors, dropped packets, active connections, traffic."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2

from org_constructs.errors import ValidationError
from org_constructs.monitoring._packs._base import Pack, PackSpec, PageRow, Plan, Shared, Unit
from org_constructs.monitoring._packs._checks import Overrides, PackChecks
from org_constructs.monitoring._packs._nat_devices import gateways_of, instances_of
from org_constructs.monitoring._settings import (
    GT,
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
    "check",
    "gateways_of",
    "monitor_gateway",
    "traffic_widgets",
]

NAME = "nat"
_NAT_GATEWAY_ID = re.compile(r"^nat-[0-9a-f]{8,17}$")

W, C = Severity.WARNING, Severity.CRITICAL

CATALOGUE: Mapping[str, AlarmDefault] = catalogue(
    AlarmDefault(
        key="error_port_allocation",
        metric="ErrorPortAllocation (Sum)",
        threshold=0,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=C,
        meaning="The NAT gateway could not allocate a source port: connections failed.",
        action="Too many connections to one destination: spread traffic across more NAT "
        "gateways or destination addresses, use VPC endpoints for AWS services.",
    ),
    AlarmDefault(
        key="packets_drop_count",
        metric="PacketsDropCount (Sum)",
        threshold=100,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="The NAT gateway dropped more than 100 packets per 5 minutes for 15 minutes.",
        action="Check the AWS Health Dashboard for the AZ; compare with traffic volume.",
    ),
    AlarmDefault(
        key="active_connection_count",
        metric="ActiveConnectionCount (Maximum)",
        threshold=55000,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data=MISSING_OK,
        severity=W,
        meaning="More than 55,000 concurrent connections (the guide's threshold; a NAT gateway "
        "supports 55,000 to one destination).",
        action="Expect ErrorPortAllocation next: add NAT gateways or destinations, or use VPC "
        "endpoints.",
    ),
)
"""The NAT gateway pack's alarms, by key, with their default settings."""


def check(
    checks: PackChecks,
    vpc: StandardVpc | ec2.IVpc | None = None,
    *,
    nat_gateway_ids: Sequence[str] | None,
    label: str,
    alarms: Overrides,
) -> Plan:
    """What ``monitor_nat_gateways`` refuses; the plan of one unit per gateway."""
    where = checks.where
    checks.vpc_or_ids(
        vpc,
        nat_gateway_ids,
        prop="nat_gateway_ids",
        pattern=_NAT_GATEWAY_ID,
        example="a NAT gateway id such as 'nat-0123456789abcdef0'",
        noun="gateway",
    )
    check_name_part(where, "label", label)
    checks.alarm_keys(alarms)
    gateways = dict(enumerate(nat_gateway_ids or (), start=1))
    if vpc is not None:
        gateways = gateways_of(vpc)
    if not gateways and vpc is not None and instances_of(vpc):
        raise ValidationError(
            where,
            "vpc",
            vpc,
            "runs NAT instances, not NAT gateways: monitor them with monitor_nat_instances",
        )
    if not gateways:
        raise ValidationError(
            where,
            "vpc",
            vpc,
            "has no NAT gateways this app defines: give nat_gateway_ids for a VPC defined "
            "elsewhere, or do not monitor NAT gateways of a VPC without them",
        )
    labels = {number: checks.label(f"{label}{number}", None) for number in gateways}
    resolved = checks.resolve(list(labels.values()), alarms)
    for number, gateway_id in gateways.items():
        checks.unwatched(f"nat gateway {number}", vpc or gateway_id, [("nat", gateway_id)])
    traffic: list[cw.IMetric] = []
    packets: list[cw.IMetric] = []

    def build(gateway_id: str, number: int) -> Callable[[Pack], None]:
        def gateway(pack: Pack) -> None:
            gateway_traffic, gateway_packets = monitor_gateway(pack, gateway_id, number)
            traffic.extend(gateway_traffic)
            packets.extend(gateway_packets)

        return gateway

    def finish(shared: Shared) -> None:
        traffic_widgets(shared.main, traffic, packets)

    units = [
        Unit(
            labels[number],
            f"Nat{labels[number]}",
            build(gateway_id, number),
            [("nat", gateway_id)],
        )
        for number, gateway_id in gateways.items()
    ]
    return Plan(resolved, units, finish)


def _metric(gateway_id: str, number: int, name: str, statistic: str) -> cw.Metric:
    return cw.Metric(
        namespace="AWS/NATGateway",
        metric_name=name,
        statistic=statistic,
        dimensions_map={"NatGatewayId": gateway_id},
        label=f"{name} #{number}",
    )


def monitor_gateway(pack: Pack, gateway_id: str, number: int) -> tuple[list[cw.IMetric], ...]:
    """The alarms of one gateway; returns its traffic and packet metrics for the widgets."""
    for key, name, statistic in (
        ("error_port_allocation", "ErrorPortAllocation", "Sum"),
        ("packets_drop_count", "PacketsDropCount", "Sum"),
        ("active_connection_count", "ActiveConnectionCount", "Maximum"),
    ):
        pack.alarm(key, _metric(gateway_id, number, name, statistic))
    traffic: list[cw.IMetric] = [
        _metric(gateway_id, number, "BytesOutToDestination", "Sum"),
        _metric(gateway_id, number, "BytesInFromDestination", "Sum"),
    ]
    packets: list[cw.IMetric] = [
        _metric(gateway_id, number, "PacketsOutToDestination", "Sum"),
        _metric(gateway_id, number, "PacketsDropCount", "Sum"),
    ]
    return traffic, packets


def traffic_widgets(
    main: Callable[..., None], traffic: Sequence[cw.IMetric], packets: Sequence[cw.IMetric]
) -> None:
    """The NAT widgets of every gateway together, on the main dashboard."""
    main(
        cw.GraphWidget(title="NAT gateways: bytes", width=12, left=list(traffic)),
        cw.GraphWidget(title="NAT gateways: packets", width=12, left=list(packets)),
    )


PACK = PackSpec(
    name=NAME,
    method="monitor_nat_gateways",
    target="vpc",
    title="NAT gateways",
    catalogue=CATALOGUE,
    roll_back="if it began with a network change, deploy the previous release; otherwise move "
    "traffic off the AZ ([disaster recovery](guides/runbook.md#disaster-recovery)).",
    check=check,
    page=PageRow(
        call="`monitor_nat_gateways(vpc)`",
        alarms="per NAT gateway: ErrorPortAllocation, PacketsDropCount, ActiveConnectionCount "
        "(guide: 55,000)",
        main="bytes and packets per gateway",
    ),
)
"""The NAT gateway pack, as ``ServiceMonitoring.monitor_nat_gateways`` and the docs read it."""
