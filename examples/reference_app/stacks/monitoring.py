"""Monitoring: the alarm topic, alarm packs for every resource, main and performance dashboards."""

from constructs import Construct

from org_constructs import AbstractStack, AlarmTopic, EnvironmentConfig, ServiceMonitoring
from stacks.compute import ComputeStack
from stacks.data import DataStack
from stacks.network import NetworkStack


class MonitoringStack(AbstractStack):
    """Alarms that page, and the dashboards operators read."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: NetworkStack,
        data: DataStack,
        compute: ComputeStack,
    ) -> None:
        self.network_stack = network
        self.data = data
        self.compute = compute
        super().__init__(scope, construct_id, config=config, description="Orders monitoring")

    def initialize(self) -> None:
        self.alarm_topic = AlarmTopic.from_config(self, "Alarms", self.config)
        monitoring = ServiceMonitoring(
            self, "Monitoring", service_name="orders", alarm_topic=self.alarm_topic
        )
        monitoring.monitor_lambda_function(self.compute.orders.alias, label="OrdersLive")
        monitoring.monitor_rest_api(
            api_name=self.compute.api.rest_api_name,
            stage_name=ComputeStack.API_STAGE,
            label="OrdersApi",
        )
        monitoring.monitor_database(self.data.database, label="OrdersDb", allocated_storage_gib=20)
        if self.config.vpc.nat_gateways:
            monitoring.monitor_nat_gateways(self.network_stack.network)
        monitoring.add_fleet_search(
            "Every function in the account: errors", '{AWS/Lambda,FunctionName} MetricName="Errors"'
        )
        self.monitoring = monitoring
