"""``SecureQueue``'s properties, checked together into one frozen settings value before
anything is added to the tree, with the stage's defaults (``QueueConfig.for_stage``) filled in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.tokens import unresolved
from org_constructs.config import QueueConfig, Stage
from org_constructs.config._services import MAX_QUEUE_RECEIVE_COUNT, MAX_QUEUE_RETENTION_DAYS
from org_constructs.contract import MIN_REASON
from org_constructs.core import removal_policy_for, stage_of
from org_constructs.errors import ValidationError

__all__ = [
    "DEAD_LETTER_RETENTION",
    "DEFAULT_DATA_KEY_REUSE",
    "DEFAULT_RECEIVE_WAIT",
    "DEFAULT_VISIBILITY_TIMEOUT",
    "FIFO_SUFFIX",
    "MAX_NAME",
    "stage_defaults",
]

FIFO_SUFFIX = ".fifo"
MAX_NAME = 80
"""SQS's longest queue name, the ``.fifo`` suffix included."""
DEFAULT_VISIBILITY_TIMEOUT = Duration.seconds(30)
DEFAULT_RECEIVE_WAIT = Duration.seconds(20)
"""Long polling: an empty receive waits up to 20 s instead of returning at once (and being
charged) again and again."""
DEFAULT_DATA_KEY_REUSE = Duration.minutes(5)
"""How long SQS reuses a data key before asking KMS for a new one: the KMS requests (and their
cost) of a busy queue, against how much one data key encrypts."""
DEAD_LETTER_RETENTION = Duration.days(MAX_QUEUE_RETENTION_DAYS)
"""The dead-letter queue keeps a failed message as long as SQS can: time to look at it."""

MAX_VISIBILITY_TIMEOUT = Duration.hours(12)
MIN_RETENTION = Duration.seconds(60)
MAX_DELIVERY_DELAY = Duration.minutes(15)
MIN_DATA_KEY_REUSE, MAX_DATA_KEY_REUSE = Duration.minutes(1), Duration.hours(24)
MIN_MESSAGE_BYTES, MAX_MESSAGE_BYTES = 1024, 1_048_576

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_MESSAGE_GROUP = sqs.DeduplicationScope.MESSAGE_GROUP
_PER_GROUP = sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID


def stage_defaults(stage: Stage | None) -> QueueConfig:
    """The queue defaults of ``stage``: production's outside an ``AbstractStack``."""
    return QueueConfig.for_stage(stage or Stage.PRODUCTION)


@dataclass(frozen=True, eq=False)
class QueueSettings:
    """The checked properties of one ``SecureQueue``, every default filled in."""

    where: str
    stage: Stage | None
    queue_name: str | None
    """The name given; None to derive one from the construct's path."""
    fifo: bool
    content_based_deduplication: bool | None
    deduplication_scope: sqs.DeduplicationScope | None
    fifo_throughput_limit: sqs.FifoThroughputLimit | None
    visibility_timeout: Duration
    retention_period: Duration
    receive_message_wait_time: Duration
    delivery_delay: Duration | None
    max_message_size_bytes: int | None
    dead_letter_queue: bool
    dead_letter_queue_reason: str | None
    max_receive_count: int | None
    encryption_key: kms.IKey | None
    data_key_reuse: Duration
    removal_policy: RemovalPolicy


def checked(
    where: str,
    scope: Construct,
    *,
    queue_name: str | None,
    fifo: bool,
    content_based_deduplication: bool | None,
    deduplication_scope: sqs.DeduplicationScope | None,
    fifo_throughput_limit: sqs.FifoThroughputLimit | None,
    visibility_timeout: Duration | None,
    retention_period: Duration | None,
    receive_message_wait_time: Duration | None,
    delivery_delay: Duration | None,
    max_message_size_bytes: int | None,
    dead_letter_queue: bool,
    dead_letter_queue_reason: str | None,
    max_receive_count: int | None,
    encryption_key: kms.IKey | None,
    data_key_reuse: Duration | None,
    removal_policy: RemovalPolicy | None,
) -> QueueSettings:
    """Every property checked, alone and against the others; nothing is created."""
    stage = stage_of(scope)
    defaults = stage_defaults(stage)
    _check_name(where, queue_name, fifo)
    _check_fifo(
        where, fifo, content_based_deduplication, deduplication_scope, fifo_throughput_limit
    )
    visibility = DEFAULT_VISIBILITY_TIMEOUT if visibility_timeout is None else visibility_timeout
    checks.check_duration(
        where,
        "visibility_timeout",
        visibility,
        low=checks.seconds(0),
        high=MAX_VISIBILITY_TIMEOUT,
        unit="seconds",
        tokens=True,
    )
    retention = (
        Duration.days(defaults.retention_days) if retention_period is None else retention_period
    )
    checks.check_duration(
        where,
        "retention_period",
        retention,
        low=MIN_RETENTION,
        high=DEAD_LETTER_RETENTION,
        unit="seconds",
        tokens=True,
    )
    wait = DEFAULT_RECEIVE_WAIT if receive_message_wait_time is None else receive_message_wait_time
    checks.check_duration(
        where,
        "receive_message_wait_time",
        wait,
        low=checks.seconds(0),
        high=DEFAULT_RECEIVE_WAIT,
        unit="seconds",
        tokens=True,
    )
    if delivery_delay is not None:
        checks.check_duration(
            where,
            "delivery_delay",
            delivery_delay,
            low=checks.seconds(0),
            high=MAX_DELIVERY_DELAY,
            unit="seconds",
            tokens=True,
        )
    if max_message_size_bytes is not None:
        checks.check_int(
            where,
            "max_message_size_bytes",
            max_message_size_bytes,
            MIN_MESSAGE_BYTES,
            MAX_MESSAGE_BYTES,
            tokens=True,
        )
    reuse = DEFAULT_DATA_KEY_REUSE if data_key_reuse is None else data_key_reuse
    checks.check_duration(
        where,
        "data_key_reuse",
        reuse,
        low=MIN_DATA_KEY_REUSE,
        high=MAX_DATA_KEY_REUSE,
        unit="seconds",
        tokens=True,
    )
    receives = _check_dead_letter(
        where, dead_letter_queue, dead_letter_queue_reason, max_receive_count, defaults
    )
    if encryption_key is not None:
        checks.check_same_region(
            where,
            "encryption_key",
            encryption_key,
            scope,
            "SQS encrypts only with keys of the queue's region; give a key of the stack's "
            "region, or leave encryption_key out",
        )
    if removal_policy is RemovalPolicy.SNAPSHOT:
        raise ValidationError(
            where,
            "removal_policy",
            removal_policy,
            "SQS queues have no snapshots (CloudFormation would delete the queue): use "
            "RemovalPolicy.RETAIN or RemovalPolicy.DESTROY",
        )
    return QueueSettings(
        where=where,
        stage=stage,
        queue_name=queue_name,
        fifo=fifo,
        content_based_deduplication=(
            (True if content_based_deduplication is None else content_based_deduplication)
            if fifo
            else None
        ),
        deduplication_scope=deduplication_scope,
        fifo_throughput_limit=fifo_throughput_limit,
        visibility_timeout=visibility,
        retention_period=retention,
        receive_message_wait_time=wait,
        delivery_delay=delivery_delay,
        max_message_size_bytes=max_message_size_bytes,
        dead_letter_queue=dead_letter_queue,
        dead_letter_queue_reason=dead_letter_queue_reason,
        max_receive_count=receives,
        encryption_key=encryption_key,
        data_key_reuse=reuse,
        removal_policy=removal_policy_for(scope, removal_policy),
    )


def _check_name(where: str, name: str | None, fifo: bool) -> None:
    """SQS's naming rules, and a ``.fifo`` suffix exactly on a FIFO queue (a token passes)."""
    if name is None or unresolved(name):
        return
    base = name.removesuffix(FIFO_SUFFIX)
    if len(name) > MAX_NAME or not _NAME.fullmatch(base or "."):
        raise ValidationError(
            where,
            "queue_name",
            name,
            f"must be 1 to {MAX_NAME} characters (the '.fifo' suffix included) of letters, "
            "digits, hyphens and underscores",
        )
    if fifo and not name.endswith(FIFO_SUFFIX):
        raise ValidationError(
            where,
            "queue_name",
            name,
            f"must end with '.fifo' for a FIFO queue (fifo=True): use {name[:75] + '.fifo'!r}",
        )
    if not fifo and name.endswith(FIFO_SUFFIX):
        raise ValidationError(
            where,
            "queue_name",
            name,
            "ends with '.fifo', which SQS keeps for FIFO queues: give fifo=True, or drop the "
            "suffix",
        )


def _check_fifo(
    where: str,
    fifo: bool,
    content_based_deduplication: bool | None,
    deduplication_scope: sqs.DeduplicationScope | None,
    fifo_throughput_limit: sqs.FifoThroughputLimit | None,
) -> None:
    if not fifo:
        given = {
            "content_based_deduplication": content_based_deduplication,
            "deduplication_scope": deduplication_scope,
            "fifo_throughput_limit": fifo_throughput_limit,
        }
        for prop, value in given.items():
            if value is not None:
                raise ValidationError(
                    where,
                    prop,
                    value,
                    "applies only to FIFO queues: give fifo=True, or leave it out",
                )
        return
    if fifo_throughput_limit is _PER_GROUP and deduplication_scope is not _MESSAGE_GROUP:
        raise ValidationError(
            where,
            "fifo_throughput_limit",
            fifo_throughput_limit,
            f"needs deduplication_scope=DeduplicationScope.MESSAGE_GROUP (high-throughput "
            f"FIFO), not {deduplication_scope}: SQS deduplicates per message group when it "
            "scales per message group",
        )


def _check_dead_letter(
    where: str,
    enabled: bool,
    reason: str | None,
    max_receive_count: int | None,
    defaults: QueueConfig,
) -> int | None:
    """The receive count of the dead-letter queue, or None without one (with a reason)."""
    if enabled:
        if reason is not None:
            raise ValidationError(
                where,
                "dead_letter_queue_reason",
                reason,
                "is the reason for a queue without a dead-letter queue: give it only with "
                "dead_letter_queue=False",
            )
        receives = defaults.max_receive_count if max_receive_count is None else max_receive_count
        checks.check_int(where, "max_receive_count", receives, 1, MAX_QUEUE_RECEIVE_COUNT)
        return receives
    if max_receive_count is not None:
        raise ValidationError(
            where,
            "max_receive_count",
            max_receive_count,
            "moves messages to the dead-letter queue: it cannot be given with "
            "dead_letter_queue=False",
        )
    if reason is None:
        raise ValidationError(
            where,
            "dead_letter_queue",
            False,
            "needs dead_letter_queue_reason: say why messages that fail again and again may "
            "stay in this queue (it is itself a dead-letter queue or a failure destination, "
            "say); the reason is recorded as your acknowledgement of the compliance findings",
        )
    if len(reason.strip()) < MIN_REASON:
        raise ValidationError(
            where,
            "dead_letter_queue_reason",
            reason,
            f"must explain in at least {MIN_REASON} characters why the queue needs no "
            "dead-letter queue",
        )
    return None
