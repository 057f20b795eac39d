"""``OrgPipeline``'s source and synth step: install, test, validate and synthesize the app."""

from __future__ import annotations

from aws_cdk import pipelines

from org_constructs.contract import CHECKOV_VERSION
from org_constructs.delivery._pipeline_settings import _PipelineSettings

__all__ = ["CHECKOV_VENV", "VALIDATE_OUTPUT", "pipeline_source", "synth_step"]

CHECKOV_VENV = "$HOME/.org-cdk/checkov"
"""Where the synth step installs checkov: a virtual environment of its own (its pins conflict
with most apps'), last on ``PATH``, where ``org-cdk validate`` finds ``checkov``."""
VALIDATE_OUTPUT = "$HOME/.org-cdk/validate"
"""Where the gate's own synthesis goes: it records the acknowledgements under audit, which
``cdk deploy`` refuses, so the assembly the pipeline deploys is synthesized again."""


def pipeline_source(settings: _PipelineSettings) -> pipelines.CodePipelineSource:
    """The CodeCommit repository, or the connection and its repository, on the branch."""
    if settings.codecommit_repository is not None:
        return pipelines.CodePipelineSource.code_commit(
            settings.codecommit_repository, settings.branch
        )
    # Both given: the settings' source check has run.
    return pipelines.CodePipelineSource.connection(
        str(settings.repository), settings.branch, connection_arn=str(settings.connection_arn)
    )


def synth_step(
    source: pipelines.CodePipelineSource, settings: _PipelineSettings
) -> pipelines.CodeBuildStep:
    """Install, test, validate and synthesize in ``app_dir``; ``cdk.out`` is the output.

    Buildspec 0.2 runs every command in one shell, and each phase starts with a ``cd`` of its
    own, so that the folder and ``PATH`` hold whatever the install commands do.
    """
    app_dir, test_command = settings.app_dir, settings.test_command
    folder = "$CODEBUILD_SRC_DIR" if app_dir == "." else f"$CODEBUILD_SRC_DIR/{app_dir}"
    enter = f'cd "{folder}"'
    commands = [
        enter,
        'export PATH="$PWD/node_modules/.bin:$CODEBUILD_SRC_DIR/node_modules/.bin:$PATH:'
        f'{CHECKOV_VENV}/bin"',
        *([test_command] if test_command is not None else []),
        f'org-cdk validate . --output "{VALIDATE_OUTPUT}"',
        "cdk synth --quiet --no-notices --output cdk.out",
    ]
    return pipelines.CodeBuildStep(
        "Synth",
        input=source,
        install_commands=[
            enter,
            *settings.install_commands,
            f'python -m venv "{CHECKOV_VENV}"',
            f'"{CHECKOV_VENV}/bin/pip" install --quiet "checkov=={CHECKOV_VERSION}"',
        ],
        commands=commands,
        primary_output_directory="cdk.out" if app_dir == "." else f"{app_dir}/cdk.out",
    )
