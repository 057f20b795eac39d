"""Publish a deployment's result to the topic a ``DeploymentNotifications`` stack exports."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict, dataclass
from typing import Any

from org_constructs.contract import DEPLOYMENT_TOPIC_OUTPUT
from org_constructs.tooling.aws._aws import OpsError, call, pages

__all__ = ["DeploymentResult", "find_deployment_topic", "publish_result"]


@dataclass(frozen=True)
class DeploymentResult:
    """What the notification says."""

    stage: str
    stacks: tuple[str, ...]
    status: str
    """``'succeeded'`` or ``'failed'``."""
    version: str
    who: str
    seconds: float

    def subject(self) -> str:
        return f"[{self.stage}] deployment {self.status}: {', '.join(self.stacks) or 'all stacks'}"[
            :100
        ]


def find_deployment_topic(session: Any, prefix: str = "") -> str:
    """The ``DeploymentTopicArn`` output of a stack (starting with ``prefix``)."""
    client = session.client("cloudformation")
    for page in pages("describing stacks", client, "describe_stacks"):
        for stack in page.get("Stacks", []):
            if not stack["StackName"].startswith(prefix):
                continue
            for output in stack.get("Outputs", []):
                if output.get("OutputKey") == DEPLOYMENT_TOPIC_OUTPUT:
                    return str(output["OutputValue"])
    raise OpsError(
        f"no stack{f' starting with {prefix!r}' if prefix else ''} has the output "
        f"{DEPLOYMENT_TOPIC_OUTPUT}: deploy a stack with DeploymentNotifications first"
    )


def caller(session: Any) -> str:
    """Who is deploying: the local user and the AWS identity."""
    user = getpass.getuser()
    try:
        identity = session.client("sts").get_caller_identity()["Arn"]
    except Exception:
        identity = "unknown AWS identity"
    return f"{user} as {identity}"


def publish_result(session: Any, topic_arn: str, result: DeploymentResult) -> str:
    """Publish ``result`` as JSON; returns the message id."""
    client = session.client("sns")
    response = call(
        "publishing the deployment notification",
        client.publish,
        TopicArn=topic_arn,
        Subject=result.subject(),
        Message=json.dumps(asdict(result), indent=2),
        MessageAttributes={
            "stage": {"DataType": "String", "StringValue": result.stage},
            "status": {"DataType": "String", "StringValue": result.status},
        },
    )
    return str(response["MessageId"])
