"""``SecureTable``'s properties, checked together into one frozen settings value before anything
is added to the tree, with the stage's defaults (``TableConfig.for_stage``) filled in."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.config import Stage, TableConfig
from org_constructs.config._services import MAX_RECOVERY_PERIOD_DAYS
from org_constructs.contract import MIN_REASON
from org_constructs.core import is_regulated, removal_policy_for, stage_of
from org_constructs.errors import ValidationError

__all__ = [
    "DEFAULT_MAX_CAPACITY",
    "DEFAULT_MIN_CAPACITY",
    "DEFAULT_TARGET_UTILIZATION",
    "MAX_GLOBAL_SECONDARY_INDEXES",
    "MAX_NAME",
    "TableSettings",
    "checked",
    "stage_defaults",
]

MAX_NAME = 255
"""DynamoDB's longest table (and index) name."""
MAX_GLOBAL_SECONDARY_INDEXES = 20
"""DynamoDB's default quota of global secondary indexes per table."""
MAX_CAPACITY = 40_000
"""DynamoDB's default per-table quota of read (and of write) capacity units."""
DEFAULT_MIN_CAPACITY = 5
"""Provisioned read and write capacity the table never scales below, by default."""
DEFAULT_MAX_CAPACITY = 50
"""Provisioned read and write capacity the table never scales above, by default."""
DEFAULT_TARGET_UTILIZATION = 70
"""The share of provisioned capacity auto scaling keeps consumed, in percent, by default."""
MIN_UTILIZATION, MAX_UTILIZATION = 20, 90
"""The target utilizations Application Auto Scaling accepts for DynamoDB, in percent."""

_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_ON_DEMAND = dynamodb.BillingMode.PAY_PER_REQUEST
_PROVISIONED = dynamodb.BillingMode.PROVISIONED
_CUSTOMER_MANAGED = dynamodb.TableEncryption.CUSTOMER_MANAGED
_CAPACITY_PROPS = (
    "min_read_capacity",
    "max_read_capacity",
    "min_write_capacity",
    "max_write_capacity",
    "target_utilization_percent",
)


def stage_defaults(stage: Stage | None) -> TableConfig:
    """The table defaults of ``stage``: production's outside an ``AbstractStack``."""
    return TableConfig.for_stage(stage or Stage.PRODUCTION)


@dataclass(frozen=True)
class Capacity:
    """Provisioned capacity: where auto scaling starts, stops and aims, for reads and writes."""

    min_read: int
    max_read: int
    min_write: int
    max_write: int
    target_utilization_percent: int


@dataclass(frozen=True, eq=False)
class TableSettings:
    """The checked properties of one ``SecureTable``, every default filled in."""

    where: str
    stage: Stage | None
    partition_key: dynamodb.Attribute
    sort_key: dynamodb.Attribute | None
    table_name: str | None
    """The name given; None to derive one from the construct's path."""
    capacity: Capacity | None
    """None for an on-demand table."""
    encryption: dynamodb.TableEncryption
    encryption_key: kms.IKey | None
    encryption_reason: str | None
    point_in_time_recovery_days: int
    deletion_protection: bool
    removal_policy: RemovalPolicy
    time_to_live_attribute: str | None
    stream: dynamodb.StreamViewType | None
    global_secondary_indexes: tuple[dynamodb.GlobalSecondaryIndexProps, ...]
    contributor_insights: bool
    regulated: bool

    @property
    def customer_managed(self) -> bool:
        """True when the table is encrypted with a customer-managed key."""
        return self.encryption is _CUSTOMER_MANAGED


def checked(
    where: str,
    scope: Construct,
    *,
    partition_key: dynamodb.Attribute,
    sort_key: dynamodb.Attribute | None,
    table_name: str | None,
    billing_mode: dynamodb.BillingMode | None,
    min_read_capacity: int | None,
    max_read_capacity: int | None,
    min_write_capacity: int | None,
    max_write_capacity: int | None,
    target_utilization_percent: int | None,
    encryption: dynamodb.TableEncryption | None,
    encryption_key: kms.IKey | None,
    encryption_reason: str | None,
    point_in_time_recovery_days: int | None,
    deletion_protection: bool | None,
    removal_policy: RemovalPolicy | None,
    time_to_live_attribute: str | None,
    stream: dynamodb.StreamViewType | None,
    global_secondary_indexes: Sequence[dynamodb.GlobalSecondaryIndexProps] | None,
    contributor_insights: bool,
    regulated: bool | None,
) -> TableSettings:
    """Every property checked, alone and against the others; nothing is created."""
    stage = stage_of(scope)
    defaults = stage_defaults(stage)
    _check_attribute(where, "partition_key", partition_key)
    if sort_key is not None:
        _check_attribute(where, "sort_key", sort_key)
        if sort_key.name == partition_key.name:
            raise ValidationError(
                where,
                "sort_key",
                sort_key.name,
                f"is the partition key's attribute too ({partition_key.name!r}): give the sort "
                "key an attribute of its own",
            )
    if table_name is not None:
        checks.check_text(
            where,
            "table_name",
            table_name,
            _NAME,
            f"3 to {MAX_NAME} letters, digits, '_', '-' and '.'",
            tokens=True,
        )
    capacity = _check_capacity(
        where,
        billing_mode,
        {
            "min_read_capacity": min_read_capacity,
            "max_read_capacity": max_read_capacity,
            "min_write_capacity": min_write_capacity,
            "max_write_capacity": max_write_capacity,
            "target_utilization_percent": target_utilization_percent,
        },
    )
    chosen = _check_encryption(where, scope, encryption, encryption_key, encryption_reason)
    days = (
        defaults.point_in_time_recovery_days
        if point_in_time_recovery_days is None
        else point_in_time_recovery_days
    )
    checks.check_int(
        where, "point_in_time_recovery_days", days, 1, MAX_RECOVERY_PERIOD_DAYS, tokens=True
    )
    protected = defaults.deletion_protection if deletion_protection is None else deletion_protection
    if removal_policy is RemovalPolicy.SNAPSHOT:
        raise ValidationError(
            where,
            "removal_policy",
            removal_policy,
            "DynamoDB tables have no CloudFormation snapshots (point-in-time recovery and the "
            "backup plan keep the data): use RemovalPolicy.RETAIN or RemovalPolicy.DESTROY",
        )
    if time_to_live_attribute is not None:
        _check_attribute_name(where, "time_to_live_attribute", time_to_live_attribute)
    keys = {
        partition_key.name: partition_key.type,
        **({sort_key.name: sort_key.type} if sort_key else {}),
    }
    indexes = _check_indexes(where, global_secondary_indexes, keys)
    return TableSettings(
        where=where,
        stage=stage,
        partition_key=partition_key,
        sort_key=sort_key,
        table_name=table_name,
        capacity=capacity,
        encryption=chosen,
        encryption_key=encryption_key,
        encryption_reason=encryption_reason,
        point_in_time_recovery_days=days,
        deletion_protection=protected,
        removal_policy=removal_policy_for(scope, removal_policy),
        time_to_live_attribute=time_to_live_attribute,
        stream=stream,
        global_secondary_indexes=indexes,
        contributor_insights=contributor_insights,
        regulated=is_regulated(scope) if regulated is None else regulated,
    )


def _check_attribute(where: str, prop: str, attribute: object) -> None:
    if not isinstance(attribute, dynamodb.Attribute):
        raise ValidationError(
            where,
            prop,
            attribute,
            "must be a dynamodb.Attribute(name=..., type=AttributeType.STRING)",
        )
    _check_attribute_name(where, f"{prop}.name", attribute.name)


def _check_attribute_name(where: str, prop: str, name: object) -> None:
    if isinstance(name, str) and unresolved(name):
        return
    if not isinstance(name, str) or not 1 <= len(name.encode()) <= MAX_NAME:
        raise ValidationError(
            where, prop, name, f"must be an attribute name of 1 to {MAX_NAME} bytes"
        )


def _check_capacity(
    where: str, billing_mode: dynamodb.BillingMode | None, given: dict[str, int | None]
) -> Capacity | None:
    """The provisioned capacity, checked together; None (and none given) on demand."""
    mode = _ON_DEMAND if billing_mode is None else billing_mode
    if mode is not _PROVISIONED:
        for prop, value in given.items():
            if value is not None:
                raise ValidationError(
                    where,
                    prop,
                    value,
                    "applies only to billing_mode=BillingMode.PROVISIONED: an on-demand table "
                    "scales by itself; give billing_mode or leave it out",
                )
        return None
    values = {
        "min_read_capacity": DEFAULT_MIN_CAPACITY,
        "max_read_capacity": DEFAULT_MAX_CAPACITY,
        "min_write_capacity": DEFAULT_MIN_CAPACITY,
        "max_write_capacity": DEFAULT_MAX_CAPACITY,
        "target_utilization_percent": DEFAULT_TARGET_UTILIZATION,
        **{prop: value for prop, value in given.items() if value is not None},
    }
    for prop in _CAPACITY_PROPS[:4]:
        checks.check_int(where, prop, values[prop], 1, MAX_CAPACITY)
    checks.check_int(
        where,
        "target_utilization_percent",
        values["target_utilization_percent"],
        MIN_UTILIZATION,
        MAX_UTILIZATION,
    )
    for kind in ("read", "write"):
        low, high = values[f"min_{kind}_capacity"], values[f"max_{kind}_capacity"]
        if low > high:
            raise ValidationError(
                where,
                f"min_{kind}_capacity",
                low,
                f"must not exceed max_{kind}_capacity ({high}): auto scaling moves the "
                f"{kind} capacity between them; lower min_{kind}_capacity or raise "
                f"max_{kind}_capacity",
            )
    return Capacity(
        min_read=values["min_read_capacity"],
        max_read=values["max_read_capacity"],
        min_write=values["min_write_capacity"],
        max_write=values["max_write_capacity"],
        target_utilization_percent=values["target_utilization_percent"],
    )


def _check_encryption(
    where: str,
    scope: Construct,
    encryption: dynamodb.TableEncryption | None,
    key: kms.IKey | None,
    reason: str | None,
) -> dynamodb.TableEncryption:
    """A customer-managed key, or an AWS-owned or AWS-managed one with the team's reason."""
    chosen = _CUSTOMER_MANAGED if encryption is None else encryption
    if chosen is _CUSTOMER_MANAGED:
        if reason is not None:
            raise ValidationError(
                where,
                "encryption_reason",
                reason,
                "is the reason for a table without a customer-managed key: give it only with "
                "encryption=TableEncryption.DEFAULT (AWS-owned) or AWS_MANAGED",
            )
        if key is not None:
            checks.check_same_region(
                where,
                "encryption_key",
                key,
                scope,
                "DynamoDB encrypts only with keys of the table's region; give a key of the "
                "stack's region, or leave encryption_key out",
            )
        return chosen
    if key is not None:
        raise ValidationError(
            where,
            "encryption_key",
            path_of(key),
            f"is a customer-managed key, and encryption is {chosen}: leave encryption out "
            "(customer-managed is the default) or leave encryption_key out",
        )
    if reason is None:
        raise ValidationError(
            where,
            "encryption",
            chosen,
            "needs encryption_reason: say why this table's data may be encrypted with a key "
            "your account does not control (no key policy, no CloudTrail record of its use); "
            "the reason is recorded as your acknowledgement of the compliance findings",
        )
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        raise ValidationError(
            where,
            "encryption_reason",
            reason,
            f"must explain in at least {MIN_REASON} characters why the table needs no "
            "customer-managed key",
        )
    return chosen


def _check_indexes(
    where: str,
    indexes: Sequence[dynamodb.GlobalSecondaryIndexProps] | None,
    keys: dict[str, dynamodb.AttributeType],
) -> tuple[dynamodb.GlobalSecondaryIndexProps, ...]:
    """At most 20 indexes, each named once, with key attributes of one type each."""
    given = tuple(indexes or ())
    if len(given) > MAX_GLOBAL_SECONDARY_INDEXES:
        raise ValidationError(
            where,
            "global_secondary_indexes",
            [getattr(index, "index_name", index) for index in given],
            f"has {len(given)} indexes: DynamoDB allows {MAX_GLOBAL_SECONDARY_INDEXES} "
            "global secondary indexes per table",
        )
    names: list[str] = []
    types = dict(keys)
    for position, index in enumerate(given):
        prop = f"global_secondary_indexes[{position}]"
        if not isinstance(index, dynamodb.GlobalSecondaryIndexProps):
            raise ValidationError(
                where,
                prop,
                index,
                "must be a dynamodb.GlobalSecondaryIndexProps(index_name=..., partition_key=...)",
            )
        checks.check_text(
            where,
            f"{prop}.index_name",
            index.index_name,
            _NAME,
            f"3 to {MAX_NAME} letters, digits, '_', '-' and '.'",
        )
        if index.index_name in names:
            raise ValidationError(
                where,
                f"{prop}.index_name",
                index.index_name,
                "names another index too: give each index a name of its own",
            )
        names.append(index.index_name)
        for part in ("read_capacity", "write_capacity"):
            if getattr(index, part) is not None:
                raise ValidationError(
                    where,
                    f"{prop}.{part}",
                    getattr(index, part),
                    "comes from the table: an index scales with the table's own min/max "
                    "capacity (provisioned) or on demand; leave it out",
                )
        attributes = [
            (part, attribute)
            for part, attribute in (
                ("partition_key", index.partition_key),
                *((f"partition_keys[{i}]", a) for i, a in enumerate(index.partition_keys or ())),
                ("sort_key", index.sort_key),
                *((f"sort_keys[{i}]", a) for i, a in enumerate(index.sort_keys or ())),
            )
            if attribute is not None
        ]
        if not any(part.startswith("partition_key") for part, _ in attributes):
            raise ValidationError(
                where,
                f"{prop}.partition_key",
                None,
                "is required: an index needs a partition key, dynamodb.Attribute(name=..., "
                "type=...)",
            )
        for part, attribute in attributes:
            _check_attribute(where, f"{prop}.{part}", attribute)
            known = types.setdefault(attribute.name, attribute.type)
            if known is not attribute.type:
                raise ValidationError(
                    where,
                    f"{prop}.{part}",
                    attribute.name,
                    f"is a key attribute of type {attribute.type} here and {known} elsewhere "
                    "in the table: an attribute has one type in every key",
                )
    return given
