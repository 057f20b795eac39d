"""Operations: the deployment notification topic that ``org-cdk deploy --notify`` publishes to."""

from org_constructs.contract import DEPLOYMENT_TOPIC_OUTPUT
from org_constructs.notifications._notifications import DeploymentNotifications

__all__ = ["DEPLOYMENT_TOPIC_OUTPUT", "DeploymentNotifications"]
