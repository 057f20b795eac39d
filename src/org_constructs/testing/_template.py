"""Synthesize stacks once and look inside their templates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from aws_cdk import Stack
    from aws_cdk.assertions import Template

__all__ = ["TemplateLike", "find_resources", "template_json", "template_of"]

TemplateLike = Union["Template", Mapping[str, Any]]
"""A synthesized template: an ``aws_cdk.assertions.Template`` or its JSON as a mapping."""

_CACHE_ATTRIBUTE = "_org_constructs_template"


def template_of(stack: Stack) -> Template:
    """Return the ``Template`` of ``stack``, synthesizing it only the first time.

    ``Template.from_stack`` synthesizes the whole app on every call; tests that ask several
    questions of one stack should share the result, which this does.
    """
    from aws_cdk.assertions import Template

    cached = getattr(stack, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = Template.from_stack(stack)
        setattr(stack, _CACHE_ATTRIBUTE, cached)
    return cached


def template_json(template: TemplateLike) -> dict[str, Any]:
    """The template as a plain JSON-compatible ``dict`` (a deep copy)."""
    data = template if isinstance(template, Mapping) else template.to_json()
    copy: dict[str, Any] = json.loads(json.dumps(data))
    return copy


def find_resources(
    template: TemplateLike, resource_type: str, props: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Resources of ``resource_type``, by logical id.

    Parameters
    ----------
    template:
        A ``Template`` or its JSON.
    resource_type:
        A CloudFormation type such as ``'AWS::S3::Bucket'``.
    props:
        When given, only resources whose ``Properties`` contain these values (a partial, deep
        match: mappings may hold more keys, lists must match element by element).

    Example
    -------
    >>> find_resources({"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}, "AWS::S3::Bucket")
    {'B': {'Type': 'AWS::S3::Bucket'}}
    """
    resources = template_json(template).get("Resources", {})
    found: dict[str, dict[str, Any]] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != resource_type:
            continue
        if props is not None and not _contains(resource.get("Properties", {}), props):
            continue
        found[logical_id] = resource
    return found


def _contains(actual: object, expected: object) -> bool:
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and _contains(actual[key], value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_contains(a, e) for a, e in zip(actual, expected, strict=False))
        )
    return actual == expected
