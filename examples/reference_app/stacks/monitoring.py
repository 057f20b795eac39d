"""Monitoring: alarm packs for every resource, main and performance dashboards."""

from aws_cdk import Duration
from constructs import Construct

from org_constructs import AbstractStack, EnvironmentConfig, ServiceMonitoring, Stage, StandardVpc
from stacks.compute import ComputeStack
from stacks.data import DataStack
from stacks.notifications import NotificationsStack


class MonitoringStack(AbstractStack):
    """Alarms that page through the alarm topic, and the dashboards operators read."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: StandardVpc,
        data: DataStack,
        compute: ComputeStack,
        notifications: NotificationsStack,
    ) -> None:
        self.network = network
        self.data = data
        self.compute = compute
        self.notifications = notifications
        super().__init__(scope, construct_id, config=config, description="Orders monitoring")

    def initialize(self) -> None:
        self.monitoring = monitoring = ServiceMonitoring(
            self,
            "Monitoring",
            service_name="orders",
            alarm_topic=self.notifications.alarms,
            performance_dashboard=self.config.stage is not Stage.DEV,  # dev: 1 dashboard
        )
        monitoring.monitor_lambda_function(self.compute.orders.alias, label="OrdersLive")
        monitoring.monitor_rest_api(self.compute.api, label="OrdersApi")
        if self.config.stage is not Stage.DEV:  # objectives that page; dev stays under budget
            monitoring.add_availability_slo(self.compute.api, objective=99.9, name="orders-api")
            monitoring.add_latency_slo(self.compute.api, threshold=Duration.millis(500))
        monitoring.monitor_database(self.data.database, label="OrdersDb")
        if self.config.vpc.nat_instance_type:  # dev: status, CPU, credits; recoveries notify
            monitoring.monitor_nat_instances(self.network)
        elif self.config.vpc.nat_gateways:
            monitoring.monitor_nat_gateways(self.network)
        monitoring.add_fleet_search(
            "Every function in the account: errors", '{AWS/Lambda,FunctionName} MetricName="Errors"'
        )
