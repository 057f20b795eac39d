"""Deployed stacks: which the app no longer defines, deleting them safely, finding resources."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from org_constructs.tooling.aws._aws import OpsError, call, pages

__all__ = [
    "DeployedStack",
    "FoundResource",
    "delete_stacks",
    "deployed_stacks",
    "find_resources",
    "obsolete_stacks",
]

# Every status except those of stacks that are gone.
_LIVE = [
    "CREATE_IN_PROGRESS",
    "CREATE_FAILED",
    "CREATE_COMPLETE",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS",
    "DELETE_FAILED",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_COMPLETE",
    "UPDATE_FAILED",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
    "REVIEW_IN_PROGRESS",
    "IMPORT_IN_PROGRESS",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_IN_PROGRESS",
    "IMPORT_ROLLBACK_FAILED",
    "IMPORT_ROLLBACK_COMPLETE",
]


@dataclass(frozen=True)
class DeployedStack:
    """A stack as CloudFormation knows it."""

    name: str
    status: str
    termination_protection: bool = False
    stage: str = ""


@dataclass(frozen=True)
class FoundResource:
    """A resource of a deployed stack."""

    stage: str
    stack: str
    logical_id: str
    physical_id: str
    resource_type: str
    status: str


def deployed_stacks(session: Any, prefix: str = "", stage: str = "") -> list[DeployedStack]:
    """Every live stack whose name starts with ``prefix``, every page of them."""
    client = session.client("cloudformation")
    names = [
        (s["StackName"], s["StackStatus"])
        for page in pages("listing stacks", client, "list_stacks", StackStatusFilter=_LIVE)
        for s in page.get("StackSummaries", [])
        if s["StackName"].startswith(prefix)
    ]
    stacks = []
    for name, status in sorted(set(names)):
        described = call(f"describing {name}", client.describe_stacks, StackName=name)
        protection = bool(described["Stacks"][0].get("EnableTerminationProtection", False))
        stacks.append(DeployedStack(name, status, protection, stage))
    return stacks


def obsolete_stacks(
    deployed: Iterable[DeployedStack], defined: Iterable[str]
) -> list[DeployedStack]:
    """Deployed stacks the app does not define (CDK's own bootstrap stack excluded)."""
    keep = set(defined) | {"CDKToolkit"}
    return [s for s in deployed if s.name not in keep]


def delete_stacks(
    session: Any,
    stacks: Sequence[DeployedStack],
    prefix: str,
    confirm: Callable[[DeployedStack], bool],
) -> tuple[list[str], list[str]]:
    """Delete ``stacks`` that carry ``prefix``, are not protected and are confirmed.

    Returns the names deleted and the names left, each with the reason in the second list.
    """
    if not prefix:
        raise OpsError("--delete needs --prefix: it never deletes outside a prefix you name")
    client = session.client("cloudformation")
    deleted: list[str] = []
    left: list[str] = []
    for stack in stacks:
        if not stack.name.startswith(prefix):
            left.append(f"{stack.name}: outside the prefix {prefix!r}")
        elif stack.termination_protection:
            left.append(f"{stack.name}: termination protection is on")
        elif not confirm(stack):
            left.append(f"{stack.name}: not confirmed")
        else:
            call(f"deleting {stack.name}", client.delete_stack, StackName=stack.name)
            deleted.append(stack.name)
    return deleted, left


def find_resources(
    session: Any,
    resource_type: str,
    name: str = "",
    *,
    stage: str = "",
    prefix: str = "",
    progress: Callable[[str], None] | None = None,
) -> list[FoundResource]:
    """Resources of ``resource_type`` (and ``name`` in their ids) in every stack, every page."""
    client = session.client("cloudformation")
    found: list[FoundResource] = []
    stacks = deployed_stacks(session, prefix, stage)
    for index, stack in enumerate(stacks, 1):
        if progress:
            progress(f"{stage or 'account'}: stack {index}/{len(stacks)} {stack.name}")
        for page in pages(
            f"listing the resources of {stack.name}",
            client,
            "list_stack_resources",
            StackName=stack.name,
        ):
            for resource in page.get("StackResourceSummaries", []):
                if resource["ResourceType"] != resource_type:
                    continue
                logical = resource["LogicalResourceId"]
                physical = resource.get("PhysicalResourceId", "")
                if name and name.lower() not in f"{logical} {physical}".lower():
                    continue
                found.append(
                    FoundResource(
                        stage,
                        stack.name,
                        logical,
                        physical,
                        resource["ResourceType"],
                        resource.get("ResourceStatus", ""),
                    )
                )
    return found
