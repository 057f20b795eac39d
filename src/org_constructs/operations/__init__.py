"""Deprecated: ``org_constructs.operations`` is ``org_constructs.notifications`` since 0.3.0.

This path keeps working, with a ``DeprecationWarning``, until it is removed in 0.4.0.
"""

from org_constructs._deprecated import warn_moved

warn_moved(__name__, "org_constructs.notifications")

from org_constructs.notifications import (  # noqa: E402 - after the warning
    DEPLOYMENT_TOPIC_OUTPUT,
    DeploymentNotifications,
)

__all__ = [
    "DEPLOYMENT_TOPIC_OUTPUT",
    "DeploymentNotifications",
]
