"""Policy checks for synthesized templates: least-privilege IAM and closed ingress."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from org_constructs.testing._template import TemplateLike, template_json

__all__ = [
    "IamStatement",
    "assert_no_open_ingress",
    "assert_no_wildcard_dimensions",
    "assert_no_wildcard_iam",
    "iam_statements",
]

# Identity policies: where each resource type keeps its policy documents.
_INLINE_DOCUMENT = (
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::RolePolicy",
    "AWS::IAM::UserPolicy",
    "AWS::IAM::GroupPolicy",
)
_POLICIES_LIST = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")
_OPEN_CIDRS = {"CidrIp": "0.0.0.0/0", "CidrIpv6": "::/0"}
_ALL_PROTOCOLS = ("-1", "all", -1)


@dataclass(frozen=True)
class IamStatement:
    """One ``Allow`` statement of an identity policy in a template."""

    logical_id: str
    """The logical id of the resource that holds the policy."""
    index: int
    """The statement's position in its policy document."""
    actions: tuple[str, ...]
    resources: tuple[Any, ...]
    not_action: bool
    """True when the statement uses ``NotAction`` (allows every other action)."""
    not_resource: bool
    """True when the statement uses ``NotResource``."""


def iam_statements(template: TemplateLike) -> Iterator[IamStatement]:
    """Every ``Allow`` statement of every identity policy (roles, users, groups, policies)."""
    for logical_id, resource in template_json(template).get("Resources", {}).items():
        properties = resource.get("Properties", {})
        documents: list[Any] = []
        if resource.get("Type") in _INLINE_DOCUMENT:
            documents.append(properties.get("PolicyDocument", {}))
        elif resource.get("Type") in _POLICIES_LIST:
            documents.extend(p.get("PolicyDocument", {}) for p in properties.get("Policies", []))
        for document in documents:
            for index, statement in enumerate(_as_list(document.get("Statement", []))):
                if statement.get("Effect") != "Allow":
                    continue
                yield IamStatement(
                    logical_id=logical_id,
                    index=index,
                    actions=tuple(_as_list(statement.get("Action", statement.get("NotAction")))),
                    resources=tuple(
                        _as_list(statement.get("Resource", statement.get("NotResource")))
                    ),
                    not_action="NotAction" in statement,
                    not_resource="NotResource" in statement,
                )


def assert_no_wildcard_iam(
    template: TemplateLike,
    *,
    allowed_actions: Iterable[str] = (),
    allowed_on_any_resource: Iterable[str] = (),
) -> None:
    """Fail when an identity policy allows a wildcard action or a wildcard resource.

    A wildcard action is ``*`` or a whole service (``s3:*``); narrower patterns such as
    ``s3:GetObject*``, which aws-cdk-lib's ``grant_*`` methods write, are not flagged. A
    wildcard resource is ``"*"``. ``NotAction`` and ``NotResource`` in an ``Allow`` always fail.

    Parameters
    ----------
    template:
        A ``Template`` or its JSON.
    allowed_actions:
        Wildcard actions that are accepted, such as ``"logs:*"``.
    allowed_on_any_resource:
        Actions (``fnmatch`` patterns, case-insensitive) accepted with ``Resource: "*"``, for
        the actions AWS only grants that way, such as ``"xray:PutTraceSegments"``. A statement
        passes only when every one of its actions matches.

    Raises
    ------
    AssertionError
        Listing every offending statement: resource, statement index, actions, resources.
    """
    allowed = {a.lower() for a in allowed_actions}
    any_resource = [p.lower() for p in allowed_on_any_resource]
    problems: list[str] = []
    for st in iam_statements(template):
        where = f"{st.logical_id} statement {st.index}"
        if st.not_action or st.not_resource:
            key = "NotAction" if st.not_action else "NotResource"
            problems.append(f"{where}: Allow with {key} grants everything not listed")
            continue
        for action in st.actions:
            if _is_wildcard_action(action) and str(action).lower() not in allowed:
                problems.append(f"{where}: wildcard action {action!r}")
        if "*" in st.resources:
            unmatched = [
                a
                for a in st.actions
                if not any(fnmatch.fnmatch(str(a).lower(), p) for p in any_resource)
            ]
            if unmatched:
                problems.append(
                    f"{where}: Resource '*' for {', '.join(map(str, unmatched))}"
                    " (scope the resource, or list the action in allowed_on_any_resource)"
                )
    if problems:
        raise AssertionError("wildcard IAM permissions found:\n  " + "\n  ".join(problems))


def assert_no_open_ingress(template: TemplateLike, *, allowed_ports: Iterable[int] = ()) -> None:
    """Fail when a security group accepts traffic from anywhere (``0.0.0.0/0`` or ``::/0``).

    Parameters
    ----------
    template:
        A ``Template`` or its JSON.
    allowed_ports:
        TCP/UDP ports that may be open to the internet, such as ``443`` for a public load
        balancer. A rule passes only when every port of its range is allowed; a rule for all
        protocols never passes.

    Raises
    ------
    AssertionError
        Listing every open rule: resource, protocol, ports and source.
    """
    allowed = set(allowed_ports)
    problems: list[str] = []
    for logical_id, rule in _ingress_rules(template):
        for key, cidr in _OPEN_CIDRS.items():
            if rule.get(key) != cidr:
                continue
            protocol = rule.get("IpProtocol")
            low, high = rule.get("FromPort"), rule.get("ToPort")
            if protocol not in _ALL_PROTOCOLS and _ports_allowed(low, high, allowed):
                continue
            ports = "all ports" if protocol in _ALL_PROTOCOLS else f"ports {low}-{high}"
            problems.append(f"{logical_id}: {protocol} {ports} open to {cidr}")
    if problems:
        raise AssertionError("ingress open to the internet:\n  " + "\n  ".join(problems))


def assert_no_wildcard_dimensions(template: TemplateLike) -> None:
    """Fail when an alarm or a dashboard uses ``'*'`` as a dimension value.

    CloudWatch alarms do not expand wildcards: an alarm on ``FunctionName='*'`` watches a
    metric that does not exist and never fires. Fleet-wide views belong in ``SEARCH``
    expressions instead.

    Raises
    ------
    AssertionError
        Listing each alarm (and metric id) or dashboard with a ``'*'`` dimension.
    """
    problems: list[str] = []
    for logical_id, resource in template_json(template).get("Resources", {}).items():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::CloudWatch::Alarm":
            dimension_lists = [("", properties.get("Dimensions", []))]
            for query in properties.get("Metrics", []):
                stat = query.get("MetricStat", {}).get("Metric", {})
                dimension_lists.append((f" metric {query.get('Id')}", stat.get("Dimensions", [])))
            for where, dimensions in dimension_lists:
                for dimension in dimensions:
                    if dimension.get("Value") == "*":
                        problems.append(f"{logical_id}{where}: {dimension.get('Name')}='*'")
        elif resource.get("Type") == "AWS::CloudWatch::Dashboard" and ',"*"' in _literal_text(
            properties.get("DashboardBody", "")
        ):
            problems.append(f"{logical_id}: a dashboard metric has a '*' dimension value")
    if problems:
        raise AssertionError(
            "wildcard dimension values (alarms never fire on them):\n  " + "\n  ".join(problems)
        )


def _literal_text(value: Any) -> str:
    """The literal strings of a value that may be an ``Fn::Join``, joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join(_literal_text(part) for part in value["Fn::Join"][1])
    return ""


def _ingress_rules(template: TemplateLike) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for logical_id, resource in template_json(template).get("Resources", {}).items():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::EC2::SecurityGroup":
            for rule in properties.get("SecurityGroupIngress", []):
                yield logical_id, rule
        elif resource.get("Type") == "AWS::EC2::SecurityGroupIngress":
            yield logical_id, properties


def _ports_allowed(low: object, high: object, allowed: set[int]) -> bool:
    if not isinstance(low, int) or not isinstance(high, int) or high - low > 65535:
        return False
    return all(port in allowed for port in range(low, high + 1))


def _is_wildcard_action(action: object) -> bool:
    return isinstance(action, str) and (action == "*" or action.endswith(":*"))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
