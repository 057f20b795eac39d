"""Run cdk-nag rule packs on a construct tree and list what they find."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from constructs import IConstruct

from org_constructs.config._loader import MissingExtraError
from org_constructs.errors import ValidationError

__all__ = ["NAG_PACKS", "NagFinding", "acknowledge_finding", "apply_nag_packs", "nag_findings"]

MIN_REASON = 20

NAG_PACKS: dict[str, str] = {
    "AwsSolutions": "AwsSolutionsChecks",
    "Serverless": "ServerlessChecks",
    "HIPAA.Security": "HIPAASecurityChecks",
    "NIST.800.53.R5": "NIST80053R5Checks",
    "PCI.DSS.321": "PCIDSS321Checks",
}
"""The rule packs by name, as their rule ids begin, and their cdk-nag classes."""


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

    Acknowledgements made with ``aws_cdk.Validations.of(construct).acknowledge(...)`` are
    honoured. No synthesis is needed: the packs walk the construct tree.

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
    cdk_nag = _cdk_nag()
    findings: list[NagFinding] = []
    for pack in packs:
        if pack not in NAG_PACKS:
            raise ValidationError(
                "nag_findings", "packs", pack, f"must be one of {list(NAG_PACKS)}"
            )
        report = getattr(cdk_nag, NAG_PACKS[pack])().validate_scope(scope)
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


def apply_nag_packs(scope: IConstruct, packs: Iterable[str] = ("AwsSolutions",)) -> list[Any]:
    """Register cdk-nag packs as validation plugins: ``cdk synth`` then reports their findings.

    cdk-nag 3 packs are validation plugins (``Validations.of(app).add_plugins``), not Aspects.

    Parameters
    ----------
    scope:
        The app or stage to validate.
    packs:
        Pack names from ``NAG_PACKS``. Default: ``("AwsSolutions",)``

    Returns
    -------
    list
        The pack objects registered.
    """
    from aws_cdk import Validations

    cdk_nag = _cdk_nag()
    plugins = []
    for pack in packs:
        if pack not in NAG_PACKS:
            raise ValidationError(
                "apply_nag_packs", "packs", pack, f"must be one of {list(NAG_PACKS)}"
            )
        plugins.append(getattr(cdk_nag, NAG_PACKS[pack])())
    Validations.of(scope).add_plugins(*plugins)
    return plugins


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
        Why the finding is acceptable: at least 20 characters, kept in the construct's metadata
        for audits.
    applies_to:
        For rules that report several findings per resource, the details each acknowledgement
        covers, such as ``['Action::s3:*', 'Resource::<Bucket.Arn>/*']``; each becomes
        ``'AwsSolutions-IAM5[Action::s3:*]'``. Default: - the rule as a whole

    Returns
    -------
    list[str]
        The finding ids acknowledged.

    Raises
    ------
    ValidationError
        For a rule id of no known pack or a reason shorter than 20 characters.
    """
    from aws_cdk import Acknowledgment, Validations

    where = f"acknowledge_finding({construct.node.path!r})"
    if not isinstance(rule_id, str) or rule_id.split("-", 1)[0] not in NAG_PACKS:
        raise ValidationError(
            where, "rule_id", rule_id, f"must start with a pack name: {', '.join(NAG_PACKS)}"
        )
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON:
        raise ValidationError(
            where,
            "reason",
            reason,
            f"must explain the exception in at least {MIN_REASON} characters",
        )
    details = list(applies_to)
    ids = [f"{rule_id}[{detail}]" for detail in details] if details else [rule_id]
    Validations.of(construct).acknowledge(*(Acknowledgment(id=i, reason=reason) for i in ids))
    return ids


def _cdk_nag() -> Any:
    try:
        return importlib.import_module("cdk_nag")
    except ImportError:
        raise MissingExtraError(
            "cdk-nag is not installed; install it with pip install 'org-constructs[validate]'"
        ) from None
