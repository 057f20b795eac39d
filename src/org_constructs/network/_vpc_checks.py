"""What ``StandardVpc`` checks of its zones and interface endpoint services."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import cache

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.tokens import unresolved
from org_constructs.errors import ValidationError

__all__ = ["check_endpoint_service", "check_zone_count", "check_zones"]

_ZONE = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+[a-z]$")
_DUMMY_ZONES = ("dummy1a", "dummy1b", "dummy1c")
"""What aws-cdk-lib returns for a stack's zones until cdk.context.json records them."""


def check_zones(where: str, scope: Construct, zones: Sequence[str], max_azs: int) -> None:
    prop = "availability_zones"
    if len(zones) != max_azs:
        raise ValidationError(
            where, prop, list(zones), f"must name exactly max_azs ({max_azs}) zones"
        )
    literal = [zone for zone in zones if not unresolved(zone)]
    for index, zone in enumerate(zones):
        if zone in literal and not _ZONE.fullmatch(zone):
            raise ValidationError(
                where, f"{prop}[{index}]", zone, "must be an Availability Zone such as 'eu-west-1a'"
            )
    checks.check_unique(where, prop, literal, "zone")
    stack = Stack.of(scope)
    if unresolved(stack.region):
        return
    known = [zone for zone in stack.availability_zones if not unresolved(zone)]
    for index, zone in enumerate(zones):
        if zone not in literal:
            continue
        if not zone.startswith(stack.region):
            raise ValidationError(
                where, f"{prop}[{index}]", zone, f"is not in the stack's region ({stack.region})"
            )
        if known and set(known) != set(_DUMMY_ZONES) and zone not in known:
            raise ValidationError(
                where,
                f"{prop}[{index}]",
                zone,
                f"is not one of the account's zones in {stack.region} "
                f"({', '.join(known)}, from cdk.context.json)",
            )


def check_zone_count(where: str, scope: Construct, max_azs: int, given: bool) -> None:
    """The stack has ``max_azs`` zones: ``ec2.Vpc`` would otherwise span fewer, silently."""
    zones = Stack.of(scope).availability_zones
    if any(unresolved(zone) for zone in zones):
        # An environment-agnostic stack: aws-cdk-lib offers two zones (Fn::GetAZs). Only a
        # max_azs given by the user is refused; the stage default keeps its old behaviour.
        if given and max_azs > len(zones):
            raise ValidationError(
                where,
                "max_azs",
                max_azs,
                f"the stack has no account and region, so aws-cdk-lib gives it {len(zones)} "
                f"availability zones and the VPC would span {len(zones)}, not {max_azs}: give "
                "the stack env=Environment(account=..., region=...) (an AbstractStack takes it "
                f"from its config), or max_azs={len(zones)}",
            )
        return
    if set(zones) <= set(_DUMMY_ZONES):
        return  # not looked up yet: the CLI looks them up and synthesizes again
    if max_azs > len(zones):
        raise ValidationError(
            where,
            "max_azs",
            max_azs,
            f"the stack's region has {len(zones)} availability zones ({', '.join(zones)}, from "
            f"cdk.context.json or the environment's availability_zones): the VPC would span "
            f"{len(zones)}, not {max_azs}; use max_azs={len(zones)} or fewer",
        )


@cache
def _endpoint_services() -> frozenset[str]:
    """The interface endpoint services the installed aws-cdk-lib knows, by short name."""
    kind = ec2.InterfaceVpcEndpointAwsService
    members = (getattr(kind, name) for name in dir(kind) if name.isupper())
    return frozenset(m.short_name for m in members if isinstance(m, kind))


def check_endpoint_service(where: str, prop: str, service: str) -> None:
    if service.startswith("com.amazonaws."):
        short = service.split(".", 3)[-1]
        raise ValidationError(
            where,
            prop,
            service,
            f"give the service's short name ({short!r}): the endpoint name "
            "com.amazonaws.<region>.<service> is built from it",
        )
    if service not in _endpoint_services():
        close = difflib.get_close_matches(service.lower(), _endpoint_services(), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValidationError(
            where,
            prop,
            service,
            f"is not an AWS service with interface endpoints that aws-cdk-lib knows; {hint}"
            "use names such as 'ssm', 'secretsmanager', 'logs', 'ecr.api'",
        )
