"""What the library knows of its messaging constructs without importing them (no import
cycles): a queue with its dead-letter queue (``SecureQueue``), a topic owner (``AlarmTopic``)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Node

from org_constructs._internal.shapes import Shape

__all__ = ["QueueWithDeadLetter", "TopicOwner"]


@runtime_checkable
class QueueWithDeadLetter(Protocol, metaclass=Shape):
    """A construct that owns a queue and, usually, its dead-letter queue (``SecureQueue``)."""

    @property
    def node(self) -> Node:
        """Its place in the construct tree."""
        ...

    @property
    def queue(self) -> sqs.IQueue:
        """The queue its producers send to."""
        ...

    @property
    def dead_letter_queue(self) -> sqs.IQueue | None:
        """Where messages go after too many failed receives (None without one)."""
        ...


@runtime_checkable
class TopicOwner(Protocol, metaclass=Shape):
    """A construct that owns an SNS topic (``AlarmTopic``, ``DeploymentNotifications``)."""

    @property
    def node(self) -> Node:
        """Its place in the construct tree."""
        ...

    @property
    def topic(self) -> sns.ITopic:
        """The topic it publishes to."""
        ...
