"""Deprecated: ``org_constructs.ops`` is ``org_constructs.tooling.aws`` since 0.3.0.

This path keeps working, with a ``DeprecationWarning``, until it is removed in 0.4.0.
"""

from org_constructs._deprecated import warn_moved

warn_moved(__name__, "org_constructs.tooling.aws")

from org_constructs.tooling.aws import (  # noqa: E402 - after the warning
    DeployedStack,
    DeploymentResult,
    FoundResource,
    OpsError,
    cdk_command_line,
    delete_stacks,
    deployed_stacks,
    find_deployment_topic,
    find_resources,
    load_stage,
    obsolete_stacks,
    publish_result,
    session_for,
)

__all__ = [
    "DeployedStack",
    "DeploymentResult",
    "FoundResource",
    "OpsError",
    "cdk_command_line",
    "delete_stacks",
    "deployed_stacks",
    "find_deployment_topic",
    "find_resources",
    "load_stage",
    "obsolete_stacks",
    "publish_result",
    "session_for",
]
