"""``StandardVpc``: a three-tier VPC with flow logs, endpoints and cost-aware NAT (gateways or
instances)."""

from __future__ import annotations

import ipaddress
import math
import typing
from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import Annotations, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk.interfaces import ResourceEnvironment
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.kms import log_group_key
from org_constructs._internal.nodes import id_of, path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_cdk_handler,
    acknowledge_library_check,
    acknowledge_short_retention,
)
from org_constructs.config import Stage, VpcConfig
from org_constructs.contract import REGULATED_PACKS
from org_constructs.core import log_retention_for, removal_policy_for, stage_of
from org_constructs.core._defaults import library_construct
from org_constructs.errors import ValidationError
from org_constructs.network._vpc_checks import (
    check_endpoint_service,
    check_zone_count,
    check_zones,
)

__all__ = ["StandardVpc"]

PUBLIC = "Public"
PRIVATE = "Private"
ISOLATED = "Isolated"
_DEFAULT_MASK = 24
_FROM_CONFIG = ("cidr", "max_azs", "nat_gateways", "nat_instance_type", "flow_logs")
"""The constructor's keywords that ``from_config`` takes from the ``VpcConfig``."""
_MIN_MASK, _MAX_MASK = 16, 28

_RESTRICT_SG_REASON = (
    "aws-cdk-lib creates this custom resource to strip the rules of the VPC's default security "
    "group; its Lambda function runs only during deployment, and its role can change only that "
    "security group."
)
_RESTRICT_SG_RULES = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AWSLambdaBasicExecutionRole]",
    "AwsSolutions-L1",
    "Serverless-LambdaDLQ",
    "Serverless-LambdaDefaultMemorySize",
    "Serverless-LambdaLatestVersion",
    "Serverless-LambdaTracing",
    "HIPAA.Security-LambdaConcurrency",
    "HIPAA.Security-LambdaDLQ",
    "HIPAA.Security-LambdaInsideVPC",
    "NIST.800.53.R5-LambdaConcurrency",
    "NIST.800.53.R5-LambdaDLQ",
    "NIST.800.53.R5-LambdaInsideVPC",
    "PCI.DSS.321-LambdaInsideVPC",
)


@jsii.implements(ec2.IVpc)
class StandardVpc(Construct):
    """A VPC with public, private (egress through NAT) and isolated subnets in every AZ.

    A ``StandardVpc`` is an ``ec2.IVpc``: pass it wherever aws-cdk-lib takes a VPC
    (``ec2.SecurityGroup(vpc=...)``, ``lambda_.Function(vpc=...)``); it delegates to ``.vpc``.

    Defaults follow the stack's stage when the stack is an ``AbstractStack`` (see
    ``VpcConfig.for_stage``): dev spans 2 AZs with one NAT gateway; production spans 3 with a NAT
    gateway per AZ. Outside an ``AbstractStack`` the production values apply.

    Secure by default: flow logs to a KMS-encrypted log group whose retention follows the stage;
    the default security group has no rules; no subnet gives instances public IPs on launch.
    Cost-aware by default: S3 and DynamoDB gateway endpoints (free, and traffic to them skips the
    NAT gateways' data charge); NAT gateway count from the config; interface endpoints only on
    request (each costs about 7 USD a month per AZ). For dev networks, ``nat_instance_type``
    runs NAT instances instead of gateways: a ``t4g.nano`` costs about 7.50 USD a month with its
    volume, public IPv4 address and recovery alarm, and nothing per GB processed, against about
    33 USD for a gateway plus 0.045 USD per GB; but it is one instance, a single point of
    failure for egress that recovers by itself from a host failure, not from an AZ outage.

    Parameters
    ----------
    scope, construct_id:
        As for any construct. The child ids ``Vpc``, ``FlowLogKey``, ``FlowLogGroup``,
        ``FlowLogRole``, ``FlowLogPolicy`` and ``FlowLog`` fix the CloudFormation logical ids;
        they are public contract. With ``nat_instance_type`` so do aws-cdk-lib's
        ``Vpc/PublicSubnet<n>/NatInstance`` (with its ``InstanceRole`` and
        ``InstanceProfile``) and ``Vpc/NatSecurityGroup``, and ``NatInstance<n>Recovery``,
        the recovery alarm of the instance in public subnet ``n``.
    cidr:
        IPv4 range, a network with a prefix from /16 to /28. Default: - the stage's
        (``10.0.0.0/16`` dev, ``10.1.0.0/16`` staging, ``10.2.0.0/16`` production)
    max_azs:
        1 to 6. Default: - 2 in dev and staging, 3 in production
    nat_gateways:
        0 to ``max_azs``. 0 makes an isolated-only VPC (no internet gateway, no public or private
        tier). With ``nat_instance_type`` it counts NAT instances. Default: - 1 in dev, 2 in
        staging, 3 in production
    nat_instance_type:
        Run ``nat_gateways`` NAT instances of this Graviton type (``'t4g.nano'``,
        ``'c6gn.medium'``: written ``family.size``) instead of NAT gateways. Each runs Amazon
        Linux 2023 (aws-cdk-lib's ``NatProvider.instance_v2`` image, the latest at each
        deployment: a new release replaces the instance) in a public subnet, with a public
        IPv4 address, IMDSv2 required, no SSH key pair, an encrypted gp3 root volume, standard
        CPU credits for a burstable type (no charge beyond the instance's price), and a
        security group that admits TCP, UDP and ICMP from the VPC's CIDR only. An alarm on
        the system status check recovers it on healthy hardware. Default: None (NAT
        gateways)
    availability_zones:
        Exact AZ names; otherwise CDK picks ``max_azs`` of the region's AZs (recorded in
        ``cdk.context.json``). Default: - chosen by CDK
    public_subnet_mask, private_subnet_mask, isolated_subnet_mask:
        Prefix length of each tier's subnets, 16 to 28. Default: - /24 when the VPC holds three
        tiers of /24 per AZ (as a /16 does), else the largest equal size that fits
    flow_logs:
        Record flow logs. Default: True
    flow_logs_bucket:
        Send flow logs to this bucket instead of CloudWatch Logs. Default: - CloudWatch Logs
    flow_logs_traffic_type:
        ``ACCEPT``, ``REJECT`` or ``ALL``. Default: ``ec2.FlowLogTrafficType.ALL``
    flow_logs_retention:
        Retention of the flow log group. Default: - the environment's log retention in an
        ``AbstractStack`` (7 days dev, 90 staging, 365 production), else one year
    flow_logs_key:
        KMS key for the flow log group. Default: - a new key with rotation
    gateway_endpoints:
        Add S3 and DynamoDB gateway endpoints. Default: True
    interface_endpoints:
        AWS service names for interface endpoints in the private tier (isolated tier when there
        is no NAT), such as ``["ssm", "secretsmanager", "logs"]``. Default: none

    Raises
    ------
    ValidationError
        For a CIDR that is not a network or whose prefix is outside /16-/28, ``max_azs`` outside
        1-6, more NAT gateways than AZs, a ``nat_instance_type`` that is not a Graviton type
        written ``family.size`` or that comes with ``nat_gateways=0``, a subnet mask outside
        16-28 or larger than the VPC, a
        CIDR too small for the tiers and AZs, flow log options without flow logs, an interface
        endpoint service that aws-cdk-lib does not know (or its full endpoint name), an AZ or a
        service given twice, an AZ outside the stack's region, ``max_azs`` above the zones
        the stack has (more than 2 given in a stack without account and region, or more than
        the region's zones recorded in ``cdk.context.json``), a ``flow_logs_key`` of another
        region, a value of the wrong type, a token where the subnets are computed from the
        number, or an id already used in ``scope``; nothing is added to the tree.

    Example
    -------
    ::

        network = StandardVpc.from_config(self, "Network", self.config.vpc)
        # A dev network whose egress goes through one NAT instance instead of a gateway:
        network = StandardVpc(
            self, "Network", max_azs=2, nat_gateways=1, nat_instance_type="t4g.nano"
        )
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cidr: str | None = None,
        max_azs: int | None = None,
        nat_gateways: int | None = None,
        nat_instance_type: str | None = None,
        availability_zones: Sequence[str] | None = None,
        public_subnet_mask: int | None = None,
        private_subnet_mask: int | None = None,
        isolated_subnet_mask: int | None = None,
        flow_logs: bool | None = None,
        flow_logs_bucket: s3.IBucket | None = None,
        flow_logs_traffic_type: ec2.FlowLogTrafficType = ec2.FlowLogTrafficType.ALL,
        flow_logs_retention: logs.RetentionDays | None = None,
        flow_logs_key: kms.IKey | None = None,
        gateway_endpoints: bool = True,
        interface_endpoints: Sequence[str] = (),
    ) -> None:
        where = f"StandardVpc({construct_id!r})"
        checks.check_arguments(where, StandardVpc.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        stage = stage_of(scope)
        defaults = VpcConfig.for_stage(stage or Stage.PRODUCTION)
        azs_given = max_azs is not None
        cidr = defaults.cidr if cidr is None else cidr
        max_azs = defaults.max_azs if max_azs is None else max_azs
        if nat_gateways is None:
            nat_gateways = min(defaults.nat_gateways, max_azs) if isinstance(max_azs, int) else 0
        flow_logs = defaults.flow_logs if flow_logs is None else flow_logs

        checks.check_vpc_cidr(where, "cidr", cidr)
        checks.check_int(where, "max_azs", max_azs, 1, 6)
        checks.check_int(where, "nat_gateways", nat_gateways, 0, 6)
        if nat_gateways > max_azs:
            raise ValidationError(
                where, "nat_gateways", nat_gateways, f"must not exceed max_azs ({max_azs})"
            )
        if nat_instance_type is not None:
            checks.check_graviton_instance_type(where, "nat_instance_type", nat_instance_type)
            if nat_gateways == 0:
                raise ValidationError(
                    where,
                    "nat_instance_type",
                    nat_instance_type,
                    "cannot be given with nat_gateways=0 (no NAT at all): set nat_gateways to "
                    "the number of NAT instances, or leave nat_instance_type out",
                )
        if availability_zones is not None:
            check_zones(where, scope, availability_zones, max_azs)
        if flow_logs_key is not None:
            checks.check_same_region(
                where,
                "flow_logs_key",
                flow_logs_key,
                scope,
                "CloudWatch Logs encrypts only with keys of its own region; give a key of the "
                "stack's region, or leave flow_logs_key out (a key with rotation is created)",
            )
        if not flow_logs and (flow_logs_bucket or flow_logs_key or flow_logs_retention):
            raise ValidationError(
                where,
                "flow_logs",
                False,
                "is off, so flow_logs_bucket, flow_logs_key and "
                "flow_logs_retention cannot be given",
            )
        if flow_logs_bucket is not None and (flow_logs_key or flow_logs_retention):
            raise ValidationError(
                where,
                "flow_logs_bucket",
                flow_logs_bucket,
                "sends flow logs to S3: flow_logs_key and flow_logs_retention "
                "apply to CloudWatch Logs only",
            )
        tiers = [ISOLATED] if nat_gateways == 0 else [PUBLIC, PRIVATE, ISOLATED]
        masks = _subnet_masks(
            where,
            cidr,
            max_azs,
            tiers,
            {
                PUBLIC: public_subnet_mask,
                PRIVATE: private_subnet_mask,
                ISOLATED: isolated_subnet_mask,
            },
        )
        for index, service in enumerate(interface_endpoints):
            check_endpoint_service(where, f"interface_endpoints[{index}]", service)
        checks.check_unique(where, "interface_endpoints", interface_endpoints, "service")
        if availability_zones is None:
            check_zone_count(where, scope, max_azs, azs_given)

        super().__init__(scope, construct_id)
        library_construct(self, "StandardVpc")
        self._stage = stage
        nat_provider = _nat_instance_provider(nat_instance_type) if nat_instance_type else None
        subnet_types = {
            PUBLIC: ec2.SubnetType.PUBLIC,
            PRIVATE: ec2.SubnetType.PRIVATE_WITH_EGRESS,
            ISOLATED: ec2.SubnetType.PRIVATE_ISOLATED,
        }
        self._vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            max_azs=None if availability_zones else max_azs,
            availability_zones=list(availability_zones) if availability_zones else None,
            nat_gateways=nat_gateways,
            nat_gateway_provider=nat_provider,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name=tier,
                    subnet_type=subnet_types[tier],
                    cidr_mask=masks[tier],
                    map_public_ip_on_launch=False if tier == PUBLIC else None,
                )
                for tier in tiers
            ],
            restrict_default_security_group=True,
            gateway_endpoints=_gateway_endpoints() if gateway_endpoints else None,
        )
        self._acknowledge_default_sg_handler()
        self._nat_instances: list[ec2.Instance] = []
        self._nat_recovery_alarms: list[cw.Alarm] = []
        if nat_provider is not None and nat_instance_type is not None:
            self._configure_nat_instances(nat_provider, nat_instance_type, cidr)
        if stage is Stage.PRODUCTION and 0 < nat_gateways < max_azs:
            kind = "NAT instance" if nat_provider else "NAT gateway"
            Annotations.of(self).add_warning_v2(
                "org-constructs:StandardVpc:FewerNatGatewaysThanAzs",
                f"{where}: production has {nat_gateways} {kind}(s) for {max_azs} AZs; "
                f"losing an AZ with a {kind} cuts internet egress for the others",
            )

        self._flow_log: ec2.FlowLog | None = None
        self._flow_log_group: logs.LogGroup | None = None
        self._flow_log_key: kms.IKey | None = None
        if flow_logs:
            self._add_flow_logs(
                flow_logs_bucket, flow_logs_traffic_type, flow_logs_retention, flow_logs_key
            )

        endpoint_subnets = ec2.SubnetSelection(
            subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
            if nat_gateways == 0
            else ec2.SubnetType.PRIVATE_WITH_EGRESS
        )
        self._interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for service in interface_endpoints:
            name = _endpoint_id(service)
            # HTTPS from inside the VPC only, written as the literal CIDR so that checkers
            # can verify it (aws-cdk-lib's default rule uses a token).
            group = ec2.SecurityGroup(
                self,
                f"{name}EndpointSecurityGroup",
                vpc=self._vpc,
                description=f"HTTPS from {cidr} to the {service} interface endpoint",
                allow_all_outbound=False,
            )
            group.add_ingress_rule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), "HTTPS from the VPC")
            self._interface_endpoints[service] = self._vpc.add_interface_endpoint(
                f"{name}Endpoint",
                service=ec2.InterfaceVpcEndpointAwsService(service),
                subnets=endpoint_subnets,
                private_dns_enabled=True,
                security_groups=[group],
                open=False,
            )

        Tags.of(self).add("AutoDelete", "No")

    @classmethod
    def from_config(
        cls, scope: Construct, construct_id: str, config: VpcConfig, **kwargs: Any
    ) -> StandardVpc:
        """A ``StandardVpc`` with cidr, AZs, NAT (gateways or instances) and flow logs from
        ``config``.

        ``kwargs`` are the other keyword arguments of the constructor.

        Raises
        ------
        ValidationError
            For a keyword the config already gives (``cidr``, ``max_azs``, ``nat_gateways``,
            ``nat_instance_type``, ``flow_logs``) or that is no property, and as the
            constructor.
        """
        where = f"StandardVpc({construct_id!r})"
        checks.check_part_of_config(where, "config", config, "vpc")
        checks.check_arguments(where, cls.from_config, locals())
        checks.check_keywords(where, cls.__init__, kwargs, taken=_FROM_CONFIG)
        return cls(
            scope,
            construct_id,
            cidr=config.cidr,
            max_azs=config.max_azs,
            nat_gateways=config.nat_gateways,
            nat_instance_type=config.nat_instance_type,
            flow_logs=config.flow_logs,
            **kwargs,
        )

    def _add_flow_logs(
        self,
        bucket: s3.IBucket | None,
        traffic_type: ec2.FlowLogTrafficType,
        retention: logs.RetentionDays | None,
        key: kms.IKey | None,
    ) -> None:
        if bucket is not None:
            destination = ec2.FlowLogDestination.to_s3(bucket)
        else:
            policy = removal_policy_for(self)
            if retention is None:
                retention = log_retention_for(self)
            if key is None:
                key = log_group_key(self, "FlowLogKey", f"the flow logs of {path_of(self)}")
            self._flow_log_key = key
            self._flow_log_group = logs.LogGroup(
                self,
                "FlowLogGroup",
                encryption_key=key,
                retention=retention,
                removal_policy=policy,
            )
            acknowledge_short_retention(self._flow_log_group)
            role = iam.Role(
                self,
                "FlowLogRole",
                assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com"),
                description=f"Delivers the flow logs of {path_of(self)}",
            )
            # A managed policy scoped to the log group, instead of the inline policy aws-cdk-lib
            # would add; the role is then closed to further policy updates.
            iam.ManagedPolicy(
                self,
                "FlowLogPolicy",
                roles=[role],
                statements=[
                    iam.PolicyStatement(
                        actions=[
                            "logs:CreateLogStream",
                            "logs:PutLogEvents",
                            "logs:DescribeLogStreams",
                        ],
                        resources=[self._flow_log_group.log_group_arn],
                    )
                ],
            )
            destination = ec2.FlowLogDestination.to_cloud_watch_logs(
                self._flow_log_group, role.without_policy_updates()
            )
        self._flow_log = ec2.FlowLog(
            self,
            "FlowLog",
            resource_type=ec2.FlowLogResourceType.from_vpc(self._vpc),
            destination=destination,
            traffic_type=traffic_type,
        )

    def _configure_nat_instances(
        self, provider: ec2.NatInstanceProviderV2, instance_type: str, cidr: str
    ) -> None:
        """Harden the NAT instances aws-cdk-lib made in the public subnets; give each a
        recovery alarm and the acknowledgements of what a NAT instance cannot avoid."""
        # What a NAT forwards (TCP, UDP, ICMP) from inside the VPC only, written as the literal
        # CIDR so that checkers can verify it; outbound to anywhere (aws-cdk-lib's rule).
        group = provider.security_group
        for port, what in (
            (ec2.Port.all_tcp(), "TCP"),
            (ec2.Port.all_udp(), "UDP"),
            (ec2.Port.all_icmp(), "ICMP"),
        ):
            group.add_ingress_rule(ec2.Peer.ipv4(cidr), port, f"{what} from {cidr} to forward")
        for number, subnet in enumerate(self._vpc.public_subnets, start=1):
            instance = subnet.node.try_find_child("NatInstance")
            if not isinstance(instance, ec2.Instance):
                continue
            resource = instance.instance
            resource.metadata_options = ec2.CfnInstance.MetadataOptionsProperty(
                http_tokens="required", http_put_response_hop_limit=1
            )
            resource.block_device_mappings = [
                ec2.CfnInstance.BlockDeviceMappingProperty(
                    device_name=_ROOT_DEVICE,
                    ebs=ec2.CfnInstance.EbsProperty(
                        encrypted=True, volume_type="gp3", delete_on_termination=True
                    ),
                )
            ]
            resource.propagate_tags_to_volume_on_creation = True
            _acknowledge_nat_instance(resource, instance_type)
            self._nat_instances.append(instance)
            self._nat_recovery_alarms.append(self._recovery_alarm(number, instance))

    def _recovery_alarm(self, number: int, instance: ec2.Instance) -> cw.Alarm:
        alarm = cw.Alarm(
            self,
            f"NatInstance{number}Recovery",
            metric=cw.Metric(
                namespace="AWS/EC2",
                metric_name="StatusCheckFailed_System",
                dimensions_map={"InstanceId": instance.instance_id},
                statistic="Maximum",
                period=Duration.minutes(1),
            ),
            threshold=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            treat_missing_data=cw.TreatMissingData.MISSING,
            alarm_description=(
                f"Recovers NAT instance {number} of {path_of(self)}: the system status check "
                "(AWS's hardware and host) failed for 2 minutes. EC2 moves the instance to "
                "healthy hardware with the same id, addresses and volume."
            ),
        )
        alarm.add_alarm_action(cw_actions.Ec2Action(cw_actions.Ec2InstanceAction.RECOVER))
        return alarm

    def _acknowledge_default_sg_handler(self) -> None:
        acknowledge_cdk_handler(
            Stack.of(self), "Custom::VpcRestrictDefaultSG", _RESTRICT_SG_REASON, _RESTRICT_SG_RULES
        )

    @property
    def vpc(self) -> ec2.Vpc:
        """The VPC."""
        return self._vpc

    @property
    def vpc_id(self) -> str:
        """The VPC's id."""
        return self._vpc.vpc_id

    @property
    def public_subnets(self) -> list[ec2.ISubnet]:
        """Subnets of the public tier (empty without NAT gateways)."""
        return self._vpc.public_subnets

    @property
    def private_subnets(self) -> list[ec2.ISubnet]:
        """Subnets of the private tier, with egress through NAT (empty without NAT gateways)."""
        return self._vpc.private_subnets

    @property
    def isolated_subnets(self) -> list[ec2.ISubnet]:
        """Subnets of the isolated tier: no route to the internet."""
        return self._vpc.isolated_subnets

    @property
    def nat_instances(self) -> list[ec2.Instance]:
        """The NAT instances, one per NAT public subnet (empty with NAT gateways)."""
        return list(self._nat_instances)

    @property
    def nat_recovery_alarms(self) -> list[cw.Alarm]:
        """The alarm that recovers each NAT instance, in the order of ``nat_instances``."""
        return list(self._nat_recovery_alarms)

    @property
    def flow_log(self) -> ec2.FlowLog | None:
        """The flow log; None when flow logs are off."""
        return self._flow_log

    @property
    def flow_log_group(self) -> logs.LogGroup | None:
        """The flow log group; None when flow logs are off or go to S3."""
        return self._flow_log_group

    @property
    def flow_log_key(self) -> kms.IKey | None:
        """The key of the flow log group; None when there is no flow log group."""
        return self._flow_log_key

    @property
    def interface_endpoints(self) -> dict[str, ec2.InterfaceVpcEndpoint]:
        """Interface endpoints by service name."""
        return dict(self._interface_endpoints)

    @typing.overload
    def select_subnets(self, tier: str) -> ec2.SubnetSelection: ...

    @typing.overload
    def select_subnets(
        self,
        tier: None = None,
        *,
        availability_zones: Sequence[str] | None = None,
        one_per_az: bool | None = None,
        subnet_filters: Sequence[ec2.SubnetFilter] | None = None,
        subnet_group_name: str | None = None,
        subnets: Sequence[ec2.ISubnet] | None = None,
        subnet_type: ec2.SubnetType | None = None,
    ) -> ec2.SelectedSubnets: ...

    def select_subnets(
        self, tier: str | ec2.SubnetSelection | None = None, **selection: Any
    ) -> ec2.SubnetSelection | ec2.SelectedSubnets:
        """A tier's selection, or the subnets a selection picks (as ``ec2.IVpc`` does).

        Parameters
        ----------
        tier:
            ``'Public'``, ``'Private'`` or ``'Isolated'``: the ``SubnetSelection`` of that
            tier.
        selection:
            Without ``tier``: the fields of an ``ec2.SubnetSelection``; returns the
            ``SelectedSubnets`` they pick, as ``ec2.Vpc.select_subnets`` does.
        """
        if isinstance(tier, str):
            if tier not in (PUBLIC, PRIVATE, ISOLATED):
                raise ValidationError(
                    f"StandardVpc({id_of(self)!r}).select_subnets",
                    "tier",
                    tier,
                    f"must be one of {PUBLIC!r}, {PRIVATE!r}, {ISOLATED!r}",
                )
            return ec2.SubnetSelection(subnet_group_name=tier)
        if tier is not None and not isinstance(tier, ec2.SubnetSelection):
            raise ValidationError(
                f"StandardVpc({id_of(self)!r}).select_subnets",
                "tier",
                tier,
                f"must be {PUBLIC!r}, {PRIVATE!r}, {ISOLATED!r} or an ec2.SubnetSelection",
            )
        if tier is not None:  # aws-cdk-lib passes the selection itself
            selection = {name: getattr(tier, name, None) for name in _SELECTION_FIELDS}
        return self._vpc.select_subnets(**{k: v for k, v in selection.items() if v is not None})

    # ------------------------------------------------------------- ec2.IVpc, delegated

    @property
    def vpc_arn(self) -> str:
        """The VPC's ARN."""
        return self._vpc.vpc_arn

    @property
    def vpc_cidr_block(self) -> str:
        """The VPC's primary CIDR block."""
        return self._vpc.vpc_cidr_block

    @property
    def vpc_ref(self) -> Any:
        """The VPC's reference (``ec2.IVPCRef``)."""
        return self._vpc.vpc_ref

    @property
    def availability_zones(self) -> list[str]:
        """The zones of the subnets."""
        return self._vpc.availability_zones

    @property
    def internet_connectivity_established(self) -> Any:
        """Depend on it for resources that need the internet gateway attached."""
        return self._vpc.internet_connectivity_established

    @property
    def vpn_gateway_id(self) -> str | None:
        """The VPN gateway's id, if one is enabled."""
        return self._vpc.vpn_gateway_id

    @property
    def env(self) -> ResourceEnvironment:
        """The VPC's account and region."""
        return self._vpc.env

    @property
    def stack(self) -> Stack:
        """The stack the VPC is in."""
        return self._vpc.stack

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """As ``ec2.Vpc.apply_removal_policy``."""
        self._vpc.apply_removal_policy(policy)

    def add_gateway_endpoint(
        self, id: str, *, service: ec2.IGatewayVpcEndpointService, **options: Any
    ) -> ec2.GatewayVpcEndpoint:
        """As ``ec2.Vpc.add_gateway_endpoint``."""
        return self._vpc.add_gateway_endpoint(id, service=service, **options)

    def add_interface_endpoint(
        self, id: str, *, service: ec2.IInterfaceVpcEndpointService, **options: Any
    ) -> ec2.InterfaceVpcEndpoint:
        """As ``ec2.Vpc.add_interface_endpoint``."""
        return self._vpc.add_interface_endpoint(id, service=service, **options)

    def add_client_vpn_endpoint(self, id: str, **options: Any) -> ec2.ClientVpnEndpoint:
        """As ``ec2.Vpc.add_client_vpn_endpoint``."""
        return self._vpc.add_client_vpn_endpoint(id, **options)

    def add_vpn_connection(self, id: str, **options: Any) -> ec2.VpnConnection:
        """As ``ec2.Vpc.add_vpn_connection``."""
        return self._vpc.add_vpn_connection(id, **options)

    def add_flow_log(self, id: str, **options: Any) -> ec2.FlowLog:
        """As ``ec2.Vpc.add_flow_log`` (the VPC already has the library's flow log)."""
        return self._vpc.add_flow_log(id, **options)

    def enable_vpn_gateway(self, **options: Any) -> None:
        """As ``ec2.Vpc.enable_vpn_gateway``."""
        self._vpc.enable_vpn_gateway(**options)

    def with_(self, *mixins: Any) -> Any:
        """As ``ec2.Vpc.with_``."""
        return self._vpc.with_(*mixins)


_SELECTION_FIELDS = (
    "availability_zones",
    "one_per_az",
    "subnet_filters",
    "subnet_group_name",
    "subnets",
    "subnet_type",
)
"""The fields of ``ec2.SubnetSelection``, passed on as ``ec2.Vpc.select_subnets`` takes them."""

_ROOT_DEVICE = "/dev/xvda"
"""The root device of Amazon Linux 2023 images."""


def _nat_instance_provider(instance_type: str) -> ec2.NatInstanceProviderV2:
    """NAT instances of ``instance_type`` on aws-cdk-lib's Amazon Linux 2023 image, with a
    public IPv4 address (the public tier assigns none on launch), no key pair, and standard
    CPU credits for a burstable type (no charge beyond the instance's price)."""
    kind = ec2.InstanceType(instance_type)
    return ec2.NatProvider.instance_v2(
        instance_type=kind,
        associate_public_ip_address=True,
        credit_specification=ec2.CpuCredits.STANDARD if kind.is_burstable() else None,
        default_allowed_traffic=ec2.NatTrafficDirection.OUTBOUND_ONLY,
    )


def _gateway_endpoints() -> dict[str, ec2.GatewayVpcEndpointOptions]:
    return {
        "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
        "DynamoDB": ec2.GatewayVpcEndpointOptions(
            service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
        ),
    }


def _endpoint_id(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace(".", "-").split("-"))


def _subnet_masks(
    where: str, cidr: str, azs: int, tiers: list[str], given: dict[str, int | None]
) -> dict[str, int]:
    prefix = ipaddress.ip_network(cidr).prefixlen
    needed_bits = math.ceil(math.log2(len(tiers) * azs))
    default = max(_DEFAULT_MASK, prefix + needed_bits)
    masks: dict[str, int] = {}
    for tier in tiers:
        prop = f"{tier.lower()}_subnet_mask"
        mask = given.get(tier)
        if mask is None:
            mask = default
        elif unresolved(mask):
            raise ValidationError(where, prop, mask, "must be a number, not a token")
        else:
            checks.check_int(where, prop, mask, _MIN_MASK, _MAX_MASK)
            if mask < prefix:
                raise ValidationError(
                    where, prop, mask, f"must not be larger than the VPC (/{prefix})"
                )
        masks[tier] = mask
    for tier, mask in given.items():
        if mask is not None and tier not in tiers:
            raise ValidationError(
                where,
                f"{tier.lower()}_subnet_mask",
                mask,
                f"cannot be given: a VPC without NAT gateways has no {tier} tier",
            )
    needed = sum(azs * 2 ** (32 - masks[tier]) for tier in tiers)
    available = 2 ** (32 - prefix)
    if needed > available or max(masks.values()) > _MAX_MASK:
        raise ValidationError(
            where,
            "cidr",
            cidr,
            f"cannot hold {len(tiers)} tier(s) x {azs} AZ(s) of subnets "
            f"({', '.join(f'{t} /{m}' for t, m in masks.items())}: {needed} addresses, the VPC "
            f"has {available}); use a larger CIDR, fewer AZs or smaller subnet masks",
        )
    return masks


_NAT_PUBLIC_IP_REASON = (
    "A NAT instance forwards the private subnets' traffic to the internet through its own "
    "public IPv4 address (the public tier assigns none on launch, so the instance asks for "
    "one); its security group admits traffic from the VPC's CIDR only."
)
_NAT_IN_VPC_REASON = (
    "The NAT instance is in the VPC's public subnet, named by its network interface "
    "(NetworkInterfaces[0].SubnetId, where the public address is asked for); the rule reads "
    "only the instance's top-level SubnetId."
)
_NAT_MONITORING_REASON = (
    "Detailed monitoring (1-minute CPU and network metrics) costs about 2.10 USD a month per "
    "instance; the status checks behind the recovery alarm are published every minute without "
    "it, and 5-minute metrics serve a NAT device's CPU and traffic alarms."
)
_NAT_TERMINATION_REASON = (
    "A NAT instance holds no data: CloudFormation replaces it when its image or type changes, "
    "and the recovery alarm restores it after a host failure; termination protection would "
    "block those replacements and the stack's deletion."
)
_NAT_IN_TRANSIT_REASON = (
    "A NAT instance forwards traffic between the VPC and the internet, not between instances, "
    "so Nitro's encryption between instances would not cover it; the workloads' TLS protects "
    "what it forwards."
)
_IN_TRANSIT_ENCRYPTION_FAMILIES = frozenset(
    {"c6gn", "c7g", "c7gd", "c7gn", "hpc7g", "i4g", "im4gn", "is4gen", "m7g", "m7gd", "r7g", "r7gd"}
)
"""The Graviton families that Control Tower's CT.EC2.PR.19 accepts (encryption in transit
between instances); for the others the library acknowledges it."""


def _acknowledge_nat_instance(resource: ec2.CfnInstance, instance_type: str) -> None:
    acknowledge(
        resource,
        _NAT_PUBLIC_IP_REASON,
        *(f"{pack}-EC2InstanceNoPublicIp" for pack in REGULATED_PACKS),
    )
    acknowledge(
        resource,
        _NAT_IN_VPC_REASON,
        *(f"{pack}-EC2InstancesInVPC" for pack in REGULATED_PACKS),
    )
    acknowledge(
        resource,
        _NAT_MONITORING_REASON,
        "AwsSolutions-EC28",
        "HIPAA.Security-EC2InstanceDetailedMonitoringEnabled",
    )
    acknowledge(resource, _NAT_TERMINATION_REASON, "AwsSolutions-EC29")
    acknowledge_library_check(resource, "checkov", "CKV_AWS_88", _NAT_PUBLIC_IP_REASON)
    acknowledge_library_check(resource, "cfn-guard", "CT.EC2.PR.8", _NAT_PUBLIC_IP_REASON)
    acknowledge_library_check(resource, "cfn-guard", "CT.EC2.PR.13", _NAT_MONITORING_REASON)
    if instance_type.split(".", 1)[0] not in _IN_TRANSIT_ENCRYPTION_FAMILIES:
        acknowledge_library_check(resource, "cfn-guard", "CT.EC2.PR.19", _NAT_IN_TRANSIT_REASON)
