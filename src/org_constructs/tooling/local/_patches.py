"""Fixes of gaps in moto 5.2's CloudFormation support, applied when the emulator starts.

Importing this module patches moto in the importing process (the emulator's server, started by
``org_constructs.tooling.local``); nothing else imports it. Each wrapper fills one gap and
changes nothing else:

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
- S3 buckets: moto ignores a template's ``VersioningConfiguration`` (it is applied after the
  bucket is created or updated), and updates the tags of a bucket by the template's
  ``BucketName``, which generated names lack (the bucket's own name is used).
- Lambda permissions on an alias: moto does not create aliases, so a permission whose
  ``FunctionName`` refers to one has no function to attach to and fails. It is recorded
  without a function, as the alias itself is skipped.
- Change sets by stack: the CDK CLI names every stack's change set ``cdk-deploy-change-set``
  and deletes the old one before each deployment, then waits until it is gone. moto looks
  change sets up by name alone, so it deletes or finds another stack's, and the CLI waits
  forever. Change sets named with a stack are looked up in that stack, and a missing one is
  reported as ``ChangeSetNotFoundException``, as AWS does.
- Log group updates: moto keeps a log group unchanged when its template changes; a new
  ``RetentionInDays`` is applied to the same log group, as CloudFormation does.
- SSM parameters of updated stacks: on an update moto resolves an ``AWS::SSM::Parameter::Value``
  parameter (the CDK's bootstrap version) a second time, taking the value it resolved before
  for a parameter path, and fails. A value that names no parameter is kept as it is.
- Outputs of change sets: moto computes a stack's outputs when the stack is created or updated
  directly, not when a change set (what the CDK CLI uses) is executed. They are computed after
  each change set too, and their exports registered (and the old ones dropped): otherwise
  ``Fn::ImportValue`` finds nothing and deleting a stack with exports fails.
- RDS parameter groups: moto's ``DBParameterGroup`` has no physical id, so ``Ref`` to one
  (a ``DBParameterGroupName``) gives the object instead of its name, and the instance that
  uses it fails. ``Ref`` gives its name, as CloudFormation does. And an instance's
  ``Fn::GetAtt DbiResourceId`` (what ``grant_connect``'s ``rds-db:connect`` policy names) is
  answered with moto's resource id for the instance.
- IAM roles on stack deletion: moto deletes a role before the customer-managed policies
  attached to it (it does not follow the template's references backwards), and refuses
  ("must detach all policies first"), so no stack with a function can be deleted. The role's
  managed policies are detached first, as CloudFormation's order would have done.
- VPC deletion: moto's CloudFormation cannot delete route tables, internet gateway
  attachments, VPC endpoints or flow logs, so the VPC of a deleted stack keeps its
  dependencies and is refused ("has dependencies"). They are deleted through the EC2 backend
  (a route table after its subnet associations), as CloudFormation does.
- EC2 instances (``StandardVpc``'s NAT instances): a block device mapping may leave out
  ``VolumeSize`` (EC2 takes the size of the image's snapshot), which moto refuses
  ("MissingParameter: size/snapshot"); such a volume is given the 8 GiB of moto's own default
  root volume. moto also reads neither ``NetworkInterfaces`` nor ``SourceDestCheck`` nor
  ``MetadataOptions`` from a template: an instance whose subnet is named by its first network
  interface would land in the default VPC. The subnet is taken from that interface, and the
  source/destination check and metadata options are applied to the instance. moto has no
  instance updates either, and it updates every resource that reads an SSM parameter (the
  image id) on each deployment: an instance whose image and subnet are unchanged is kept (its
  type is applied), another one replaces it, as CloudFormation does.
"""

from __future__ import annotations

import json
from typing import Any

from moto.apigateway.exceptions import NoIntegrationDefined, NoMethodDefined
from moto.apigateway.models import APIGatewayBackend, Deployment
from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import Permission
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import ChangeSet, cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.models import ec2_backends
from moto.ec2.models.flow_logs import FlowLogs
from moto.ec2.models.instances import Instance, MetadataOptions
from moto.ec2.models.route_tables import RouteTable
from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
from moto.iam.models import Role, iam_backends
from moto.kms.models import Key
from moto.logs.models import LogGroup, logs_backends
from moto.rds.models import DBInstance, DBParameterGroup
from moto.s3.models import FakeBucket, s3_backends
from moto.utilities.utils import get_partition

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
    stack = self.stack
    backend = cloudformation_backends[stack.account_id][stack.region_name]
    for export in stack.exports:
        backend.exports.pop(export.name, None)
    stack.template = self.template
    stack._parse_template()
    stack.output_map = stack._create_output_map()
    for export in stack.exports:
        backend.exports[export.name] = export


ChangeSet.apply = _apply_change_set_with_outputs  # type: ignore[method-assign]


_create_bucket = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
_update_bucket = FakeBucket.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _apply_versioning(bucket: FakeBucket, cloudformation_json: Any) -> None:
    properties = cloudformation_json.get("Properties", {})
    status = properties.get("VersioningConfiguration", {}).get("Status")
    if status:
        s3_backends[bucket.account_id][bucket.partition].put_bucket_versioning(bucket.name, status)


def _create_bucket_with_versioning(
    cls: type[FakeBucket],
    /,
    resource_name: str,
    cloudformation_json: Any,
    *args: Any,
    **kwargs: Any,
) -> FakeBucket:
    bucket: FakeBucket = _create_bucket(cls, resource_name, cloudformation_json, *args, **kwargs)
    _apply_versioning(bucket, cloudformation_json)
    return bucket


def _update_bucket_with_versioning(cls: type[FakeBucket], /, **kwargs: Any) -> FakeBucket:
    # moto's update tags the bucket by the template's BucketName, which generated names lack.
    cloudformation_json = kwargs["cloudformation_json"]
    properties = cloudformation_json.setdefault("Properties", {})
    properties.setdefault("BucketName", kwargs["original_resource"].name)
    bucket: FakeBucket = _update_bucket(cls, **kwargs)
    _apply_versioning(bucket, cloudformation_json)
    return bucket


FakeBucket.create_from_cloudformation_json = classmethod(_create_bucket_with_versioning)  # type: ignore[method-assign,assignment]
FakeBucket.update_from_cloudformation_json = classmethod(_update_bucket_with_versioning)  # type: ignore[method-assign,assignment]


_create_permission = Permission.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create_permission_without_alias(
    cls: type[Permission],
    /,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Permission:
    try:
        permission: Permission = _create_permission(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
    except (KeyError, UnknownFunctionException):
        return Permission(region=region_name)  # type: ignore[abstract]
    return permission


Permission.create_from_cloudformation_json = classmethod(_create_permission_without_alias)  # type: ignore[method-assign,assignment]


class ChangeSetNotFoundError(CloudFormationError):
    code = "ChangeSetNotFoundException"


def _change_set_in_stack(response: CloudFormationResponse) -> str:
    """The key of the change set the request names, looked up in the request's stack."""
    name = response._get_param("ChangeSetName")
    stack = response._get_param("StackName")
    change_sets = response.cloudformation_backend.change_sets
    if name in change_sets or not stack:
        return str(name)
    for key, change_set in change_sets.items():
        if change_set.change_set_name == name and stack in (
            change_set.stack_name,
            change_set.stack_id,
        ):
            return str(key)
    raise ChangeSetNotFoundError(f"ChangeSet [{name}] does not exist")


def _delete_change_set(self: CloudFormationResponse) -> Any:
    self.cloudformation_backend.delete_change_set(change_set_name=_change_set_in_stack(self))
    return EmptyResult()


def _describe_change_set(self: CloudFormationResponse) -> Any:
    key = _change_set_in_stack(self)
    return ActionResult(self.cloudformation_backend.describe_change_set(change_set_name=key))


CloudFormationResponse.delete_change_set = _delete_change_set  # type: ignore[method-assign]
CloudFormationResponse.describe_change_set = _describe_change_set  # type: ignore[method-assign]


_parse_ssm_parameter = parsing.ResourceMap.parse_ssm_parameter


def _parse_ssm_parameter_once(self: parsing.ResourceMap, value: str, value_type: str) -> str:
    try:
        return _parse_ssm_parameter(self, value, value_type)
    except AttributeError:  # no parameter has this name: the value was resolved already
        return value


parsing.ResourceMap.parse_ssm_parameter = _parse_ssm_parameter_once  # type: ignore[method-assign]


def _update_log_group(cls: type[LogGroup], /, **kwargs: Any) -> LogGroup:
    original: LogGroup = kwargs["original_resource"]
    days = kwargs["cloudformation_json"].get("Properties", {}).get("RetentionInDays")
    backend = logs_backends[kwargs["account_id"]][kwargs["region_name"]]
    if days:
        backend.put_retention_policy(original.name, days)
    else:
        backend.delete_retention_policy(original.name)
    return original


LogGroup.update_from_cloudformation_json = classmethod(_update_log_group)  # type: ignore[method-assign,assignment]


def _delete_route_table(self: RouteTable, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    if self.id not in backend.route_tables:  # gone with its VPC, or deleted in an earlier pass
        return
    for association_id in list(self._associations):
        backend.disassociate_route_table(association_id)
    backend.delete_route_table(self.id)


def _delete_gateway_attachment(
    self: VPCGatewayAttachment, account_id: str, region_name: str
) -> None:
    if self.gateway_id is not None:
        backend = ec2_backends[account_id][region_name]
        backend.detach_internet_gateway(self.gateway_id, self.vpc_id)


def _delete_vpc_endpoint(self: VPCEndPoint, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    # A gateway endpoint's routes go with route tables deleted before it.
    self.route_table_ids = [t for t in self.route_table_ids or [] if t in backend.route_tables]
    backend.delete_vpc_endpoints([self.id])


def _delete_flow_log(self: FlowLogs, account_id: str, region_name: str) -> None:
    ec2_backends[account_id][region_name].delete_flow_logs([self.id])


RouteTable.delete = _delete_route_table  # type: ignore[attr-defined]
VPCGatewayAttachment.delete = _delete_gateway_attachment  # type: ignore[attr-defined]
VPCEndPoint.delete = _delete_vpc_endpoint  # type: ignore[attr-defined]
FlowLogs.delete = _delete_flow_log  # type: ignore[attr-defined]


_delete_role = Role.delete_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _delete_role_after_its_policies(
    cls: type[Role],
    /,
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
) -> None:
    backend = iam_backends[account_id][get_partition(region_name)]
    for role in list(backend.roles.values()):
        if role.name == resource_name:
            for arn in list(role.managed_policies):
                backend.detach_role_policy(arn, resource_name)
    _delete_role(cls, resource_name, cloudformation_json, account_id, region_name)


Role.delete_from_cloudformation_json = classmethod(_delete_role_after_its_policies)  # type: ignore[method-assign,assignment]


DBParameterGroup.physical_resource_id = property(lambda self: self.name)  # type: ignore[attr-defined]

_db_instance_attribute = DBInstance.get_cfn_attribute
_db_instance_has_attribute = DBInstance.has_cfn_attr.__func__  # type: ignore[attr-defined]


def _db_instance_attribute_with_resource_id(self: DBInstance, attribute_name: str) -> Any:
    if attribute_name == "DbiResourceId":
        return self.dbi_resource_id
    return _db_instance_attribute(self, attribute_name)


DBInstance.get_cfn_attribute = _db_instance_attribute_with_resource_id  # type: ignore[method-assign]
DBInstance.has_cfn_attr = classmethod(  # type: ignore[method-assign,assignment]
    lambda cls, attr: attr == "DbiResourceId" or _db_instance_has_attribute(cls, attr)
)


_create_instance = Instance.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
_IMAGE_ROOT_GIB = 8
"""The size of moto's default root volume, for a mapping that takes the image's."""


def _create_instance_with_image_sized_volumes(
    cls: type[Instance],
    /,
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Instance:
    properties = dict(cloudformation_json.get("Properties", {}))
    mappings = []
    for mapping in properties.get("BlockDeviceMappings") or []:
        ebs = mapping.get("Ebs")
        if isinstance(ebs, dict) and "VolumeSize" not in ebs and "SnapshotId" not in ebs:
            mappings.append({**mapping, "Ebs": {**ebs, "VolumeSize": _IMAGE_ROOT_GIB}})
        else:
            mappings.append(mapping)
    if mappings:
        properties["BlockDeviceMappings"] = mappings
    for interface in properties.get("NetworkInterfaces") or []:
        if str(interface.get("DeviceIndex")) == "0" and "SubnetId" not in properties:
            properties["SubnetId"] = interface.get("SubnetId")
    instance: Instance = _create_instance(
        cls,
        resource_name,
        {**cloudformation_json, "Properties": properties},
        account_id,
        region_name,
        **kwargs,
    )
    if "SourceDestCheck" in properties:
        instance.source_dest_check = str(properties["SourceDestCheck"]).lower() == "true"
    if properties.get("MetadataOptions"):
        instance.metadata_options = MetadataOptions(properties["MetadataOptions"])
    return instance


Instance.create_from_cloudformation_json = classmethod(_create_instance_with_image_sized_volumes)  # type: ignore[method-assign,assignment]


def _subnet_of(properties: dict[str, Any]) -> Any:
    for interface in properties.get("NetworkInterfaces") or []:
        if str(interface.get("DeviceIndex")) == "0":
            return interface.get("SubnetId")
    return properties.get("SubnetId")


def _update_instance(
    cls: type[Instance],
    /,
    *,
    original_resource: Instance,
    new_resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
) -> Instance:
    properties = cloudformation_json.get("Properties", {})
    subnet = _subnet_of(properties)
    if properties.get("ImageId") == original_resource.image_id and subnet in (
        None,
        original_resource.subnet_id,
    ):
        original_resource.instance_type = properties.get(
            "InstanceType", original_resource.instance_type
        )
        return original_resource
    replacement: Instance = cls.create_from_cloudformation_json(
        new_resource_name, cloudformation_json, account_id, region_name
    )
    ec2_backends[account_id][region_name].terminate_instances([original_resource.id])
    return replacement


Instance.update_from_cloudformation_json = classmethod(_update_instance)  # type: ignore[method-assign,assignment]
