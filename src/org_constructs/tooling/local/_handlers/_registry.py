"""Every handler, one per resource type, and ``install()``, which shows them to moto's
CloudFormation and applies the fixes of moto they depend on."""

from __future__ import annotations

from moto.awslambda.models import LambdaVersion
from moto.cloudformation import parsing
from moto.codedeploy import responses as codedeploy_responses
from moto.s3.models import FakeBucket
from moto.secretsmanager.models import FakeSecret

from org_constructs.tooling.local._handlers._apigateway import RequestValidator, Stage
from org_constructs.tooling.local._handlers._base import _Handler
from org_constructs.tooling.local._handlers._cloudwatch import CompositeAlarm, MetricAlarm
from org_constructs.tooling.local._handlers._containers import (
    Cluster,
    LoggingConfiguration,
    ScalableTarget,
    ScalingPolicy,
    Service,
    TaskDefinition,
    WebACL,
    WebACLAssociation,
)
from org_constructs.tooling.local._handlers._ec2_scheduler import (
    Schedule,
    ScheduleGroup,
    SecurityGroupEgress,
)
from org_constructs.tooling.local._handlers._elasticache import (
    ReplicationGroup,
    SubnetGroup,
    User,
    UserGroup,
)
from org_constructs.tooling.local._handlers._lambda import (
    Alias,
    Application,
    LambdaDeploymentGroup,
    _create_version_with_arn,
    _deployment_group_info_with_alarms,
    _version_arn,
    _version_attribute,
)
from org_constructs.tooling.local._handlers._s3_sns_sqs import (
    BucketPolicy,
    QueuePolicy,
    Subscription,
    TopicPolicy,
    _bucket_permission_over_tls,
)
from org_constructs.tooling.local._handlers._secretsmanager import (
    ResourcePolicy,
    RotationSchedule,
    Secret,
    SecretTargetAttachment,
    _secret_with_rotation_rules,
)

__all__ = ["HANDLERS", "install"]

HANDLERS: tuple[type[_Handler], ...] = (
    MetricAlarm,
    CompositeAlarm,
    Alias,
    Application,
    LambdaDeploymentGroup,
    BucketPolicy,
    Subscription,
    TopicPolicy,
    QueuePolicy,
    Secret,
    SecretTargetAttachment,
    ResourcePolicy,
    RotationSchedule,
    Stage,
    RequestValidator,
    SecurityGroupEgress,
    ScheduleGroup,
    Schedule,
    SubnetGroup,
    User,
    UserGroup,
    ReplicationGroup,
    Cluster,
    TaskDefinition,
    Service,
    ScalableTarget,
    ScalingPolicy,
    WebACL,
    WebACLAssociation,
    LoggingConfiguration,
)
"""Every handler, one per resource type."""


def install() -> None:
    """Show the handlers to moto's CloudFormation and apply the fixes they depend on.

    Call it before any stack is parsed; calling it again changes nothing.
    """
    if getattr(LambdaVersion, "get_cfn_attribute", None) is not _version_attribute:
        LambdaVersion.create_from_cloudformation_json = classmethod(_create_version_with_arn)  # type: ignore[method-assign,assignment]
        LambdaVersion.get_cfn_attribute = _version_attribute  # type: ignore[attr-defined]
        LambdaVersion.physical_resource_id = property(_version_arn)  # type: ignore[attr-defined]
        FakeBucket.get_permission = _bucket_permission_over_tls  # type: ignore[method-assign]
        codedeploy_responses._deployment_group_info = _deployment_group_info_with_alarms
        FakeSecret.to_dict = _secret_with_rotation_rules  # type: ignore[method-assign]
    # moto builds its registry of models from CloudFormationModel's subclasses, once.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
