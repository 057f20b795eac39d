"""Policy checks for synthesized templates: least-privilege IAM and closed ingress."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from org_constructs.contract import ACKNOWLEDGED, NAG_TOOL, TEMPLATE_KEY
from org_constructs.testing._template import TemplateLike, template_json

__all__ = [
    "IamStatement",
    "acknowledged_rules",
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
    acknowledged: Mapping[str, str] = field(default_factory=dict)
    """cdk-nag rule ids acknowledged on the policy's resource, with their reasons."""


def iam_statements(template: TemplateLike) -> Iterator[IamStatement]:
    """Every ``Allow`` statement of every identity policy (roles, users, groups, policies)."""
    for logical_id, resource in template_json(template).get("Resources", {}).items():
        properties = resource.get("Properties", {})
        acknowledged = acknowledged_rules(resource)
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
                    acknowledged=acknowledged,
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
        Listing every offending statement: resource, statement index, actions, resources;
        then, for context, the wildcards it did not count because an acknowledgement with a
        reason covers them.

    Notes
    -----
    A wildcard that a cdk-nag acknowledgement covers on the policy's resource
    (``AwsSolutions-IAM5`` or ``AwsSolutions-IAM5[Action::s3:*]`` /
    ``AwsSolutions-IAM5[Resource::*]``) passes: the library's constructs acknowledge what they
    need (X-Ray's ``Resource: "*"``, their ``grant_*`` methods' action families) with a
    reason, and ``acknowledge_finding`` does the same for yours. It is the record that
    ``org-cdk validate`` reports.
    """
    allowed = {a.lower() for a in allowed_actions}
    any_resource = [p.lower() for p in allowed_on_any_resource]
    problems: list[str] = []
    excused: list[str] = []
    for st in iam_statements(template):
        where = f"{st.logical_id} statement {st.index}"
        if st.not_action or st.not_resource:
            key = "NotAction" if st.not_action else "NotResource"
            problems.append(f"{where}: Allow with {key} grants everything not listed")
            continue
        for action in st.actions:
            if _is_wildcard_action(action) and str(action).lower() not in allowed:
                _sort(
                    f"{where}: wildcard action {action!r}",
                    _reason(st.acknowledged, _IAM5, f"Action::{action}"),
                    problems,
                    excused,
                )
        if "*" in st.resources:
            unmatched = [
                a
                for a in st.actions
                if not any(fnmatch.fnmatch(str(a).lower(), p) for p in any_resource)
            ]
            if unmatched:
                _sort(
                    f"{where}: Resource '*' for {', '.join(map(str, unmatched))}"
                    " (scope the resource, or list the action in allowed_on_any_resource)",
                    _reason(st.acknowledged, _IAM5, "Resource::*"),
                    problems,
                    excused,
                )
    _fail("wildcard IAM permissions found", problems, excused)


_IAM5 = "AwsSolutions-IAM5"
_EC23 = "AwsSolutions-EC23"


def acknowledged_rules(resource: Mapping[str, Any]) -> dict[str, str]:
    """The cdk-nag rule ids acknowledged on a template resource, with their reasons.

    The library's constructs (and ``acknowledge_finding``) copy each cdk-nag acknowledgement
    into the template of every resource it covers, so the helpers here honour the same
    acknowledgement, with the same reason, that ``org-cdk validate`` reports.
    """
    record = (resource.get("Metadata") or {}).get(TEMPLATE_KEY) or {}
    return {
        str(entry["rule"]): str(entry.get("reason", ""))
        for entry in record.get(ACKNOWLEDGED, [])
        if entry.get("tool") == NAG_TOOL
    }


def _reason(acknowledged: Mapping[str, str], rule: str, detail: str | None = None) -> str | None:
    """The reason of an acknowledgement covering ``rule`` (or ``rule[detail]``), if any."""
    if detail is not None and f"{rule}[{detail}]" in acknowledged:
        return acknowledged[f"{rule}[{detail}]"]
    return acknowledged.get(rule)


def _sort(problem: str, reason: str | None, problems: list[str], excused: list[str]) -> None:
    if reason is None:
        problems.append(problem)
    else:
        excused.append(f"{problem}; acknowledged: {reason}")


def _fail(title: str, problems: list[str], excused: list[str]) -> None:
    if not problems:
        return
    message = f"{title}:\n  " + "\n  ".join(problems)
    if excused:
        message += "\nacknowledged, so not counted:\n  " + "\n  ".join(excused)
    raise AssertionError(message)


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
        Listing every open rule: resource, protocol, ports and source. A rule on a security
        group with an ``AwsSolutions-EC23`` acknowledgement is not counted (it is listed).
    """
    allowed = set(allowed_ports)
    problems: list[str] = []
    excused: list[str] = []
    for logical_id, rule, acknowledged in _ingress_rules(template):
        for key, cidr in _OPEN_CIDRS.items():
            if rule.get(key) != cidr:
                continue
            protocol = rule.get("IpProtocol")
            low, high = rule.get("FromPort"), rule.get("ToPort")
            if protocol not in _ALL_PROTOCOLS and _ports_allowed(low, high, allowed):
                continue
            ports = "all ports" if protocol in _ALL_PROTOCOLS else f"ports {low}-{high}"
            _sort(
                f"{logical_id}: {protocol} {ports} open to {cidr}",
                _reason(acknowledged, _EC23),
                problems,
                excused,
            )
    _fail("ingress open to the internet", problems, excused)


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


def _ingress_rules(
    template: TemplateLike,
) -> Iterator[tuple[str, Mapping[str, Any], Mapping[str, str]]]:
    for logical_id, resource in template_json(template).get("Resources", {}).items():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::EC2::SecurityGroup":
            for rule in properties.get("SecurityGroupIngress", []):
                yield logical_id, rule, acknowledged_rules(resource)
        elif resource.get("Type") == "AWS::EC2::SecurityGroupIngress":
            yield logical_id, properties, acknowledged_rules(resource)


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
