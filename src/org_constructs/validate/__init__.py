"""The validation gate behind ``org-cdk validate``: one synthesis, every checker, one report.

Needs ``pip install 'org-constructs[validate]'`` (cdk-nag, cfn-lint, cfn-guard, ruff); checkov
runs from its own environment (``pipx install checkov``), see ``docs/validation.md``.
"""

from org_constructs.validate._report import Acknowledgement, Finding, Report, ToolRun
from org_constructs.validate._runner import TOOLS, ValidateOptions, run_validation

__all__ = [
    "TOOLS",
    "Acknowledgement",
    "Finding",
    "Report",
    "ToolRun",
    "ValidateOptions",
    "run_validation",
]
