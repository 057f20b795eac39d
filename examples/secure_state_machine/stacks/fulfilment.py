"""The fulfilment stack: a SecureStateMachine from the environment's config, monitored, and
one role that may start it."""

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn

from org_constructs import AbstractStack, AlarmTopic, SecureStateMachine, ServiceMonitoring


class FulfilmentStack(AbstractStack):
    """Fulfilment: logged (encrypted), traced, timed out, alarmed; started by one role."""

    def initialize(self) -> None:
        alarms = AlarmTopic.from_config(self, "Alarms", self.config)
        monitoring = ServiceMonitoring(
            self, "Monitoring", service_name="fulfilment", alarm_topic=alarms
        )
        paid = sfn.Condition.boolean_equals("$.paid", True)
        workflow = (
            sfn.Pass(self, "Prepare")
            .next(sfn.Wait(self, "Settle", time=sfn.WaitTime.duration(Duration.seconds(30))))
            .next(
                sfn.Choice(self, "Paid?")
                .when(paid, sfn.Succeed(self, "Fulfilled"))
                .otherwise(sfn.Fail(self, "Unpaid", error="Unpaid", cause="not paid"))
            )
        )
        # Log level from the environment (config.state_machine): ALL in dev, ERROR elsewhere;
        # failed, timed-out, aborted and throttled executions alarm on the monitoring's topic.
        fulfilment = SecureStateMachine.from_config(
            self,
            "Fulfilment",
            self.config.state_machine,
            definition_body=sfn.DefinitionBody.from_chainable(workflow),
            timeout=Duration.minutes(15),
            monitoring=monitoring,
        )
        storefront = iam.Role(
            self,
            "Storefront",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Starts fulfilment",
        )
        fulfilment.grant_start_execution(storefront)
        self.create_output(
            "FulfilmentArn", fulfilment.state_machine_arn, description="Fulfilment workflow"
        )
