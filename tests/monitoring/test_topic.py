"""AlarmTopic: encryption, TLS, e-mail with a dead-letter queue, Slack, validation, compliance."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import CfnParameter, Environment, Stack
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template
from constructs import Construct

from org_constructs import AbstractStack, AlarmTopic, EnvironmentConfig, ValidationError
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.testing import find_resources, template_of
from tests.support import Background, checkov_report, make_app, templates_for_checkov

WORKSPACE, CHANNEL = "T0123456789", "C0123456789"


class TopicStack(AbstractStack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, slack: bool = False
    ) -> None:
        self._slack = slack
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        kwargs: dict[str, Any] = (
            {"slack_workspace_id": WORKSPACE, "slack_channel_id": CHANNEL} if self._slack else {}
        )
        self.alarm_topic = AlarmTopic.from_config(self, "Alarms", self.config, **kwargs)


@pytest.fixture(scope="session")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, TopicStack]:
    return {
        "default": TopicStack(make_app(), "Topic-default", config=environments["production"]),
        "slack": TopicStack(make_app(), "Topic-slack", config=environments["dev"], slack=True),
    }


@pytest.fixture(scope="session")
def templates(
    stacks: dict[str, TopicStack], background: Background, request: pytest.FixtureRequest
) -> dict[str, Template]:
    """Session-scoped: the end-to-end checkov test reads them after the fast tests."""
    return templates_for_checkov(stacks, background, request, __file__, "alarm_topic")


def test_topic_is_encrypted_with_a_rotating_key(templates: dict[str, Template]) -> None:
    template = templates["default"]
    (topic,) = find_resources(template, "AWS::SNS::Topic").values()
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["AlarmsKey3C2381B3", "Arn"]}
    assert topic["Properties"]["DisplayName"] == "Alarms"
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_key_lets_cloudwatch_and_sns_use_it(templates: dict[str, Template]) -> None:
    (key,) = find_resources(templates["default"], "AWS::KMS::Key").values()
    services: set[str] = set()
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        service = statement.get("Principal", {}).get("Service", [])
        services.update([service] if isinstance(service, str) else service)
    assert services == {"cloudwatch.amazonaws.com", "sns.amazonaws.com"}


def test_publishing_requires_tls(templates: dict[str, Template]) -> None:
    (policy,) = find_resources(templates["default"], "AWS::SNS::TopicPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_email_subscriptions_with_dead_letter_queue(templates: dict[str, Template]) -> None:
    template = templates["default"]
    subscriptions = find_resources(template, "AWS::SNS::Subscription")
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions.values()) == [
        "oncall@example.com",
        "platform-leads@example.com",
    ]
    for subscription in subscriptions.values():
        assert subscription["Properties"]["Protocol"] == "email"
        assert subscription["Properties"]["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": ["AlarmsDeadLetterQueue5CBAA355", "Arn"]}
        }
    (queue,) = find_resources(template, "AWS::SQS::Queue").values()
    assert queue["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["AlarmsKey3C2381B3", "Arn"]}
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue["DeletionPolicy"] == "Retain"


def test_slack_channel_through_chatbot(templates: dict[str, Template]) -> None:
    (slack,) = find_resources(
        templates["slack"], "AWS::Chatbot::SlackChannelConfiguration"
    ).values()
    properties = slack["Properties"]
    assert properties["SlackWorkspaceId"] == WORKSPACE
    assert properties["SlackChannelId"] == CHANNEL
    assert properties["SnsTopicArns"] == [{"Ref": "AlarmsTopic3A2DFEBA"}]
    assert properties["LoggingLevel"] == "ERROR"


def test_attributes(stacks: dict[str, TopicStack]) -> None:
    topic = stacks["slack"].alarm_topic
    assert topic.slack_channel is not None
    assert isinstance(topic.encryption_key, kms.Key)
    assert topic.dead_letter_queue.node.id == "DeadLetterQueue"
    assert stacks["default"].alarm_topic.slack_channel is None


def test_given_key_is_used() -> None:
    stack = Stack(make_app(), "Given")
    key = kms.Key(stack, "Shared", enable_key_rotation=True)
    topic = AlarmTopic(stack, "Alarms", emails="ops@example.com", encryption_key=key)
    assert topic.encryption_key is key
    assert len(find_resources(template_of(stack), "AWS::KMS::Key")) == 1


INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "bad email": (
        {"emails": ["ops@example.com", "nope"]},
        r"emails\[1\]='nope': must be an e-mail",
    ),
    "only workspace": (
        {"slack_workspace_id": WORKSPACE},
        r"slack_workspace_id='T0123456789': needs the other Slack id too",
    ),
    "only channel": ({"slack_channel_id": CHANNEL}, r"slack_channel_id='C0123456789': needs"),
    "bad workspace": (
        {"slack_workspace_id": "workspace", "slack_channel_id": CHANNEL},
        r"slack_workspace_id='workspace': must be a Slack workspace id",
    ),
    "bad channel": (
        {"slack_workspace_id": WORKSPACE, "slack_channel_id": "#alerts"},
        r"slack_channel_id='#alerts': must be a Slack channel id",
    ),
    "email twice": (
        {"emails": ["ops@example.com", "Ops@Example.com"]},
        r"emails='ops@example.com': is given twice: give each address once",
    ),
    "emails not text": ({"emails": 5}, r"emails=5: must be a list of str or a string"),
    "topic name with spaces": (
        {"topic_name": "my alarms"},
        r"topic_name='my alarms': must be 1 to 256 letters, digits, '-' or '_'",
    ),
    "topic name fifo": ({"topic_name": "alarms.fifo"}, r"topic_name='alarms.fifo': must be"),
    "display name too long": (
        {"display_name": "d" * 101},
        r"display_name='d+': must be at most 100 characters",
    ),
    "key not a key": ({"encryption_key": "alias/alarms"}, r"encryption_key='alias/alarms'"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused(case: str) -> None:
    props, pattern = INVALID[case]
    stack = Stack(make_app(), "Invalid")
    with pytest.raises(ValidationError, match=pattern):
        AlarmTopic(stack, "Alarms", **props)
    assert stack.node.try_find_child("Alarms") is None


def test_a_key_of_another_region_is_refused_naming_both_regions() -> None:
    stack = Stack(make_app(), "Keys", env=Environment(account="111111111111", region="us-east-1"))
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    with pytest.raises(
        ValidationError,
        match=r"AlarmTopic\('Alarms'\): encryption_key='Keys/Key': is in region eu-west-1, the "
        r"stack in us-east-1",
    ):
        AlarmTopic(stack, "Alarms", encryption_key=key)
    assert stack.node.try_find_child("Alarms") is None


def test_a_token_topic_name_passes() -> None:
    stack = Stack(make_app(), "Token")
    AlarmTopic(stack, "Alarms", topic_name=CfnParameter(stack, "Name").value_as_string)


def test_slack_needs_an_id_chatbot_accepts() -> None:
    stack = Stack(make_app(), "Slack")
    with pytest.raises(ValidationError, match=r"construct_id='On call': names the AWS Chatbot"):
        AlarmTopic(stack, "On call", slack_workspace_id=WORKSPACE, slack_channel_id=CHANNEL)


FROM_CONFIG: dict[str, tuple[dict[str, Any], str]] = {
    "emails twice": ({"emails": ["a@example.com"]}, r"emails=.*: comes from the config"),
    "unknown property": ({"topic_nam": "a"}, r"topic_nam='a': is not a property; did you mean"),
    "config not a config": ({"config": "dev"}, r"config='dev': must be an EnvironmentConfig"),
}


@pytest.mark.parametrize("case", sorted(FROM_CONFIG))
def test_from_config_refuses_what_the_config_gives_or_the_constructor_lacks(
    case: str, dev_config: EnvironmentConfig
) -> None:
    props, pattern = FROM_CONFIG[case]
    stack = Stack(make_app(), "Invalid")
    with pytest.raises(ValidationError, match=pattern):
        AlarmTopic.from_config(stack, "Alarms", **{"config": dev_config, **props})
    assert stack.node.try_find_child("Alarms") is None


@pytest.mark.parametrize("name", ["default", "slack"])
def test_every_nag_pack_is_clean(stacks: dict[str, TopicStack], name: str) -> None:
    assert nag_findings(stacks[name], NAG_PACKS) == []


@pytest.mark.e2e
def test_checkov_is_clean(templates: dict[str, Template], background: Background) -> None:
    report = checkov_report(background, "alarm_topic", templates)
    assert report.failed == []
    assert report.skipped == []
    assert report.passed > 5


@pytest.mark.parametrize("name", ["default", "slack"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot
