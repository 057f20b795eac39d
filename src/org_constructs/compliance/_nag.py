"""Run cdk-nag rule packs on a construct tree and list what they find."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass

from constructs import IConstruct

from org_constructs.config._loader import MissingExtraError
from org_constructs.errors import ValidationError

__all__ = ["NAG_PACKS", "NagFinding", "nag_findings"]

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
    try:
        cdk_nag = importlib.import_module("cdk_nag")
    except ImportError:
        raise MissingExtraError(
            "cdk-nag is not installed; install it with pip install 'org-constructs[validate]'"
        ) from None
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
