"""Operations: the deployment notification topic that ``org-cdk deploy --notify`` publishes to."""

from org_constructs._outputs import DEPLOYMENT_TOPIC_OUTPUT
from org_constructs.operations._notifications import DeploymentNotifications

__all__ = ["DEPLOYMENT_TOPIC_OUTPUT", "DeploymentNotifications"]
