"""NAT gateways: port allocation errors, dropped packets, active connections, traffic."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2

from org_constructs.monitoring._packs._base import Pack
from org_constructs.monitoring._settings import GT, MISSING_OK, AlarmDefault, Severity, catalogue
from org_constructs.network import StandardVpc

__all__ = ["CATALOGUE", "NAME", "gateways_of", "monitor_gateway", "traffic_widgets"]

NAME = "nat"

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


def gateways_of(vpc: StandardVpc | ec2.IVpc) -> dict[int, str]:
    """The NAT gateways this app defines in ``vpc``, by number (1 for the first public subnet)."""
    network = vpc.vpc if isinstance(vpc, StandardVpc) else vpc
    gateways: dict[int, str] = {}
    for number, subnet in enumerate(network.public_subnets, start=1):
        gateway = subnet.node.try_find_child("NATGateway")
        if isinstance(gateway, ec2.CfnNatGateway):
            gateways[number] = gateway.ref
    return gateways
