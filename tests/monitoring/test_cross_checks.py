"""ServiceMonitoring and AlarmTopic: values checked against each other and against what a
CloudWatch alarm can watch, and the mistakes a newcomer makes, each refused with the
library's error naming the values (never a raw TypeError or jsii error)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from org_constructs import (
    AbstractStack,
    AlarmSettings,
    AlarmTopic,
    EnvironmentConfig,
    MonitoredFunction,
    SecureApi,
    ServiceMonitoring,
    StandardVpc,
    ValidationError,
)
from org_constructs.monitoring import AlarmLevels
from org_constructs.testing import find_resources
from tests.support import make_app

HERE = Environment(account="111111111111", region="eu-west-1")
THERE = Environment(account="111111111111", region="us-east-1")
CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")
OTHER_REGION = r"is in region 'us-east-1' and this ServiceMonitoring in 'eu-west-1'"
GATEWAY = "nat-0123456789abcdef0"
INSTANCE = "i-0123456789abcdef0"
ISOLATED = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)


def function(scope: Stack, construct_id: str = "F", **props: Any) -> lambda_.Function:
    return lambda_.Function(
        scope,
        construct_id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=CODE,
        **props,
    )


def rest_api(scope: Stack, construct_id: str = "Api") -> apigw.RestApi:
    api = apigw.RestApi(scope, construct_id, rest_api_name="orders-api")
    api.root.add_method("GET", apigw.MockIntegration())
    return api


def instance(scope: Stack, **props: Any) -> rds.DatabaseInstance:
    return rds.DatabaseInstance(
        scope,
        "Db",
        engine=rds.DatabaseInstanceEngine.POSTGRES,
        vpc=ec2.Vpc(scope, "Vpc", nat_gateways=0),
        vpc_subnets=ISOLATED,
        **props,
    )


def cluster(scope: Stack) -> rds.DatabaseCluster:
    return rds.DatabaseCluster(
        scope,
        "Aurora",
        engine=rds.DatabaseClusterEngine.aurora_postgres(
            version=rds.AuroraPostgresEngineVersion.VER_16_4
        ),
        writer=rds.ClusterInstance.provisioned("Writer"),
        vpc=ec2.Vpc(scope, "Vpc", nat_gateways=0),
        vpc_subnets=ISOLATED,
    )


def imported_instance(scope: Stack) -> rds.IDatabaseInstance:
    return rds.DatabaseInstance.from_database_instance_attributes(
        scope,
        "Imported",
        instance_identifier="orders-db",
        instance_endpoint_address="orders-db.internal",
        port=5432,
        security_groups=[],
    )


def metric(**props: Any) -> cw.Metric:
    return cw.Metric(namespace="Orders", metric_name="Placed", **props)


def app_of(scope: Stack) -> App:
    app = scope.node.root
    assert isinstance(app, App)
    return app


def other_stack(scope: Stack) -> Stack:
    """A stack of the same app in another region."""
    app = app_of(scope)
    found = app.node.try_find_child("There")
    return found if isinstance(found, Stack) else Stack(app, "There", env=THERE)


def monitoring(scope: Stack, construct_id: str = "M", **props: Any) -> ServiceMonitoring:
    topics: dict[str, sns.ITopic] = {}
    if not {"alarm_topic", "critical_topic", "warning_topic"} & set(props):
        topics["alarm_topic"] = sns.Topic(scope, f"{construct_id}Topic")
    return ServiceMonitoring(
        scope, construct_id, **{"service_name": "orders", "stage": "dev", **topics, **props}
    )


def calls(call: Callable[[ServiceMonitoring, Stack], Any]) -> Callable[[Stack], Any]:
    return lambda s: call(monitoring(s), s)


def wrongly(call: Callable[[Any, Stack], Any]) -> Callable[[Stack], Any]:
    """``calls`` for a call with a value of the wrong type (mypy refuses it; users without
    mypy do not)."""
    return calls(call)


def custom(**props: Any) -> Callable[[Stack], Any]:
    """``monitor_metric`` with a valid label and threshold, and ``props``."""
    return calls(lambda m, s: m.monitor_metric(**{"label": "placed", "threshold": 1, **props}))


def expression(text: str, count: int = 1, **props: Any) -> cw.MathExpression:
    return cw.MathExpression(
        expression=text,
        using_metrics={
            f"m{i}": cw.Metric(namespace="N", metric_name=f"M{i}") for i in range(count)
        },
        **props,
    )


def settings(**props: Any) -> AlarmSettings:
    return AlarmSettings(**props)


INVALID: dict[str, tuple[Callable[[Stack], Any], str]] = {
    # --- the api's own name and stages
    "api stage that the api does not have": (
        calls(lambda m, s: m.monitor_rest_api(rest_api(s), stage_name="live")),
        r"stage_name='live': is not a stage of S/Api \(its stages: prod\): its alarms would "
        r"watch a stage without traffic",
    ),
    "api name contradicting the api": (
        calls(lambda m, s: m.monitor_rest_api(rest_api(s), api_name="orders")),
        r"api_name='orders': contradicts the api's name \('orders-api'\)",
    ),
    "secure api stage contradicting": (
        calls(
            lambda m, s: m.monitor_rest_api(
                SecureApi(s, "Orders", handler=function(s)), stage_name="prod"
            )
        ),
        r"stage_name='prod': is not a stage of S/Orders/Api \(its stages: v1\)",
    ),
    "secure api name contradicting": (
        calls(
            lambda m, s: m.monitor_rest_api(
                SecureApi(s, "Orders", handler=function(s)), api_name="orders-api"
            )
        ),
        r"api_name='orders-api': contradicts the api's name",
    ),
    # --- alarm overrides the target cannot have
    "iterator age of a function without event source": (
        calls(
            lambda m, s: m.monitor_lambda_function(
                function(s), alarms={"iterator_age": settings(threshold=60000)}
            )
        ),
        r"alarms\['iterator_age'\]=AlarmSettings\(threshold=60000.*this function has no "
        r"iterator_age alarm.*its alarms are errors, error_rate, .*concurrent_executions: give "
        r"event_source_mapped=True",
    ),
    "iterator age with event_source_mapped=False": (
        calls(
            lambda m, s: m.monitor_lambda_function(
                function(s),
                event_source_mapped=False,
                alarms={"iterator_age": settings(threshold=60000)},
            )
        ),
        r"alarms\['iterator_age'\]=.*this function has no iterator_age alarm",
    ),
    "iterator age as levels": (
        calls(
            lambda m, s: m.monitor_lambda_function(
                function(s),
                alarms={
                    "iterator_age": AlarmLevels(
                        warning=settings(threshold=1000), critical=settings(threshold=5000)
                    )
                },
            )
        ),
        r"alarms\['iterator_age'\]=AlarmLevels.*this function has no iterator_age alarm",
    ),
    "free storage of an aurora cluster": (
        calls(
            lambda m, s: m.monitor_database(
                cluster(s), alarms={"free_storage": settings(threshold=1)}
            )
        ),
        r"alarms\['free_storage'\]=.*this database has no free_storage alarm \(its condition: "
        r"an RDS instance.*its alarms are cpu, connections, read_iops, write_iops, "
        r"deadlocks",
    ),
    "deadlocks of an rds instance": (
        calls(
            lambda m, s: m.monitor_database(
                imported_instance(s), label="db", alarms={"deadlocks": settings(threshold=1)}
            )
        ),
        r"alarms\['deadlocks'\]=.*this database has no deadlocks alarm.*an Aurora cluster",
    ),
    "free storage percent without allocated storage": (
        calls(
            lambda m, s: m.monitor_database(
                imported_instance(s),
                label="db",
                alarms={"free_storage_percent": settings(threshold=20)},
            )
        ),
        r"alarms\['free_storage_percent'\]=.*has no free_storage_percent alarm.*give "
        r"allocated_storage_gib",
    ),
    "replica lag of a primary": (
        calls(
            lambda m, s: m.monitor_database(
                imported_instance(s), label="db", alarms={"replica_lag": settings(threshold=60)}
            )
        ),
        r"alarms\['replica_lag'\]=.*this database has no replica_lag alarm",
    ),
    "acu utilization of a provisioned cluster": (
        calls(
            lambda m, s: m.monitor_database(
                cluster(s), alarms={"acu_utilization": settings(threshold=50)}
            )
        ),
        r"alarms\['acu_utilization'\]=.*no acu_utilization alarm.*Serverless v2",
    ),
    "cpu credits of non-burstable nat instances": (
        calls(
            lambda m, s: m.monitor_nat_instances(
                nat_instance_ids=[INSTANCE], alarms={"cpu_credit_balance": settings(threshold=10)}
            )
        ),
        r"alarms\['cpu_credit_balance'\]=.*these NAT instances have no cpu_credit_balance "
        r"alarm.*its alarms are status_check_failed, cpu_utilization: give burstable=True",
    ),
    "misspelt alarm key": (
        calls(lambda m, s: m.monitor_lambda_function(function(s), alarms={"error": settings()})),
        r"alarms\['error'\]=.*is not an alarm of the lambda pack; alarms are errors, error_rate",
    ),
    # --- metrics an alarm cannot watch
    "metric of another region": (
        custom(metric=metric(region="us-east-1")),
        r"metric.region='us-east-1': is the region of metric 'Placed', and this "
        r"ServiceMonitoring is in 'eu-west-1'",
    ),
    "metric of a function in another region": (
        lambda s: monitoring(s).monitor_metric(
            function(other_stack(s)).metric_errors(), label="errors", threshold=1
        ),
        r"metric.region='us-east-1': is the region of metric 'Errors'",
    ),
    "math expression over a metric of another region": (
        custom(
            metric=cw.MathExpression(
                expression="m * 2", using_metrics={"m": metric(region="us-east-1")}
            )
        ),
        r"metric.region='us-east-1': is the region of metric 'Placed'",
    ),
    "math expression searching another region": (
        custom(metric=expression("m0 + 1", search_region="us-east-1")),
        r"metric.search_region='us-east-1': cannot be given on a metric an alarm watches",
    ),
    "search expression": (
        custom(
            metric=cw.MathExpression(
                expression="SEARCH('{AWS/Lambda,FunctionName} Errors', 'Sum', 300)",
                using_metrics={},
            )
        ),
        r"metric.expression=\"SEARCH\('\{AWS/Lambda,FunctionName\} Errors', 'Sum', 300\)\": "
        r"uses SEARCH, which CloudWatch alarms cannot evaluate",
    ),
    "search inside a function": (
        custom(
            metric=cw.MathExpression(
                expression="MAX(search('{AWS/Lambda} Errors', 'Sum', 300))", using_metrics={}
            )
        ),
        r"metric.expression=.*search\(.*uses SEARCH",
    ),
    "wildcard dimension": (
        custom(metric=metric(dimensions_map={"FunctionName": "*"})),
        r"metric.dimensions\['FunctionName'\]='\*': is a wildcard, and an alarm matches "
        r"dimensions exactly",
    ),
    "wildcard dimension inside a math expression": (
        custom(
            metric=cw.MathExpression(
                expression="m * 2", using_metrics={"m": metric(dimensions_map={"Queue": "*"})}
            )
        ),
        r"metric.dimensions\['Queue'\]='\*': is a wildcard",
    ),
    "math expression of 11 metrics": (
        custom(metric=expression("+".join(f"m{i}" for i in range(11)), count=11)),
        r"metric='a math expression of 11 metrics': CloudWatch alarms allow at most 10 metrics",
    ),
    "nested math expressions of 12 metrics": (
        custom(
            metric=cw.MathExpression(
                expression="a + b",
                using_metrics={"a": expression("m0", count=6), "b": expression("m0", count=6)},
            )
        ),
        r"metric='a math expression of 12 metrics'",
    ),
    "period contradicting the metric's own": (
        custom(metric=metric(period=Duration.hours(1)), period=Duration.minutes(1)),
        r"period='1 minute': contradicts the metric's own period \(1 hour\)",
    ),
    "metric period of 1 second": (
        custom(metric=metric(period=Duration.seconds(1))),
        r"metric.period='1 second': must be from 10 seconds to 1 day for an alarm: give period=",
    ),
    # --- targets of the wrong kind
    "bucket to monitor_lambda_function": (
        wrongly(lambda m, s: m.monitor_lambda_function(s3.Bucket(s, "B"))),
        r"function=.*Bucket.*: must be an aws_lambda.IFunction",
    ),
    "queue to monitor_lambda_function": (
        wrongly(lambda m, s: m.monitor_lambda_function(sqs.Queue(s, "Q"))),
        r"function='S/Q': is a Queue, which no pack watches: alarm on one of its metrics",
    ),
    "monitored function instead of its alias": (
        wrongly(
            lambda m, s: m.monitor_lambda_function(
                MonitoredFunction(s, "Orders", code=CODE, handler="index.handler")
            )
        ),
        r"function='S/Orders': is a MonitoredFunction, not for monitor_lambda_function: give "
        r"its .alias",
    ),
    "secure api to monitor_lambda_function": (
        wrongly(
            lambda m, s: m.monitor_lambda_function(SecureApi(s, "Orders", handler=function(s)))
        ),
        r"function='S/Orders': is a SecureApi, not for monitor_lambda_function: monitor it "
        r"with monitor_rest_api",
    ),
    "function to monitor_rest_api": (
        wrongly(lambda m, s: m.monitor_rest_api(function(s))),
        r"api='S/F': is a Lambda function, not for monitor_rest_api: monitor it with "
        r"monitor_lambda_function",
    ),
    "spec rest api to monitor_rest_api": (
        wrongly(
            lambda m, s: m.monitor_rest_api(
                apigw.SpecRestApi(
                    s,
                    "Spec",
                    api_definition=apigw.ApiDefinition.from_inline(
                        {"openapi": "3.0.0", "paths": {}}
                    ),
                )
            )
        ),
        r"api='S/Spec': is a REST API that is not an apigateway.RestApi.*"
        r"monitor_rest_api\(api_name=..., stage_name=...\)",
    ),
    "function to monitor_database": (
        wrongly(lambda m, s: m.monitor_database(function(s))),
        r"database='S/F': is a Lambda function, not for monitor_database",
    ),
    "database to monitor_nat_gateways": (
        wrongly(lambda m, s: m.monitor_nat_gateways(imported_instance(s))),
        r"vpc='S/Imported': is an RDS database, not for monitor_nat_gateways: monitor it with "
        r"monitor_database",
    ),
    "alarm to monitor_metric": (
        wrongly(
            lambda m, s: m.monitor_metric(
                cw.Alarm(s, "A", metric=metric(), threshold=1, evaluation_periods=1),
                label="a",
                threshold=1,
            )
        ),
        r"metric='S/A': is an alarm, not for monitor_metric: monitor_metric takes the "
        r"metric \(alarm.metric\)",
    ),
    "function to monitor_metric": (
        wrongly(lambda m, s: m.monitor_metric(function(s), label="f", threshold=1)),
        r"metric='S/F': is a Lambda function, not for monitor_metric: monitor it with "
        r"monitor_lambda_function, or alarm on one of its metrics \(function.metric_errors\(\)\)",
    ),
    # --- a target's own settings contradicted
    "timeout contradicting the function's": (
        calls(
            lambda m, s: m.monitor_lambda_function(
                function(s, timeout=Duration.seconds(10)), timeout=Duration.seconds(30)
            )
        ),
        r"timeout='30 seconds': contradicts the function's own timeout \(10 seconds\)",
    ),
    "timeout contradicting the alias's function": (
        calls(
            lambda m, s: m.monitor_lambda_function(
                lambda_.Alias(
                    s,
                    "Live",
                    alias_name="live",
                    version=function(s, timeout=Duration.seconds(10)).current_version,
                ),
                timeout=Duration.minutes(1),
            )
        ),
        r"timeout='1 minute': contradicts the function's own timeout \(10 seconds\)",
    ),
    "reserved concurrency contradicting the function's": (
        calls(
            lambda m, s: m.monitor_lambda_function(
                function(s, reserved_concurrent_executions=10), reserved_concurrency=100
            )
        ),
        r"reserved_concurrency=100: contradicts the function's reserved concurrency \(10\)",
    ),
    "allocated storage of an aurora cluster": (
        calls(lambda m, s: m.monitor_database(cluster(s), allocated_storage_gib=100)),
        r"allocated_storage_gib=100: is for an RDS instance: an Aurora cluster's storage",
    ),
    "allocated storage contradicting the instance's": (
        calls(
            lambda m, s: m.monitor_database(
                instance(s, allocated_storage=100), allocated_storage_gib=50
            )
        ),
        r"allocated_storage_gib=50: contradicts the instance's allocated storage \(100 GiB\)",
    ),
    # --- one target twice, one service twice
    "one function twice": (
        calls(
            lambda m, s: [
                handler := function(s),
                m.monitor_lambda_function(handler),
                m.monitor_lambda_function(handler, label="again"),
            ]
        ),
        r"function='S/F': is already monitored in this service, as 'F': monitor each resource "
        r"once",
    ),
    "the alias of a monitored function twice": (
        calls(
            lambda m, s: m.monitor_lambda_function(
                MonitoredFunction(
                    s, "Orders", code=CODE, handler="index.handler", monitoring=m
                ).alias,
                label="again",
            )
        ),
        r"function='S/Orders/Alias': is already monitored in this service, as 'Orders'",
    ),
    "one api stage twice": (
        calls(
            lambda m, s: [
                m.monitor_rest_api(api_name="orders-api", stage_name="prod"),
                m.monitor_rest_api(api_name="orders-api", stage_name="prod", label="again"),
            ]
        ),
        r"api=\('orders-api', 'prod'\): is already monitored in this service, as 'orders-api'",
    ),
    "one database twice": (
        calls(
            lambda m, s: [
                db := imported_instance(s),
                m.monitor_database(db, label="db"),
                m.monitor_database(db, label="again"),
            ]
        ),
        r"database='S/Imported': is already monitored in this service, as 'db'",
    ),
    "one nat gateway twice": (
        calls(
            lambda m, s: [
                m.monitor_nat_gateways(nat_gateway_ids=[GATEWAY]),
                m.monitor_nat_gateways(nat_gateway_ids=[GATEWAY], label="again"),
            ]
        ),
        r"nat gateway 1='nat-0123456789abcdef0': is already monitored in this service, as "
        r"'nat1'",
    ),
    "one nat instance twice": (
        calls(
            lambda m, s: [
                m.monitor_nat_instances(nat_instance_ids=[INSTANCE]),
                m.monitor_nat_instances(nat_instance_ids=[INSTANCE], label="again"),
            ]
        ),
        r"nat instance 1='i-0123456789abcdef0': is already monitored in this service, as "
        r"'nat1'",
    ),
    "two monitorings of one service": (
        lambda s: [monitoring(s), monitoring(s, "M2")],
        r"ServiceMonitoring\('M2'\): service_name='orders': is already the service of S/M in "
        r"stage dev",
    ),
    "one service in two stacks of one region": (
        lambda s: [monitoring(s), monitoring(Stack(app_of(s), "Second", env=HERE), "M2")],
        r"service_name='orders': is already the service of S/M",
    ),
    # --- targets and topics in another region
    "function of another region": (
        lambda s: monitoring(s).monitor_lambda_function(function(other_stack(s))),
        rf"function='There/F': {OTHER_REGION}: CloudWatch alarms watch metrics of their own "
        r"region only",
    ),
    "function imported from another region": (
        calls(
            lambda m, s: m.monitor_lambda_function(
                lambda_.Function.from_function_arn(
                    s, "I", "arn:aws:lambda:us-east-1:111111111111:function:orders"
                )
            )
        ),
        rf"function='S/I': {OTHER_REGION}",
    ),
    "api of another region": (
        lambda s: monitoring(s).monitor_rest_api(rest_api(other_stack(s))),
        rf"api='There/Api': {OTHER_REGION}",
    ),
    "database of another region": (
        lambda s: monitoring(s).monitor_database(imported_instance(other_stack(s))),
        rf"database='There/Imported': {OTHER_REGION}",
    ),
    "vpc of another region": (
        lambda s: monitoring(s).monitor_nat_gateways(StandardVpc(other_stack(s), "V")),
        rf"vpc='There/V': {OTHER_REGION}",
    ),
    "nat instances of another region": (
        lambda s: monitoring(s).monitor_nat_instances(
            StandardVpc(other_stack(s), "V", nat_instance_type="t4g.nano")
        ),
        rf"vpc='There/V': {OTHER_REGION}",
    ),
    "topic of another region": (
        lambda s: monitoring(s, alarm_topic=sns.Topic(other_stack(s), "T")),
        rf"alarm_topic='There/T': {OTHER_REGION}: CloudWatch alarms notify SNS topics of their "
        r"own region only",
    ),
    "alarm topic of another region": (
        lambda s: monitoring(
            s,
            critical_topic=AlarmTopic(other_stack(s), "T"),
            warning_topic=sns.Topic(s, "W"),
        ),
        rf"critical_topic='There/T': {OTHER_REGION}",
    ),
    "topic imported from another region": (
        lambda s: monitoring(
            s,
            alarm_topic=sns.Topic.from_topic_arn(
                s, "T", "arn:aws:sns:us-east-1:111111111111:alarms"
            ),
        ),
        rf"alarm_topic='S/T': {OTHER_REGION}",
    ),
    "alarm topic never used": (
        lambda s: monitoring(
            s,
            alarm_topic=sns.Topic(s, "A"),
            critical_topic=sns.Topic(s, "C"),
            warning_topic=sns.Topic(s, "W"),
        ),
        r"alarm_topic='S/A': is never used: critical_topic and warning_topic are both given",
    ),
    # --- AlarmTopic and the fleet search
    "alarm topic with the aws managed key": (
        lambda s: AlarmTopic(
            s, "T", encryption_key=kms.Alias.from_alias_name(s, "K", "alias/aws/sns")
        ),
        r"AlarmTopic\('T'\): encryption_key='alias/aws/sns': is an AWS managed key",
    ),
    "fleet search given as a whole expression": (
        calls(
            lambda m, s: m.add_fleet_search("Errors", "SEARCH('{AWS/Lambda} Errors', 'Sum', 300)")
        ),
        r"search=\"SEARCH\(.*\)\": is a whole SEARCH\(...\) expression: give only its search term",
    ),
    "slack ids swapped": (
        lambda s: AlarmTopic(
            s, "T", slack_workspace_id="C0123456789", slack_channel_id="T0123456789"
        ),
        r"slack_workspace_id='C0123456789': is a channel id and slack_channel_id='T0123456789' a "
        r"workspace id: swap them",
    ),
    "fleet search statistic misspelt": (
        calls(lambda m, s: m.add_fleet_search("Errors", "x", statistic="Mean")),
        r"statistic='Mean': must be a CloudWatch statistic",
    ),
    # --- wrong types and signs, everywhere (refused by the type checks)
    "threshold of the wrong sign": (
        custom(metric=metric(), threshold=-1),
        r"threshold=-1: must be finite and not negative",
    ),
    "threshold as text": (
        custom(metric=metric(), threshold="5"),
        r"threshold='5': must be a number",
    ),
    "period in seconds as a number": (
        custom(metric=metric(), period=300),
        r"period=300: must be a Duration or None",
    ),
    "severity as text": (
        custom(metric=metric(), severity="Critical"),
        r"severity='Critical': must be one of Severity.WARNING, Severity.CRITICAL",
    ),
    "comparison as text": (
        custom(metric=metric(), comparison=">"),
        r"comparison='>': must be an aws_cloudwatch.ComparisonOperator",
    ),
    "alarm overrides as a list": (
        wrongly(lambda m, s: m.monitor_lambda_function(function(s), alarms=[settings()])),
        r"alarms=\[AlarmSettings\(.*\)\]: must be a mapping of str",
    ),
    "alarm override as a dict": (
        wrongly(
            lambda m, s: m.monitor_lambda_function(function(s), alarms={"errors": {"threshold": 3}})
        ),
        r"alarms\['errors'\]=\{'threshold': 3\}: must be an AlarmSettings or an AlarmLevels",
    ),
    "warning level above critical": (
        calls(
            lambda m, s: m.monitor_lambda_function(
                function(s),
                alarms={
                    "errors": AlarmLevels(
                        warning=settings(threshold=10), critical=settings(threshold=1)
                    )
                },
            )
        ),
        r"alarms\['errors'\].warning.threshold=10: must be below the critical threshold \(1\)",
    ),
    "label with spaces": (
        calls(lambda m, s: m.monitor_lambda_function(function(s), label="order handler")),
        r"label='order handler': must be letters, digits",
    ),
    "dashboard range as a number": (
        lambda s: monitoring(s, dashboard_range=3),
        r"dashboard_range=3: must be a Duration or None",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_mistakes_are_refused_naming_the_values(case: str) -> None:
    build, pattern = INVALID[case]
    stack = Stack(make_app(), "S", env=HERE)
    with pytest.raises(ValidationError, match=pattern):
        build(stack)


def test_a_stage_other_than_the_stacks_is_refused(dev_config: EnvironmentConfig) -> None:
    class Service(AbstractStack):
        def initialize(self) -> None:
            monitoring(self, stage="production")

    with pytest.raises(
        ValidationError,
        match=r"ServiceMonitoring\('M'\): stage='production': contradicts the stage of the "
        r"AbstractStack it is in \(dev\)",
    ):
        Service(make_app(), "Service", config=dev_config)


def test_the_stacks_own_stage_is_accepted(dev_config: EnvironmentConfig) -> None:
    class Service(AbstractStack):
        def initialize(self) -> None:
            self.monitoring = monitoring(self, stage="dev")

    assert Service(make_app(), "Service", config=dev_config).monitoring.alarms == {}


def test_a_refused_cross_check_leaves_nothing_half_made() -> None:
    stack = Stack(make_app(), "S", env=HERE)
    m = monitoring(stack)
    handler = function(stack)
    with pytest.raises(ValidationError):
        m.monitor_lambda_function(handler, alarms={"iterator_age": settings(threshold=1)})
    with pytest.raises(ValidationError):
        m.monitor_metric(metric(region="us-east-1"), label="placed", threshold=1)
    assert m.alarms == {}
    assert m.resources == []
    m.monitor_lambda_function(handler)
    m.monitor_metric(metric(), label="placed", threshold=1)
    assert len(m.resources) == 2


# ----------------------------------------------------------------------------- accepted


def built(build: Callable[[ServiceMonitoring, Stack], Any]) -> dict[str, Any]:
    stack = Stack(make_app(), "S", env=HERE)
    build(monitoring(stack), stack)
    return find_resources(Template.from_stack(stack).to_json(), "AWS::CloudWatch::Alarm")


def test_another_stage_of_the_api_is_accepted() -> None:
    def build(m: ServiceMonitoring, s: Stack) -> None:
        api = rest_api(s)
        apigw.Stage(
            s, "Beta", deployment=apigw.Deployment(s, "Deployment", api=api), stage_name="beta"
        )
        m.monitor_rest_api(api, stage_name="beta")
        m.monitor_rest_api(api, api_name="orders-api", stage_name="prod", label="prod")

    alarms = built(build)
    stages = {
        dimension["Value"]
        for alarm in alarms.values()
        for dimension in alarm["Properties"].get("Dimensions", [])
        if dimension["Name"] == "Stage"
    }
    assert "beta" in stages


def test_an_imported_api_takes_any_names() -> None:
    alarms = built(lambda m, s: m.monitor_rest_api(api_name="legacy", stage_name="live"))
    assert alarms


def test_disabling_an_alarm_the_target_has_not_is_accepted() -> None:
    alarms = built(
        lambda m, s: m.monitor_lambda_function(
            function(s), alarms={"iterator_age": settings(enabled=False)}
        )
    )
    assert not any("iterator-age" in a["Properties"]["AlarmName"] for a in alarms.values())


def test_an_alarm_of_an_event_source_outside_the_app_is_accepted() -> None:
    alarms = built(
        lambda m, s: m.monitor_lambda_function(
            function(s), event_source_mapped=True, alarms={"iterator_age": settings(threshold=5)}
        )
    )
    ages = [a for a in alarms.values() if a["Properties"]["AlarmName"].endswith("-iterator-age")]
    assert [a["Properties"]["Threshold"] for a in ages] == [5]


def test_settings_that_agree_with_the_target_are_accepted() -> None:
    def build(m: ServiceMonitoring, s: Stack) -> None:
        m.monitor_lambda_function(
            function(s, timeout=Duration.seconds(10), reserved_concurrent_executions=10),
            timeout=Duration.seconds(10),
            reserved_concurrency=10,
        )
        m.monitor_database(instance(s, allocated_storage=100), allocated_storage_gib=100)

    assert built(build)


def test_the_metric_period_is_the_alarm_period() -> None:
    def build(m: ServiceMonitoring, s: Stack) -> None:
        m.monitor_metric(metric(period=Duration.hours(1)), label="hourly", threshold=1)
        m.monitor_metric(
            metric(period=Duration.hours(1)), label="same", threshold=1, period=Duration.hours(1)
        )
        m.monitor_metric(metric(), label="given", threshold=1, period=Duration.minutes(1))
        m.monitor_metric(
            expression("m0 * 2"), label="math", threshold=1, period=Duration.minutes(1)
        )

    periods = {}
    for alarm in built(build).values():
        properties = alarm["Properties"]
        name = properties["AlarmName"].split("-")[2]
        if "Period" in properties:
            periods[name] = properties["Period"]
        else:
            stats = [q["MetricStat"]["Period"] for q in properties["Metrics"] if "MetricStat" in q]
            periods[name] = stats[0]
    assert periods == {"hourly": 3600, "same": 3600, "given": 60, "math": 60}


def test_ten_metrics_are_accepted() -> None:
    alarms = built(
        lambda m, s: m.monitor_metric(
            expression("+".join(f"m{i}" for i in range(10)), count=10), label="sum", threshold=1
        )
    )
    assert len(alarms) == 1


def test_one_service_in_two_regions_without_dashboards_is_accepted() -> None:
    app = make_app()
    here, there = Stack(app, "Here", env=HERE), Stack(app, "There", env=THERE)
    monitoring(here, dashboards=False)
    monitoring(there, dashboards=False)


def test_one_service_in_two_accounts_is_accepted() -> None:
    app = make_app()
    monitoring(Stack(app, "A", env=HERE))
    monitoring(Stack(app, "B", env=Environment(account="222222222222", region="eu-west-1")))


def test_one_service_in_two_apps_is_accepted() -> None:
    monitoring(Stack(make_app(), "S", env=HERE))
    monitoring(Stack(make_app(), "S", env=HERE))


def test_a_function_and_its_alias_are_two_targets() -> None:
    def build(m: ServiceMonitoring, s: Stack) -> None:
        handler = function(s)
        m.monitor_lambda_function(handler)
        m.monitor_lambda_function(
            lambda_.Alias(s, "Live", alias_name="live", version=handler.current_version),
            label="live",
        )

    assert built(build)
