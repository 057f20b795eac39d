"""``AlarmTopic``: where alarms go. An encrypted, TLS-only SNS topic with e-mail and Slack."""

from __future__ import annotations

import re
import typing
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.kms import rotating_key
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import path_of
from org_constructs.compliance._acknowledgements import acknowledge, acknowledge_library_check
from org_constructs.config import EnvironmentConfig
from org_constructs.core import removal_policy_for
from org_constructs.core._defaults import library_construct
from org_constructs.errors import ValidationError

if TYPE_CHECKING:
    from aws_cdk import aws_chatbot as chatbot
else:
    chatbot = lazy_module("aws_cdk.aws_chatbot")


__all__ = ["AlarmTopic"]

_SLACK_WORKSPACE = re.compile(r"^[A-Z0-9]{9,15}$")
_SLACK_CHANNEL = re.compile(r"^[A-Z0-9]{9,15}$")
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_CHATBOT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_MAX_DISPLAY_NAME = 100
_AWS_MANAGED_ALIAS = "alias/aws/"


class AlarmTopic(Construct):
    """An SNS topic for alarm and OK notifications.

    Encrypted with a customer-managed KMS key (rotation on) whose policy lets CloudWatch
    publish; publishing without TLS is refused; e-mail subscriptions for ``emails`` with an
    encrypted dead-letter queue for undeliverable notifications; optionally a Slack channel
    through AWS Chatbot.

    Parameters
    ----------
    scope, construct_id:
        As for any construct. Children ``Key``, ``Topic`` and ``DeadLetterQueue`` fix the
        logical ids.
    emails:
        Addresses to subscribe (each confirms by e-mail), or one address as a string; each
        address once. Default: none
    slack_workspace_id, slack_channel_id:
        Both or neither: the Slack workspace (``T...``) and channel (``C...``) ids for an AWS
        Chatbot channel configuration. The workspace must be authorised in the Chatbot console
        once per account. Default: - no Slack
    topic_name:
        Default: - generated
    display_name:
        Shown as the sender of e-mails. Default: ``'Alarms'``
    encryption_key:
        Default: - a new key with rotation

    Raises
    ------
    ValidationError
        For an invalid or repeated e-mail address, only one of the two Slack ids, a malformed
        Slack id, a topic name SNS refuses, a display name over 100 characters, an AWS managed
        key (``alias/aws/sns``) or a key of another region than the stack, a value of the
        wrong type or an id already used in ``scope``; nothing is added to the tree.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        emails: Sequence[str] | str = (),
        slack_workspace_id: str | None = None,
        slack_channel_id: str | None = None,
        topic_name: str | None = None,
        display_name: str = "Alarms",
        encryption_key: kms.IKey | None = None,
    ) -> None:
        where = f"AlarmTopic({construct_id!r})"
        checks.check_arguments(where, AlarmTopic.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        emails = check_notification_targets(where, emails, slack_workspace_id, slack_channel_id)
        if topic_name is not None:
            checks.check_text(
                where,
                "topic_name",
                topic_name,
                _TOPIC_NAME,
                "1 to 256 letters, digits, '-' or '_'",
                tokens=True,
            )
        if len(display_name) > _MAX_DISPLAY_NAME:
            raise ValidationError(
                where,
                "display_name",
                display_name,
                f"must be at most {_MAX_DISPLAY_NAME} characters",
            )
        alias_name = getattr(encryption_key, "alias_name", None)
        if isinstance(alias_name, str) and alias_name.startswith(_AWS_MANAGED_ALIAS):
            raise ValidationError(
                where,
                "encryption_key",
                alias_name,
                "is an AWS managed key, whose key policy lets no CloudWatch alarm publish to "
                "the topic: leave encryption_key out (a key with rotation is created) or give "
                "a customer managed key",
            )
        if encryption_key is not None:
            checks.check_same_region(
                where,
                "encryption_key",
                encryption_key,
                scope,
                "SNS encrypts only with keys of the topic's region, so no alarm could publish; "
                "leave encryption_key out (a key with rotation is created) or give a key of the "
                "stack's region",
            )
        if slack_workspace_id is not None and not _CHATBOT_NAME.fullmatch(construct_id):
            raise ValidationError(
                where,
                "construct_id",
                construct_id,
                "names the AWS Chatbot channel configuration: with Slack, use only letters, "
                "digits, '-' and '_'",
            )
        super().__init__(scope, construct_id)
        library_construct(self)
        if encryption_key is None:
            key = rotating_key(self, "Key", f"the alarm notifications of {path_of(self)}")
            # CloudWatch encrypts what it publishes to the topic with the topic's key, and SNS
            # encrypts what it moves to the dead-letter queue with it.
            for service in ("cloudwatch.amazonaws.com", "sns.amazonaws.com"):
                key.grant(iam.ServicePrincipal(service), "kms:Decrypt", "kms:GenerateDataKey*")
            encryption_key = key
        self._key = encryption_key
        self._topic = sns.Topic(
            self,
            "Topic",
            topic_name=topic_name,
            display_name=display_name,
            master_key=encryption_key,
            enforce_ssl=True,
        )
        # Notifications SNS cannot deliver wait here for 14 days instead of vanishing.
        self._dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=encryption_key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=removal_policy_for(self),
            # A dead-letter queue of its own: no SQS queue may redrive into it.
            redrive_allow_policy=sqs.RedriveAllowPolicy(
                redrive_permission=sqs.RedrivePermission.DENY_ALL
            ),
        )
        acknowledge(
            self._dead_letter_queue,
            "This queue is the dead-letter queue of the alarm topic's subscriptions; cdk-nag "
            "does not recognise SNS dead-letter queues, and a dead-letter queue needs none.",
            "AwsSolutions-SQS3",
            "Serverless-SQSRedrivePolicy",
        )
        acknowledge_library_check(
            self._dead_letter_queue,
            "cfn-guard",
            "CT.SQS.PR.1",
            "This queue is the dead-letter queue of the topic's subscriptions, whose "
            "RedriveAllowPolicy denies all SQS sources; the rule counts only allowAll or byQueue.",
        )
        for email in emails:
            self._topic.add_subscription(
                subscriptions.EmailSubscription(email, dead_letter_queue=self._dead_letter_queue)
            )
        self._slack: chatbot.SlackChannelConfiguration | None = None
        if slack_workspace_id is not None and slack_channel_id is not None:
            self._slack = chatbot.SlackChannelConfiguration(
                self,
                "Slack",
                slack_channel_configuration_name=f"{Stack.of(self).stack_name}-{construct_id}"[
                    :128
                ],
                slack_workspace_id=slack_workspace_id,
                slack_channel_id=slack_channel_id,
                notification_topics=[self._topic],
                guardrail_policies=[
                    iam.ManagedPolicy.from_aws_managed_policy_name("ReadOnlyAccess")
                ],
                logging_level=chatbot.LoggingLevel.ERROR,
            )
        self._action = cw_actions.SnsAction(self._topic)

    @classmethod
    def from_config(
        cls, scope: Construct, construct_id: str, config: EnvironmentConfig, **kwargs: object
    ) -> AlarmTopic:
        """An ``AlarmTopic`` that e-mails the environment's ``alarm_email`` addresses."""
        where = f"AlarmTopic({construct_id!r})"
        checks.check_arguments(where, cls.from_config, {"config": config})
        checks.check_keywords(where, cls.__init__, kwargs, taken=("emails",))
        return cls(scope, construct_id, emails=config.alarm_email, **kwargs)  # type: ignore[arg-type]

    @property
    def topic(self) -> sns.Topic:
        """The SNS topic."""
        return self._topic

    @property
    def encryption_key(self) -> kms.IKey:
        """The key that encrypts the topic."""
        return self._key

    @property
    def dead_letter_queue(self) -> sqs.Queue:
        """Where notifications go that SNS could not deliver to a subscriber."""
        return self._dead_letter_queue

    @property
    def slack_channel(self) -> chatbot.SlackChannelConfiguration | None:
        """The Chatbot Slack channel configuration, when Slack ids were given."""
        return self._slack

    @property
    def alarm_action(self) -> cw_actions.SnsAction:
        """The action that sends an alarm's state changes to this topic."""
        return self._action


def check_notification_targets(
    where: str,
    emails: Sequence[str] | str,
    slack_workspace_id: str | None,
    slack_channel_id: str | None,
) -> tuple[str, ...]:
    """Check the e-mail addresses and the Slack ids of a notification topic; return the addresses.

    Raises ``ValidationError`` naming ``where`` and the property, before anything is created.
    """
    if isinstance(emails, str):
        emails = (emails,)
    for index, email in enumerate(emails):
        checks.check_email(where, f"emails[{index}]", email)
    checks.check_unique(where, "emails", [email.lower() for email in emails], "address")
    if (slack_workspace_id is None) != (slack_channel_id is None):
        given = "slack_workspace_id" if slack_workspace_id else "slack_channel_id"
        raise ValidationError(
            where,
            given,
            slack_workspace_id or slack_channel_id,
            "needs the other Slack id too: give both or neither",
        )
    if slack_workspace_id is not None:
        checks.check_text(
            where,
            "slack_workspace_id",
            slack_workspace_id,
            _SLACK_WORKSPACE,
            "a Slack workspace id such as 'T0123456789'",
        )
        checks.check_text(
            where,
            "slack_channel_id",
            slack_channel_id,
            _SLACK_CHANNEL,
            "a Slack channel id such as 'C0123456789'",
        )
        if slack_workspace_id.startswith("C") and typing.cast("str", slack_channel_id)[:1] in "TE":
            raise ValidationError(
                where,
                "slack_workspace_id",
                slack_workspace_id,
                f"is a channel id and slack_channel_id={slack_channel_id!r} a workspace id: "
                "swap them (workspace ids start with T, channel ids with C)",
            )
    return tuple(emails)
