"""The names the library writes into an account: unique per service, never per construct id.

CloudWatch alarm names, dashboard names and log group names are unique in an account and
region. A name made only of the stage and a construct id (``production-Function-...``) is the
same in every service built from the same template, so a second service's deploy fails or
takes over the first one's alarm. Every such name the library makes starts from the service:
the name the team gives, else the stack's name, which CloudFormation keeps unique in an account
and region.
"""

from __future__ import annotations

import hashlib
import re

from aws_cdk import Stack
from constructs import IConstruct

__all__ = ["fit_name", "name_part_of", "service_name_of"]

_NOT_NAME_PART = re.compile(r"[^A-Za-z0-9._-]+")


def service_name_of(scope: IConstruct) -> str:
    """The service part of names made in ``scope`` when the team gives none: the stack's name."""
    return Stack.of(scope).stack_name


def name_part_of(construct_id: str) -> str:
    """``construct_id`` as one part of a name: letters, digits, ``.``, ``-`` and ``_`` only."""
    part = _NOT_NAME_PART.sub("-", construct_id).strip("-._")
    return part or hashlib.sha256(construct_id.encode()).hexdigest()[:8]


def fit_name(name: str, max_length: int) -> str:
    """``name``, or its first characters and a hash of the whole when it is too long."""
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: max_length - 9].rstrip('-._')}-{digest}"
