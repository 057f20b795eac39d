"""What a deployment to the local emulator made: stacks, outputs, resources.

Reads the templates from the cloud assembly and asks the emulator for the stacks and their
resources through the services' own APIs. Each resource type of the templates is reported as
one of:

- created: the emulator made it; the count found through the service's API is shown;
- skipped: the emulator has no CloudFormation support for the type and silently left it out;
- not run: a custom resource, which the emulator marks complete without running its handler.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["CUSTOM_RESOURCE", "classify", "deploy_report", "supported_types"]

Finder = Callable[[], list[str]]
Client = Callable[[str], Any]
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"


def supported_types() -> set[str]:
    """The resource types the emulator's CloudFormation makes (moto's and the library's)."""
    from org_constructs.tooling.local._emulator import require_local_extra

    require_local_extra()
    from moto.cloudformation.parsing import get_model_map

    from org_constructs.tooling.local import _handlers

    _handlers.install()
    return set(get_model_map())


def finders(client: Client) -> dict[str, Finder]:
    """How to list what exists, per resource type, through the services' APIs."""
    ec2, s3, kms = client("ec2"), client("s3"), client("kms")
    logs, lam, sns = client("logs"), client("lambda"), client("sns")
    sqs, rds, cw = client("sqs"), client("rds"), client("cloudwatch")
    apigw, iam = client("apigateway"), client("iam")

    def keys() -> list[str]:
        found = []
        for key in kms.list_keys()["Keys"]:
            meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
            rotation = kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
            found.append(
                f"{key['KeyId']} (rotation {'on' if rotation else 'off'}, "
                f"{meta.get('Description', '')[:60]})"
            )
        return found

    def buckets() -> list[str]:
        found = []
        for bucket in s3.list_buckets()["Buckets"]:
            name = bucket["Name"]
            versioning = s3.get_bucket_versioning(Bucket=name).get("Status", "off")
            rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]
            algorithm = rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
            found.append(f"{name} (versioning {versioning}, encryption {algorithm})")
        return found

    return {
        "AWS::EC2::VPC": lambda: [
            f"{v['VpcId']} {v['CidrBlock']}"
            for v in ec2.describe_vpcs()["Vpcs"]
            if not v.get("IsDefault")
        ],
        "AWS::EC2::Subnet": lambda: [
            f"{s['SubnetId']} {s['CidrBlock']} {s['AvailabilityZone']}"
            for s in ec2.describe_subnets()["Subnets"]
            if not s.get("DefaultForAz")
        ],
        "AWS::EC2::NatGateway": lambda: [
            n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"]
        ],
        "AWS::EC2::FlowLog": lambda: [f["FlowLogId"] for f in ec2.describe_flow_logs()["FlowLogs"]],
        "AWS::EC2::VPCEndpoint": lambda: [
            e["ServiceName"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
        ],
        "AWS::EC2::SecurityGroup": lambda: [
            g["GroupId"]
            for g in ec2.describe_security_groups()["SecurityGroups"]
            if g["GroupName"] != "default"
        ],
        "AWS::S3::Bucket": buckets,
        "AWS::KMS::Key": keys,
        "AWS::Logs::LogGroup": lambda: [
            f"{g['logGroupName']} (retention {g.get('retentionInDays', 'never expires')} days)"
            for g in logs.describe_log_groups()["logGroups"]
        ],
        "AWS::Lambda::Function": lambda: [
            f"{f['FunctionName']} ({f['Runtime']}, {f['MemorySize']} MB, "
            f"tracing {f.get('TracingConfig', {}).get('Mode')})"
            for f in lam.list_functions()["Functions"]
        ],
        "AWS::SNS::Topic": lambda: [
            t["TopicArn"].split(":")[-1] for t in sns.list_topics()["Topics"]
        ],
        "AWS::SQS::Queue": lambda: [
            q.rsplit("/", 1)[-1] for q in sqs.list_queues().get("QueueUrls", [])
        ],
        "AWS::RDS::DBInstance": lambda: [
            f"{d['DBInstanceIdentifier']} ({d['Engine']} {d['EngineVersion']}, "
            f"encrypted {d['StorageEncrypted']})"
            for d in rds.describe_db_instances()["DBInstances"]
        ],
        "AWS::CloudWatch::Dashboard": lambda: [
            d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]
        ],
        "AWS::CloudWatch::Alarm": lambda: [
            a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]
        ],
        "AWS::ApiGateway::RestApi": lambda: [a["name"] for a in apigw.get_rest_apis()["items"]],
        "AWS::IAM::Role": lambda: [r["RoleName"] for r in iam.list_roles()["Roles"]],
    }


def classify(resource_type: str, supported: set[str]) -> str:
    """``created``, ``skipped`` (no CloudFormation support) or ``not run`` (custom)."""
    if resource_type.startswith("Custom::") or resource_type == CUSTOM_RESOURCE:
        return "not run"
    return "created" if resource_type in supported else "skipped"


def deploy_report(client: Client, assembly: Path, stacks: Sequence[str]) -> str:
    """The report of ``stacks`` (deployed from ``assembly``), asking the emulator by ``client``."""
    cloudformation = client("cloudformation")
    supported = supported_types()
    lines: list[str] = []
    types: Counter[str] = Counter()
    for name in stacks:
        template = json.loads((assembly / f"{name}.template.json").read_text(encoding="utf-8"))
        (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
        lines.append(f"stack {name}: {stack['StackStatus']}")
        for output in stack.get("Outputs", []):
            if not output["OutputKey"].startswith("PublishOutput"):
                lines.append(f"  output {output['OutputKey']} = {output['OutputValue']}")
        types.update(
            r["Type"] for r in template["Resources"].values() if r["Type"] != "AWS::CDK::Metadata"
        )
    lines.append("")
    lines.append("resources of the templates, and what the emulator did with them:")
    found = finders(client)
    verdicts: dict[str, list[str]] = {"created": [], "skipped": [], "not run": []}
    for resource_type, count in sorted(types.items()):
        verdict = classify(resource_type, supported)
        verdicts[verdict].append(resource_type)
        line = f"  {count:3d} x {resource_type:45s} {verdict}"
        if verdict == "created" and resource_type in found:
            items = found[resource_type]()
            line += f"; the emulator lists {len(items)} (bootstrap stack included)"
            lines.append(line)
            lines.extend(f"        {item}" for item in items[:12])
            continue
        lines.append(line)
    lines.append("")
    lines.append(f"created: {len(verdicts['created'])} resource types")
    lines.append(
        "skipped by the emulator (no CloudFormation support; nothing was made): "
        + (", ".join(verdicts["skipped"]) or "none")
    )
    lines.append(
        "custom resources marked complete without running their handlers: "
        + (", ".join(verdicts["not run"]) or "none")
    )
    return "\n".join(lines)
