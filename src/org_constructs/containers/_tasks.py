"""The tasks of a ``ContainerService``: the cluster, the task definition, its container, its
roles and its encrypted log group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from org_constructs._internal.kms import log_group_key
from org_constructs._internal.nodes import path_of
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_check,
    acknowledge_library_check,
    acknowledge_short_retention,
)
from org_constructs.containers._settings import ContainerSettings
from org_constructs.core import log_retention_for

__all__ = ["CONTAINER_NAME", "CustomerManagedRole", "Tasks", "build_tasks"]

CONTAINER_NAME = "app"
"""The container's name in the task definition (and the load balancer's target)."""
MAX_LOG_GROUP_NAME = 512
_INSIGHTS_REASON = (
    "Container Insights is on with enhanced observability (containerInsights: enhanced), which "
    "includes everything 'enabled' records; the rule accepts only the value 'enabled'."
)
_ENVIRONMENT_REASON = (
    "environment= holds plain configuration the team passes on purpose; secrets reach the "
    "container through secrets= (Secrets Manager or SSM, read by the execution role), and a "
    "variable named in both is refused."
)


class CustomerManagedRole(iam.Role):
    """A role whose permissions land in one customer-managed policy (``Policy``), made on
    the first statement: a task role the app grants nothing has no policy at all."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._policy: iam.ManagedPolicy | None = None

    @property
    def policy(self) -> iam.ManagedPolicy | None:
        """The role's policy; None until a statement is added."""
        return self._policy

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        if self._policy is None:
            self._policy = iam.ManagedPolicy(
                self, "Policy", roles=[self], description=f"Permissions of {path_of(self)}"
            )
        self._policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self._policy)


@dataclass(frozen=True)
class Tasks:
    """What ``build_tasks`` made."""

    cluster: ecs.Cluster
    task_definition: ecs.FargateTaskDefinition
    container: ecs.ContainerDefinition
    log_group: logs.LogGroup
    task_role: CustomerManagedRole
    execution_role: CustomerManagedRole


def build_tasks(owner: Construct, settings: ContainerSettings, removal: RemovalPolicy) -> Tasks:
    """The cluster and the task definition, children of ``owner``: ``Cluster``, ``LogKey``,
    ``LogGroup``, ``TaskRole``, ``ExecutionRole`` and ``TaskDefinition`` (its container
    ``app``)."""
    cluster = ecs.Cluster(
        owner,
        "Cluster",
        vpc=settings.vpc,
        container_insights_v2=ecs.ContainerInsights.ENHANCED,
    )
    log_group = logs.LogGroup(
        owner,
        "LogGroup",
        log_group_name=log_group_name(owner, settings.service_name),
        encryption_key=log_group_key(owner, "LogKey", f"the container logs of {path_of(owner)}"),
        retention=settings.log_retention or log_retention_for(owner),
        removal_policy=removal,
    )
    acknowledge_short_retention(log_group)
    acknowledge_library_check(cluster, "cfn-guard", "CT.ECS.PR.2", _INSIGHTS_REASON)
    principal = iam.ServicePrincipal("ecs-tasks.amazonaws.com")
    task_role = CustomerManagedRole(
        owner,
        "TaskRole",
        assumed_by=principal,
        description=f"Task role of {path_of(owner)}: what the container may call",
    )
    execution_role = CustomerManagedRole(
        owner,
        "ExecutionRole",
        assumed_by=principal,
        description=f"Execution role of {path_of(owner)}: image pulls, logs and secrets",
    )
    task_definition = ecs.FargateTaskDefinition(
        owner,
        "TaskDefinition",
        cpu=settings.cpu,
        memory_limit_mib=settings.memory_mib,
        runtime_platform=ecs.RuntimePlatform(
            cpu_architecture=ecs.CpuArchitecture.ARM64,
            operating_system_family=ecs.OperatingSystemFamily.LINUX,
        ),
        task_role=task_role,
        execution_role=execution_role,
    )
    container = task_definition.add_container(
        CONTAINER_NAME,
        container_name=CONTAINER_NAME,
        image=settings.image,
        essential=True,
        # The task's memory as the container's hard limit (Control Tower's CT.ECS.PR.7).
        memory_limit_mib=settings.memory_mib,
        logging=ecs.LogDrivers.aws_logs(
            stream_prefix=settings.service_name,
            log_group=log_group,
            mode=ecs.AwsLogDriverMode.NON_BLOCKING,
        ),
        environment=dict(settings.environment) or None,
        secrets=dict(settings.secrets) or None,
        command=list(settings.command) if settings.command is not None else None,
        health_check=settings.health_check,
        readonly_root_filesystem=settings.read_only_root_filesystem,
        user=settings.user,
        port_mappings=[
            ecs.PortMapping(
                container_port=settings.container_port,
                protocol=ecs.Protocol.TCP,
                name="http",
            )
        ],
    )
    _acknowledge_opt_outs(settings, task_definition)
    return Tasks(
        cluster=cluster,
        task_definition=task_definition,
        container=container,
        log_group=log_group,
        task_role=task_role,
        execution_role=execution_role,
    )


def log_group_name(owner: Construct, service_name: str) -> str:
    """``/ecs/<service>/<path in the stack>``: the service's name first, unique in the
    account and region (the service's name is the stack's name by default)."""
    from aws_cdk import Stack

    stack = Stack.of(owner)
    inside = path_of(owner).removeprefix(path_of(stack)).strip("/")
    return f"/ecs/{service_name}/{inside}"[:MAX_LOG_GROUP_NAME]


def _acknowledge_opt_outs(
    settings: ContainerSettings, task_definition: ecs.FargateTaskDefinition
) -> None:
    """The team's opt-outs, with the team's reasons: recorded as the app's own."""
    if settings.environment:
        acknowledge(task_definition, _ENVIRONMENT_REASON, "AwsSolutions-ECS2")
    if settings.read_only_root_filesystem_reason is not None:
        reason = settings.read_only_root_filesystem_reason
        acknowledge_check(task_definition, "cfn-guard", "CT.ECS.PR.6", reason)
    if settings.run_as_root_reason is not None:
        reason = settings.run_as_root_reason
        acknowledge_check(task_definition, "cfn-guard", "CT.ECS.PR.3", reason)
