"""``org-cdk change-set summary``: every page of a change set, stateful losses fail the job."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from org_constructs.contract import STATEFUL
from org_constructs.tooling.aws import OpsError
from org_constructs.tooling.cli import cli
from org_constructs.tooling.pipeline import describe_change_set, pending_stacks, render_summaries
from tests.support import ROOT

STACK, NAME = "Orders-dev-Data", "org-cdk-abc123"


def change(action: str, logical_id: str, kind: str, replacement: str = "") -> dict[str, Any]:
    resource = {"Action": action, "LogicalResourceId": logical_id, "ResourceType": kind}
    if replacement:
        resource["Replacement"] = replacement
    return {"Type": "Resource", "ResourceChange": resource}


def page(
    changes: list[dict[str, Any]], next_page: str | None = None, **extra: Any
) -> dict[str, Any]:
    answer = {"Status": "CREATE_COMPLETE", "Changes": changes, "StackName": STACK, **extra}
    if next_page:
        answer["NextToken"] = next_page
    return answer


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[Any, Stubber]]:
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    made = botocore.session.Session().create_client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - never sent anywhere
    )
    stubber = Stubber(made)
    stubber.activate()
    yield made, stubber
    stubber.assert_no_pending_responses()


def expect(stubber: Stubber, answer: dict[str, Any], next_page: str | None = None) -> None:
    request = {"StackName": STACK, "ChangeSetName": NAME}
    if next_page:
        request["NextToken"] = next_page
    stubber.add_response("describe_change_set", answer, request)


def test_every_page_is_read(client: tuple[Any, Stubber]) -> None:
    made, stubber = client
    expect(stubber, page([change("Add", "Queue", "AWS::SQS::Queue")], next_page="two"))
    expect(stubber, page([change("Modify", "Bucket", "AWS::S3::Bucket", "True")]), next_page="two")
    summary = describe_change_set(made, STACK, NAME)
    assert [c.logical_id for c in summary.changes] == ["Queue", "Bucket"]
    assert [c.logical_id for c in summary.dangerous] == ["Bucket"]


def test_the_table_flags_replacements_and_removals_loudly_for_stateful_types(
    client: tuple[Any, Stubber],
) -> None:
    made, stubber = client
    expect(
        stubber,
        page(
            [
                change("Modify", "Function", "AWS::Lambda::Function", "True"),
                change("Remove", "Table", "AWS::DynamoDB::Table"),
                change("Modify", "Alarm", "AWS::CloudWatch::Alarm", "False"),
            ]
        ),
    )
    summary = describe_change_set(made, STACK, NAME)
    text = render_summaries([summary], allow_stateful=False)
    assert "| Action | Logical id | Type | Replacement |" in text
    assert "| Modify :warning: | `Function` | `AWS::Lambda::Function` | True |" in text
    assert "| Remove :x: **stateful: data is lost** | `Table` |" in text
    assert "| Modify | `Alarm` | `AWS::CloudWatch::Alarm` | False |" in text
    assert "1 stateful resource(s) would be replaced or removed: refused" in text


def test_an_empty_or_missing_change_set_has_no_changes(client: tuple[Any, Stubber]) -> None:
    made, stubber = client
    reason = "The submitted information didn't contain changes."
    expect(stubber, page([], Status="FAILED", StatusReason=reason))
    assert describe_change_set(made, STACK, NAME).status == "NO_CHANGES"
    stubber.add_client_error("describe_change_set", "ChangeSetNotFound", "gone")
    summary = describe_change_set(made, STACK, NAME)
    assert (summary.status, summary.changes) == ("NOT_FOUND", ())
    assert "No changes" in render_summaries([summary], allow_stateful=False)


def test_an_aws_error_is_an_ops_error(client: tuple[Any, Stubber]) -> None:
    made, stubber = client
    stubber.add_client_error("describe_change_set", "AccessDenied", "not allowed")
    with pytest.raises(OpsError, match=r"describe change set 'org-cdk-abc123' .*AccessDenied"):
        describe_change_set(made, STACK, NAME)


@pytest.mark.parametrize(
    ("allow", "code"), [((), 1), (("--allow-stateful",), 0)], ids=["refused", "allowed"]
)
def test_the_command_fails_on_a_stateful_loss_unless_allowed(
    client: tuple[Any, Stubber],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    allow: tuple[str, ...],
    code: int,
) -> None:
    made, stubber = client
    expect(stubber, page([change("Add", "Topic", "AWS::SNS::Topic")], next_page="2"))
    expect(stubber, page([change("Modify", "Key", "AWS::KMS::Key", "Conditional")]), next_page="2")
    import boto3

    monkeypatch.setattr(boto3, "client", lambda service: made)
    summary_file = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    result = CliRunner().invoke(
        cli, ["change-set", "summary", "--stack", STACK, "--change-set", NAME, *allow]
    )
    assert result.exit_code == code, result.output
    assert "`Key` | `AWS::KMS::Key` | Conditional |" in summary_file.read_text()
    assert f"### {STACK}" in result.output


def test_the_command_passes_when_nothing_stateful_is_lost(
    client: tuple[Any, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    made, stubber = client
    expect(stubber, page([change("Modify", "Function", "AWS::Lambda::Function", "True")]))
    import boto3

    monkeypatch.setattr(boto3, "client", lambda service: made)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = CliRunner().invoke(
        cli, ["change-set", "summary", "--stack", STACK, "--change-set", NAME]
    )
    assert result.exit_code == 0, result.output
    assert "No stateful resource is replaced or removed." in result.output


def test_the_break_checks_and_the_summary_share_one_list() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("breaks", ROOT / "scripts" / "breaks.py")
    assert spec is not None
    assert spec.loader is not None
    breaks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(breaks)
    assert breaks.STATEFUL is STATEFUL
    assert "AWS::S3::Bucket" in STATEFUL


# ----------------------------------------------------------------------- pending change sets


def expect_for(stubber: Stubber, stack: str, answer: dict[str, Any] | None) -> None:
    request = {"StackName": stack, "ChangeSetName": NAME}
    if answer is None:
        stubber.add_client_error(
            "describe_change_set",
            service_error_code="ChangeSetNotFound",
            service_message=f"ChangeSet [{NAME}] does not exist",
            expected_params=request,
        )
    else:
        stubber.add_response("describe_change_set", answer, request)


def test_pending_keeps_the_order_and_leaves_out_stacks_without_changes(
    client: tuple[Any, Stubber],
) -> None:
    made, stubber = client
    ready = {"ExecutionStatus": "AVAILABLE"}
    expect_for(stubber, "A", page([change("Add", "Topic", "AWS::SNS::Topic")], **ready))
    expect_for(stubber, "B", None)
    expect_for(
        stubber,
        "C",
        page([], Status="FAILED", StatusReason="The submitted information didn't contain changes."),
    )
    expect_for(stubber, "D", page([change("Modify", "Fn", "AWS::Lambda::Function")], **ready))
    assert pending_stacks(made, ["A", "B", "C", "D"], NAME) == (["A", "D"], ["B", "C"])


@pytest.mark.parametrize(
    "answer",
    [
        {"Status": "FAILED", "StatusReason": "No export named Orders-dev-VpcId found"},
        {"Status": "CREATE_COMPLETE", "ExecutionStatus": "EXECUTE_COMPLETE"},
    ],
    ids=["failed", "already executed"],
)
def test_pending_refuses_a_change_set_that_cannot_run(
    client: tuple[Any, Stubber], answer: dict[str, Any]
) -> None:
    made, stubber = client
    expect_for(stubber, "A", page([], **answer))
    with pytest.raises(OpsError, match=r"change set 'org-cdk-abc123' of stack 'A' cannot be"):
        pending_stacks(made, ["A"], NAME)


def test_the_pending_command_prints_the_stacks_to_execute(
    client: tuple[Any, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    made, stubber = client
    expect_for(stubber, "A", None)
    expect_for(stubber, "B", page([], ExecutionStatus="AVAILABLE"))
    import boto3

    monkeypatch.setattr(boto3, "client", lambda service: made)
    result = CliRunner().invoke(
        cli, ["change-set", "pending", "--stack", "A", "--stack", "B", "--change-set", NAME]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "B\n"
    assert "A: no changes, nothing to execute" in result.stderr


def test_role_arn_chains_into_the_role_before_reading(
    client: tuple[Any, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    made, stubber = client
    expect_for(stubber, "A", page([], ExecutionStatus="AVAILABLE"))
    sts = botocore.session.Session().create_client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - never sent anywhere
    )
    role_arn = "arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-us-east-1"
    with Stubber(sts) as sts_stub:
        sts_stub.add_response(
            "assume_role",
            {
                "Credentials": {
                    "AccessKeyId": "ASIAEXAMPLEEXAMPLE12",
                    "SecretAccessKey": "secret-example-secret-example-secret-ex",
                    "SessionToken": "token",
                    "Expiration": "2026-12-01T00:00:00Z",
                }
            },
            {"RoleArn": role_arn, "RoleSessionName": "org-cdk-change-set"},
        )
        import boto3

        made_with: list[dict[str, Any]] = []

        class FakeSession:
            region_name = "us-east-1"

            def __init__(self, **arguments: Any) -> None:
                made_with.append(arguments)

            def client(self, service: str) -> Any:
                return sts if service == "sts" else made

        monkeypatch.setattr(boto3, "Session", FakeSession)
        result = CliRunner().invoke(
            cli,
            ["change-set", "pending", "--stack", "A", "--change-set", NAME, "--role-arn", role_arn],
        )
    assert result.exit_code == 0, result.output
    assert result.stdout == "A\n"
    assert made_with[-1]["aws_session_token"] == "token"  # noqa: S105 - a stub's answer
