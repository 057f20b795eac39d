"""``ContainerService``: an ECS service on Fargate behind an Application Load Balancer, whose
bad releases roll themselves back.

The properties are checked into one frozen settings value first (``_settings.py``), with the
stage's defaults from the config model (``ContainerServiceConfig.for_stage``); the construct
then builds the tasks (``_tasks.py``), the load balancer (``_load_balancer.py``) and the
release's safeguards (``_release.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import Annotations, Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.flags import ECS_SERVICE_ARN_WITH_CLUSTER, pin_feature_flags
from org_constructs._internal.ingress import admit
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import id_of, path_of
from org_constructs.compliance._acknowledgements import acknowledge
from org_constructs.config import ContainerServiceConfig, ReleaseStrategy, Stage
from org_constructs.containers._load_balancer import Front, build_front
from org_constructs.containers._release import create_rollback_alarms, send_deployment_events
from org_constructs.containers._service import create_service
from org_constructs.containers._settings import ContainerSettings, checked
from org_constructs.containers._tasks import (
    Tasks,
    build_tasks,
)
from org_constructs.core import config_of, name_part_of, removal_policy_for
from org_constructs.core._defaults import library_construct
from org_constructs.monitoring import AlarmSettings, AlarmTopic, ServiceMonitoring
from org_constructs.monitoring._service import default_runbook_url
from org_constructs.network import StandardVpc
from org_constructs.storage import SecureBucket

if TYPE_CHECKING:
    from aws_cdk import aws_certificatemanager as acm
else:  # needed only by a listener on HTTPS
    acm = lazy_module("aws_cdk.aws_certificatemanager")

__all__ = ["ContainerService"]

_FROM_CONFIG = (
    "cpu",
    "memory_mib",
    "min_capacity",
    "max_capacity",
    "strategy",
    "traffic_percent",
    "step_bake_time",
    "bake_time",
    "deletion_protection",
    "allow_http",
)
"""The constructor's keywords that ``from_config`` takes from the ``ContainerServiceConfig``."""
_EXECUTION_ROLE_REASON = (
    "ecr:GetAuthorizationToken supports no resource-level permissions (AWS requires Resource "
    "'*'); aws-cdk-lib grants it to the execution role for images in ECR."
)


@jsii.implements(iam.IGrantable, ec2.IConnectable)
class ContainerService(Construct):
    """An ECS service on Fargate behind an Application Load Balancer, released with rollback.

    The tasks (ARM64 by default) run in the VPC's private subnets without public addresses,
    with a read-only root filesystem, as a non-root user (``1000:1000``), their logs in a log
    group encrypted with a rotating KMS key (named ``/ecs/<service>/<path>``, retention from
    the stage), Container Insights (enhanced) on the cluster, a task role and an execution
    role whose permissions are customer-managed policies.

    The load balancer drops invalid headers, logs its access to a ``SecureBucket`` (SSE-S3,
    the only encryption Elastic Load Balancing delivers logs to; kept 90 days), serves HTTPS
    with TLS 1.2 or newer and redirects HTTP to it, and has a WAF web ACL (AWS managed rule
    groups, a rate limit per address, logs) unless the environment turns WAF off. Plain HTTP
    serves only in dev (without a certificate); staging and production refuse it.

    Every release has ECS's circuit breaker with rollback, and rollback alarms (the 5xx rate
    and the p99 response time of the target groups, Critical, named
    ``<stage>-<service>-<construct id>-rollback-<alarm>``) that ECS watches during the
    deployment and its bake time: an alarm rolls the release back. In staging and production
    a new release starts in its own (alternate) target group and receives 10% of the traffic
    for 5 minutes before the rest (ECS's native canary), then both releases run for a 10
    minute bake time; dev replaces its tasks all at once (rolling, 100% healthy minimum).
    Auto scaling follows CPU (60%) and requests per target (1000 a minute).

    Stage defaults (``ContainerServiceConfig.for_stage``; production's outside an
    ``AbstractStack``): dev runs 1 to 2 tasks of 0.25 vCPU and 512 MiB, rolling, without
    deletion protection, and may serve plain HTTP; staging 2 to 4 tasks of 0.5 vCPU and 1 GiB;
    production 2 to 10 tasks of 1 vCPU and 2 GiB. The log group and the access-log bucket are
    DESTROYed in dev and RETAINed elsewhere (``removal_policy_for``).

    Parameters
    ----------
    scope, construct_id:
        As for any construct. The child ids ``LogGroup``, ``LogKey``, ``AccessLogs`` (its
        ``Bucket`` and its own access-log bucket ``AccessLogs``), ``LoadBalancer``, ``TargetGroup``,
        ``AlternateTargetGroup``, ``Cluster``, ``TaskDefinition``, ``Service``,
        ``WebAclLogs`` and ``WebAclLogsKey`` fix the CloudFormation logical ids; they are
        public contract, as is the log group's name.
    vpc:
        A VPC with private subnets with egress (NAT) and, for an internet-facing load
        balancer, public subnets: a ``StandardVpc`` or any ``ec2.IVpc``.
    image:
        The container image (``ecs.ContainerImage.from_registry(...)``,
        ``from_ecr_repository(...)``), built for ARM64.
    container_port:
        The port the container listens on. Default: 8080
    cpu, memory_mib:
        A task's size, a combination Fargate runs. Default: - the stage's
        (``ContainerServiceConfig``: 256/512 dev, 512/1024 staging, 1024/2048 production)
    environment:
        Environment variables. Default: none
    secrets:
        Variables from Secrets Manager or SSM (``ecs.Secret``); the execution role may read
        each. Default: none
    command:
        The container's command. Default: - the image's
    health_check:
        The container's own health check (``ecs.HealthCheck``). Default: - none (the load
        balancer's health check on ``health_check_path`` replaces unhealthy tasks)
    health_check_path:
        The path the load balancer checks (200-399 is healthy). Default: ``'/'``
    internet_facing:
        An internet-facing load balancer in the public subnets; False for an internal one in
        the private subnets, which admits only what ``allow_from`` names. Default: True
    certificate:
        The ACM certificate of the HTTPS listener. Default: - the environment setting
        ``certificate_arn`` (``config.setting("certificate_arn")``); without either, plain
        HTTP in dev and a ``ValidationError`` elsewhere
    allow_http:
        Serve plain HTTP (port 80) without a certificate: dev only. Default: - True in dev
        without a certificate, else False
    read_only_root_filesystem:
        False lets the container write to its root filesystem; needs
        ``read_only_root_filesystem_reason``. Default: True
    read_only_root_filesystem_reason:
        Why the container must write to its root filesystem (at least 20 characters):
        recorded as your acknowledgement of the compliance findings. Default: - none
    run_as_root:
        Run the image's own user (root); needs ``run_as_root_reason``. Default: False
    run_as_root_reason:
        Why the container must run as root (at least 20 characters). Default: - none
    user:
        The user the container runs as (not root). Default: ``'1000:1000'``
    min_capacity, max_capacity:
        The fewest and the most tasks auto scaling keeps; at least 2 outside dev.
        Default: - the stage's (1-2 dev, 2-4 staging, 2-10 production)
    cpu_target_percent:
        The CPU utilization auto scaling keeps, 10 to 90. Default: 60
    requests_per_target:
        The requests a minute per task auto scaling keeps. Default: 1000
    strategy:
        ``ReleaseStrategy`` (or its value): ``'rolling'``, ``'canary'``, ``'linear'``,
        ``'blue_green'``. Default: - rolling in dev, canary elsewhere
    traffic_percent:
        The canary's share (0.1 to 50) or each linear step's (3 to 50). Default: 10
    step_bake_time:
        How long the canary (or each linear step) runs before more traffic moves, 1 minute to
        24 hours. Default: 5 minutes
    bake_time:
        How long both releases keep running once all traffic moved, 1 minute to 24 hours
        (canary, linear, blue/green). Default: 10 minutes
    lifecycle_hook:
        A Lambda function ECS invokes at ``lifecycle_stages`` of a canary, linear or
        blue/green release; it returns ``{"hookStatus": "SUCCEEDED"}`` (or ``FAILED``, which
        rolls back, or ``IN_PROGRESS``). Default: - none
    lifecycle_stages:
        Default: ``[DeploymentLifecycleStage.POST_SCALE_UP]`` (the new tasks run, before
        any production traffic)
    rollback_alarms:
        Overrides of the rollback alarms (``target_5xx_rate``, ``response_time_p99``), as
        ``AlarmSettings``; turning one off is for dev only. Default: - the catalogue's
    alarm_topic:
        Where the rollback alarms and ECS's deployment events (started, completed, failed,
        through an EventBridge rule) go. Default: - alarms without actions, no events
    service_name:
        The service part of the names the construct writes (alarms, the log group).
        Default: - the ``monitoring``'s service name, else the stack's name
    load_balancer_name:
        Default: ``<service>-<construct id>``, shortened to 32 characters
    deletion_protection:
        The load balancer refuses deletion; required in production. Default: - False in dev,
        True elsewhere
    waf:
        A web ACL in front of the load balancer. Default: - the environment's
        ``security.waf_enabled`` in an ``AbstractStack``, else True
    waf_rate_limit:
        Requests per 5 minutes from one address before WAF blocks it. Default: 2000
    log_retention:
        Default: - the environment's log retention (one year outside an ``AbstractStack``)
    monitoring:
        Add the service to this ``ServiceMonitoring`` (``monitor_container_service``).
        Default: - none

    Raises
    ------
    ValidationError
        For a task size Fargate does not run, a VPC without private subnets with egress (or
        without public subnets for an internet-facing load balancer) or of another region,
        plain HTTP outside dev or with a certificate, no certificate outside dev, a
        certificate of another region, an opt-out (``read_only_root_filesystem=False``,
        ``run_as_root=True``) without its reason or a reason without the opt-out, a root
        ``user``, fewer than 2 tasks outside dev, ``max_capacity`` below ``min_capacity``,
        a traffic share or a bake time outside its range or given to a strategy that has
        none, a lifecycle hook with the rolling strategy or in another stack, a rollback
        alarm turned off outside dev, deletion protection off in production,
        ``waf_rate_limit`` without WAF, invalid environment variables or names, a value of
        the wrong type or an id already used in ``scope``; nothing is added to the tree.

    Example
    -------
    ::

        web = ContainerService(
            self,
            "Web",
            vpc=network,
            image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:latest"),
            container_port=8080,
            alarm_topic=alarms,
        )
        orders.grant_read_write_data(web)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: StandardVpc | ec2.IVpc,
        image: ecs.ContainerImage,
        container_port: int = 8080,
        cpu: int | None = None,
        memory_mib: int | None = None,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, ecs.Secret] | None = None,
        command: Sequence[str] | None = None,
        health_check: ecs.HealthCheck | None = None,
        health_check_path: str = "/",
        internet_facing: bool = True,
        certificate: acm.ICertificate | None = None,
        allow_http: bool | None = None,
        read_only_root_filesystem: bool = True,
        read_only_root_filesystem_reason: str | None = None,
        run_as_root: bool = False,
        run_as_root_reason: str | None = None,
        user: str | None = None,
        min_capacity: int | None = None,
        max_capacity: int | None = None,
        cpu_target_percent: float = 60,
        requests_per_target: int = 1000,
        strategy: ReleaseStrategy | str | None = None,
        traffic_percent: float | None = None,
        step_bake_time: Duration | None = None,
        bake_time: Duration | None = None,
        lifecycle_hook: lambda_.IFunction | None = None,
        lifecycle_stages: Sequence[ecs.DeploymentLifecycleStage] | None = None,
        rollback_alarms: Mapping[str, AlarmSettings] | None = None,
        alarm_topic: AlarmTopic | sns.ITopic | None = None,
        service_name: str | None = None,
        load_balancer_name: str | None = None,
        deletion_protection: bool | None = None,
        waf: bool | None = None,
        waf_rate_limit: int | None = None,
        log_retention: logs.RetentionDays | None = None,
        monitoring: ServiceMonitoring | None = None,
    ) -> None:
        where = f"ContainerService({construct_id!r})"
        arguments = dict(locals())
        checks.check_arguments(where, ContainerService.__init__, arguments)
        checks.check_scope(where, scope, construct_id)
        for name in ("self", "scope", "construct_id", "where", "alarm_topic", "__class__"):
            arguments.pop(name, None)
        settings = checked(where, scope, construct_id, **arguments)
        super().__init__(scope, construct_id)
        library_construct(self, "ContainerService")
        pin_feature_flags(self, ECS_SERVICE_ARN_WITH_CLUSTER)
        self._settings = settings
        self._monitoring = monitoring
        self._build(settings, alarm_topic)
        if monitoring is not None:
            monitoring.monitor_container_service(self, label=construct_id)

    def _build(
        self, settings: ContainerSettings, alarm_topic: AlarmTopic | sns.ITopic | None
    ) -> None:
        removal = removal_policy_for(self)
        self._tasks: Tasks = build_tasks(self, settings, removal)
        self._front: Front = build_front(self, settings, removal)
        front = self._front
        if settings.stage is Stage.PRODUCTION and not settings.strategy.shifts_traffic:
            Annotations.of(self).add_warning_v2(
                "org-constructs:ContainerService:RollingInProduction",
                f"{settings.where}: strategy is rolling in production: a bad release reaches "
                "every client before the rollback alarms can stop it; production defaults to "
                "a canary (leave strategy out)",
            )
        groups = [front.target_group]
        if front.alternate_target_group is not None:
            groups.append(front.alternate_target_group)
        config = config_of(self)
        monitoring = self._monitoring
        runbook = (
            monitoring.runbook_url
            if monitoring is not None
            else (config.runbook_url if config is not None else None) or default_runbook_url()
        )
        stage_name = (
            settings.stage.value
            if settings.stage is not None
            else (monitoring.stage.value if monitoring is not None else "default")
        )
        self._rollback_alarms = create_rollback_alarms(
            self,
            front.load_balancer,
            groups,
            where=settings.where,
            stage=stage_name,
            prefix=(settings.service_name, name_part_of(id_of(self))),
            runbook=runbook,
            keys=settings.rollback_alarm_keys,
            overrides=settings.rollback_alarms,
            action=_action(alarm_topic),
        )
        self._security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=settings.vpc,
            description=f"Tasks of {path_of(self)}",
            allow_all_outbound=True,
        )
        self._service = create_service(
            self,
            settings,
            tasks=self._tasks,
            front=front,
            security_group=self._security_group,
            alarms=list(self._rollback_alarms.values()),
        )
        if alarm_topic is not None:
            send_deployment_events(
                self,
                alarm_topic,
                self._service.service_arn,
                description=f"The deployments of {path_of(self)}",
            )
        policy = self._tasks.execution_role.policy
        if policy is not None and _grants_every_resource(policy):
            acknowledge(policy, _EXECUTION_ROLE_REASON, "AwsSolutions-IAM5[Resource::*]")

    @classmethod
    def from_config(
        cls,
        scope: Construct,
        construct_id: str,
        config: ContainerServiceConfig,
        **kwargs: Any,
    ) -> ContainerService:
        """A ``ContainerService`` with its size, capacity, release strategy, deletion
        protection and plain-HTTP choice from ``config``.

        ``kwargs`` are the other keyword arguments of the constructor (``vpc``, ``image``...).

        Raises
        ------
        ValidationError
            For a keyword the config already gives (``cpu``, ``memory_mib``,
            ``min_capacity``, ``max_capacity``, ``strategy``, ``traffic_percent``,
            ``step_bake_time``, ``bake_time``, ``deletion_protection``, ``allow_http``) or
            that is no property, and as the constructor.
        """
        where = f"ContainerService({construct_id!r})"
        checks.check_arguments(where, cls.from_config, locals())
        checks.check_keywords(where, cls.__init__, kwargs, taken=_FROM_CONFIG)
        strategy = config.strategy
        stepped = strategy in (ReleaseStrategy.CANARY, ReleaseStrategy.LINEAR)
        return cls(
            scope,
            construct_id,
            cpu=config.cpu,
            memory_mib=config.memory_mib,
            min_capacity=config.min_capacity,
            max_capacity=config.max_capacity,
            strategy=strategy,
            traffic_percent=config.traffic_percent if stepped else None,
            step_bake_time=Duration.minutes(config.step_bake_time_minutes) if stepped else None,
            bake_time=(
                Duration.minutes(config.bake_time_minutes) if strategy.shifts_traffic else None
            ),
            deletion_protection=config.deletion_protection,
            allow_http=config.allow_http and _no_certificate(scope, kwargs),
            **kwargs,
        )

    # ----------------------------------------------------------------------------- attributes

    @property
    def service(self) -> ecs.FargateService:
        """The ECS service."""
        return self._service

    @property
    def cluster(self) -> ecs.Cluster:
        """The ECS cluster (Container Insights enhanced)."""
        return self._tasks.cluster

    @property
    def task_definition(self) -> ecs.FargateTaskDefinition:
        """The task definition."""
        return self._tasks.task_definition

    @property
    def container(self) -> ecs.ContainerDefinition:
        """The container (named ``app``)."""
        return self._tasks.container

    @property
    def log_group(self) -> logs.LogGroup:
        """The container's encrypted log group."""
        return self._tasks.log_group

    @property
    def load_balancer(self) -> elbv2.ApplicationLoadBalancer:
        """The Application Load Balancer."""
        return self._front.load_balancer

    @property
    def listener(self) -> elbv2.ApplicationListener:
        """The listener that serves: HTTPS (or plain HTTP in dev)."""
        return self._front.listener

    @property
    def target_group(self) -> elbv2.ApplicationTargetGroup:
        """The production target group (the one the service was created in)."""
        return self._front.target_group

    @property
    def alternate_target_group(self) -> elbv2.ApplicationTargetGroup | None:
        """The target group a canary, linear or blue/green release starts in; None when
        rolling."""
        return self._front.alternate_target_group

    @property
    def access_logs(self) -> SecureBucket:
        """The ``SecureBucket`` of the load balancer's access logs."""
        return self._front.access_logs

    @property
    def rollback_alarms(self) -> dict[str, cw.Alarm]:
        """The alarms that roll a release back, by key."""
        return dict(self._rollback_alarms)

    @property
    def strategy(self) -> ReleaseStrategy:
        """How releases reach traffic."""
        return self._settings.strategy

    @property
    def service_name(self) -> str:
        """The service part of the names the construct writes."""
        return self._settings.service_name

    @property
    def task_role(self) -> iam.Role:
        """The task role: what the container may call; grants land in its customer-managed
        policy."""
        return self._tasks.task_role

    @property
    def execution_role(self) -> iam.Role:
        """The role ECS uses to pull the image, write logs and read secrets."""
        return self._tasks.execution_role

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The task role: ``table.grant_read_data(service)`` grants to it."""
        return self._tasks.task_role

    @property
    def connections(self) -> ec2.Connections:
        """The tasks' security group, so that ``database.allow_from(service)`` works."""
        return self._service.connections

    # ----------------------------------------------------------------------------- methods

    def allow_from(
        self, peer: ec2.IConnectable | ec2.IPeer, description: str | None = None
    ) -> None:
        """Let ``peer`` (a security group, a network, a construct with connections) reach the
        load balancer on its listener ports, and nothing else; what an internal load balancer
        needs for each client.

        Raises
        ------
        ValidationError
            For a peer that is every address, a function outside a VPC, or a description
            over 255 characters.
        """
        where = f"ContainerService({id_of(self)!r}).allow_from"
        checks.check_arguments(where, ContainerService.allow_from, locals())
        admit(
            self,
            where,
            self._front.security_group,
            peer,
            ports=self._front.ports,
            description=description,
            noun="load balancer",
        )


def _action(topic: AlarmTopic | sns.ITopic | None) -> cw.IAlarmAction | None:
    if isinstance(topic, AlarmTopic):
        return topic.alarm_action
    if topic is None:
        return None
    return cw_actions.SnsAction(topic)


def _grants_every_resource(policy: iam.ManagedPolicy) -> bool:
    """Whether a statement of ``policy`` names ``Resource: '*'`` (ECR's authorization token)."""
    from aws_cdk import Stack

    document = Stack.of(policy).resolve(policy.document.to_json())
    for statement in document.get("Statement", []):
        resources = statement.get("Resource", [])
        if resources == "*" or (isinstance(resources, list) and "*" in resources):
            return True
    return False


def _no_certificate(scope: Construct, kwargs: Mapping[str, Any]) -> bool:
    """True when neither ``certificate`` nor the environment's setting gives one."""
    from org_constructs.containers._settings import CERTIFICATE_SETTING

    config = config_of(scope)
    return kwargs.get("certificate") is None and not (
        config is not None and CERTIFICATE_SETTING in config.settings
    )
