"""Stack foundations: ``AbstractStack`` and the stage-aware defaults constructs ask it for."""

from org_constructs._compat import require

require("aws-cdk-lib")  # every construct imports this package first

from org_constructs.core._abstract_stack import (  # noqa: E402
    AbstractStack,
    config_of,
    is_regulated,
    log_retention_for,
    removal_policy_for,
    stage_of,
)

__all__ = [
    "AbstractStack",
    "config_of",
    "is_regulated",
    "log_retention_for",
    "removal_policy_for",
    "stage_of",
]
