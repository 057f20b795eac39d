"""What a local deploy made, asked of the emulator: every resource and output the stage's
templates declare, one by one.

For each stack: its status, which must be ``CREATE_COMPLETE`` or ``UPDATE_COMPLETE``. For each
resource of its template (by logical id), one of:

- created: the emulator's stack holds it (``ListStackResources``) and, for the types in
  ``listers``, the service's own API lists it by the id the stack gives; for the types in
  ``RECORDED_ONLY`` (no service API to ask) it is reported as recorded, not verified;
- missing: either is not so; the deploy failed;
- skipped: its type has no CloudFormation support in the emulator and was allowed
  (``--allow-skipped``): nothing was made;
- not run: a custom resource, which the emulator marks complete without running its handler;
- left out: its ``Condition`` is false for this stack.

Each output must have a value (not a function left unresolved), and each resource the
templates import by ARN or id (``_imports``) must be held by the emulator. The emulator's own
errors are collected for a failure: the reasons of the stacks' failed events, and the
exceptions its log recorded for requests it could not answer.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from org_constructs.tooling.local._imports import CERTIFICATE, Import, imported_resources

__all__ = [
    "CUSTOM_RESOURCE",
    "DeployReport",
    "Missing",
    "classify",
    "deploy_report",
    "emulator_log_errors",
    "supported_types",
]

Client = Callable[..., Any]
"""``Emulator.client``: a boto3 client of the emulator by service (and region)."""
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
METADATA = "AWS::CDK::Metadata"
ROTATION = "AWS::SecretsManager::RotationSchedule"
RECORDED_ONLY: dict[str, str] = {
    "AWS::ElastiCache::UserGroup": "moto has no ElastiCache user groups",
}
"""Types the emulator's CloudFormation records without a service API that could show them:
the stack holds them, nothing lists them, so the report does not say they were verified."""
COMPLETE = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
UNRESOLVED = re.compile(r"\{'(Fn::\w+|Ref)'|<[\w.]+ object at 0x[0-9a-f]+>")
"""An output value holding a function the emulator left as it was, or a Python object."""
SHOWN = 12
"""The resources listed per type in the report."""


def supported_types() -> set[str]:
    """The resource types the emulator's CloudFormation makes (moto's and the library's)."""
    from org_constructs.tooling.local._emulator import require_local_extra

    require_local_extra()
    from moto.cloudformation.parsing import get_model_map

    from org_constructs.tooling.local import _handlers

    _handlers.install()
    return set(get_model_map())


def classify(resource_type: str, supported: Collection[str]) -> str:
    """``created`` (to be checked), ``skipped`` (no CloudFormation support) or ``not run``
    (custom)."""
    if resource_type.startswith("Custom::") or resource_type == CUSTOM_RESOURCE:
        return "not run"
    return "created" if resource_type in supported else "skipped"


# --- What the services list ---------------------------------------------------------------


@dataclass(frozen=True)
class Lister:
    """How a service lists what exists of one resource type."""

    call: str
    """The API call, as the report names it."""
    items: Callable[[], dict[str, str]]
    """What exists: its id (as ``key`` makes it from a stack's physical id) and a line."""
    key: Callable[[str], str] = str
    """The id ``items`` uses, from the physical id the stack gives."""


def _pages(client: Any, operation: str, key: str, **arguments: Any) -> list[Any]:
    if client.can_paginate(operation):
        pages = client.get_paginator(operation).paginate(**arguments)
        return [item for page in pages for item in page.get(key, [])]
    return list(getattr(client, operation)(**arguments).get(key, []))


def _last_segment(text: str) -> str:
    return text.rstrip("/").rsplit("/", 1)[-1]


def _dimensions(alarm: Mapping[str, Any]) -> str:
    return ", ".join(f"{d['Name']}={d['Value']}" for d in alarm.get("Dimensions", []))


def listers(client: Client) -> dict[str, Lister]:
    """How to list what exists, per resource type, through the services' APIs."""
    ec2, s3, kms, logs = client("ec2"), client("s3"), client("kms"), client("logs")
    lam, sns, sqs, rds = client("lambda"), client("sns"), client("sqs"), client("rds")
    cw, apigw, iam = client("cloudwatch"), client("apigateway"), client("iam")
    elbv2, ecs, dynamodb = client("elbv2"), client("ecs"), client("dynamodb")
    sfn, events, scheduler = client("stepfunctions"), client("events"), client("scheduler")
    secretsmanager, elasticache = client("secretsmanager"), client("elasticache")
    autoscaling, wafv2 = client("application-autoscaling"), client("wafv2")

    def keys() -> dict[str, str]:
        found = {}
        for key in _pages(kms, "list_keys", "Keys"):
            meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
            rotation = kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
            found[key["KeyId"]] = (
                f"{key['KeyId']} (rotation {'on' if rotation else 'off'}, "
                f"{meta.get('Description', '')[:60]})"
            )
        return found

    def buckets() -> dict[str, str]:
        found = {}
        for bucket in s3.list_buckets()["Buckets"]:
            name = bucket["Name"]
            versioning = s3.get_bucket_versioning(Bucket=name).get("Status", "off")
            rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]
            algorithm = rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
            found[name] = f"{name} (versioning {versioning}, encryption {algorithm})"
        return found

    def alarms(kind: str) -> dict[str, str]:
        return {
            a["AlarmName"]: f"{a['AlarmName']} ({a.get('MetricName') or a.get('AlarmRule', '')}"
            + (f"; {_dimensions(a)})" if a.get("Dimensions") else ")")
            for a in _pages(cw, "describe_alarms", kind)
        }

    def listeners() -> dict[str, str]:
        return {
            listener["ListenerArn"]: f"{listener['Protocol']}:{listener['Port']}"
            for balancer in _pages(elbv2, "describe_load_balancers", "LoadBalancers")
            for listener in _pages(
                elbv2,
                "describe_listeners",
                "Listeners",
                LoadBalancerArn=balancer["LoadBalancerArn"],
            )
        }

    def balancers() -> dict[str, str]:
        found = {}
        for b in _pages(elbv2, "describe_load_balancers", "LoadBalancers"):
            pairs = elbv2.describe_load_balancer_attributes(LoadBalancerArn=b["LoadBalancerArn"])
            attributes = {a["Key"]: a["Value"] for a in pairs.get("Attributes", [])}
            logs = (
                f"access logs to {attributes.get('access_logs.s3.bucket')}"
                if attributes.get("access_logs.s3.enabled") == "true"
                else "no access logs"
            )
            found[b["LoadBalancerArn"]] = (
                f"{b['LoadBalancerName']} ({b['Type']}, {b['Scheme']}, {logs})"
            )
        return found

    def listener_rules() -> dict[str, str]:
        return {
            rule["RuleArn"]: f"{_last_segment(rule['RuleArn'])} (priority {rule['Priority']}, "
            f"{', '.join(a['Type'] for a in rule.get('Actions', []))})"
            for listener in listeners()
            for rule in _pages(elbv2, "describe_rules", "Rules", ListenerArn=listener)
        }

    def services() -> dict[str, str]:
        found = {}
        for cluster in _pages(ecs, "list_clusters", "clusterArns"):
            arns = _pages(ecs, "list_services", "serviceArns", cluster=cluster)
            for start in range(0, len(arns), 10):
                described = ecs.describe_services(
                    cluster=cluster, services=arns[start : start + 10]
                )
                for service in described["services"]:
                    alarms = (service.get("deploymentConfiguration") or {}).get("alarms") or {}
                    found[service["serviceArn"]] = (
                        f"{service['serviceName']} ({service.get('launchType')}, desired "
                        f"{service.get('desiredCount')}, {len(service.get('loadBalancers', []))} "
                        f"target group(s), deployment alarms "
                        f"{', '.join(alarms.get('alarmNames', [])) or 'none'}; no task runs)"
                    )
        return found

    def in_each_namespace(operation: str, key: str) -> list[Any]:
        """What Application Auto Scaling lists in every namespace it knows; a namespace the
        emulator refuses lists nothing (so what a template put there is reported missing)."""
        from botocore.exceptions import ClientError

        shape = autoscaling.meta.service_model.shape_for("ServiceNamespace")
        found = []
        for namespace in shape.enum:
            try:
                found += _pages(autoscaling, operation, key, ServiceNamespace=namespace)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ValidationException":
                    raise
        return found

    def scalable_targets() -> dict[str, str]:
        return {
            f"{t['ResourceId']}|{t['ScalableDimension']}|{t['ServiceNamespace']}": (
                f"{t['ResourceId']} ({t['ScalableDimension']}, {t['MinCapacity']} to "
                f"{t['MaxCapacity']})"
            )
            for t in in_each_namespace("describe_scalable_targets", "ScalableTargets")
        }

    def scaling_policies() -> dict[str, str]:
        return {
            policy["PolicyARN"]: f"{policy['PolicyName']} ({policy['PolicyType']} on "
            f"{policy['ResourceId']})"
            for policy in in_each_namespace("describe_scaling_policies", "ScalingPolicies")
        }

    def web_acls() -> dict[str, str]:
        found = {}
        for scope, waf in (("REGIONAL", wafv2), ("CLOUDFRONT", client("wafv2", "us-east-1"))):
            for acl in waf.list_web_acls(Scope=scope).get("WebACLs", []):
                rules = waf.get_web_acl(Name=acl["Name"], Scope=scope, Id=acl["Id"])["WebACL"]
                found[f"{acl['Name']}|{acl['Id']}|{scope}"] = (
                    f"{acl['Name']} ({scope}, {len(rules.get('Rules', []))} rule(s); no request "
                    "is inspected)"
                )
        return found

    def web_acl_logging() -> dict[str, str]:
        return {
            logging["ResourceArn"]: f"{_last_segment(logging['ResourceArn'].rsplit('/', 1)[0])} "
            f"to {', '.join(logging['LogDestinationConfigs'])}"
            for scope, waf in (("REGIONAL", wafv2), ("CLOUDFRONT", client("wafv2", "us-east-1")))
            for logging in waf.list_logging_configurations(Scope=scope).get(
                "LoggingConfigurations", []
            )
        }

    def web_acl_associations() -> dict[str, str]:
        resources = [
            b["LoadBalancerArn"] for b in _pages(elbv2, "describe_load_balancers", "LoadBalancers")
        ] + [
            f"arn:aws:apigateway:{apigw.meta.region_name}::/restapis/{api['id']}/stages/"
            f"{stage['stageName']}"
            for api in _pages(apigw, "get_rest_apis", "items")
            for stage in apigw.get_stages(restApiId=api["id"]).get("item", [])
        ]
        found = {}
        for resource in resources:
            acl = wafv2.get_web_acl_for_resource(ResourceArn=resource).get("WebACL")
            if acl:
                found[f"{resource}|{acl['ARN']}"] = f"{acl['Name']} on {resource}"
        return found

    def secrets() -> list[Any]:
        return _pages(secretsmanager, "list_secrets", "SecretList")

    def policies() -> dict[str, str]:
        found = {}
        for secret in secrets():
            policy = secretsmanager.get_resource_policy(SecretId=secret["ARN"])
            if policy.get("ResourcePolicy"):
                statements = json.loads(policy["ResourcePolicy"]).get("Statement", [])
                count = f"{len(statements)} statement{'' if len(statements) == 1 else 's'}"
                found[secret["ARN"]] = f"{secret['Name']} ({count})"
        return found

    def rotations() -> dict[str, str]:
        found = {}
        for listed in secrets():
            secret = secretsmanager.describe_secret(SecretId=listed["ARN"])
            if secret.get("RotationEnabled"):
                rules = secret.get("RotationRules", {})
                schedule = rules.get("ScheduleExpression") or (
                    f"every {rules.get('AutomaticallyAfterDays')} days"
                )
                function = secret.get("RotationLambdaARN") or "a hosted rotation function"
                found[secret["ARN"]] = (
                    f"{secret['Name']} ({schedule} by {function}: recorded, not run; the "
                    "emulator runs no code)"
                )
        return found

    def users() -> dict[str, str]:
        return {
            u["UserId"]: f"{u['UserId']} ({u['UserName']}, {u['Engine']}, "
            f"{u.get('Authentication', {}).get('Type')}, access {u.get('AccessString')!r})"
            for u in _pages(elasticache, "describe_users", "Users")
        }

    def replication_groups() -> dict[str, str]:
        found = {}
        for group in _pages(elasticache, "describe_replication_groups", "ReplicationGroups"):
            members = len(group.get("MemberClusters", []))
            endpoint = (group.get("NodeGroups") or [{}])[0].get("PrimaryEndpoint") or group.get(
                "ConfigurationEndpoint", {}
            )
            found[group["ReplicationGroupId"]] = (
                f"{group['ReplicationGroupId']} ({group.get('CacheNodeType')}, {members} "
                f"node{'' if members == 1 else 's'}, encryption at rest "
                f"{group.get('AtRestEncryptionEnabled')}, in transit "
                f"{group.get('TransitEncryptionEnabled')}, {endpoint.get('Address')}:"
                f"{endpoint.get('Port')}; no node runs)"
            )
        return found

    def rules() -> dict[str, str]:
        return {
            rule["Name"]: f"{rule['Name']} ({rule.get('ScheduleExpression') or 'event pattern'})"
            for bus in _pages(events, "list_event_buses", "EventBuses")
            for rule in _pages(events, "list_rules", "Rules", EventBusName=bus["Name"])
        }

    return {
        "AWS::EC2::VPC": Lister(
            "DescribeVpcs",
            lambda: {
                v["VpcId"]: f"{v['VpcId']} {v['CidrBlock']}" for v in ec2.describe_vpcs()["Vpcs"]
            },
        ),
        "AWS::EC2::Subnet": Lister(
            "DescribeSubnets",
            lambda: {
                s["SubnetId"]: f"{s['SubnetId']} {s['CidrBlock']} {s['AvailabilityZone']}"
                for s in _pages(ec2, "describe_subnets", "Subnets")
            },
        ),
        "AWS::EC2::NatGateway": Lister(
            "DescribeNatGateways",
            lambda: {
                n["NatGatewayId"]: n["NatGatewayId"]
                for n in _pages(ec2, "describe_nat_gateways", "NatGateways")
            },
        ),
        "AWS::EC2::FlowLog": Lister(
            "DescribeFlowLogs",
            lambda: {
                f["FlowLogId"]: f"{f['FlowLogId']} ({f.get('TrafficType')})"
                for f in _pages(ec2, "describe_flow_logs", "FlowLogs")
            },
        ),
        "AWS::EC2::VPCEndpoint": Lister(
            "DescribeVpcEndpoints",
            lambda: {
                e["VpcEndpointId"]: e["ServiceName"]
                for e in _pages(ec2, "describe_vpc_endpoints", "VpcEndpoints")
            },
        ),
        "AWS::EC2::SecurityGroup": Lister(
            "DescribeSecurityGroups",
            lambda: {
                g["GroupId"]: f"{g['GroupId']} {g['GroupName']}"
                for g in _pages(ec2, "describe_security_groups", "SecurityGroups")
            },
        ),
        "AWS::S3::Bucket": Lister("ListBuckets", buckets),
        "AWS::KMS::Key": Lister("ListKeys", keys),
        "AWS::Logs::LogGroup": Lister(
            "DescribeLogGroups",
            lambda: {
                g["logGroupName"]: f"{g['logGroupName']} (retention "
                f"{g.get('retentionInDays', 'never expires')} days)"
                for g in _pages(logs, "describe_log_groups", "logGroups")
            },
        ),
        "AWS::Lambda::Function": Lister(
            "ListFunctions",
            lambda: {
                f["FunctionName"]: f"{f['FunctionName']} ({f['Runtime']}, {f['MemorySize']} MB, "
                f"tracing {f.get('TracingConfig', {}).get('Mode')})"
                for f in _pages(lam, "list_functions", "Functions")
            },
        ),
        "AWS::SNS::Topic": Lister(
            "ListTopics",
            lambda: {
                t["TopicArn"]: t["TopicArn"].split(":")[-1]
                for t in _pages(sns, "list_topics", "Topics")
            },
        ),
        "AWS::SQS::Queue": Lister(
            "ListQueues",
            lambda: {
                _last_segment(q): _last_segment(q) for q in _pages(sqs, "list_queues", "QueueUrls")
            },
            key=_last_segment,
        ),
        "AWS::RDS::DBInstance": Lister(
            "DescribeDBInstances",
            lambda: {
                d["DBInstanceIdentifier"]: f"{d['DBInstanceIdentifier']} ({d['Engine']} "
                f"{d['EngineVersion']}, encrypted {d['StorageEncrypted']})"
                for d in _pages(rds, "describe_db_instances", "DBInstances")
            },
        ),
        "AWS::CloudWatch::Dashboard": Lister(
            "ListDashboards",
            lambda: {
                d["DashboardName"]: d["DashboardName"]
                for d in _pages(cw, "list_dashboards", "DashboardEntries")
            },
        ),
        "AWS::CloudWatch::Alarm": Lister("DescribeAlarms", lambda: alarms("MetricAlarms")),
        "AWS::CloudWatch::CompositeAlarm": Lister(
            "DescribeAlarms", lambda: alarms("CompositeAlarms")
        ),
        "AWS::ApiGateway::RestApi": Lister(
            "GetRestApis",
            lambda: {a["id"]: a["name"] for a in _pages(apigw, "get_rest_apis", "items")},
        ),
        "AWS::IAM::Role": Lister(
            "ListRoles",
            lambda: {r["RoleName"]: r["RoleName"] for r in _pages(iam, "list_roles", "Roles")},
        ),
        "AWS::ElasticLoadBalancingV2::LoadBalancer": Lister("DescribeLoadBalancers", balancers),
        "AWS::ElasticLoadBalancingV2::TargetGroup": Lister(
            "DescribeTargetGroups",
            lambda: {
                g["TargetGroupArn"]: f"{g['TargetGroupName']} ({g.get('Protocol')} "
                f"{g.get('Port')}, {g.get('TargetType')} targets)"
                for g in _pages(elbv2, "describe_target_groups", "TargetGroups")
            },
        ),
        "AWS::ElasticLoadBalancingV2::Listener": Lister("DescribeListeners", listeners),
        "AWS::ElasticLoadBalancingV2::ListenerRule": Lister("DescribeRules", listener_rules),
        "AWS::ApplicationAutoScaling::ScalableTarget": Lister(
            "DescribeScalableTargets", scalable_targets
        ),
        "AWS::ApplicationAutoScaling::ScalingPolicy": Lister(
            "DescribeScalingPolicies", scaling_policies
        ),
        "AWS::WAFv2::WebACL": Lister("ListWebACLs", web_acls),
        "AWS::WAFv2::WebACLAssociation": Lister("GetWebACLForResource", web_acl_associations),
        "AWS::WAFv2::LoggingConfiguration": Lister("ListLoggingConfigurations", web_acl_logging),
        "AWS::ECS::Cluster": Lister(
            "ListClusters",
            lambda: {
                _last_segment(arn): _last_segment(arn)
                for arn in _pages(ecs, "list_clusters", "clusterArns")
            },
        ),
        "AWS::ECS::Service": Lister("ListServices", services),
        "AWS::ECS::TaskDefinition": Lister(
            "ListTaskDefinitions",
            lambda: {
                arn: _last_segment(arn)
                for arn in _pages(ecs, "list_task_definitions", "taskDefinitionArns")
            },
        ),
        "AWS::DynamoDB::Table": Lister(
            "ListTables",
            lambda: {name: name for name in _pages(dynamodb, "list_tables", "TableNames")},
        ),
        "AWS::StepFunctions::StateMachine": Lister(
            "ListStateMachines",
            lambda: {
                m["stateMachineArn"]: m["name"]
                for m in _pages(sfn, "list_state_machines", "stateMachines")
            },
        ),
        "AWS::Events::Rule": Lister("ListRules", rules),
        "AWS::Scheduler::Schedule": Lister(
            "ListSchedules",
            lambda: {
                s["Name"]: f"{s['Name']} (group {s['GroupName']}, {s['State']})"
                for s in _pages(scheduler, "list_schedules", "Schedules")
            },
        ),
        "AWS::Scheduler::ScheduleGroup": Lister(
            "ListScheduleGroups",
            lambda: {
                g["Name"]: g["Name"]
                for g in _pages(scheduler, "list_schedule_groups", "ScheduleGroups")
            },
        ),
        "AWS::SecretsManager::Secret": Lister(
            "ListSecrets", lambda: {s["ARN"]: s["Name"] for s in secrets()}
        ),
        "AWS::SecretsManager::ResourcePolicy": Lister("GetResourcePolicy", policies),
        ROTATION: Lister("DescribeSecret", rotations),
        "AWS::ElastiCache::SubnetGroup": Lister(
            "DescribeCacheSubnetGroups",
            lambda: {
                g["CacheSubnetGroupName"]: f"{g['CacheSubnetGroupName']} ({g.get('VpcId')}, "
                f"{len(g.get('Subnets', []))} subnets)"
                for g in _pages(elasticache, "describe_cache_subnet_groups", "CacheSubnetGroups")
            },
        ),
        "AWS::ElastiCache::User": Lister("DescribeUsers", users),
        "AWS::ElastiCache::ReplicationGroup": Lister(
            "DescribeReplicationGroups", replication_groups
        ),
        "AWS::Events::EventBus": Lister(
            "ListEventBuses",
            lambda: {
                b["Name"]: b["Name"] for b in _pages(events, "list_event_buses", "EventBuses")
            },
        ),
    }


# --- Conditions -----------------------------------------------------------------------------

_CONDITION_FUNCTIONS: dict[str, Callable[[list[Any]], bool]] = {
    "Fn::Equals": lambda values: str(values[0]) == str(values[1]),
    "Fn::Not": lambda values: not values[0],
    "Fn::And": all,
    "Fn::Or": any,
}


def _condition_value(
    value: Any, conditions: Mapping[str, Any], references: Mapping[str, Any]
) -> Any:
    """A condition (or a value inside one) for this stack; None where it cannot be told."""
    if not isinstance(value, dict):
        return value
    if "Ref" in value:
        return references.get(value["Ref"])
    if "Condition" in value:
        return _condition_value(conditions.get(value["Condition"]), conditions, references)
    (function, arguments), *_ = value.items()
    if function not in _CONDITION_FUNCTIONS or not isinstance(arguments, list):
        return None
    values = [_condition_value(a, conditions, references) for a in arguments]
    if any(v is None for v in values):
        return None
    return _CONDITION_FUNCTIONS[function](values)


def _left_out(
    declared: Mapping[str, Any], template: Mapping[str, Any], references: Mapping[str, Any]
) -> bool:
    """Whether the ``Condition`` of a resource or output leaves it out of this stack."""
    name = declared.get("Condition")
    if name is None:
        return False
    conditions = template.get("Conditions") or {}
    return _condition_value(conditions.get(name), conditions, references) is False


def _references(stack: Mapping[str, Any]) -> dict[str, Any]:
    """What ``Ref`` gives in a condition of ``stack``: pseudo parameters and its parameters."""
    _, partition, _, region, account, *_ = stack["StackId"].split(":")
    return {
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": partition,
        "AWS::StackName": stack["StackName"],
        "AWS::StackId": stack["StackId"],
        "AWS::URLSuffix": "amazonaws.com",
        **{p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])},
    }


# --- The report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """Something a template declares that the emulator does not hold."""

    stack: str
    what: str
    """``LOGICAL_ID (TYPE)``, ``output KEY``, an import, or ``the stack``."""
    why: str
    resource_type: str = ""
    """The type of a missing resource."""

    def __str__(self) -> str:
        return f"{self.stack}: {self.what}: {self.why}"


@dataclass(frozen=True)
class DeployReport:
    """What a deploy made; ``complete`` only when the emulator holds everything declared."""

    text: str
    """The report, for the terminal."""
    resources: int
    """The resources the templates declare that the emulator was to make."""
    made: int
    outputs: int
    outputs_resolved: int
    missing: tuple[Missing, ...] = ()
    errors: tuple[str, ...] = ()
    """The emulator's own errors: failed events' reasons, the exceptions of its log."""

    @property
    def complete(self) -> bool:
        return not self.missing

    def failure(self) -> str:
        """What is missing and the emulator's errors, as a failure message."""
        lines = [
            f"the deploy is incomplete: the emulator made {self.made} of {self.resources} "
            f"resources and {self.outputs_resolved} of {self.outputs} outputs the templates "
            "declare; missing:",
            *(f"  {item}" for item in self.missing),
        ]
        if self.errors:
            lines.append("the emulator's errors:")
            lines.extend(f"  {error}" for error in self.errors)
        return "\n".join(lines)


class _Check:
    """One report: the stacks read from the emulator, each service's listing read once."""

    def __init__(self, client: Client, allowed: Collection[str]) -> None:
        self.client = client
        self.cloudformation = client("cloudformation")
        self.listers = listers(client)
        self.supported = supported_types()
        self.allowed = allowed
        self.lines: list[str] = []
        self.types: Counter[str] = Counter()
        self.made: Counter[str] = Counter()
        self.absent: Counter[str] = Counter()
        """The resources of stacks that were not deployed, by type."""
        self.verdicts: dict[str, str] = {}
        self.shown: dict[str, list[str]] = {}
        self.missing: list[Missing] = []
        self.errors: list[str] = []
        self.resources = self.outputs = self.outputs_resolved = 0
        self.imports: list[str] = []
        self._listed: dict[str, dict[str, str]] = {}

    def listed(self, resource_type: str) -> dict[str, str]:
        if resource_type not in self._listed:
            self._listed[resource_type] = self.listers[resource_type].items()
        return self._listed[resource_type]

    def describe(self, name: str) -> dict[str, Any] | None:
        try:
            (stack,) = self.cloudformation.describe_stacks(StackName=name)["Stacks"]
        except Exception as error:
            if "does not exist" in str(error):
                return None
            raise
        return dict(stack)

    def held(self, name: str) -> dict[str, str]:
        """The physical id of each resource the stack holds, by logical id."""
        return {
            r["LogicalResourceId"]: r.get("PhysicalResourceId") or ""
            for r in _pages(
                self.cloudformation,
                "list_stack_resources",
                "StackResourceSummaries",
                StackName=name,
            )
        }

    def failed_events(self, name: str) -> list[str]:
        events = _pages(self.cloudformation, "describe_stack_events", "StackEvents", StackName=name)
        failed = [e for e in reversed(events) if e["ResourceStatus"].endswith("_FAILED")]
        resources = [e for e in failed if e.get("ResourceType") != "AWS::CloudFormation::Stack"]
        return [
            f"{name}: {e['LogicalResourceId']} ({e['ResourceType']}) {e['ResourceStatus']}: "
            f"{e.get('ResourceStatusReason', '')}"
            for e in (resources or failed)
        ]

    def holds(self, imported: Import) -> bool:
        try:
            if imported.kind == CERTIFICATE:
                region = imported.identifier.split(":")[3]
                acm = self.client("acm", region)
                acm.describe_certificate(CertificateArn=imported.identifier)
            elif imported.identifier == imported.name:
                route53 = self.client("route53")
                zones = route53.list_hosted_zones_by_name(DNSName=imported.name)["HostedZones"]
                return any(z["Name"] == imported.name for z in zones)
            else:
                self.client("route53").get_hosted_zone(Id=imported.identifier)
        except Exception as error:
            if "NotFound" in str(error) or "NoSuch" in str(error):
                return False
            raise
        return True

    def stack(self, name: str, template: Mapping[str, Any]) -> None:
        resources = {
            logical_id: resource
            for logical_id, resource in (template.get("Resources") or {}).items()
            if resource["Type"] != METADATA
        }
        outputs = template.get("Outputs") or {}
        stack = self.describe(name)
        if stack is None:
            self.lines.append(f"stack {name}: not deployed")
            expected = [
                logical_id
                for logical_id, resource in resources.items()
                if classify(resource["Type"], self.supported) == "created"
            ]
            self.types.update(resources[logical_id]["Type"] for logical_id in expected)
            self.absent.update(resources[logical_id]["Type"] for logical_id in expected)
            self.resources += len(expected)
            self.outputs += len(outputs)
            self.missing.append(
                Missing(
                    name,
                    "the stack",
                    f"not deployed: none of its {len(expected)} resources "
                    f"({', '.join(expected)}) and {len(outputs)} outputs exist",
                )
            )
            return
        status = stack["StackStatus"]
        self.lines.append(f"stack {name}: {status}")
        if status not in COMPLETE:
            reason = stack.get("StackStatusReason") or "no reason given"
            self.missing.append(Missing(name, "the stack", f"{status}: {reason}"))
            self.errors.extend(self.failed_events(name))
        references = _references(stack)
        held = self.held(name)
        for logical_id, resource in resources.items():
            if not _left_out(resource, template, references):
                self.resource(name, logical_id, resource["Type"], held.get(logical_id))
        values = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs", [])}
        for key, output in outputs.items():
            if not _left_out(output, template, references):
                self.output(name, key, values.get(key))
        for imported in imported_resources(template):
            if self.holds(imported):
                self.imports.append(f"{imported} (in {name})")
            else:
                self.missing.append(Missing(name, str(imported), "the emulator does not hold it"))

    def resource(self, stack: str, logical_id: str, kind: str, physical_id: str | None) -> None:
        self.types[kind] += 1
        verdict = self.verdicts[kind] = classify(kind, self.supported)
        what = f"{logical_id} ({kind})"
        if verdict == "skipped" and kind not in self.allowed:
            self.missing.append(Missing(stack, what, "the emulator cannot make this type", kind))
        if verdict != "created":
            return
        self.resources += 1
        if physical_id is None:
            self.missing.append(Missing(stack, what, "not made", kind))
            return
        lister = self.listers.get(kind)
        if lister is not None:
            listed = self.listed(kind)
            key = lister.key(physical_id)
            if key not in listed:
                self.missing.append(
                    Missing(
                        stack,
                        what,
                        f"the stack holds it as {physical_id!r}, but {lister.call} does not "
                        "list it",
                        kind,
                    )
                )
                return
            self.shown.setdefault(kind, []).append(listed[key])
        self.made[kind] += 1

    def output(self, stack: str, key: str, value: str | None) -> None:
        self.outputs += 1
        if not value:
            self.missing.append(Missing(stack, f"output {key}", "no value"))
        elif UNRESOLVED.search(value):
            self.missing.append(Missing(stack, f"output {key}", f"unresolved: {value}"))
        else:
            self.outputs_resolved += 1
            if not key.startswith("PublishOutput"):
                self.lines.append(f"  output {key} = {value}")

    def summary(self) -> list[str]:
        lines = ["", "resources of the templates, and what the emulator holds of them:"]
        missing = Counter(m.resource_type for m in self.missing if m.resource_type)
        missing.update(self.absent)
        for kind, count in sorted(self.types.items()):
            verdict = self.verdicts.get(kind) or classify(kind, self.supported)
            line = f"  {count:3d} x {kind:45s} "
            if verdict == "created" and missing[kind]:
                line += f"MISSING {missing[kind]} of {count}"
            elif verdict == "created" and kind in self.listers:
                line += f"created; {self.listers[kind].call} lists {self.made[kind]} of {count}"
            elif verdict == "created" and kind in RECORDED_ONLY:
                line += f"recorded, not verified ({RECORDED_ONLY[kind]})"
            else:
                line += verdict
            lines.append(line)
            lines.extend(f"        {item}" for item in self.shown.get(kind, [])[:SHOWN])
        kinds = {
            verdict: sorted(k for k, v in self.verdicts.items() if v == verdict)
            for verdict in ("skipped", "not run")
        }
        return [
            *lines,
            "",
            f"created: {sum(self.made.values())} of {self.resources} resources "
            f"({len(+self.made)} types), {self.outputs_resolved} of {self.outputs} outputs",
            "skipped by the emulator (no CloudFormation support; nothing was made): "
            + (", ".join(kinds["skipped"]) or "none"),
            "custom resources marked complete without running their handlers: "
            + (", ".join(kinds["not run"]) or "none"),
            "imported by ARN or id, made in the emulator: " + ("; ".join(self.imports) or "none"),
            "secret rotations recorded on their secrets, not run (the emulator runs no code): "
            + str(self.made[ROTATION]),
            "recorded by the emulator's CloudFormation only, not verified (no service API shows "
            "them): "
            + (
                ", ".join(
                    f"{self.made[kind]} x {kind} ({why})"
                    for kind, why in sorted(RECORDED_ONLY.items())
                    if self.made[kind]
                )
                or "none"
            ),
        ]


def deploy_report(
    client: Client,
    assembly: Path,
    stacks: Sequence[str],
    *,
    allowed: Collection[str] = (),
    log: Path | None = None,
) -> DeployReport:
    """Ask the emulator (by ``client``) what it holds of ``stacks``, deployed from
    ``assembly``: the report, and everything declared that it does not hold.

    ``allowed`` are the types the emulator cannot make that the deploy was allowed to skip;
    ``log`` is the emulator's log, whose exceptions are added to the errors of an incomplete
    deploy.

    Raises
    ------
    LocalError
        When the emulator does not answer (a stopped or broken emulator).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from org_constructs.tooling.local._emulator import LocalError

    check = _Check(client, allowed)
    for name in stacks:
        template = json.loads((assembly / f"{name}.template.json").read_text(encoding="utf-8"))
        try:
            check.stack(name, template)
        except (BotoCoreError, ClientError) as error:
            raise LocalError(
                f"the emulator could not say what it holds of {name}: {error}"
            ) from None
    errors = check.errors
    if check.missing and log is not None:
        errors += [f"emulator log: {line}" for line in emulator_log_errors(log)]
    return DeployReport(
        "\n".join(check.lines + check.summary()),
        resources=check.resources,
        made=sum(check.made.values()),
        outputs=check.outputs,
        outputs_resolved=check.outputs_resolved,
        missing=tuple(check.missing),
        errors=tuple(dict.fromkeys(errors)),
    )


def emulator_log_errors(log: Path, limit: int = 10) -> list[str]:
    """The exception of each request the emulator could not answer (an ``Error on request``
    of its log), each once, the last ``limit`` of them."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found: list[str] = []
    waiting = False
    for line in text.splitlines():
        if line.startswith("Error on request"):
            waiting = True
        elif waiting and line and not line[0].isspace() and not line.startswith("Traceback"):
            found.append(line)
            waiting = False
    return list(dict.fromkeys(found))[-limit:]
