"""ServiceMonitoring: packs, thresholds, names, routing, composite alarm, dashboards, checks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

from org_constructs import (
    AbstractStack,
    AlarmSettings,
    AlarmTopic,
    EnvironmentConfig,
    ServiceMonitoring,
    Severity,
    StandardVpc,
    ValidationError,
)
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.data import SecureCache, SecureTable
from org_constructs.events import Trigger
from org_constructs.monitoring import ALARM_CATALOGUE
from org_constructs.testing import (
    assert_no_wildcard_dimensions,
    find_resources,
    template_json,
    template_of,
)
from tests.monitoring.test_load_balancer_pack import (
    ImportedService,
    imported_load_balancer,
    imported_target_group,
)
from tests.support import Background, checkov_report, make_app, templates_for_checkov

GIB = 1024**3


class PacksStack(AbstractStack):
    """Real resources of every kind, each monitored by its pack."""

    def initialize(self) -> None:
        network = StandardVpc.from_config(self, "Network", self.config.vpc)
        code = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")
        self.function = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=code,
            timeout=Duration.seconds(10),
        )
        self.alias = lambda_.Alias(
            self, "Live", alias_name="live", version=self.function.current_version
        )
        worker = lambda_.Function(
            self, "Worker", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler", code=code
        )
        worker.add_event_source(sources.SqsEventSource(sqs.Queue(self, "Jobs")))
        api = apigw.LambdaRestApi(self, "Api", handler=self.function)
        instance = rds.DatabaseInstance(
            self,
            "Db",
            engine=rds.DatabaseInstanceEngine.POSTGRES,
            vpc=network.vpc,
            allocated_storage=100,
        )
        replica = rds.DatabaseInstanceReadReplica(
            self,
            "DbReplica",
            source_database_instance=instance,
            vpc=network.vpc,
            instance_type=ec2.InstanceType("t4g.micro"),
        )
        cluster = rds.DatabaseCluster(
            self,
            "Aurora",
            engine=rds.DatabaseClusterEngine.aurora_postgres(
                version=rds.AuroraPostgresEngineVersion.VER_16_4
            ),
            writer=rds.ClusterInstance.serverless_v2("Writer"),
            readers=[rds.ClusterInstance.serverless_v2("Reader", scale_with_writer=True)],
            vpc=network.vpc,
        )
        self.topic = AlarmTopic.from_config(self, "Alarms", self.config)
        monitoring = ServiceMonitoring(
            self, "Monitoring", service_name="orders", alarm_topic=self.topic
        )
        monitoring.monitor_lambda_function(self.function)
        monitoring.monitor_lambda_function(self.alias, label="HandlerLive")
        monitoring.monitor_lambda_function(worker, reserved_concurrency=50)
        monitoring.monitor_rest_api(api)
        monitoring.monitor_database(instance, allocated_storage_gib=100)
        monitoring.monitor_database(replica)
        monitoring.monitor_database(cluster)
        monitoring.monitor_nat_gateways(network)
        monitoring.monitor_metric(
            self.function.metric_invocations(),
            label="no-traffic",
            threshold=1,
            comparison=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=3,
            treat_missing_data=cw.TreatMissingData.BREACHING,
            severity=Severity.CRITICAL,
            description="No orders for 15 minutes: check the storefront.",
        )
        monitoring.add_fleet_search(
            "All functions: errors", '{AWS/Lambda,FunctionName} MetricName="Errors"'
        )
        self.monitoring = monitoring


@pytest.fixture(scope="module")
def packs(environments: dict[str, EnvironmentConfig]) -> PacksStack:
    return PacksStack(make_app(), "Packs", config=environments["production"])


@pytest.fixture(scope="module")
def template(packs: PacksStack) -> Template:
    return template_of(packs)


def alarm(template: Template, name: str) -> dict[str, Any]:
    found: dict[str, Any]
    (found,) = [
        r["Properties"]
        for r in find_resources(template, "AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("AlarmName") == name
    ]
    return found


def dimensions(properties: dict[str, Any]) -> dict[str, Any]:
    if "Dimensions" in properties:
        return {d["Name"]: d["Value"] for d in properties["Dimensions"]}
    found: dict[str, Any] = {}
    for query in properties["Metrics"]:
        metric = query.get("MetricStat", {}).get("Metric", {})
        found.update({d["Name"]: d["Value"] for d in metric.get("Dimensions", [])})
    return found


def metric_name(properties: dict[str, Any]) -> str:
    if "MetricName" in properties:
        return str(properties["MetricName"])
    (query,) = [q for q in properties["Metrics"] if "MetricStat" in q]
    return str(query["MetricStat"]["Metric"]["MetricName"])


class TestEveryAlarm:
    def test_no_wildcard_dimensions_anywhere(self, template: Template) -> None:
        assert_no_wildcard_dimensions(template)

    def test_real_dimensions_actions_on_alarm_and_ok(self, template: Template) -> None:
        alarms = find_resources(template, "AWS::CloudWatch::Alarm")
        assert len(alarms) > 40
        topic_ref = {"Ref": "AlarmsTopic3A2DFEBA"}
        for resource in alarms.values():
            properties = resource["Properties"]
            assert dimensions(properties), properties["AlarmName"]
            assert properties["AlarmActions"] == [topic_ref]
            assert properties["OKActions"] == [topic_ref]

    def test_names_follow_the_convention(self, packs: PacksStack) -> None:
        for name in packs.monitoring.alarms:
            assert re.fullmatch(r"production-orders-[A-Za-z0-9_.-]+-[a-z0-9-]+", name), name
            assert len(name) <= 255

    def test_descriptions_say_what_to_do(self, template: Template) -> None:
        properties = alarm(template, "production-orders-Handler-errors")
        assert properties["AlarmDescription"].startswith("[Warning] ")
        assert "What to do:" in properties["AlarmDescription"]
        assert "alarms.md#lambda-errors" in properties["AlarmDescription"]


class TestLambdaPack:
    def test_guide_error_and_throttle_alarms(self, template: Template) -> None:
        for key in ("errors", "throttles"):
            properties = alarm(template, f"production-orders-Handler-{key}")
            assert (
                properties["Threshold"],
                properties["Period"],
                properties["EvaluationPeriods"],
                properties["DatapointsToAlarm"],
                properties["Statistic"],
            ) == (1, 60, 1, 1, "Sum")
            assert properties["ComparisonOperator"] == "GreaterThanThreshold"
            assert dimensions(properties) == {"FunctionName": {"Ref": "Handler886CB40B"}}

    def test_duration_against_the_timeout(self, template: Template) -> None:
        p90 = alarm(template, "production-orders-Handler-duration-p90")
        p99 = alarm(template, "production-orders-Handler-duration-p99")
        assert (p90["ExtendedStatistic"], p90["Threshold"]) == ("p90", 8000)
        assert (p99["ExtendedStatistic"], p99["Threshold"]) == ("p99", 9500)

    def test_default_timeout_is_three_seconds_for_unknown(self, template: Template) -> None:
        assert alarm(template, "production-orders-Worker-duration-p90")["Threshold"] == 2400

    def test_concurrency_against_reservation(self, template: Template) -> None:
        assert (
            alarm(template, "production-orders-Handler-concurrent-executions")["Threshold"] == 800
        )
        assert alarm(template, "production-orders-Worker-concurrent-executions")["Threshold"] == 40

    def test_error_rate_is_metric_math(self, template: Template) -> None:
        properties = alarm(template, "production-orders-Handler-error-rate")
        expressions = [q["Expression"] for q in properties["Metrics"] if "Expression" in q]
        assert expressions == ["IF(invocations > 0, 100 * errors / invocations, 0)"]
        assert properties["Threshold"] == 5

    def test_alias_alarms_are_scoped_to_the_alias(self, template: Template) -> None:
        properties = alarm(template, "production-orders-HandlerLive-errors")
        assert dimensions(properties)["Resource"] == {
            "Fn::Join": ["", [{"Ref": "Handler886CB40B"}, ":live"]]
        }

    def test_iterator_age_only_when_event_source_mapped(self, packs: PacksStack) -> None:
        names = packs.monitoring.alarms
        assert "production-orders-Worker-iterator-age" in names
        assert "production-orders-Handler-iterator-age" not in names


class TestApiPack:
    def test_guide_5xx_and_latency(self, template: Template) -> None:
        errors = alarm(template, "production-orders-Api-server-errors")
        assert (
            errors["MetricName"],
            errors["Threshold"],
            errors["Period"],
            errors["EvaluationPeriods"],
        ) == ("5XXError", 5, 60, 1)
        latency = alarm(template, "production-orders-Api-latency-p90")
        assert (
            latency["ExtendedStatistic"],
            latency["Threshold"],
            latency["Period"],
            latency["EvaluationPeriods"],
            latency["DatapointsToAlarm"],
        ) == ("p90", 1000, 300, 3, 3)

    def test_dimensions_are_api_name_and_stage(self, template: Template) -> None:
        properties = alarm(template, "production-orders-Api-latency-p90")
        assert dimensions(properties) == {
            "ApiName": "Api",
            "Stage": {"Ref": "ApiDeploymentStageprod3EB9684E"},
        }

    def test_rates_and_request_count(self, packs: PacksStack) -> None:
        for key in ("server-error-rate", "client-error-rate", "request-count"):
            assert f"production-orders-Api-{key}" in packs.monitoring.alarms


class TestDatabasePack:
    def test_guide_cpu_and_free_storage(self, template: Template) -> None:
        cpu = alarm(template, "production-orders-Db-cpu")
        assert (cpu["Threshold"], cpu["EvaluationPeriods"], cpu["Statistic"]) == (80, 3, "Average")
        storage = alarm(template, "production-orders-Db-free-storage")
        assert storage["Threshold"] == 10 * GIB
        assert storage["ComparisonOperator"] == "LessThanThreshold"
        assert dimensions(storage) == {"DBInstanceIdentifier": {"Ref": "Db5D02A0A9"}}

    def test_free_storage_percentage_of_allocated(self, template: Template) -> None:
        properties = alarm(template, "production-orders-Db-free-storage-percent")
        expressions = [q["Expression"] for q in properties["Metrics"] if "Expression" in q]
        assert expressions == [f"100 * free / {100 * GIB}"]

    def test_replica_lag_where_it_applies(self, packs: PacksStack, template: Template) -> None:
        names = packs.monitoring.alarms
        assert "production-orders-DbReplica-replica-lag" in names
        assert "production-orders-Db-replica-lag" not in names
        aurora = alarm(template, "production-orders-Aurora-replica-lag")
        assert (metric_name(aurora), aurora["Threshold"]) == ("AuroraReplicaLag", 30000)
        assert "DBClusterIdentifier" in dimensions(aurora)
        assert "production-orders-Aurora-free-storage" not in names, "Aurora storage grows"


class TestNatPack:
    def test_one_alarm_set_per_nat_gateway(self, template: Template) -> None:
        gateways = set(find_resources(template, "AWS::EC2::NatGateway"))
        assert len(gateways) == 3
        seen = set()
        for number in (1, 2, 3):
            active = alarm(template, f"production-orders-nat{number}-active-connection-count")
            assert active["Threshold"] == 55000
            gateway = dimensions(active)["NatGatewayId"]
            assert gateway["Ref"] in gateways
            seen.add(gateway["Ref"])
            ports = alarm(template, f"production-orders-nat{number}-error-port-allocation")
            assert (metric_name(ports), ports["Threshold"]) == ("ErrorPortAllocation", 0)
            alarm(template, f"production-orders-nat{number}-packets-drop-count")
        assert seen == gateways


class NatInstancesStack(AbstractStack):
    """A dev network on NAT instances, monitored through the VPC."""

    def __init__(self, scope: Any, construct_id: str, *, kind: str, **kwargs: Any) -> None:
        self._kind = kind
        super().__init__(scope, construct_id, **kwargs)

    def initialize(self) -> None:
        self.network = StandardVpc(self, "Network", nat_gateways=2, nat_instance_type=self._kind)
        topic = AlarmTopic.from_config(self, "Alarms", self.config)
        self.monitoring = ServiceMonitoring(
            self, "Monitoring", service_name="orders", alarm_topic=topic
        )
        self.resources = self.monitoring.monitor_nat_instances(self.network)


@pytest.fixture(scope="module")
def nat_instances(environments: dict[str, EnvironmentConfig]) -> dict[str, NatInstancesStack]:
    return {
        kind: NatInstancesStack(
            make_app(), f"Nat-{kind.replace('.', '-')}", kind=kind, config=environments["dev"]
        )
        for kind in ("t4g.small", "c7g.medium")
    }


class TestNatInstancePack:
    def test_alarms_per_instance_on_its_id(
        self, nat_instances: dict[str, NatInstancesStack]
    ) -> None:
        stack = nat_instances["t4g.small"]
        template = template_of(stack)
        ids = sorted(find_resources(template, "AWS::EC2::Instance"))
        assert len(ids) == 2

        def stat(properties: dict[str, Any]) -> tuple[str, str, int, str]:
            (query,) = [q for q in properties["Metrics"] if "MetricStat" in q]
            metric = query["MetricStat"]
            return (
                metric["Metric"]["Namespace"],
                metric["Metric"]["MetricName"],
                metric["Period"],
                metric["Stat"],
            )

        for number, instance_id in enumerate(ids, start=1):
            status = alarm(template, f"dev-orders-nat{number}-status-check-failed")
            assert dimensions(status) == {"InstanceId": {"Ref": instance_id}}
            assert stat(status) == ("AWS/EC2", "StatusCheckFailed", 60, "Maximum")
            assert (status["Threshold"], status["EvaluationPeriods"]) == (0, 3)
            assert status["AlarmActions"] == status["OKActions"] == [{"Ref": "AlarmsTopic3A2DFEBA"}]
            cpu = alarm(template, f"dev-orders-nat{number}-cpu-utilization")
            assert dimensions(cpu) == {"InstanceId": {"Ref": instance_id}}
            assert stat(cpu) == ("AWS/EC2", "CPUUtilization", 300, "Average")
            assert cpu["Threshold"] == 80
            credits = alarm(template, f"dev-orders-nat{number}-cpu-credit-balance")
            assert stat(credits) == ("AWS/EC2", "CPUCreditBalance", 300, "Minimum")
            assert credits["Threshold"] == 5
            assert credits["ComparisonOperator"] == "LessThanThreshold"
            assert "#nat-instance-cpu-credit-balance" in credits["AlarmDescription"]
        assert [r.label for r in stack.resources] == ["nat1", "nat2"]
        assert {r.pack for r in stack.resources} == {"nat_instance"}
        assert_no_wildcard_dimensions(template)

    def test_status_checks_are_critical(self, nat_instances: dict[str, NatInstancesStack]) -> None:
        monitoring = nat_instances["t4g.small"].monitoring
        critical = {n for n, a in monitoring.alarms.items() if a in monitoring.critical_alarms}
        assert critical == {f"dev-orders-nat{n}-status-check-failed" for n in (1, 2)} | {
            "dev-orders-AlarmsDeadLetters-messages"  # the alarm topic's dead letters
        }

    def test_no_credit_alarm_for_a_type_without_credits(
        self, nat_instances: dict[str, NatInstancesStack]
    ) -> None:
        names = set(nat_instances["c7g.medium"].monitoring.alarms)
        names.discard("dev-orders-AlarmsDeadLetters-messages")
        assert names == {
            f"dev-orders-nat{n}-{key}"
            for n in (1, 2)
            for key in ("status-check-failed", "cpu-utilization")
        }

    def test_widgets_plot_every_instance(self, nat_instances: dict[str, NatInstancesStack]) -> None:
        stack = nat_instances["t4g.small"]
        (board,) = [
            d["Properties"]["DashboardBody"]
            for d in find_resources(template_of(stack), "AWS::CloudWatch::Dashboard").values()
            if "main" in json.dumps(d["Properties"].get("DashboardName"))
        ]
        body = json.dumps(board)
        for title in ("NAT instances: bytes", "NAT instances: CPU and credits"):
            assert title in body
        for metric in ("NetworkOut", "NetworkIn", "CPUUtilization", "CPUCreditBalance"):
            assert metric in body

    def test_nag_packs_clean(self, nat_instances: dict[str, NatInstancesStack]) -> None:
        """The monitoring adds no finding; the network's are the documented route ones."""
        for stack in nat_instances.values():
            findings = {f.rule_id for f in nag_findings(stack, NAG_PACKS)}
            assert all(rule.endswith("-VPCNoUnrestrictedRouteToIGW") for rule in findings)


class TestCustomAndComposite:
    def test_custom_metric_alarm(self, template: Template) -> None:
        properties = alarm(template, "production-orders-no-traffic-alarm")
        assert properties["ComparisonOperator"] == "LessThanThreshold"
        assert properties["TreatMissingData"] == "breaching"
        assert properties["AlarmDescription"] == "No orders for 15 minutes: check the storefront."

    def test_composite_alarm_of_the_critical_alarms(
        self, packs: PacksStack, template: Template
    ) -> None:
        (composite,) = find_resources(template, "AWS::CloudWatch::CompositeAlarm").values()
        properties = composite["Properties"]
        assert properties["AlarmName"] == "production-orders-service-unhealthy"
        named = set(re.findall(r'ALARM\("([^"]+)"\)', properties["AlarmRule"]))
        critical = {
            name
            for name, a in packs.monitoring.alarms.items()
            if a in packs.monitoring.critical_alarms
        }
        assert named == critical
        ids = {
            Stack.of(a).resolve(a.alarm_arn)["Fn::GetAtt"][0]
            for a in packs.monitoring.critical_alarms
        }
        assert set(composite["DependsOn"]) == ids, "created after the alarms it names"
        assert len(critical) >= 10
        assert properties["AlarmActions"] == [{"Ref": "AlarmsTopic3A2DFEBA"}]
        assert properties["OKActions"] == [{"Ref": "AlarmsTopic3A2DFEBA"}]

    def test_severities_follow_the_catalogue(self, packs: PacksStack) -> None:
        critical = packs.monitoring.critical_alarms
        names = {name for name, a in packs.monitoring.alarms.items() if a in critical}
        assert "production-orders-Api-server-errors" in names
        assert "production-orders-Handler-errors" not in names


class TestDashboards:
    """The dashboards' widgets and metrics are checked structurally in test_dashboards.py."""

    def test_dashboard_urls_are_outputs(self, template: Template) -> None:
        outputs = template_json(template)["Outputs"]
        url = json.dumps(outputs["MonitoringMainDashboardUrl"]["Value"])
        assert "console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=" in url
        assert "MonitoringPerformanceDashboardUrl" in outputs


def monitoring_only(
    config: EnvironmentConfig,
    build: Callable[[Stack, ServiceMonitoring], Any],
    construct_id: str,
    **monitoring: Any,
) -> Stack:
    """A stack with only a topic and monitoring of resources defined elsewhere."""

    class OnlyMonitoring(AbstractStack):
        def initialize(self) -> None:
            topic = AlarmTopic.from_config(self, "Alarms", self.config)
            self.monitoring = ServiceMonitoring(
                self, "Monitoring", service_name="orders", alarm_topic=topic, **monitoring
            )
            build(self, self.monitoring)

    return OnlyMonitoring(make_app(), construct_id, config=config)


def imported_database(scope: Stack, identifier: str) -> rds.IDatabaseInstance:
    return rds.DatabaseInstance.from_database_instance_attributes(
        scope,
        f"Db{identifier}",
        instance_identifier=identifier,
        instance_endpoint_address=f"{identifier}.internal",
        port=5432,
        security_groups=[],
    )


def isolated_vpc(scope: Stack) -> ec2.IVpc:
    """A VPC made elsewhere, with isolated subnets in two zones (nothing of it in the stack)."""
    return ec2.Vpc.from_vpc_attributes(
        scope,
        "Network",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-east-1a", "us-east-1b"],
        isolated_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )


PACKS: dict[str, Callable[[Stack, ServiceMonitoring], Any]] = {
    "lambda": lambda s, m: m.monitor_lambda_function(
        lambda_.Function.from_function_name(s, "Fn", "orders-handler"), label="handler"
    ),
    "api": lambda s, m: m.monitor_rest_api(api_name="orders-api", stage_name="prod"),
    "database": lambda s, m: m.monitor_database(
        imported_database(s, "orders-db"), label="orders-db", allocated_storage_gib=50
    ),
    "nat": lambda s, m: m.monitor_nat_gateways(nat_gateway_ids=["nat-0123456789abcdef0"]),
    "nat-instance": lambda s, m: m.monitor_nat_instances(
        nat_instance_ids=["i-0123456789abcdef0"], burstable=True
    ),
    "queue": lambda s, m: m.monitor_queue(
        sqs.Queue.from_queue_arn(s, "Queue", f"arn:aws:sqs:{s.region}:{s.account}:orders"),
        dead_letter_queue=sqs.Queue.from_queue_arn(
            s, "Dlq", f"arn:aws:sqs:{s.region}:{s.account}:orders-dlq"
        ),
        alarms={"empty_receives": AlarmSettings()},
    ),
    "dead-letter-queue": lambda s, m: m.monitor_dead_letter_queue(
        sqs.Queue.from_queue_arn(s, "Failed", f"arn:aws:sqs:{s.region}:{s.account}:failed")
    ),
    "state-machine": lambda s, m: m.monitor_state_machine(
        sfn.StateMachine.from_state_machine_arn(
            s, "StateMachine", f"arn:aws:states:{s.region}:{s.account}:stateMachine:orders"
        ),
        timeout=Duration.minutes(30),
    ),
    "rule": lambda s, m: m.monitor_rule(
        Trigger(
            s,
            "Nightly",
            target=lambda_.Function.from_function_arn(
                s, "Job", f"arn:aws:lambda:{s.region}:{s.account}:function:nightly"
            ),
            schedule=events.Schedule.cron(minute="0", hour="3"),
        )
    ),
    "table": lambda s, m: m.monitor_table(
        SecureTable(
            s,
            "Table",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PROVISIONED,
            regulated=True,  # in a backup plan, as the regulated packs ask
        ),
        operations=["GetItem", "Query"],
    ),
    "cache": lambda s, m: m.monitor_cache(
        SecureCache(s, "Sessions", vpc=isolated_vpc(s), replicas=1)
    ),
    "container-service": lambda s, m: m.monitor_container_service(ImportedService(s, "Web")),
    "load-balancer": lambda s, m: m.monitor_load_balancer(
        imported_load_balancer(s), target_group=imported_target_group(s)
    ),
    "custom": lambda s, m: m.monitor_metric(
        cw.Metric(namespace="Orders", metric_name="Placed", statistic="Sum"),
        label="orders-placed",
        threshold=1,
        comparison=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
    ),
}


@pytest.fixture(scope="session")
def pack_stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, Stack]:
    return {
        name: monitoring_only(environments["production"], build, f"Pack-{name}")
        for name, build in PACKS.items()
    }


@pytest.fixture(scope="session")
def pack_templates(
    pack_stacks: dict[str, Stack], background: Background, request: pytest.FixtureRequest
) -> dict[str, Template]:
    """Session-scoped: the end-to-end checkov test reads them after the fast tests."""
    return templates_for_checkov(pack_stacks, background, request, __file__, "monitoring_packs")


@pytest.mark.parametrize("name", sorted(PACKS))
def test_pack_snapshot(pack_templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert pack_templates[name] == cfn_snapshot


@pytest.mark.parametrize("name", sorted(PACKS))
def test_topic_and_alarms_clean_on_every_nag_pack(pack_stacks: dict[str, Stack], name: str) -> None:
    assert nag_findings(pack_stacks[name], NAG_PACKS) == []


@pytest.mark.e2e
def test_topic_and_alarms_pass_checkov(
    pack_templates: dict[str, Template], background: Background
) -> None:
    report = checkov_report(background, "monitoring_packs", pack_templates)
    assert report.failed == []
    assert report.skipped == []


def test_every_catalogue_alarm_is_created_somewhere(
    packs: PacksStack, pack_stacks: dict[str, Stack]
) -> None:
    created = {name.rsplit("-", 1)[0] for name in packs.monitoring.alarms}
    keys = {
        (resource.pack, record.entry.key)  # the catalogue's key (a cache names one per node)
        for stack in [packs, *pack_stacks.values()]
        for resource in stack.monitoring.resources  # type: ignore[attr-defined]
        for record in resource.records.values()
    }
    expected = {
        (pack, key)
        for pack, alarms in ALARM_CATALOGUE.items()
        for key in alarms
        if pack != "custom"
    }
    assert expected <= keys
    assert created


class TestRoutingAndOverrides:
    def test_severity_routes_to_two_topics(self, dev_config: EnvironmentConfig) -> None:
        def build(stack: Stack, _: ServiceMonitoring) -> None:
            critical = sns.Topic(stack, "Pager")
            warning = sns.Topic(stack, "Chat")
            routed = ServiceMonitoring(
                stack,
                "Routed",
                service_name="billing",
                critical_topic=critical,
                warning_topic=warning,
            )
            routed.monitor_rest_api(api_name="billing", stage_name="prod")

        template = template_of(monitoring_only(dev_config, build, "Routing"))
        pager = alarm(template, "dev-billing-billing-server-errors")
        chat = alarm(template, "dev-billing-billing-client-error-rate")
        assert pager["AlarmActions"] == [{"Ref": "Pager3330101C"}]
        assert chat["AlarmActions"] == [{"Ref": "Chat26DEB33F"}]

    def test_overrides(self, dev_config: EnvironmentConfig) -> None:
        def build(stack: Stack, monitoring: ServiceMonitoring) -> None:
            monitoring.monitor_rest_api(
                api_name="orders",
                stage_name="prod",
                alarms={
                    "latency_p90": AlarmSettings(
                        threshold=500,
                        period=Duration.minutes(1),
                        evaluation_periods=5,
                        datapoints_to_alarm=3,
                        severity=Severity.WARNING,
                        treat_missing_data=cw.TreatMissingData.BREACHING,
                        comparison=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    ),
                    "request_count": AlarmSettings(enabled=False),
                    "server_errors": AlarmSettings(evaluation_periods=2),
                },
            )

        stack = monitoring_only(dev_config, build, "Overrides")
        template = template_of(stack)
        latency = alarm(template, "dev-orders-orders-latency-p90")
        assert (
            latency["Threshold"],
            latency["Period"],
            latency["EvaluationPeriods"],
            latency["DatapointsToAlarm"],
            latency["TreatMissingData"],
            latency["ComparisonOperator"],
        ) == (500, 60, 5, 3, "breaching", "GreaterThanOrEqualToThreshold")
        assert "dev-orders-orders-request-count" not in stack.monitoring.alarms  # type: ignore[attr-defined]
        assert alarm(template, "dev-orders-orders-server-errors")["DatapointsToAlarm"] == 1

    def test_without_dashboards_or_composite(self, dev_config: EnvironmentConfig) -> None:
        stack = monitoring_only(
            dev_config, PACKS["api"], "Bare", dashboards=False, composite_alarm=False
        )
        template = template_of(stack)
        assert find_resources(template, "AWS::CloudWatch::Dashboard") == {}
        assert find_resources(template, "AWS::CloudWatch::CompositeAlarm") == {}
        assert stack.monitoring.main_dashboard is None  # type: ignore[attr-defined]

    def test_alarm_widget_without_alarms_says_so(self, dev_config: EnvironmentConfig) -> None:
        # A plain topic: an AlarmTopic's dead-letter queue would be watched, an alarm.
        stack = Stack(make_app(), "Empty")
        ServiceMonitoring(
            stack, "M", service_name="orders", stage="dev", alarm_topic=sns.Topic(stack, "T")
        )
        body = json.dumps(template_json(template_of(stack))["Resources"])
        assert "no alarms" in body

    def test_outside_an_abstract_stack_stage_is_given(self) -> None:
        stack = Stack(make_app(), "Plain")
        monitoring = ServiceMonitoring(
            stack, "M", service_name="orders", stage="staging", alarm_topic=sns.Topic(stack, "T")
        )
        monitoring.monitor_rest_api(api_name="orders", stage_name="prod")
        assert "staging-orders-orders-server-errors" in monitoring.alarms
        assert "MMainDashboardUrl" in template_json(template_of(stack))["Outputs"]


not_settings: Any = {"threshold": 1}
not_number: Any = "10"
not_list: Any = "nat-0123456789abcdef0"
not_instances: Any = "i-0123456789abcdef0"


def bad_monitoring(**props: Any) -> Callable[[Stack], Any]:
    return lambda s: ServiceMonitoring(
        s, "M", **{"service_name": "orders", "stage": "dev", **props}
    )


def with_monitoring(call: Callable[[ServiceMonitoring, Stack], Any]) -> Callable[[Stack], Any]:
    def build(stack: Stack) -> Any:
        monitoring = ServiceMonitoring(
            stack, "M", service_name="orders", stage="dev", alarm_topic=sns.Topic(stack, "T")
        )
        return call(monitoring, stack)

    return build


def api_alarms(**settings: Any) -> Callable[[Stack], Any]:
    return with_monitoring(
        lambda m, s: m.monitor_rest_api(
            api_name="orders", stage_name="prod", alarms={"latency_p90": AlarmSettings(**settings)}
        )
    )


INVALID: dict[str, tuple[Callable[[Stack], Any], str]] = {
    "no topic": (bad_monitoring(), r"critical_topic=None: is missing: give alarm_topic"),
    "no stage": (
        lambda s: ServiceMonitoring(s, "M", service_name="orders", alarm_topic=sns.Topic(s, "T")),
        r"stage=None: is required outside an AbstractStack",
    ),
    "bad service name": (
        bad_monitoring(service_name="my service", alarm_topic=None),
        r"service_name='my service': must be letters, digits",
    ),
    "negative threshold": (
        api_alarms(threshold=-1),
        r"AlarmSettings: threshold=-1: must be finite and not negative",
    ),
    "datapoints over evaluation periods": (
        api_alarms(evaluation_periods=2, datapoints_to_alarm=3),
        r"AlarmSettings: datapoints_to_alarm=3: must be from 1 to evaluation_periods \(2\)",
    ),
    "datapoints over default evaluation periods": (
        api_alarms(datapoints_to_alarm=4),
        r"alarms\['latency_p90'\].datapoints_to_alarm=4: must be from 1 to evaluation_periods",
    ),
    "zero evaluation periods": (
        api_alarms(evaluation_periods=0, datapoints_to_alarm=1),
        r"AlarmSettings: evaluation_periods=0: must be between 1 and 8640",
    ),
    "odd period": (
        api_alarms(period=Duration.seconds(45)),
        r"AlarmSettings: period='45s': must be 10 or 30 seconds or a whole number of minutes",
    ),
    "more than a day": (
        api_alarms(period=Duration.hours(6), evaluation_periods=5),
        r"evaluation_periods=5: times period must not exceed one day",
    ),
    "percentage over 100": (
        with_monitoring(
            lambda m, s: m.monitor_rest_api(
                api_name="a",
                stage_name="p",
                alarms={"server_error_rate": AlarmSettings(threshold=150)},
            )
        ),
        r"threshold=150: is a percentage: must be at most 100",
    ),
    "not alarm settings": (
        with_monitoring(
            lambda m, s: m.monitor_rest_api(
                api_name="a", stage_name="p", alarms={"latency_p90": not_settings}
            )
        ),
        r"alarms\['latency_p90'\]=\{'threshold': 1\}: must be an AlarmSettings",
    ),
    "unknown alarm key": (
        with_monitoring(
            lambda m, s: m.monitor_rest_api(
                api_name="a", stage_name="p", alarms={"latency_p95": AlarmSettings()}
            )
        ),
        r"alarms\['latency_p95'\]=.*is not an alarm of the api pack; alarms are server_errors",
    ),
    "name too long": (
        with_monitoring(
            lambda m, s: m.monitor_rest_api(api_name="a", stage_name="p", label="x" * 250)
        ),
        r"alarm name='dev-orders-x+': is [0-9]+ characters; CloudWatch allows 255",
    ),
    "duplicate label": (
        with_monitoring(
            lambda m, s: [
                m.monitor_rest_api(api_name="a", stage_name="p"),
                m.monitor_rest_api(api_name="a", stage_name="p"),
            ]
        ),
        r"label='a': is already monitored in this service",
    ),
    "api without names": (
        with_monitoring(lambda m, s: m.monitor_rest_api(api_name="a")),
        r"api_name/stage_name=\('a', None\): give api, or both",
    ),
    "reserved concurrency zero": (
        with_monitoring(
            lambda m, s: m.monitor_lambda_function(
                lambda_.Function.from_function_name(s, "F", "f"), label="f", reserved_concurrency=0
            )
        ),
        r"reserved_concurrency=0: must be between 1 and 2147483647",
    ),
    "allocated storage zero": (
        with_monitoring(
            lambda m, s: m.monitor_database(
                imported_database(s, "d"), label="d", allocated_storage_gib=0
            )
        ),
        r"allocated_storage_gib=0: must be between 1 and 65536",
    ),
    "vpc without nat": (
        with_monitoring(lambda m, s: m.monitor_nat_gateways(StandardVpc(s, "V", nat_gateways=0))),
        r"has no NAT gateways this app defines",
    ),
    "gateways of a vpc on nat instances": (
        with_monitoring(
            lambda m, s: m.monitor_nat_gateways(StandardVpc(s, "V", nat_instance_type="t4g.nano"))
        ),
        r"vpc=.*: runs NAT instances, not NAT gateways: monitor them with monitor_nat_instances",
    ),
    "instances of a vpc on nat gateways": (
        with_monitoring(lambda m, s: m.monitor_nat_instances(StandardVpc(s, "V"))),
        r"vpc=.*: runs NAT gateways, not NAT instances: monitor them with monitor_nat_gateways",
    ),
    "instances of a vpc without nat": (
        with_monitoring(lambda m, s: m.monitor_nat_instances(StandardVpc(s, "V", nat_gateways=0))),
        r"vpc=.*: has no NAT instances this app defines: give nat_instance_ids",
    ),
    "nat instances of nothing": (
        with_monitoring(lambda m, s: m.monitor_nat_instances()),
        r"vpc=None: has no NAT instances this app defines",
    ),
    "nat instance ids and vpc": (
        with_monitoring(
            lambda m, s: m.monitor_nat_instances(
                StandardVpc(s, "V", nat_instance_type="t4g.nano"),
                nat_instance_ids=["i-0123456789abcdef0"],
            )
        ),
        r"nat_instance_ids=\['i-0123456789abcdef0'\]: cannot be given with vpc",
    ),
    "burstable with vpc": (
        with_monitoring(
            lambda m, s: m.monitor_nat_instances(
                StandardVpc(s, "V", nat_instance_type="t4g.nano"), burstable=True
            )
        ),
        r"burstable=True: cannot be given with vpc: it comes from the type",
    ),
    "nat instance id malformed": (
        with_monitoring(lambda m, s: m.monitor_nat_instances(nat_instance_ids=["nat-1"])),
        r"nat_instance_ids\[0\]='nat-1': must be an EC2 instance id such as 'i-0123456789abcdef0'",
    ),
    "nat instance id twice": (
        with_monitoring(
            lambda m, s: m.monitor_nat_instances(
                nat_instance_ids=["i-0123456789abcdef0", "i-0123456789abcdef0"]
            )
        ),
        r"nat_instance_ids='i-0123456789abcdef0': is given twice",
    ),
    "nat instance ids as one string": (
        with_monitoring(lambda m, s: m.monitor_nat_instances(nat_instance_ids=not_instances)),
        r"nat_instance_ids='i-0123456789abcdef0': must be a list of str or None",
    ),
    "nat instance alarm of the gateway pack": (
        with_monitoring(
            lambda m, s: m.monitor_nat_instances(
                nat_instance_ids=["i-0123456789abcdef0"],
                alarms={"packets_drop_count": AlarmSettings()},
            )
        ),
        r"alarms\['packets_drop_count'\]=.*is not an alarm of the nat_instance pack; alarms are "
        r"status_check_failed, cpu_utilization, cpu_credit_balance",
    ),
    "unresolved label": (
        with_monitoring(
            lambda m, s: m.monitor_lambda_function(
                lambda_.Function.from_function_name(s, "F", "f"), label=sns.Topic(s, "X").topic_name
            )
        ),
        r"label=.*is required for this resource",
    ),
    "service name with a dot and dashboards": (
        lambda s: ServiceMonitoring(
            s, "M", service_name="orders.api", stage="dev", alarm_topic=sns.Topic(s, "T")
        ),
        r"service_name='orders.api': names the dashboards \('dev-orders.api-performance'\)",
    ),
    "dashboard range in seconds": (
        lambda s: ServiceMonitoring(
            s,
            "M",
            service_name="orders",
            stage="dev",
            alarm_topic=sns.Topic(s, "T"),
            dashboard_range=Duration.seconds(90),
        ),
        r"dashboard_range='1 minute 30 seconds': must be from 5 minutes to 455 days",
    ),
    "dashboard range without dashboards": (
        lambda s: ServiceMonitoring(
            s,
            "M",
            service_name="orders",
            stage="dev",
            alarm_topic=sns.Topic(s, "T"),
            dashboards=False,
            dashboard_range=Duration.hours(1),
        ),
        r"dashboard_range='1 hour': cannot be given with dashboards=False",
    ),
    "composite name too long": (
        bad_monitoring(service_name="s" * 240, dashboards=False),
        r"alarm name='dev-s+-service-unhealthy': is [0-9]+ characters",
    ),
    "dashboards truthy string": (
        bad_monitoring(dashboards="no"),
        r"dashboards='no': must be True or False",
    ),
    "topic not a topic": (
        bad_monitoring(alarm_topic="arn:aws:sns:us-east-1:111111111111:alarms"),
        r"alarm_topic='arn:aws:sns:.*': must be an AlarmTopic or an aws_sns.ITopic or None",
    ),
    "lambda timeout zero": (
        with_monitoring(
            lambda m, s: m.monitor_lambda_function(
                lambda_.Function.from_function_name(s, "F", "f"), timeout=Duration.seconds(0)
            )
        ),
        r"timeout='0 seconds': must be from 1 second to 15 minutes",
    ),
    "reserved concurrency as text": (
        with_monitoring(
            lambda m, s: m.monitor_lambda_function(
                lambda_.Function.from_function_name(s, "F", "f"), reserved_concurrency=not_number
            )
        ),
        r"reserved_concurrency='10': must be a whole number or None",
    ),
    "api without deployment": (
        with_monitoring(lambda m, s: m.monitor_rest_api(apigw.RestApi(s, "Api", deploy=False))),
        r"stage_name=None: is required for an api created with deploy=False",
    ),
    "nat ids as one string": (
        with_monitoring(lambda m, s: m.monitor_nat_gateways(nat_gateway_ids=not_list)),
        r"nat_gateway_ids='nat-0123456789abcdef0': must be a list of str or None",
    ),
    "nat id malformed": (
        with_monitoring(lambda m, s: m.monitor_nat_gateways(nat_gateway_ids=["gateway-1"])),
        r"nat_gateway_ids\[0\]='gateway-1': must be a NAT gateway id",
    ),
    "nat id twice": (
        with_monitoring(
            lambda m, s: m.monitor_nat_gateways(
                nat_gateway_ids=["nat-0123456789abcdef0", "nat-0123456789abcdef0"]
            )
        ),
        r"nat_gateway_ids='nat-0123456789abcdef0': is given twice",
    ),
    "nat ids and vpc": (
        with_monitoring(
            lambda m, s: m.monitor_nat_gateways(
                StandardVpc(s, "V"), nat_gateway_ids=["nat-0123456789abcdef0"]
            )
        ),
        r"nat_gateway_ids=\['nat-0123456789abcdef0'\]: cannot be given with vpc",
    ),
    "metric label twice": (
        with_monitoring(
            lambda m, s: [
                m.monitor_metric(cw.Metric(namespace="N", metric_name="M"), label="m", threshold=1),
                m.monitor_metric(cw.Metric(namespace="N", metric_name="M"), label="m", threshold=1),
            ]
        ),
        r"label='m': is already monitored in this service",
    ),
    "metric datapoints zero": (
        with_monitoring(
            lambda m, s: m.monitor_metric(
                cw.Metric(namespace="N", metric_name="M"),
                label="m",
                threshold=1,
                datapoints_to_alarm=0,
            )
        ),
        r"ServiceMonitoring\('M'\): datapoints_to_alarm=0: must be between 1",
    ),
    "metric description too long": (
        with_monitoring(
            lambda m, s: m.monitor_metric(
                cw.Metric(namespace="N", metric_name="M"),
                label="m",
                threshold=1,
                description="d" * 1025,
            )
        ),
        r"description='d+\.\.\.': must be at most 1024 characters",
    ),
    "stage name over 255 characters": (
        with_monitoring(lambda m, s: m.monitor_rest_api(api_name="a", stage_name="s" * 256)),
        r"stage_name='s+': is a metric dimension: CloudWatch allows at most 255 characters",
    ),
    "fleet search with a quote": (
        with_monitoring(lambda m, s: m.add_fleet_search("Errors", "it's")),
        r"search=\"it's\": must be non-empty text without single quotes",
    ),
    "fleet search period of 7 seconds": (
        with_monitoring(lambda m, s: m.add_fleet_search("Errors", "x", period=Duration.seconds(7))),
        r"period='7s': must be 1 or 5 or 10 or 30 seconds or a whole number of minutes",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_input_is_refused(case: str) -> None:
    build, pattern = INVALID[case]
    with pytest.raises(ValidationError, match=pattern):
        build(Stack(make_app(), "Invalid"))


@pytest.mark.parametrize(
    ("pack", "bad"),
    [
        ("lambda", {"error_rate": AlarmSettings(threshold=150)}),
        ("api", {"client_error_rate": AlarmSettings(threshold=150)}),
        ("database", {"write_iops": AlarmSettings(period=Duration.hours(6), evaluation_periods=5)}),
        (
            "nat",
            {
                "active_connection_count": AlarmSettings(
                    period=Duration.hours(6), evaluation_periods=5
                )
            },
        ),
        (
            "nat_instance",
            {"cpu_credit_balance": AlarmSettings(period=Duration.hours(6), evaluation_periods=5)},
        ),
    ],
)
def test_a_refused_pack_leaves_nothing_half_made(pack: str, bad: dict[str, AlarmSettings]) -> None:
    """The pack's last alarm is refused: none of its alarms exist, and the label is free."""
    stack = Stack(make_app(), "Refused")
    monitoring = ServiceMonitoring(
        stack, "M", service_name="orders", stage="dev", alarm_topic=sns.Topic(stack, "T")
    )
    function = lambda_.Function.from_function_name(stack, "F", "f")
    database = imported_database(stack, "d")
    calls: dict[str, Callable[[dict[str, AlarmSettings]], Any]] = {
        "lambda": lambda alarms: monitoring.monitor_lambda_function(
            function, label="f", alarms=alarms
        ),
        "api": lambda alarms: monitoring.monitor_rest_api(
            api_name="a", stage_name="p", alarms=alarms
        ),
        "database": lambda alarms: monitoring.monitor_database(database, label="d", alarms=alarms),
        "nat": lambda alarms: monitoring.monitor_nat_gateways(
            nat_gateway_ids=["nat-0123456789abcdef0"], alarms=alarms
        ),
        "nat_instance": lambda alarms: monitoring.monitor_nat_instances(
            nat_instance_ids=["i-0123456789abcdef0"], burstable=True, alarms=alarms
        ),
    }
    with pytest.raises(ValidationError):
        calls[pack](bad)
    assert monitoring.alarms == {}
    assert monitoring.resources == []
    calls[pack]({})
    assert len(monitoring.alarms) >= 3
