"""Network: the environment's StandardVpc."""

from constructs import Construct

from org_constructs import AbstractStack, EnvironmentConfig, StandardVpc

# What the workload calls when the VPC has no route to the internet (the regulated setting):
# Secrets Manager for the database credentials and their rotation, CloudWatch Logs and metrics,
# and KMS. S3 goes through the gateway endpoint StandardVpc adds by default.
PRIVATE_SERVICES = ("secretsmanager", "logs", "monitoring", "kms")


class NetworkStack(AbstractStack):
    """Three-tier VPC with flow logs; its NAT gateway count follows the environment."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id, config=config, description="Orders network")

    def initialize(self) -> None:
        without_egress = self.config.vpc.nat_gateways == 0
        self.network = StandardVpc.from_config(
            self,
            "Network",
            self.config.vpc,
            interface_endpoints=PRIVATE_SERVICES if without_egress else (),
        )
        self.create_output("VpcId", self.network.vpc_id, description="VPC id")
