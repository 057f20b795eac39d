"""StandardVpc: tiers, NAT (gateways or instances), flow logs, endpoints, validation,
compliance and pinned ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import CfnParameter, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template
from constructs import Construct

from org_constructs import AbstractStack, EnvironmentConfig, StandardVpc, ValidationError
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.compliance._acknowledgements import CDK_HANDLER_CHECKOV_CHECKS
from org_constructs.config import VpcConfig
from org_constructs.contract import REGULATED_PACKS
from org_constructs.testing import (
    assert_no_open_ingress,
    find_resources,
    template_json,
    template_of,
)
from tests.support import (
    ROOT,
    TEST_ACCOUNTS,
    Background,
    checkov_report,
    make_app,
    templates_for_checkov,
)


class NetworkStack(AbstractStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        build: Callable[[Stack], StandardVpc] | None = None,
    ) -> None:
        self._build = build or (lambda s: StandardVpc.from_config(s, "Network", config.vpc))
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        self.network = self._build(self)


def full_vpc(stack: Stack) -> StandardVpc:
    return StandardVpc(
        stack,
        "Network",
        cidr="10.40.0.0/20",
        max_azs=2,
        nat_gateways=2,
        public_subnet_mask=26,
        private_subnet_mask=23,
        isolated_subnet_mask=25,
        flow_logs_traffic_type=ec2.FlowLogTrafficType.REJECT,
        flow_logs_retention=logs.RetentionDays.TWO_WEEKS,
        interface_endpoints=["ssm", "secretsmanager"],
    )


def regulated_vpc(stack: Stack) -> StandardVpc:
    """The documented regulated setting: no internet route, AWS services through endpoints."""
    return StandardVpc(stack, "Network", nat_gateways=0, interface_endpoints=["ssm", "logs"])


def nat_instance_vpc(stack: Stack) -> StandardVpc:
    """A dev network on one NAT instance, from the environment's config."""
    config = VpcConfig.for_stage("dev", cidr="10.0.0.0/16", nat_instance_type="t4g.nano")
    return StandardVpc.from_config(stack, "Network", config)


def nat_instances_vpc(stack: Stack) -> StandardVpc:
    """A NAT instance per AZ, of a type that is not burstable."""
    return StandardVpc(stack, "Network", nat_instance_type="c7gn.medium", nat_gateways=2)


@pytest.fixture(scope="session")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, NetworkStack]:
    variants: dict[str, tuple[str, Callable[[Stack], StandardVpc] | None]] = {
        "dev": ("dev", None),
        "production": ("production", None),
        "full": ("staging", full_vpc),
        "regulated": ("production", regulated_vpc),
        "nat-instance": ("dev", nat_instance_vpc),
        "nat-instances": ("staging", nat_instances_vpc),
    }
    return {
        name: NetworkStack(make_app(), f"Vpc-{name}", config=environments[env], build=build)
        for name, (env, build) in variants.items()
    }


@pytest.fixture(scope="session")
def templates(
    stacks: dict[str, NetworkStack], background: Background, request: pytest.FixtureRequest
) -> dict[str, Template]:
    """Session-scoped: the end-to-end checkov test reads them after the fast tests."""
    return templates_for_checkov(stacks, background, request, __file__, "standard_vpc")


def subnets_by_tier(template: Template) -> dict[str, list[dict[str, Any]]]:
    tiers: dict[str, list[dict[str, Any]]] = {}
    for subnet in find_resources(template, "AWS::EC2::Subnet").values():
        tags = {t["Key"]: t["Value"] for t in subnet["Properties"]["Tags"]}
        tiers.setdefault(tags["aws-cdk:subnet-name"], []).append(subnet["Properties"])
    return tiers


class TestTiers:
    @pytest.mark.parametrize(("name", "azs"), [("dev", 2), ("production", 3)])
    def test_three_tiers_of_24_in_every_az(
        self, templates: dict[str, Template], name: str, azs: int
    ) -> None:
        tiers = subnets_by_tier(templates[name])
        assert sorted(tiers) == ["Isolated", "Private", "Public"]
        for subnets in tiers.values():
            assert len(subnets) == azs
            assert all(s["CidrBlock"].endswith("/24") for s in subnets)
            zones = sorted(s["AvailabilityZone"] for s in subnets)
            assert zones == [f"us-east-1{letter}" for letter in "abc"[:azs]]

    def test_cidr_follows_the_config(self, templates: dict[str, Template]) -> None:
        templates["production"].has_resource_properties(
            "AWS::EC2::VPC",
            {"CidrBlock": "10.2.0.0/16", "EnableDnsHostnames": True, "EnableDnsSupport": True},
        )

    def test_custom_masks(self, templates: dict[str, Template]) -> None:
        tiers = subnets_by_tier(templates["full"])
        masks = {tier: {s["CidrBlock"].split("/")[1] for s in subs} for tier, subs in tiers.items()}
        assert masks == {"Public": {"26"}, "Private": {"23"}, "Isolated": {"25"}}

    @pytest.mark.parametrize("name", ["dev", "production", "full"])
    def test_no_public_ip_on_launch_anywhere(
        self, templates: dict[str, Template], name: str
    ) -> None:
        for subnets in subnets_by_tier(templates[name]).values():
            assert all(s["MapPublicIpOnLaunch"] is False for s in subnets)

    def test_isolated_only_without_nat(self, templates: dict[str, Template]) -> None:
        template = templates["regulated"]
        assert sorted(subnets_by_tier(template)) == ["Isolated"]
        assert find_resources(template, "AWS::EC2::InternetGateway") == {}
        assert find_resources(template, "AWS::EC2::NatGateway") == {}

    def test_subnet_attributes(self, stacks: dict[str, NetworkStack]) -> None:
        network = stacks["dev"].network
        assert isinstance(network.vpc, ec2.Vpc)
        assert network.vpc_id == network.vpc.vpc_id
        assert (
            len(network.public_subnets),
            len(network.private_subnets),
            len(network.isolated_subnets),
        ) == (2, 2, 2)
        assert network.select_subnets("Private").subnet_group_name == "Private"


class TestNat:
    @pytest.mark.parametrize(("name", "count"), [("dev", 1), ("production", 3), ("regulated", 0)])
    def test_nat_gateway_count(self, templates: dict[str, Template], name: str, count: int) -> None:
        assert len(find_resources(templates[name], "AWS::EC2::NatGateway")) == count

    def test_production_with_fewer_nat_than_azs_warns(
        self, production_config: EnvironmentConfig
    ) -> None:
        stack = NetworkStack(
            make_app(),
            "FewNat",
            config=production_config,
            build=lambda s: StandardVpc(s, "Network", max_azs=3, nat_gateways=1),
        )
        Annotations.from_stack(stack).has_warning(
            "/FewNat/Network", Match.string_like_regexp("1 NAT gateway\\(s\\) for 3 AZs")
        )

    def test_dev_with_one_nat_does_not_warn(self, stacks: dict[str, NetworkStack]) -> None:
        Annotations.from_stack(stacks["dev"]).has_no_warning("*", Match.any_value())


def instances(template: Template) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in find_resources(template, "AWS::EC2::Instance").items()
    }


class TestNatInstances:
    """``nat_instance_type``: NAT instances in place of NAT gateways, hardened."""

    @pytest.mark.parametrize(
        ("name", "kind", "count"),
        [("nat-instance", "t4g.nano", 1), ("nat-instances", "c7gn.medium", 2)],
    )
    def test_instances_of_the_type_replace_the_gateways(
        self, templates: dict[str, Template], name: str, kind: str, count: int
    ) -> None:
        template = templates[name]
        assert find_resources(template, "AWS::EC2::NatGateway") == {}
        assert find_resources(template, "AWS::EC2::EIP") == {}
        found = instances(template)
        assert len(found) == count
        assert {p["InstanceType"] for p in found.values()} == {kind}

    @pytest.mark.parametrize("name", ["nat-instance", "nat-instances"])
    def test_hardened(self, templates: dict[str, Template], name: str) -> None:
        for properties in instances(templates[name]).values():
            assert properties["MetadataOptions"] == {
                "HttpTokens": "required",
                "HttpPutResponseHopLimit": 1,
            }, "IMDSv2 only, one hop"
            assert properties["BlockDeviceMappings"] == [
                {
                    "DeviceName": "/dev/xvda",
                    "Ebs": {"DeleteOnTermination": True, "Encrypted": True, "VolumeType": "gp3"},
                }
            ]
            assert properties["PropagateTagsToVolumeOnCreation"] is True
            assert "KeyName" not in properties, "no SSH key pair"
            assert properties["SourceDestCheck"] is False
            (interface,) = properties["NetworkInterfaces"]
            assert interface["AssociatePublicIpAddress"] is True
            assert interface["DeviceIndex"] == "0"
            assert interface["SubnetId"]["Ref"].startswith("NetworkVpcPublicSubnet")

    def test_burstable_types_use_standard_credits(self, templates: dict[str, Template]) -> None:
        (dev,) = instances(templates["nat-instance"]).values()
        assert dev["CreditSpecification"] == {"CPUCredits": "standard"}
        assert all(
            "CreditSpecification" not in p for p in instances(templates["nat-instances"]).values()
        ), "not burstable: no credit specification"

    def test_image_is_amazon_linux_2023_for_arm(self, templates: dict[str, Template]) -> None:
        template = templates["nat-instance"]
        (properties,) = instances(template).values()
        parameter = template_json(template)["Parameters"][properties["ImageId"]["Ref"]]
        assert parameter == {
            "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            "Default": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64",
        }

    @pytest.mark.parametrize(
        ("name", "cidr"), [("nat-instance", "10.0.0.0/16"), ("nat-instances", "10.1.0.0/16")]
    )
    def test_security_group_takes_the_vpc_only_and_sends_anywhere(
        self, templates: dict[str, Template], name: str, cidr: str
    ) -> None:
        template = templates[name]
        (group,) = [
            g["Properties"]
            for g in find_resources(template, "AWS::EC2::SecurityGroup").values()
            if g["Properties"]["GroupDescription"] == "Security Group for NAT instances"
        ]
        ingress = {
            (r["IpProtocol"], r["FromPort"], r["ToPort"], r["CidrIp"])
            for r in group["SecurityGroupIngress"]
        }
        assert ingress == {
            ("tcp", 0, 65535, cidr),
            ("udp", 0, 65535, cidr),
            ("icmp", -1, -1, cidr),
        }
        assert all(r["Description"] for r in group["SecurityGroupIngress"])
        assert group["SecurityGroupEgress"] == [
            {
                "CidrIp": "0.0.0.0/0",
                "Description": "Allow all outbound traffic by default",
                "IpProtocol": "-1",
            }
        ]
        assert_no_open_ingress(template)
        for properties in instances(template).values():
            (interface,) = properties["NetworkInterfaces"]
            assert interface["GroupSet"] == [
                {"Fn::GetAtt": ["NetworkVpcNatSecurityGroup559BBD24", "GroupId"]}
            ]

    @pytest.mark.parametrize(
        ("name", "routes"), [("nat-instance", {1: 1, 2: 1}), ("nat-instances", {1: 1, 2: 2})]
    )
    def test_private_subnets_route_through_an_instance(
        self, templates: dict[str, Template], name: str, routes: dict[int, int]
    ) -> None:
        """Each private subnet's default route goes to the NAT instance of its AZ, or to the
        one instance when there are fewer instances than AZs."""
        template = templates[name]
        ids = {
            number: next(i for i in instances(template) if f"PublicSubnet{number}NatInstance" in i)
            for number in set(routes.values())
        }
        by_table = {
            r["Properties"]["RouteTableId"]["Ref"]: r["Properties"]
            for r in find_resources(template, "AWS::EC2::Route").values()
        }
        for private, public in routes.items():
            (table,) = [t for t in by_table if t.startswith(f"NetworkVpcPrivateSubnet{private}")]
            route = by_table[table]
            assert route["DestinationCidrBlock"] == "0.0.0.0/0"
            assert route["InstanceId"] == {"Ref": ids[public]}
            assert "NatGatewayId" not in route

    @pytest.mark.parametrize(("name", "count"), [("nat-instance", 1), ("nat-instances", 2)])
    def test_each_instance_recovers_by_itself(
        self, templates: dict[str, Template], stacks: dict[str, NetworkStack], name: str, count: int
    ) -> None:
        template = templates[name]
        alarms = {
            logical_id: alarm["Properties"]
            for logical_id, alarm in find_resources(template, "AWS::CloudWatch::Alarm").items()
        }
        assert len(alarms) == count
        ids = sorted(instances(template))
        for number, instance_id in enumerate(ids, start=1):
            (alarm,) = [
                a for i, a in alarms.items() if i.startswith(f"NetworkNatInstance{number}Recovery")
            ]
            assert alarm["Namespace"] == "AWS/EC2"
            assert alarm["MetricName"] == "StatusCheckFailed_System"
            assert alarm["Dimensions"] == [{"Name": "InstanceId", "Value": {"Ref": instance_id}}]
            assert (alarm["Statistic"], alarm["Period"]) == ("Maximum", 60)
            assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
            assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (
                1,
                2,
                2,
            )
            assert alarm["AlarmActions"] == ["arn:aws:automate:us-east-1:ec2:recover"]
            assert "Recovers NAT instance" in alarm["AlarmDescription"]
        network = stacks[name].network
        assert len(network.nat_instances) == len(network.nat_recovery_alarms) == count
        assert all(isinstance(i, ec2.Instance) for i in network.nat_instances)

    def test_recovery_outside_an_environment_uses_the_stacks_region(self) -> None:
        stack = Stack(make_app(), "Agnostic")
        StandardVpc(stack, "Network", nat_instance_type="t4g.micro", max_azs=1, nat_gateways=1)
        (alarm,) = find_resources(Template.from_stack(stack), "AWS::CloudWatch::Alarm").values()
        (action,) = alarm["Properties"]["AlarmActions"]
        assert {"Ref": "AWS::Region"} in action["Fn::Join"][1]

    def test_gateway_vpcs_have_no_instances(
        self, stacks: dict[str, NetworkStack], templates: dict[str, Template]
    ) -> None:
        assert stacks["dev"].network.nat_instances == []
        assert stacks["dev"].network.nat_recovery_alarms == []
        assert find_resources(templates["dev"], "AWS::EC2::Instance") == {}

    def test_production_with_fewer_nat_instances_than_azs_warns(
        self, production_config: EnvironmentConfig
    ) -> None:
        stack = NetworkStack(
            make_app(),
            "FewNatInstances",
            config=production_config,
            build=lambda s: StandardVpc(
                s, "Network", nat_gateways=1, nat_instance_type="t4g.small"
            ),
        )
        Annotations.from_stack(stack).has_warning(
            "/FewNatInstances/Network",
            Match.string_like_regexp("1 NAT instance\\(s\\) for 3 AZs"),
        )

    def test_instance_ids_are_pinned(self, templates: dict[str, Template]) -> None:
        """aws-cdk-lib's ids for the instance and its group, and the recovery alarm's."""
        template = templates["nat-instance"]
        assert list(instances(template)) == ["NetworkVpcPublicSubnet1NatInstance6FD019B0"]
        groups = find_resources(template, "AWS::EC2::SecurityGroup")
        assert "NetworkVpcNatSecurityGroup559BBD24" in groups
        assert list(find_resources(template, "AWS::CloudWatch::Alarm")) == [
            "NetworkNatInstance1RecoveryD3C86D7E"
        ]
        assert list(find_resources(template, "AWS::EC2::VPC")) == ["NetworkVpc7FB7348F"]


class TestFlowLogs:
    def test_to_an_encrypted_log_group_with_stage_retention(
        self, templates: dict[str, Template]
    ) -> None:
        template = templates["dev"]
        (group,) = find_resources(template, "AWS::Logs::LogGroup").values()
        assert group["Properties"]["RetentionInDays"] == 7
        assert group["Properties"]["KmsKeyId"] == {
            "Fn::GetAtt": ["NetworkFlowLogKeyF785E5F9", "Arn"]
        }
        assert group["DeletionPolicy"] == "Delete"
        template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
        template.has_resource_properties(
            "AWS::EC2::FlowLog",
            {"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"},
        )

    def test_key_policy_lets_cloudwatch_logs_use_the_key(
        self, templates: dict[str, Template]
    ) -> None:
        (key,) = find_resources(templates["dev"], "AWS::KMS::Key").values()
        principals = [
            s["Principal"].get("Service")
            for s in key["Properties"]["KeyPolicy"]["Statement"]
            if "Service" in s["Principal"]
        ]
        assert "logs.us-east-1.amazonaws.com" in principals

    def test_production_keeps_logs_a_year_and_retains(self, templates: dict[str, Template]) -> None:
        (group,) = find_resources(templates["production"], "AWS::Logs::LogGroup").values()
        assert group["Properties"]["RetentionInDays"] == 365
        assert group["DeletionPolicy"] == "Retain"

    def test_role_uses_a_scoped_managed_policy(self, templates: dict[str, Template]) -> None:
        template = templates["dev"]
        assert find_resources(template, "AWS::IAM::Policy") == {}
        (policy,) = find_resources(template, "AWS::IAM::ManagedPolicy").values()
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Resource"] == {"Fn::GetAtt": ["NetworkFlowLogGroup4F8CEEEF", "Arn"]}

    def test_options(self, templates: dict[str, Template]) -> None:
        template = templates["full"]
        template.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": "REJECT"})
        template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 14})

    def test_to_a_bucket(self, dev_config: EnvironmentConfig) -> None:
        def build(stack: Stack) -> StandardVpc:
            bucket = s3.Bucket.from_bucket_name(stack, "Central", "org-flow-logs")
            return StandardVpc(stack, "Network", flow_logs_bucket=bucket)

        stack = NetworkStack(make_app(), "ToBucket", config=dev_config, build=build)
        template = template_of(stack)
        template.has_resource_properties("AWS::EC2::FlowLog", {"LogDestinationType": "s3"})
        assert find_resources(template, "AWS::Logs::LogGroup") == {}
        assert stack.network.flow_log_group is None

    def test_off(self, dev_config: EnvironmentConfig) -> None:
        stack = NetworkStack(
            make_app(),
            "NoLogs",
            config=dev_config,
            build=lambda s: StandardVpc.from_config(
                s, "Network", VpcConfig(flow_logs=False, max_azs=2, nat_gateways=1)
            ),
        )
        assert find_resources(template_of(stack), "AWS::EC2::FlowLog") == {}
        assert stack.network.flow_log is None
        assert stack.network.flow_log_key is None


class TestSecurityAndEndpoints:
    def test_default_security_group_is_stripped(self, templates: dict[str, Template]) -> None:
        (restrict,) = find_resources(templates["dev"], "Custom::VpcRestrictDefaultSG").values()
        assert restrict["Properties"]["DefaultSecurityGroupId"] == {
            "Fn::GetAtt": ["NetworkVpc7FB7348F", "DefaultSecurityGroup"]
        }

    def test_gateway_endpoints_for_s3_and_dynamodb(self, templates: dict[str, Template]) -> None:
        endpoints = find_resources(templates["dev"], "AWS::EC2::VPCEndpoint")
        services = sorted(str(e["Properties"]["ServiceName"]) for e in endpoints.values())
        assert len(services) == 2
        assert "dynamodb" in services[0]
        assert "s3" in services[1]
        assert all(e["Properties"]["VpcEndpointType"] == "Gateway" for e in endpoints.values())

    def test_interface_endpoints_take_https_from_the_vpc_only(
        self, templates: dict[str, Template], stacks: dict[str, NetworkStack]
    ) -> None:
        template = templates["full"]
        interface = [
            e
            for e in find_resources(template, "AWS::EC2::VPCEndpoint").values()
            if e["Properties"].get("VpcEndpointType") == "Interface"
        ]
        assert len(interface) == 2
        assert all(e["Properties"]["PrivateDnsEnabled"] is True for e in interface)
        groups = find_resources(template, "AWS::EC2::SecurityGroup")
        rules = [
            r for g in groups.values() for r in g["Properties"].get("SecurityGroupIngress", [])
        ]
        assert rules
        assert all(
            (r["CidrIp"], r["FromPort"], r["ToPort"]) == ("10.40.0.0/20", 443, 443) for r in rules
        )
        assert_no_open_ingress(template)
        assert sorted(stacks["full"].network.interface_endpoints) == ["secretsmanager", "ssm"]

    def test_tags(self, templates: dict[str, Template]) -> None:
        (vpc,) = find_resources(templates["dev"], "AWS::EC2::VPC").values()
        tags = {t["Key"]: t["Value"] for t in vpc["Properties"]["Tags"]}
        assert tags["Module"] == "StandardVpc"
        assert tags["AutoDelete"] == "No"
        assert tags["Environment"] == "dev"


class TestPinnedLogicalIds:
    def test_stateful_resources_keep_their_ids(self, templates: dict[str, Template]) -> None:
        template = templates["dev"]
        assert list(find_resources(template, "AWS::EC2::VPC")) == ["NetworkVpc7FB7348F"]
        assert list(find_resources(template, "AWS::KMS::Key")) == ["NetworkFlowLogKeyF785E5F9"]
        assert list(find_resources(template, "AWS::Logs::LogGroup")) == [
            "NetworkFlowLogGroup4F8CEEEF"
        ]
        assert sorted(find_resources(template, "AWS::EC2::Subnet")) == [
            "NetworkVpcIsolatedSubnet1Subnet0400477E",
            "NetworkVpcIsolatedSubnet2SubnetF65B365A",
            "NetworkVpcPrivateSubnet1Subnet6DD86AE6",
            "NetworkVpcPrivateSubnet2Subnet1BDBE877",
            "NetworkVpcPublicSubnet1Subnet36933139",
            "NetworkVpcPublicSubnet2SubnetC427CCE0",
        ]


def bad(value: object) -> Any:
    """A value mypy would refuse (a number token is typed float), passed on purpose."""
    return value


def vpc(**props: Any) -> Callable[[Stack], StandardVpc]:
    return lambda stack: StandardVpc(stack, "V", **props)


INVALID: dict[str, tuple[Callable[[Stack], Any], str]] = {
    "cidr host bits": (vpc(cidr="10.0.0.1/16"), r"StandardVpc\('V'\): cidr='10.0.0.1/16': is not"),
    "cidr not a network": (vpc(cidr="nope"), r"cidr='nope': must be an IPv4 network"),
    "cidr prefix /8": (vpc(cidr="10.0.0.0/8"), r"prefix from /16 to /28"),
    "max_azs seven": (vpc(max_azs=7), r"max_azs=7: must be between 1 and 6"),
    "max_azs zero": (vpc(max_azs=0), r"max_azs=0: must be between 1 and 6"),
    "nat over azs": (vpc(max_azs=2, nat_gateways=3), r"nat_gateways=3: must not exceed max_azs"),
    "zones count": (
        vpc(max_azs=2, availability_zones=["us-east-1a"]),
        r"availability_zones=\['us-east-1a'\]: must name exactly max_azs \(2\)",
    ),
    "mask too large": (vpc(public_subnet_mask=29), r"public_subnet_mask=29: must be between 16"),
    "mask bigger than vpc": (
        vpc(cidr="10.0.0.0/20", private_subnet_mask=18),
        r"private_subnet_mask=18: must not be larger than the VPC \(/20\)",
    ),
    "cidr too small": (
        vpc(cidr="10.0.0.0/26", max_azs=3, nat_gateways=1),
        r"cidr='10.0.0.0/26': cannot hold 3 tier\(s\) x 3 AZ\(s\)",
    ),
    "masks do not fit": (
        vpc(cidr="10.0.0.0/22", max_azs=2, nat_gateways=1, private_subnet_mask=23),
        r"cidr='10.0.0.0/22': cannot hold .*use a larger CIDR",
    ),
    "mask for a missing tier": (
        vpc(nat_gateways=0, public_subnet_mask=24),
        r"public_subnet_mask=24: cannot be given: a VPC without NAT gateways has no Public",
    ),
    "flow options without flow logs": (
        vpc(flow_logs=False, flow_logs_retention=logs.RetentionDays.ONE_DAY),
        r"flow_logs=False: is off",
    ),
    "endpoint name": (vpc(interface_endpoints=["bad name"]), r"interface_endpoints\[0\]='bad"),
    "endpoint unknown": (
        vpc(interface_endpoints=["x"]),
        r"interface_endpoints\[0\]='x': is not an AWS service with interface endpoints",
    ),
    "endpoint upper case": (vpc(interface_endpoints=["SSM"]), r"'SSM': .*did you mean 'ssm'\?"),
    "endpoint full name": (
        vpc(interface_endpoints=["com.amazonaws.us-east-1.ssm"]),
        r"give the service's short name \('ssm'\)",
    ),
    "endpoint twice": (
        vpc(interface_endpoints=["ssm", "logs", "ssm"]),
        r"interface_endpoints='ssm': is given twice",
    ),
    "endpoints as one string": (
        vpc(interface_endpoints="ssm"),
        r"interface_endpoints='ssm': must be a list of str",
    ),
    "zones twice": (
        vpc(max_azs=2, availability_zones=["us-east-1a", "us-east-1a"]),
        r"availability_zones='us-east-1a': is given twice",
    ),
    "zone malformed": (
        vpc(max_azs=2, availability_zones=["us-east-1", "us-east-1b"]),
        r"availability_zones\[0\]='us-east-1': must be an Availability Zone",
    ),
    "max_azs token": (
        lambda s: StandardVpc(
            s, "V", max_azs=bad(CfnParameter(s, "Azs", type="Number").value_as_number)
        ),
        r"max_azs=.*: must be a literal number, not a token",
    ),
    "max_azs boolean": (vpc(max_azs=True), r"max_azs=True: must be a whole number or None"),
    "flow_logs truthy string": (vpc(flow_logs="no"), r"flow_logs='no': must be True or False"),
    "key not a key": (vpc(flow_logs_key="alias/logs"), r"flow_logs_key='alias/logs': must be an"),
    "nat instance of an x86 type": (
        vpc(nat_instance_type="t3.nano"),
        r"StandardVpc\('V'\): nat_instance_type='t3.nano': is not a Graviton type \(t3 is not a "
        r"Graviton family\); use a Graviton \(arm64\) type written family.size, such as "
        r"'t4g.nano'",
    ),
    "nat instance with a db. prefix": (
        vpc(nat_instance_type="db.t4g.micro"),
        r"nat_instance_type='db.t4g.micro': leave out the 'db.' prefix: use 't4g.micro'",
    ),
    "nat instance with an ec2. prefix": (
        vpc(nat_instance_type="ec2.t4g.nano"),
        r"nat_instance_type='ec2.t4g.nano': leave out the 'ec2.' prefix: use 't4g.nano'",
    ),
    "nat instance without a size": (
        vpc(nat_instance_type="t4g"),
        r"nat_instance_type='t4g': must be a Graviton \(arm64\) type written family.size",
    ),
    "nat instance in capitals": (
        vpc(nat_instance_type="T4G.NANO"),
        r"nat_instance_type='T4G.NANO': must be a Graviton",
    ),
    "nat instance without nat": (
        vpc(nat_gateways=0, nat_instance_type="t4g.nano"),
        r"nat_instance_type='t4g.nano': cannot be given with nat_gateways=0 \(no NAT at all\)",
    ),
    "nat instance token": (
        lambda s: StandardVpc(s, "V", nat_instance_type=CfnParameter(s, "Type").value_as_string),
        r"nat_instance_type=.*: must be a literal instance type, not a token",
    ),
    "nat instance not text": (
        vpc(nat_instance_type=bad(4)),
        r"nat_instance_type=4: must be a string or None",
    ),
    "max_azs beyond an environment-agnostic stack": (
        vpc(max_azs=3),
        r"max_azs=3: the stack has no account and region, so aws-cdk-lib gives it 2 "
        r"availability zones.*env=Environment.*max_azs=2",
    ),
    "from_config with a key the config gives": (
        lambda s: StandardVpc.from_config(s, "V", VpcConfig(max_azs=2, nat_gateways=1), max_azs=1),
        r"StandardVpc\('V'\): max_azs=1: comes from the config",
    ),
    "from_config with no such property": (
        lambda s: StandardVpc.from_config(
            s, "V", VpcConfig(max_azs=2, nat_gateways=1), flowlogs_bucket=None
        ),
        r"flowlogs_bucket=None: is not a property; did you mean 'flow_logs_bucket'",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused(case: str) -> None:
    build, pattern = INVALID[case]
    stack = Stack(make_app(), "Invalid")
    with pytest.raises(ValidationError, match=pattern):
        build(stack)
    assert stack.node.try_find_child("V") is None, "nothing half-made"


IN_REGION: dict[str, tuple[list[str], str]] = {
    "zone of another region": (
        ["eu-west-1a", "eu-west-1b"],
        r"availability_zones\[0\]='eu-west-1a': is not in the stack's region \(us-east-1\)",
    ),
    "zone the account lacks": (
        ["us-east-1a", "us-east-1z"],
        r"availability_zones\[1\]='us-east-1z': is not one of the account's zones",
    ),
}


@pytest.mark.parametrize("case", sorted(IN_REGION))
def test_zones_outside_the_stacks_region_are_refused(case: str) -> None:
    zones, pattern = IN_REGION[case]
    stack = Stack(
        make_app(), "Invalid", env=Environment(account=TEST_ACCOUNTS[0], region="us-east-1")
    )
    with pytest.raises(ValidationError, match=pattern):
        StandardVpc(stack, "V", max_azs=2, availability_zones=zones)
    assert stack.node.try_find_child("V") is None, "nothing half-made"


def test_a_vpc_needs_a_stack_and_a_free_id() -> None:
    app = make_app()
    with pytest.raises(ValidationError, match=r"scope='\(app\)': must be a Stack or a construct"):
        StandardVpc(app, "V")
    stack = Stack(app, "Invalid")
    with pytest.raises(ValidationError, match=r"max_azs=9"):
        StandardVpc(stack, "V", max_azs=9)
    StandardVpc(stack, "V")  # the refused one left nothing behind: the id is free
    with pytest.raises(ValidationError, match=r"construct_id='V': is already used in Invalid"):
        StandardVpc(stack, "V")


def test_bucket_with_key_is_refused() -> None:
    stack = Stack(make_app(), "Invalid")
    bucket = s3.Bucket.from_bucket_name(stack, "B", "logs")
    with pytest.raises(ValidationError, match=r"flow_logs_bucket=.*sends flow logs to S3"):
        StandardVpc(
            stack, "V", flow_logs_bucket=bucket, flow_logs_retention=logs.RetentionDays.ONE_DAY
        )


def test_select_unknown_tier_is_refused(stacks: dict[str, NetworkStack]) -> None:
    with pytest.raises(ValidationError, match=r"tier='Dmz': must be one of"):
        stacks["dev"].network.select_subnets("Dmz")


def test_outside_an_abstract_stack_production_defaults_apply() -> None:
    stack = Stack(make_app(), "Plain")
    network = StandardVpc(stack, "Network")
    template = Template.from_stack(stack)
    assert len(network.isolated_subnets) == 2, "an environment-agnostic stack sees 2 AZs"
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.2.0.0/16"})
    (group,) = find_resources(template, "AWS::Logs::LogGroup").values()
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["DeletionPolicy"] == "Retain"


class TestCompliance:
    @pytest.mark.parametrize(
        "name", ["dev", "production", "full", "regulated", "nat-instance", "nat-instances"]
    )
    def test_aws_solutions_and_serverless_clean(
        self, stacks: dict[str, NetworkStack], name: str
    ) -> None:
        assert nag_findings(stacks[name], ("AwsSolutions", "Serverless")) == []

    def test_regulated_settings_clean_on_every_pack(self, stacks: dict[str, NetworkStack]) -> None:
        assert nag_findings(stacks["regulated"], NAG_PACKS) == []

    def test_default_findings_are_the_documented_ones(
        self, stacks: dict[str, NetworkStack]
    ) -> None:
        findings = {
            (f.rule_id, f.construct_path) for f in nag_findings(stacks["dev"], REGULATED_PACKS)
        }
        expected = {
            (
                f"{pack}-VPCNoUnrestrictedRouteToIGW",
                f"Vpc-dev/Network/Vpc/PublicSubnet{n}/DefaultRoute",
            )
            for pack in REGULATED_PACKS
            for n in (1, 2)
        }
        assert findings == expected
        page = (ROOT / "docs" / "constructs" / "standard-vpc.md").read_text()
        for rule_id, _ in findings:
            assert rule_id in page

    @pytest.mark.parametrize("name", ["nat-instance", "nat-instances"])
    def test_nat_instances_add_no_finding_on_any_pack(
        self, stacks: dict[str, NetworkStack], name: str
    ) -> None:
        """What a NAT instance cannot avoid (a public address, no detailed monitoring...) the
        construct acknowledges; the public tier's route stays, as with NAT gateways."""
        findings = {f.rule_id for f in nag_findings(stacks[name], NAG_PACKS)}
        assert findings == {f"{pack}-VPCNoUnrestrictedRouteToIGW" for pack in REGULATED_PACKS}

    @pytest.mark.parametrize(
        ("name", "in_transit"), [("nat-instance", True), ("nat-instances", False)]
    )
    def test_nat_instances_acknowledge_the_checks_with_reasons(
        self, templates: dict[str, Template], name: str, in_transit: bool
    ) -> None:
        """cfn-guard's in-transit encryption control is acknowledged only for the types it
        does not accept (t4g), so that no acknowledgement is stale."""
        for resource in find_resources(templates[name], "AWS::EC2::Instance").values():
            metadata = resource["Metadata"]
            recorded = {
                (a["tool"], a["rule"]): a["reason"]
                for a in metadata["org-constructs"]["acknowledged"]
            }
            guard = {rule for tool, rule in recorded if tool == "cfn-guard"}
            expected = {"CT.EC2.PR.8", "CT.EC2.PR.13"} | ({"CT.EC2.PR.19"} if in_transit else set())
            assert guard == expected
            assert [skip["id"] for skip in metadata["checkov"]["skip"]] == ["CKV_AWS_88"]
            assert all(len(reason) > 60 for reason in recorded.values())
            assert all(
                a["source"] == "org-constructs" for a in metadata["org-constructs"]["acknowledged"]
            )

    @pytest.mark.e2e
    def test_checkov_passes_with_documented_skips(
        self, templates: dict[str, Template], background: Background
    ) -> None:
        report = checkov_report(background, "standard_vpc", templates)
        assert report.failed == []
        assert report.passed > 100
        handler = {(name, check) for name in templates for check in CDK_HANDLER_CHECKOV_CHECKS}
        public_ip = {("nat-instance", "CKV_AWS_88")} | {("nat-instances", "CKV_AWS_88")}
        assert {(name, check) for name, check, _ in report.skipped} == handler | public_ip
        for name, check, comment in report.skipped:
            expected = "public IPv4 address" if check == "CKV_AWS_88" else "aws-cdk-lib creates"
            assert expected in comment, (name, check)


@pytest.mark.parametrize("name", ["dev", "production", "full", "regulated", "nat-instance"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot
