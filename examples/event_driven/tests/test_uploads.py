"""The uploads service of every environment: the path of an upload, least privilege, alarms
with real dimensions, and its snapshot."""

from typing import Any

from stacks import UploadsStack
from syrupy.assertion import SnapshotAssertion

from org_constructs.testing import (
    assert_no_open_ingress,
    assert_no_wildcard_dimensions,
    assert_no_wildcard_iam,
    find_resources,
    template_of,
)


def only(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    assert len(resources) == 1, sorted(resources)
    return next(iter(resources.values()))


def test_uploads_notify_the_queue_the_worker_reads(uploads_stack: UploadsStack) -> None:
    template = template_of(uploads_stack)
    notification = only(find_resources(template, "Custom::S3BucketNotifications"))
    queues = notification["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert [q["Events"] for q in queues] == [["s3:ObjectCreated:*"]]
    mapping = only(find_resources(template, "AWS::Lambda::EventSourceMapping"))
    assert queues[0]["QueueArn"] == mapping["Properties"]["EventSourceArn"]
    # The worker's alias reads the queue: each release is a canary.
    assert "Alias" in str(mapping["Properties"]["FunctionName"])


def test_the_archive_runs_every_night(uploads_stack: UploadsStack) -> None:
    template = template_of(uploads_stack)
    (rule,) = [
        rule
        for rule in find_resources(template, "AWS::Events::Rule").values()
        if "ScheduleExpression" in rule["Properties"]
    ]
    assert rule["Properties"]["ScheduleExpression"] == "cron(0 2 * * ? *)"
    machines = find_resources(template, "AWS::StepFunctions::StateMachine")
    assert [target["Arn"] for target in rule["Properties"]["Targets"]] == [
        {"Ref": logical_id} for logical_id in machines
    ]


def test_the_api_serves_https_outside_dev(uploads_stack: UploadsStack) -> None:
    template = template_of(uploads_stack)
    listeners = find_resources(template, "AWS::ElasticLoadBalancingV2::Listener").values()
    protocols = {listener["Properties"]["Protocol"] for listener in listeners}
    service = only(find_resources(template, "AWS::ECS::Service"))
    if uploads_stack.config.stage.value == "dev":
        assert protocols == {"HTTP"}
        assert service["Properties"]["DesiredCount"] == 1
    else:
        assert protocols == {"HTTP", "HTTPS"}  # HTTP redirects to HTTPS
        assert service["Properties"]["DesiredCount"] >= 2
        assert service["Properties"]["DeploymentConfiguration"]["Strategy"] == "CANARY"


def test_the_api_has_both_objectives(uploads_stack: UploadsStack) -> None:
    composites = find_resources(template_of(uploads_stack), "AWS::CloudWatch::CompositeAlarm")
    rules = " ".join(str(alarm["Properties"]["AlarmRule"]) for alarm in composites.values())
    assert "availability" in rules
    assert "latency" in rules


def test_least_privilege(uploads_stack: UploadsStack) -> None:
    # The acknowledged archive/* of the nightly workflow is the only object pattern.
    assert_no_wildcard_iam(template_of(uploads_stack))


def test_no_open_ports(uploads_stack: UploadsStack) -> None:
    assert_no_open_ingress(template_of(uploads_stack), allowed_ports=[80, 443])


def test_every_alarm_has_real_dimensions(uploads_stack: UploadsStack) -> None:
    assert_no_wildcard_dimensions(template_of(uploads_stack))


def test_snapshot(uploads_stack: UploadsStack, cfn_snapshot: SnapshotAssertion) -> None:
    # Record with `pytest --snapshot-update`, then review the JSON files like code.
    assert template_of(uploads_stack) == cfn_snapshot
