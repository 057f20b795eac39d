"""A service's CDK app repository as a projen project: ``OrgCdkPythonApp`` and its settings.

``org-cdk new DIR --service NAME`` writes a ``.projenrc.py`` on ``OrgCdkPythonApp`` and runs
it once. The project owns the repository's configuration (``cdk.json``, the requirements, the
test settings, ``package.json``, the scripts, the workflows) and rewrites it on every run; the
team's files (``app.py``, ``stacks/``, ``tests/``, ``environments.json``, ``README.md``) are
written only when absent. ``OrgCdkPythonApp`` needs projen (``pip install
'org-constructs[project]'``) and is imported on first use; the settings and their checks do
not, so the command line refuses bad input without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from org_constructs.tooling.project._settings import (
    CDK_CLI_VERSION,
    CHECKOV_VERSION,
    DEFAULT_REGION,
    DEFAULT_STAGES,
    DELIVERY_WORKFLOW,
    MANAGED_SCRIPTS,
    MAX_SERVICE_LENGTH,
    NODE_VERSION,
    PROJEN_COMMAND,
    TEAM_FILES,
    ProjectSettings,
    compatible_range,
    projen_delivery_workflow,
    recommended_feature_flags,
)

if TYPE_CHECKING:
    from org_constructs.tooling.project._app import OrgCdkPythonApp


def __getattr__(name: str) -> Any:
    """``OrgCdkPythonApp``, imported on first use (it imports projen)."""
    if name == "OrgCdkPythonApp":
        from org_constructs.tooling.project._app import OrgCdkPythonApp

        return OrgCdkPythonApp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CDK_CLI_VERSION",
    "CHECKOV_VERSION",
    "DEFAULT_REGION",
    "DEFAULT_STAGES",
    "DELIVERY_WORKFLOW",
    "MANAGED_SCRIPTS",
    "MAX_SERVICE_LENGTH",
    "NODE_VERSION",
    "PROJEN_COMMAND",
    "TEAM_FILES",
    "OrgCdkPythonApp",
    "ProjectSettings",
    "compatible_range",
    "projen_delivery_workflow",
    "recommended_feature_flags",
]
