"""The AWS operations follow every page (boto3 paginators), without an emulator.

Real boto3 clients with botocore's ``Stubber``: each expected request names the ``NextToken``
it must carry, and the stubber fails a request nobody queued, so the tests prove both that the
next page is asked for and that no page is asked for twice or after the answer is found.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import ANY, Stubber

from org_constructs.contract import DEPLOYMENT_TOPIC_OUTPUT
from org_constructs.tooling.aws import (
    DeployedStack,
    FoundResource,
    OpsError,
    deployed_stacks,
    find_deployment_topic,
    find_resources,
)

WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)
TOPIC = "arn:aws:sns:us-east-1:111111111111:deployments"


class StubbedSession:
    """Stands in for a ``boto3.Session``: one stubbed client per service, for every call."""

    def __init__(self) -> None:
        self.botocore = botocore.session.Session()
        self.stubbers: dict[str, Stubber] = {}
        self.clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self.clients:
            client = self.botocore.create_client(
                service,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",  # noqa: S106 - never sent anywhere
            )
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()
            self.clients[service] = client
        return self.clients[service]

    def stub(self, service: str) -> Stubber:
        self.client(service)
        return self.stubbers[service]


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[StubbedSession]:
    """A session that reads no profile of this machine and asserts every queued page was read."""
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    stubbed = StubbedSession()
    yield stubbed
    for stubber in stubbed.stubbers.values():
        stubber.assert_no_pending_responses()


def summary(name: str, status: str = "CREATE_COMPLETE") -> dict[str, Any]:
    return {"StackName": name, "StackStatus": status, "CreationTime": WHEN}


def described(name: str, **extra: Any) -> dict[str, Any]:
    return {"StackName": name, "StackStatus": "CREATE_COMPLETE", "CreationTime": WHEN, **extra}


def resource(logical_id: str, physical_id: str, resource_type: str) -> dict[str, Any]:
    return {
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": physical_id,
        "ResourceType": resource_type,
        "LastUpdatedTimestamp": WHEN,
        "ResourceStatus": "CREATE_COMPLETE",
    }


def test_deployed_stacks_reads_every_page(session: StubbedSession) -> None:
    stub = session.stub("cloudformation")
    stub.add_response(
        "list_stacks",
        {"StackSummaries": [summary("Orders-b")], "NextToken": "page-2"},
        {"StackStatusFilter": ANY},
    )
    stub.add_response(
        "list_stacks",
        {"StackSummaries": [summary("Orders-a", "UPDATE_COMPLETE"), summary("Other")]},
        {"StackStatusFilter": ANY, "NextToken": "page-2"},
    )
    stub.add_response(
        "describe_stacks",
        {"Stacks": [described("Orders-a", EnableTerminationProtection=True)]},
        {"StackName": "Orders-a"},
    )
    stub.add_response(
        "describe_stacks", {"Stacks": [described("Orders-b")]}, {"StackName": "Orders-b"}
    )
    assert deployed_stacks(session, "Orders-", "dev") == [
        DeployedStack("Orders-a", "UPDATE_COMPLETE", True, "dev"),
        DeployedStack("Orders-b", "CREATE_COMPLETE", False, "dev"),
    ]


def test_find_resources_reads_every_page_of_resources(session: StubbedSession) -> None:
    stub = session.stub("cloudformation")
    stub.add_response("list_stacks", {"StackSummaries": [summary("Orders")]})
    stub.add_response("describe_stacks", {"Stacks": [described("Orders")]}, {"StackName": "Orders"})
    stub.add_response(
        "list_stack_resources",
        {
            "StackResourceSummaries": [
                resource("Jobs", "https://sqs/jobs", "AWS::SQS::Queue"),
                resource("Bucket", "orders-bucket", "AWS::S3::Bucket"),
            ],
            "NextToken": "more",
        },
        {"StackName": "Orders"},
    )
    stub.add_response(
        "list_stack_resources",
        {"StackResourceSummaries": [resource("Dead", "https://sqs/dead", "AWS::SQS::Queue")]},
        {"StackName": "Orders", "NextToken": "more"},
    )
    found = find_resources(session, "AWS::SQS::Queue", stage="dev")
    assert [(r.logical_id, r.physical_id) for r in found] == [
        ("Jobs", "https://sqs/jobs"),
        ("Dead", "https://sqs/dead"),
    ]
    assert found[0] == FoundResource(
        "dev", "Orders", "Jobs", "https://sqs/jobs", "AWS::SQS::Queue", "CREATE_COMPLETE"
    )


def test_deployment_topic_on_a_later_page(session: StubbedSession) -> None:
    stub = session.stub("cloudformation")
    stub.add_response(
        "describe_stacks",
        {"Stacks": [described("Orders-dev-Api"), described("Other")], "NextToken": "t2"},
        {},
    )
    stub.add_response(
        "describe_stacks",
        {
            "Stacks": [
                described(
                    "Orders-dev-Notifications",
                    Outputs=[{"OutputKey": DEPLOYMENT_TOPIC_OUTPUT, "OutputValue": TOPIC}],
                )
            ]
        },
        {"NextToken": "t2"},
    )
    assert find_deployment_topic(session, "Orders-dev") == TOPIC


def test_deployment_topic_stops_at_the_page_that_has_it(session: StubbedSession) -> None:
    """No second page is queued: asking for one would fail the stubber."""
    outputs = [{"OutputKey": DEPLOYMENT_TOPIC_OUTPUT, "OutputValue": TOPIC}]
    session.stub("cloudformation").add_response(
        "describe_stacks",
        {"Stacks": [described("Orders-dev-Notifications", Outputs=outputs)], "NextToken": "t2"},
        {},
    )
    assert find_deployment_topic(session) == TOPIC


def test_no_topic_on_any_page_is_a_clear_error(session: StubbedSession) -> None:
    stub = session.stub("cloudformation")
    stub.add_response("describe_stacks", {"Stacks": [described("A")], "NextToken": "t2"}, {})
    stub.add_response("describe_stacks", {"Stacks": [described("B")]}, {"NextToken": "t2"})
    with pytest.raises(OpsError, match="no stack has the output DeploymentTopicArn"):
        find_deployment_topic(session)


def test_an_error_on_a_later_page_is_an_ops_error(session: StubbedSession) -> None:
    stub = session.stub("cloudformation")
    stub.add_response(
        "list_stacks", {"StackSummaries": [summary("Orders")], "NextToken": "t2"}, None
    )
    stub.add_client_error(
        "list_stacks",
        service_error_code="Throttling",
        service_message="Rate exceeded",
        expected_params={"StackStatusFilter": ANY, "NextToken": "t2"},
    )
    with pytest.raises(OpsError, match=r"^listing stacks: Throttling: Rate exceeded$"):
        deployed_stacks(session)
