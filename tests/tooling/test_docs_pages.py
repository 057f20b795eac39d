"""The stack pages link each alarm's runbook: the library's alarm page or the team's own."""

from __future__ import annotations

import pytest

from org_constructs.tooling.docs._pages import _runbook_link


@pytest.mark.parametrize(
    ("description", "link"),
    [
        (
            "[Critical] Errors. Runbook: https://github.com/org-constructs/org-constructs/blob/"
            "v0.5.0/docs/alarms.md#lambda-errors",
            "[lambda-errors](../alarms.md#lambda-errors)",
        ),
        (
            "[Warning] Latency. Runbook: https://wiki.example.com/runbooks/orders#api-latency",
            "[api-latency](https://wiki.example.com/runbooks/orders#api-latency)",
        ),
        ("Watch this yourself", "-"),
    ],
)
def test_the_runbook_link_follows_the_alarm_description(description: str, link: str) -> None:
    assert _runbook_link({"AlarmDescription": description}) == link
