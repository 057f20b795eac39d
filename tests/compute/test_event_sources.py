"""Event sources on a MonitoredFunction go through its alias, where the release guards them."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from org_constructs import MonitoredFunction
from org_constructs.testing import find_resources, template_json
from tests.support import make_app

CODE = lambda_.Code.from_inline("def handler(event, context): pass")


def worker() -> tuple[Stack, MonitoredFunction, sqs.Queue]:
    stack = Stack(make_app(), "Worker")
    function = MonitoredFunction(stack, "Orders", code=CODE, handler="index.handler")
    return stack, function, sqs.Queue(stack, "Jobs", enforce_ssl=True)


def test_a_source_on_the_function_fails_synthesis_naming_the_fix() -> None:
    stack, function, queue = worker()
    function.function.add_event_source(sources.SqsEventSource(queue))
    with pytest.raises(Exception, match=r"bypasses the canary.*monitored.alias.add_event_source"):
        Template.from_stack(stack)


def test_a_source_on_the_alias_is_accepted() -> None:
    stack, function, queue = worker()
    function.alias.add_event_source(sources.SqsEventSource(queue))
    template = template_json(Template.from_stack(stack))
    (mapping,) = find_resources(template, "AWS::Lambda::EventSourceMapping").values()
    alias = stack.resolve(function.alias.function_arn)["Ref"]
    assert alias in json.dumps(mapping["Properties"]["FunctionName"])


def test_monitoring_of_another_region_is_refused_before_the_function_is_made() -> None:
    from aws_cdk import Environment

    from org_constructs import AlarmTopic, ServiceMonitoring
    from org_constructs.errors import ValidationError

    app = make_app()
    east = Stack(app, "East", env=Environment(account="111111111111", region="us-east-1"))
    west = Stack(app, "West", env=Environment(account="111111111111", region="eu-west-1"))
    topic = AlarmTopic(east, "Alarms")
    monitoring = ServiceMonitoring(
        east, "Monitoring", service_name="orders", stage="dev", alarm_topic=topic
    )
    with pytest.raises(ValidationError, match=r"eu-west-1.*us-east-1|us-east-1.*eu-west-1"):
        MonitoredFunction(west, "Orders", code=CODE, handler="index.handler", monitoring=monitoring)
    assert west.node.try_find_child("Orders") is None


@pytest.mark.parametrize("runbook", [None, "https://wiki.example.com/runbooks/orders"])
def test_rollback_alarms_link_the_runbook_of_the_monitoring(runbook: str | None) -> None:
    from org_constructs import AlarmTopic, ServiceMonitoring

    stack = Stack(make_app(), "Runbook")
    topic = AlarmTopic(stack, "Alarms")
    monitoring = ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="orders",
        stage="dev",
        alarm_topic=topic,
        runbook_url=runbook,
    )
    MonitoredFunction(stack, "Orders", code=CODE, handler="index.handler", monitoring=monitoring)
    alarms = find_resources(template_json(Template.from_stack(stack)), "AWS::CloudWatch::Alarm")
    rollback = {
        a["Properties"]["AlarmName"]: a["Properties"]["AlarmDescription"]
        for a in alarms.values()
        if "-rollback-" in a["Properties"]["AlarmName"]
    }
    assert len(rollback) == 4
    base = runbook or "https://github.com/org-constructs/org-constructs/blob/"
    errors = rollback["dev-orders-Orders-rollback-errors"]  # the monitoring's stage
    assert errors.startswith("[Critical] Rolls back a deployment")
    assert f"Runbook: {base}" in errors
    assert errors.endswith("#lambda-errors")
    assert rollback["dev-orders-Orders-rollback-duration-p99"].endswith("#lambda-duration-p99")


def test_add_event_source_on_the_construct_maps_to_the_alias() -> None:
    stack, function, queue = worker()
    function.add_event_source(sources.SqsEventSource(queue))
    template = template_json(Template.from_stack(stack))
    (mapping,) = find_resources(template, "AWS::Lambda::EventSourceMapping").values()
    alias = stack.resolve(function.alias.function_arn)["Ref"]
    assert alias in json.dumps(mapping["Properties"]["FunctionName"])


def test_what_the_app_adds_to_the_role_is_not_covered_by_the_librarys_acknowledgement() -> None:
    """aws-cdk-lib merges statements on the same resources: the app's Resource '*' goes to a
    policy of its own, where the gate still reports it."""
    from aws_cdk import aws_iam as iam

    from org_constructs.compliance import nag_findings

    stack, function, queue = worker()
    function.function.add_to_role_policy(
        iam.PolicyStatement(actions=["dynamodb:Scan", "sqs:SendMessage"], resources=["*"])
    )
    function.add_event_source(sources.SqsEventSource(queue))
    findings = [f for f in nag_findings(stack) if f.rule_id.startswith("AwsSolutions-IAM5")]
    assert [f.construct_path for f in findings] == ["Worker/Orders/Role/AppPolicy/Resource"]
    assert findings[0].rule_id == "AwsSolutions-IAM5[Resource::*]"
    template = template_json(Template.from_stack(stack))
    policies = find_resources(template, "AWS::IAM::ManagedPolicy")
    library = next(p for k, p in policies.items() if k.startswith("OrdersRolePolicy"))
    assert "dynamodb:Scan" not in json.dumps(library), "the library's policy holds only its own"


def test_monitoring_an_alias_labels_it_after_its_monitored_function() -> None:
    from org_constructs import AlarmTopic, ServiceMonitoring

    stack = Stack(make_app(), "Labels")
    monitoring = ServiceMonitoring(
        stack, "Monitoring", service_name="orders", stage="dev", alarm_topic=AlarmTopic(stack, "A")
    )
    first = MonitoredFunction(stack, "Orders", code=CODE, handler="index.handler")
    second = MonitoredFunction(stack, "Billing", code=CODE, handler="index.handler")
    assert monitoring.monitor_lambda_function(first.alias).label == "Orders"
    assert monitoring.monitor_lambda_function(second.alias).label == "Billing"
