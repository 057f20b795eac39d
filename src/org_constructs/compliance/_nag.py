"""Run cdk-nag rule packs on a construct tree and list what they find."""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs import IConstruct

from org_constructs._keys import ACKNOWLEDGED, AUDIT_METADATA, NAG_TOOL, TEMPLATE_KEY
from org_constructs._packs import NAG_PACKS
from org_constructs.config._loader import MissingExtraError
from org_constructs.errors import ValidationError

__all__ = [
    "AUDIT_CONTEXT",
    "AUDIT_METADATA",
    "NAG_PACKS",
    "PACKS_CONTEXT",
    "NagFinding",
    "acknowledge_check",
    "acknowledge_finding",
    "apply_nag_packs",
    "nag_findings",
    "record_acknowledgement",
]

MIN_REASON = 20

PACKS_CONTEXT = "org-constructs:nag-packs"
"""Context key that replaces the packs an app declares (``org-cdk validate --packs``)."""

AUDIT_CONTEXT = "org-constructs:audit-acknowledgements"
"""Context key set by ``org-cdk validate``: acknowledgements are recorded, not applied, so the
report can say which finding each one covers and which ones cover nothing."""


_PLUGIN_NAME = NAG_TOOL


@dataclass(frozen=True)
class NagFinding:
    """One unacknowledged finding of a cdk-nag rule on one resource."""

    pack: str
    rule_id: str
    """The rule id, with the finding's detail when the rule has one (``AwsSolutions-IAM5[...]``)."""
    severity: str
    description: str
    construct_path: str

    def __str__(self) -> str:
        return f"{self.rule_id} ({self.severity}) at {self.construct_path}: {self.description}"


def nag_findings(scope: IConstruct, packs: Iterable[str] = ("AwsSolutions",)) -> list[NagFinding]:
    """Run the named cdk-nag packs over ``scope`` and return the unacknowledged findings.

    Acknowledgements made with ``acknowledge_finding`` (or
    ``aws_cdk.Validations.of(construct).acknowledge``) are honoured. No synthesis is needed:
    the packs walk the construct tree.

    Parameters
    ----------
    scope:
        An app, stage, stack or construct.
    packs:
        Pack names from ``NAG_PACKS``. Default: ``("AwsSolutions",)``

    Raises
    ------
    ValidationError
        For an unknown pack name.
    MissingExtraError
        When cdk-nag is not installed.
    """
    findings: list[NagFinding] = []
    for pack, checks in _packs("nag_findings", packs):
        report = checks.validate_scope(scope)
        for violation in report.violations:
            for resource in violation.violating_resources:
                findings.append(
                    NagFinding(
                        pack=pack,
                        rule_id=violation.rule_name,
                        severity=str(violation.severity),
                        description=violation.description,
                        construct_path=resource.construct_path or resource.template_path,
                    )
                )
    return findings


def apply_nag_packs(
    scope: IConstruct, packs: Iterable[str] | None = ("AwsSolutions",)
) -> tuple[str, ...]:
    """Declare the cdk-nag packs that ``scope`` must pass: ``cdk synth`` fails on any finding.

    cdk-nag 3 packs are validation plugins of the enclosing ``Stage`` (or ``App``), not
    Aspects. This registers one plugin per stage that runs each declared pack over the scope
    it was declared for, so one app can hold stacks held to different packs (a production
    stack to HIPAA, a dev stack to AwsSolutions only). ``cdk synth`` writes the findings to
    the terminal and, with ``-c @aws-cdk/core:validationReportJson=true``, to
    ``policy-validation-report.json`` in the cloud assembly; ``org-cdk validate`` reads that.

    Parameters
    ----------
    scope:
        An app, stage, stack or construct inside a stage.
    packs:
        Pack names from ``NAG_PACKS``. The context key ``org-constructs:nag-packs`` (a
        comma-separated list, set by ``org-cdk validate --packs``) replaces them.
        Default: ``("AwsSolutions",)``

    Returns
    -------
    tuple[str, ...]
        The packs in force for ``scope``.

    Raises
    ------
    ValidationError
        For an unknown pack name.
    MissingExtraError
        When cdk-nag is not installed.
    """
    override = scope.node.try_get_context(PACKS_CONTEXT)
    chosen = _parse_packs(override) if override is not None else tuple(packs or ())
    resolved = _packs("apply_nag_packs", chosen)
    if resolved:
        _plugin_for(scope).declare(scope, resolved)
    return tuple(name for name, _ in resolved)


def acknowledge_finding(
    construct: IConstruct, rule_id: str, reason: str, *, applies_to: Iterable[str] = ()
) -> list[str]:
    """Acknowledge a cdk-nag finding on ``construct`` and its children, with a reason.

    Parameters
    ----------
    construct:
        Where the finding is raised (or a parent of it).
    rule_id:
        The rule, such as ``'AwsSolutions-IAM5'``.
    reason:
        Why the finding is acceptable: at least 20 characters, kept in the cloud assembly's
        metadata for audits.
    applies_to:
        For rules that report several findings per resource, the details each acknowledgement
        covers, such as ``['Action::s3:*', 'Resource::<Bucket.Arn>/*']``; each becomes
        ``'AwsSolutions-IAM5[Action::s3:*]'``. A detail may hold a token, such as
        ``"Resource::" + bucket.arn_for_objects("orders/*")``: it is written the way cdk-nag
        writes it once synthesis has resolved references (logical ids, cross-stack outputs).
        Default: - the rule as a whole

    Returns
    -------
    list[str]
        The finding ids acknowledged.

    Raises
    ------
    ValidationError
        For a rule id of no known pack or a reason shorter than 20 characters.
    """
    where = f"acknowledge_finding({construct.node.path!r})"
    if not isinstance(rule_id, str) or rule_id.split("-", 1)[0] not in NAG_PACKS:
        raise ValidationError(
            where, "rule_id", rule_id, f"must start with a pack name: {', '.join(NAG_PACKS)}"
        )
    _check_reason(where, reason)
    from aws_cdk import Token

    details = list(applies_to)
    ids = [f"{rule_id}[{detail}]" for detail in details] if details else [rule_id]
    if any(Token.is_unresolved(i) for i in ids):
        construct.node.add_validation(_deferred_acknowledgement(construct, ids, reason))
    else:
        record_acknowledgement(construct, ids, reason, source="app")
    return ids


def acknowledge_check(construct: IConstruct, tool: str, rule_id: str, reason: str) -> None:
    """Acknowledge a checkov, cfn-guard or cfn-lint finding on ``construct``, with a reason.

    Parameters
    ----------
    construct:
        The resource (or an L2 construct whose default child is the resource).
    tool:
        ``'checkov'``, ``'cfn-guard'`` or ``'cfn-lint'``.
    rule_id:
        The check: ``'CKV_AWS_117'``, ``'CT.LAMBDA.PR.3'``, ``'W3005'``.
    reason:
        Why the finding is acceptable: at least 20 characters, kept in the template's
        ``Metadata`` (checkov's own skip list for checkov).

    Raises
    ------
    ValidationError
        For an unknown tool, a short reason or a construct without a CloudFormation resource.
    """
    from org_constructs import _acknowledge

    where = f"acknowledge_check({construct.node.path!r})"
    if tool not in _acknowledge.CHECK_TOOLS:
        raise ValidationError(
            where, "tool", tool, f"must be one of {', '.join(_acknowledge.CHECK_TOOLS)}"
        )
    _check_reason(where, reason)
    try:
        _acknowledge.acknowledge_check(construct, tool, rule_id, reason)
    except TypeError:
        raise ValidationError(
            where, "construct", construct.node.path, "must be or hold a CloudFormation resource"
        ) from None


def record_acknowledgement(
    construct: IConstruct, rule_ids: Iterable[str], reason: str, *, source: str
) -> None:
    """Acknowledge ``rule_ids`` on ``construct``, or record them while auditing.

    Normally this is ``Validations.of(construct).acknowledge(...)``. Under
    ``org-cdk validate`` (context ``org-constructs:audit-acknowledgements``) the ids go to
    construct metadata instead, so the packs report every finding and the validation report
    can pair each finding with its acknowledgement and list acknowledgements that match
    nothing. ``source`` says who made it: ``'app'`` or ``'org-constructs'``.
    """
    from aws_cdk import Acknowledgment, Validations

    ids = list(rule_ids)
    _mirror_in_templates(construct, ids, reason, source)
    if construct.node.try_get_context(AUDIT_CONTEXT):
        for rule_id in ids:
            construct.node.add_metadata(
                AUDIT_METADATA, {"id": rule_id, "reason": reason, "source": source}
            )
        return
    Validations.of(construct).acknowledge(*(Acknowledgment(id=i, reason=reason) for i in ids))


def _mirror_in_templates(construct: IConstruct, ids: list[str], reason: str, source: str) -> None:
    """Write the acknowledgement into the template of each resource it covers.

    cdk-nag reads acknowledgements from the construct tree; the template's copy, under
    ``Metadata["org-constructs"]["acknowledged"]`` with tool ``cdk-nag``, is what the test
    helpers (``assert_no_wildcard_iam``...) read from a synthesized template, so they honour the
    same acknowledgement with the same reason. ``org-cdk validate`` pairs findings with the
    construct tree's record and leaves these copies out.
    """
    from aws_cdk import CfnResource

    for resource in construct.node.find_all():
        if not isinstance(resource, CfnResource):
            continue
        current = resource.get_metadata(TEMPLATE_KEY) or {ACKNOWLEDGED: []}
        known = {(a["tool"], a["rule"]) for a in current[ACKNOWLEDGED]}
        current[ACKNOWLEDGED] += [
            {"tool": NAG_TOOL, "rule": rule_id, "reason": reason, "source": source}
            for rule_id in ids
            if (NAG_TOOL, rule_id) not in known
        ]
        resource.add_metadata(TEMPLATE_KEY, current)


def acknowledge_library_finding(
    construct: IConstruct,
    rule_id: str,
    details: Iterable[str],
    reason: str,
    *,
    resolvable: bool = False,
) -> None:
    """The library's own acknowledgement of ``rule_id[detail]`` for each detail.

    A detail may hold tokens. With ``resolvable`` (every reference in the details belongs to
    ``construct``'s stack) they are written now, as cdk-nag writes them, so ``nag_findings``
    sees the acknowledgement before any synthesis; otherwise once synthesis has resolved the
    references (cross-stack ones become imports).
    """
    from aws_cdk import Stack, Token

    from org_constructs._acknowledge import nag_resource

    ids = [f"{rule_id}[{detail}]" for detail in details]
    if not ids:
        return
    if any(Token.is_unresolved(i) for i in ids):
        rendered = [nag_resource(Stack.of(construct), i) for i in ids] if resolvable else []
        if resolvable and all(r is not None for r in rendered):
            ids = [r for r in rendered if r is not None]
        else:
            construct.node.add_validation(
                _deferred_acknowledgement(construct, ids, reason, source="org-constructs")
            )
            return
    record_acknowledgement(construct, ids, reason, source="org-constructs")


def _deferred_acknowledgement(
    construct: IConstruct, ids: list[str], reason: str, *, source: str = "app"
) -> Any:
    """Record ``ids`` once references are resolved: construct validations run after that."""
    import jsii
    from aws_cdk import Stack
    from constructs import IValidation

    from org_constructs._acknowledge import nag_resource

    @jsii.implements(IValidation)
    class DeferredAcknowledgement:
        def validate(self) -> list[str]:
            stack = Stack.of(construct)
            rendered = [nag_resource(stack, i) for i in ids]
            unknown = [i for i, r in zip(ids, rendered, strict=True) if r is None]
            if unknown:
                return [f"acknowledge_finding: cannot write {unknown} as cdk-nag does"]
            record_acknowledgement(
                construct, [r for r in rendered if r is not None], reason, source=source
            )
            return []

    return DeferredAcknowledgement()


def _check_reason(where: str, reason: object) -> None:
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        raise ValidationError(
            where,
            "reason",
            reason,
            f"must explain the exception in at least {MIN_REASON} characters",
        )


def _parse_packs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    if isinstance(value, list | tuple):
        return tuple(str(p) for p in value)
    raise ValidationError(
        "apply_nag_packs", PACKS_CONTEXT, value, "must be a comma-separated list of pack names"
    )


def _packs(where: str, packs: Iterable[str]) -> list[tuple[str, Any]]:
    names = list(packs)
    if not names:
        return []
    cdk_nag = _cdk_nag()
    resolved = []
    for pack in names:
        if pack not in NAG_PACKS:
            raise ValidationError(where, "packs", pack, f"must be one of {list(NAG_PACKS)}")
        resolved.append((pack, getattr(cdk_nag, NAG_PACKS[pack])()))
    return resolved


def _plugin_for(scope: IConstruct) -> Any:
    """The stage's one scoped nag plugin, registered on first use."""
    import aws_cdk as cdk

    stage = scope if isinstance(scope, cdk.Stage) else cdk.Stage.of(scope)
    if stage is None:
        raise ValidationError(
            "apply_nag_packs", "scope", scope.node.path, "must be inside an App or Stage"
        )
    plugin = getattr(stage, _PLUGIN_ATTRIBUTE, None)
    if plugin is None:
        plugin = _scoped_plugin_class()()
        setattr(stage, _PLUGIN_ATTRIBUTE, plugin)
        cdk.Validations.of(stage).add_plugins(plugin)
    return plugin


_PLUGIN_ATTRIBUTE = "_org_constructs_nag_plugin"
_PLUGIN_CLASS: Any = None


def _scoped_plugin_class() -> Any:
    """Build the plugin class on first use, so importing this module needs no aws-cdk-lib."""
    global _PLUGIN_CLASS  # noqa: PLW0603 - one class per process, built lazily
    if _PLUGIN_CLASS is not None:
        return _PLUGIN_CLASS
    import jsii
    from aws_cdk import IPolicyValidationPlugin, PolicyValidationPluginReport

    @jsii.implements(IPolicyValidationPlugin)
    class ScopedNagPlugin:
        """Runs each declared pack over the scope it was declared for."""

        def __init__(self) -> None:
            self._declared: list[tuple[IConstruct, list[tuple[str, Any]]]] = []

        @property
        def name(self) -> str:
            return _PLUGIN_NAME

        @property
        def version(self) -> str | None:
            return None

        @property
        def rule_ids(self) -> list[str] | None:
            return None

        def declare(self, scope: IConstruct, packs: list[tuple[str, Any]]) -> None:
            self._declared.append((scope, packs))

        def validate(self, context: Any) -> Any:
            summary = os.environ.get(SUMMARY_ENVIRONMENT)
            if summary:
                _write_summary(Path(summary), self._declared)
            violations: list[Any] = []
            seen: set[tuple[str, str]] = set()
            for scope, packs in self._declared:
                for _, checks in packs:
                    for violation in checks.validate_scope(scope).violations:
                        paths = [r.construct_path for r in violation.violating_resources]
                        key = (violation.rule_name, ",".join(str(p) for p in paths))
                        if key not in seen:
                            seen.add(key)
                            violations.append(violation)
            return PolicyValidationPluginReport(success=not violations, violations=violations)

    _PLUGIN_CLASS = ScopedNagPlugin
    return _PLUGIN_CLASS


SUMMARY_ENVIRONMENT = "ORG_CDK_NAG_SUMMARY"
"""Set by ``org-cdk validate``: where the plugin lists the packs declared for each scope."""


def _write_summary(path: Path, declared: list[tuple[IConstruct, list[tuple[str, Any]]]]) -> None:
    entries = json.loads(path.read_text()) if path.exists() else []
    entries += [
        {"scope": scope.node.path, "packs": [name for name, _ in packs]}
        for scope, packs in declared
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, indent=2))


def _cdk_nag() -> Any:
    from org_constructs._compat import require

    try:
        module = importlib.import_module("cdk_nag")
    except ImportError:
        raise MissingExtraError(
            "cdk-nag is not installed; install it with pip install 'org-constructs[validate]'"
        ) from None
    require("cdk-nag")
    return module
