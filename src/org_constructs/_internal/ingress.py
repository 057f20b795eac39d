"""Admitting clients to a resource in a VPC on its ports only: ``allow_from`` of
``SecureDatabase`` and ``SecureCache``, checked the same way."""

from __future__ import annotations

import typing
from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from org_constructs._internal.nodes import path_of
from org_constructs.core import ReleasedFunction
from org_constructs.errors import ValidationError

__all__ = ["MAX_RULE_DESCRIPTION", "admit"]

MAX_RULE_DESCRIPTION = 255
"""The longest description EC2 keeps on a security group rule."""


def admit(
    owner: Construct,
    where: str,
    security_group: ec2.ISecurityGroup,
    peer: ec2.IConnectable | ec2.IPeer,
    *,
    ports: Sequence[int],
    description: str | None,
    noun: str,
) -> None:
    """Let ``peer`` reach ``owner`` (a ``noun``: "database", "cache") on ``ports`` through its
    ``security_group``, and nothing else.

    Refused, naming the value: a description EC2 would cut, a function outside a VPC, a peer
    that is every address. A peer in another stack gets the rules in its own stack (which
    refers to the owner's already), so that the owner's stack never refers back to it.
    """
    if description is not None and len(description) > MAX_RULE_DESCRIPTION:
        raise ValidationError(
            where,
            "description",
            f"{description[:40]}...",
            f"must be at most {MAX_RULE_DESCRIPTION} characters",
        )
    text = description or f"Clients of {path_of(owner)}"
    function = peer.function if isinstance(peer, ReleasedFunction) else peer
    if getattr(function, "is_bound_to_vpc", None) is False:
        raise ValidationError(
            where,
            "peer",
            typing.cast("Construct", peer).node.path,
            f"is a function outside a VPC, and {path_of(owner)} admits only security groups "
            "of its VPC: give the function vpc=... (MonitoredFunction(vpc=...)) so that it runs "
            f"in the {noun}'s VPC",
        )
    if hasattr(peer, "to_ingress_rule_config"):  # an ec2.IPeer (a security group is one)
        rendered = Stack.of(owner).resolve(peer.to_ingress_rule_config())
        cidr = rendered.get("cidrIp") or rendered.get("cidrIpv6")
        if cidr in ("0.0.0.0/0", "::/0"):
            raise ValidationError(
                where,
                "peer",
                cidr,
                "admits every address on the internet: name the security groups or networks "
                f"that need the {noun}",
            )
    elsewhere = (
        isinstance(peer, Construct)
        and hasattr(peer, "connections")
        and Stack.of(peer) is not Stack.of(owner)
    )
    for number in ports:
        # The literal port, not the connections' token: rule checkers read it.
        port = ec2.Port.tcp(number)
        if elsewhere:
            for group in peer.connections.security_groups:
                security_group.add_ingress_rule(group, port, text, True)
                if not group.allow_all_outbound:
                    group.add_egress_rule(security_group, port, text)
        else:
            security_group.connections.allow_from(peer, port, text)
