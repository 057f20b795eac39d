"""The dashboard stack: alarms and dashboards for the service, sent to the alarm stack's topic."""

from constructs import Construct

from org_constructs import AbstractStack, AlarmSettings, EnvironmentConfig, ServiceMonitoring
from stacks.alarms import AlarmStack
from stacks.service import ServiceStack


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
        monitoring.monitor_lambda_function(self.service.handler, label="Handler")
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
