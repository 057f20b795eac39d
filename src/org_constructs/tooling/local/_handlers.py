"""CloudFormation support for the resource types moto's CloudFormation skips.

Each handler makes its resource through moto's own backend of the service, with the calls the
service's API offers, so what a template made reads back through that API (``DescribeAlarms``,
``GetAlias``, ``GetBucketPolicy``...). Updates change a resource in place where CloudFormation
does and replace it where CloudFormation replaces it (a new name, another parent); deletes
remove it from the backend. Importing this module defines the handlers; ``install()`` shows
them to moto's CloudFormation (which caches its registry of models) and applies the fixes they
depend on. The emulator's server process calls it before any stack is parsed.

- ``AWS::CloudWatch::Alarm``: ``PutMetricAlarm`` with the metric or the metric math
  (``Metrics`` with ``ReturnData``), dimensions, statistic, threshold, periods, the three action
  lists, ``TreatMissingData`` and tags; an update puts the alarm again and keeps its state. No
  alarm is ever evaluated: each stays in its first state and no action runs.
- ``AWS::CloudWatch::CompositeAlarm``: moto has no ``PutCompositeAlarm``; the alarm is stored
  through the backend's ``put_metric_alarm`` with its ``AlarmRule``, description, actions and
  tags, which ``DescribeAlarms`` lists under ``CompositeAlarms`` (moto ignores ``AlarmTypes``
  and always returns both lists). The rule is never evaluated; action suppressors are left out.
- ``AWS::Lambda::Alias``: ``CreateAlias`` / ``UpdateAlias`` (version, description, routing
  weights). The ``CodeDeployLambdaAliasUpdate`` update policy is not followed: a new version is
  pointed to at once, with no traffic shifting, hooks or rollback. Provisioned concurrency is
  left out. moto's ``AWS::Lambda::Version`` answers ``Ref`` with its logical id and fails on
  ``Fn::GetAtt Version``, which an alias and its alarms name: both are answered here (the
  version's ARN, its number).
- ``AWS::CodeDeploy::Application``: ``CreateApplication`` with the compute platform and tags.
  moto has no application updates or deletes: tags are updated on the application's record,
  and a delete removes the application and its deployment groups from the backend's tables.
- ``AWS::CodeDeploy::DeploymentGroup``: ``CreateDeploymentGroup`` with what a Lambda group
  has: deployment config, service role, alarm configuration, automatic rollback, triggers,
  deployment style, tags. moto has no group updates or deletes either: both act on the
  backend's tables. moto's ``GetDeploymentGroup`` answers ``alarmConfiguration`` with ``{}``;
  it is answered from the group. No deployment runs. EC2, on-premises, ECS, load balancer and
  blue/green settings are left out.
- ``AWS::S3::BucketPolicy``: ``PutBucketPolicy`` with the document's JSON, ``DeleteBucketPolicy``
  on delete. moto enforces bucket policies without evaluating their conditions, so the
  TLS-only ``Deny`` every secure bucket carries would refuse every object request. Requests to
  the emulator stand for requests over TLS: only statements whose conditions hold for such a
  request (``aws:SecureTransport`` true, nothing else known) are enforced.
- ``AWS::SNS::Subscription``: ``Subscribe``, then ``SetSubscriptionAttributes`` for the raw
  delivery, filter, redrive and delivery policies and the role; an endpoint, protocol or topic
  change replaces it, ``Unsubscribe`` on delete. moto confirms every subscription at once and
  delivers to SQS, Lambda and HTTP endpoints only (no email or SMS is sent).
- ``AWS::SNS::TopicPolicy``: ``SetTopicAttributes`` ``Policy`` on each topic; a topic left out
  or a deleted policy gets the default policy back, as AWS does. Not enforced by moto.
- ``AWS::SQS::QueuePolicy``: ``SetQueueAttributes`` ``Policy`` on each queue; a queue left out
  or a deleted policy gets an empty one. Not enforced by moto.
- ``AWS::SecretsManager::Secret``: ``CreateSecret`` with ``SecretString``, or with a password
  from ``GetRandomPassword`` (``GenerateSecretString``: length, exclusions, placed under
  ``GenerateStringKey`` in ``SecretStringTemplate``), description, KMS key and tags;
  ``UpdateSecret`` when the value (a new string or new generation settings), description or
  key changes; ``DeleteSecret`` without a recovery window. No rotation; replica regions are
  left out.
- ``AWS::SecretsManager::SecretTargetAttachment``: ``UpdateSecret`` with ``engine``,
  ``host``, ``port`` and ``dbInstanceIdentifier`` (``dbClusterIdentifier`` for a cluster) of
  the RDS instance or cluster added to the secret's JSON, as AWS does; other target types are
  refused. A delete leaves the secret's value as it is.
- ``AWS::ApiGateway::Stage``: ``CreateStage`` (deployment, description, variables, cache
  cluster, tracing, tags), then ``UpdateStage`` patch operations for the access log setting and
  the method settings; an update patches the same stage. moto's ``AWS::ApiGateway::Deployment``
  makes a stage itself only when it has a ``StageName``, and answers ``Ref`` with itself (its
  id is taken). Canary settings, client certificates and documentation versions are left out;
  nothing is logged, throttled, cached or traced.
- ``AWS::ApiGateway::RequestValidator``: ``CreateRequestValidator`` /
  ``UpdateRequestValidator``. moto does not validate requests with it.

- ``AWS::EC2::SecurityGroupEgress``: ``AuthorizeSecurityGroupEgress`` of the rule (to a CIDR,
  a security group or a prefix list, with its description), ``RevokeSecurityGroupEgress`` on
  delete; any change replaces the rule, as CloudFormation does. What the CDK writes for each
  connection out of a security group (a load balancer's to its targets). Not enforced.
- ``AWS::Scheduler::ScheduleGroup``: ``CreateScheduleGroup`` with tags (updated in place),
  ``DeleteScheduleGroup``.
- ``AWS::Scheduler::Schedule``: ``CreateSchedule`` (expression and time zone, flexible window,
  target with its role and input, state, dates, KMS key, action after completion),
  ``UpdateSchedule``; a new group replaces it. No schedule ever runs its target.

Left out: ``AWS::CDK::Metadata``, the one type of the reference app's templates still skipped.
No service is behind it: CloudFormation only keeps the CDK version and construct analytics the
CDK writes there, and nothing refers to it. Custom resources are out of scope: moto hands
``Custom::`` types to its own model, which starts the provider function in Docker in the
background (nothing runs without Docker) and a change set is marked complete without waiting
for it; ``AWS::CloudFormation::CustomResource`` it skips like any unknown type.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import uuid
from typing import Any, ClassVar, TypeVar

from moto.apigateway.exceptions import RestAPINotFound, StageNotFoundException
from moto.apigateway.models import apigateway_backends
from moto.awslambda.exceptions import UnknownAliasException, UnknownFunctionException
from moto.awslambda.models import LambdaVersion, lambda_backends
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.cloudwatch.models import (
    Dimension,
    Metric,
    MetricDataQuery,
    MetricStat,
    cloudwatch_backends,
)
from moto.codedeploy import responses as codedeploy_responses
from moto.codedeploy.models import DeploymentGroup, codedeploy_backends
from moto.core.common_models import CloudFormationModel
from moto.ec2.exceptions import InvalidPermissionNotFoundError, InvalidSecurityGroupNotFoundError
from moto.ec2.models import ec2_backends
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.rds.models import rds_backends
from moto.s3.exceptions import MissingBucket
from moto.s3.models import FakeBucket, s3_backends
from moto.scheduler.exceptions import ScheduleGroupNotFound, ScheduleNotFound
from moto.scheduler.models import scheduler_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sns.exceptions import TopicNotFound
from moto.sns.models import sns_backends
from moto.sqs.exceptions import QueueDoesNotExist
from moto.sqs.models import sqs_backends
from moto.utilities.utils import get_partition

__all__ = ["HANDLERS", "install"]

Properties = dict[str, Any]
_H = TypeVar("_H", bound="_Handler")


def _bool(value: Any, default: bool = False) -> bool:
    """A template's boolean, which may be written as text."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _text(value: Any) -> str:
    """A template's value as an attribute or patch operation takes it: JSON for documents."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _tags(properties: Properties) -> list[dict[str, str]]:
    return [{"Key": t["Key"], "Value": t["Value"]} for t in properties.get("Tags") or []]


def _tag_map(properties: Properties) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in properties.get("Tags") or []}


def _dropped_tags(previous: Properties, properties: Properties) -> list[str]:
    return sorted(set(_tag_map(previous)) - set(_tag_map(properties)))


class _Handler:
    """A resource of a template, made through its service's backend.

    moto's CloudFormation keeps the object ``create_from_cloudformation_json`` returns, reads
    ``physical_resource_id`` for ``Ref`` and ``get_cfn_attribute`` for ``Fn::GetAtt``, and calls
    ``update_from_cloudformation_json`` and ``delete``. Each handler says what it makes
    (``create``), changes (``update``) and removes (``remove``); this class decides between an
    update in place and a replacement.
    """

    TYPE: ClassVar[str]
    NAME: ClassVar[str] = ""
    """The property that names the resource, if any: a new name replaces it."""
    REPLACED_BY: ClassVar[frozenset[str]] = frozenset()
    """The other properties whose change replaces the resource, as CloudFormation does."""
    ATTRIBUTES: ClassVar[frozenset[str]] = frozenset()
    """What ``Fn::GetAtt`` answers."""

    def __init__(
        self, name: str, properties: Properties, account_id: str, region_name: str
    ) -> None:
        self.name = name
        self.properties = properties
        self.account_id = account_id
        self.region_name = region_name
        self.physical_id = name

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    def create(self) -> None:
        raise NotImplementedError

    def update(self, previous: Properties) -> None:
        """Apply ``self.properties`` (which replaced ``previous``) to the same resource."""
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    def attribute(self, name: str) -> Any:
        raise UnformattedGetAttTemplateException()

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return self.attribute(attribute_name)

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(
        cls: type[_H],
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> _H:
        properties = dict(cloudformation_json.get("Properties") or {})
        handler = cls(resource_name, properties, account_id, region_name)
        handler.create()
        return handler

    @classmethod
    def update_from_cloudformation_json(
        cls: type[_H],
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _H:
        original: _H = original_resource
        properties = dict(cloudformation_json.get("Properties") or {})
        replacing = cls.REPLACED_BY | ({cls.NAME} if cls.NAME else set())
        if any(properties.get(key) != original.properties.get(key) for key in replacing):
            # As CloudFormation does: the new resource first, then the old one goes.
            replacement = cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            original.remove()
            return replacement
        previous, original.properties = original.properties, properties
        original.update(previous)
        return original

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        """Unused: moto deletes a resource it made through the object's ``delete``."""

    def delete(self, account_id: str, region_name: str) -> None:
        self.remove()


# --- CloudWatch ---------------------------------------------------------------------------


def _metric_stat(stat: Properties | None) -> MetricStat | None:
    if not stat:
        return None
    metric = stat["Metric"]
    return MetricStat(
        metric=Metric(
            metric_name=metric["MetricName"],
            namespace=metric.get("Namespace"),
            dimensions=[Dimension(d["Name"], d["Value"]) for d in metric.get("Dimensions") or []],
        ),
        period=int(stat["Period"]),  # type: ignore[arg-type]
        stat=stat["Stat"],
        unit=stat.get("Unit"),  # type: ignore[arg-type]
    )


def _metric_queries(metrics: list[Properties] | None) -> list[MetricDataQuery] | None:
    if not metrics:
        return None
    return [
        MetricDataQuery(
            query_id=m["Id"],
            label=m.get("Label"),  # type: ignore[arg-type]
            period=m.get("Period"),  # type: ignore[arg-type]
            return_data=None if "ReturnData" not in m else _bool(m["ReturnData"]),  # type: ignore[arg-type]
            expression=m.get("Expression"),
            metric_stat=_metric_stat(m.get("MetricStat")),
        )
        for m in metrics
    ]


def _number(value: Any, kind: type[int] | type[float]) -> Any:
    return None if value is None else kind(value)


class _AlarmHandler(_Handler):
    """An alarm put through the backend's ``put_metric_alarm``, keeping its state on updates."""

    NAME = "AlarmName"
    ATTRIBUTES = frozenset({"Arn"})

    def arguments(self) -> dict[str, Any]:
        raise NotImplementedError

    def _put(self) -> None:
        p = self.properties
        backend = cloudwatch_backends[self.account_id][self.region_name]
        before = backend.alarms.get(self.name)
        arguments = {
            "name": self.name,
            "description": p.get("AlarmDescription"),
            "alarm_actions": list(p.get("AlarmActions") or []),
            "ok_actions": list(p.get("OKActions") or []),
            "insufficient_data_actions": list(p.get("InsufficientDataActions") or []),
            "actions_enabled": _bool(p.get("ActionsEnabled"), default=True),
            "tags": _tags(p),
            **self.arguments(),
        }
        alarm = backend.put_metric_alarm(**arguments)
        if before is not None:
            alarm.state_value, alarm.state_reason = before.state_value, before.state_reason
            alarm.state_reason_data = before.state_reason_data
            alarm.state_updated_timestamp = before.state_updated_timestamp
            alarm.history = before.history

    def create(self) -> None:
        self._put()

    def update(self, previous: Properties) -> None:
        self._put()
        backend = cloudwatch_backends[self.account_id][self.region_name]
        backend.tagger.untag_resource_using_names(
            self.attribute("Arn"), _dropped_tags(previous, self.properties)
        )

    def remove(self) -> None:
        backend = cloudwatch_backends[self.account_id][self.region_name]
        backend.delete_alarms([self.name])
        backend.tagger.delete_all_tags_for_resource(self.attribute("Arn"))

    def attribute(self, name: str) -> Any:
        partition = get_partition(self.region_name)
        return f"arn:{partition}:cloudwatch:{self.region_name}:{self.account_id}:alarm:{self.name}"


class MetricAlarm(_AlarmHandler, CloudFormationModel):
    TYPE = "AWS::CloudWatch::Alarm"

    def arguments(self) -> dict[str, Any]:
        p = self.properties
        return {
            "namespace": p.get("Namespace"),
            "metric_name": p.get("MetricName"),
            "metric_data_queries": _metric_queries(p.get("Metrics")),
            "dimensions": [
                {"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions") or []
            ],
            "statistic": p.get("Statistic"),
            "extended_statistic": p.get("ExtendedStatistic"),
            "period": _number(p.get("Period"), int),
            "unit": p.get("Unit"),
            "comparison_operator": p["ComparisonOperator"],
            "threshold": _number(p.get("Threshold"), float),
            "threshold_metric_id": p.get("ThresholdMetricId"),
            "evaluation_periods": int(p["EvaluationPeriods"]),
            "datapoints_to_alarm": _number(p.get("DatapointsToAlarm"), int),
            "treat_missing_data": p.get("TreatMissingData"),
            "evaluate_low_sample_count_percentile": p.get("EvaluateLowSampleCountPercentile"),
        }


class CompositeAlarm(_AlarmHandler, CloudFormationModel):
    TYPE = "AWS::CloudWatch::CompositeAlarm"

    def arguments(self) -> dict[str, Any]:
        # None of a metric alarm's settings: moto tells the two kinds apart by the rule.
        return {
            "rule": self.properties["AlarmRule"],
            "namespace": None,
            "metric_name": None,
            "dimensions": [],
            "statistic": None,
            "period": None,
            "comparison_operator": None,
            "threshold": None,
            "evaluation_periods": None,
        }


# --- Lambda --------------------------------------------------------------------------------


def _routing_config(properties: Properties) -> dict[str, Any]:
    weights = (properties.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or []
    if not weights:
        return {}
    return {
        "AdditionalVersionWeights": {
            str(w["FunctionVersion"]): float(w["FunctionWeight"]) for w in weights
        }
    }


class Alias(_Handler, CloudFormationModel):
    TYPE = "AWS::Lambda::Alias"
    NAME = "Name"
    REPLACED_BY = frozenset({"FunctionName"})
    ATTRIBUTES = frozenset({"AliasArn"})

    def create(self) -> None:
        p = self.properties
        alias = lambda_backends[self.account_id][self.region_name].create_alias(
            name=self.name,
            function_name=p["FunctionName"],
            function_version=str(p["FunctionVersion"]),
            description=p.get("Description", ""),
            routing_config=_routing_config(p),  # type: ignore[arg-type]
        )
        self.physical_id = alias.arn

    def update(self, previous: Properties) -> None:
        p = self.properties
        lambda_backends[self.account_id][self.region_name].update_alias(
            name=self.name,
            function_name=p["FunctionName"],
            function_version=str(p["FunctionVersion"]),
            description=p.get("Description", ""),
            routing_config=_routing_config(p),  # type: ignore[arg-type]
        )

    def remove(self) -> None:
        backend = lambda_backends[self.account_id][self.region_name]
        # The function may have gone first, and its aliases with it.
        with contextlib.suppress(UnknownFunctionException, UnknownAliasException):
            backend.delete_alias(self.name, self.properties["FunctionName"])

    def attribute(self, name: str) -> Any:
        return self.physical_id


_create_version = LambdaVersion.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _create_version_with_arn(
    cls: type[LambdaVersion],
    /,
    resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> LambdaVersion:
    version: LambdaVersion = _create_version(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    function = lambda_backends[account_id][region_name].get_function(
        cloudformation_json["Properties"]["FunctionName"]
    )
    version.arn = f"{function.function_arn.removesuffix(':$LATEST')}:{version.version}"  # type: ignore[attr-defined]
    return version


def _version_arn(self: LambdaVersion) -> str:
    arn: str = self.arn  # type: ignore[attr-defined]
    return arn


def _version_attribute(self: LambdaVersion, attribute_name: str) -> Any:
    if attribute_name == "Version":
        return str(self.version)
    raise UnformattedGetAttTemplateException()


# --- CodeDeploy ----------------------------------------------------------------------------


class Application(_Handler, CloudFormationModel):
    TYPE = "AWS::CodeDeploy::Application"
    NAME = "ApplicationName"
    REPLACED_BY = frozenset({"ComputePlatform"})

    def _arn(self) -> str:
        backend = codedeploy_backends[self.account_id][self.region_name]
        return backend._application_arn(self.name)

    def create(self) -> None:
        codedeploy_backends[self.account_id][self.region_name].create_application(
            application_name=self.name,
            compute_platform=self.properties.get("ComputePlatform", "Server"),
            tags=_tags(self.properties),
        )

    def update(self, previous: Properties) -> None:
        backend = codedeploy_backends[self.account_id][self.region_name]
        backend.applications[self.name].tags = _tags(self.properties)
        backend.tagger.untag_resource_using_names(
            self._arn(), _dropped_tags(previous, self.properties)
        )
        backend.tagger.tag_resource(self._arn(), _tags(self.properties))

    def remove(self) -> None:
        backend = codedeploy_backends[self.account_id][self.region_name]
        backend.applications.pop(self.name, None)
        for group in backend.deployment_groups.pop(self.name, {}):
            backend.tagger.delete_all_tags_for_resource(
                backend._deployment_group_arn(self.name, group)
            )
        backend.tagger.delete_all_tags_for_resource(self._arn())


_DEFAULT_DEPLOYMENT_CONFIG = "CodeDeployDefault.OneAtATime"
"""What CodeDeploy uses when a group names no deployment configuration."""


def _deployment_group_settings(p: Properties) -> dict[str, Any]:
    """A Lambda deployment group's settings, named as moto's group and the API name them."""
    alarms = p.get("AlarmConfiguration") or {}
    rollback = p.get("AutoRollbackConfiguration") or {}
    style = p.get("DeploymentStyle") or {}
    settings: dict[str, Any] = {
        "deployment_config_name": p.get("DeploymentConfigName") or _DEFAULT_DEPLOYMENT_CONFIG,
        "service_role_arn": p["ServiceRoleArn"],
        "trigger_configurations": [
            {
                "triggerName": t["TriggerName"],
                "triggerTargetArn": t["TriggerTargetArn"],
                "triggerEvents": list(t.get("TriggerEvents") or []),
            }
            for t in p.get("TriggerConfigurations") or []
        ],
        # The API's shape, as moto keeps what CreateDeploymentGroup receives.
        "alarm_configuration": {
            "enabled": _bool(alarms.get("Enabled")),
            "ignorePollAlarmFailure": _bool(alarms.get("IgnorePollAlarmFailure")),
            "alarms": [{"name": a["Name"]} for a in alarms.get("Alarms") or []],
        },
        "auto_rollback_configuration": (
            {
                "enabled": _bool(rollback.get("Enabled")),
                "events": list(rollback.get("Events") or []),
            }
            if rollback
            else {}
        ),
        "deployment_style": {
            key: style[name]
            for key, name in (
                ("deploymentType", "DeploymentType"),
                ("deploymentOption", "DeploymentOption"),
            )
            if name in style
        },
    }
    return settings


class LambdaDeploymentGroup(_Handler, CloudFormationModel):
    TYPE = "AWS::CodeDeploy::DeploymentGroup"
    NAME = "DeploymentGroupName"
    REPLACED_BY = frozenset({"ApplicationName"})

    def _arn(self) -> str:
        backend = codedeploy_backends[self.account_id][self.region_name]
        return backend._deployment_group_arn(self.properties["ApplicationName"], self.name)

    def create(self) -> None:
        codedeploy_backends[self.account_id][self.region_name].create_deployment_group(
            application_name=self.properties["ApplicationName"],
            deployment_group_name=self.name,
            ec2_tag_filters=None,
            on_premises_instance_tag_filters=None,
            auto_scaling_groups=None,
            tags=_tags(self.properties),
            **_deployment_group_settings(self.properties),
        )

    def update(self, previous: Properties) -> None:
        backend = codedeploy_backends[self.account_id][self.region_name]
        group = backend.get_deployment_group(self.properties["ApplicationName"], self.name)
        for key, value in _deployment_group_settings(self.properties).items():
            setattr(group, key, value)
        group.tags = _tags(self.properties)
        backend.tagger.untag_resource_using_names(
            self._arn(), _dropped_tags(previous, self.properties)
        )
        backend.tagger.tag_resource(self._arn(), _tags(self.properties))

    def remove(self) -> None:
        backend = codedeploy_backends[self.account_id][self.region_name]
        backend.deployment_groups.get(self.properties["ApplicationName"], {}).pop(self.name, None)
        backend.tagger.delete_all_tags_for_resource(self._arn())


_deployment_group_info = codedeploy_responses._deployment_group_info


def _deployment_group_info_with_alarms(deployment_group: DeploymentGroup) -> dict[str, Any]:
    info: dict[str, Any] = _deployment_group_info(deployment_group)
    alarms: Any = deployment_group.alarm_configuration
    if isinstance(alarms, dict):
        info["alarmConfiguration"] = alarms
    elif alarms is not None:
        info["alarmConfiguration"] = {
            "enabled": alarms.enabled,
            "ignorePollAlarmFailure": alarms.ignore_poll_alarm_failure,
            "alarms": alarms.alarms,
        }
    return info


# --- S3 ------------------------------------------------------------------------------------


class BucketPolicy(_Handler, CloudFormationModel):
    TYPE = "AWS::S3::BucketPolicy"
    REPLACED_BY = frozenset({"Bucket"})

    def _backend(self) -> Any:
        return s3_backends[self.account_id][get_partition(self.region_name)]

    def create(self) -> None:
        self.physical_id = self.properties["Bucket"]
        self.update({})

    def update(self, previous: Properties) -> None:
        document = self.properties["PolicyDocument"]
        policy = document if isinstance(document, str) else json.dumps(document)
        self._backend().put_bucket_policy(self.properties["Bucket"], policy.encode())

    def remove(self) -> None:
        with contextlib.suppress(MissingBucket):  # the bucket may have gone first
            self._backend().delete_bucket_policy(self.properties["Bucket"])


def _holds_over_tls(condition: dict[str, Any]) -> bool:
    """Whether a statement's ``Condition`` holds for a request over TLS, all the emulator knows."""
    for operator, entries in condition.items():
        for key, expected in entries.items():
            values = expected if isinstance(expected, list) else [expected]
            if operator not in ("Bool", "BoolIfExists") or key.lower() != "aws:securetransport":
                return False
            if "true" not in {str(v).lower() for v in values}:
                return False
    return True


def _bucket_permission_over_tls(self: FakeBucket, action: str, resource: str) -> Any:
    """``FakeBucket.get_permission`` with only the statements that apply over TLS."""
    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy)
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    applicable = [
        {key: value for key, value in statement.items() if key != "Condition"}
        for statement in statements
        if _holds_over_tls(statement.get("Condition") or {})
    ]
    policy = IAMPolicy(json.dumps({**document, "Statement": applicable}))
    return policy.is_action_permitted(action, resource)


# --- SNS and SQS ---------------------------------------------------------------------------

_SUBSCRIPTION_ATTRIBUTES = (
    # The scope first: moto reads it when it checks a filter policy.
    ("FilterPolicyScope", ""),
    ("FilterPolicy", ""),
    ("RawMessageDelivery", "false"),
    ("RedrivePolicy", ""),
    ("DeliveryPolicy", ""),
    ("SubscriptionRoleArn", ""),
)
"""The attributes a template may set, with the value that clears each."""


def _sns_backend(account_id: str, topic_arn: str) -> Any:
    return sns_backends[account_id][topic_arn.split(":")[3]]


class Subscription(_Handler, CloudFormationModel):
    TYPE = "AWS::SNS::Subscription"
    REPLACED_BY = frozenset({"TopicArn", "Endpoint", "Protocol", "Region"})
    ATTRIBUTES = frozenset({"Arn"})

    def _backend(self) -> Any:
        return _sns_backend(self.account_id, self.properties["TopicArn"])

    def create(self) -> None:
        p = self.properties
        subscription = self._backend().subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
        self.physical_id = subscription.arn
        self.update({})

    def update(self, previous: Properties) -> None:
        for name, cleared in _SUBSCRIPTION_ATTRIBUTES:
            value = self.properties.get(name)
            if value != previous.get(name):
                text = cleared if value is None else _text(value)
                self._backend().set_subscription_attributes(self.physical_id, name, text)

    def remove(self) -> None:
        self._backend().unsubscribe(self.physical_id)

    def attribute(self, name: str) -> Any:
        return self.physical_id


class TopicPolicy(_Handler, CloudFormationModel):
    TYPE = "AWS::SNS::TopicPolicy"
    ATTRIBUTES = frozenset({"Id"})

    def _apply(self, topics: list[str], document: Any) -> None:
        """Give each topic the document, or its default policy when the document is ``None``."""
        for arn in topics:
            backend = _sns_backend(self.account_id, arn)
            try:
                topic = backend.get_topic(arn)
            except TopicNotFound:
                if document is not None:
                    raise
                continue  # a topic that went first needs no default policy
            policy = document
            if policy is None:
                policy = topic._create_default_topic_policy(
                    topic.sns_backend.region_name, topic.account_id, topic.name
                )
            backend.set_topic_attribute(arn, "policy", _text(policy))

    def create(self) -> None:
        self.update({})

    def update(self, previous: Properties) -> None:
        topics = list(self.properties["Topics"])
        self._apply(topics, self.properties["PolicyDocument"])
        self._apply([t for t in previous.get("Topics") or [] if t not in topics], None)

    def remove(self) -> None:
        self._apply(list(self.properties["Topics"]), None)

    def attribute(self, name: str) -> Any:
        return self.physical_id


class QueuePolicy(_Handler, CloudFormationModel):
    TYPE = "AWS::SQS::QueuePolicy"
    ATTRIBUTES = frozenset({"Id"})

    def _apply(self, queue_urls: list[str], policy: str) -> None:
        """Give each queue the policy; an empty one leaves it with none."""
        backend = sqs_backends[self.account_id][self.region_name]
        for url in queue_urls:
            try:
                backend.set_queue_attributes(url.rstrip("/").rsplit("/", 1)[-1], {"Policy": policy})
            except QueueDoesNotExist:
                if policy:
                    raise
                # a queue that went first needs no empty policy

    def create(self) -> None:
        self.update({})

    def update(self, previous: Properties) -> None:
        queues = list(self.properties["Queues"])
        self._apply(queues, _text(self.properties["PolicyDocument"]))
        self._apply([q for q in previous.get("Queues") or [] if q not in queues], "")

    def remove(self) -> None:
        self._apply(list(self.properties["Queues"]), "")

    def attribute(self, name: str) -> Any:
        return self.physical_id


# --- Secrets Manager -----------------------------------------------------------------------


def _generated_secret(backend: Any, spec: Properties) -> str:
    """What ``GenerateSecretString`` makes: a password, alone or in the template's JSON."""
    password: str = json.loads(
        backend.get_random_password(
            password_length=int(spec.get("PasswordLength", 32)),
            exclude_characters=spec.get("ExcludeCharacters", ""),
            exclude_numbers=_bool(spec.get("ExcludeNumbers")),
            exclude_punctuation=_bool(spec.get("ExcludePunctuation")),
            exclude_uppercase=_bool(spec.get("ExcludeUppercase")),
            exclude_lowercase=_bool(spec.get("ExcludeLowercase")),
            include_space=_bool(spec.get("IncludeSpace")),
            require_each_included_type=_bool(spec.get("RequireEachIncludedType"), default=True),
        )
    )["RandomPassword"]
    if "SecretStringTemplate" not in spec:
        return password
    value = json.loads(spec["SecretStringTemplate"])
    value[spec["GenerateStringKey"]] = password
    return json.dumps(value)


class Secret(_Handler, CloudFormationModel):
    TYPE = "AWS::SecretsManager::Secret"
    NAME = "Name"
    ATTRIBUTES = frozenset({"Id"})

    def _backend(self) -> Any:
        return secretsmanager_backends[self.account_id][self.region_name]

    def _value(self) -> str | None:
        p = self.properties
        if "SecretString" in p:
            return str(p["SecretString"])
        if "GenerateSecretString" in p:
            return _generated_secret(self._backend(), p["GenerateSecretString"])
        return None

    def create(self) -> None:
        p = self.properties
        backend = self._backend()
        backend.create_secret(
            name=self.name,
            secret_string=self._value(),
            secret_binary=None,
            description=p.get("Description"),
            tags=_tags(p),
            kms_key_id=p.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        self.physical_id = backend.describe_secret(self.name).arn

    def update(self, previous: Properties) -> None:
        p = self.properties
        backend = self._backend()
        value_changed = any(
            p.get(key) != previous.get(key) for key in ("SecretString", "GenerateSecretString")
        )
        backend.update_secret(
            self.physical_id,
            secret_string=self._value() if value_changed else None,
            client_request_token=str(uuid.uuid4()),  # the API's clients always send one
            description=p.get("Description"),
            kms_key_id=p.get("KmsKeyId"),
        )
        backend.untag_resource(self.physical_id, _dropped_tags(previous, p))
        backend.tag_resource(self.physical_id, _tag_map(p))

    def remove(self) -> None:
        self._backend().delete_secret(
            self.physical_id, recovery_window_in_days=None, force_delete_without_recovery=True
        )

    def attribute(self, name: str) -> Any:
        return self.physical_id


def _connection(account_id: str, region_name: str, target_type: str, target_id: str) -> Properties:
    """What an attachment adds to the secret: how to reach the database, as AWS writes it."""
    backend = rds_backends[account_id][region_name]
    if target_type == "AWS::RDS::DBInstance":
        instance = backend.describe_db_instances(target_id)[0]
        return {
            "engine": instance.engine,
            "host": instance.address,
            "port": int(instance.port),  # type: ignore[arg-type]
            "dbInstanceIdentifier": instance.db_instance_identifier,
        }
    if target_type == "AWS::RDS::DBCluster":
        cluster = backend.describe_db_clusters(target_id)[0]
        return {
            "engine": cluster.engine,
            "host": cluster.endpoint,
            "port": int(cluster.port),
            "dbClusterIdentifier": cluster.db_cluster_identifier,
        }
    raise ValidationError(
        message=f"SecretTargetAttachment: TargetType {target_type} is not supported by the "
        "emulator (AWS::RDS::DBInstance, AWS::RDS::DBCluster)"
    )


class SecretTargetAttachment(_Handler, CloudFormationModel):
    TYPE = "AWS::SecretsManager::SecretTargetAttachment"
    REPLACED_BY = frozenset({"SecretId"})
    ATTRIBUTES = frozenset({"Id"})

    def create(self) -> None:
        self.update({})

    def update(self, previous: Properties) -> None:
        p = self.properties
        backend = secretsmanager_backends[self.account_id][self.region_name]
        secret_id = p["SecretId"]
        self.physical_id = backend.describe_secret(secret_id).arn
        current = backend.get_secret_value(secret_id, "", "").get("SecretString") or "{}"
        value = {
            **json.loads(current),
            **_connection(self.account_id, self.region_name, p["TargetType"], p["TargetId"]),
        }
        backend.update_secret(
            secret_id, secret_string=json.dumps(value), client_request_token=str(uuid.uuid4())
        )

    def remove(self) -> None:
        """Nothing to undo: the secret keeps the connection details it was given."""

    def attribute(self, name: str) -> Any:
        return self.physical_id


# --- API Gateway ---------------------------------------------------------------------------


def _method_setting_operations(settings: list[Properties]) -> list[dict[str, str]]:
    """``UpdateStage`` patch operations for a template's ``MethodSettings``."""
    paths = {
        "MetricsEnabled": "metrics/enabled",
        "LoggingLevel": "logging/loglevel",
        "DataTraceEnabled": "logging/dataTrace",
        "ThrottlingBurstLimit": "throttling/burstLimit",
        "ThrottlingRateLimit": "throttling/rateLimit",
        "CachingEnabled": "caching/enabled",
        "CacheTtlInSeconds": "caching/ttlInSeconds",
        "CacheDataEncrypted": "caching/dataEncrypted",
    }
    operations = []
    for setting in settings:
        resource = setting.get("ResourcePath", "/*").lstrip("/").replace("/", "~1")
        method = setting.get("HttpMethod", "*")
        for name, path in paths.items():
            if name in setting:
                operations.append(
                    {
                        "op": "replace",
                        "path": f"/{resource}/{method}/{path}",
                        "value": _text(setting[name]),
                    }
                )
    return operations


class Stage(_Handler, CloudFormationModel):
    TYPE = "AWS::ApiGateway::Stage"
    NAME = "StageName"
    REPLACED_BY = frozenset({"RestApiId"})

    def _backend(self) -> Any:
        return apigateway_backends[self.account_id][self.region_name]

    @staticmethod
    def _deployment_id(properties: Properties) -> str:
        # moto's Deployment answers Ref with itself rather than its id.
        deployment = properties["DeploymentId"]
        return str(getattr(deployment, "id", deployment))

    def create(self) -> None:
        p = self.properties
        self._backend().create_stage(
            function_id=p["RestApiId"],
            stage_name=self.name,
            deploymentId=self._deployment_id(p),
            variables=dict(p.get("Variables") or {}),
            description=p.get("Description", ""),
            cacheClusterEnabled=_bool(p.get("CacheClusterEnabled")),
            cacheClusterSize=p.get("CacheClusterSize"),
            tags=_tag_map(p) or None,
            tracing_enabled=_bool(p.get("TracingEnabled")),
        )
        self._patch(self._log_and_method_operations())

    def _patch(self, operations: list[dict[str, str]]) -> None:
        if operations:
            self._backend().update_stage(self.properties["RestApiId"], self.name, operations)

    def _log_and_method_operations(self) -> list[dict[str, str]]:
        log = self.properties.get("AccessLogSetting") or {}
        operations = [
            {"op": "replace", "path": f"/accessLogSettings/{key}", "value": log[name]}
            for key, name in (("destinationArn", "DestinationArn"), ("format", "Format"))
            if name in log
        ]
        return operations + _method_setting_operations(self.properties.get("MethodSettings") or [])

    def update(self, previous: Properties) -> None:
        p = self.properties
        variables = p.get("Variables") or {}
        operations = [
            {"op": "replace", "path": "/deploymentId", "value": self._deployment_id(p)},
            {"op": "replace", "path": "/description", "value": p.get("Description", "")},
            {
                "op": "replace",
                "path": "/tracingEnabled",
                "value": _text(_bool(p.get("TracingEnabled"))),
            },
            {
                "op": "replace",
                "path": "/cacheClusterEnabled",
                "value": _text(_bool(p.get("CacheClusterEnabled"))),
            },
            *(
                {"op": "replace", "path": f"/variables/{key}", "value": str(value)}
                for key, value in variables.items()
            ),
            *(
                {"op": "remove", "path": f"/variables/{key}"}
                for key in previous.get("Variables") or {}
                if key not in variables
            ),
        ]
        if "CacheClusterSize" in p:
            operations.append(
                {"op": "replace", "path": "/cacheClusterSize", "value": p["CacheClusterSize"]}
            )
        if previous.get("AccessLogSetting") and not p.get("AccessLogSetting"):
            operations.append({"op": "remove", "path": "/accessLogSettings"})
        stage = self._backend().get_stage(p["RestApiId"], self.name)
        stage.method_settings = {}  # replaced by the template's, as UpdateStage has no removal
        stage.tags = _tag_map(p) or None
        self._patch(operations + self._log_and_method_operations())

    def remove(self) -> None:
        with contextlib.suppress(RestAPINotFound, StageNotFoundException):
            self._backend().delete_stage(self.properties["RestApiId"], self.name)


class RequestValidator(_Handler, CloudFormationModel):
    TYPE = "AWS::ApiGateway::RequestValidator"
    NAME = "Name"
    REPLACED_BY = frozenset({"RestApiId"})
    ATTRIBUTES = frozenset({"RequestValidatorId"})

    def _backend(self) -> Any:
        return apigateway_backends[self.account_id][self.region_name]

    def create(self) -> None:
        p = self.properties
        validator = self._backend().create_request_validator(
            p["RestApiId"],
            self.name,
            _bool(p.get("ValidateRequestBody")),
            _bool(p.get("ValidateRequestParameters")),
        )
        self.physical_id = validator.id

    def update(self, previous: Properties) -> None:
        p = self.properties
        self._backend().update_request_validator(
            p["RestApiId"],
            self.physical_id,
            [
                {"op": "replace", "path": f"/{path}", "value": _text(_bool(p.get(name)))}
                for path, name in (
                    ("validateRequestBody", "ValidateRequestBody"),
                    ("validateRequestParameters", "ValidateRequestParameters"),
                )
            ],
        )

    def remove(self) -> None:
        with contextlib.suppress(RestAPINotFound, KeyError):  # the API may have gone first
            self._backend().delete_request_validator(self.properties["RestApiId"], self.physical_id)

    def attribute(self, name: str) -> Any:
        return self.physical_id


# --- EC2 -----------------------------------------------------------------------------------


class SecurityGroupEgress(_Handler, CloudFormationModel):
    TYPE = "AWS::EC2::SecurityGroupEgress"
    REPLACED_BY = frozenset(
        {
            "GroupId",
            "IpProtocol",
            "FromPort",
            "ToPort",
            "CidrIp",
            "CidrIpv6",
            "DestinationSecurityGroupId",
            "DestinationPrefixListId",
            "Description",
        }
    )
    """Every property: CloudFormation replaces an egress rule on any change."""
    ATTRIBUTES = frozenset({"Id"})

    def _rule(self) -> dict[str, Any]:
        p = self.properties
        described = {"Description": p["Description"]} if "Description" in p else {}

        def targets(key: str, name: str) -> list[dict[str, Any]]:
            return [{name: p[key], **described}] if key in p else []

        return {
            "group_name_or_id": p["GroupId"],
            "ip_protocol": str(p["IpProtocol"]),
            "from_port": p.get("FromPort"),
            "to_port": p.get("ToPort"),
            "ip_ranges": targets("CidrIp", "CidrIp") + targets("CidrIpv6", "CidrIpv6"),
            "source_groups": targets("DestinationSecurityGroupId", "GroupId"),
            "prefix_list_ids": targets("DestinationPrefixListId", "PrefixListId"),
        }

    def create(self) -> None:
        backend = ec2_backends[self.account_id][self.region_name]
        rules, _ = backend.authorize_security_group_egress(**self._rule())
        self.physical_id = rules[0].id

    def update(self, previous: Properties) -> None:
        raise NotImplementedError  # every property replaces the rule

    def remove(self) -> None:
        backend = ec2_backends[self.account_id][self.region_name]
        with contextlib.suppress(InvalidSecurityGroupNotFoundError, InvalidPermissionNotFoundError):
            backend.revoke_security_group_egress(**self._rule())

    def attribute(self, name: str) -> Any:
        return self.physical_id


# --- EventBridge Scheduler -----------------------------------------------------------------


def _epoch(value: Any) -> Any:
    """A template's date (ISO 8601 text), as the Scheduler API takes it."""
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return value


class ScheduleGroup(_Handler, CloudFormationModel):
    TYPE = "AWS::Scheduler::ScheduleGroup"
    NAME = "Name"
    ATTRIBUTES = frozenset({"Arn", "CreationDate", "LastModificationDate", "State"})

    def _backend(self) -> Any:
        return scheduler_backends[self.account_id][self.region_name]

    def create(self) -> None:
        self._backend().create_schedule_group(self.name, _tags(self.properties))

    def update(self, previous: Properties) -> None:
        backend, arn = self._backend(), self.attribute("Arn")
        backend.untag_resource(arn, _dropped_tags(previous, self.properties))
        backend.tag_resource(arn, _tags(self.properties))

    def remove(self) -> None:
        with contextlib.suppress(KeyError):
            self._backend().delete_schedule_group(self.name)

    def attribute(self, name: str) -> Any:
        group = self._backend().get_schedule_group(self.name)
        return {
            "Arn": group.arn,
            "CreationDate": group.created_on,
            "LastModificationDate": group.last_modified,
            "State": "ACTIVE",
        }[name]


class Schedule(_Handler, CloudFormationModel):
    TYPE = "AWS::Scheduler::Schedule"
    NAME = "Name"
    REPLACED_BY = frozenset({"GroupName"})
    ATTRIBUTES = frozenset({"Arn"})

    def _backend(self) -> Any:
        return scheduler_backends[self.account_id][self.region_name]

    def _arguments(self) -> dict[str, Any]:
        p = self.properties
        return {
            "name": self.name,
            "group_name": p.get("GroupName"),
            "description": p.get("Description"),
            "schedule_expression": p["ScheduleExpression"],
            "schedule_expression_timezone": p.get("ScheduleExpressionTimezone"),
            "flexible_time_window": dict(p["FlexibleTimeWindow"]),
            "target": json.loads(json.dumps(p["Target"])),
            "state": p.get("State"),
            "kms_key_arn": p.get("KmsKeyArn"),
            "start_date": _epoch(p.get("StartDate")),
            "end_date": _epoch(p.get("EndDate")),
        }

    def create(self) -> None:
        action = self.properties.get("ActionAfterCompletion")
        self._backend().create_schedule(**self._arguments(), action_after_completion=action)

    def update(self, previous: Properties) -> None:
        self._backend().update_schedule(**self._arguments())

    def remove(self) -> None:
        with contextlib.suppress(ScheduleNotFound, ScheduleGroupNotFound):
            self._backend().delete_schedule(self.properties.get("GroupName"), self.name)

    def attribute(self, name: str) -> Any:
        return self._backend().get_schedule(self.properties.get("GroupName"), self.name).arn


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
    Stage,
    RequestValidator,
    SecurityGroupEgress,
    ScheduleGroup,
    Schedule,
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
    # moto builds its registry of models from CloudFormationModel's subclasses, once.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
