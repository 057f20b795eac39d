"""The alarm factory, alarm records, warning and critical levels, and the pack registry."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from org_constructs import (
    AlarmSettings,
    MonitoredFunction,
    ServiceMonitoring,
    Severity,
    ValidationError,
)
from org_constructs.monitoring import (
    ALARM_CATALOGUE,
    AlarmLevels,
    MonitoredAlarm,
    MonitoredResource,
)
from org_constructs.monitoring._packs import PACKS
from org_constructs.testing import find_resources
from tests.support import make_app

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")
LT = cw.ComparisonOperator.LESS_THAN_THRESHOLD
GT = cw.ComparisonOperator.GREATER_THAN_THRESHOLD


def function(stack: Stack) -> lambda_.Function:
    return lambda_.Function(
        stack,
        "Handler",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=CODE,
        timeout=Duration.seconds(10),
    )


def monitoring(stack: Stack) -> tuple[ServiceMonitoring, sns.Topic, sns.Topic]:
    critical = sns.Topic(stack, "Pager")
    warning = sns.Topic(stack, "Tickets")
    service = ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="orders",
        stage="dev",
        critical_topic=critical,
        warning_topic=warning,
    )
    return service, critical, warning


def alarms_by_name(template: Template) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in find_resources(template, "AWS::CloudWatch::Alarm").values()
    }


def topic_ref(stack: Stack, topic: sns.Topic) -> Any:
    return stack.resolve(topic.topic_arn)


@pytest.fixture(scope="module")
def levels() -> tuple[Stack, ServiceMonitoring, MonitoredResource, sns.Topic, sns.Topic]:
    stack = Stack(make_app(), "Levels")
    service, critical, warning = monitoring(stack)
    resource = service.monitor_lambda_function(
        function(stack),
        alarms={
            "error_rate": AlarmLevels(
                warning=AlarmSettings(threshold=1),
                critical=AlarmSettings(threshold=5, evaluation_periods=2),
            ),
            "duration_p90": AlarmLevels(
                warning=AlarmSettings(threshold=50), critical=AlarmSettings(threshold=80)
            ),
        },
    )
    return stack, service, resource, critical, warning


class TestLevels:
    def test_two_alarms_on_one_metric_named_by_level(self, levels: Any) -> None:
        stack, _, resource, _, _ = levels
        alarms = alarms_by_name(Template.from_stack(stack))
        assert "dev-orders-Handler-error-rate" not in alarms
        warning = alarms["dev-orders-Handler-error-rate-warning"]
        critical = alarms["dev-orders-Handler-error-rate-critical"]
        assert (warning["Threshold"], critical["Threshold"]) == (1, 5)
        assert (warning["EvaluationPeriods"], critical["EvaluationPeriods"]) == (3, 2)
        assert warning["Metrics"] == critical["Metrics"], "the same error-rate expression"
        assert warning["AlarmDescription"].startswith("[Warning]")
        assert critical["AlarmDescription"].startswith("[Critical]")
        assert {"error_rate_warning", "error_rate_critical"} <= set(resource.alarms)
        assert "error_rate" not in resource.alarms

    def test_percent_of_timeout_levels_are_scaled_each(self, levels: Any) -> None:
        stack, *_ = levels
        alarms = alarms_by_name(Template.from_stack(stack))
        # 50% and 80% of the 10-second timeout, in milliseconds.
        assert alarms["dev-orders-Handler-duration-p90-warning"]["Threshold"] == 5000
        assert alarms["dev-orders-Handler-duration-p90-critical"]["Threshold"] == 8000

    def test_each_level_is_routed_by_its_severity(self, levels: Any) -> None:
        stack, _, _, critical, warning = levels
        alarms = alarms_by_name(Template.from_stack(stack))
        for level, topic in (("warning", warning), ("critical", critical)):
            props = alarms[f"dev-orders-Handler-error-rate-{level}"]
            assert props["AlarmActions"] == [topic_ref(stack, topic)]
            assert props["OKActions"] == [topic_ref(stack, topic)]

    def test_only_the_critical_level_feeds_the_composite(self, levels: Any) -> None:
        stack, service, *_ = levels
        names = [r.name for r in service.alarm_records if r.severity is Severity.CRITICAL]
        assert "dev-orders-Handler-error-rate-critical" in names
        assert "dev-orders-Handler-error-rate-warning" not in names
        (composite,) = find_resources(
            Template.from_stack(stack), "AWS::CloudWatch::CompositeAlarm"
        ).values()
        rule = str(stack.resolve(composite["Properties"]["AlarmRule"]))
        assert "error-rate-critical" in rule
        assert "error-rate-warning" not in rule

    @pytest.mark.parametrize(
        ("levels", "message"),
        [
            (
                AlarmLevels(
                    warning=AlarmSettings(threshold=5), critical=AlarmSettings(threshold=5)
                ),
                r"alarms\['error_rate'\]\.warning\.threshold=5: must be below the critical",
            ),
            (
                AlarmLevels(
                    warning=AlarmSettings(threshold=1),
                    critical=AlarmSettings(threshold=5, comparison=LT),
                ),
                r"alarms\['error_rate'\]\.critical\.comparison=.*same direction",
            ),
        ],
    )
    def test_levels_in_the_wrong_order_are_refused(self, levels: AlarmLevels, message: str) -> None:
        stack = Stack(make_app(), "Bad")
        service, _, _ = monitoring(stack)
        handler = function(stack)
        before = len(stack.node.find_all())
        with pytest.raises(ValidationError, match=message):
            service.monitor_lambda_function(handler, alarms={"error_rate": levels})
        assert not service.resources, "nothing half-made"
        assert len(stack.node.find_all()) == before

    def test_a_falling_metric_warns_above_the_critical_level(self) -> None:
        stack = Stack(make_app(), "Storage")
        service, _, _ = monitoring(stack)
        metric = cw.Metric(namespace="Orders", metric_name="Backlog")
        resource = service.monitor_metric(metric, label="backlog", threshold=1)
        assert resource.records["alarm"].entry is ALARM_CATALOGUE["custom"]["custom"]
        with pytest.raises(ValidationError, match=r"warning\.threshold=.*must be above"):
            service.monitor_database(
                _instance(stack),
                alarms={
                    "free_storage": AlarmLevels(
                        warning=AlarmSettings(threshold=5 * 1024**3),
                        critical=AlarmSettings(threshold=10 * 1024**3),
                    )
                },
            )

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (
                {"warning": AlarmSettings(enabled=False), "critical": AlarmSettings()},
                r"AlarmLevels: warning\.enabled=False: cannot be False",
            ),
            (
                {"warning": AlarmSettings(severity=Severity.CRITICAL), "critical": AlarmSettings()},
                r"AlarmLevels: warning\.severity=.*is the level's",
            ),
            ({"warning": AlarmSettings(), "critical": 5}, r"AlarmLevels: critical=5: must be"),
        ],
    )
    def test_bad_levels_are_refused(self, arguments: dict[str, Any], message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            AlarmLevels(**arguments)

    def test_an_override_of_another_type_names_both(self) -> None:
        stack = Stack(make_app(), "Type")
        service, _, _ = monitoring(stack)
        with pytest.raises(
            ValidationError,
            match=r"alarms\['errors'\]=5: must be an AlarmSettings or an AlarmLevels",
        ):
            service.monitor_lambda_function(function(stack), alarms={"errors": 5})  # type: ignore[dict-item]


def _instance(stack: Stack) -> Any:
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_rds as rds

    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    return rds.DatabaseInstance(
        stack,
        "Db",
        engine=rds.DatabaseInstanceEngine.POSTGRES,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        allocated_storage=20,
    )


class TestRecords:
    def test_every_alarm_has_a_record_with_what_it_is(self) -> None:
        stack = Stack(make_app(), "Records")
        service, _, _ = monitoring(stack)
        resource = service.monitor_lambda_function(function(stack))
        records = service.alarm_records
        assert [r.alarm for r in records] == list(resource.alarms.values())
        for record in records:
            assert isinstance(record, MonitoredAlarm)
            assert record.label == "Handler"
            assert record.entry is ALARM_CATALOGUE["lambda"][record.key]
            assert record.severity is record.entry.severity
            assert resource.records[record.key] is record
        assert service.critical_alarms == [
            r.alarm for r in records if r.severity is Severity.CRITICAL
        ]
        assert service.alarms == {r.name: r.alarm for r in records}

    def test_a_severity_override_moves_the_alarm_between_routes_and_the_composite(self) -> None:
        stack = Stack(make_app(), "Moved")
        service, critical, _ = monitoring(stack)
        resource = service.monitor_lambda_function(
            function(stack), alarms={"errors": AlarmSettings(severity=Severity.CRITICAL)}
        )
        assert resource.records["errors"].severity is Severity.CRITICAL
        assert resource.alarms["errors"] in service.critical_alarms
        props = alarms_by_name(Template.from_stack(stack))["dev-orders-Handler-errors"]
        assert props["AlarmActions"] == [topic_ref(stack, critical)]


class TestRollbackAlarms:
    """Rollback alarms go through the same factory, so every override reaches them."""

    def rollback(self, **overrides: AlarmSettings) -> dict[str, dict[str, Any]]:
        stack = Stack(make_app(), "Rollback")
        topic = sns.Topic(stack, "Alarms")
        MonitoredFunction(
            stack,
            "Orders",
            code=CODE,
            handler="index.handler",
            alarm_topic=topic,
            rollback_alarms=overrides,
        )
        return alarms_by_name(Template.from_stack(stack))

    def test_defaults_are_critical_and_treat_missing_data_as_fine(self) -> None:
        alarms = self.rollback()
        for key in ("errors", "error-rate", "throttles", "duration-p99"):
            props = alarms[f"default-Rollback-Orders-rollback-{key}"]
            assert props["AlarmDescription"].startswith("[Critical] Rolls back a deployment")
            assert props["TreatMissingData"] == "notBreaching"

    def test_treat_missing_data_and_severity_overrides_are_kept(self) -> None:
        alarms = self.rollback(
            errors=AlarmSettings(
                treat_missing_data=cw.TreatMissingData.BREACHING, severity=Severity.WARNING
            ),
            duration_p99=AlarmSettings(threshold=50, treat_missing_data=cw.TreatMissingData.IGNORE),
        )
        errors = alarms["default-Rollback-Orders-rollback-errors"]
        assert errors["TreatMissingData"] == "breaching"
        assert errors["AlarmDescription"].startswith("[Warning] Rolls back a deployment")
        duration = alarms["default-Rollback-Orders-rollback-duration-p99"]
        assert duration["TreatMissingData"] == "ignore"
        assert duration["Threshold"] == 15000  # 50% of the 30-second default timeout

    def test_levels_are_refused_for_rollback_alarms(self) -> None:
        stack = Stack(make_app(), "RollbackLevels")
        with pytest.raises(
            ValidationError,
            match=r"rollback_alarms\['errors'\]=AlarmLevels\(.*must be an AlarmSettings$",
        ):
            MonitoredFunction(
                stack,
                "Orders",
                code=CODE,
                handler="index.handler",
                rollback_alarms={
                    "errors": AlarmLevels(  # type: ignore[dict-item]
                        warning=AlarmSettings(threshold=1), critical=AlarmSettings(threshold=5)
                    )
                },
            )
        assert not stack.node.try_find_child("Orders")


def test_the_catalogue_is_the_registered_packs_rows_in_order() -> None:
    assert list(ALARM_CATALOGUE) == list(PACKS)
    assert list(PACKS)[:6] == ["lambda", "api", "database", "nat", "nat_instance", "custom"]
    for name, pack in PACKS.items():
        assert name == pack.name
        assert ALARM_CATALOGUE[name] is pack.catalogue
        assert all(key == row.key for key, row in pack.catalogue.items())
        assert callable(pack.check), f"the {name} pack has no check function"
        assert callable(getattr(ServiceMonitoring, pack.method)), f"no {pack.method} for {name}"


def test_a_monitored_resource_costs_a_few_kernel_requests_whatever_its_alarms() -> None:
    """Each alarm, metric and widget of a ``monitor_*`` call is made in one jsii request with
    the others (``_internal.kernel``): the requests do not grow with the alarms."""
    from tests.internal.test_kernel import counted

    stack = Stack(make_app(), "Requests")
    topic = sns.Topic(stack, "Alarms")
    functions = [
        lambda_.Function(
            stack,
            f"Fn{index}",
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=CODE,
        )
        for index in range(6)
    ]
    monitoring = ServiceMonitoring(
        stack, "Monitoring", service_name="orders", alarm_topic=topic, stage="dev"
    )
    monitoring.monitor_lambda_function(functions[0])  # the composite alarm comes first
    with counted() as requests:
        for function_ in functions[1:]:
            monitoring.monitor_lambda_function(function_)
    alarms = len(monitoring.alarm_records) - len(monitoring.resources[0].records)
    assert alarms == 5 * 6
    # A few requests per function (one reads it, one makes its scope, alarms, metrics and
    # widgets), never one per alarm: 30 alarms here.
    assert requests[0] <= 3 * 5, requests[0]
