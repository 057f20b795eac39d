"""``org-cdk local``: bad input refused before anything starts, the emulator always stopped,
and (end to end) a small app deployed, kept running, destroyed."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from org_constructs.tooling.local import Emulator, LocalError, SynthesizedStage
from org_constructs.tooling.local import _emulator as emulator_module
from tests.support import ROOT, org_cdk_in_process

MINIMAL = ROOT / "examples" / "minimal_app"
CONSUMER = ROOT / "examples" / "consumer_repo"


@pytest.fixture
def nothing_starts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail the test if a synthesis or an emulator is started; record what was asked."""
    asked: list[str] = []

    def refuse(*_: Any, **__: Any) -> Any:
        asked.append("started")
        raise AssertionError("nothing may start for bad input")

    monkeypatch.setattr("org_constructs.tooling.local.synthesize_stage", refuse)
    monkeypatch.setattr("org_constructs.tooling.local.start_emulator", refuse)
    return asked


def test_a_port_in_use_is_refused_before_the_synthesis(nothing_starts: list[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = org_cdk_in_process(
            "local", "deploy", str(MINIMAL), "--stage", "dev", "--port", str(port)
        )
    assert result.exit_code == 1
    assert f"--port {port}: the port is in use on 127.0.0.1" in result.stderr
    assert nothing_starts == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "80"], "--port 80: must be from 1024 to 65535"),
        (["--endpoint", "http://example.com:4566"], "must be the local emulator"),
        (["--endpoint", "http://localhost:4566", "--keep"], "cannot be given with --port or"),
    ],
)
def test_bad_options_are_refused(
    nothing_starts: list[str], arguments: list[str], message: str
) -> None:
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev", *arguments)
    assert result.exit_code == 1
    assert message in result.stderr
    assert nothing_starts == []


def test_without_the_local_extra_the_deploy_says_what_to_install(
    nothing_starts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "moto", None)  # import moto raises ImportError
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == 1
    assert "pip install 'org-constructs[local]'" in result.stderr
    assert nothing_starts == []


def test_a_stage_without_an_account_is_refused(tmp_path: Path, nothing_starts: list[str]) -> None:
    (tmp_path / "environments.json").write_text(json.dumps({"dev": {"region": "us-east-1"}}))
    result = org_cdk_in_process("local", "deploy", str(tmp_path), "--stage", "dev")
    assert result.exit_code != 0
    assert "account" in result.stderr
    assert nothing_starts == []


def test_an_unknown_stage_is_refused(nothing_starts: list[str]) -> None:
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "qa")
    assert result.exit_code != 0
    assert "qa" in result.stderr
    assert nothing_starts == []


def assembly_with(tmp_path: Path, *types: str) -> SynthesizedStage:
    """A one-stack assembly whose template holds a resource of each of ``types``."""
    template = {"Resources": {f"R{i}": {"Type": t} for i, t in enumerate(types)}}
    (tmp_path / "Service-dev.template.json").write_text(json.dumps(template))
    return SynthesizedStage(tmp_path, ("Service-dev",), {"Service-dev": ()})


def test_a_type_the_emulator_cannot_make_stops_the_deploy_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    stage = assembly_with(tmp_path, "AWS::S3::Bucket", "AWS::GameLift::Fleet", "Custom::Thing")
    monkeypatch.setattr("org_constructs.tooling.local.synthesize_stage", lambda *_, **__: stage)
    monkeypatch.setattr(
        "org_constructs.tooling.local.start_emulator", lambda *_, **__: started.append("x")
    )
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == 1
    assert (
        "the emulator cannot make AWS::GameLift::Fleet (in Service-dev): nothing was deployed"
        in result.stderr
    )
    assert "Custom::Thing" not in result.stderr, "custom resources are reported, not refused"
    assert started == []


def test_a_type_a_library_setting_avoids_is_refused_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = assembly_with(tmp_path, "AWS::SecretsManager::Secret", "AWS::Serverless::Application")
    monkeypatch.setattr("org_constructs.tooling.local.synthesize_stage", lambda *_, **__: stage)
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == 1
    assert "the emulator cannot make AWS::Serverless::Application (in Service-dev)" in (
        result.stderr
    )
    assert "SecureDatabase(rotation=False)" in result.stderr


class FakeProcess:
    """A stand-in for the server process: records how it was stopped."""

    pid = 4242

    def __init__(self) -> None:
        self.terminated = False

    def poll(self) -> int | None:
        return 0 if self.terminated else None

    def terminate(self) -> None:
        self.terminated = True

    def wait(self, timeout: float) -> int:
        return 0


def test_a_failed_step_stops_the_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    process = FakeProcess()
    emulator = Emulator(process, 4566, "111111111111", "us-east-1", tmp_path / "log")  # type: ignore[arg-type]
    stage = assembly_with(tmp_path, "AWS::S3::Bucket")
    monkeypatch.setattr("org_constructs.tooling.local.synthesize_stage", lambda *_, **__: stage)
    monkeypatch.setattr("org_constructs.tooling.local.start_emulator", lambda *_, **__: emulator)

    def failing_bootstrap(*_: Any) -> None:
        raise LocalError("cdk bootstrap aws://111111111111/us-east-1 failed:\nboom")

    monkeypatch.setattr("org_constructs.tooling.local.bootstrap", failing_bootstrap)
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == 1
    assert "cdk bootstrap aws://111111111111/us-east-1 failed" in result.stderr
    assert process.terminated, "stopped by its PID, nothing left running"


class TemporaryFolders:
    """``start_emulator`` with the server process and its answer faked: the folders it made."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, answers: bool) -> None:
        self.process = FakeProcess()
        if not answers:
            self.process.terminated = True  # the server exited at once
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        monkeypatch.setattr(subprocess, "Popen", lambda *_, **__: self.process)
        monkeypatch.setattr(emulator_module, "_answers", lambda _: answers)
        self.root = tmp_path

    def made(self) -> list[Path]:
        return sorted(self.root.glob("org-cdk-local-*"))


def test_the_emulator_removes_its_temporary_folder_when_it_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = TemporaryFolders(tmp_path, monkeypatch, answers=True)
    emulator = emulator_module.start_emulator("111111111111", "us-east-1", port=45123)
    assert folders.made() == [emulator.folder]
    assert emulator.folder is not None
    assert emulator.log == emulator.folder / "emulator-45123.log"
    emulator.stop()
    assert folders.process.terminated
    assert folders.made() == []

    given = tmp_path / "mine" / "emulator.log"
    given.parent.mkdir()
    with emulator_module.start_emulator("111111111111", "us-east-1", log=given) as own:
        assert own.folder is None
    assert given.is_file(), "a log the caller gave stays"


def test_an_emulator_that_does_not_start_leaves_no_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = TemporaryFolders(tmp_path, monkeypatch, answers=False)
    with pytest.raises(LocalError, match="the emulator did not start"):
        emulator_module.start_emulator("111111111111", "us-east-1")
    assert folders.made() == []


@pytest.mark.parametrize("fails", [False, True])
def test_deploy_removes_the_temporary_folder_unless_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    from org_constructs.tooling.local import DeployReport

    folders = TemporaryFolders(tmp_path, monkeypatch, answers=True)
    stage = assembly_with(tmp_path, "AWS::S3::Bucket")
    report = DeployReport("stack Service-dev: CREATE_COMPLETE", 1, 1, 0, 0)

    def deploy(*_: Any) -> None:
        if fails:
            raise LocalError("cdk deploy failed:\nboom")

    monkeypatch.setattr("org_constructs.tooling.local.synthesize_stage", lambda *_, **__: stage)
    monkeypatch.setattr("org_constructs.tooling.local.bootstrap", lambda *_: None)
    monkeypatch.setattr("org_constructs.tooling.local.deploy_stacks", deploy)
    monkeypatch.setattr("org_constructs.tooling.local.deploy_report", lambda *_, **__: report)
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == (1 if fails else 0), result.output
    assert folders.process.terminated
    assert folders.made() == [], "no temporary folder is left behind"

    folders.process = FakeProcess()
    kept = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev", "--keep")
    assert kept.exit_code == (1 if fails else 0), kept.output
    (folder,) = folders.made()
    assert f"its temporary folder (remove it once the emulator is stopped): {folder}" in kept.stdout
    assert not folders.process.terminated


def test_destroy_needs_a_running_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    result = org_cdk_in_process("local", "destroy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == 2
    assert "give --endpoint" in result.stderr


def test_the_server_listens_on_the_loopback_address_only() -> None:
    assert emulator_module.HOST == "127.0.0.1"
    source = (ROOT / "src" / "org_constructs" / "tooling" / "local" / "_server.py").read_text()
    assert '"-H", "127.0.0.1"' in source
    assert "0.0.0.0" not in source  # noqa: S104 - the test that it is not there


def stop_kept(result: Any, pid: int) -> None:
    """Stop the emulator ``local deploy --keep`` left running and remove its temporary folder,
    as its output says to."""
    os.kill(pid, signal.SIGTERM)
    folder = re.search(
        r"its temporary folder \(remove it once the emulator is stopped\): (\S+)", result.stdout
    )
    assert folder is not None, result.stdout
    shutil.rmtree(folder.group(1), ignore_errors=True)


@pytest.mark.e2e
def test_deploy_keep_destroy_of_a_small_app(tmp_path: Path) -> None:
    """The minimal app: deployed and left running (--keep), its stack deleted (destroy), the
    emulator then stopped by the PID the command printed."""
    out = tmp_path / "cdk.out"
    deployed = org_cdk_in_process(
        "local", "deploy", str(MINIMAL), "--stage", "dev", "--keep", "--output", str(out)
    )
    assert deployed.exit_code == 0, deployed.output
    pid = int(re.search(r"stop it with: kill (\d+)", deployed.stdout).group(1))  # type: ignore[union-attr]
    try:
        assert "stack MinimalService-dev: CREATE_COMPLETE" in deployed.stdout
        assert "skipped by the emulator (no CloudFormation support; nothing was made): none" in (
            deployed.stdout
        )
        endpoint = re.search(r"export AWS_ENDPOINT_URL=(\S+)", deployed.stdout).group(1)  # type: ignore[union-attr]
        assert re.fullmatch(r"http://localhost:\d+", endpoint)
        destroyed = org_cdk_in_process(
            "local",
            "destroy",
            str(MINIMAL),
            "--stage",
            "dev",
            "--endpoint",
            endpoint,
            "--output",
            str(out),
        )
        assert destroyed.exit_code == 0, destroyed.output
        assert destroyed.stdout.splitlines() == ["MinimalService-dev: deleted"]
    finally:
        stop_kept(deployed, pid)


def small_app(folder: Path, body: str) -> Path:
    """A CDK app of one file: ``body`` builds stacks in ``app`` for the dev stage's account."""
    import textwrap

    from tests.support import availability_zone_context

    folder.mkdir()
    header = (
        "import aws_cdk as cdk\n"
        "app = cdk.App()\n"
        'env = cdk.Environment(account="111111111111", region="us-east-1")\n'
    )
    (folder / "app.py").write_text(header + textwrap.dedent(body) + "app.synth()\n")
    (folder / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} app.py"}))
    (folder / "cdk.context.json").write_text(json.dumps(availability_zone_context()))
    (folder / "environments.json").write_text(
        json.dumps({"dev": {"account": "111111111111", "region": "us-east-1"}})
    )
    return folder


LOAD_BALANCED = """
from aws_cdk import aws_certificatemanager as acm, aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2, aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets

stack = cdk.Stack(app, "Web-dev", env=env)
vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0, restrict_default_security_group=False)
certificate = acm.Certificate.from_certificate_arn(stack, "Certificate", CERTIFICATE)
zone = route53.HostedZone.from_hosted_zone_attributes(
    stack, "Zone", hosted_zone_id="Z0EXAMPLE12345", zone_name="example.com"
)
balancer = elbv2.ApplicationLoadBalancer(stack, "Balancer", vpc=vpc, internet_facing=True)
targets = elbv2.ApplicationTargetGroup(
    stack, "Targets", vpc=vpc, port=80, target_type=elbv2.TargetType.IP
)
balancer.add_listener(
    "Https", port=443, certificates=[certificate], default_target_groups=[targets]
)
for code in (elbv2.HttpCodeTarget.TARGET_5XX_COUNT, elbv2.HttpCodeTarget.TARGET_4XX_COUNT):
    targets.metrics.http_code_target(code).create_alarm(
        stack, f"Targets{code.name}", threshold=1, evaluation_periods=1
    )
targets.metrics.unhealthy_host_count().create_alarm(
    stack, "Unhealthy", threshold=1, evaluation_periods=1
)
balancer.metrics.target_response_time().create_alarm(
    stack, "Latency", threshold=1, evaluation_periods=1
)
route53.ARecord(
    stack,
    "Www",
    zone=zone,
    record_name="www",
    target=route53.RecordTarget.from_alias(route53_targets.LoadBalancerTarget(balancer)),
)
cdk.CfnOutput(stack, "TargetGroupFullName", value=targets.target_group_full_name)
cdk.CfnOutput(stack, "LoadBalancerFullName", value=balancer.load_balancer_full_name)
"""
CERTIFICATE = "arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-1111-2222-3333-444455556666"


def kept(result: Any) -> tuple[int, Emulator]:
    """The PID and the emulator ``local deploy --keep`` left running."""
    assert "stop it with: kill" in result.stdout, result.output
    pid = int(re.search(r"stop it with: kill (\d+)", result.stdout).group(1))  # type: ignore[union-attr]
    port = int(re.search(r"export AWS_ENDPOINT_URL=http://localhost:(\d+)", result.stdout).group(1))  # type: ignore[union-attr]
    return pid, Emulator.running(port, "111111111111", "us-east-1")


@pytest.mark.e2e
def test_a_load_balanced_app_with_alarms_and_imports_is_made_whole(tmp_path: Path) -> None:
    """The issue's app: alarms on a target group's and a load balancer's metrics
    (``Fn::GetAtt`` ``TargetGroupFullName``, ``LoadBalancerFullName``), an HTTPS listener on a
    certificate and a record in a hosted zone the app imports. Every alarm the template
    declares exists and watches the target group and load balancer the emulator made."""
    app = small_app(tmp_path / "web", f"CERTIFICATE = {CERTIFICATE!r}\n" + LOAD_BALANCED)
    deployed = org_cdk_in_process("local", "deploy", str(app), "--stage", "dev", "--keep")
    pid, emulator = kept(deployed)
    try:
        assert deployed.exit_code == 0, deployed.output
        template = json.loads((app / "cdk.out" / "Web-dev.template.json").read_text())
        declared = [r for r in template["Resources"].values() if r["Type"].endswith("::Alarm")]
        elbv2: Any = emulator.client("elbv2")
        (balancer,) = elbv2.describe_load_balancers()["LoadBalancers"]
        (group,) = elbv2.describe_target_groups()["TargetGroups"]
        balancer_name = balancer["LoadBalancerArn"].split(":loadbalancer/")[1]
        group_name = group["TargetGroupArn"].split(":")[-1]
        alarms = emulator.client("cloudwatch").describe_alarms()["MetricAlarms"]  # type: ignore[attr-defined]
        assert len(alarms) == len(declared) == 4
        for alarm in alarms:
            dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
            assert dimensions["LoadBalancer"] == balancer_name, alarm["AlarmName"]
            assert dimensions.get("TargetGroup", group_name) == group_name, alarm["AlarmName"]
        (listener,) = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])[
            "Listeners"
        ]
        assert listener["Certificates"] == [{"CertificateArn": CERTIFICATE}]
        records = emulator.client("route53").list_resource_record_sets(  # type: ignore[attr-defined]
            HostedZoneId="Z0EXAMPLE12345"
        )["ResourceRecordSets"]
        assert ("www.example.com.", "A") in [(r["Name"], r["Type"]) for r in records]
        assert f"  output TargetGroupFullName = {group_name}" in deployed.stdout
        made = [r for r in template["Resources"].values() if r["Type"] != "AWS::CDK::Metadata"]
        assert f"created: {len(made)} of {len(made)} resources" in deployed.stdout
        assert f"ACM certificate {CERTIFICATE}, named by" in deployed.stdout
    finally:
        stop_kept(deployed, pid)


HALF_MADE = """
from aws_cdk import aws_cloudwatch as cloudwatch, aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions, aws_sqs as sqs

stack = cdk.Stack(app, "Orders-dev", env=env)
queue = sqs.Queue(stack, "Queue")
elsewhere = sns.Topic.from_topic_arn(
    stack, "Elsewhere", "arn:aws:sns:us-east-1:111111111111:made-elsewhere"
)
elsewhere.add_subscription(subscriptions.SqsSubscription(queue))
cloudwatch.Alarm(
    stack,
    "Backlog",
    metric=queue.metric_approximate_age_of_oldest_message(),
    threshold=300,
    evaluation_periods=1,
)
cdk.CfnOutput(stack, "QueueUrl", value=queue.queue_url)
later = cdk.Stack(app, "Reports-dev", env=env)
later.add_dependency(stack)
sqs.Queue(later, "Reports")
"""


@pytest.mark.e2e
def test_a_deploy_the_emulator_cannot_finish_fails_and_keep_keeps_it(tmp_path: Path) -> None:
    """A subscription to a topic the app imports but the emulator does not hold: the stack
    fails there. The command fails, naming what is missing (the subscription, what came after
    it, the output, the stack never deployed) and the emulator's error; --keep leaves the
    emulator running with what it made. Once the topic is made in it, a deploy into it makes
    the rest."""
    app = small_app(tmp_path / "orders", HALF_MADE)
    deployed = org_cdk_in_process("local", "deploy", str(app), "--stage", "dev", "--keep")
    pid, emulator = kept(deployed)
    try:
        assert deployed.exit_code == 1, deployed.output
        assert "the deploy failed; the emulator keeps running" in deployed.stdout
        error = deployed.stderr
        assert "the local deploy of stage dev failed" in error
        assert re.search(r"Orders-dev: Queue\w+ \(AWS::SNS::Subscription\): not made", error)
        assert re.search(r"Orders-dev: Backlog\w+ \(AWS::CloudWatch::Alarm\): not made", error)
        assert "Orders-dev: output QueueUrl: no value" in error
        assert "Reports-dev: the stack: not deployed" in error
        assert re.search(r"CREATE_FAILED: NotFound: Topic does not exist", error)
        cloudformation: Any = emulator.client("cloudformation")
        (stack,) = cloudformation.describe_stacks(StackName="Orders-dev")["Stacks"]
        assert stack["StackStatus"] == "CREATE_FAILED"
        queues = emulator.client("sqs").list_queues()["QueueUrls"]  # type: ignore[attr-defined]
        assert [q for q in queues if "Orders-dev-Queue" in q], "what was made stays to inspect"
        # The documented way on: make the imported topic in the emulator, deploy again into it.
        emulator.client("sns").create_topic(Name="made-elsewhere")  # type: ignore[attr-defined]
        again = org_cdk_in_process(
            "local", "deploy", str(app), "--stage", "dev", "--endpoint", emulator.endpoint
        )
        assert again.exit_code == 0, again.output
        assert "stack Orders-dev: UPDATE_COMPLETE" in again.stdout
        assert "stack Reports-dev: CREATE_COMPLETE" in again.stdout
        assert re.search(r"1 x AWS::SNS::Subscription +created", again.stdout)
    finally:
        stop_kept(deployed, pid)


SIBLINGS = """
from aws_cdk import aws_dynamodb as dynamodb, aws_ec2 as ec2, aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2, aws_events as events
from aws_cdk import aws_events_targets as events_targets, aws_scheduler as scheduler
from aws_cdk import aws_stepfunctions as sfn

stack = cdk.Stack(app, "Jobs-dev", env=env)
vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0, restrict_default_security_group=False)
balancer = elbv2.ApplicationLoadBalancer(stack, "Balancer", vpc=vpc)
targets = elbv2.ApplicationTargetGroup(
    stack, "Targets", vpc=vpc, port=80, target_type=elbv2.TargetType.IP
)
balancer.add_listener("Http", port=80, default_target_groups=[targets])
network = elbv2.NetworkLoadBalancer(stack, "Network", vpc=vpc)
network_targets = elbv2.NetworkTargetGroup(
    stack, "NetworkTargets", vpc=vpc, port=80, target_type=elbv2.TargetType.IP
)
network.add_listener("Tcp", port=80, default_target_groups=[network_targets])
network_targets.metrics.un_healthy_host_count().create_alarm(
    stack, "NetworkUnhealthy", threshold=1, evaluation_periods=1
)
cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
task = ecs.FargateTaskDefinition(stack, "Task")
task.add_container(
    "app",
    image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx"),
    port_mappings=[ecs.PortMapping(container_port=80)],
)
service = ecs.FargateService(stack, "Service", cluster=cluster, task_definition=task)
service.attach_to_application_target_group(targets)
service.metric_cpu_utilization().create_alarm(stack, "Cpu", threshold=80, evaluation_periods=1)
table = dynamodb.Table(
    stack,
    "Table",
    partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
    stream=dynamodb.StreamViewType.NEW_IMAGE,
)
table.metric_throttled_requests_for_operation("GetItem").create_alarm(
    stack, "Throttles", threshold=1, evaluation_periods=1
)
machine = sfn.StateMachine(
    stack, "Machine", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Pass"))
)
machine.metric_failed().create_alarm(stack, "Failed", threshold=1, evaluation_periods=1)
bus = events.EventBus(stack, "Bus")
events.Rule(
    stack,
    "OnOrder",
    event_bus=bus,
    event_pattern=events.EventPattern(source=["orders"]),
    targets=[events_targets.SfnStateMachine(machine)],
)
group = scheduler.CfnScheduleGroup(stack, "Schedules", name="jobs")
nightly = scheduler.CfnSchedule(
    stack,
    "Nightly",
    group_name=group.ref,
    schedule_expression="cron(0 3 * * ? *)",
    flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
    target=scheduler.CfnSchedule.TargetProperty(
        arn=machine.state_machine_arn, role_arn=machine.role.role_arn
    ),
)
for name, value in {
    "StreamArn": table.table_stream_arn,
    "MachineName": machine.state_machine_name,
    "ServiceName": service.service_name,
    "BusName": bus.event_bus_name,
    "ScheduleArn": nightly.attr_arn,
    "NetworkFullName": network.load_balancer_full_name,
}.items():
    cdk.CfnOutput(stack, name, value=value)
"""


@pytest.mark.e2e
def test_load_balancer_ecs_dynamodb_step_functions_and_schedules_are_made_whole(
    tmp_path: Path,
) -> None:
    """The siblings of the issue's crash, as the CDK writes them: every resource and output,
    and the alarms watch what the services list."""
    app = small_app(tmp_path / "jobs", SIBLINGS)
    deployed = org_cdk_in_process("local", "deploy", str(app), "--stage", "dev", "--keep")
    pid, emulator = kept(deployed)
    try:
        assert deployed.exit_code == 0, deployed.output
        assert "skipped by the emulator (no CloudFormation support; nothing was made): none" in (
            deployed.stdout
        )
        ecs: Any = emulator.client("ecs")
        (cluster,) = ecs.list_clusters()["clusterArns"]
        (service,) = ecs.list_services(cluster=cluster)["serviceArns"]
        (machine,) = emulator.client("stepfunctions").list_state_machines()["stateMachines"]  # type: ignore[attr-defined]
        (table,) = emulator.client("dynamodb").list_tables()["TableNames"]  # type: ignore[attr-defined]
        (network,) = [
            b
            for b in emulator.client("elbv2").describe_load_balancers()["LoadBalancers"]  # type: ignore[attr-defined]
            if b["Type"] == "network"
        ]
        watched = {
            alarm["MetricName"]: {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
            for alarm in emulator.client("cloudwatch").describe_alarms()["MetricAlarms"]  # type: ignore[attr-defined]
        }
        assert watched["CPUUtilization"] == {
            "ClusterName": cluster.rsplit("/", 1)[1],
            "ServiceName": service.rsplit("/", 1)[1],
        }
        assert watched["ExecutionsFailed"] == {"StateMachineArn": machine["stateMachineArn"]}
        assert watched["ThrottledRequests"] == {"TableName": table, "Operation": "GetItem"}
        assert (
            watched["UnHealthyHostCount"]["LoadBalancer"]
            == (network["LoadBalancerArn"].split(":loadbalancer/")[1])
        )
        schedule = emulator.client("scheduler").get_schedule(  # type: ignore[attr-defined]
            GroupName="jobs",
            Name=re.search(r"Jobs-dev-Nightly[\w-]+", deployed.stdout).group(0),  # type: ignore[union-attr]
        )
        assert schedule["Target"]["Arn"] == machine["stateMachineArn"]
        assert f"  output MachineName = {machine['name']}" in deployed.stdout
        assert re.search(r"x AWS::EC2::SecurityGroupEgress +created", deployed.stdout)
    finally:
        stop_kept(deployed, pid)


@pytest.mark.e2e
def test_deploy_of_an_app_with_a_default_secure_database(tmp_path: Path) -> None:
    """The consuming repo of the docs, whose ``SecureDatabase`` keeps its defaults (hosted
    credential rotation, the secret's resource policy): every resource made, none skipped, the
    rotation recorded and not run, and no temporary folder left behind."""
    before = set(Path(tempfile.gettempdir()).glob("org-cdk-local-*"))
    result = org_cdk_in_process(
        "local", "deploy", str(CONSUMER), "--stage", "dev", "--output", str(tmp_path / "out")
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    made = re.search(r"created: (\d+) of (\d+) resources", out)
    assert made is not None, out
    assert made.group(1) == made.group(2), out
    assert "skipped by the emulator (no CloudFormation support; nothing was made): none" in out
    assert re.search(
        r"AWS::SecretsManager::ResourcePolicy +created; GetResourcePolicy lists 1 of 1", out
    )
    assert re.search(
        r"AWS::SecretsManager::RotationSchedule +created; DescribeSecret lists 1 of 1", out
    )
    assert "by a hosted rotation function: recorded, not run; the emulator runs no code)" in out
    assert (
        "secret rotations recorded on their secrets, not run (the emulator runs no code): 1" in out
    )
    log = re.search(r"account \d+, log (\S+)", result.output)
    assert log is not None
    assert not Path(log.group(1)).parent.exists(), "the temporary folder is removed"
    assert set(Path(tempfile.gettempdir()).glob("org-cdk-local-*")) <= before


QUEUE_WORKER = ROOT / "examples" / "queue_worker"


@pytest.mark.e2e
def test_the_queue_worker_deploys_every_resource(tmp_path: Path) -> None:
    """Queues, an event source mapping on the alias, a state machine, EventBridge rules with
    their dead-letter queues and keys: every declared resource made, nothing skipped."""
    deployed = org_cdk_in_process(
        "local", "deploy", str(QUEUE_WORKER), "--stage", "dev", "--output", str(tmp_path)
    )
    assert deployed.exit_code == 0, deployed.output
    made = re.search(r"created: (\d+) of (\d+) resources", deployed.stdout)
    assert made is not None, deployed.stdout
    assert made.group(1) == made.group(2)
    assert "skipped by the emulator (no CloudFormation support; nothing was made): none" in (
        deployed.stdout
    )
    for listed in (
        "2 x AWS::Events::Rule                             created; ListRules lists 2 of 2",
        "1 x AWS::Lambda::EventSourceMapping               created",
        "1 x AWS::StepFunctions::StateMachine              created; ListStateMachines lists 1",
        "6 x AWS::SQS::Queue                               created; ListQueues lists 6 of 6",
    ):
        assert listed in deployed.stdout


SECURE_CACHE = ROOT / "examples" / "secure_cache"


@pytest.mark.e2e
def test_the_secure_cache_deploys_every_resource(tmp_path: Path) -> None:
    """A replication group in its subnet group, its users (passwords from the secret) and
    their user group: every declared resource made, nothing skipped; the user group reported
    as recorded, not verified (moto has no API for it)."""
    deployed = org_cdk_in_process(
        "local", "deploy", str(SECURE_CACHE), "--stage", "dev", "--output", str(tmp_path)
    )
    assert deployed.exit_code == 0, deployed.output
    made = re.search(r"created: (\d+) of (\d+) resources", deployed.stdout)
    assert made is not None, deployed.stdout
    assert made.group(1) == made.group(2)
    assert "skipped by the emulator (no CloudFormation support; nothing was made): none" in (
        deployed.stdout
    )
    for listed in (
        "1 x AWS::ElastiCache::ReplicationGroup            created; DescribeReplicationGroups "
        "lists 1 of 1",
        "1 x AWS::ElastiCache::SubnetGroup                 created; DescribeCacheSubnetGroups "
        "lists 1 of 1",
        "2 x AWS::ElastiCache::User                        created; DescribeUsers lists 2 of 2",
        "1 x AWS::ElastiCache::UserGroup                   recorded, not verified (moto has no "
        "ElastiCache user groups)",
        "recorded by the emulator's CloudFormation only, not verified (no service API shows "
        "them): 1 x AWS::ElastiCache::UserGroup (moto has no ElastiCache user groups)",
    ):
        assert listed in deployed.stdout
    assert re.search(r"output SessionsEndpoint = master\.sessions-dev-sessions\.", deployed.stdout)
