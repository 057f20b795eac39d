"""The orders function: returns the order it was given, with an id."""

import json
import uuid


def handler(event, context):  # type: ignore[no-untyped-def]
    body = json.loads(event.get("body") or "{}")
    return {"statusCode": 201, "body": json.dumps({"id": str(uuid.uuid4()), **body})}
