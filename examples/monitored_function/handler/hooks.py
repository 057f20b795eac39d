"""Pre-traffic hook: invoke the new version once, report the result to CodeDeploy."""

import json
import os

import boto3


def handler(event, context):  # type: ignore[no-untyped-def]
    status = "Succeeded"
    try:
        response = boto3.client("lambda").invoke(
            FunctionName=os.environ["TARGET"], Payload=json.dumps({"body": "{}"})
        )
        if json.loads(response["Payload"].read())["statusCode"] != 201:
            status = "Failed"
    except Exception:  # any failure fails the deployment
        status = "Failed"
    boto3.client("codedeploy").put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
