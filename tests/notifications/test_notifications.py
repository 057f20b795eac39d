"""DeploymentNotifications: the encrypted topic, its output, publishers, Slack, validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from org_constructs import AlarmTopic, DeploymentNotifications, ValidationError
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.testing import find_resources, template_of
from tests.support import make_app

WORKSPACE, CHANNEL = "T0123456789", "C0123456789"


class NotificationsStack(Stack):
    """A stack with one ``DeploymentNotifications``; every option when ``all_options``."""

    def __init__(self, construct_id: str, *, all_options: bool = False) -> None:
        super().__init__(make_app(), construct_id)
        options: dict[str, Any] = {}
        self.release_role: iam.Role | None = None
        if all_options:
            self.release_role = iam.Role(
                self, "ReleaseRole", assumed_by=iam.AccountPrincipal("111111111111")
            )
            options = {
                "emails": ["ops@example.com", "releases@example.com"],
                "slack_workspace_id": WORKSPACE,
                "slack_channel_id": CHANNEL,
                "publishers": [self.release_role],
            }
        self.notifications = DeploymentNotifications(self, "Deployments", **options)


@pytest.fixture(scope="module")
def stacks() -> dict[str, NotificationsStack]:
    return {
        "default": NotificationsStack("Notifications-default"),
        "all": NotificationsStack("Notifications-all", all_options=True),
    }


@pytest.fixture(scope="module")
def templates(stacks: dict[str, NotificationsStack]) -> dict[str, Template]:
    return {name: template_of(stack) for name, stack in stacks.items()}


def topic_of(template: Template) -> tuple[str, dict[str, Any]]:
    ((logical_id, topic),) = find_resources(template, "AWS::SNS::Topic").items()
    return logical_id, topic


def test_topic_is_an_encrypted_alarm_topic_named_deployments(
    templates: dict[str, Template],
) -> None:
    _, topic = topic_of(templates["default"])
    assert topic["Properties"]["DisplayName"] == "Deployments"
    ((key_id, key),) = find_resources(templates["default"], "AWS::KMS::Key").items()
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True


def test_topic_arn_is_the_output_org_cdk_reads(templates: dict[str, Template]) -> None:
    for template in templates.values():
        logical_id, _ = topic_of(template)
        output = template.to_json()["Outputs"]["DeploymentTopicArn"]
        assert output["Value"] == {"Ref": logical_id}


def test_defaults_subscribe_nobody_and_grant_nothing(templates: dict[str, Template]) -> None:
    template = templates["default"]
    assert find_resources(template, "AWS::SNS::Subscription") == {}
    assert find_resources(template, "AWS::Chatbot::SlackChannelConfiguration") == {}
    assert find_resources(template, "AWS::IAM::Policy") == {}


def test_all_options(templates: dict[str, Template]) -> None:
    template = templates["all"]
    topic_id, _ = topic_of(template)
    subscriptions = find_resources(template, "AWS::SNS::Subscription").values()
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions) == [
        "ops@example.com",
        "releases@example.com",
    ]
    (slack,) = find_resources(template, "AWS::Chatbot::SlackChannelConfiguration").values()
    assert slack["Properties"]["SlackChannelId"] == CHANNEL
    assert slack["Properties"]["SnsTopicArns"] == [{"Ref": topic_id}]


def test_publishers_may_publish_and_use_the_key_only(templates: dict[str, Template]) -> None:
    template = templates["all"]
    topic_id, _ = topic_of(template)
    (key_id,) = find_resources(template, "AWS::KMS::Key")
    # The grant's own policy on the publisher's role: the library's, not the role's default.
    assert find_resources(template, "AWS::IAM::Policy") == {}
    (policy,) = find_resources(template, "AWS::IAM::ManagedPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {"Action": "sns:Publish", "Effect": "Allow", "Resource": {"Ref": topic_id}} in (
        statements
    )
    (key_statement,) = [s for s in statements if s["Resource"] != {"Ref": topic_id}]
    assert key_statement["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert sorted(key_statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]


def test_attributes(stacks: dict[str, NotificationsStack]) -> None:
    notifications = stacks["all"].notifications
    assert isinstance(notifications.alarm_topic, AlarmTopic)
    assert notifications.topic is notifications.alarm_topic.topic
    assert notifications.alarm_topic.slack_channel is not None
    assert stacks["default"].notifications.alarm_topic.slack_channel is None


def test_grant_publish_later() -> None:
    stack = Stack(make_app(), "Later")
    notifications = DeploymentNotifications(stack, "Deployments")
    role = iam.Role(stack, "Pipeline", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"))
    grant = notifications.grant_publish(role)
    assert grant.success
    (policy,) = find_resources(template_of(stack), "AWS::IAM::ManagedPolicy").values()
    actions = [s["Action"] for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert "sns:Publish" in actions


def test_one_per_stack() -> None:
    stack = Stack(make_app(), "Twice")
    DeploymentNotifications(stack, "Deployments")
    with pytest.raises(
        ValidationError,
        match=r"DeploymentNotifications\('Again'\): scope='Twice': already has a "
        r"DeploymentNotifications: one per stack",
    ):
        DeploymentNotifications(stack, "Again")
    assert stack.node.try_find_child("Again") is None


INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "bad email": ({"emails": ["ops@example.com", "ops"]}, r"emails\[1\]='ops': must be an e-mail"),
    "only workspace": (
        {"slack_workspace_id": WORKSPACE},
        r"slack_workspace_id='T0123456789': needs the other Slack id too",
    ),
    "bad channel": (
        {"slack_workspace_id": WORKSPACE, "slack_channel_id": "#deploys"},
        r"slack_channel_id='#deploys': must be a Slack channel id",
    ),
    "email twice": (
        {"emails": ["ops@example.com", "ops@example.com"]},
        r"emails='ops@example.com': is given twice",
    ),
    "publisher not grantable": (
        {"publishers": ["arn:aws:iam::111111111111:role/ci"]},
        r"publishers\[0\]='arn:aws:iam::111111111111:role/ci': must be an aws_iam.IGrantable",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused_before_anything_is_made(case: str) -> None:
    props, pattern = INVALID[case]
    stack = Stack(make_app(), "Invalid")
    with pytest.raises(ValidationError, match=r"DeploymentNotifications\('Deployments'\): "):
        DeploymentNotifications(stack, "Deployments", **props)
    with pytest.raises(ValidationError, match=pattern):
        DeploymentNotifications(stack, "Deployments", **props)
    assert stack.node.try_find_child("Deployments") is None
    assert stack.node.try_find_child("DeploymentTopicArn") is None


@pytest.mark.parametrize("name", ["default", "all"])
def test_every_nag_pack_is_clean(stacks: dict[str, NotificationsStack], name: str) -> None:
    # The construct's own resources; a publisher's policy belongs to the publisher's role, and
    # examples/deployment_notifications shows the acknowledgement it needs.
    assert nag_findings(stacks[name].notifications, NAG_PACKS) == []


@pytest.mark.parametrize("name", ["default", "all"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot


def test_a_given_key_encrypts_the_topic_and_its_queue() -> None:
    """One key for the alarm topic and the deployment topic of a stack."""
    stack = Stack(make_app(), "SharedKey")
    alarms = AlarmTopic(stack, "Alarms", emails=["ops@example.com"])
    notifications = DeploymentNotifications(
        stack, "Deployments", emails=["ops@example.com"], encryption_key=alarms.encryption_key
    )
    assert notifications.alarm_topic.encryption_key is alarms.encryption_key
    template = template_of(stack).to_json()
    (key_id,) = find_resources(template, "AWS::KMS::Key")
    key_ref = {"Fn::GetAtt": [key_id, "Arn"]}
    topics = find_resources(template, "AWS::SNS::Topic")
    assert len(topics) == 2
    assert {json.dumps(t["Properties"]["KmsMasterKeyId"]) for t in topics.values()} == {
        json.dumps(key_ref)
    }
    queues = find_resources(template, "AWS::SQS::Queue")
    assert len(queues) == 2
    assert all(q["Properties"]["KmsMasterKeyId"] == key_ref for q in queues.values())
    assert nag_findings(stack, NAG_PACKS) == []


DEPLOY_ROLE = {
    "Fn::Join": [
        "",
        [
            "arn:",
            {"Ref": "AWS::Partition"},
            ":iam::",
            {"Ref": "AWS::AccountId"},
            ":role/cdk-hnb659fds-deploy-role-",
            {"Ref": "AWS::AccountId"},
            "-",
            {"Ref": "AWS::Region"},
        ],
    ]
}


def statements_for(template: Template, kind: str, key: str, sid: str) -> list[dict[str, Any]]:
    return [
        statement
        for resource in find_resources(template, kind).values()
        for statement in resource["Properties"][key]["Statement"]
        if statement.get("Sid") == sid
    ]


def test_the_bootstrap_deploy_role_may_publish_through_the_topic_and_key_policies(
    templates: dict[str, Template],
) -> None:
    """The delivery workflow notifies as the account's CDK deploy role: the topic's and the
    key's policies let it, and nothing is attached to the bootstrap role itself."""
    template = templates["default"]
    (topic_statement,) = statements_for(
        template, "AWS::SNS::TopicPolicy", "PolicyDocument", "BootstrapDeployRolePublishes"
    )
    assert topic_statement["Principal"] == {"AWS": DEPLOY_ROLE}
    assert topic_statement["Action"] == "sns:Publish"
    assert topic_statement["Resource"] == {"Ref": topic_of(template)[0]}
    (key_statement,) = statements_for(
        template, "AWS::KMS::Key", "KeyPolicy", "BootstrapDeployRolePublishes"
    )
    assert key_statement["Principal"] == {"AWS": DEPLOY_ROLE}
    assert key_statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert key_statement["Condition"] == {
        "StringEquals": {
            "kms:ViaService": {"Fn::Join": ["", ["sns.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
        }
    }
    assert not find_resources(template, "AWS::IAM::Policy")


@pytest.mark.parametrize("how", ["opted out", "no bootstrap roles", "own qualifier"])
def test_the_deploy_role_grant_follows_the_option_synthesizer_and_qualifier(how: str) -> None:
    from aws_cdk import App, CliCredentialsStackSynthesizer

    app = App(
        context={"@aws-cdk/core:bootstrapQualifier": "orgq1"} if how == "own qualifier" else {}
    )
    stack = Stack(
        app,
        "S",
        synthesizer=CliCredentialsStackSynthesizer() if how == "no bootstrap roles" else None,
    )
    DeploymentNotifications(stack, "Deployments", deploy_role_publishes=how != "opted out")
    template = template_of(stack)
    found = statements_for(
        template, "AWS::SNS::TopicPolicy", "PolicyDocument", "BootstrapDeployRolePublishes"
    )
    if how == "own qualifier":
        assert ":role/cdk-orgq1-deploy-role-" in json.dumps(found)
    else:
        assert found == []
