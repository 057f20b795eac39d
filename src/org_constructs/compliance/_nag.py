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

from org_constructs._internal.nodes import path_of
from org_constructs.compliance._acknowledgements import flush_acknowledgements
from org_constructs.config._loader import MissingExtraError
from org_constructs.contract import (
    AUDIT_CONTEXT,
    AUDIT_METADATA,
    NAG_PACKS,
    NAG_SUMMARY_ENVIRONMENT,
    NAG_TOOL,
    PACKS_CONTEXT,
)
from org_constructs.errors import ValidationError

__all__ = [
    "AUDIT_CONTEXT",
    "AUDIT_METADATA",
    "NAG_PACKS",
    "PACKS_CONTEXT",
    "NagFinding",
    "apply_nag_packs",
    "nag_findings",
]

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
    chosen = _packs("nag_findings", packs)
    flush_acknowledgements()  # the records the library holds until synthesis
    for pack, checks in chosen:
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
            "apply_nag_packs", "scope", path_of(scope), "must be inside an App or Stage"
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
            summary = os.environ.get(NAG_SUMMARY_ENVIRONMENT)
            if summary:
                _write_summary(Path(summary), self._declared)
            flush_acknowledgements()
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


def _write_summary(path: Path, declared: list[tuple[IConstruct, list[tuple[str, Any]]]]) -> None:
    entries = json.loads(path.read_text()) if path.exists() else []
    entries += [
        {"scope": path_of(scope), "packs": [name for name, _ in packs]} for scope, packs in declared
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
