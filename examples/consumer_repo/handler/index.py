"""The billing function: reads an invoice from the data bucket."""

import json
import os
from typing import Any

import boto3

s3 = boto3.client("s3")


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    invoice = s3.get_object(Bucket=os.environ["BUCKET_NAME"], Key=f"invoices/{event['id']}.json")
    return {"statusCode": 200, "body": json.dumps(json.loads(invoice["Body"].read()))}
