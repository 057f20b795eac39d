"""Records each uploaded file in the table; reports the messages that failed, so that only
they return to the queue."""

import json
import os
import time
from typing import Any

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
KEEP_DAYS = 90


def handler(event: dict[str, Any], context: object) -> dict[str, list[dict[str, str]]]:
    failures = []
    for record in event.get("Records", []):
        try:
            for upload in json.loads(record["body"]).get("Records", []):
                key = upload["s3"]["object"]["key"]
                TABLE.put_item(
                    Item={
                        "pk": key,
                        "size": upload["s3"]["object"].get("size", 0),
                        "uploaded": upload["eventTime"],
                        "expires": int(time.time()) + KEEP_DAYS * 86400,
                    }
                )
        except (ValueError, KeyError):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
