"""Compliance: cdk-nag rule packs over a construct tree (needs ``org-constructs[validate]``)."""

from org_constructs.compliance._nag import (
    AUDIT_CONTEXT,
    AUDIT_METADATA,
    NAG_PACKS,
    PACKS_CONTEXT,
    NagFinding,
    acknowledge_check,
    acknowledge_finding,
    apply_nag_packs,
    nag_findings,
)

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
]
