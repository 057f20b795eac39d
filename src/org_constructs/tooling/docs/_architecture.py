"""An architecture picture with AWS icons, drawn by the ``diagrams`` package (Graphviz)."""

from __future__ import annotations

import importlib
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from org_constructs.tooling.gate._assembly import AssemblyStack

__all__ = ["ICONS", "draw_architecture"]

# Resource type -> (diagrams module, class, label).
ICONS: dict[str, tuple[str, str, str]] = {
    "AWS::EC2::VPC": ("diagrams.aws.network", "VPC", "VPC"),
    "AWS::EC2::NatGateway": ("diagrams.aws.network", "NATGateway", "NAT gateway"),
    "AWS::EC2::VPCEndpoint": ("diagrams.aws.network", "Endpoint", "VPC endpoint"),
    "AWS::ApiGateway::RestApi": ("diagrams.aws.network", "APIGateway", "REST API"),
    "AWS::WAFv2::WebACL": ("diagrams.aws.security", "WAF", "WAF web ACL"),
    "AWS::Lambda::Function": ("diagrams.aws.compute", "Lambda", "Lambda function"),
    "AWS::RDS::DBInstance": ("diagrams.aws.database", "RDS", "RDS instance"),
    "AWS::S3::Bucket": ("diagrams.aws.storage", "S3", "S3 bucket"),
    "AWS::SNS::Topic": ("diagrams.aws.integration", "SNS", "SNS topic"),
    "AWS::SQS::Queue": ("diagrams.aws.integration", "SQS", "SQS queue"),
    "AWS::KMS::Key": ("diagrams.aws.security", "KMS", "KMS key"),
    "AWS::SecretsManager::Secret": ("diagrams.aws.security", "SecretsManager", "secret"),
    "AWS::CloudWatch::Alarm": ("diagrams.aws.management", "Cloudwatch", "alarm"),
    "AWS::CloudWatch::Dashboard": ("diagrams.aws.management", "Cloudwatch", "dashboard"),
    "AWS::CodeDeploy::DeploymentGroup": ("diagrams.aws.devtools", "Codedeploy", "canary"),
    "AWS::Backup::BackupPlan": ("diagrams.aws.storage", "Backup", "backup plan"),
}


def draw_architecture(stacks: Sequence[AssemblyStack], target: Path) -> bool:
    """Write ``target``.png: a cluster per stack, an icon per resource type (with counts), an
    arrow from each stack to those it depends on. False without ``diagrams`` or Graphviz."""
    if shutil.which("dot") is None:
        return False
    try:
        diagrams = importlib.import_module("diagrams")
    except ImportError:
        return False
    attributes = {"fontsize": "13", "pad": "0.4", "splines": "spline"}
    first: dict[str, Any] = {}
    with diagrams.Diagram(
        "", filename=str(target), outformat="png", show=False, direction="LR", graph_attr=attributes
    ):
        for stack in stacks:
            counts = Counter(str(r.get("Type")) for r in stack.resources.values())
            with diagrams.Cluster(f"{stack.name}\n{stack.description}"):
                for kind, (module, name, label) in ICONS.items():
                    if kind not in counts:
                        continue
                    icon = getattr(importlib.import_module(module), name)
                    count = counts[kind]
                    node = icon(f"{label} x{count}" if count > 1 else label)
                    first.setdefault(stack.name, node)
        for stack in stacks:
            for dependency in stack.dependencies:
                if stack.name in first and dependency in first:
                    first[stack.name] >> diagrams.Edge(style="dashed") >> first[dependency]
    return target.with_suffix(".png").exists()
