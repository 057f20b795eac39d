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
from org_constructs.core._cached import CacheWithNodes  # noqa: E402
from org_constructs.core._defaults import (  # noqa: E402
    DEFAULT_RESOURCES,
    OrganisationDefaults,
    apply_organisation_defaults,
)
from org_constructs.core._names import fit_name, name_part_of, service_name_of  # noqa: E402
from org_constructs.core._queued import QueueWithDeadLetter  # noqa: E402
from org_constructs.core._released import ReleasedFunction, serving_function  # noqa: E402
from org_constructs.core._served import LoadBalancedService  # noqa: E402
from org_constructs.core._tables import TableWithBilling  # noqa: E402
from org_constructs.core._workflows import StateMachineWithTimeout  # noqa: E402

__all__ = [
    "DEFAULT_RESOURCES",
    "AbstractStack",
    "CacheWithNodes",
    "LoadBalancedService",
    "OrganisationDefaults",
    "QueueWithDeadLetter",
    "ReleasedFunction",
    "StateMachineWithTimeout",
    "TableWithBilling",
    "apply_organisation_defaults",
    "config_of",
    "fit_name",
    "is_regulated",
    "log_retention_for",
    "name_part_of",
    "removal_policy_for",
    "service_name_of",
    "serving_function",
    "stage_of",
]
