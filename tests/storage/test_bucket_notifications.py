"""``SecureBucket.add_event_notification``: uploads to a queue, a topic or a function."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    MonitoredFunction,
    SecureBucket,
    SecureQueue,
    ValidationError,
)
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.config import EnvironmentConfig
from tests.support import make_app

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")
CREATED = s3.EventType.OBJECT_CREATED


class Uploads(AbstractStack):
    """Uploads notify a SecureQueue, an AlarmTopic and a MonitoredFunction."""

    def initialize(self) -> None:
        self.uploads = SecureBucket(self, "Uploads")
        self.jobs = SecureQueue(self, "Jobs")
        self.topic = AlarmTopic(self, "Events", emails=["ops@example.com"])
        self.worker = MonitoredFunction(self, "Worker", code=CODE, handler="index.handler")
        self.uploads.add_event_notification(
            CREATED, self.jobs, s3.NotificationKeyFilter(prefix="in/", suffix=".csv")
        )
        self.uploads.add_event_notification(s3.EventType.OBJECT_REMOVED, self.topic)
        self.uploads.add_event_notification(CREATED, self.worker)


@pytest.fixture(scope="module")
def uploads(environments: dict[str, EnvironmentConfig]) -> Uploads:
    return Uploads(make_app(), "Uploads", config=environments["production"])


@pytest.fixture(scope="module")
def template(uploads: Uploads) -> Template:
    return Template.from_stack(uploads)


def _id(stack: Stack, construct: Any) -> str:
    return str(stack.resolve(construct.node.default_child.logical_id))


def configuration(template: Template) -> dict[str, Any]:
    [notifications] = template.find_resources("Custom::S3BucketNotifications").values()
    return dict(notifications["Properties"]["NotificationConfiguration"])


def test_each_destination_gets_its_events(uploads: Uploads, template: Template) -> None:
    config = configuration(template)
    [queue] = config["QueueConfigurations"]
    assert queue["QueueArn"] == {"Fn::GetAtt": [_id(uploads, uploads.jobs.queue), "Arn"]}
    assert queue["Filter"]["Key"]["FilterRules"] == [
        {"Name": "suffix", "Value": ".csv"},
        {"Name": "prefix", "Value": "in/"},
    ]
    [topic] = config["TopicConfigurations"]
    assert topic["TopicArn"] == {"Ref": _id(uploads, uploads.topic.topic)}
    assert topic["Events"] == ["s3:ObjectRemoved:*"]
    [function] = config["LambdaFunctionConfigurations"]
    # The alias: each release's share of the uploads is guarded by its canary.
    assert _id(uploads, uploads.worker.alias) in json.dumps(function["LambdaFunctionArn"])


def test_s3_may_use_the_keys_of_the_encrypted_destinations(
    uploads: Uploads, template: Template
) -> None:
    keys = template.find_resources("AWS::KMS::Key")
    for owner in (uploads.topic.encryption_key, uploads.jobs.encryption_key):
        statements = keys[_id(uploads, owner)]["Properties"]["KeyPolicy"]["Statement"]
        assert any(
            s.get("Principal") == {"Service": "s3.amazonaws.com"}
            and "kms:GenerateDataKey" in json.dumps(s["Action"])
            for s in statements
        )


def test_nothing_the_library_made_is_left_to_the_team(uploads: Uploads) -> None:
    """The notifications handler aws-cdk-lib adds is acknowledged; the function's regulated
    findings (no VPC, no reserved concurrency) are the team's choices."""
    assert nag_findings(uploads, ("AwsSolutions", "Serverless")) == []
    made = [
        f
        for f in nag_findings(uploads, NAG_PACKS)
        if "Notifications" in f.construct_path or "Jobs" in f.construct_path
    ]
    assert made == []


def _stack() -> Stack:
    return Stack(make_app(), "Bad")


def test_a_fifo_queue_is_refused() -> None:
    stack = _stack()
    bucket = SecureBucket(stack, "Uploads")
    jobs = SecureQueue(stack, "Jobs", fifo=True)
    with pytest.raises(ValidationError, match="is a FIFO queue"):
        bucket.add_event_notification(CREATED, jobs)


def test_the_unversioned_function_of_a_monitored_function_is_refused() -> None:
    stack = _stack()
    bucket = SecureBucket(stack, "Uploads")
    worker = MonitoredFunction(stack, "Worker", code=CODE, handler="index.handler")
    with pytest.raises(ValidationError, match="unversioned function of Bad/Worker"):
        bucket.add_event_notification(CREATED, worker.function)
    assert not Template.from_stack(stack).find_resources("Custom::S3BucketNotifications")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((CREATED, "queue"), "destination"),
        (("created", SecureQueue), "event"),
        ((CREATED, None, "uploads/"), r"filters\[0\]"),
    ],
)
def test_values_of_the_wrong_kind_are_refused(arguments: tuple[Any, ...], message: str) -> None:
    stack = _stack()
    bucket = SecureBucket(stack, "Uploads")
    event, destination, *filters = arguments
    if destination is None or destination is SecureQueue:
        destination = SecureQueue(stack, "Jobs", visibility_timeout=Duration.minutes(1))
    with pytest.raises(ValidationError, match=message):
        bucket.add_event_notification(event, destination, *filters)
