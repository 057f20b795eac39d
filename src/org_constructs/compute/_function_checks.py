"""What ``MonitoredFunction`` checks of its runtime, environment and event sources."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import jsii
from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from constructs import Construct, IValidation

from org_constructs._internal.kernel import Program
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.errors import ValidationError

__all__ = [
    "QueuesOutlastTheTimeout",
    "SourcesOnTheAlias",
    "check_environment",
    "latest_python_runtime",
    "withdrawn_runtimes",
]

_ENVIRONMENT_KEY = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]+$")
_RESERVED_ENVIRONMENT = frozenset(
    {
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
"""Environment variables the Lambda runtime sets, which a function's configuration cannot."""
_MAX_ENVIRONMENT_BYTES = 4096


def latest_python_runtime() -> lambda_.Runtime:
    """The newest Python runtime the installed aws-cdk-lib knows, such as ``PYTHON_3_14``."""
    versions = []
    for name in dir(lambda_.Runtime):
        match = re.fullmatch(r"PYTHON_3_(\d+)", name)
        if match:
            versions.append((int(match.group(1)), name))
    return getattr(lambda_.Runtime, max(versions)[1])  # type: ignore[no-any-return]


@cache
def withdrawn_runtimes() -> frozenset[str]:
    """Runtime names aws-cdk-lib marks deprecated ("no longer supported by AWS Lambda").

    Read from the constants' docstrings, without a call into aws-cdk-lib's runtime.
    """
    names = set()
    for member in vars(lambda_.Runtime).values():
        doc = getattr(getattr(member, "fget", None), "__doc__", None) or ""
        match = re.match(r"\(deprecated\) The .* runtime \(([^)]+)\)", doc)
        if match and "no longer supported" in doc:
            names.add(match.group(1))
    return frozenset(names)


def check_environment(where: str, prop: str, environment: Mapping[str, str]) -> None:
    """Names Lambda accepts and does not reserve, values of text, 4 KB in all."""
    size = 0
    for key, value in environment.items():
        if unresolved(key):
            raise ValidationError(where, f"{prop}[{key!r}]", key, "must be a literal name")
        if not _ENVIRONMENT_KEY.fullmatch(key):
            raise ValidationError(
                where,
                f"{prop}[{key!r}]",
                key,
                "must be a letter then letters, digits or '_' (two characters at least)",
            )
        if key in _RESERVED_ENVIRONMENT:
            raise ValidationError(
                where, f"{prop}[{key!r}]", key, "is set by the Lambda runtime and cannot be given"
            )
        size += len(key.encode()) + (0 if unresolved(value) else len(value.encode()))
    if size > _MAX_ENVIRONMENT_BYTES:
        raise ValidationError(
            where,
            prop,
            f"{size} bytes",
            f"Lambda allows at most {_MAX_ENVIRONMENT_BYTES} bytes of environment variables",
        )


@jsii.implements(IValidation)
class QueuesOutlastTheTimeout:
    """Refuses an SQS event source whose visibility timeout is below the function's timeout.

    Lambda refuses such a mapping when it is created ("Queue visibility timeout ... is less
    than Function timeout"): a message would come back while the function still works on it.
    Known only once the tree is complete (sources are added after the constructor).
    """

    def __init__(
        self, owner: Construct, function: lambda_.Function, alias: lambda_.Alias, timeout: Duration
    ) -> None:
        self._owner = owner
        self._targets = (function, alias)
        self._timeout = timeout

    def validate(self) -> list[str]:
        # What it reads, in two requests to the jsii kernel.
        owner = self._owner
        seconds = self._timeout.to_seconds()
        program = Program()
        stack_slot = program.op("stackOf", owner)
        stack, queues, *children = program.read(
            stack_slot,
            program.op("cfnUnder", stack_slot, "AWS::SQS::Queue"),
            *(program.get(program.get(target, "node"), "children") for target in self._targets),
        )
        mappings = [
            child
            for found in children
            for child in found
            if isinstance(child, lambda_.EventSourceMapping)
        ]
        if not mappings or not queues:
            return []

        def resolved(value: Any) -> Any:
            return program.call(stack, "resolve", value)

        def path(construct: Any) -> Any:
            return program.get(program.get(construct, "node"), "path")

        read = program.read(
            *(resolved(program.call(stack, "getLogicalId", queue)) for queue in queues),
            *(resolved(program.get(queue, "visibilityTimeout")) for queue in queues),
            *(path(queue) for queue in queues),
            *(
                resolved(program.get(program.get(program.get(m, "node"), "defaultChild"), arn))
                for m in mappings
                for arn in ("eventSourceArn",)
            ),
            path(owner),
            *(path(m) for m in mappings),
        )
        count = len(queues)
        ids, timeouts, queue_paths = (
            read[:count],
            read[count : 2 * count],
            read[2 * count : 3 * count],
        )
        arns = read[3 * count : 3 * count + len(mappings)]
        owner_path, *mapping_paths = read[3 * count + len(mappings) :]
        by_id = dict(zip(ids, zip(timeouts, queue_paths, strict=True), strict=True))
        problems = []
        for arn, mapping_path in zip(arns, mapping_paths, strict=True):
            attribute = arn.get("Fn::GetAtt") if isinstance(arn, dict) else None
            found = by_id.get(attribute[0]) if attribute else None
            if found is None:
                continue
            visibility, queue_path = found
            queue_path = queue_path.removesuffix("/Resource")  # the Queue, not its CfnQueue
            visibility = 30 if visibility is None else visibility
            if isinstance(visibility, int | float) and visibility < seconds:
                problems.append(
                    f"MonitoredFunction({owner_path!r}): timeout={seconds} seconds: "
                    f"exceeds the visibility timeout of the queue {queue_path!r} "
                    f"({visibility:g} seconds) that {mapping_path!r} reads: Lambda "
                    "refuses the mapping, as a message would return to the queue while the "
                    "function still works on it; give the queue visibility_timeout="
                    f"Duration.seconds({seconds * 6}) (six times the timeout, as AWS "
                    "advises), or a shorter timeout"
                )
        return problems


@jsii.implements(IValidation)
class SourcesOnTheAlias:
    """Refuses event sources added to the unversioned function: they bypass the release.

    ``function.add_event_source(...)`` maps the source to ``$LATEST``: every new version gets
    the events before the canary starts, and the rollback alarms (which watch the alias's new
    version) never see them.
    """

    def __init__(self, function: lambda_.Function, alias: lambda_.Alias) -> None:
        self._function = function
        self._alias = alias

    def validate(self) -> list[str]:
        owner = self._function.node.scope
        return [
            f"MonitoredFunction({path_of(owner) if owner else ''!r}): event source "
            f"{path_of(child)!r} is mapped to the unversioned function, which bypasses the "
            "canary and its rollback alarms: add it to the alias "
            "(monitored.alias.add_event_source(...))"
            for child in self._function.node.children
            if isinstance(child, lambda_.EventSourceMapping)
        ]
