"""Delivery pipelines generated from the environments file: ``org-cdk pipeline github`` writes
the GitHub Actions workflow, ``org-cdk change-set summary`` reviews what a change set would do.

``org-cdk change-set summary`` needs ``pip install 'org-constructs[ops]'`` (boto3).
"""

from org_constructs.config._waves import Wave, delivery_waves
from org_constructs.tooling.pipeline._change_set import (
    Change,
    ChangeSetSummary,
    append_step_summary,
    describe_change_set,
    pending_stacks,
    render_summaries,
)
from org_constructs.tooling.pipeline._github import (
    ASSEMBLY_ARTIFACT,
    MAX_MATRIX_JOBS,
    github_workflow,
)
from org_constructs.tooling.pipeline._review import review_assembly
from org_constructs.tooling.pipeline._stacks import stage_stacks

__all__ = [
    "ASSEMBLY_ARTIFACT",
    "MAX_MATRIX_JOBS",
    "Change",
    "ChangeSetSummary",
    "Wave",
    "append_step_summary",
    "delivery_waves",
    "describe_change_set",
    "github_workflow",
    "pending_stacks",
    "render_summaries",
    "review_assembly",
    "stage_stacks",
]
