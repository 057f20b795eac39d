"""The NAT devices a VPC of this app runs: its NAT gateways and its NAT instances."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2

from org_constructs.network import StandardVpc

__all__ = ["NatInstance", "gateways_of", "instances_of"]


@dataclass(frozen=True)
class NatInstance:
    """One NAT instance to monitor: its id and whether its type earns CPU credits."""

    instance_id: str
    burstable: bool


def gateways_of(vpc: StandardVpc | ec2.IVpc) -> dict[int, str]:
    """The NAT gateways this app defines in ``vpc``, by number (1 for the first public subnet)."""
    network = vpc.vpc if isinstance(vpc, StandardVpc) else vpc
    gateways: dict[int, str] = {}
    for number, subnet in enumerate(network.public_subnets, start=1):
        gateway = subnet.node.try_find_child("NATGateway")
        if isinstance(gateway, ec2.CfnNatGateway):
            gateways[number] = gateway.ref
    return gateways


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
