"""CloudFormation handlers for Lambda aliases and CodeDeploy, with the fixes of moto's
``AWS::Lambda::Version`` and ``GetDeploymentGroup`` they depend on (applied by
``install()``).

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
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.awslambda.exceptions import UnknownAliasException, UnknownFunctionException
from moto.awslambda.models import LambdaVersion, lambda_backends
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.codedeploy import responses as codedeploy_responses
from moto.codedeploy.models import DeploymentGroup, codedeploy_backends
from moto.core.common_models import CloudFormationModel

from org_constructs.tooling.local._handlers._base import (
    Properties,
    _bool,
    _dropped_tags,
    _Handler,
    _tags,
)

__all__ = ["Alias", "Application", "LambdaDeploymentGroup"]


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
