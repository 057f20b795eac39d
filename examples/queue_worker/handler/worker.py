"""Works off a batch of jobs; reports the ones that failed, so that only they return."""

import json
from typing import Any


def handler(event: dict[str, Any], context: object) -> dict[str, list[dict[str, str]]]:
    failures = []
    for record in event.get("Records", []):
        try:
            job = json.loads(record["body"])
            if not isinstance(job, dict) or "id" not in job:
                raise ValueError("a job needs an id")
        except (ValueError, KeyError):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
