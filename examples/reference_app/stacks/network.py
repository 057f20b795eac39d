"""Network: the environment's StandardVpc."""

from org_constructs import AbstractStack, StandardVpc


class NetworkStack(AbstractStack):
    """Three-tier VPC with flow logs; its NAT gateway count follows the environment."""

    def initialize(self) -> None:
        self.network = StandardVpc.from_config(self, "Network", self.config.vpc)
        self.create_output("VpcId", self.network.vpc_id, description="VPC id")
