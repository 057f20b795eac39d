"""Names shared by the construct and the command line (no aws-cdk-lib import)."""

DEPLOYMENT_TOPIC_OUTPUT = "DeploymentTopicArn"
"""The stack output ``org-cdk deploy --notify`` looks for."""
