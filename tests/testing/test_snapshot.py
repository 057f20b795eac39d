"""normalize_template and the CloudFormation snapshot extension."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from org_constructs.testing import CloudFormationSnapshotExtension, normalize_template, template_of
from tests.support import make_app

HASH = "0" * 40 + "abcdef0123456789abcdef01"


def test_removes_what_cdk_versions_change() -> None:
    template: dict[str, Any] = {
        "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>"}},
        "Rules": {"CheckBootstrapVersion": {"Assertions": []}},
        "Conditions": {"CDKMetadataAvailable": {}, "Mine": {"Fn::Equals": ["a", "b"]}},
        "Mappings": {"LatestNodeRuntimeMap": {"us-east-1": {"value": "nodejs22.x"}}},
        "Resources": {
            "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:x"}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"S3Key": f"{HASH}.zip"}},
        },
    }
    normalized = normalize_template(template)
    assert normalized == {
        "Conditions": {"Mine": {"Fn::Equals": ["a", "b"]}},
        "Mappings": {"LatestNodeRuntimeMap": "<cdk-version-dependent>"},
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"S3Key": "<asset-hash>.zip"}}
        },
    }
    assert "BootstrapVersion" in template["Parameters"], "the input is not modified"


@pytest.fixture(scope="module")
def asset_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    code = tmp_path_factory.mktemp("code")
    (code / "index.py").write_text("def handler(event, context):\n    return event\n")
    stack = Stack(make_app(), "Assets")
    lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_asset(str(code)),
    )
    s3.Bucket(stack, "Bucket", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY)
    return template_of(stack)


def test_asset_hashes_are_masked(asset_template: Template) -> None:
    text = json.dumps(normalize_template(asset_template))
    assert "<asset-hash>" in text
    assert "python3.13" in text, "the runtime we chose is kept"
    assert "nodejs" not in text, "the runtime aws-cdk-lib chooses for its provider is masked"
    raw = json.dumps(asset_template.to_json())
    assert raw != text


def test_serialized_keys_are_sorted_and_stable(asset_template: Template) -> None:
    extension = CloudFormationSnapshotExtension()
    first = extension.serialize(asset_template)
    assert first == extension.serialize(asset_template.to_json())
    data = json.loads(first)
    assert list(data) == sorted(data)
    assert first.endswith("}\n")


def test_non_template_data_is_serialized_as_json() -> None:
    assert CloudFormationSnapshotExtension().serialize({"a": 1}) == '{\n  "a": 1\n}\n'


def test_snapshot_of_a_template_with_assets(asset_template: Template, cfn_snapshot: Any) -> None:
    assert asset_template == cfn_snapshot


def test_snapshot_is_one_json_file_per_test() -> None:
    folder = Path(__file__).parent / "__snapshots__" / "test_snapshot"
    assert (folder / "test_snapshot_of_a_template_with_assets.json").is_file()
