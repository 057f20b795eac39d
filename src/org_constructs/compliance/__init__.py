"""Compliance at synthesis time: the cdk-nag packs an app declares and the acknowledgements
its constructs carry (the packs need ``org-constructs[validate]``)."""

from org_constructs.compliance._acknowledgements import acknowledge_check, acknowledge_finding
from org_constructs.compliance._nag import NagFinding, apply_nag_packs, nag_findings
from org_constructs.contract import AUDIT_CONTEXT, AUDIT_METADATA, NAG_PACKS, PACKS_CONTEXT

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
