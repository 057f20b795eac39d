"""What ``org-cdk`` does against AWS accounts: stage-aware CDK command lines, deployment
notifications, obsolete stacks and a cross-account resource finder (needs boto3:
``pip install 'org-constructs[ops]'``)."""

from org_constructs.ops._aws import OpsError, session_for
from org_constructs.ops._cdk import cdk_command_line, load_stage
from org_constructs.ops._notify import DeploymentResult, find_deployment_topic, publish_result
from org_constructs.ops._stacks import (
    DeployedStack,
    FoundResource,
    delete_stacks,
    deployed_stacks,
    find_resources,
    obsolete_stacks,
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
