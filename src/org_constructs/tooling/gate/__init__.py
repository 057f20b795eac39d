"""The validation gate behind ``org-cdk validate``: one synthesis, every checker, one report.

Needs ``pip install 'org-constructs[validate]'`` (cdk-nag, cfn-lint, cfn-guard, ruff); checkov
runs from its own environment (``pipx install checkov``), see ``docs/validation.md``.
"""

from org_constructs.errors import ToolError
from org_constructs.tooling.gate._assembly import Assembly, AssemblyStack
from org_constructs.tooling.gate._report import Acknowledgement, Finding, Report, ToolRun
from org_constructs.tooling.gate._runner import (
    TOOLS,
    ProgressEvent,
    ValidateOptions,
    cdk_command,
    run_validation,
    synth,
)
from org_constructs.tooling.gate._tools import GUARD_DISABLED, check_guard_rules

__all__ = [
    "GUARD_DISABLED",
    "TOOLS",
    "Acknowledgement",
    "Assembly",
    "AssemblyStack",
    "Finding",
    "ProgressEvent",
    "Report",
    "ToolError",
    "ToolRun",
    "ValidateOptions",
    "cdk_command",
    "check_guard_rules",
    "run_validation",
    "synth",
]
