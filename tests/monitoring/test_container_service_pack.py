"""The container service pack: ``monitor_container_service`` on an aws-cdk-lib
``ApplicationLoadBalancedFargateService``, on a ``LoadBalancedService`` (the shape of
``ContainerService``), on a bare or imported ECS service, and its input checks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as ecs_patterns
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template
from constructs import Construct

from org_constructs import AlarmSettings, ServiceMonitoring, ValidationError
from org_constructs.core import LoadBalancedService
from org_constructs.monitoring import AlarmLevels
from org_constructs.monitoring._packs import load_balancer as lb_pack
from tests.support import make_app

ENV = Environment(account="111111111111", region="us-east-1")
IMAGE = "public.ecr.aws/nginx/nginx:stable"
ECS_ALARMS = {"cpu", "memory", "memory-critical", "running-tasks"}
BALANCED_ALARMS = ECS_ALARMS | {
    "target-5xx",
    "target-5xx-rate",
    "latency-p90",
    "latency-p99",
    "unhealthy-hosts",
    "elb-5xx",
    "rejected-connections",
}


def pattern(
    scope: Construct, construct_id: str, cluster: ecs.ICluster
) -> ecs_patterns.ApplicationLoadBalancedFargateService:
    return ecs_patterns.ApplicationLoadBalancedFargateService(
        scope,
        construct_id,
        cluster=cluster,
        task_image_options=ecs_patterns.ApplicationLoadBalancedTaskImageOptions(
            image=ecs.ContainerImage.from_registry(IMAGE)
        ),
    )


class Served(Construct):
    """A construct of the ``LoadBalancedService`` shape, as ``ContainerService`` is."""

    def __init__(self, scope: Construct, construct_id: str, cluster: ecs.ICluster) -> None:
        super().__init__(scope, construct_id)
        inner = pattern(self, "Web", cluster)
        self._service = inner.service
        self._load_balancer = inner.load_balancer
        self._target_group = inner.target_group

    @property
    def service(self) -> ecs.BaseService:
        return self._service

    @property
    def load_balancer(self) -> elbv2.ApplicationLoadBalancer:
        return self._load_balancer

    @property
    def target_group(self) -> elbv2.ApplicationTargetGroup:
        return self._target_group


class Services:
    """One stack with every kind of target, made once for the module."""

    def __init__(self) -> None:
        self.app = make_app()
        self.stack = Stack(self.app, "Containers", env=ENV)
        vpc = ec2.Vpc(self.stack, "Network", max_azs=2, nat_gateways=0)
        self.cluster = ecs.Cluster(self.stack, "Cluster", vpc=vpc)
        self.dark = ecs.Cluster(
            self.stack,
            "Dark",
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.DISABLED,
        )
        self.topic = sns.Topic(self.stack, "Alarms")
        self.web = pattern(self.stack, "Web", self.cluster)
        self.served = Served(self.stack, "Orders", self.cluster)
        self.inner = pattern(self.stack, "Inner", self.cluster)
        self.spare = pattern(self.stack, "Spare", self.cluster)
        task = ecs.FargateTaskDefinition(self.stack, "WorkerTask")
        task.add_container("worker", image=ecs.ContainerImage.from_registry(IMAGE))
        self.worker = ecs.FargateService(
            self.stack, "Worker", cluster=self.cluster, task_definition=task
        )
        dark_task = ecs.FargateTaskDefinition(self.stack, "DarkTask")
        dark_task.add_container("worker", image=ecs.ContainerImage.from_registry(IMAGE))
        self.unlit = ecs.FargateService(
            self.stack, "Unlit", cluster=self.dark, task_definition=dark_task
        )
        self.imported = ecs.FargateService.from_fargate_service_attributes(
            self.stack, "Imported", cluster=self.cluster, service_name="billing"
        )
        self.monitoring = self.new_monitoring("orders")
        self.resources = {
            "web": self.monitoring.monitor_container_service(self.web),
            "served": self.monitoring.monitor_container_service(self.served),
            "inner": self.monitoring.monitor_container_service(self.inner.service),
            "worker": self.monitoring.monitor_container_service(self.worker),
            "unlit": self.monitoring.monitor_container_service(self.unlit),
            "imported": self.monitoring.monitor_container_service(self.imported),
        }
        self.template = Template.from_stack(self.stack)
        self.alarms = {
            r["Properties"]["AlarmName"]: r["Properties"]
            for r in self.template.find_resources("AWS::CloudWatch::Alarm").values()
        }

    def new_monitoring(self, service_name: str) -> ServiceMonitoring:
        return ServiceMonitoring(
            self.stack,
            f"Monitoring{service_name}",
            service_name=service_name,
            alarm_topic=self.topic,
            stage="dev",
        )

    def of(self, label: str) -> dict[str, dict[str, Any]]:
        prefix = f"dev-orders-{label}-"
        return {n.removeprefix(prefix): a for n, a in self.alarms.items() if n.startswith(prefix)}


@pytest.fixture(scope="module")
def services() -> Services:
    return Services()


def dimensions(alarm: dict[str, Any]) -> dict[str, Any]:
    """The dimensions of an alarm's metric, or of every metric of its math expression."""
    found: dict[str, Any] = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    for query in alarm.get("Metrics", []):
        for d in query.get("MetricStat", {}).get("Metric", {}).get("Dimensions", []):
            found[d["Name"]] = d["Value"]
    return found


def test_a_pattern_gets_the_ecs_and_load_balancer_alarms_named_after_it(
    services: Services,
) -> None:
    alarms = services.of("Web")
    assert set(alarms) == BALANCED_ALARMS
    cpu = alarms["cpu"]
    assert (cpu["Namespace"], cpu["MetricName"], cpu["Statistic"]) == (
        "AWS/ECS",
        "CPUUtilization",
        "Average",
    )
    resolved = services.stack.resolve
    assert dimensions(cpu) == {
        "ClusterName": resolved(services.cluster.cluster_name),
        "ServiceName": resolved(services.web.service.service_name),
    }
    thresholds = {key: alarm["Threshold"] for key, alarm in alarms.items()}
    assert thresholds == {
        "cpu": 80,
        "memory": 80,
        "memory-critical": 90,
        "running-tasks": 0,
        "target-5xx": 5,
        "target-5xx-rate": 1,
        "latency-p90": 1,
        "latency-p99": 5,
        "unhealthy-hosts": 0,
        "elb-5xx": 5,
        "rejected-connections": 0,
    }
    topic = resolved(services.topic.topic_arn)
    for key, alarm in alarms.items():
        assert alarm["AlarmActions"] == [topic], key
        assert alarm["OKActions"] == [topic], key
        assert "*" not in json.dumps(dimensions(alarm)), key
        assert alarm["AlarmDescription"].split("#")[-1] == f"container-service-{key}"
    critical = {k for k, a in alarms.items() if a["AlarmDescription"].startswith("[Critical]")}
    assert critical == {
        "memory-critical",
        "running-tasks",
        "target-5xx-rate",
        "latency-p99",
        "elb-5xx",
    }


def test_load_balancer_alarms_carry_the_target_group_and_load_balancer(
    services: Services,
) -> None:
    alarms = services.of("Web")
    resolved = services.stack.resolve
    lb = resolved(services.web.load_balancer.load_balancer_full_name)
    target = dimensions(alarms["target-5xx"])
    assert alarms["target-5xx"]["MetricName"] == "HTTPCode_Target_5XX_Count"
    assert target["TargetGroup"] == resolved(services.web.target_group.target_group_full_name)
    assert "Ref" in json.dumps(target["LoadBalancer"])  # from the listener of the load balancer
    assert dimensions(alarms["elb-5xx"]) == {"LoadBalancer": lb}
    assert alarms["elb-5xx"]["MetricName"] == "HTTPCode_ELB_5XX_Count"
    assert alarms["rejected-connections"]["MetricName"] == "RejectedConnectionCount"
    p99 = alarms["latency-p99"]
    assert (p99["MetricName"], p99["ExtendedStatistic"]) == ("TargetResponseTime", "p99")
    assert alarms["unhealthy-hosts"]["MetricName"] == "UnHealthyHostCount"


def test_the_rate_and_the_missing_tasks_are_metric_math(services: Services) -> None:
    alarms = services.of("Web")
    rate = alarms["target-5xx-rate"]
    expression = next(q for q in rate["Metrics"] if "Expression" in q)
    assert expression["Expression"] == lb_pack.ERROR_RATE
    names = {q["MetricStat"]["Metric"]["MetricName"] for q in rate["Metrics"] if "MetricStat" in q}
    assert names == {"HTTPCode_Target_5XX_Count", "RequestCount"}
    tasks = alarms["running-tasks"]
    expression = next(q for q in tasks["Metrics"] if "Expression" in q)
    assert expression["Expression"] == "desired - running"
    used = [q["MetricStat"] for q in tasks["Metrics"] if "MetricStat" in q]
    assert {u["Metric"]["Namespace"] for u in used} == {"ECS/ContainerInsights"}
    assert {u["Metric"]["MetricName"] for u in used} == {"DesiredTaskCount", "RunningTaskCount"}
    assert {u["Period"] for u in used} == {60}
    assert (tasks["EvaluationPeriods"], tasks["DatapointsToAlarm"]) == (10, 10)


def test_a_load_balanced_service_construct_is_taken_as_it_is(services: Services) -> None:
    assert isinstance(services.served, LoadBalancedService)
    alarms = services.of("Orders")
    assert set(alarms) == BALANCED_ALARMS
    resolved = services.stack.resolve
    assert dimensions(alarms["elb-5xx"]) == {
        "LoadBalancer": resolved(services.served.load_balancer.load_balancer_full_name)
    }


def test_the_service_of_a_pattern_is_recognised_as_the_pattern(services: Services) -> None:
    assert services.resources["inner"].label == "Inner"
    assert set(services.of("Inner")) == BALANCED_ALARMS


def test_a_bare_or_imported_service_gets_the_ecs_alarms_only(services: Services) -> None:
    assert set(services.of("Worker")) == ECS_ALARMS
    imported = services.of("Imported")
    assert set(imported) == ECS_ALARMS
    assert dimensions(imported["cpu"])["ServiceName"] == "billing"


def test_a_cluster_without_container_insights_gets_no_running_tasks_alarm(
    services: Services,
) -> None:
    assert set(services.of("Unlit")) == ECS_ALARMS - {"running-tasks"}


def test_widgets_show_traffic_latency_resources_tasks_and_hosts(services: Services) -> None:
    bodies = json.dumps(
        [
            services.stack.resolve(d["Properties"]["DashboardBody"])
            for d in services.template.find_resources("AWS::CloudWatch::Dashboard").values()
        ]
    )
    for title in (
        "Service Web: CPU and memory (%)",
        "Service Web: tasks running and desired (Container Insights)",
        "Service Web: requests and 5XX",
        "Service Web: healthy and unhealthy targets",
        "Service Web: target response time p50/p90/p99 (seconds)",
    ):
        assert title in bodies, title
    assert "Service Worker: CPU and memory (%)" in bodies
    assert "Service Worker: requests and 5XX" not in bodies


def test_overrides_and_levels_apply(services: Services) -> None:
    monitoring = services.new_monitoring("levels")
    resource = monitoring.monitor_container_service(
        services.spare,
        alarms={
            "cpu": AlarmLevels(
                warning=AlarmSettings(threshold=70), critical=AlarmSettings(threshold=95)
            ),
            "latency_p90": AlarmSettings(threshold=0.5),
            "rejected_connections": AlarmSettings(enabled=False),
        },
    )
    records = {key: record.settings for key, record in resource.records.items()}
    assert (records["cpu_warning"].threshold, records["cpu_critical"].threshold) == (70, 95)
    assert records["latency_p90"].threshold == 0.5
    assert "rejected_connections" not in records


# ----------------------------------------------------------------------------- input checks


def test_a_service_of_another_region_is_refused(services: Services) -> None:
    other = Stack(services.app, "Elsewhere", env=Environment(region="eu-west-1"))
    task = ecs.FargateTaskDefinition(other, "Task")
    task.add_container("worker", image=ecs.ContainerImage.from_registry(IMAGE))
    cluster = ecs.Cluster(other, "Cluster", vpc=ec2.Vpc(other, "Network", nat_gateways=0))
    service = ecs.FargateService(other, "Far", cluster=cluster, task_definition=task)
    with pytest.raises(ValidationError, match=r"service=.*is in region 'eu-west-1'"):
        services.new_monitoring("region").monitor_container_service(service)


def test_a_bad_label_is_refused(services: Services) -> None:
    with pytest.raises(ValidationError, match=r"label='bad label'"):
        services.new_monitoring("label").monitor_container_service(
            services.spare, label="bad label"
        )


def test_a_label_monitored_already_is_refused(services: Services) -> None:
    monitoring = services.new_monitoring("twolabels")
    monitoring.monitor_container_service(services.worker, label="Jobs")
    with pytest.raises(ValidationError, match=r"label='Jobs': is already monitored"):
        monitoring.monitor_container_service(services.unlit, label="Jobs")


def test_a_load_balancer_is_refused_with_the_method_that_takes_it(services: Services) -> None:
    with pytest.raises(
        ValidationError,
        match=r"service='Containers/Web/LB': is an Application Load Balancer, not for "
        r"monitor_container_service: monitor it with monitor_load_balancer",
    ):
        services.new_monitoring("lbkind").monitor_container_service(
            services.web.load_balancer,  # type: ignore[arg-type]
        )


def test_a_target_that_is_not_a_container_service_is_refused(services: Services) -> None:
    queue = sqs.Queue(services.stack, "NotAService")
    with pytest.raises(ValidationError, match=r"service=.*NotAService"):
        services.new_monitoring("kind").monitor_container_service(queue)  # type: ignore[arg-type]


def test_a_service_monitored_already_is_refused(services: Services) -> None:
    monitoring = services.new_monitoring("twice")
    monitoring.monitor_container_service(services.spare)
    with pytest.raises(ValidationError, match=r"is already monitored in this service, as 'Spare'"):
        monitoring.monitor_container_service(services.spare.service, label="Again")


def test_load_balancer_alarms_for_a_bare_service_are_refused(services: Services) -> None:
    with pytest.raises(
        ValidationError, match=r"alarms\['elb_5xx'\]=.*this service has no elb_5xx alarm"
    ):
        services.new_monitoring("bare").monitor_container_service(
            services.worker, alarms={"elb_5xx": AlarmSettings(threshold=1)}
        )


def test_running_tasks_without_container_insights_is_refused(services: Services) -> None:
    with pytest.raises(
        ValidationError, match=r"alarms\['running_tasks'\]=.*Container Insights off"
    ):
        services.new_monitoring("dark").monitor_container_service(
            services.unlit, alarms={"running_tasks": AlarmSettings(threshold=1)}
        )


def test_an_unknown_alarm_key_is_refused(services: Services) -> None:
    with pytest.raises(ValidationError, match=r"is not an alarm of the container_service pack"):
        services.new_monitoring("keys").monitor_container_service(
            services.worker, alarms={"cpu_p99": AlarmSettings()}
        )


def test_monitoring_a_service_costs_a_bounded_number_of_kernel_requests(
    services: Services,
) -> None:
    """Its alarms, metrics and widgets are made in one jsii request with the others."""
    from tests.internal.test_kernel import counted

    monitoring = services.new_monitoring("requests")
    monitoring.monitor_container_service(services.worker)  # the composite alarm comes first
    with counted() as requests:
        monitoring.monitor_container_service(services.spare)
    assert len(monitoring.resources[1].records) == len(BALANCED_ALARMS)
    # One read of the pattern, one of its service, the region, the program: 4 requests for
    # 11 alarms and 7 widgets, never one per alarm.
    assert requests[0] <= 5, requests[0]
