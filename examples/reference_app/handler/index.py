"""Orders API: store an order as a JSON object in the orders bucket."""

import json
import os
import uuid

import boto3

BUCKET = os.environ["ORDERS_BUCKET"]


def handler(event, context):  # type: ignore[no-untyped-def]
    order = json.loads(event.get("body") or "{}")
    order_id = str(uuid.uuid4())
    boto3.client("s3").put_object(
        Bucket=BUCKET, Key=f"orders/{order_id}.json", Body=json.dumps(order).encode()
    )
    return {"statusCode": 201, "body": json.dumps({"id": order_id})}
