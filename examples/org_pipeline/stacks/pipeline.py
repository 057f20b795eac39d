"""The pipeline stack: the deployment topic and the OrgPipeline that delivers the service."""

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Stack
from constructs import Construct

from org_constructs import DeploymentNotifications, EnvironmentConfig, OrgPipeline
from org_constructs.compliance import apply_nag_packs
from stacks.service import ServiceStack


def service(scope: Construct, name: str, config: EnvironmentConfig) -> None:
    """The stacks of one environment, in its cdk.Stage, held to the environment's packs."""
    stack = ServiceStack(scope, "Service", config=config)
    apply_nag_packs(stack, config.security.nag_packs)


class PipelineStack(Stack):
    """Lives in the pipeline account; deploys every environment through its bootstrap roles."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environments: Mapping[str, EnvironmentConfig],
        connection_arn: str,
        repository: str,
        emails: Sequence[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        deployments = DeploymentNotifications(self, "Deployments", emails=emails)
        self.pipeline = OrgPipeline(
            self,
            "Pipeline",
            environments=environments,
            stage=service,
            connection_arn=connection_arn,
            repository=repository,
            # Execution results, permission broadening and the production approval.
            notification_topic=deployments.topic,
        )
