"""Price what bills by the hour or month; name what bills by usage; leave nothing out.

Every resource type with a fixed price has a *pricer*: a function that takes the resource's
CloudFormation properties and the price-table entries it reads (:class:`Prices`) and returns
its charges, a :class:`Charge` per priced part and a :class:`Missing` for a value the table
lacks (an RDS class it does not list: reported, never guessed). :data:`PRICERS` maps each
resource type to its pricer and names the entries of ``prices.json`` the pricer reads; reading
an entry it does not name is an error. A resource whose price depends on other resources of
its template (an ECS service: its task definition's CPU and memory, its scaling minimum) has a
:class:`TemplatePricer`, whose function also takes the template (:class:`InTemplate`).

A resource whose pricer returns nothing (a gateway VPC endpoint, an API stage without cache),
or whose type has no pricer, falls in one of the table's lists of types:

- ``usage_based``: billed by usage only; counted under "Not priced (billed by usage)";
- ``fixed_not_priced``: an hourly or monthly charge the table does not price yet (an EKS
  cluster, an MSK cluster); counted, and the estimate is incomplete;
- ``free``: no charge of its own (IAM roles, security groups, subnets...); left out.

A type in none of them (nor ``Custom::``, a custom resource whose function is counted on its
own) is *unrecognized*: counted, and the estimate is incomplete. So a type is left out only
when the table says it is free, never because nobody listed it. :attr:`Estimate.complete` is
false while anything with a possible fixed charge is not priced (``org-cdk cost`` then exits 3
unless ``--allow-unpriced``).

Adding a priced type is one pricer function and one entry in :data:`PRICERS` (and its price in
``prices.json``); remove the type from ``fixed_not_priced``. ``tests/tooling/test_cost.py``
fails for a price entry no pricer reads, for a pricer without a test case, and for a type in
two lists.
"""

from __future__ import annotations

import importlib.resources
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

from org_constructs.errors import PriceTableError

__all__ = [
    "CostLine",
    "Estimate",
    "StackCost",
    "estimate_assembly",
    "estimate_template",
    "price_table",
]


@cache
def price_table() -> dict[str, Any]:
    """The shipped price table (``org_constructs/tooling/cost/prices.json``)."""
    text = (
        importlib.resources.files("org_constructs.tooling.cost").joinpath("prices.json").read_text()
    )
    table: dict[str, Any] = json.loads(text)
    return table


@dataclass(frozen=True)
class CostLine:
    """One priced resource."""

    logical_id: str
    resource_type: str
    what: str
    monthly: float


@dataclass
class StackCost:
    """The fixed monthly cost of one stack."""

    stack: str
    stage: str
    region: str
    lines: list[CostLine] = field(default_factory=list)
    unpriced: dict[str, int] = field(default_factory=dict)
    """Usage-billed resource types and how many the stack has."""
    unknown: list[str] = field(default_factory=list)
    """Resources whose fixed price the table lacks (an RDS class it does not list)."""
    fixed_not_priced: dict[str, int] = field(default_factory=dict)
    """Types with an hourly or monthly charge the table does not price, and how many."""
    unrecognized: dict[str, int] = field(default_factory=dict)
    """Types the table does not know (neither priced, usage-billed nor free), and how many."""

    @property
    def monthly(self) -> float:
        return round(sum(line.monthly for line in self.lines), 2)

    @property
    def complete(self) -> bool:
        """Whether every resource with a possible fixed charge is priced."""
        return not (self.unknown or self.fixed_not_priced or self.unrecognized)


@dataclass
class Estimate:
    """Every stack of one synthesized assembly."""

    stacks: list[StackCost]

    @property
    def complete(self) -> bool:
        """Whether every stack's estimate is complete (:attr:`StackCost.complete`)."""
        return all(stack.complete for stack in self.stacks)

    def by_stage(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for stack in self.stacks:
            totals[stack.stage] += stack.monthly
        return {stage: round(total, 2) for stage, total in totals.items()}


def estimate_template(
    template: dict[str, Any], *, stack: str = "", stage: str = "-", region: str = ""
) -> StackCost:
    """Price one CloudFormation template."""
    table = price_table()
    result = StackCost(stack=stack, stage=stage, region=region or table["region"])
    resources: dict[str, Any] = template.get("Resources", {})
    for logical_id, resource in resources.items():
        kind = resource.get("Type", "")
        pricer = PRICERS.get(kind)
        charges: Priced = []
        if pricer is not None:
            charges = pricer.charges(
                resource.get("Properties") or {},
                Prices(table, pricer.reads),
                InTemplate(logical_id, resources),
            )
        for charge in charges:
            if isinstance(charge, Missing):
                result.unknown.append(f"{logical_id}: {charge.what}")
            else:
                result.lines.append(
                    CostLine(
                        logical_id=logical_id,
                        resource_type=kind,
                        what=charge.what,
                        monthly=round(charge.monthly, 2),
                    )
                )
        if charges:
            continue
        if kind in table["usage_based"]:
            result.unpriced[kind] = result.unpriced.get(kind, 0) + 1
        elif kind in table["fixed_not_priced"]:
            result.fixed_not_priced[kind] = result.fixed_not_priced.get(kind, 0) + 1
        elif pricer is None and not _free(kind, table):
            result.unrecognized[kind] = result.unrecognized.get(kind, 0) + 1
    return result


CUSTOM_RESOURCE_PREFIX = "Custom::"
"""A custom resource's type: free, its provider function is counted on its own."""


def _free(kind: str, table: Mapping[str, Any]) -> bool:
    """Whether the table lists ``kind`` as having no charge of its own."""
    return kind in table["free"] or kind.startswith(CUSTOM_RESOURCE_PREFIX)


@dataclass(frozen=True)
class Charge:
    """One priced part of a resource: what it is and its monthly price (rounded later)."""

    what: str
    monthly: float


@dataclass(frozen=True)
class Missing:
    """A price the table lacks for this resource (``'RDS postgres db.x2g.16xlarge'``)."""

    what: str


Priced = list[Charge | Missing]
"""What a pricer returns; empty when the resource has no fixed charge."""


@dataclass(frozen=True)
class Prices:
    """The entries of the price table that one pricer declares it reads.

    An entry is named ``section.name`` (``"hourly.nat_gateway"``, ``"rds_instance_hourly.mysql"``),
    the way :attr:`Pricer.reads` declares it.
    """

    table: Mapping[str, Any]
    reads: tuple[str, ...]

    @property
    def hours_per_month(self) -> float:
        """Hours in a billing month (730)."""
        hours: float = self.table["hours_per_month"]
        return hours

    def get(self, entry: str) -> Any:
        """The entry ``section.name``, or ``None`` where the table lacks it.

        Raises
        ------
        PriceTableError
            The pricer's :data:`PRICERS` entry does not declare ``entry`` in ``reads``.
        """
        if not any(fnmatchcase(entry, pattern) for pattern in self.reads):
            raise PriceTableError(
                f"a pricer read the price entry {entry!r} but declares only {self.reads}: "
                "add it to the pricer's reads in PRICERS"
            )
        section, _, name = entry.partition(".")
        return self.table.get(section, {}).get(name)

    def __getitem__(self, entry: str) -> Any:
        """The entry ``section.name``; ``PriceTableError`` where the table lacks it."""
        value = self.get(entry)
        if value is None:
            raise PriceTableError(f"prices.json has no entry {entry!r}")
        return value


@dataclass(frozen=True)
class InTemplate:
    """The template around the resource a :class:`TemplatePricer` prices."""

    logical_id: str
    """The priced resource's logical id."""
    resources: Mapping[str, Any]
    """The template's ``Resources``."""

    def target(self, value: Any) -> tuple[str, Mapping[str, Any]] | None:
        """The resource of this template that ``value`` (``{"Ref": ID}`` or
        ``{"Fn::GetAtt": [ID, ATTRIBUTE]}``) names, with its logical id; ``None`` for anything
        else (an ARN written out, a parameter, an import)."""
        if not isinstance(value, Mapping) or len(value) != 1:
            return None
        if "Ref" in value:
            logical_id = value["Ref"]
        elif "Fn::GetAtt" in value:
            attribute = value["Fn::GetAtt"]
            logical_id = attribute[0] if isinstance(attribute, list) and attribute else None
        else:
            return None
        resource = self.resources.get(logical_id) if isinstance(logical_id, str) else None
        return (logical_id, resource) if isinstance(resource, Mapping) else None

    def referring(self, resource_type: str) -> list[Mapping[str, Any]]:
        """The properties of each resource of ``resource_type`` that refers to the priced
        resource (by ``Ref`` or ``Fn::GetAtt`` anywhere in its properties)."""
        return [
            resource.get("Properties") or {}
            for resource in self.resources.values()
            if isinstance(resource, Mapping)
            and resource.get("Type") == resource_type
            and _refers_to(resource.get("Properties"), self.logical_id)
        ]


def _refers_to(value: Any, logical_id: str) -> bool:
    if isinstance(value, Mapping):
        if value.get("Ref") == logical_id:
            return True
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute and attribute[0] == logical_id:
            return True
        return any(_refers_to(item, logical_id) for item in value.values())
    if isinstance(value, list):
        return any(_refers_to(item, logical_id) for item in value)
    return False


@dataclass(frozen=True)
class Pricer:
    """How one resource type is priced, from the resource's own properties."""

    price: Callable[[Mapping[str, Any], Prices], Priced]
    """Takes the resource's properties and its prices, returns its charges."""
    reads: tuple[str, ...]
    """The price-table entries ``price`` reads, as ``section.name`` patterns (``fnmatch``)."""

    def charges(self, properties: Mapping[str, Any], prices: Prices, _: InTemplate) -> Priced:
        return self.price(properties, prices)


@dataclass(frozen=True)
class TemplatePricer:
    """How one resource type is priced when its price depends on other resources of its
    template (an ECS service's task definition and scaling minimum)."""

    price: Callable[[Mapping[str, Any], Prices, InTemplate], Priced]
    """Takes the resource's properties, its prices and its template, returns its charges."""
    reads: tuple[str, ...]
    """The price-table entries ``price`` reads, as ``section.name`` patterns (``fnmatch``)."""

    def charges(
        self, properties: Mapping[str, Any], prices: Prices, template: InTemplate
    ) -> Priced:
        return self.price(properties, prices, template)


def _nat_gateway(properties: Mapping[str, Any], prices: Prices) -> Priced:
    return [Charge("NAT gateway hours", prices["hourly.nat_gateway"] * prices.hours_per_month)]


def _elastic_ip(properties: Mapping[str, Any], prices: Prices) -> Priced:
    return [
        Charge("public IPv4 address", prices["hourly.public_ipv4_address"] * prices.hours_per_month)
    ]


def _vpc_endpoint(properties: Mapping[str, Any], prices: Prices) -> Priced:
    """Interface endpoints bill per AZ and hour; gateway endpoints are free."""
    if properties.get("VpcEndpointType") != "Interface":
        return []
    azs = len(properties.get("SubnetIds") or []) or 1
    return [
        Charge(
            f"interface endpoint in {azs} AZ(s)",
            prices["hourly.interface_endpoint_per_az"] * prices.hours_per_month * azs,
        )
    ]


def _kms_key(properties: Mapping[str, Any], prices: Prices) -> Priced:
    return [Charge("customer managed key", prices["monthly.kms_customer_managed_key"])]


def _alarm(properties: Mapping[str, Any], prices: Prices) -> Priced:
    """Per metric the alarm watches; high resolution (a period under 60 s) costs more."""
    metrics = _alarm_metrics(properties)
    high = int(properties.get("Period") or 60) < 60
    rate = prices[
        "monthly.alarm_high_resolution_per_metric" if high else "monthly.alarm_standard_per_metric"
    ]
    return [Charge(f"alarm on {metrics} metric(s)", rate * metrics)]


def _alarm_metrics(properties: Mapping[str, Any]) -> int:
    metrics = properties.get("Metrics")
    if not metrics:
        return 1
    return max(1, sum(1 for m in metrics if "MetricStat" in m))


def _composite_alarm(properties: Mapping[str, Any], prices: Prices) -> Priced:
    return [Charge("composite alarm", prices["monthly.composite_alarm"])]


def _dashboard(properties: Mapping[str, Any], prices: Prices) -> Priced:
    return [Charge("dashboard", prices["monthly.dashboard"])]


def _secret(properties: Mapping[str, Any], prices: Prices) -> Priced:
    return [Charge("secret", prices["monthly.secretsmanager_secret"])]


def _web_acl(properties: Mapping[str, Any], prices: Prices) -> Priced:
    rules = len(properties.get("Rules") or [])
    return [
        Charge(
            f"web ACL with {rules} rule(s)",
            prices["monthly.wafv2_web_acl"] + prices["monthly.wafv2_rule"] * rules,
        )
    ]


def _slack_channel(properties: Mapping[str, Any], prices: Prices) -> Priced:
    return [Charge("Slack channel (AWS Chatbot is free)", prices["monthly.chatbot_channel"])]


def _api_stage(properties: Mapping[str, Any], prices: Prices) -> Priced:
    """The stage's cache bills by size and hour; a stage without cache bills by request."""
    if not properties.get("CacheClusterEnabled"):
        return []
    size = str(properties.get("CacheClusterSize", "0.5"))
    rate = prices["hourly.api_gateway_cache_gb"].get(size)
    if rate is None:
        return [Missing(f"API cache size {size} GB")]
    return [Charge(f"API cache {size} GB", rate * prices.hours_per_month)]


def _cache_nodes(properties: Mapping[str, Any], prices: Prices) -> Priced:
    """Node hours of a replication group: the node type's rate (Valkey's is 20% below Redis
    OSS's) times its nodes (the primary and replicas of each shard)."""
    engine = "valkey" if str(properties.get("Engine", "redis")).lower() == "valkey" else "redis"
    node_type = str(properties.get("CacheNodeType", ""))
    rate = (prices.get(f"elasticache_node_hourly.{engine}") or {}).get(node_type)
    if rate is None:
        return [Missing(f"ElastiCache {engine} {node_type}")]
    nodes = properties.get("NumCacheClusters")
    if not isinstance(nodes, int):
        shards = properties.get("NumNodeGroups", 1)
        replicas = properties.get("ReplicasPerNodeGroup", 0)
        if not isinstance(shards, int) or not isinstance(replicas, int):
            return [Missing(f"ElastiCache {engine} {node_type}: the number of nodes")]
        nodes = shards * (1 + replicas)
    return [
        Charge(f"{engine} {nodes} x {node_type} node hours", rate * prices.hours_per_month * nodes)
    ]


def _db_instance(properties: Mapping[str, Any], prices: Prices) -> Priced:
    """Instance hours by engine family and class, and provisioned storage; both doubled for
    Multi-AZ."""
    charges: Priced = []
    engine = str(properties.get("Engine", "")).lower()
    family = "postgres" if "postgres" in engine else "mysql" if "mysql" in engine else engine
    instance_class = str(properties.get("DBInstanceClass", ""))
    rate = (prices.get(f"rds_instance_hourly.{family}") or {}).get(instance_class)
    multi_az = properties.get("MultiAZ") in (True, "true")
    factor = 2 if multi_az else 1
    if rate is None:
        charges.append(Missing(f"RDS {family} {instance_class}"))
    else:
        charges.append(
            Charge(
                f"{family} {instance_class}{' Multi-AZ' if multi_az else ''} instance hours",
                rate * prices.hours_per_month * factor,
            )
        )
    storage = properties.get("AllocatedStorage")
    if isinstance(storage, int | str) and str(storage).isdigit():
        kind = str(properties.get("StorageType", "gp2")).lower()
        per_gb = prices.get(f"monthly.rds_storage_{kind}_per_gb")
        if per_gb is not None:
            charges.append(Charge(f"{storage} GB {kind} storage", per_gb * int(storage) * factor))
    return charges


_IMAGE_ROOT_GIB = 8
"""The root volume of an Amazon Linux 2023 image (what NAT instances run), in GiB."""


def _ec2_instance(properties: Mapping[str, Any], prices: Prices) -> Priced:
    """Instance hours by type, its EBS volumes (the image's 8 GiB gp3 root volume when the
    template maps none), and a public IPv4 address per network interface that asks for one."""
    charges: Priced = []
    kind = properties.get("InstanceType")
    rate = prices.get(f"ec2_instance_hourly.{kind}") if isinstance(kind, str) else None
    if not isinstance(kind, str):
        charges.append(Missing("EC2 instance of a type the template does not spell out"))
    elif rate is None:
        charges.append(Missing(f"EC2 {kind}"))
    else:
        charges.append(Charge(f"EC2 {kind} instance hours", rate * prices.hours_per_month))
    mappings = [m for m in properties.get("BlockDeviceMappings") or [] if "Ebs" in m]
    if not mappings:
        per_gb = prices["monthly.ebs_gp3_per_gb"]
        charges.append(
            Charge(
                f"{_IMAGE_ROOT_GIB} GiB gp3 root volume (the image's default size)",
                per_gb * _IMAGE_ROOT_GIB,
            )
        )
    for mapping in mappings:
        charges.append(_ebs_volume(mapping, prices))
    addresses = sum(
        1
        for interface in properties.get("NetworkInterfaces") or []
        if interface.get("AssociatePublicIpAddress") in (True, "true")
    )
    if addresses:
        rate = prices["hourly.public_ipv4_address"]
        charges.append(
            Charge(
                f"{addresses} public IPv4 address(es)" if addresses > 1 else "public IPv4 address",
                rate * prices.hours_per_month * addresses,
            )
        )
    return charges


def _ebs_volume(mapping: Mapping[str, Any], prices: Prices) -> Charge | Missing:
    ebs = mapping["Ebs"]
    device = mapping.get("DeviceName", "")
    kind = str(ebs.get("VolumeType", "gp2")).lower()
    size = ebs.get("VolumeSize")
    if isinstance(size, int | str) and str(size).isdigit():
        gib, note = int(size), ""
    elif size is None and "SnapshotId" not in ebs:
        gib, note = _IMAGE_ROOT_GIB, " (the image's default size)"
    else:
        return Missing(f"size of the EBS volume {device}")
    per_gb = prices.get(f"monthly.ebs_{kind}_per_gb")
    if per_gb is None:
        return Missing(f"EBS {kind} storage")
    named = f" {device}" if device else ""
    return Charge(f"{gib} GiB {kind} volume{named}{note}", per_gb * gib)


def _dynamodb_table(properties: Mapping[str, Any], prices: Prices) -> Priced:
    """Provisioned capacity by the hour, the table's and its global indexes'; a table on
    demand bills by request (usage). CloudFormation's default billing mode is provisioned."""
    if properties.get("BillingMode") == "PAY_PER_REQUEST":
        return []
    table_class = properties.get("TableClass", "STANDARD")
    if table_class != "STANDARD":
        return [Missing(f"DynamoDB provisioned capacity of the {table_class} table class")]
    throughputs = [properties.get("ProvisionedThroughput")] + [
        index.get("ProvisionedThroughput")
        for index in properties.get("GlobalSecondaryIndexes") or []
        if isinstance(index, Mapping)
    ]
    reads = writes = 0
    for throughput in throughputs:
        units = throughput if isinstance(throughput, Mapping) else {}
        read, write = units.get("ReadCapacityUnits"), units.get("WriteCapacityUnits")
        if not all(isinstance(u, int | str) and str(u).isdigit() for u in (read, write)):
            return [Missing("DynamoDB provisioned capacity the template does not spell out")]
        reads, writes = reads + int(str(read)), writes + int(str(write))
    hours = prices.hours_per_month
    return [
        Charge(
            f"{reads} read and {writes} write capacity units",
            (
                prices["hourly.dynamodb_read_capacity_unit"] * reads
                + prices["hourly.dynamodb_write_capacity_unit"] * writes
            )
            * hours,
        )
    ]


def _lambda_provisioned_concurrency(properties: Mapping[str, Any], prices: Prices) -> Priced:
    """An alias or version with provisioned concurrency bills by the hour; the table lacks it."""
    config = properties.get("ProvisionedConcurrencyConfig")
    if not config:
        return []
    executions = (
        config.get("ProvisionedConcurrentExecutions", "?") if isinstance(config, Mapping) else "?"
    )
    return [Missing(f"Lambda provisioned concurrency ({executions} executions)")]


def _ssm_parameter(properties: Mapping[str, Any], prices: Prices) -> Priced:
    """A standard parameter is free; an advanced one bills by the month (the table lacks it)."""
    if properties.get("Tier") in ("Advanced", "Intelligent-Tiering"):
        return [Missing(f"SSM parameter of the {properties['Tier']} tier")]
    return []


def _codepipeline(properties: Mapping[str, Any], prices: Prices) -> Priced:
    """A V1 pipeline bills by the month once active; V2 by action minute (usage)."""
    if properties.get("PipelineType") == "V2":
        return []
    return [Charge("V1 pipeline (once active)", prices["monthly.codepipeline_v1_pipeline"])]


ALB_BASELINE_LCUS = "usage_baseline.application_load_balancer_lcus"
"""The entry naming the capacity units an Application Load Balancer is assumed to use all the
time (its real use bills by usage)."""


def _load_balancer(properties: Mapping[str, Any], prices: Prices) -> Priced:
    """An Application Load Balancer: its hours, a baseline of capacity units (the table's
    assumption: what an idle or lightly used balancer bills), and a public IPv4 address per
    subnet (one node per AZ) when it is internet-facing (CloudFormation's default scheme)
    without the dual-stack setting that drops public IPv4 addresses. A Network or Gateway Load
    Balancer is not priced."""
    kind = str(properties.get("Type", "application"))
    if kind != "application":
        return [Missing(f"{kind} load balancer hours and capacity units")]
    hours = prices.hours_per_month
    lcus = prices[ALB_BASELINE_LCUS]
    charges: Priced = [
        Charge(
            "Application Load Balancer hours", prices["hourly.application_load_balancer"] * hours
        ),
        Charge(
            f"{lcus} LCU baseline (assumed; capacity units beyond it bill by usage)",
            prices["hourly.application_load_balancer_lcu"] * lcus * hours,
        ),
    ]
    public = properties.get("Scheme", "internet-facing") == "internet-facing"
    if not public or properties.get("IpAddressType") == "dualstack-without-public-ipv4":
        return charges
    subnets = properties.get("SubnetMappings") or properties.get("Subnets")
    if not isinstance(subnets, list) or not subnets:
        charges.append(
            Missing(
                "public IPv4 addresses of an internet-facing load balancer in subnets the "
                "template does not list"
            )
        )
        return charges
    charges.append(
        Charge(
            f"{len(subnets)} public IPv4 address(es), one per subnet",
            prices["hourly.public_ipv4_address"] * hours * len(subnets),
        )
    )
    return charges


_SCALABLE_TARGET = "AWS::ApplicationAutoScaling::ScalableTarget"
_DESIRED_COUNT = "ecs:service:DesiredCount"
_FREE_EPHEMERAL_GIB = 20
"""The ephemeral storage every Fargate task has without charge, in GiB."""


def _count(value: Any) -> int | None:
    """A count the template spells out (``2`` or ``"2"``); ``None`` otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _fargate_size(value: Any, unit: str, per: int) -> float | None:
    """A task's CPU (in units, 1024 to the vCPU, or ``"1 vCPU"``) or memory (in MiB, or
    ``"2 GB"``) in vCPU or GB; ``None`` where the template does not spell it out."""
    text = str(value).strip() if isinstance(value, int | str) else ""
    if text.isdigit():
        return int(text) / per
    number, _, named = text.partition(" ")
    if named.lower() == unit.lower():
        try:
            return float(number)
        except ValueError:
            return None
    return None


def _always_on_tasks(properties: Mapping[str, Any], template: InTemplate) -> int | None:
    """The tasks that run all the time: the autoscaling minimum of a service that scales,
    else its desired count (1 when the template leaves it out, as for a new service)."""
    targets = [
        target
        for target in template.referring(_SCALABLE_TARGET)
        if target.get("ScalableDimension") == _DESIRED_COUNT
    ]
    if targets:
        return _count(targets[0].get("MinCapacity"))
    return _count(properties.get("DesiredCount", 1))


def _not_on_fargate(properties: Mapping[str, Any]) -> Priced | None:
    """What a service whose tasks do not all run on Fargate (on demand) is priced at: nothing
    for tasks on EC2 capacity (they bill as its instances), a :class:`Missing` for Fargate
    Spot or a launch type left to the cluster; ``None`` for a service on Fargate."""
    providers = {
        str(strategy.get("CapacityProvider"))
        for strategy in properties.get("CapacityProviderStrategy") or []
        if isinstance(strategy, Mapping)
    }
    if providers:
        if providers == {"FARGATE"}:
            return None
        if providers & {"FARGATE", "FARGATE_SPOT"}:
            return [Missing(f"ECS tasks on the capacity providers {', '.join(sorted(providers))}")]
        return []
    launch = properties.get("LaunchType")
    if launch in ("EC2", "EXTERNAL") or properties.get("SchedulingStrategy") == "DAEMON":
        return []
    if launch != "FARGATE":
        return [
            Missing(
                "ECS service without a launch type or capacity provider strategy (the "
                "cluster's default decides where its tasks run)"
            )
        ]
    return None


def _fargate_task(task: Mapping[str, Any]) -> tuple[float, float, str] | Missing:
    """A Fargate task's vCPU, GB and CPU architecture, from its task definition."""
    vcpu = _fargate_size(task.get("Cpu"), "vCPU", 1024)
    memory = _fargate_size(task.get("Memory"), "GB", 1024)
    if vcpu is None or memory is None:
        return Missing("Fargate task CPU and memory the template does not spell out")
    platform = task.get("RuntimePlatform") or {}
    system = str(platform.get("OperatingSystemFamily", "LINUX"))
    if system != "LINUX":
        return Missing(f"Fargate tasks on {system}")
    architecture = str(platform.get("CpuArchitecture", "X86_64"))
    if architecture not in ("X86_64", "ARM64"):
        return Missing(f"Fargate tasks on the CPU architecture {architecture}")
    return vcpu, memory, architecture


def _fargate_service(properties: Mapping[str, Any], prices: Prices, template: InTemplate) -> Priced:
    """The always-on Fargate tasks of an ECS service: the autoscaling minimum (or desired
    count) times the task definition's vCPU and GB at the price of its CPU architecture
    (ARM64 or X86_64, Linux), and its ephemeral storage beyond the free 20 GiB. Tasks on EC2
    capacity bill as their instances (no charge here); Fargate Spot, Windows and what the
    template does not spell out are reported, not guessed."""
    elsewhere = _not_on_fargate(properties)
    if elsewhere is not None:
        return elsewhere
    found = template.target(properties.get("TaskDefinition"))
    if found is None:
        return [Missing("Fargate tasks of a task definition not in this template")]
    task = found[1].get("Properties") or {}
    size = _fargate_task(task)
    if isinstance(size, Missing):
        return [size]
    vcpu, memory, architecture = size
    tasks = _always_on_tasks(properties, template)
    if tasks is None:
        return [Missing("the number of always-on Fargate tasks the template does not spell out")]
    hours = prices.hours_per_month * tasks
    rates = prices[f"fargate_hourly.linux_{architecture.lower()}"]
    named = f"{tasks} x {vcpu:g} vCPU {memory:g} GB {architecture} Linux task(s)"
    charges: Priced = [
        Charge(f"Fargate vCPU hours of {named}", rates["vcpu"] * vcpu * hours),
        Charge(f"Fargate GB hours of {named}", rates["gb"] * memory * hours),
    ]
    storage = _count((task.get("EphemeralStorage") or {}).get("SizeInGiB"))
    if storage is not None and storage > _FREE_EPHEMERAL_GIB:
        extra = storage - _FREE_EPHEMERAL_GIB
        charges.append(
            Charge(
                f"{extra} GiB of ephemeral storage beyond the free {_FREE_EPHEMERAL_GIB} per task",
                prices["hourly.fargate_ephemeral_storage_gb"] * extra * hours,
            )
        )
    return charges


PRICERS: Mapping[str, Pricer | TemplatePricer] = {
    "AWS::EC2::NatGateway": Pricer(price=_nat_gateway, reads=("hourly.nat_gateway",)),
    "AWS::EC2::EIP": Pricer(price=_elastic_ip, reads=("hourly.public_ipv4_address",)),
    "AWS::EC2::VPCEndpoint": Pricer(
        price=_vpc_endpoint, reads=("hourly.interface_endpoint_per_az",)
    ),
    "AWS::KMS::Key": Pricer(price=_kms_key, reads=("monthly.kms_customer_managed_key",)),
    "AWS::CloudWatch::Alarm": Pricer(
        price=_alarm,
        reads=("monthly.alarm_standard_per_metric", "monthly.alarm_high_resolution_per_metric"),
    ),
    "AWS::CloudWatch::CompositeAlarm": Pricer(
        price=_composite_alarm, reads=("monthly.composite_alarm",)
    ),
    "AWS::CloudWatch::Dashboard": Pricer(price=_dashboard, reads=("monthly.dashboard",)),
    "AWS::SecretsManager::Secret": Pricer(price=_secret, reads=("monthly.secretsmanager_secret",)),
    "AWS::WAFv2::WebACL": Pricer(
        price=_web_acl, reads=("monthly.wafv2_web_acl", "monthly.wafv2_rule")
    ),
    "AWS::Chatbot::SlackChannelConfiguration": Pricer(
        price=_slack_channel, reads=("monthly.chatbot_channel",)
    ),
    "AWS::ApiGateway::Stage": Pricer(price=_api_stage, reads=("hourly.api_gateway_cache_gb",)),
    "AWS::RDS::DBInstance": Pricer(
        price=_db_instance, reads=("rds_instance_hourly.*", "monthly.rds_storage_*_per_gb")
    ),
    "AWS::ElastiCache::ReplicationGroup": Pricer(
        price=_cache_nodes, reads=("elasticache_node_hourly.*",)
    ),
    "AWS::EC2::Instance": Pricer(
        price=_ec2_instance,
        reads=("ec2_instance_hourly.*", "monthly.ebs_*_per_gb", "hourly.public_ipv4_address"),
    ),
    "AWS::DynamoDB::Table": Pricer(
        price=_dynamodb_table,
        reads=("hourly.dynamodb_read_capacity_unit", "hourly.dynamodb_write_capacity_unit"),
    ),
    "AWS::Lambda::Alias": Pricer(price=_lambda_provisioned_concurrency, reads=()),
    "AWS::Lambda::Version": Pricer(price=_lambda_provisioned_concurrency, reads=()),
    "AWS::SSM::Parameter": Pricer(price=_ssm_parameter, reads=()),
    "AWS::CodePipeline::Pipeline": Pricer(
        price=_codepipeline, reads=("monthly.codepipeline_v1_pipeline",)
    ),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": Pricer(
        price=_load_balancer,
        reads=(
            "hourly.application_load_balancer",
            "hourly.application_load_balancer_lcu",
            ALB_BASELINE_LCUS,
            "hourly.public_ipv4_address",
        ),
    ),
    "AWS::ECS::Service": TemplatePricer(
        price=_fargate_service,
        reads=("fargate_hourly.linux_*", "hourly.fargate_ephemeral_storage_gb"),
    ),
}
"""The pricer of each resource type with a fixed price; see the module docstring."""


def estimate_assembly(directory: Path) -> Estimate:
    """Price every stack of a cloud assembly; the stage is the stack's ``Environment`` tag."""
    from org_constructs.tooling.gate._assembly import Assembly

    assembly = Assembly.read(directory)
    return Estimate(
        [
            estimate_template(
                stack.template,
                stack=stack.name,
                stage=stack.tags.get("Environment", "-"),
            )
            for stack in assembly.stacks
        ]
    )
