"""Stack foundations: ``AbstractStack`` and the stage-aware defaults constructs ask it for."""

from org_constructs.core._abstract_stack import AbstractStack, removal_policy_for, stage_of

__all__ = ["AbstractStack", "removal_policy_for", "stage_of"]
