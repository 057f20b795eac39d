"""The service stack: a log group whose retention and removal policy follow the stage."""

from aws_cdk import aws_logs as logs
from constructs import Construct

from org_constructs import AbstractStack, EnvironmentConfig, log_group_key
from org_constructs.compliance import acknowledge_check


class ServiceStack(AbstractStack):
    """A service's log group, kept as long as the environment's policy says."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(
            scope,
            construct_id,
            config=config,
            description=f"Minimal org-constructs example ({config.name})",
        )
        # Set before initialize() runs: AbstractStack calls it after this __init__ returns.
        self.log_group_name = f"/org-constructs/minimal/{config.name}"

    def initialize(self) -> None:
        log_group = logs.LogGroup(
            self,
            "ServiceLogs",
            log_group_name=self.log_group_name,
            retention=self.config.log_retention,
            encryption_key=log_group_key(self, "ServiceLogsKey", "the service's logs"),
            removal_policy=self.default_removal_policy,
        )
        if self.config.log_retention_days < 365:
            acknowledge_check(
                log_group,
                "cfn-guard",
                "CT.CLOUDWATCH.PR.2",
                f"{self.config.name} keeps logs {self.config.log_retention_days} days "
                "(log_retention_days); production keeps them a year or more.",
            )
        self.create_output("LogGroupName", log_group.log_group_name, description="Service logs")
