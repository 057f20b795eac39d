"""The network stack: a StandardVpc whose size and endpoints follow the environment."""

import aws_cdk as cdk

from org_constructs import AbstractStack, StandardVpc


class NetworkStack(AbstractStack):
    """The network of one environment: three tiers, flow logs, S3/DynamoDB endpoints."""

    def initialize(self) -> None:
        network = StandardVpc.from_config(
            self,
            "Network",
            self.config.vpc,
            # Interface endpoints cost about 7 USD a month per AZ each: only what is used.
            interface_endpoints=["ssm"] if self.config.is_production else [],
        )
        self.vpc = network.vpc
        self.create_output("VpcId", network.vpc_id, description="VPC id")
        self.create_output(
            "PrivateSubnetIds",
            cdk.Fn.join(",", [s.subnet_id for s in network.private_subnets]),
            description="Private subnets (egress through NAT)",
        )
        self.create_output(
            "IsolatedSubnetIds",
            cdk.Fn.join(",", [s.subnet_id for s in network.isolated_subnets]),
            description="Isolated subnets (no internet route)",
        )
