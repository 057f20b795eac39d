"""CloudFormation handlers for a container service: ECS clusters, task definitions and
services, Application Auto Scaling targets and policies, WAF web ACLs, their associations and
their logging configurations.

moto's own CloudFormation models of the ECS types read little of a template: a cluster gets
the logical id for a name and no settings, a task definition no CPU, network mode, runtime
platform nor roles, a service no launch type (moto's default is EC2), load balancers, network
configuration nor deployment configuration. These handlers replace them and make each
resource with the calls of the service's API, so that it reads back as the template declares:

- ``AWS::ECS::Cluster``: ``CreateCluster`` (name, settings such as Container Insights,
  configuration, capacity providers and their default strategy, tags); new settings or
  configuration change the same cluster (``UpdateCluster``), a new name replaces it.
- ``AWS::ECS::TaskDefinition``: ``RegisterTaskDefinition`` with every property ECS takes
  (containers, CPU, memory, network mode, compatibilities, runtime platform, task and execution
  roles, volumes, ephemeral storage, tags). Any change registers a new revision and
  deregisters the old one, as CloudFormation does, and the services on the old revision move
  to the new one (CloudFormation updates them: their ``TaskDefinition`` resolves anew).
- ``AWS::ECS::Service``: ``CreateService`` (cluster, name, task definition, desired count,
  launch type, load balancers, network configuration, deployment controller, platform version,
  service registries, propagated tags, tags), with the deployment configuration (its circuit
  breaker, its alarms, its strategy), the health check grace period, the capacity provider
  strategy and ``EnableExecuteCommand`` set on the service's record, where ``DescribeServices``
  shows them (moto's ``CreateService`` takes none of them). A new task definition, desired
  count or any of those change the same service; a new name, cluster or launch type replaces
  it. No task runs.
- ``AWS::ApplicationAutoScaling::ScalableTarget``: ``RegisterScalableTarget`` (namespace,
  resource id, dimension, capacities, role, suspended state); new capacities change the same
  target, a new resource or dimension replaces it. Scheduled actions are put with
  ``PutScheduledAction``.
- ``AWS::ApplicationAutoScaling::ScalingPolicy``: ``PutScalingPolicy`` (target tracking or
  step scaling), on the target its ``ScalingTargetId`` names or on the resource it names
  itself; a new configuration changes the same policy, a new name or target replaces it.
  Nothing scales: no metric arrives.
- ``AWS::WAFv2::WebACL``: ``CreateWebACL`` (name, scope, default action, rules, visibility,
  custom response bodies, captcha and challenge configuration, token domains, association
  configuration, tags); ``UpdateWebACL`` for a new configuration, a new name or scope replaces
  it. No request is inspected.
- ``AWS::WAFv2::WebACLAssociation``: ``AssociateWebACL``, read back with
  ``GetWebACLForResource``; a new ACL or resource replaces the association.
- ``AWS::WAFv2::LoggingConfiguration``: ``PutLoggingConfiguration`` (destinations, redacted
  fields, filter) on the web ACL; a new configuration is put again, a new ACL replaces it. No
  log is written.
"""

from __future__ import annotations

from typing import Any

from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel
from moto.core.utils import pascal_to_camelcase, remap_nested_keys
from moto.ecs.models import ecs_backends
from moto.wafv2.models import wafv2_backends

from org_constructs.tooling.local._handlers._base import Properties, _bool, _Handler

__all__ = [
    "Cluster",
    "LoggingConfiguration",
    "ScalableTarget",
    "ScalingPolicy",
    "Service",
    "TaskDefinition",
    "WebACL",
    "WebACLAssociation",
]


def _camel(value: Any) -> Any:
    """A template's value as ECS's API takes it: every key in camel case."""
    return remap_nested_keys(value, pascal_to_camelcase) if value is not None else None


def _ecs_tags(properties: Properties) -> list[dict[str, str]]:
    return [{"key": t["Key"], "value": t["Value"]} for t in properties.get("Tags") or []]


def _name_of(value: Any) -> str:
    """A cluster or task definition named by name or ARN, as a template may give it."""
    return str(value).rsplit("/", 1)[-1]


# --- ECS ---------------------------------------------------------------------------------------


class Cluster(_Handler, CloudFormationModel):
    TYPE = "AWS::ECS::Cluster"
    NAME = "ClusterName"
    ATTRIBUTES = frozenset({"Arn"})

    def _backend(self) -> Any:
        return ecs_backends[self.account_id][self.region_name]

    def create(self) -> None:
        p = self.properties
        self.physical_id = str(p.get("ClusterName") or self.name)
        self._backend().create_cluster(
            self.physical_id,
            tags=_ecs_tags(p) or None,
            cluster_settings=_camel(p.get("ClusterSettings")),
            configuration=_camel(p.get("Configuration")),
            capacity_providers=p.get("CapacityProviders"),
            default_capacity_provider_strategy=_camel(p.get("DefaultCapacityProviderStrategy")),
            service_connect_defaults=_camel(p.get("ServiceConnectDefaults")),
        )

    def update(self, previous: Properties) -> None:
        p = self.properties
        cluster = self._backend().update_cluster(
            self.physical_id,
            cluster_settings=_camel(p.get("ClusterSettings")) or [],
            configuration=_camel(p.get("Configuration")),
            service_connect_defaults=_camel(p.get("ServiceConnectDefaults")),
        )
        cluster.capacity_providers = p.get("CapacityProviders")
        cluster.default_capacity_provider_strategy = _camel(
            p.get("DefaultCapacityProviderStrategy")
        )
        cluster.tags = _ecs_tags(p) or None

    def remove(self) -> None:
        self._backend().delete_cluster(self.physical_id)

    def attribute(self, name: str) -> Any:
        return self._backend().clusters[self.physical_id].arn


class TaskDefinition(_Handler, CloudFormationModel):
    TYPE = "AWS::ECS::TaskDefinition"
    ATTRIBUTES = frozenset({"TaskDefinitionArn"})

    def _backend(self) -> Any:
        return ecs_backends[self.account_id][self.region_name]

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> TaskDefinition:
        original: TaskDefinition = original_resource
        if dict(cloudformation_json.get("Properties") or {}) == original.properties:
            return original
        # Every change is a new revision (CloudFormation replaces the task definition).
        replacement: TaskDefinition = cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )
        original.remove()
        original.move_services(replacement.physical_id)
        return replacement

    def move_services(self, revision: str) -> None:
        """Point the services that run this revision at ``revision``. CloudFormation updates
        a service whose ``TaskDefinition`` resolves to a new ARN; moto's change sets compare
        the templates' text, where the ``Ref`` is unchanged, and would leave it on the old
        revision."""
        backend = self._backend()
        for service in list(backend.services.values()):
            if service.task_definition == self.physical_id and service.status == "ACTIVE":
                backend.update_service(
                    {
                        "cluster": service.cluster_name,
                        "service": service.name,
                        "task_definition": revision,
                    }
                )

    def create(self) -> None:
        p = self.properties
        definition = self._backend().register_task_definition(
            family=str(p.get("Family") or self.name),
            container_definitions=_camel(p.get("ContainerDefinitions") or []),
            volumes=_camel(p.get("Volumes")),
            network_mode=p.get("NetworkMode"),
            tags=_ecs_tags(p) or None,
            placement_constraints=_camel(p.get("PlacementConstraints")),
            requires_compatibilities=p.get("RequiresCompatibilities"),
            cpu=None if p.get("Cpu") is None else str(p["Cpu"]),
            memory=None if p.get("Memory") is None else str(p["Memory"]),
            task_role_arn=p.get("TaskRoleArn"),
            execution_role_arn=p.get("ExecutionRoleArn"),
            proxy_configuration=_camel(p.get("ProxyConfiguration")),
            inference_accelerators=_camel(p.get("InferenceAccelerators")),
            runtime_platform=_camel(p.get("RuntimePlatform")),
            ipc_mode=p.get("IpcMode"),
            pid_mode=p.get("PidMode"),
            ephemeral_storage=_camel(p.get("EphemeralStorage")),
        )
        self.physical_id = definition.arn

    def update(self, previous: Properties) -> None:  # pragma: no cover - replaced instead
        raise NotImplementedError

    def remove(self) -> None:
        self._backend().deregister_task_definition(self.physical_id)

    def attribute(self, name: str) -> Any:
        return self.physical_id


_SERVICE_RECORD = {
    "DeploymentConfiguration": "deployment_configuration",
    "HealthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    "CapacityProviderStrategy": "capacity_provider_strategy",
    "EnableExecuteCommand": "enable_execute_command",
    "EnableECSManagedTags": "enable_ecs_managed_tags",
    "PlacementStrategies": "placement_strategy",
    "PlacementConstraints": "placement_constraints",
}
"""Properties moto's ``CreateService`` does not take, set on the service's record under the
attribute ``DescribeServices`` reads."""


class Service(_Handler, CloudFormationModel):
    TYPE = "AWS::ECS::Service"
    NAME = "ServiceName"
    REPLACED_BY = frozenset({"Cluster", "LaunchType", "Role", "SchedulingStrategy"})
    ATTRIBUTES = frozenset({"Name", "ServiceArn"})

    def _backend(self) -> Any:
        return ecs_backends[self.account_id][self.region_name]

    @property
    def _cluster(self) -> str:
        return _name_of(self.properties.get("Cluster") or "default")

    def _service(self) -> Any:
        return self._backend()._get_service(self._cluster, self.service_name)

    def _record(self) -> None:
        service = self._service()
        p = self.properties
        for key, attribute in _SERVICE_RECORD.items():
            if key in p:
                value = p[key]
                if key in ("EnableExecuteCommand", "EnableECSManagedTags"):
                    value = _bool(value)
                elif key == "HealthCheckGracePeriodSeconds":
                    value = int(value)
                else:
                    value = _camel(value)
                setattr(service, attribute, value)

    def create(self) -> None:
        p = self.properties
        self.service_name = str(p.get("ServiceName") or self.name)
        desired = p.get("DesiredCount")
        service = self._backend().create_service(
            self._cluster,
            self.service_name,
            None if desired is None else int(desired),
            task_definition_str=p.get("TaskDefinition"),
            load_balancers=_camel(p.get("LoadBalancers")),
            scheduling_strategy=p.get("SchedulingStrategy"),
            tags=_ecs_tags(p) or None,
            deployment_controller=_camel(p.get("DeploymentController")),
            launch_type=p.get("LaunchType"),
            service_registries=_camel(p.get("ServiceRegistries")),
            platform_version=p.get("PlatformVersion"),
            propagate_tags=p.get("PropagateTags") or "NONE",
            network_configuration=_camel(p.get("NetworkConfiguration")),
            role_arn=p.get("Role"),
        )
        self.physical_id = service.arn
        self._record()

    def update(self, previous: Properties) -> None:
        p = self.properties
        desired = p.get("DesiredCount")
        self._backend().update_service(
            {
                "cluster": self._cluster,
                "service": self.service_name,
                "task_definition": p.get("TaskDefinition"),
                "desired_count": None if desired is None else int(desired),
                "load_balancers": _camel(p.get("LoadBalancers")),
                "network_configuration": _camel(p.get("NetworkConfiguration")),
                "platform_version": p.get("PlatformVersion"),
            }
        )
        self._record()

    def remove(self) -> None:
        self._backend().delete_service(self._cluster, self.service_name, force=True)

    def attribute(self, name: str) -> Any:
        return self.service_name if name == "Name" else self.physical_id


# --- Application Auto Scaling -----------------------------------------------------------------


def _autoscaling(account_id: str, region_name: str) -> Any:
    return applicationautoscaling_backends[account_id][region_name]


class ScalableTarget(_Handler, CloudFormationModel):
    TYPE = "AWS::ApplicationAutoScaling::ScalableTarget"
    REPLACED_BY = frozenset({"ResourceId", "ScalableDimension", "ServiceNamespace"})
    ATTRIBUTES = frozenset({"Id"})

    def _key(self) -> tuple[str, str, str]:
        p = self.properties
        return str(p["ServiceNamespace"]), str(p["ResourceId"]), str(p["ScalableDimension"])

    def _register(self) -> None:
        p = self.properties
        namespace, resource_id, dimension = self._key()
        backend = _autoscaling(self.account_id, self.region_name)
        backend.register_scalable_target(
            namespace,
            resource_id,
            dimension,
            int(p["MinCapacity"]),
            int(p["MaxCapacity"]),
            p.get("RoleARN"),
            _camel(p.get("SuspendedState")),
        )
        for action in p.get("ScheduledActions") or []:
            backend.put_scheduled_action(
                service_namespace=namespace,
                schedule=action["Schedule"],
                timezone=action.get("Timezone"),
                scheduled_action_name=action["ScheduledActionName"],
                resource_id=resource_id,
                scalable_dimension=dimension,
                start_time=action.get("StartTime"),
                end_time=action.get("EndTime"),
                scalable_target_action=action.get("ScalableTargetAction"),
            )
        self.physical_id = f"{resource_id}|{dimension}|{namespace}"

    def create(self) -> None:
        self._register()

    def update(self, previous: Properties) -> None:
        self._register()

    def remove(self) -> None:
        namespace, resource_id, dimension = self._key()
        _autoscaling(self.account_id, self.region_name).deregister_scalable_target(
            namespace, resource_id, dimension
        )

    def attribute(self, name: str) -> Any:
        return self.physical_id


class ScalingPolicy(_Handler, CloudFormationModel):
    TYPE = "AWS::ApplicationAutoScaling::ScalingPolicy"
    NAME = "PolicyName"
    REPLACED_BY = frozenset(
        {"ScalingTargetId", "ResourceId", "ScalableDimension", "ServiceNamespace", "PolicyType"}
    )
    ATTRIBUTES = frozenset({"Arn"})

    def _target(self) -> tuple[str, str, str]:
        """The policy's namespace, resource id and dimension."""
        p = self.properties
        target = p.get("ScalingTargetId")
        if target:
            resource_id, dimension, namespace = str(target).split("|")
            return namespace, resource_id, dimension
        try:
            return str(p["ServiceNamespace"]), str(p["ResourceId"]), str(p["ScalableDimension"])
        except KeyError as error:
            raise ValidationError(
                message=f"{self.TYPE} {self.name}: give ScalingTargetId, or ResourceId, "
                f"ScalableDimension and ServiceNamespace ({error.args[0]} is missing)"
            ) from None

    def _put(self) -> None:
        p = self.properties
        kind = p.get("PolicyType")
        body = p.get(
            "StepScalingPolicyConfiguration"
            if kind == "StepScaling"
            else "TargetTrackingScalingPolicyConfiguration"
        )
        namespace, resource_id, dimension = self._target()
        policy = _autoscaling(self.account_id, self.region_name).put_scaling_policy(
            str(p["PolicyName"]), namespace, resource_id, dimension, body, kind
        )
        self.physical_id = policy.policy_arn

    def create(self) -> None:
        self._put()

    def update(self, previous: Properties) -> None:
        self._put()

    def remove(self) -> None:
        namespace, resource_id, dimension = self._target()
        _autoscaling(self.account_id, self.region_name).delete_scaling_policy(
            str(self.properties["PolicyName"]), namespace, resource_id, dimension
        )

    def attribute(self, name: str) -> Any:
        return self.physical_id


# --- WAF --------------------------------------------------------------------------------------


def _waf(account_id: str, region_name: str, scope: str = "REGIONAL") -> Any:
    # WAF keeps CloudFront's web ACLs in us-east-1's backend under a global scope.
    return wafv2_backends[account_id]["global" if scope == "CLOUDFRONT" else region_name]


class WebACL(_Handler, CloudFormationModel):
    TYPE = "AWS::WAFv2::WebACL"
    NAME = "Name"
    REPLACED_BY = frozenset({"Scope"})
    ATTRIBUTES = frozenset({"Arn", "Id", "LabelNamespace", "Capacity"})

    def _backend(self) -> Any:
        return _waf(self.account_id, self.region_name, str(self.properties.get("Scope")))

    def create(self) -> None:
        p = self.properties
        acl = self._backend().create_web_acl(
            name=str(p.get("Name") or self.name),
            visibility_config=p["VisibilityConfig"],
            default_action=p["DefaultAction"],
            scope=str(p["Scope"]),
            description=p.get("Description") or "",
            tags=list(p.get("Tags") or []),
            rules=list(p.get("Rules") or []),
            association_config=p.get("AssociationConfig"),
            captcha_config=p.get("CaptchaConfig"),
            challenge_config=p.get("ChallengeConfig"),
            custom_response_bodies=p.get("CustomResponseBodies"),
            token_domains=p.get("TokenDomains"),
        )
        self.arn, self.acl_id, self.acl_name = acl.arn, acl.id, acl.name
        self.physical_id = f"{acl.name}|{acl.id}|{p['Scope']}"

    def update(self, previous: Properties) -> None:
        p = self.properties
        acl = self._backend().get_web_acl(self.arn, None, None)
        self._backend().update_web_acl(
            name=self.acl_name,
            _id=self.acl_id,
            default_action=p["DefaultAction"],
            rules=list(p.get("Rules") or []),
            description=p.get("Description") or "",
            visibility_config=p["VisibilityConfig"],
            lock_token=acl.lock_token,
            custom_response_bodies=p.get("CustomResponseBodies"),
            captcha_config=p.get("CaptchaConfig"),
            challenge_config=p.get("ChallengeConfig"),
            token_domains=p.get("TokenDomains"),
            association_config=p.get("AssociationConfig"),
        )

    def remove(self) -> None:
        acl = self._backend().get_web_acl(self.arn, None, None)
        self._backend().delete_web_acl(
            self.acl_name, str(self.properties["Scope"]), self.acl_id, acl.lock_token
        )

    def attribute(self, name: str) -> Any:
        if name == "Arn":
            return self.arn
        if name == "Id":
            return self.acl_id
        if name == "LabelNamespace":
            return f"awswaf:{self.account_id}:webacl:{self.acl_name}:"
        return self._backend().get_web_acl(self.arn, None, None).capacity


class WebACLAssociation(_Handler, CloudFormationModel):
    TYPE = "AWS::WAFv2::WebACLAssociation"
    REPLACED_BY = frozenset({"ResourceArn", "WebACLArn"})

    def _backend(self) -> Any:
        scope = "CLOUDFRONT" if ":global/" in str(self.properties["WebACLArn"]) else "REGIONAL"
        return _waf(self.account_id, self.region_name, scope)

    def create(self) -> None:
        p = self.properties
        self._backend().associate_web_acl(str(p["WebACLArn"]), str(p["ResourceArn"]))
        self.physical_id = f"{p['ResourceArn']}|{p['WebACLArn']}"

    def update(self, previous: Properties) -> None:  # pragma: no cover - replaced instead
        raise NotImplementedError

    def remove(self) -> None:
        self._backend().disassociate_web_acl(str(self.properties["ResourceArn"]))


class LoggingConfiguration(_Handler, CloudFormationModel):
    TYPE = "AWS::WAFv2::LoggingConfiguration"
    REPLACED_BY = frozenset({"ResourceArn"})
    ATTRIBUTES = frozenset({"ManagedByFirewallManager"})

    def _backend(self) -> Any:
        scope = "CLOUDFRONT" if ":global/" in str(self.properties["ResourceArn"]) else "REGIONAL"
        return _waf(self.account_id, self.region_name, scope)

    def _put(self) -> None:
        p = self.properties
        self._backend().put_logging_configuration(
            str(p["ResourceArn"]),
            list(p["LogDestinationConfigs"]),
            p.get("RedactedFields"),
            False,
            p.get("LoggingFilter"),
        )
        self.physical_id = str(p["ResourceArn"])

    def create(self) -> None:
        self._put()

    def update(self, previous: Properties) -> None:
        self._put()

    def remove(self) -> None:
        self._backend().delete_logging_configuration(self.physical_id)

    def attribute(self, name: str) -> Any:
        return False
