"""``SecureQueue``: an SQS queue that is encrypted, TLS-only and backed by a dead-letter queue.

The properties are checked into one frozen settings value first (``_settings.py``), with the
stage's defaults from the config model (``QueueConfig.for_stage``); the construct then builds
from it."""

from __future__ import annotations

from typing import Any

from aws_cdk import Annotations, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.kms import rotating_key
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_check,
    acknowledge_finding,
    acknowledge_grant,
    library_grantee,
)
from org_constructs.config import QueueConfig, Stage
from org_constructs.core import fit_name, name_part_of, service_name_of
from org_constructs.core._defaults import library_construct
from org_constructs.errors import ValidationError
from org_constructs.messaging._settings import (
    DEAD_LETTER_RETENTION,
    FIFO_SUFFIX,
    MAX_NAME,
    QueueSettings,
    checked,
)

__all__ = ["SecureQueue"]

_FROM_CONFIG = ("retention_period", "max_receive_count")
"""The constructor's keywords that ``from_config`` takes from the ``QueueConfig``."""
_DLQ_SUFFIX = "-dlq"
_CONSUMER_FACTOR = 6
"""AWS's guidance for Lambda event sources: a visibility timeout of at least six times the
function's timeout (plus the batching window), so that retries of a throttled batch do not make
a message visible again while it is still being processed."""
_KEY_WRITE_WILDCARDS = ("kms:ReEncrypt*", "kms:GenerateDataKey*")
"""The wildcard key actions aws-cdk-lib grants with a send (not in the returned grant)."""
_ACTION = "sqs:"

_DEAD_LETTER_REASON = (
    "This is the dead-letter queue of a SecureQueue: it receives the messages its queue could "
    "not process, and a dead-letter queue of its own would only move them once more; its "
    "redrive allow policy admits only that queue."
)
_DEAD_LETTER_RULES = ("Serverless-SQSRedrivePolicy",)
"""What cdk-nag reports on the dead-letter queue (AwsSolutions-SQS3 sees it is one)."""
_NO_DLQ_RULES = ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy")
"""The cdk-nag findings of a queue without a dead-letter queue."""
_NO_DLQ_GUARD_RULES = ("CT.SQS.PR.1",)
"""... and the Control Tower rule (cfn-guard) it fails."""


class SecureQueue(Construct):
    """An SQS queue with the organisation's secure, cost-aware defaults.

    By default: encrypted with a new customer-managed key that rotates yearly (SSE-KMS; SQS
    reuses each data key for 5 minutes, so a busy queue asks KMS for a key a few times an
    hour, not per message); a queue policy that refuses every request without TLS; a
    dead-letter queue (same key, TLS-only, messages kept 14 days) that receives a message
    after 5 receives and whose redrive allow policy admits only this queue; long polling (an
    empty receive waits 20 s: fewer, cheaper requests); a visibility timeout of 30 s.

    Per stage, from the config model (``QueueConfig.for_stage``), the defaults that
    ``from_config`` gets from an environment's ``config.queue`` too (outside an
    ``AbstractStack`` the production values): messages kept 4 days in dev, 7 in staging, 14 in
    production; the removal policy of the queues and the key is DESTROY in dev and RETAIN
    elsewhere (``removal_policy_for``).

    The queue has a physical name (derived from the construct's path when ``queue_name`` is
    not given): the dead-letter queue's redrive allow policy names it by ARN, and a reference
    would make each queue depend on the other. Like the logical ids, the name is public
    contract: a new one replaces the queue.

    Parameters
    ----------
    scope, construct_id:
        As for any construct. The child ids ``Queue``, ``DeadLetterQueue`` and ``Key`` fix
        the CloudFormation logical ids; they are public contract, as is the derived queue
        name (the stack's name and the construct's path in the stack).
    queue_name:
        1 to 80 letters, digits, hyphens and underscores, ending with ``.fifo`` exactly when
        ``fifo=True``. The dead-letter queue is named after it (``<name>-dlq``, ``.fifo`` kept
        last). Default: - ``<stack name>-<path in the stack>``, shortened with a hash when
        too long
    fifo:
        A FIFO queue (and a FIFO dead-letter queue). Default: False
    content_based_deduplication:
        Deduplicate FIFO messages by a SHA-256 of their body. Only with ``fifo=True``.
        Default: - True for a FIFO queue
    deduplication_scope:
        ``DeduplicationScope.QUEUE`` or ``MESSAGE_GROUP``. Only with ``fifo=True``.
        Default: - SQS's (the queue)
    fifo_throughput_limit:
        ``FifoThroughputLimit.PER_QUEUE`` or ``PER_MESSAGE_GROUP_ID`` (high throughput, which
        needs ``deduplication_scope=MESSAGE_GROUP``). Only with ``fifo=True``.
        Default: - SQS's (per queue)
    visibility_timeout:
        0 s to 12 h, whole seconds. Default: 30 seconds
    retention_period:
        60 s to 14 days, whole seconds. Default: - 4 days in dev, 7 in staging, 14 in
        production (``QueueConfig.retention_days``)
    receive_message_wait_time:
        0 to 20 s. Default: 20 seconds (long polling)
    delivery_delay:
        0 s to 15 min. Default: - none
    max_message_size_bytes:
        1,024 to 1,048,576 bytes. Default: - SQS's
    dead_letter_queue:
        Create the dead-letter queue. ``False`` needs ``dead_letter_queue_reason``.
        Default: True
    dead_letter_queue_reason:
        Why this queue needs no dead-letter queue (at least 20 characters; it is one itself,
        or a function's failure destination, say): recorded as your acknowledgement of the
        compliance findings a queue without one raises (AwsSolutions-SQS3,
        Serverless-SQSRedrivePolicy, CT.SQS.PR.1). Only with ``dead_letter_queue=False``.
        Default: - none
    max_receive_count:
        Receives before a message moves to the dead-letter queue, 1 to 1000. Default: 5
        (``QueueConfig.max_receive_count``)
    encryption_key:
        A key of the stack's region for both queues. Default: - a new key with rotation
    data_key_reuse:
        1 minute to 24 hours. Default: 5 minutes
    removal_policy:
        Default: - the stack's stage default: DESTROY in dev, RETAIN elsewhere (RETAIN
        outside an ``AbstractStack``)

    Raises
    ------
    ValidationError
        For a name SQS refuses or whose ``.fifo`` suffix disagrees with ``fifo``, FIFO
        options on a standard queue, ``PER_MESSAGE_GROUP_ID`` throughput without
        ``MESSAGE_GROUP`` deduplication, a duration or size outside SQS's range,
        ``max_receive_count`` outside 1-1000 or without a dead-letter queue,
        ``dead_letter_queue=False`` without a reason (or a reason with a dead-letter queue),
        an ``encryption_key`` of another region than the stack, ``RemovalPolicy.SNAPSHOT``, a
        value of the wrong type or an id already used in ``scope``; nothing is added to the
        tree.

    Example
    -------
    ::

        jobs = SecureQueue(self, "Jobs", visibility_timeout=Duration.minutes(3))
        jobs.grant_send_messages(api_handler)
        jobs.grant_consume_messages(worker)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        queue_name: str | None = None,
        fifo: bool = False,
        content_based_deduplication: bool | None = None,
        deduplication_scope: sqs.DeduplicationScope | None = None,
        fifo_throughput_limit: sqs.FifoThroughputLimit | None = None,
        visibility_timeout: Duration | None = None,
        retention_period: Duration | None = None,
        receive_message_wait_time: Duration | None = None,
        delivery_delay: Duration | None = None,
        max_message_size_bytes: int | None = None,
        dead_letter_queue: bool = True,
        dead_letter_queue_reason: str | None = None,
        max_receive_count: int | None = None,
        encryption_key: kms.IKey | None = None,
        data_key_reuse: Duration | None = None,
        removal_policy: RemovalPolicy | None = None,
    ) -> None:
        where = f"SecureQueue({construct_id!r})"
        checks.check_arguments(where, SecureQueue.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        settings = checked(
            where,
            scope,
            queue_name=queue_name,
            fifo=fifo,
            content_based_deduplication=content_based_deduplication,
            deduplication_scope=deduplication_scope,
            fifo_throughput_limit=fifo_throughput_limit,
            visibility_timeout=visibility_timeout,
            retention_period=retention_period,
            receive_message_wait_time=receive_message_wait_time,
            delivery_delay=delivery_delay,
            max_message_size_bytes=max_message_size_bytes,
            dead_letter_queue=dead_letter_queue,
            dead_letter_queue_reason=dead_letter_queue_reason,
            max_receive_count=max_receive_count,
            encryption_key=encryption_key,
            data_key_reuse=data_key_reuse,
            removal_policy=removal_policy,
        )
        super().__init__(scope, construct_id)
        library_construct(self, "SecureQueue")
        self._where = where
        self._settings = settings
        self._build(settings)

    def _build(self, settings: QueueSettings) -> None:
        """Create the key, the dead-letter queue and the queue, in this order."""
        policy = settings.removal_policy
        if settings.stage is Stage.PRODUCTION and policy is RemovalPolicy.DESTROY:
            Annotations.of(self).add_warning_v2(
                "org-constructs:SecureQueue:DestroyInProduction",
                f"{settings.where}: removal_policy is DESTROY in production: deleting the stack "
                "or replacing the queue deletes its messages",
            )
        self._encryption_key: kms.IKey = settings.encryption_key or rotating_key(
            self, "Key", f"the messages of the queue {path_of(self)}", policy
        )
        name = settings.queue_name or self._derived_name(settings.fifo)
        fifo_options: dict[str, Any] = (
            {
                "fifo": True,
                "content_based_deduplication": settings.content_based_deduplication,
                "deduplication_scope": settings.deduplication_scope,
                "fifo_throughput_limit": settings.fifo_throughput_limit,
            }
            if settings.fifo
            else {}
        )
        encryption: dict[str, Any] = {
            "encryption": sqs.QueueEncryption.KMS,
            "encryption_master_key": self._encryption_key,
            "data_key_reuse": settings.data_key_reuse,
            "enforce_ssl": True,
            "removal_policy": policy,
        }
        self._dead_letter_queue: sqs.Queue | None = None
        dead_letter: sqs.DeadLetterQueue | None = None
        if settings.dead_letter_queue and settings.max_receive_count is not None:
            self._dead_letter_queue = sqs.Queue(
                self,
                "DeadLetterQueue",
                queue_name=_dead_letter_name(name, settings.fifo),
                retention_period=DEAD_LETTER_RETENTION,
                fifo=True if settings.fifo else None,
                **encryption,
            )
            # Only this queue may move messages here: its ARN from its name (a reference
            # would make each queue depend on the other).
            source_arn = Stack.of(self).format_arn(service="sqs", resource=name)
            cfn: Any = self._dead_letter_queue.node.default_child
            cfn.redrive_allow_policy = {
                "redrivePermission": "byQueue",
                "sourceQueueArns": [source_arn],
            }
            acknowledge(self._dead_letter_queue, _DEAD_LETTER_REASON, *_DEAD_LETTER_RULES)
            dead_letter = sqs.DeadLetterQueue(
                queue=self._dead_letter_queue, max_receive_count=settings.max_receive_count
            )
        self._queue = sqs.Queue(
            self,
            "Queue",
            queue_name=name,
            visibility_timeout=settings.visibility_timeout,
            retention_period=settings.retention_period,
            receive_message_wait_time=settings.receive_message_wait_time,
            delivery_delay=settings.delivery_delay,
            max_message_size_bytes=settings.max_message_size_bytes,
            dead_letter_queue=dead_letter,
            **fifo_options,
            **encryption,
        )
        reason = settings.dead_letter_queue_reason
        if reason is not None:
            # The team's decision, with the team's reason: recorded as the app's own.
            for rule in _NO_DLQ_RULES:
                acknowledge_finding(self._queue, rule, reason)
            for rule in _NO_DLQ_GUARD_RULES:
                acknowledge_check(self._queue, "cfn-guard", rule, reason)

    def _derived_name(self, fifo: bool) -> str:
        """``<stack name>-<path in the stack>``: unique in the account and region (the stack's
        name is), with room for the suffixes."""
        stack = Stack.of(self)
        inside = path_of(self).removeprefix(path_of(stack)).strip("/")
        part = name_part_of(inside).replace(".", "-")
        room = MAX_NAME - len(FIFO_SUFFIX) - len(_DLQ_SUFFIX)
        return fit_name(f"{service_name_of(self)}-{part}", room) + (FIFO_SUFFIX if fifo else "")

    @classmethod
    def from_config(
        cls, scope: Construct, construct_id: str, config: QueueConfig, **kwargs: Any
    ) -> SecureQueue:
        """A ``SecureQueue`` with its retention and receive count from ``config``.

        ``kwargs`` are the other keyword arguments of the constructor.

        Raises
        ------
        ValidationError
            For a keyword the config already gives (``retention_period``,
            ``max_receive_count``) or that is no property, ``dead_letter_queue=False`` (the
            config's receive count moves messages to a dead-letter queue: use the
            constructor), and as the constructor.
        """
        where = f"SecureQueue({construct_id!r})"
        checks.check_part_of_config(where, "config", config, "queue")
        checks.check_arguments(where, cls.from_config, locals())
        checks.check_keywords(where, cls.__init__, kwargs, taken=_FROM_CONFIG)
        if kwargs.get("dead_letter_queue") is False:
            raise ValidationError(
                where,
                "dead_letter_queue",
                False,
                "cannot be given to from_config, whose max_receive_count moves messages to a "
                "dead-letter queue: build the queue with SecureQueue(...) and "
                "dead_letter_queue_reason",
            )
        return cls(
            scope,
            construct_id,
            retention_period=Duration.days(config.retention_days),
            max_receive_count=config.max_receive_count,
            **kwargs,
        )

    # ----------------------------------------------------------------------------- attributes

    @property
    def queue(self) -> sqs.Queue:
        """The queue."""
        return self._queue

    @property
    def dead_letter_queue(self) -> sqs.Queue | None:
        """The dead-letter queue; None with ``dead_letter_queue=False``."""
        return self._dead_letter_queue

    @property
    def encryption_key(self) -> kms.IKey:
        """The key that encrypts both queues."""
        return self._encryption_key

    @property
    def queue_arn(self) -> str:
        """The queue's ARN."""
        return self._queue.queue_arn

    @property
    def queue_url(self) -> str:
        """The queue's URL."""
        return self._queue.queue_url

    @property
    def queue_name(self) -> str:
        """The queue's name."""
        return self._queue.queue_name

    @property
    def fifo(self) -> bool:
        """True for a FIFO queue."""
        return self._settings.fifo

    @property
    def visibility_timeout(self) -> Duration:
        """How long a received message stays invisible to other consumers."""
        return self._settings.visibility_timeout

    @property
    def max_receive_count(self) -> int | None:
        """Receives before a message moves to the dead-letter queue; None without one."""
        return self._settings.max_receive_count

    # ----------------------------------------------------------------------------- methods

    def check_consumer_timeout(
        self,
        timeout: Duration,
        *,
        batch_window: Duration | None = None,
        where: str | None = None,
    ) -> None:
        """Refuse a consumer that this queue's visibility timeout cannot cover.

        AWS's guidance for a Lambda event source: the visibility timeout is at least six times
        the function's timeout plus the batching window; otherwise a message whose batch is
        retried while the function is throttled becomes visible again and is processed twice.
        Unresolved durations pass.

        Parameters
        ----------
        timeout:
            The consumer's timeout (a function's ``timeout``).
        batch_window:
            The event source's ``max_batching_window``. Default: - none
        where:
            Who asks, for the message (``"MonitoredFunction('Worker').add_queue_source"``).
            Default: - this queue's method

        Raises
        ------
        ValidationError
            Naming the visibility timeout and the consumer's timeout (and batching window)
            when the visibility timeout is shorter than their required sum, or for a value of
            the wrong type.
        """
        own = f"{self._where}.check_consumer_timeout"
        checks.check_arguments(own, SecureQueue.check_consumer_timeout, locals())
        asking = where or own
        visibility = self._settings.visibility_timeout
        durations = [visibility, timeout] + ([batch_window] if batch_window else [])
        if any(d.is_unresolved() for d in durations):
            return
        window = batch_window.to_seconds() if batch_window is not None else 0
        needed = _CONSUMER_FACTOR * timeout.to_seconds() + window
        if visibility.to_seconds() >= needed:
            return
        window_text = f" + batch_window {batch_window.to_human_string()}" if batch_window else ""
        raise ValidationError(
            asking,
            "timeout",
            timeout.to_human_string(),
            f"needs the visibility timeout of the queue {path_of(self)} to be at least "
            f"{_CONSUMER_FACTOR} x timeout{window_text} = {needed} seconds, and it is "
            f"{visibility.to_human_string()}: give SecureQueue(visibility_timeout="
            f"Duration.seconds({needed})) or more, or a shorter timeout",
        )

    def grant_send_messages(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` send messages (and encrypt them with the key).

        The grant's own cdk-nag findings (AwsSolutions-IAM5 on ``kms:GenerateDataKey*`` and
        ``kms:ReEncrypt*``) are acknowledged on the library's policy on the grantee, naming
        this grant; so are those of the other ``grant_*`` methods.

        Raises
        ------
        ValidationError
            For a grantee without a principal or a value of the wrong type; the same for
            every ``grant_*`` method.
        """
        return self._grant("grant_send_messages", grantee, (), _KEY_WRITE_WILDCARDS)

    def grant_consume_messages(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` receive, delete and hide messages (and decrypt them with the key)."""
        return self._grant("grant_consume_messages", grantee, (), ())

    def grant_purge(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` delete every message of the queue (``sqs:PurgeQueue``)."""
        return self._grant("grant_purge", grantee, (), ())

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Let ``grantee`` call the SQS ``actions`` named (no key use) on the queue.

        Raises
        ------
        ValidationError
            For no action, an action that is not ``sqs:<Name>``, or one with a wildcard (name
            each action: a wildcard is the team's to justify, not the library's).
        """
        return self._grant("grant", grantee, actions, ())

    def _grant(
        self,
        method: str,
        grantee: iam.IGrantable,
        actions: tuple[str, ...],
        key_actions: tuple[str, ...],
    ) -> iam.Grant:
        where = f"{self._where}.{method}"
        checks.check_arguments(where, SecureQueue.grant_purge, {"grantee": grantee})
        checks.check_grantee(where, "grantee", grantee)
        if method == "grant":
            _check_actions(where, actions)
        target = library_grantee(grantee)
        if method == "grant":
            grant = self._queue.grant(target, *actions)
        else:
            grant = getattr(self._queue, method)(target)
        acknowledge_grant(
            target,
            f"SecureQueue({path_of(self)!r}).{method}",
            [grant],
            actions=key_actions,
            owner=self,
        )
        return grant


def _check_actions(where: str, actions: tuple[str, ...]) -> None:
    if not actions:
        raise ValidationError(
            where, "actions", (), "must name at least one action, such as 'sqs:SendMessage'"
        )
    for index, action in enumerate(actions):
        prop = f"actions[{index}]"
        if not isinstance(action, str):
            raise ValidationError(where, prop, action, "must be an action name such as 'sqs:X'")
        if unresolved(action):
            continue
        name = action.removeprefix(_ACTION)
        if not action.startswith(_ACTION) or not name.isalnum() or not name[:1].isupper():
            if "*" in action:
                raise ValidationError(
                    where,
                    prop,
                    action,
                    "is a wildcard: name each SQS action the grantee needs, such as "
                    "'sqs:ChangeMessageVisibility' (grant_send_messages, "
                    "grant_consume_messages and grant_purge give the usual sets)",
                )
            raise ValidationError(
                where,
                prop,
                action,
                "must be an SQS action, 'sqs:' and its name, such as 'sqs:GetQueueAttributes'",
            )


def _dead_letter_name(name: str, fifo: bool) -> str | None:
    """``<name>-dlq`` (``.fifo`` kept last), shortened to fit SQS's 80 characters; None (a
    generated name) when ``name`` is a token."""
    if unresolved(name):
        return None
    suffix = FIFO_SUFFIX if fifo else ""
    base = name.removesuffix(FIFO_SUFFIX)
    return base[: MAX_NAME - len(suffix) - len(_DLQ_SUFFIX)] + _DLQ_SUFFIX + suffix
