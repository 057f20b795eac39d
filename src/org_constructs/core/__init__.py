"""Stack foundations: ``AbstractStack`` and the stage-aware defaults constructs ask it for."""

from org_constructs.core._abstract_stack import (
    AbstractStack,
    log_retention_for,
    removal_policy_for,
    stage_of,
)

__all__ = ["AbstractStack", "log_retention_for", "removal_policy_for", "stage_of"]
