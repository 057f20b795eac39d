"""What a CloudFormation change set would do, as a table a reviewer reads before approving."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from org_constructs.contract import STATEFUL

__all__ = [
    "Change",
    "ChangeSetSummary",
    "append_step_summary",
    "describe_change_set",
    "pending_stacks",
    "render_summaries",
]

_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


@dataclass(frozen=True)
class Change:
    """One resource change of a change set.

    Attributes
    ----------
    action:
        ``Add``, ``Modify``, ``Remove``, ``Import``, ``Dynamic``.
    logical_id, resource_type:
        The resource.
    replacement:
        ``True``, ``False`` or ``Conditional`` for a ``Modify``; empty otherwise.
    """

    action: str
    logical_id: str
    resource_type: str
    replacement: str = ""

    @property
    def destructive(self) -> bool:
        """The resource is removed, or replaced (a new one is made and the old one deleted)."""
        return self.action == "Remove" or self.replacement in ("True", "Conditional")

    @property
    def stateful(self) -> bool:
        """Its type holds data (``org_constructs.contract.STATEFUL``)."""
        return self.resource_type in STATEFUL


@dataclass(frozen=True)
class ChangeSetSummary:
    """The changes of one stack's change set."""

    stack: str
    change_set: str
    status: str
    changes: Sequence[Change]
    execution_status: str = ""
    reason: str = ""

    @property
    def dangerous(self) -> list[Change]:
        """The stateful resources the change set replaces or removes."""
        return [c for c in self.changes if c.destructive and c.stateful]


def describe_change_set(client: Any, stack: str, change_set: str) -> ChangeSetSummary:
    """Every change of ``change_set`` on ``stack``, following each page of the answer.

    Parameters
    ----------
    client:
        A boto3 CloudFormation client.
    stack, change_set:
        The stack name and the change set name.

    A change set that CloudFormation refused for having no changes, or that does not exist
    (``cdk deploy`` deletes an empty one), is a summary without changes.

    Raises
    ------
    OpsError
        When AWS refuses the call or there are no credentials.
    """
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from org_constructs.tooling.aws import OpsError

    what = f"describe change set {change_set!r} of stack {stack!r}"
    changes: list[Change] = []
    status = ""
    token: str | None = None
    while True:
        arguments = {"StackName": stack, "ChangeSetName": change_set}
        if token:
            arguments["NextToken"] = token
        try:
            page = client.describe_change_set(**arguments)
        except NoCredentialsError:
            raise OpsError(f"{what}: no AWS credentials in the environment") from None
        except ClientError as error:
            detail = error.response.get("Error", {})
            if detail.get("Code") == "ChangeSetNotFound":
                return ChangeSetSummary(stack, change_set, "NOT_FOUND", ())
            raise OpsError(
                f"{what}: {detail.get('Code', 'error')}: {detail.get('Message', error)}"
            ) from None
        except BotoCoreError as error:
            raise OpsError(f"{what}: {error}") from None
        status = str(page.get("Status", ""))
        if status == "FAILED" and any(t in str(page.get("StatusReason", "")) for t in _NO_CHANGES):
            return ChangeSetSummary(stack, change_set, "NO_CHANGES", ())
        for entry in page.get("Changes", []):
            resource = entry.get("ResourceChange") or {}
            changes.append(
                Change(
                    action=str(resource.get("Action", "")),
                    logical_id=str(resource.get("LogicalResourceId", "")),
                    resource_type=str(resource.get("ResourceType", "")),
                    replacement=str(resource.get("Replacement", "")),
                )
            )
        token = page.get("NextToken")
        if not token:
            return ChangeSetSummary(
                stack,
                change_set,
                status,
                tuple(changes),
                execution_status=str(page.get("ExecutionStatus", "")),
                reason=str(page.get("StatusReason", "") or ""),
            )


def pending_stacks(
    client: Any, stacks: Sequence[str], change_set: str
) -> tuple[list[str], list[str]]:
    """Split ``stacks`` into those with a change set to execute and those without changes.

    Parameters
    ----------
    client:
        A boto3 CloudFormation client.
    stacks:
        The stacks, in the order they deploy; both lists keep it.
    change_set:
        The change set's name.

    Returns
    -------
    tuple[list[str], list[str]]
        (pending, unchanged): ``pending`` have a change set ready to execute; ``unchanged``
        have none (never made, or refused for having no changes).

    Raises
    ------
    OpsError
        When a change set failed for another reason or is not ready to execute (its
        execution status is not ``AVAILABLE``), or AWS refuses the call.
    """
    from org_constructs.tooling.aws import OpsError

    pending: list[str] = []
    unchanged: list[str] = []
    for stack in stacks:
        summary = describe_change_set(client, stack, change_set)
        if summary.status in ("NOT_FOUND", "NO_CHANGES"):
            unchanged.append(stack)
            continue
        if summary.status != "CREATE_COMPLETE" or summary.execution_status != "AVAILABLE":
            raise OpsError(
                f"change set {change_set!r} of stack {stack!r} cannot be executed: status "
                f"{summary.status}, execution status {summary.execution_status or 'unknown'}"
                + (f" ({summary.reason})" if summary.reason else "")
            )
        pending.append(stack)
    return pending, unchanged


def render_summaries(summaries: Iterable[ChangeSetSummary], *, allow_stateful: bool) -> str:
    """The change sets as markdown: a table per stack, each replacement and removal flagged."""
    lines: list[str] = []
    dangerous = 0
    for summary in summaries:
        lines += [f"### {summary.stack}", ""]
        if not summary.changes:
            lines += [f"No changes (change set `{summary.change_set}`: {summary.status}).", ""]
            continue
        lines += [
            "| Action | Logical id | Type | Replacement |",
            "| --- | --- | --- | --- |",
        ]
        for change in summary.changes:
            flag = ""
            if change.destructive and change.stateful:
                flag = " :x: **stateful: data is lost**"
            elif change.destructive:
                flag = " :warning:"
            lines.append(
                f"| {change.action}{flag} | `{change.logical_id}` | `{change.resource_type}` | "
                f"{change.replacement or '-'} |"
            )
        lines.append("")
        dangerous += len(summary.dangerous)
    if dangerous:
        verdict = (
            "allowed by `--allow-stateful`"
            if allow_stateful
            else "refused; rerun the workflow with `allow_stateful_replacement` once the data "
            "is safe"
        )
        lines.append(
            f"> [!CAUTION]\n> {dangerous} stateful resource(s) would be replaced or removed: "
            f"{verdict}."
        )
    else:
        lines.append("No stateful resource is replaced or removed.")
    return "\n".join(lines) + "\n"


def append_step_summary(text: str) -> Path | None:
    """Append ``text`` to the file ``$GITHUB_STEP_SUMMARY`` names, when it names one."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as file:
        file.write(text)
    return path
