"""The orders stack: a MonitoredFunction, its alarms, its dashboards and its release process."""

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from org_constructs import AbstractStack, AlarmTopic, MonitoredFunction, ServiceMonitoring

HANDLER = Path(__file__).resolve().parent.parent / "handler"


class OrdersStack(AbstractStack):
    """The orders function, its alarms, its dashboards and its release process."""

    def initialize(self) -> None:
        topic = AlarmTopic.from_config(self, "Alarms", self.config)
        monitoring = ServiceMonitoring(self, "Monitoring", service_name="orders", alarm_topic=topic)
        orders = MonitoredFunction(
            self,
            "Orders",
            code=lambda_.Code.from_asset(str(HANDLER)),
            handler="index.handler",
            alarm_topic=topic,  # rollback alarms and deployment notifications
            monitoring=monitoring,  # steady-state alarms and dashboard widgets
            pre_traffic_hook=lambda_.Code.from_asset(str(HANDLER)),
            hook_handler="hooks.handler",
            # Production keeps capacity for orders even when other functions spike.
            reserved_concurrent_executions=50 if self.config.is_production else None,
        )
        self.create_output("OrdersAlias", orders.alias.function_arn, description="Invoke this")
