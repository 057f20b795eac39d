"""``SecureBucket.add_event_notification``: S3 events to a queue, a topic or a function,
each destination checked and unwrapped (a ``SecureQueue``'s queue, a ``MonitoredFunction``'s
alias, an ``AlarmTopic``'s topic) before anything is created."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING

from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import path_of
from org_constructs.core import QueueWithDeadLetter, ReleasedFunction, serving_function
from org_constructs.core._queued import TopicOwner
from org_constructs.errors import ValidationError

if TYPE_CHECKING:
    from aws_cdk import aws_s3_notifications as s3n
else:
    s3n = lazy_module("aws_cdk.aws_s3_notifications")


__all__ = ["Destination", "notification_destination"]

Destination = (
    sqs.IQueue
    | QueueWithDeadLetter
    | sns.ITopic
    | TopicOwner
    | lambda_.IFunction
    | ReleasedFunction
    | s3.IBucketNotificationDestination
)
"""What S3 can notify: a queue (a ``SecureQueue``), a topic (an ``AlarmTopic``), a function
(a ``MonitoredFunction``: its alias), or any ``s3.IBucketNotificationDestination``."""


def notification_destination(
    where: str, bucket: s3.IBucket, destination: object
) -> s3.IBucketNotificationDestination:
    """The aws-cdk-lib destination for ``destination``, refused where S3 cannot deliver."""
    topic = getattr(destination, "topic", None)
    if isinstance(destination, QueueWithDeadLetter) and not isinstance(destination, sqs.QueueBase):
        if getattr(destination, "fifo", False) is True:
            _refuse_fifo(where, destination)
        return s3n.SqsDestination(destination.queue)
    if isinstance(destination, sqs.QueueBase):
        if isinstance(destination, sqs.Queue) and destination.fifo is True:
            _refuse_fifo(where, destination)
        return s3n.SqsDestination(destination)
    if isinstance(topic, sns.TopicBase) and not isinstance(destination, sns.TopicBase):
        destination = topic  # an AlarmTopic or DeploymentNotifications
    if isinstance(destination, sns.TopicBase):
        # aws-cdk-lib lets S3 use the topic's key, when it has one.
        return s3n.SnsDestination(destination)
    if isinstance(destination, ReleasedFunction | lambda_.FunctionBase):
        function, bypassed = serving_function(destination)
        if bypassed is not None:
            raise ValidationError(
                where,
                "destination",
                path_of(destination),
                f"is the unversioned function of {path_of(bypassed)}: its events would skip "
                "the release's canary and rollback alarms; give the MonitoredFunction (its "
                "alias receives them)",
            )
        return s3n.LambdaDestination(function)
    if callable(getattr(destination, "bind", None)):
        # Any other destination (aws-cdk-lib's s3_notifications, or a team's own).
        return typing.cast("s3.IBucketNotificationDestination", destination)
    raise ValidationError(
        where,
        "destination",
        type(destination).__name__,
        "must be a queue (SecureQueue, sqs.IQueue), a topic (AlarmTopic, sns.ITopic), a "
        "function (MonitoredFunction, lambda_.IFunction) or an s3.IBucketNotificationDestination",
    )


def _refuse_fifo(where: str, queue: object) -> None:
    path = getattr(getattr(queue, "node", None), "path", queue)
    raise ValidationError(
        where,
        "destination",
        path,
        "is a FIFO queue, which S3 event notifications cannot target: use a standard queue",
    )
