"""The guide's monitoring layout: an AlarmStack and a DashboardStack watching a service stack.

The AlarmStack sets its attributes in __init__ and builds in initialize(), which
AbstractStack runs after __init__: the topic exists before anything reads it.

    cdk synth -c stage=dev
"""

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from org_constructs import (
    AbstractStack,
    AlarmSettings,
    AlarmTopic,
    EnvironmentConfig,
    ServiceMonitoring,
    load_environments,
    selected_environments,
)

HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
"""


class AlarmStack(AbstractStack):
    """Where alarms go: the encrypted topic, e-mailing the environment's alarm addresses."""

    def initialize(self) -> None:
        self.alarm_topic = AlarmTopic.from_config(self, "Alarms", self.config)


class ServiceStack(AbstractStack):
    """The service: a function behind a REST API."""

    def initialize(self) -> None:
        self.handler = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER),
            timeout=cdk.Duration.seconds(10),
        )
        self.api = apigw.LambdaRestApi(self, "Api", handler=self.handler)


class DashboardStack(AbstractStack):
    """Alarms and dashboards for the service, sent to the AlarmStack's topic."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        alarms: AlarmStack,
        service: ServiceStack,
    ) -> None:
        # Set before initialize() runs.
        self.alarm_stack = alarms
        self.service = service
        super().__init__(scope, construct_id, config=config)
        self.add_stack_dependency(alarms)
        self.add_stack_dependency(service)

    def initialize(self) -> None:
        monitoring = ServiceMonitoring(
            self,
            "Monitoring",
            service_name="orders",
            alarm_topic=self.alarm_stack.alarm_topic,
        )
        monitoring.monitor_lambda_function(self.service.handler)
        monitoring.monitor_rest_api(
            api_name=self.service.api.rest_api_name,
            stage_name=self.service.api.deployment_stage.stage_name,
            label="Api",
            # A young service: page on latency only after 30 minutes.
            alarms={"latency_p90": AlarmSettings(evaluation_periods=6, datapoints_to_alarm=6)},
        )
        monitoring.add_fleet_search(
            "Every function in the account: errors",
            '{AWS/Lambda,FunctionName} MetricName="Errors"',
        )


app = cdk.App()
environments = load_environments(Path(__file__).parent / "environments.json")
for name, config in selected_environments(app, environments).items():
    alarm_stack = AlarmStack(app, f"Alarms-{name}", config=config)
    service_stack = ServiceStack(app, f"Service-{name}", config=config)
    DashboardStack(
        app, f"Dashboards-{name}", config=config, alarms=alarm_stack, service=service_stack
    )
app.synth()
