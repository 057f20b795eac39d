"""The ECS service of a ``ContainerService``: its release configuration (circuit breaker,
strategy, rollback alarms, lifecycle hook), its place in the target groups and its auto
scaling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from constructs import Construct

from org_constructs._internal.nodes import path_of
from org_constructs.compliance._acknowledgements import acknowledge, acknowledge_library_check
from org_constructs.config import ReleaseStrategy
from org_constructs.containers._load_balancer import Front
from org_constructs.containers._settings import ContainerSettings
from org_constructs.containers._tasks import CONTAINER_NAME, CustomerManagedRole, Tasks

__all__ = ["create_service"]

_STRATEGIES = {
    ReleaseStrategy.ROLLING: ecs.DeploymentStrategy.ROLLING,
    ReleaseStrategy.CANARY: ecs.DeploymentStrategy.CANARY,
    ReleaseStrategy.LINEAR: ecs.DeploymentStrategy.LINEAR,
    ReleaseStrategy.BLUE_GREEN: ecs.DeploymentStrategy.BLUE_GREEN,
}
_ALTERNATE_ROLE_REASON = (
    "aws-cdk-lib creates the role ECS assumes to move traffic between the target groups with "
    "the AWS managed policy AmazonECSInfrastructureRolePolicyForLoadBalancers, which ECS "
    "documents for blue/green, canary and linear deployments."
)
_RULE_DEPENDENCY_REASON = (
    "aws-cdk-lib makes the service depend on the production listener rule (its target group's "
    "attachment to the load balancer), which the service's load balancer configuration also "
    "references; the repeated dependency changes nothing in the deployment order."
)


def create_service(
    owner: Construct,
    settings: ContainerSettings,
    *,
    tasks: Tasks,
    front: Front,
    security_group: ec2.ISecurityGroup,
    alarms: Sequence[cw.Alarm],
) -> ecs.FargateService:
    """``owner``'s ``Service`` (and ``LifecycleHookRole`` with a hook), attached to the
    target groups and scaled between the capacities."""
    strategy = settings.strategy
    release: dict[str, Any] = {"deployment_strategy": _STRATEGIES[strategy]}
    shift = ecs.TrafficShiftConfig(
        step_percent=settings.traffic_percent, step_bake_time=settings.step_bake_time
    )
    if strategy is ReleaseStrategy.CANARY:
        release["canary_configuration"] = shift
    elif strategy is ReleaseStrategy.LINEAR:
        release["linear_configuration"] = shift
    if strategy.shifts_traffic:
        release["bake_time"] = settings.bake_time
    service = ecs.FargateService(
        owner,
        "Service",
        cluster=tasks.cluster,
        task_definition=tasks.task_definition,
        assign_public_ip=False,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        security_groups=[security_group],
        desired_count=settings.min_capacity,
        min_healthy_percent=100,
        max_healthy_percent=200,
        circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
        deployment_controller=ecs.DeploymentController(type=ecs.DeploymentControllerType.ECS),
        deployment_alarms=(
            ecs.DeploymentAlarmConfig(
                alarm_names=[alarm.alarm_name for alarm in alarms],
                behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM,
            )
            if alarms
            else None
        ),
        health_check_grace_period=Duration.seconds(60),
        enable_ecs_managed_tags=True,
        propagate_tags=ecs.PropagatedTagSource.SERVICE,
        platform_version=ecs.FargatePlatformVersion.LATEST,
        **release,
    )
    _add_hook(owner, service, settings)
    _attach(service, settings, front)
    scaling = service.auto_scale_task_count(
        min_capacity=settings.min_capacity, max_capacity=settings.max_capacity
    )
    scaling.scale_on_cpu_utilization(
        "CpuScaling", target_utilization_percent=settings.cpu_target_percent
    )
    scaling.scale_on_request_count(
        "RequestScaling",
        requests_per_target=settings.requests_per_target,
        target_group=front.target_group,
    )
    return service


def _add_hook(owner: Construct, service: ecs.FargateService, settings: ContainerSettings) -> None:
    hook = settings.lifecycle_hook
    if hook is None:
        return
    # ECS invokes the function's ARN as given: that one resource, no version wildcard.
    role = CustomerManagedRole(
        owner,
        "LifecycleHookRole",
        assumed_by=iam.ServicePrincipal("ecs.amazonaws.com"),
        description=f"Invokes the lifecycle hook of {path_of(owner)}",
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[hook.function_arn])
    )
    service.add_lifecycle_hook(
        ecs.DeploymentLifecycleLambdaTarget(
            hook,
            "LifecycleHook",
            lifecycle_stages=list(settings.lifecycle_stages),
            role=role,
        )
    )


def _attach(service: ecs.FargateService, settings: ContainerSettings, front: Front) -> None:
    """The tasks in the production target group; with a traffic-shifting strategy, the
    alternate target group and the production rule whose weights ECS moves."""
    alternate = None
    if front.alternate_target_group is not None and front.production_rule is not None:
        alternate = ecs.AlternateTarget(
            "AlternateTarget",
            alternate_target_group=front.alternate_target_group,
            production_listener=ecs.ListenerRuleConfiguration.application_listener_rule(
                front.production_rule
            ),
        )
    target = service.load_balancer_target(
        container_name=CONTAINER_NAME,
        container_port=settings.container_port,
        protocol=ecs.Protocol.TCP,
        alternate_target=alternate,
    )
    target.attach_to_application_target_group(front.target_group)
    if front.production_rule is None:
        return
    acknowledge_library_check(service, "cfn-lint", "W3005", _RULE_DEPENDENCY_REASON)
    role = service.node.try_find_child("AlternateTargetRole")
    if role is not None:
        acknowledge(
            role,
            _ALTERNATE_ROLE_REASON,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
            "AmazonECSInfrastructureRolePolicyForLoadBalancers]",
        )
