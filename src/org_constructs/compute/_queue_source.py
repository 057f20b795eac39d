"""``MonitoredFunction.add_queue_source``: an SQS queue read by the alias, checked first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs

from org_constructs._internal import checks
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.core import QueueWithDeadLetter
from org_constructs.errors import ValidationError

if TYPE_CHECKING:
    from aws_cdk import aws_lambda_event_sources as sources
else:
    sources = lazy_module("aws_cdk.aws_lambda_event_sources")


__all__ = ["SQS_FAILURES_REASON", "QueueSource", "dead_letters_of", "queue_source"]

QueueSource = sqs.IQueue | QueueWithDeadLetter
"""A ``SecureQueue`` or any SQS queue."""

_MAX_WINDOW = Duration.minutes(5)

SQS_FAILURES_REASON = (
    "Lambda supports on-failure destinations on event source mappings of streams and Kafka "
    "only; a message of this SQS source that fails every receive goes to the queue's "
    "dead-letter queue, which the library watches."
)


def dead_letters_of(queue: QueueSource) -> sqs.IQueue | None:
    """The dead-letter queue of a ``SecureQueue`` or of an ``sqs.Queue`` of this app."""
    if isinstance(queue, QueueWithDeadLetter) and not isinstance(queue, sqs.QueueBase):
        return queue.dead_letter_queue
    if isinstance(queue, sqs.Queue) and queue.dead_letter_queue is not None:
        return queue.dead_letter_queue.queue
    return None


def queue_source(
    where: str,
    queue: QueueSource,
    *,
    timeout: Duration,
    batch_size: int | None,
    max_batching_window: Duration | None,
    max_concurrency: int | None,
    report_batch_item_failures: bool,
    enabled: bool,
) -> tuple[sqs.IQueue, sources.SqsEventSource]:
    """The queue (a ``SecureQueue``'s own) and its event source, every value checked against
    the others and against Lambda's and SQS's limits before anything is created."""
    owner = None
    if isinstance(queue, QueueWithDeadLetter) and not isinstance(queue, sqs.QueueBase):
        owner, queue = queue, queue.queue
    fifo = bool(getattr(owner, "fifo", False)) or (
        isinstance(queue, sqs.Queue) and queue.fifo is True
    )
    if batch_size is not None:
        most = 10 if fifo else 10000
        checks.check_int(where, "batch_size", batch_size, 1, most)
        if batch_size > 10 and max_batching_window is None:
            raise ValidationError(
                where,
                "batch_size",
                batch_size,
                "above 10 needs max_batching_window of at least 1 second (Lambda waits to "
                "fill the batch): give max_batching_window=Duration.seconds(1) or more",
            )
    if max_batching_window is not None:
        if fifo:
            raise ValidationError(
                where,
                "max_batching_window",
                max_batching_window.to_human_string(),
                "is not supported for a FIFO queue: leave it out",
            )
        checks.check_duration(
            where,
            "max_batching_window",
            max_batching_window,
            low=checks.seconds(0),
            high=_MAX_WINDOW,
            unit="seconds",
        )
    if max_concurrency is not None:
        checks.check_int(where, "max_concurrency", max_concurrency, 2, 1000)
    check = getattr(owner, "check_consumer_timeout", None)
    if callable(check):
        check(timeout, batch_window=max_batching_window, where=where)
    elif isinstance(queue, sqs.Queue) and not unresolved(timeout.to_seconds()):
        _check_visibility(where, queue, timeout)
    source = sources.SqsEventSource(
        queue,
        batch_size=batch_size,
        max_batching_window=max_batching_window,
        max_concurrency=max_concurrency,
        report_batch_item_failures=report_batch_item_failures,
        enabled=enabled,
    )
    return queue, source


def _check_visibility(where: str, queue: sqs.Queue, timeout: Duration) -> None:
    """An ``sqs.Queue`` of this app: Lambda refuses a mapping whose queue's visibility timeout
    is shorter than the function's timeout."""
    cfn = queue.node.default_child
    if not isinstance(cfn, sqs.CfnQueue):
        return
    visibility = cfn.visibility_timeout
    seconds = 30 if visibility is None else visibility
    if (
        isinstance(seconds, int | float)
        and not unresolved(seconds)
        and seconds < timeout.to_seconds()
    ):
        raise ValidationError(
            where,
            "queue",
            path_of(queue),
            f"has a visibility timeout of {seconds:g} seconds, shorter than the function's "
            f"timeout ({timeout.to_human_string()}): Lambda refuses the mapping; give the "
            f"queue visibility_timeout=Duration.seconds({int(timeout.to_seconds()) * 6}) "
            "(six times the timeout, as AWS advises)",
        )
