"""The kernel program: aws-cdk-lib calls recorded in Python, made in one jsii request."""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jsii
import pytest
from aws_cdk import App, CfnResource, Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from org_constructs._internal import kernel
from org_constructs._internal.kernel import Program, enum, seconds

REQUESTS = ("create", "get", "set", "sget", "sset", "invoke", "sinvoke")


@contextmanager
def counted() -> Iterator[list[int]]:
    """The jsii requests made inside the block (as generated bindings make them)."""
    count = [0]
    originals = {name: getattr(jsii, name) for name in REQUESTS}

    def wrap(original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            count[0] += 1
            return original(*args, **kwargs)

        return call

    for name, original in originals.items():
        setattr(jsii, name, wrap(original))
    try:
        yield count
    finally:
        for name, original in originals.items():
            setattr(jsii, name, original)


def alarm_properties(stack: Stack) -> dict[str, Any]:
    [alarm] = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    return dict(alarm["Properties"])


def test_a_program_makes_what_the_same_calls_make_in_python() -> None:
    app = App()
    by_hand, by_program = Stack(app, "ByHand"), Stack(app, "ByProgram")
    for stack in (by_hand, by_program):
        sns.Topic(stack, "Topic")
    hand_topic = by_hand.node.find_child("Topic")
    alarm = cw.Alarm(
        by_hand,
        "Alarm",
        alarm_name="dev-orders-errors",
        metric=cw.Metric(
            namespace="AWS/Lambda",
            metric_name="Errors",
            dimensions_map={"FunctionName": "orders"},
            statistic="Sum",
            period=Duration.minutes(1),
        ),
        threshold=1,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
    )
    alarm.add_alarm_action(cw_actions.SnsAction(hand_topic))  # type: ignore[arg-type]

    program = Program()
    metric = program.new(
        "aws_cloudwatch.Metric",
        {
            "namespace": "AWS/Lambda",
            "metricName": "Errors",
            "dimensionsMap": {"FunctionName": "orders"},
            "statistic": "Sum",
            "period": seconds(60),
            "label": None,
        },
    )
    made = program.new(
        "aws_cloudwatch.Alarm",
        by_program,
        "Alarm",
        {
            "alarmName": "dev-orders-errors",
            "metric": metric,
            "threshold": 1,
            "evaluationPeriods": 3,
            "datapointsToAlarm": 2,
            "treatMissingData": enum("aws_cloudwatch.TreatMissingData.NOT_BREACHING"),
        },
    )
    program.call(
        made,
        "addAlarmAction",
        cw_actions.SnsAction(by_program.node.find_child("Topic")),  # type: ignore[arg-type]
    )
    program.result(made)
    with counted() as requests:
        [result] = program.run()
    assert requests[0] == 1
    assert isinstance(result, cw.Alarm)
    assert alarm_properties(by_program) == alarm_properties(by_hand)
    assert alarm_properties(by_program)["Period"] == 60


def test_reads_come_back_in_one_request_and_nothing_reads_as_none() -> None:
    stack = Stack(App(), "Reads")
    topic = sns.Topic(stack, "Topic")
    program = Program()
    node = program.get(topic, "node")
    missing = program.get(program.get(topic, "noSuchProperty"), "id")
    with counted() as requests:
        node_id, nothing, later = program.read(
            program.get(node, "id"), missing, program.call_if(missing, "toMilliseconds")
        )
    assert requests[0] == 1
    assert (node_id, nothing, later) == ("Topic", None, None)


def test_the_operations_find_stacks_and_resources_and_append_metadata() -> None:
    app = App()
    stack = Stack(app, "Ops")
    topic = sns.Topic(stack, "Topic")
    alarm = cw.Alarm(
        stack,
        "Alarm",
        metric=cw.Metric(namespace="N", metric_name="M"),
        threshold=1,
        evaluation_periods=1,
    )
    program = Program()
    resource = topic.node.default_child
    with counted() as requests:
        outside, inside, cfn, nothing, topics, everything = program.read(
            program.op("stackOf", app),
            program.op("stackOf", resource),
            program.op("cfnOf", topic),
            program.op("cfnOf", stack),
            program.op("cfnUnder", stack, "AWS::SNS::Topic"),
            program.op("cfnUnder", stack),
        )
    assert requests[0] == 1
    assert outside is None
    assert inside is stack
    assert nothing is None
    assert cfn.node.path == "Ops/Topic/Resource"
    assert [t.node.path for t in topics] == [cfn.node.path]
    assert len(everything) == 2
    entry = {"id": "A", "why": "first"}
    for why in ("first", "second"):
        program.op("append", [topic, alarm], "k", "items", [entry, {"id": "B", "why": why}], ["id"])
        program.run()
    for resource in (cfn, alarm.node.default_child):
        assert isinstance(resource, CfnResource)
        assert resource.get_metadata("k") == {"items": [entry, {"id": "B", "why": "first"}]}
    program.op("append", stack, "k", "items", [entry], [])
    with pytest.raises(Exception, match="Ops must be or hold a CloudFormation resource"):
        program.run()


def test_an_interface_implemented_in_python_is_passed_as_jsii_passes_it() -> None:
    @jsii.implements(cw.IAlarmAction)
    class Action:
        def bind(self, scope: Any, alarm: Any) -> cw.AlarmActionConfig:
            return cw.AlarmActionConfig(alarm_action_arn="arn:aws:sns:us-east-1:1:own")

    stack = Stack(App(), "Python")
    program = Program()
    alarm = program.new(
        "aws_cloudwatch.Alarm",
        stack,
        "Alarm",
        {
            "metric": program.new("aws_cloudwatch.Metric", {"namespace": "N", "metricName": "M"}),
            "threshold": 1,
            "evaluationPeriods": 1,
        },
    )
    program.call(alarm, "addAlarmAction", Action())
    program.run()
    assert alarm_properties(stack)["AlarmActions"] == ["arn:aws:sns:us-east-1:1:own"]


def test_the_kernels_objects_go_by_reference_once_each() -> None:
    """Objects the kernel knows are passed as their references alone (one class for jsii's
    serializer to inspect, whatever their own classes), each once, whichever Python object
    stands for it; the program still reaches the objects themselves."""
    stack = Stack(App(), "Refs")
    topic = sns.Topic(stack, "Topic")
    # aws-cdk-lib made the resource: each read of it is a new Python object.
    resource, same_resource = topic.node.default_child, topic.node.default_child
    assert resource is not same_resource
    program = Program()
    values = (resource, same_resource, stack)
    paths = [program.get(program.get(value, "node"), "path") for value in values]
    assert len(program._refs) == 2
    assert {type(ref) for ref in program._refs} == {kernel._Ref}
    assert program.read(*paths) == ["Refs/Topic/Resource", "Refs/Topic/Resource", "Refs"]


def test_only_aws_cdk_lib_and_constructs_can_be_named() -> None:
    program = Program()
    program.new("aws_cloudwatch.NoSuchType", {})
    with pytest.raises(Exception, match=r"aws-cdk-lib has no aws_cloudwatch\.NoSuchType"):
        program.run()


def test_values_the_kernel_cannot_take_are_refused_before_anything_runs() -> None:
    program, other = Program(), Program()
    with pytest.raises(TypeError, match="cannot pass object"):
        program.new("aws_cloudwatch.Metric", {"namespace": object()})
    with pytest.raises(ValueError, match="another Program"):
        program.call(other.new("aws_cloudwatch.Metric", {}), "with", {})
    assert not program
    assert program.run() == []


def test_the_package_the_kernel_loads_is_the_same_every_time() -> None:
    first = kernel._tarball()
    assert first == kernel._tarball()
    with tarfile.open(fileobj=io.BytesIO(first)) as archive:
        names = archive.getnames()
        spec = json.loads(archive.extractfile("package/.jsii").read())  # type: ignore[union-attr]
    assert names == ["package/package.json", "package/.jsii", "package/program.js"]
    assert list(spec["types"]) == [kernel.FQN]


def test_the_test_processes_kernel_runs_without_its_relay() -> None:
    """``tests/conftest.py`` starts jsii's kernel program itself (``kernel_without_relay.js``):
    one Node.js process per test process. A jsii whose program cannot be started so makes the
    suite slower or stops it; this names the cause."""
    from jsii._runtime import kernel as jsii_kernel

    if os.environ.get("JSII_RUNTIME"):
        pytest.skip(f"the caller's JSII_RUNTIME is used: {os.environ['JSII_RUNTIME']}")
    process: Any = getattr(jsii_kernel.provider, "_process", None)
    args = [str(arg) for arg in process._process.args]
    assert any(arg.endswith("tests/kernel_without_relay.js") for arg in args), args
