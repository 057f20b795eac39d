"""Checks shared by the configuration classes. Each raises ``ValidationError`` or returns."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from org_constructs.errors import ValidationError

_ACCOUNT = re.compile(r"^\d{12}$")
_REGION_SHAPE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_TAG_CHARS = re.compile(r"^[\w\s.:/=+\-@]*$", re.UNICODE)

MIN_VPC_PREFIX = 16
MAX_VPC_PREFIX = 28
RESERVED_TAG_KEYS = frozenset({"Environment", "StackName", "ManagedBy"})


@cache
def known_regions() -> frozenset[str]:
    """Regions that the installed aws-cdk-lib knows (its ``Fact.regions``: one jsii call)."""
    from aws_cdk import region_info

    return frozenset(region_info.Fact.regions)


def check_bool(where: str, prop: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ValidationError(where, prop, value, "must be true or false")


def check_int(where: str, prop: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(where, prop, value, f"must be a whole number from {low} to {high}")
    if not low <= value <= high:
        raise ValidationError(where, prop, value, f"must be between {low} and {high}")


def check_choice(where: str, prop: str, value: object, allowed: Iterable[object]) -> None:
    choices = tuple(allowed)
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise ValidationError(where, prop, value, f"must be one of {shown}")


def check_text(where: str, prop: str, value: object, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValidationError(where, prop, value, f"must be {what}")
    return value


def check_account(where: str, prop: str, value: object) -> None:
    check_text(where, prop, value, _ACCOUNT, "a 12-digit AWS account id, as a string")


def check_region(where: str, prop: str, value: object) -> None:
    if not isinstance(value, str) or not _REGION_SHAPE.fullmatch(value):
        raise ValidationError(where, prop, value, "must be an AWS region name such as 'eu-west-1'")
    if value not in known_regions():
        raise ValidationError(
            where,
            prop,
            value,
            "is not a region that aws-cdk-lib knows; check the spelling "
            "(for example 'us-east-1', 'eu-central-1') or upgrade aws-cdk-lib",
        )


def check_vpc_cidr(where: str, prop: str, value: object) -> None:
    expected = (
        f"must be an IPv4 network such as '10.0.0.0/16' with a prefix "
        f"from /{MIN_VPC_PREFIX} to /{MAX_VPC_PREFIX}"
    )
    if not isinstance(value, str):
        raise ValidationError(where, prop, value, expected)
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValidationError(where, prop, value, expected) from None
    if network.version != 4:
        raise ValidationError(where, prop, value, expected)
    if str(network) != value:
        raise ValidationError(
            where, prop, value, f"is not a network address (host bits set); use '{network}'"
        )
    if not MIN_VPC_PREFIX <= network.prefixlen <= MAX_VPC_PREFIX:
        raise ValidationError(where, prop, value, expected)


def check_allowed_ip(where: str, prop: str, value: object) -> None:
    expected = "must be a CIDR network such as '203.0.113.0/24' or '2001:db8::/32'"
    if not isinstance(value, str) or "/" not in value:
        raise ValidationError(where, prop, value, expected)
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValidationError(where, prop, value, expected) from None
    if network.prefixlen == 0:
        raise ValidationError(
            where,
            prop,
            value,
            "allows every address on the internet; list only the networks that need access",
        )


def check_email(where: str, prop: str, value: object) -> None:
    check_text(where, prop, value, _EMAIL, "an e-mail address such as 'ops@example.com'")


def check_tags(where: str, prop: str, tags: Mapping[Any, Any]) -> None:
    for key, value in tags.items():
        key_prop = f"{prop}[{key!r}]"
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not _TAG_CHARS.match(key):
            raise ValidationError(
                where,
                key_prop,
                key,
                "tag keys must be 1 to 128 letters, digits, spaces or _ . : / = + - @",
            )
        if key.lower().startswith("aws:"):
            raise ValidationError(where, key_prop, key, "tag keys starting with 'aws:' are AWS's")
        if key in RESERVED_TAG_KEYS:
            raise ValidationError(
                where,
                key_prop,
                key,
                f"is set by AbstractStack on every resource; reserved keys are "
                f"{', '.join(sorted(RESERVED_TAG_KEYS))}",
            )
        if not isinstance(value, str) or len(value) > 256 or not _TAG_CHARS.match(value):
            raise ValidationError(
                where,
                key_prop,
                value,
                "tag values must be text of at most 256 letters, digits, spaces or _ . : / = + - @",
            )
