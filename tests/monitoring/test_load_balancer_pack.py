"""The load balancer pack: ``monitor_load_balancer`` on an imported and on an app's Application
Load Balancer, with and without a target group; a load balancer shared with a monitored
container service; its input checks. ``traffic_metrics``, the request and 5XX metrics others
read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from constructs import Construct

from org_constructs import AlarmSettings, ServiceMonitoring, ValidationError
from org_constructs._internal.kernel import Program, seconds
from org_constructs.monitoring._packs import load_balancer as lb_pack
from tests.monitoring.test_container_service_pack import ENV, pattern
from tests.support import make_app

LB_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/orders/50dc6c495c0c9188"
)
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/orders/73e2d6bc24d8a067"
OTHER_LB_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/other/60dc6c495c0c9188"
)
TARGET_ALARMS = {"target-5xx", "target-5xx-rate", "latency-p90", "latency-p99", "unhealthy-hosts"}
OWN_ALARMS = {"elb-5xx", "rejected-connections"}


def imported_load_balancer(scope: Construct) -> elbv2.IApplicationLoadBalancer:
    return elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        scope, "OrdersLb", load_balancer_arn=LB_ARN, security_group_id="sg-0123456789abcdef0"
    )


def imported_target_group(
    scope: Construct, load_balancer_arn: str = LB_ARN, construct_id: str = "OrdersTg"
) -> elbv2.IApplicationTargetGroup:
    return elbv2.ApplicationTargetGroup.from_target_group_attributes(
        scope, construct_id, target_group_arn=TG_ARN, load_balancer_arns=load_balancer_arn
    )


class ImportedService(Construct):
    """A ``LoadBalancedService`` of imported parts (nothing of it in the template)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        vpc = ec2.Vpc.from_vpc_attributes(
            self, "Network", vpc_id="vpc-0123456789abcdef0", availability_zones=["us-east-1a"]
        )
        cluster = ecs.Cluster.from_cluster_attributes(
            self, "Cluster", cluster_name="orders", vpc=vpc
        )
        self._service = ecs.FargateService.from_fargate_service_attributes(
            self, "Service", cluster=cluster, service_name="orders-web"
        )
        self._load_balancer = imported_load_balancer(self)
        self._target_group = imported_target_group(self)

    @property
    def service(self) -> Any:
        return self._service

    @property
    def load_balancer(self) -> Any:
        return self._load_balancer

    @property
    def target_group(self) -> Any:
        return self._target_group


class Balancers:
    """One stack with imported and app load balancers, made once for the module."""

    def __init__(self) -> None:
        self.app = make_app()
        self.stack = Stack(self.app, "Balancers", env=ENV)
        self.topic = sns.Topic(self.stack, "Alarms")
        self.vpc = ec2.Vpc(self.stack, "Network", max_azs=2, nat_gateways=0)
        self.imported = imported_load_balancer(self.stack)
        self.imported_group = imported_target_group(self.stack)
        self.alone = elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
            self.stack,
            "Alone",
            load_balancer_arn=OTHER_LB_ARN,
            security_group_id="sg-0123456789abcdef0",
        )
        self.app_lb, self.app_group = self.balancer("Public")
        self.other_lb, self.other_group = self.balancer("Internal")
        self.web = pattern(self.stack, "Web", ecs.Cluster(self.stack, "Cluster", vpc=self.vpc))
        self.extra_group = elbv2.ApplicationTargetGroup(
            self.stack, "Extra", vpc=self.vpc, port=8080, target_type=elbv2.TargetType.IP
        )
        self.web.listener.add_target_groups(
            "Extra",
            target_groups=[self.extra_group],
            priority=10,
            conditions=[elbv2.ListenerCondition.path_patterns(["/extra/*"])],
        )
        self.monitoring = self.new_monitoring("orders")
        self.monitoring.monitor_load_balancer(self.imported, target_group=self.imported_group)
        self.monitoring.monitor_load_balancer(self.alone)
        self.monitoring.monitor_load_balancer(self.app_lb, target_group=self.app_group)
        self.monitoring.monitor_container_service(self.web)
        self.monitoring.monitor_load_balancer(
            self.web.load_balancer, target_group=self.extra_group, label="Extra"
        )
        self.template = Template.from_stack(self.stack)
        self.alarms = {
            r["Properties"]["AlarmName"]: r["Properties"]
            for r in self.template.find_resources("AWS::CloudWatch::Alarm").values()
        }

    def balancer(self, name: str) -> tuple[elbv2.ApplicationLoadBalancer, Any]:
        lb = elbv2.ApplicationLoadBalancer(self.stack, name, vpc=self.vpc)
        listener = lb.add_listener(f"{name}Http", port=80, open=False)
        group = listener.add_targets(f"{name}Targets", port=8080)
        return lb, group

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
def balancers() -> Balancers:
    return Balancers()


def dimensions(alarm: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}


def test_an_imported_load_balancer_and_target_group_get_every_alarm(
    balancers: Balancers,
) -> None:
    alarms = balancers.of("OrdersLb")
    assert set(alarms) == TARGET_ALARMS | OWN_ALARMS
    assert dimensions(alarms["elb-5xx"]) == {"LoadBalancer": "app/orders/50dc6c495c0c9188"}
    assert dimensions(alarms["target-5xx"]) == {
        "LoadBalancer": "app/orders/50dc6c495c0c9188",
        "TargetGroup": "targetgroup/orders/73e2d6bc24d8a067",
    }
    assert alarms["target-5xx"]["Namespace"] == "AWS/ApplicationELB"
    assert alarms["latency-p90"]["ExtendedStatistic"] == "p90"
    assert alarms["latency-p90"]["Threshold"] == 1
    assert alarms["elb-5xx"]["AlarmDescription"].startswith("[Critical]")
    assert alarms["elb-5xx"]["AlarmDescription"].endswith("#load-balancer-elb-5xx")
    topic = balancers.stack.resolve(balancers.topic.topic_arn)
    assert all(a["AlarmActions"] == [topic] for a in alarms.values())


def test_a_load_balancer_alone_gets_its_own_alarms_only(balancers: Balancers) -> None:
    assert set(balancers.of("Alone")) == OWN_ALARMS


def test_a_target_group_of_the_app_is_watched_through_its_listener(
    balancers: Balancers,
) -> None:
    alarms = balancers.of("Public")
    assert set(alarms) == TARGET_ALARMS | OWN_ALARMS
    resolved = balancers.stack.resolve
    target = dimensions(alarms["unhealthy-hosts"])
    assert target["TargetGroup"] == resolved(balancers.app_group.target_group_full_name)
    assert json.dumps(resolved(balancers.app_lb.listeners[0].listener_arn)) in json.dumps(
        target["LoadBalancer"]
    )
    assert "*" not in json.dumps([dimensions(a) for a in alarms.values()])


def test_a_load_balancer_of_a_container_service_adds_only_the_new_target_group(
    balancers: Balancers,
) -> None:
    assert set(balancers.of("Web")) >= OWN_ALARMS
    assert set(balancers.of("Extra")) == TARGET_ALARMS
    resolved = balancers.stack.resolve
    assert dimensions(balancers.of("Extra")["target-5xx"])["TargetGroup"] == resolved(
        balancers.extra_group.target_group_full_name
    )


def test_widgets_show_requests_errors_hosts_and_latency(balancers: Balancers) -> None:
    bodies = json.dumps(
        [
            balancers.stack.resolve(d["Properties"]["DashboardBody"])
            for d in balancers.template.find_resources("AWS::CloudWatch::Dashboard").values()
        ]
    )
    for title in (
        "Load balancer OrdersLb: requests and 5XX",
        "Load balancer OrdersLb: healthy and unhealthy targets",
        "Load balancer OrdersLb: target response time p50/p90/p99 (seconds)",
        "Load balancer Alone: requests and 5XX",
    ):
        assert title in bodies, title
    assert "Load balancer Alone: healthy and unhealthy targets" not in bodies


def test_traffic_metrics_are_the_target_groups_requests_and_5xx(balancers: Balancers) -> None:
    program = Program()
    traffic = lb_pack.traffic_metrics(
        program, balancers.imported_group, load_balancer=balancers.imported, period=seconds(60)
    )
    assert traffic.elb_5xx is not None
    requests, errors, elb = program.read(traffic.requests, traffic.target_5xx, traffic.elb_5xx)
    assert (requests.metric_name, requests.statistic) == ("RequestCount", "Sum")
    assert errors.metric_name == lb_pack.TARGET_5XX
    assert errors.dimensions == {
        "LoadBalancer": "app/orders/50dc6c495c0c9188",
        "TargetGroup": "targetgroup/orders/73e2d6bc24d8a067",
    }
    assert elb.metric_name == lb_pack.ELB_5XX
    assert elb.period.to_seconds() == 60


# ----------------------------------------------------------------------------- input checks


def test_a_load_balancer_of_another_region_is_refused(balancers: Balancers) -> None:
    other = Stack(balancers.app, "Elsewhere", env=Environment(region="eu-west-1"))
    far = elbv2.ApplicationLoadBalancer(other, "Far", vpc=ec2.Vpc(other, "Network", nat_gateways=0))
    with pytest.raises(ValidationError, match=r"load_balancer=.*is in region 'eu-west-1'"):
        balancers.new_monitoring("region").monitor_load_balancer(far)


def test_a_bad_label_is_refused(balancers: Balancers) -> None:
    with pytest.raises(ValidationError, match=r"label='no/slash'"):
        balancers.new_monitoring("label").monitor_load_balancer(
            balancers.other_lb, label="no/slash"
        )


def test_a_target_that_is_not_a_load_balancer_is_refused(balancers: Balancers) -> None:
    with pytest.raises(
        ValidationError,
        match=r"load_balancer='Balancers/Web': is a container service, not for "
        r"monitor_load_balancer: monitor it with monitor_container_service",
    ):
        balancers.new_monitoring("kind").monitor_load_balancer(balancers.web)  # type: ignore[arg-type]


def test_a_load_balancer_monitored_already_is_refused(balancers: Balancers) -> None:
    with pytest.raises(
        ValidationError, match=r"load_balancer=.*is already monitored in this service, as 'Web'"
    ):
        balancers.monitoring.monitor_load_balancer(balancers.web.load_balancer, label="Again")


def test_a_target_group_monitored_already_is_refused(balancers: Balancers) -> None:
    with pytest.raises(
        ValidationError, match=r"target_group=.*is already monitored in this service, as 'Web'"
    ):
        balancers.monitoring.monitor_load_balancer(
            balancers.web.load_balancer, target_group=balancers.web.target_group, label="Twice"
        )


def test_overriding_a_shared_load_balancers_own_alarm_is_refused(balancers: Balancers) -> None:
    monitoring = balancers.new_monitoring("shared")
    monitoring.monitor_load_balancer(balancers.other_lb)
    with pytest.raises(
        ValidationError,
        match=r"alarms\['elb_5xx'\]=.*watched already, as 'Internal'.*change them there",
    ):
        monitoring.monitor_load_balancer(
            balancers.other_lb,
            target_group=balancers.other_group,
            label="Targets",
            alarms={"elb_5xx": AlarmSettings(threshold=1)},
        )


def test_target_alarms_without_a_target_group_are_refused(balancers: Balancers) -> None:
    with pytest.raises(ValidationError, match=r"alarms\['latency_p99'\]=.*give target_group"):
        balancers.new_monitoring("notarget").monitor_load_balancer(
            balancers.other_lb, alarms={"latency_p99": AlarmSettings(threshold=2)}
        )


def test_a_target_group_of_another_load_balancer_is_refused(balancers: Balancers) -> None:
    with pytest.raises(
        ValidationError, match=r"target_group=.*is not attached to a listener of .*Internal"
    ):
        balancers.new_monitoring("attached").monitor_load_balancer(
            balancers.other_lb, target_group=balancers.app_group
        )


def test_an_imported_target_group_of_another_load_balancer_is_refused(
    balancers: Balancers,
) -> None:
    group = imported_target_group(balancers.stack, OTHER_LB_ARN, "OtherTg")
    with pytest.raises(ValidationError, match=r"target_group=.*is not attached"):
        balancers.new_monitoring("importedother").monitor_load_balancer(
            balancers.imported, target_group=group
        )


def test_a_target_group_without_load_balancer_is_refused(balancers: Balancers) -> None:
    lonely = elbv2.ApplicationTargetGroup.from_target_group_attributes(
        balancers.stack, "Lonely", target_group_arn=TG_ARN
    )
    with pytest.raises(ValidationError, match=r"target_group=.*has no load balancer"):
        balancers.new_monitoring("lonely").monitor_load_balancer(
            balancers.imported, target_group=lonely
        )
