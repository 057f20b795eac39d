"""Run the local AWS emulator (moto server) on 127.0.0.1, with fixes for CloudFormation gaps.

Usage: python scripts/emulator.py PORT

Two wrappers fill gaps of moto 5.2's CloudFormation support, and change nothing else:

- KMS keys: moto passes a template's tags (``Key`` / ``Value``, as CloudFormation writes
  them) to a function that expects the KMS API's ``TagKey`` / ``TagValue``, and fails on every
  tagged key. The tags are converted first.
- API Gateway deployments: when a change set is executed, moto does not follow ``DependsOn``
  and may create an ``AWS::ApiGateway::Deployment`` before the methods it depends on, then
  refuses it ("The REST API doesn't contain any methods"). The deployment is recorded anyway.
"""

from __future__ import annotations

import sys
from typing import Any

from moto.apigateway.exceptions import NoIntegrationDefined, NoMethodDefined
from moto.apigateway.models import APIGatewayBackend, Deployment
from moto.kms.models import Key
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


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    moto_main(["-H", "127.0.0.1", "-p", sys.argv[1]])
