"""Compliance: cdk-nag rule packs over a construct tree (needs ``org-constructs[validate]``)."""

from org_constructs.compliance._nag import (
    NAG_PACKS,
    NagFinding,
    acknowledge_finding,
    apply_nag_packs,
    nag_findings,
)

__all__ = ["NAG_PACKS", "NagFinding", "acknowledge_finding", "apply_nag_packs", "nag_findings"]
