"""The access stack of one account: the deploy role the pipeline assumes by OIDC."""

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from org_constructs import AbstractStack, DeploymentAccess, EnvironmentConfig


class AccessStack(AbstractStack):
    """The GitHub OIDC provider, the deploy role and the CloudFormation execution policy.

    The platform team deploys it with administrator credentials, before `cdk bootstrap`: it
    uses the CLI's credentials (`CliCredentialsStackSynthesizer`) and has no assets, so it
    needs no bootstrap roles, and the execution policy exists when the bootstrap names it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        repository: str,
        **kwargs: Any,
    ) -> None:
        self.repository = repository
        super().__init__(
            scope,
            construct_id,
            config=config,
            synthesizer=cdk.CliCredentialsStackSynthesizer(),
            **kwargs,
        )

    def initialize(self) -> None:
        # The role named by the environment's deploy_role_arn, trusted by the jobs of the
        # GitHub environment named after it, for its region.
        self.access = DeploymentAccess.from_config(
            self, "Access", self.config, repository=self.repository
        )
