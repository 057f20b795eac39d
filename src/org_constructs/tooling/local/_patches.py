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
  each change set too (resolved then, so that reading them later makes nothing), and their
  exports registered (and the old ones dropped): otherwise ``Fn::ImportValue`` finds nothing
  and deleting a stack with exports fails.
- Change sets that fail: moto makes a change set's resources one by one and lets the first
  exception out, which the server answers with an error 500; the CDK CLI's retry executed the
  change set again, found nothing left to add and the stack was marked ``CREATE_COMPLETE``
  with the rest never made. A change set that raises now leaves the stack ``CREATE_FAILED`` or
  ``UPDATE_FAILED`` (CloudFormation's states with rollback off: what was made stays), with a
  failed event that names the resource (or output) and the error, and the traceback in the
  log; a change set is executed once (``InvalidChangeSetStatus`` after). The stack's record
  keeps what was made as it was before the change set, so that the next deploy makes (and
  changes) again what this one did not.
- Reading a stack's resources: moto's list of them makes each one not made yet, as a side
  effect; it lists what was made.
- ``Fn::GetAtt`` and other functions: where moto cannot answer an attribute it logs a warning
  and keeps the function itself as the value (or fails on a model without attributes, as
  ``TargetGroupFullName`` did); a function it does not resolve (``Fn::Cidr``...) is kept as it
  is too. Both are refused with CloudFormation's template error, naming the resource and the
  attribute or function. moto's answers are completed for the attributes the CDK's load
  balancer, ECS and Step Functions constructs read: ``TargetGroupFullName``,
  ``TargetGroupName``, ``LoadBalancerArns``, ``TargetGroupArn``; ``LoadBalancerFullName``,
  ``CanonicalHostedZoneID``, ``SecurityGroups``, ``LoadBalancerArn``; ``ListenerArn``,
  ``RuleArn``; ``ServiceArn``, ``TaskDefinitionArn``; a state machine's ``Arn``. ``Ref`` of an
  EventBridge bus or archive gives its name (moto gives the object).
- Load balancers: moto's CloudFormation makes every load balancer an application load
  balancer, whose listeners refuse TCP and TLS. The template's ``Type`` (and subnet mappings,
  address type) are passed on. moto also drops ``LoadBalancerAttributes`` (access logs,
  deletion protection...) and a target group's ``TargetGroupAttributes`` (deregistration delay,
  stickiness...): they are applied when the resource is made, with
  ``ModifyLoadBalancerAttributes`` and ``ModifyTargetGroupAttributes`` (which refuse a key
  they do not know).
- Imports: a certificate or hosted zone a template names by ARN or id (``_imports``) is made
  under that ARN or id before the change set runs, unless the emulator holds it.
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
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from moto.acm.models import CertBundle, acm_backends
from moto.apigateway.exceptions import NoIntegrationDefined, NoMethodDefined
from moto.apigateway.models import APIGatewayBackend, Deployment
from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import Permission
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import (
    CloudFormationError,
    UnformattedGetAttTemplateException,
    ValidationError,
)
from moto.cloudformation.models import (
    ChangeSet,
    CloudFormationBackend,
    Event,
    Stack,
    cloudformation_backends,
)
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.models import ec2_backends
from moto.ec2.models.flow_logs import FlowLogs
from moto.ec2.models.instances import Instance, MetadataOptions
from moto.ec2.models.route_tables import RouteTable
from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
from moto.ecs.models import Service, TaskDefinition
from moto.elbv2.models import (
    FakeListener,
    FakeListenerRule,
    FakeLoadBalancer,
    FakeTargetGroup,
    elbv2_backends,
)
from moto.events.models import Archive, EventBus
from moto.iam.models import Role, iam_backends
from moto.kms.models import Key
from moto.logs.models import LogGroup, logs_backends
from moto.rds.models import DBInstance, DBParameterGroup
from moto.route53.models import route53_backends
from moto.s3.models import FakeBucket, s3_backends
from moto.stepfunctions.models import StateMachine
from moto.utilities.utils import get_partition

from org_constructs.tooling.local._imports import CERTIFICATE, Import, imported_resources

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


def _get_att(target: Any, resources_map: Any) -> Any:
    """``Fn::GetAtt``, refused with CloudFormation's error for anything moto cannot answer
    (where moto logs a warning and keeps the function itself as the value)."""
    name, attribute = target.split(".", 1) if isinstance(target, str) else target
    attribute = _clean_json_with_stack_outputs(attribute, resources_map)
    declared = resources_map._resource_json_map.get(name)
    if declared is None:
        raise ValidationError(
            message=f"Template error: instance of Fn::GetAtt references undefined resource {name}"
        )
    resource = resources_map[name]  # made first, if it was not yet
    if resource is None:
        raise ValidationError(
            message=f"Fn::GetAtt [{name}, {attribute}]: the emulator did not make {name} "
            f"({declared['Type']})"
        )
    answer = getattr(resource, "get_cfn_attribute", None)
    try:
        if answer is None:
            raise UnformattedGetAttTemplateException()
        return answer(attribute)
    except (NotImplementedError, UnformattedGetAttTemplateException):
        raise ValidationError(
            message=UnformattedGetAttTemplateException.description.format(name, attribute)
            + f" (the emulator's {declared['Type']} does not answer it)"
        ) from None


RESOLVED = frozenset(
    {
        "Fn::FindInMap",
        "Fn::GetAtt",
        "Fn::If",
        "Fn::Join",
        "Fn::Split",
        "Fn::Select",
        "Fn::Sub",
        "Fn::ImportValue",
        "Fn::GetAZs",
        "Fn::Base64",
        "Fn::ToJsonString",
        "Fn::GetStackOutput",
        # In conditions, which moto cleans before it evaluates them:
        "Fn::Equals",
        "Fn::Not",
        "Fn::And",
        "Fn::Or",
    }
)
"""The functions the emulator resolves (moto's, and ``Fn::GetStackOutput``)."""


def _clean_json_with_stack_outputs(resource_json: Any, resources_map: Any) -> Any:
    if isinstance(resource_json, dict):
        unknown = [k for k in resource_json if k.startswith("Fn::") and k not in RESOLVED]
        if unknown:
            raise ValidationError(
                message=f"Template error: the emulator does not resolve {unknown[0]}"
            )
    if isinstance(resource_json, dict) and "Fn::GetAtt" in resource_json:
        return _get_att(resource_json["Fn::GetAtt"], resources_map)
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


# --- Change sets that fail ------------------------------------------------------------------

_FAILED = "_org_cdk_failed"
"""The attribute of an exception that names what failed: (logical id, resource type)."""
OUTPUT = "output"
"""The type noted for an output that could not be resolved."""


def _note_failure(error: BaseException, logical_id: str, kind: str) -> None:
    """Name the innermost resource whose making raised ``error`` (the first one noted)."""
    if not hasattr(error, _FAILED):
        setattr(error, _FAILED, (logical_id, kind))


_Make = Callable[[str, dict[str, Any], parsing.ResourceMap, str, str], Any]
_delete_resource = parsing.ResourceMap._delete_resource


def _noting_failure(make: _Make) -> _Make:
    """``make`` (moto's creation or update of one resource), naming the resource if it raises."""

    def made(
        logical_id: str,
        resource_json: dict[str, Any],
        resources_map: parsing.ResourceMap,
        account_id: str,
        region_name: str,
    ) -> Any:
        try:
            return make(logical_id, resource_json, resources_map, account_id, region_name)
        except Exception as error:
            _note_failure(error, logical_id, str(resource_json.get("Type")))
            raise

    return made


def _delete_resource_noting_failure(
    self: parsing.ResourceMap, parsed_resource: Any, resource_json: dict[str, Any]
) -> None:
    try:
        _delete_resource(self, parsed_resource, resource_json)
    except Exception as error:
        logical_id = getattr(parsed_resource, "logical_resource_id", "")
        _note_failure(error, logical_id, str(resource_json.get("Type")))
        raise


parsing.parse_and_create_resource = _noting_failure(parsing.parse_and_create_resource)  # type: ignore[assignment]
parsing.parse_and_update_resource = _noting_failure(parsing.parse_and_update_resource)  # type: ignore[assignment]
parsing.ResourceMap._delete_resource = _delete_resource_noting_failure  # type: ignore[method-assign]


def _made_resources(self: Stack) -> list[Any]:
    """The resources the stack holds: moto's own list makes each one it has not made yet."""
    resource_map = self.resource_map
    declared = resource_map._resource_json_map
    return [
        resource
        for name, resource in list(resource_map._parsed_resources.items())
        if name in declared and resource is not None
    ]


Stack.stack_resources = property(_made_resources)  # type: ignore[assignment,method-assign]

_apply_change_set = ChangeSet.apply


def _apply_change_set_with_outputs(self: ChangeSet) -> None:
    _apply_change_set(self)
    stack = self.stack
    backend = cloudformation_backends[stack.account_id][stack.region_name]
    stack.template = self.template
    stack._parse_template()
    outputs = stack._create_output_map()
    for key in outputs:
        try:
            outputs[key]  # resolved now, and kept: reading them later makes nothing
        except Exception as error:
            _note_failure(error, key, OUTPUT)
            raise
    exports = outputs.exports
    for export in stack.exports:
        backend.exports.pop(export.name, None)
    stack.output_map = outputs
    for export in exports:
        backend.exports[export.name] = export


ChangeSet.apply = _apply_change_set_with_outputs  # type: ignore[method-assign]


class InvalidChangeSetStatusError(CloudFormationError):
    code = "InvalidChangeSetStatus"


def _reason(error: BaseException) -> str:
    if isinstance(error, ServiceException):
        return str(error)
    kind = getattr(error, "error_type", None) or type(error).__name__
    return f"{kind}: {getattr(error, 'message', None) or error}"


def _fail(
    stack: Stack,
    change_set: ChangeSet,
    error: BaseException,
    previous: dict[str, Any],
) -> None:
    """Record a change set that raised: the resource (or output) that failed and why, in the
    stack's events and the emulator's log; the stack ``CREATE_FAILED`` or ``UPDATE_FAILED``,
    as CloudFormation leaves it when rollback is off (what was made stays, to be inspected).

    ``previous`` is the stack's record of its resources before the change set."""
    action = change_set.change_set_type
    logical_id, kind = getattr(error, _FAILED, (None, None))
    reason = _reason(error)
    if kind == OUTPUT:
        summary = f"Output {logical_id} could not be resolved: {reason}"
    elif logical_id is not None:
        event = Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id="",
            resource_type=str(kind),
            resource_status=f"{action}_FAILED",
            resource_status_reason=reason,
            resource_properties=None,
        )
        stack.events.append(event)
        verb = "create" if action == "CREATE" else "update"
        summary = f"The following resource(s) failed to {verb}: [{logical_id}]. {reason}"
    else:
        summary = reason
    sys.stderr.write(f"org-cdk emulator: stack {stack.name}: {action}_FAILED: {summary}\n")
    traceback.print_exception(error, file=sys.stderr)
    stack._add_stack_event(f"{action}_FAILED", resource_status_reason=summary)
    stack.status = f"{action}_FAILED"
    stack.stack_status_reason = summary  # type: ignore[attr-defined]
    change_set.execution_status = "EXECUTE_FAILED"
    change_set.status_reason = summary
    stack.template = change_set.template
    stack._parse_template()
    # The stack's record keeps what was made as it was before (a resource changed by the change
    # set may not have been): the next deploy makes and changes it again.
    resource_map = stack.resource_map
    resource_map._resource_json_map = {
        name: previous.get(name, resource)
        for name, resource in resource_map._resource_json_map.items()
        if resource_map._parsed_resources.get(name) is not None
    }


def _execute_change_set(
    self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
) -> None:
    change_set = self.change_sets.get(change_set_name) or next(
        (c for c in self.change_sets.values() if c.change_set_name == change_set_name), None
    )
    if change_set is None:
        raise ValidationError(stack_name)
    if change_set.execution_status != "AVAILABLE":
        raise InvalidChangeSetStatusError(
            f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
            f"execution status of [{change_set.execution_status}]"
        )
    stack = self.stacks[change_set.stack_id]
    action = change_set.change_set_type
    previous = dict(stack.resource_map._resource_json_map)
    change_set.execution_status = "EXECUTE_IN_PROGRESS"
    stack.status = f"{action}_IN_PROGRESS"
    stack._add_stack_event(stack.status, resource_status_reason="User Initiated")
    try:
        for imported in imported_resources(change_set.template_dict):
            _make_import(imported, stack)
        change_set.apply()
    except Exception as error:
        _fail(stack, change_set, error, previous)
        return
    stack._add_stack_event(f"{action}_COMPLETE")
    change_set.execution_status = "EXECUTE_COMPLETE"
    stack.status = f"{action}_COMPLETE"
    stack.template = change_set.template


CloudFormationBackend.execute_change_set = _execute_change_set  # type: ignore[method-assign]


# --- Resources the templates import by ARN or id --------------------------------------------


def _make_import(imported: Import, stack: Stack) -> None:
    """Make the certificate or hosted zone a template imports, under the ARN or id it names,
    unless the emulator holds it already."""
    if imported.kind == CERTIFICATE:
        region, account = imported.identifier.split(":")[3:5]
        certificates = acm_backends[account][region]._certificates
        if imported.identifier in certificates:
            return
        bundle = CertBundle.generate_cert(imported.name, account, region)
        bundle.arn, bundle.type, bundle.status = imported.identifier, "IMPORTED", "ISSUED"
        certificates[bundle.arn] = bundle
    else:
        backend = route53_backends[stack.account_id][get_partition(stack.region_name)]
        by_name = imported.identifier == imported.name
        held = (
            backend.get_hosted_zone_by_name(imported.name) is not None
            if by_name
            else imported.identifier in backend.zones
        )
        if held:
            return
        zone = backend.create_hosted_zone(
            imported.name, private_zone=False, comment=f"imported by {stack.name}"
        )
        if not by_name:
            backend.zones[imported.identifier] = backend.zones.pop(zone.resource_id)
            zone.resource_id = imported.identifier
    sys.stderr.write(f"org-cdk emulator: stack {stack.name} imports {imported}: made\n")


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


def _execute_change_set_response(self: CloudFormationResponse) -> Any:
    self.cloudformation_backend.execute_change_set(
        change_set_name=_change_set_in_stack(self), stack_name=self._get_param("StackName")
    )
    return EmptyResult()


CloudFormationResponse.delete_change_set = _delete_change_set  # type: ignore[method-assign]
CloudFormationResponse.describe_change_set = _describe_change_set  # type: ignore[method-assign]
CloudFormationResponse.execute_change_set = _execute_change_set_response  # type: ignore[method-assign]


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
EventBus.physical_resource_id = property(lambda self: self.name)  # type: ignore[attr-defined]
Archive.physical_resource_id = property(lambda self: self.name)  # type: ignore[attr-defined]


def _answer(model: type[Any], answers: Mapping[str, Callable[[Any], Any]]) -> None:
    """Answer ``Fn::GetAtt`` of these attributes of ``model``'s resources; moto's own answers
    to the others stay."""
    original = getattr(model, "get_cfn_attribute", None)
    has_original = model.has_cfn_attr

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name in answers:
            return answers[attribute_name](self)
        if original is None:
            raise UnformattedGetAttTemplateException()
        return original(self, attribute_name)

    model.get_cfn_attribute = get_cfn_attribute
    model.has_cfn_attr = classmethod(lambda cls, attr: attr in answers or has_original(attr))


_answer(DBInstance, {"DbiResourceId": lambda instance: instance.dbi_resource_id})
_answer(
    FakeLoadBalancer,
    {
        "LoadBalancerArn": lambda balancer: balancer.arn,
        "LoadBalancerFullName": lambda balancer: balancer.arn.split(":loadbalancer/", 1)[1],
        "CanonicalHostedZoneID": lambda balancer: balancer.canonical_hosted_zone_id,
        "SecurityGroups": lambda balancer: list(balancer.security_groups or []),
    },
)
_answer(
    FakeTargetGroup,
    {
        "TargetGroupArn": lambda group: group.arn,
        "TargetGroupFullName": lambda group: group.arn.split(":", 5)[5],
        "TargetGroupName": lambda group: group.name,
        "LoadBalancerArns": lambda group: list(group.load_balancer_arns),
    },
)
_answer(FakeListener, {"ListenerArn": lambda listener: listener.arn})
_answer(FakeListenerRule, {"RuleArn": lambda rule: rule.arn})
_answer(Service, {"ServiceArn": lambda service: service.arn})
_answer(TaskDefinition, {"TaskDefinitionArn": lambda definition: definition.arn})
_answer(StateMachine, {"Arn": lambda machine: machine.arn})


def _create_load_balancer_of_its_type(
    cls: type[FakeLoadBalancer],
    /,
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> FakeLoadBalancer:
    properties = cloudformation_json["Properties"]
    balancer: FakeLoadBalancer = elbv2_backends[account_id][region_name].create_load_balancer(
        resource_name,
        properties.get("SecurityGroups") or [],
        properties.get("Subnets") or [],
        subnet_mappings=properties.get("SubnetMappings"),
        scheme=properties.get("Scheme", "internet-facing"),
        loadbalancer_type=properties.get("Type", "application"),
        ip_address_type=properties.get("IpAddressType", "ipv4"),
    )
    attributes = _attributes(properties.get("LoadBalancerAttributes"))
    if attributes:
        elbv2_backends[account_id][region_name].modify_load_balancer_attributes(
            balancer.arn, attributes
        )
    return balancer


def _attributes(pairs: Any) -> dict[str, Any]:
    """A template's ``[{"Key": ..., "Value": ...}]`` attributes as a mapping."""
    return {pair["Key"]: pair["Value"] for pair in pairs or []}


FakeLoadBalancer.create_from_cloudformation_json = classmethod(_create_load_balancer_of_its_type)  # type: ignore[method-assign,assignment]

_create_target_group = FakeTargetGroup.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create_target_group_with_attributes(
    cls: type[FakeTargetGroup],
    /,
    resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> FakeTargetGroup:
    group: FakeTargetGroup = _create_target_group(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    attributes = _attributes(cloudformation_json.get("Properties", {}).get("TargetGroupAttributes"))
    if attributes:
        elbv2_backends[account_id][region_name].modify_target_group_attributes(
            group.arn, attributes
        )
    return group


FakeTargetGroup.create_from_cloudformation_json = classmethod(_create_target_group_with_attributes)  # type: ignore[method-assign,assignment]


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
