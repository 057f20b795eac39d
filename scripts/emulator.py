"""Run the local AWS emulator (moto server) on 127.0.0.1, with fixes for CloudFormation gaps.

Usage: python scripts/emulator.py PORT

Two wrappers fill gaps of moto 5.2's CloudFormation support, and change nothing else:

- KMS keys: moto passes a template's tags (``Key`` / ``Value``, as CloudFormation writes
  them) to a function that expects the KMS API's ``TagKey`` / ``TagValue``, and fails on every
  tagged key; and it keeps the key policy as an object where its KMS API expects JSON text, so
  ``DescribeKey`` fails. Tags and policy are converted first.
- API Gateway deployments: when a change set is executed, moto does not follow ``DependsOn``
  and may create an ``AWS::ApiGateway::Deployment`` before the methods it depends on, then
  refuses it ("The REST API doesn't contain any methods"). The deployment is recorded anyway.
- ``Fn::GetStackOutput``: aws-cdk-lib's weak cross-stack references (the default of new apps)
  read another stack's output with this function, which moto does not know. It is resolved
  from the named stack's outputs in the same account and region.
- S3 bucket versioning: moto ignores a template's ``VersioningConfiguration``; it is applied
  after the bucket is created or updated.
- Outputs of change sets: moto computes a stack's outputs when the stack is created or updated
  directly, not when a change set (what the CDK CLI uses) is executed. They are computed after
  each change set too.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from moto.apigateway.exceptions import NoIntegrationDefined, NoMethodDefined
from moto.apigateway.models import APIGatewayBackend, Deployment
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import ChangeSet, cloudformation_backends
from moto.kms.models import Key
from moto.s3.models import FakeBucket, s3_backends
from moto.server import main as moto_main

_create_key = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create_key_with_cfn_tags(
    cls: type[Key],
    /,
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Key:
    properties = cloudformation_json.get("Properties", {})
    if not isinstance(properties.get("KeyPolicy"), str):
        properties["KeyPolicy"] = json.dumps(properties.get("KeyPolicy", {}))
    properties["Tags"] = [
        {"TagKey": t.get("Key", t.get("TagKey")), "TagValue": t.get("Value", t.get("TagValue"))}
        for t in properties.get("Tags", [])
    ]
    key: Key = _create_key(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    return key


Key.create_from_cloudformation_json = classmethod(_create_key_with_cfn_tags)  # type: ignore[method-assign,assignment]


_create_deployment = APIGatewayBackend.create_deployment


def _create_deployment_in_any_order(
    self: APIGatewayBackend,
    function_id: str,
    name: str,
    description: str = "",
    stage_variables: Any = None,
) -> Deployment:
    try:
        return _create_deployment(self, function_id, name, description, stage_variables)
    except (NoMethodDefined, NoIntegrationDefined):
        api = self.get_rest_api(function_id)
        deployment: Deployment = api.create_deployment(name, description, stage_variables or {})
        return deployment


APIGatewayBackend.create_deployment = _create_deployment_in_any_order  # type: ignore[method-assign]


_clean_json = parsing.clean_json


def _clean_json_with_stack_outputs(resource_json: Any, resources_map: Any) -> Any:
    if isinstance(resource_json, dict) and "Fn::GetStackOutput" in resource_json:
        reference = _clean_json_with_stack_outputs(
            resource_json["Fn::GetStackOutput"], resources_map
        )
        backend = cloudformation_backends[resources_map._account_id][
            reference.get("Region") or resources_map._region_name
        ]
        for stack in backend.stacks.values():
            if stack.name == reference["StackName"] and stack.status != "DELETE_COMPLETE":
                for output in stack.outputs or []:
                    if output["OutputKey"] == reference["OutputName"]:
                        return output["OutputValue"]
        raise ValidationError(
            message=f"Output {reference['OutputName']} of stack {reference['StackName']} not found"
        )
    return _clean_json(resource_json, resources_map)


parsing.clean_json = _clean_json_with_stack_outputs

_apply_change_set = ChangeSet.apply


def _apply_change_set_with_outputs(self: ChangeSet) -> None:
    _apply_change_set(self)
    self.stack.template = self.template
    self.stack._parse_template()
    self.stack.output_map = self.stack._create_output_map()


ChangeSet.apply = _apply_change_set_with_outputs  # type: ignore[method-assign]


def _with_versioning(original: Any) -> Any:
    def wrapper(cls: type[FakeBucket], /, *args: Any, **kwargs: Any) -> FakeBucket:
        bucket: FakeBucket = original(cls, *args, **kwargs)
        cloudformation_json = args[1]
        status = (
            cloudformation_json.get("Properties", {})
            .get("VersioningConfiguration", {})
            .get("Status")
        )
        if status:
            backend = s3_backends[bucket.account_id][bucket.partition]
            backend.put_bucket_versioning(bucket.name, status)
        return bucket

    return classmethod(wrapper)


FakeBucket.create_from_cloudformation_json = _with_versioning(  # type: ignore[method-assign]
    FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
)
FakeBucket.update_from_cloudformation_json = _with_versioning(  # type: ignore[method-assign]
    FakeBucket.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]
)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    moto_main(["-H", "127.0.0.1", "-p", sys.argv[1]])
