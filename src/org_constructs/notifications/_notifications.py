"""``DeploymentNotifications``: where deployment results go (SNS, encrypted; Slack optional)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from org_constructs._bootstrap import bootstrap_role_arn
from org_constructs._internal import checks
from org_constructs._internal.nodes import id_of, path_of
from org_constructs.compliance._acknowledgements import acknowledge_grant, library_grantee
from org_constructs.contract import DEPLOYMENT_TOPIC_OUTPUT
from org_constructs.errors import ValidationError
from org_constructs.monitoring import AlarmTopic, ServiceMonitoring
from org_constructs.monitoring._topic import check_notification_targets

__all__ = ["DEPLOYMENT_TOPIC_OUTPUT", "DeploymentNotifications"]


class DeploymentNotifications(Construct):
    """An encrypted SNS topic for deployment results, with e-mail and an optional Slack channel.

    The topic is an ``AlarmTopic`` (customer-managed key with rotation, TLS only, e-mail
    subscriptions with an encrypted dead-letter queue, AWS Chatbot for Slack) shown as
    "Deployments". Its ARN is the stack output ``DeploymentTopicArn``, where
    ``org-cdk deploy --notify`` finds it. One per stack.

    Parameters
    ----------
    scope, construct_id:
        As for any construct. The child ``Topic`` (an ``AlarmTopic``) fixes the logical ids.
    emails:
        Addresses to subscribe, each once (or one address as a string). Default: none
    slack_workspace_id, slack_channel_id:
        Both or neither, as for ``AlarmTopic``. Default: - no Slack
    publishers:
        Principals (deployment roles, CI roles) allowed to publish; they also get
        ``kms:GenerateDataKey*``/``kms:Decrypt`` on the topic's key. Default: none (grant
        later with ``grant_publish``)
    encryption_key:
        The topic's key, such as the ``AlarmTopic``'s of the same stack (one key for both
        topics saves 1 USD a month). SNS must be allowed to use it for the dead-letter queue, as
        an ``AlarmTopic``'s key is; publishers get their key grants from ``grant_publish``.
        Default: - a new key with rotation
    deploy_role_publishes:
        The account's CDK bootstrap deploy role (``cdk-<qualifier>-deploy-role-<account>-
        <region>``, the qualifier from the context ``@aws-cdk/core:bootstrapQualifier``) may
        publish, through the topic's and the key's policies: the delivery workflow of
        ``org-cdk pipeline github`` notifies as that role, since the stage's own role may only
        assume bootstrap roles. Left out when the stack's synthesizer has no bootstrap roles
        (not a ``DefaultStackSynthesizer``). Default: ``True``
    monitoring:
        A ``ServiceMonitoring`` that watches the topic's dead-letter queue (deployment
        notifications that could not be delivered): a Critical alarm on any message and a
        widget. Default: - not watched

    Raises
    ------
    ValidationError
        For a second ``DeploymentNotifications`` in the same stack, an invalid or repeated
        e-mail address, only one of the two Slack ids, a malformed Slack id, a publisher that is
        not an ``iam.IGrantable`` or a value of the wrong type; nothing is added to the tree.

    Example
    -------
    ::

        notifications = DeploymentNotifications(
            stack, "Deployments", emails=["ops@example.com"], publishers=[release_role]
        )
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        emails: Sequence[str] | str = (),
        slack_workspace_id: str | None = None,
        slack_channel_id: str | None = None,
        publishers: Sequence[iam.IGrantable] = (),
        encryption_key: kms.IKey | None = None,
        deploy_role_publishes: bool = True,
        monitoring: ServiceMonitoring | None = None,
    ) -> None:
        where = f"DeploymentNotifications({construct_id!r})"
        checks.check_arguments(where, DeploymentNotifications.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        for index, publisher in enumerate(publishers):
            checks.check_grantee(where, f"publishers[{index}]", publisher)
        stack = Stack.of(scope)
        if stack.node.try_find_child(DEPLOYMENT_TOPIC_OUTPUT) is not None:
            raise ValidationError(
                where,
                "scope",
                stack.stack_name,
                "already has a DeploymentNotifications: one per stack",
            )
        # Checked here, so that a bad value leaves nothing half-made in the tree.
        emails = check_notification_targets(where, emails, slack_workspace_id, slack_channel_id)
        if monitoring is not None:
            monitoring.check_region("monitoring", scope)
        super().__init__(scope, construct_id)
        self._topic = AlarmTopic(
            self,
            "Topic",
            emails=emails,
            slack_workspace_id=slack_workspace_id,
            slack_channel_id=slack_channel_id,
            display_name="Deployments",
            encryption_key=encryption_key,
        )
        if monitoring is not None:
            monitoring.monitor_dead_letter_queue(
                self._topic.dead_letter_queue, label=f"{construct_id}DeadLetters"
            )
        for principal in publishers:
            self.grant_publish(principal)
        deploy_role = bootstrap_role_arn(self) if deploy_role_publishes else None
        if deploy_role is not None:
            # In the topic's and the key's policies, never in the bootstrap role's own (a
            # grant to an imported role of the same account would add nothing anywhere).
            principal = iam.ArnPrincipal(deploy_role)
            self._topic.topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="BootstrapDeployRolePublishes",
                    principals=[principal],
                    actions=["sns:Publish"],
                    resources=[self._topic.topic.topic_arn],
                )
            )
            self._topic.encryption_key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="BootstrapDeployRolePublishes",
                    principals=[principal],
                    actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                    resources=["*"],
                    conditions={
                        "StringEquals": {
                            "kms:ViaService": f"sns.{Stack.of(self).region}.amazonaws.com"
                        }
                    },
                )
            )
        CfnOutput(
            stack,
            DEPLOYMENT_TOPIC_OUTPUT,
            value=self._topic.topic.topic_arn,
            description="Where org-cdk deploy --notify publishes deployment results",
        )

    @property
    def topic(self) -> sns.Topic:
        """The SNS topic."""
        return self._topic.topic

    @property
    def alarm_topic(self) -> AlarmTopic:
        """The underlying ``AlarmTopic`` (key, dead-letter queue, Slack channel)."""
        return self._topic

    def grant_publish(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` publish (and use the key to encrypt)."""
        checks.check_arguments(
            f"DeploymentNotifications({id_of(self)!r}).grant_publish",
            DeploymentNotifications.grant_publish,
            locals(),
        )
        checks.check_grantee(
            f"DeploymentNotifications({id_of(self)!r}).grant_publish", "grantee", grantee
        )
        target = library_grantee(grantee)
        grant = self._topic.topic.grant_publish(target)
        key_grant = self._topic.encryption_key.grant(target, "kms:GenerateDataKey*", "kms:Decrypt")
        acknowledge_grant(
            target,
            f"DeploymentNotifications({path_of(self)!r}).grant_publish",
            [grant, key_grant],
            owner=self,
        )
        return grant
