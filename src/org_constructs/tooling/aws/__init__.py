"""What ``org-cdk`` does against AWS accounts: stage-aware CDK command lines, deployment
notifications, obsolete stacks and a cross-account resource finder (needs boto3:
``pip install 'org-constructs[ops]'``)."""

from org_constructs.tooling.aws._aws import OpsError, assume_role, session_for
from org_constructs.tooling.aws._cdk import cdk_command_line, default_environments, load_stage
from org_constructs.tooling.aws._notify import (
    DeploymentResult,
    caller,
    find_deployment_topic,
    publish_result,
)
from org_constructs.tooling.aws._stacks import (
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
    "assume_role",
    "caller",
    "cdk_command_line",
    "default_environments",
    "delete_stacks",
    "deployed_stacks",
    "find_deployment_topic",
    "find_resources",
    "load_stage",
    "obsolete_stacks",
    "publish_result",
    "session_for",
]
