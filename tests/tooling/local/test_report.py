"""The deploy report: every resource and output a template declares, asked of the emulator
(in-process, ``moto.mock_aws`` with the emulator's fixes), and what a local deploy does with a
report that finds something missing.

The report must never count what it did not find: each resource is looked up by its logical
id in the stack and by its physical id in the service's own list.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest

from org_constructs.tooling.local import DeployReport, Emulator, Missing, deploy_report
from org_constructs.tooling.local._imports import CERTIFICATE, HOSTED_ZONE, imported_resources
from org_constructs.tooling.local._report import emulator_log_errors
from tests.support import org_cdk_in_process
from tests.tooling.local.conftest import REGION, Client, Resources, moto_client
from tests.tooling.local.test_cli import MINIMAL, FakeProcess, assembly_with
from tests.tooling.local.test_handlers import get_att, ref
from tests.tooling.local.test_patches import (
    CERTIFICATE_ARN,
    HALF_MADE,
    ChangeSetStack,
    alarm,
    load_balancer,
    queue,
)


def client(service: str, region: str | None = None) -> Any:
    """What ``Emulator.client`` is for the in-process moto."""
    return moto_client(service, region or REGION)


def deployed(
    aws: Client,
    tmp_path: Path,
    resources: Resources,
    outputs: dict[str, Any] | None = None,
    **template: Any,
) -> tuple[ChangeSetStack, Path]:
    """``resources`` deployed as stack ``Service-dev``, its template written as an assembly's."""
    stack = ChangeSetStack(aws, "Service-dev")
    stack.deploy(resources, outputs, **template)
    body = {
        "Resources": resources,
        "Outputs": {k: {"Value": v} for k, v in (outputs or {}).items()},
        **template,
    }
    (tmp_path / "Service-dev.template.json").write_text(json.dumps(body))
    return stack, tmp_path


def report_of(assembly: Path, **options: Any) -> DeployReport:
    return deploy_report(client, assembly, ["Service-dev"], **options)


class TestComplete:
    def test_each_resource_and_output_is_found_where_the_service_lists_it(
        self, aws: Client, tmp_path: Path
    ) -> None:
        dimensions = {"TargetGroup": get_att("Targets", "TargetGroupFullName")}
        resources = {
            **load_balancer("application"),
            "Unhealthy": alarm("UnHealthyHostCount", "AWS/ApplicationELB", dimensions),
        }
        _, assembly = deployed(
            aws, tmp_path, resources, {"Group": get_att("Targets", "TargetGroupFullName")}
        )
        report = report_of(assembly)
        assert report.complete, report.failure()
        assert (report.resources, report.made, report.outputs, report.outputs_resolved) == (
            7,
            7,
            1,
            1,
        )
        (group,) = aws("elbv2").describe_target_groups()["TargetGroups"]
        full_name = group["TargetGroupArn"].split(":")[-1]
        text = report.text
        assert "stack Service-dev: CREATE_COMPLETE" in text
        assert f"  output Group = {full_name}" in text
        assert re.search(r"1 x AWS::CloudWatch::Alarm +created; DescribeAlarms lists 1 of 1", text)
        assert f"(UnHealthyHostCount; TargetGroup={full_name})" in text
        assert re.search(r"1 x AWS::ElasticLoadBalancingV2::TargetGroup +created; ", text)
        assert "created: 7 of 7 resources (6 types), 1 of 1 outputs" in text
        assert f"made in the emulator: ACM certificate {CERTIFICATE_ARN}, named by Listener" in (
            text
        )

    def test_a_resource_its_condition_leaves_out_is_not_expected(
        self, aws: Client, tmp_path: Path
    ) -> None:
        _, assembly = deployed(
            aws,
            tmp_path,
            {"Always": queue("always"), "OnlyInProd": {**queue("prod"), "Condition": "Prod"}},
            Parameters={"Stage": {"Type": "String", "Default": "dev"}},
            Conditions={"Prod": {"Fn::Equals": [ref("Stage"), "production"]}},
        )
        report = report_of(assembly)
        assert report.complete, report.failure()
        assert report.resources == 1

    def test_an_allowed_type_without_support_is_reported_skipped(
        self, aws: Client, tmp_path: Path
    ) -> None:
        fleet = {"Type": "AWS::GameLift::Fleet"}
        _, assembly = deployed(aws, tmp_path, {"Queue": queue("q"), "Fleet": fleet})
        report = report_of(assembly, allowed=["AWS::GameLift::Fleet"])
        assert report.complete, report.failure()
        assert "skipped by the emulator (no CloudFormation support; nothing was made): " in (
            report.text
        )
        assert report.text.count("AWS::GameLift::Fleet") == 2, "its line and the summary's"
        refused = report_of(assembly)
        assert refused.missing == (
            Missing(
                "Service-dev",
                "Fleet (AWS::GameLift::Fleet)",
                "the emulator cannot make this type",
                "AWS::GameLift::Fleet",
            ),
        )


class TestIncomplete:
    def test_a_half_made_stack_names_each_missing_resource_and_output(
        self, aws: Client, tmp_path: Path
    ) -> None:
        _, assembly = deployed(aws, tmp_path, HALF_MADE, {"Url": ref("Later")})
        report = report_of(assembly)
        assert not report.complete
        assert [str(m) for m in report.missing] == [
            "Service-dev: the stack: CREATE_FAILED: The following resource(s) failed to "
            "create: [Broken]. ValidationError: Template error: resource First does not "
            "support attribute type NoSuchAttribute in Fn::GetAtt (the emulator's "
            "AWS::SQS::Queue does not answer it)",
            "Service-dev: Broken (AWS::SNS::Topic): not made",
            "Service-dev: Later (AWS::SQS::Queue): not made",
            "Service-dev: output Url: no value",
        ]
        assert report.errors[0].startswith(
            "Service-dev: Broken (AWS::SNS::Topic) CREATE_FAILED: ValidationError: "
        )
        assert re.search(r"1 x AWS::SNS::Topic +MISSING 1 of 1", report.text)
        assert re.search(r"2 x AWS::SQS::Queue +MISSING 1 of 2", report.text)
        assert "created: 1 of 3 resources (1 types), 0 of 1 outputs" in report.text
        failure = report.failure()
        assert failure.startswith(
            "the deploy is incomplete: the emulator made 1 of 3 resources and 0 of 1 outputs"
        )
        assert "  Service-dev: Later (AWS::SQS::Queue): not made" in failure
        assert "the emulator's errors:\n  Service-dev: Broken (AWS::SNS::Topic) CREATE_FAILED" in (
            failure
        )

    def test_a_resource_the_service_does_not_list_is_missing(
        self, aws: Client, tmp_path: Path
    ) -> None:
        stack, assembly = deployed(aws, tmp_path, {"Queue": queue("orders")})
        aws("sqs").delete_queue(QueueUrl=stack.held()["Queue"])
        (missing,) = report_of(assembly).missing
        assert missing.what == "Queue (AWS::SQS::Queue)"
        assert missing.why.endswith("but ListQueues does not list it")

    def test_a_stack_not_deployed_names_its_resources(self, tmp_path: Path, aws: Client) -> None:
        stage = assembly_with(tmp_path, "AWS::SQS::Queue", "AWS::SNS::Topic", "Custom::Thing")
        report = deploy_report(client, stage.assembly, stage.stacks)
        assert [str(m) for m in report.missing] == [
            "Service-dev: the stack: not deployed: none of its 2 resources (R0, R1) and 0 "
            "outputs exist"
        ]
        assert "stack Service-dev: not deployed" in report.text
        assert re.search(r"1 x AWS::SQS::Queue +MISSING 1 of 1", report.text)

    def test_an_import_the_emulator_does_not_hold_is_missing(
        self, aws: Client, tmp_path: Path
    ) -> None:
        _, assembly = deployed(aws, tmp_path, {"Queue": queue("orders")})
        template = json.loads((assembly / "Service-dev.template.json").read_text())
        template["Resources"]["Queue"]["Properties"]["RedriveAllowPolicy"] = CERTIFICATE_ARN
        (assembly / "Service-dev.template.json").write_text(json.dumps(template))
        (missing,) = report_of(assembly).missing
        assert str(missing) == (
            f"Service-dev: ACM certificate {CERTIFICATE_ARN}, named by Queue: the emulator "
            "does not hold it"
        )


class TestImportedResources:
    def test_certificates_and_hosted_zones_named_by_the_template_are_found(self) -> None:
        record = {
            "Type": "AWS::Route53::RecordSet",
            "Properties": {"HostedZoneId": "/hostedzone/Z1", "Name": "www.example.com."},
        }
        group = {
            "Type": "AWS::Route53::RecordSetGroup",
            "Properties": {
                "HostedZoneId": "Z1",
                "RecordSets": [{"Name": "api.example.com."}, {"Name": "example.com."}],
            },
        }
        template = {
            "Resources": {
                "Listener": {"Properties": {"Certificates": [{"CertificateArn": CERTIFICATE_ARN}]}},
                "Again": {"Properties": {"Arn": {"Fn::Join": ["", [CERTIFICATE_ARN]]}}},
                "Www": record,
                "Group": group,
                "ByName": {
                    "Type": "AWS::Route53::RecordSet",
                    "Properties": {"HostedZoneName": "example.org.", "Name": "a.example.org."},
                },
                "Made": {
                    "Type": "AWS::Route53::RecordSet",
                    "Properties": {"HostedZoneId": ref("Zone"), "Name": "b.example.net."},
                },
            }
        }
        assert [
            (i.kind, i.identifier, i.name, i.used_by) for i in imported_resources(template)
        ] == [
            (CERTIFICATE, CERTIFICATE_ARN, "imported.invalid", "Listener"),
            (HOSTED_ZONE, "Z1", "example.com.", "Www"),
            (HOSTED_ZONE, "example.org.", "example.org.", "ByName"),
        ]


def test_the_log_gives_the_exception_of_each_request_the_emulator_could_not_answer(
    tmp_path: Path,
) -> None:
    log = tmp_path / "emulator.log"
    log.write_text(
        "\n".join(
            [
                '127.0.0.1 - - [07/Dec/2026 07:45:12] "POST / HTTP/1.1" 500 -',
                "Error on request:",
                "Traceback (most recent call last):",
                '  File "werkzeug/serving.py", line 374, in run_wsgi',
                "    execute(self.server.app)",
                "AttributeError: 'FakeTargetGroup' object has no attribute 'get_cfn_attribute'",
                "Traceback (most recent call last):",
                "KeyError: 'not after Error on request'",
                "Error on request:",
                "Traceback (most recent call last):",
                "AttributeError: 'FakeTargetGroup' object has no attribute 'get_cfn_attribute'",
            ]
        )
    )
    assert emulator_log_errors(log) == [
        "AttributeError: 'FakeTargetGroup' object has no attribute 'get_cfn_attribute'"
    ]
    assert emulator_log_errors(tmp_path / "none.log") == []


INCOMPLETE = DeployReport(
    "stack Service-dev: CREATE_FAILED",
    resources=2,
    made=1,
    outputs=0,
    outputs_resolved=0,
    missing=(Missing("Service-dev", "Alarm (AWS::CloudWatch::Alarm)", "not made"),),
    errors=("Service-dev: Alarm (AWS::CloudWatch::Alarm) CREATE_FAILED: boom",),
)


@pytest.fixture
def half_made_deploy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeProcess:
    """A local deploy whose report finds a missing resource; its emulator process."""
    process = FakeProcess()
    emulator = Emulator(process, 4566, "111111111111", "us-east-1", tmp_path / "log")  # type: ignore[arg-type]
    stage = assembly_with(tmp_path, "AWS::CloudWatch::Alarm")
    monkeypatch.setattr("org_constructs.tooling.local.synthesize_stage", lambda *_, **__: stage)
    monkeypatch.setattr("org_constructs.tooling.local.start_emulator", lambda *_, **__: emulator)
    monkeypatch.setattr("org_constructs.tooling.local.bootstrap", lambda *_: None)
    monkeypatch.setattr("org_constructs.tooling.local.deploy_stacks", lambda *_: None)
    monkeypatch.setattr("org_constructs.tooling.local.deploy_report", lambda *_, **__: INCOMPLETE)
    return process


def test_a_deploy_the_emulator_only_half_made_fails_naming_what_is_missing(
    half_made_deploy: FakeProcess,
) -> None:
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == 1
    assert "stack Service-dev: CREATE_FAILED" in result.stdout
    assert "the local deploy of stage dev failed" in result.stderr
    assert "  Service-dev: Alarm (AWS::CloudWatch::Alarm): not made" in result.stderr
    assert (
        "the emulator's errors:\n  Service-dev: Alarm (AWS::CloudWatch::Alarm) CREATE_FAILED"
        in (result.stderr)
    )
    assert half_made_deploy.terminated


def test_keep_keeps_the_emulator_after_a_failure_and_says_how_to_reach_it(
    half_made_deploy: FakeProcess,
) -> None:
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev", "--keep")
    assert result.exit_code == 1
    assert "the deploy failed; the emulator keeps running so that you can inspect it" in (
        result.stdout
    )
    assert "the emulator keeps running: PID 4242, http://localhost:4566" in result.stdout
    assert "export AWS_ENDPOINT_URL=http://localhost:4566" in result.stdout
    assert "stop it with: kill 4242" in result.stdout
    assert "Alarm (AWS::CloudWatch::Alarm): not made" in result.stderr
    assert not half_made_deploy.terminated


def test_a_failed_cdk_deploy_still_reports_what_the_emulator_holds(
    half_made_deploy: FakeProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    from org_constructs.tooling.local import LocalError

    def failing_deploy(*_: Any) -> None:
        raise LocalError("cdk deploy failed:\nService-dev failed: CREATE_FAILED")

    monkeypatch.setattr("org_constructs.tooling.local.deploy_stacks", failing_deploy)
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == 1
    assert "cdk deploy failed:\nService-dev failed: CREATE_FAILED" in result.stderr
    assert "Alarm (AWS::CloudWatch::Alarm): not made" in result.stderr
    assert "stack Service-dev: CREATE_FAILED" in result.stdout


def test_an_emulator_that_does_not_answer_is_a_local_error(tmp_path: Path) -> None:
    from botocore.config import Config

    from org_constructs.tooling.local import LocalError, free_port

    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    def silent(service: str, region: str | None = None) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=region or REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - nothing answers
            config=Config(retries={"max_attempts": 1}, connect_timeout=1),
        )

    stage = assembly_with(tmp_path, "AWS::SQS::Queue")
    with pytest.raises(LocalError, match="the emulator could not say what it holds of Service-dev"):
        deploy_report(silent, stage.assembly, stage.stacks)
