"""CloudFormation handlers for S3 bucket policies, SNS subscriptions and topic policies and
SQS queue policies, with the bucket policy check over TLS (applied by ``install()``).

- ``AWS::S3::BucketPolicy``: ``PutBucketPolicy`` with the document's JSON, ``DeleteBucketPolicy``
  on delete. moto enforces bucket policies without evaluating their conditions, so the
  TLS-only ``Deny`` every secure bucket carries would refuse every object request. Requests to
  the emulator stand for requests over TLS: only statements whose conditions hold for such a
  request (``aws:SecureTransport`` true, nothing else known) are enforced.
- ``AWS::SNS::Subscription``: ``Subscribe``, then ``SetSubscriptionAttributes`` for the raw
  delivery, filter, redrive and delivery policies and the role; an endpoint, protocol or topic
  change replaces it, ``Unsubscribe`` on delete. moto confirms every subscription at once and
  delivers to SQS, Lambda and HTTP endpoints only (no email or SMS is sent).
- ``AWS::SNS::TopicPolicy``: ``SetTopicAttributes`` ``Policy`` on each topic; a topic left out
  or a deleted policy gets the default policy back, as AWS does. Not enforced by moto.
- ``AWS::SQS::QueuePolicy``: ``SetQueueAttributes`` ``Policy`` on each queue; a queue left out
  or a deleted policy gets an empty one. Not enforced by moto.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.exceptions import MissingBucket
from moto.s3.models import FakeBucket, s3_backends
from moto.sns.exceptions import TopicNotFound
from moto.sns.models import sns_backends
from moto.sqs.exceptions import QueueDoesNotExist
from moto.sqs.models import sqs_backends
from moto.utilities.utils import get_partition

from org_constructs.tooling.local._handlers._base import (
    Properties,
    _Handler,
    _text,
)

__all__ = ["BucketPolicy", "QueuePolicy", "Subscription", "TopicPolicy"]


# --- S3 ------------------------------------------------------------------------------------


class BucketPolicy(_Handler, CloudFormationModel):
    TYPE = "AWS::S3::BucketPolicy"
    REPLACED_BY = frozenset({"Bucket"})

    def _backend(self) -> Any:
        return s3_backends[self.account_id][get_partition(self.region_name)]

    def create(self) -> None:
        self.physical_id = self.properties["Bucket"]
        self.update({})

    def update(self, previous: Properties) -> None:
        document = self.properties["PolicyDocument"]
        policy = document if isinstance(document, str) else json.dumps(document)
        self._backend().put_bucket_policy(self.properties["Bucket"], policy.encode())

    def remove(self) -> None:
        with contextlib.suppress(MissingBucket):  # the bucket may have gone first
            self._backend().delete_bucket_policy(self.properties["Bucket"])


def _holds_over_tls(condition: dict[str, Any]) -> bool:
    """Whether a statement's ``Condition`` holds for a request over TLS, all the emulator knows."""
    for operator, entries in condition.items():
        for key, expected in entries.items():
            values = expected if isinstance(expected, list) else [expected]
            if operator not in ("Bool", "BoolIfExists") or key.lower() != "aws:securetransport":
                return False
            if "true" not in {str(v).lower() for v in values}:
                return False
    return True


def _bucket_permission_over_tls(self: FakeBucket, action: str, resource: str) -> Any:
    """``FakeBucket.get_permission`` with only the statements that apply over TLS."""
    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy)
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    applicable = [
        {key: value for key, value in statement.items() if key != "Condition"}
        for statement in statements
        if _holds_over_tls(statement.get("Condition") or {})
    ]
    policy = IAMPolicy(json.dumps({**document, "Statement": applicable}))
    return policy.is_action_permitted(action, resource)


# --- SNS and SQS ---------------------------------------------------------------------------

_SUBSCRIPTION_ATTRIBUTES = (
    # The scope first: moto reads it when it checks a filter policy.
    ("FilterPolicyScope", ""),
    ("FilterPolicy", ""),
    ("RawMessageDelivery", "false"),
    ("RedrivePolicy", ""),
    ("DeliveryPolicy", ""),
    ("SubscriptionRoleArn", ""),
)
"""The attributes a template may set, with the value that clears each."""


def _sns_backend(account_id: str, topic_arn: str) -> Any:
    return sns_backends[account_id][topic_arn.split(":")[3]]


class Subscription(_Handler, CloudFormationModel):
    TYPE = "AWS::SNS::Subscription"
    REPLACED_BY = frozenset({"TopicArn", "Endpoint", "Protocol", "Region"})
    ATTRIBUTES = frozenset({"Arn"})

    def _backend(self) -> Any:
        return _sns_backend(self.account_id, self.properties["TopicArn"])

    def create(self) -> None:
        p = self.properties
        subscription = self._backend().subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
        self.physical_id = subscription.arn
        self.update({})

    def update(self, previous: Properties) -> None:
        for name, cleared in _SUBSCRIPTION_ATTRIBUTES:
            value = self.properties.get(name)
            if value != previous.get(name):
                text = cleared if value is None else _text(value)
                self._backend().set_subscription_attributes(self.physical_id, name, text)

    def remove(self) -> None:
        self._backend().unsubscribe(self.physical_id)

    def attribute(self, name: str) -> Any:
        return self.physical_id


class TopicPolicy(_Handler, CloudFormationModel):
    TYPE = "AWS::SNS::TopicPolicy"
    ATTRIBUTES = frozenset({"Id"})

    def _apply(self, topics: list[str], document: Any) -> None:
        """Give each topic the document, or its default policy when the document is ``None``."""
        for arn in topics:
            backend = _sns_backend(self.account_id, arn)
            try:
                topic = backend.get_topic(arn)
            except TopicNotFound:
                if document is not None:
                    raise
                continue  # a topic that went first needs no default policy
            policy = document
            if policy is None:
                policy = topic._create_default_topic_policy(
                    topic.sns_backend.region_name, topic.account_id, topic.name
                )
            backend.set_topic_attribute(arn, "policy", _text(policy))

    def create(self) -> None:
        self.update({})

    def update(self, previous: Properties) -> None:
        topics = list(self.properties["Topics"])
        self._apply(topics, self.properties["PolicyDocument"])
        self._apply([t for t in previous.get("Topics") or [] if t not in topics], None)

    def remove(self) -> None:
        self._apply(list(self.properties["Topics"]), None)

    def attribute(self, name: str) -> Any:
        return self.physical_id


class QueuePolicy(_Handler, CloudFormationModel):
    TYPE = "AWS::SQS::QueuePolicy"
    ATTRIBUTES = frozenset({"Id"})

    def _apply(self, queue_urls: list[str], policy: str) -> None:
        """Give each queue the policy; an empty one leaves it with none."""
        backend = sqs_backends[self.account_id][self.region_name]
        for url in queue_urls:
            try:
                backend.set_queue_attributes(url.rstrip("/").rsplit("/", 1)[-1], {"Policy": policy})
            except QueueDoesNotExist:
                if policy:
                    raise
                # a queue that went first needs no empty policy

    def create(self) -> None:
        self.update({})

    def update(self, previous: Properties) -> None:
        queues = list(self.properties["Queues"])
        self._apply(queues, _text(self.properties["PolicyDocument"]))
        self._apply([q for q in previous.get("Queues") or [] if q not in queues], "")

    def remove(self) -> None:
        self._apply(list(self.properties["Queues"]), "")

    def attribute(self, name: str) -> Any:
        return self.physical_id
