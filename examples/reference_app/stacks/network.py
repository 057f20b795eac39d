"""Network: the environment's StandardVpc."""

from constructs import Construct

from org_constructs import AbstractStack, EnvironmentConfig, Stage, StandardVpc

# What the workload calls without a route to the internet (production); S3 has a gateway endpoint.
PRIVATE_SERVICES = ("secretsmanager", "logs", "monitoring", "kms")


def rotates_credentials(config: EnvironmentConfig) -> bool:
    """Dev connects with IAM authentication only: no hosted rotation, no endpoint to pay for."""
    return config.stage is not Stage.DEV


class NetworkStack(AbstractStack):
    """Three-tier VPC with flow logs; NAT follows the environment (an instance in dev)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id, config=config, description="Orders network")

    def initialize(self) -> None:
        # Credential rotation runs in the isolated subnets, next to the database.
        rotation = ("secretsmanager",) if rotates_credentials(self.config) else ()
        endpoints = PRIVATE_SERVICES if self.config.vpc.nat_gateways == 0 else rotation
        self.network = StandardVpc.from_config(
            self, "Network", self.config.vpc, interface_endpoints=endpoints
        )
        self.create_output("VpcId", self.network.vpc_id, description="VPC id")
