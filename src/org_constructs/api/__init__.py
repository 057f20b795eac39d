"""The API front door: ``SecureApi``, a REST API stage secure by default."""

from org_constructs.api._secure_api import MANAGED_RULE_GROUPS, REGULATED_PACKS, SecureApi

__all__ = ["MANAGED_RULE_GROUPS", "REGULATED_PACKS", "SecureApi"]
