"""Bad input, everywhere: every public constructor and method refuses what it cannot use.

Each target is driven from its own signature: ``inspect.signature`` gives the parameters,
their type hints the values that cannot be right. What must hold:

- a value of the wrong type (an object of no known kind, a string where a list or a boolean
  is expected, ``True`` where a number is) raises ``ValidationError`` naming the parameter;
- any mix of wrong, out-of-range and valid values (hypothesis) raises nothing but the
  library's own errors (``OrgConstructsError``), and a refused call adds nothing to the tree,
  so that a retry with the same id works.

Construction alone is where these errors come from: nothing is synthesized.
"""

from __future__ import annotations

import contextlib
import enum
import inspect
import json
import math
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as lambda_event_sources
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import org_constructs
from org_constructs import (
    AbstractStack,
    AlarmSettings,
    AlarmTopic,
    BucketLifecycleRule,
    BucketTransition,
    CacheConfig,
    ContainerService,
    ContainerServiceConfig,
    DatabaseConfig,
    Deployment,
    DeploymentAccess,
    DeploymentNotifications,
    EnvironmentConfig,
    MonitoredFunction,
    OrgConstructsError,
    OrgPipeline,
    QueueConfig,
    SecureApi,
    SecureBucket,
    SecureCache,
    SecureDatabase,
    SecureQueue,
    SecureStateMachine,
    SecureTable,
    SecurityConfig,
    ServiceMonitoring,
    Severity,
    Stage,
    StandardVpc,
    StateMachineConfig,
    TableConfig,
    Trigger,
    ValidationError,
    VpcConfig,
    apply_organisation_defaults,
    environment_from_context,
    environments_from_context,
    load_environments,
    log_group_key,
    removal_policy_for,
    rotating_key,
    selected_environments,
    stage_of,
)
from org_constructs._internal import checks
from org_constructs._internal.kernel import Program
from org_constructs.compute import DeploymentKind
from org_constructs.config import environments_from_mapping
from tests.delivery.test_pipeline import CONNECTION, service
from tests.support import examples, make_app
from tests.test_docs import public_constructs

ACCOUNT, REGION = "111111111111", "us-east-1"
DEV = EnvironmentConfig(account=ACCOUNT, region=REGION, stage=Stage.DEV)


class ProbeStack(AbstractStack):
    """An ``AbstractStack`` with nothing in it."""

    def initialize(self) -> None:
        pass


@dataclass
class Probe:
    """One call of a target: the stack it builds in and what the target needs to run."""

    app: cdk.App
    stack: cdk.Stack

    def id(self, prefix: str) -> str:
        """A child id not used yet in the probe's stack."""
        return f"{prefix}{len(self.stack.node.children)}"

    def key(self) -> kms.Key:
        return kms.Key(self.stack, self.id("Key"))

    def topic(self) -> AlarmTopic:
        return AlarmTopic(self.stack, self.id("Topic"))

    def monitoring(self) -> ServiceMonitoring:
        """A valid ``ServiceMonitoring`` whose methods are probed."""
        return ServiceMonitoring(
            self.stack, "Monitoring", service_name="orders", alarm_topic=self.topic(), stage="dev"
        )

    def context_app(self) -> cdk.App:
        return make_app(environments={"dev": {"account": ACCOUNT, "region": REGION}})


Call = Callable[[Probe, Any, dict[str, Any]], object]
"""Calls a target: with the probe, the receiver of a method (or None) and the arguments."""


@dataclass(frozen=True)
class Target:
    """A public constructor or method, its valid required arguments, and how to call it."""

    function: Callable[..., Any]
    """Whose signature is probed."""
    call: Call
    required: Callable[[Probe], dict[str, Any]] = field(default=lambda probe: {})
    receiver: Callable[[Probe], Any] | None = None
    """For a method: builds the object whose method is called, before the call."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments passed through ``**kwargs``, with their type hints."""


def _construct(cls: Callable[..., object]) -> Call:
    def call(probe: Probe, receiver: Any, arguments: dict[str, Any]) -> object:
        return cls(**{"scope": probe.stack, "construct_id": "Probed", **arguments})

    return call


def _plain(function: Callable[..., object]) -> Call:
    return lambda probe, receiver, arguments: function(**arguments)


def _method(name: str) -> Call:
    return lambda probe, receiver, arguments: getattr(receiver, name)(**arguments)


_HOUR = cdk.Duration.hours(1)


def _code(probe: Probe) -> dict[str, Any]:
    return {"code": lambda_.Code.from_inline("def handler(event, context): pass")}


def _function(probe: Probe) -> lambda_.IFunction:
    return lambda_.Function.from_function_name(probe.stack, probe.id("Imported"), "orders-handler")


def _definition(probe: Probe) -> dict[str, Any]:
    return {"definition_body": sfn.DefinitionBody.from_string('{"StartAt":"A","States":{}}')}


def _state_machine(probe: Probe) -> SecureStateMachine:
    return SecureStateMachine(probe.stack, "Flow", **_definition(probe))


def _key_attribute(probe: Probe) -> dict[str, Any]:
    return {"partition_key": dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)}


def _table(probe: Probe) -> SecureTable:
    """A table with a stream, whose grants (``grant_stream_read`` among them) are probed."""
    return SecureTable(
        probe.stack,
        "Table",
        stream=dynamodb.StreamViewType.NEW_IMAGE,
        **_key_attribute(probe),
    )


def _vpc(probe: Probe) -> StandardVpc:
    """A VPC a ``SecureDatabase`` can use (isolated subnets, the Secrets Manager endpoint)."""
    found = probe.stack.node.try_find_child("DatabaseVpc")
    if isinstance(found, StandardVpc):
        return found
    return StandardVpc(probe.stack, "DatabaseVpc", interface_endpoints=["secretsmanager"])


def _web(probe: Probe) -> dict[str, Any]:
    """What a ``ContainerService`` needs in the probe's plain stack (production's defaults)."""
    return {
        "vpc": _vpc(probe),
        "image": ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:latest"),
        "certificate": acm.Certificate.from_certificate_arn(
            probe.stack,
            probe.id("Certificate"),
            f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab",
        ),
    }


def _monitor(method: Callable[..., Any], **required: Callable[[Probe], Any]) -> Target:
    return Target(
        method,
        _method(method.__name__),
        lambda probe: {name: make(probe) for name, make in required.items()},
        receiver=Probe.monitoring,
    )


TARGETS: dict[str, Target] = {
    "StandardVpc": Target(StandardVpc.__init__, _construct(StandardVpc)),
    "StandardVpc.from_config": Target(
        StandardVpc.from_config,
        _construct(StandardVpc.from_config),
        lambda probe: {"config": VpcConfig()},
    ),
    "StandardVpc.select_subnets": Target(
        StandardVpc.select_subnets,
        _method("select_subnets"),
        lambda probe: {"tier": "Private"},
        receiver=lambda probe: StandardVpc(probe.stack, "Vpc"),
    ),
    "SecureBucket": Target(SecureBucket.__init__, _construct(SecureBucket)),
    **{
        f"SecureBucket.{grant.__name__}": Target(
            grant,
            _method(grant.__name__),
            lambda probe: {"grantee": iam.AccountRootPrincipal()},
            receiver=lambda probe: SecureBucket(probe.stack, "Bucket"),
        )
        for grant in (
            SecureBucket.grant_read,
            SecureBucket.grant_write,
            SecureBucket.grant_read_write,
            SecureBucket.grant_put,
            SecureBucket.grant_delete,
        )
    },
    "SecureBucket.add_event_notification": Target(
        SecureBucket.add_event_notification,
        _method("add_event_notification"),
        lambda probe: {
            "event": s3.EventType.OBJECT_CREATED,
            "destination": sqs.Queue(probe.stack, probe.id("Jobs")),
        },
        receiver=lambda probe: SecureBucket(probe.stack, "Bucket"),
    ),
    "SecureQueue": Target(SecureQueue.__init__, _construct(SecureQueue)),
    "SecureQueue.from_config": Target(
        SecureQueue.from_config,
        _construct(SecureQueue.from_config),
        lambda probe: {"config": QueueConfig()},
    ),
    "SecureQueue.check_consumer_timeout": Target(
        SecureQueue.check_consumer_timeout,
        _method("check_consumer_timeout"),
        lambda probe: {"timeout": cdk.Duration.seconds(5)},
        receiver=lambda probe: SecureQueue(probe.stack, "Queue"),
    ),
    "SecureQueue.grant": Target(
        SecureQueue.grant,
        _method("grant"),
        lambda probe: {"grantee": iam.AccountRootPrincipal()},
        receiver=lambda probe: SecureQueue(probe.stack, "Queue"),
    ),
    **{
        f"SecureQueue.{grant.__name__}": Target(
            grant,
            _method(grant.__name__),
            lambda probe: {"grantee": iam.AccountRootPrincipal()},
            receiver=lambda probe: SecureQueue(probe.stack, "Queue"),
        )
        for grant in (
            SecureQueue.grant_send_messages,
            SecureQueue.grant_consume_messages,
            SecureQueue.grant_purge,
        )
    },
    "SecureStateMachine": Target(
        SecureStateMachine.__init__, _construct(SecureStateMachine), _definition
    ),
    "SecureStateMachine.from_config": Target(
        SecureStateMachine.from_config,
        _construct(SecureStateMachine.from_config),
        lambda probe: {"config": StateMachineConfig(), **_definition(probe)},
        extra={"definition_body": sfn.DefinitionBody},
    ),
    **{
        f"SecureStateMachine.{grant.__name__}": Target(
            grant,
            _method(grant.__name__),
            lambda probe: {"grantee": iam.AccountRootPrincipal()},
            receiver=_state_machine,
        )
        for grant in (SecureStateMachine.grant_start_execution, SecureStateMachine.grant_read)
    },
    "SecureCache": Target(
        SecureCache.__init__, _construct(SecureCache), lambda probe: {"vpc": _vpc(probe)}
    ),
    "SecureCache.from_config": Target(
        SecureCache.from_config,
        _construct(SecureCache.from_config),
        lambda probe: {"vpc": _vpc(probe), "config": CacheConfig()},
    ),
    "SecureCache.allow_from": Target(
        SecureCache.allow_from,
        _method("allow_from"),
        lambda probe: {"peer": ec2.Peer.ipv4("10.0.0.0/16")},
        receiver=lambda probe: SecureCache(probe.stack, probe.id("Cache"), vpc=_vpc(probe)),
    ),
    "ContainerService": Target(ContainerService.__init__, _construct(ContainerService), _web),
    "ContainerService.from_config": Target(
        ContainerService.from_config,
        _construct(ContainerService.from_config),
        lambda probe: {"config": ContainerServiceConfig(), **_web(probe)},
        extra={
            "vpc": StandardVpc,
            "image": ecs.ContainerImage,
            "certificate": acm.ICertificate,
        },
    ),
    "ContainerService.allow_from": Target(
        ContainerService.allow_from,
        _method("allow_from"),
        lambda probe: {"peer": ec2.Peer.ipv4("10.0.0.0/16")},
        receiver=lambda probe: ContainerService(probe.stack, probe.id("Web"), **_web(probe)),
    ),
    "ContainerServiceConfig": Target(ContainerServiceConfig, _plain(ContainerServiceConfig)),
    "ContainerServiceConfig.for_stage": Target(
        ContainerServiceConfig.for_stage,
        _plain(ContainerServiceConfig.for_stage),
        lambda probe: {"stage": "dev"},
    ),
    "CacheConfig": Target(CacheConfig, _plain(CacheConfig)),
    "CacheConfig.for_stage": Target(
        CacheConfig.for_stage, _plain(CacheConfig.for_stage), lambda probe: {"stage": "dev"}
    ),
    "ServiceMonitoring.monitor_table": _monitor(
        ServiceMonitoring.monitor_table,
        table=lambda probe: dynamodb.Table.from_table_name(probe.stack, "Table", "orders"),
    ),
    "ServiceMonitoring.monitor_cache": _monitor(
        ServiceMonitoring.monitor_cache,
        cache=lambda probe: SecureCache(probe.stack, probe.id("Cache"), vpc=_vpc(probe)),
    ),
    "ServiceMonitoring.monitor_container_service": _monitor(
        ServiceMonitoring.monitor_container_service,
        service=lambda probe: ecs.FargateService.from_fargate_service_attributes(
            probe.stack,
            probe.id("Service"),
            cluster=ecs.Cluster.from_cluster_attributes(
                probe.stack, probe.id("Cluster"), cluster_name="orders", vpc=_vpc(probe)
            ),
            service_name="orders-web",
        ),
    ),
    "ServiceMonitoring.monitor_load_balancer": _monitor(
        ServiceMonitoring.monitor_load_balancer,
        load_balancer=lambda probe: (
            elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
                probe.stack,
                probe.id("Lb"),
                load_balancer_arn=f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:"
                "loadbalancer/app/orders/50dc6c495c0c9188",
                security_group_id="sg-0123456789abcdef0",
            )
        ),
    ),
    "SecureTable": Target(SecureTable.__init__, _construct(SecureTable), _key_attribute),
    "SecureTable.from_config": Target(
        SecureTable.from_config,
        _construct(SecureTable.from_config),
        lambda probe: {"config": TableConfig(), **_key_attribute(probe)},
        extra={"partition_key": dynamodb.Attribute},
    ),
    **{
        f"SecureTable.{grant.__name__}": Target(
            grant,
            _method(grant.__name__),
            lambda probe: {"grantee": iam.AccountRootPrincipal()},
            receiver=_table,
        )
        for grant in (
            SecureTable.grant_read_data,
            SecureTable.grant_write_data,
            SecureTable.grant_read_write_data,
            SecureTable.grant_stream_read,
        )
    },
    "Trigger": Target(
        Trigger.__init__,
        _construct(Trigger),
        lambda probe: {"target": _function(probe), "schedule": events.Schedule.rate(_HOUR)},
    ),
    **{
        f"{owner.__name__}.{method}": Target(
            getattr(owner, method),
            _method(method),
            (lambda probe: {"construct_id": "Nightly", "schedule": events.Schedule.rate(_HOUR)})
            if method == "add_schedule"
            else (
                lambda probe: {
                    "construct_id": "OnOrder",
                    "event_pattern": events.EventPattern(source=["orders"]),
                }
            ),
            receiver=(
                (
                    lambda probe: MonitoredFunction(
                        probe.stack, probe.id("Function"), **_code(probe), handler="index.handler"
                    )
                )
                if owner is MonitoredFunction
                else _state_machine
            ),
        )
        for owner in (MonitoredFunction, SecureStateMachine)
        for method in ("add_schedule", "add_rule")
    },
    "ServiceMonitoring.monitor_rule": _monitor(
        ServiceMonitoring.monitor_rule,
        rule=lambda probe: events.Rule(
            probe.stack, probe.id("Rule"), schedule=events.Schedule.rate(_HOUR)
        ),
    ),
    "ServiceMonitoring.add_availability_slo": _monitor(
        ServiceMonitoring.add_availability_slo,
        target=lambda probe: SecureQueue(probe.stack, probe.id("Queue")),
    ),
    "ServiceMonitoring.add_latency_slo": _monitor(
        ServiceMonitoring.add_latency_slo,
        target=lambda probe: lambda_.Function.from_function_name(
            probe.stack, probe.id("Imported"), "orders-handler"
        ),
        threshold=lambda probe: cdk.Duration.millis(300),
    ),
    "ServiceMonitoring.add_slo": _monitor(
        ServiceMonitoring.add_slo,
        name=lambda probe: "checkout",
        good=lambda probe: cw.Metric(namespace="Orders", metric_name="Good", statistic="Sum"),
        total=lambda probe: cw.Metric(namespace="Orders", metric_name="All", statistic="Sum"),
    ),
    "SecureDatabase": Target(
        SecureDatabase.__init__, _construct(SecureDatabase), lambda probe: {"vpc": _vpc(probe)}
    ),
    "SecureDatabase.from_config": Target(
        SecureDatabase.from_config,
        _construct(SecureDatabase.from_config),
        lambda probe: {"vpc": _vpc(probe), "database_config": DatabaseConfig()},
    ),
    "SecureDatabase.allow_from": Target(
        SecureDatabase.allow_from,
        _method("allow_from"),
        lambda probe: {"peer": ec2.Peer.ipv4("10.0.0.0/16")},
        receiver=lambda probe: SecureDatabase(probe.stack, "Database", vpc=_vpc(probe)),
    ),
    "SecureDatabase.grant_connect": Target(
        SecureDatabase.grant_connect,
        _method("grant_connect"),
        lambda probe: {"grantee": iam.AccountRootPrincipal(), "db_user": "app"},
        receiver=lambda probe: SecureDatabase(probe.stack, "Database", vpc=_vpc(probe)),
    ),
    "SecureApi": Target(SecureApi.__init__, _construct(SecureApi)),
    "BucketLifecycleRule": Target(BucketLifecycleRule, _plain(BucketLifecycleRule)),
    "BucketTransition": Target(
        BucketTransition,
        _plain(BucketTransition),
        lambda probe: {"storage_class": s3.StorageClass.GLACIER, "after_days": 30},
    ),
    "AlarmTopic": Target(AlarmTopic.__init__, _construct(AlarmTopic)),
    "AlarmTopic.from_config": Target(
        AlarmTopic.from_config, _construct(AlarmTopic.from_config), lambda probe: {"config": DEV}
    ),
    "ServiceMonitoring": Target(
        ServiceMonitoring.__init__,
        _construct(ServiceMonitoring),
        lambda probe: {"service_name": "orders", "alarm_topic": probe.topic(), "stage": "dev"},
    ),
    "ServiceMonitoring.check_lambda_function": _monitor(
        ServiceMonitoring.check_lambda_function, label=lambda probe: "Handler"
    ),
    "ServiceMonitoring.check_label": Target(
        ServiceMonitoring.check_label,
        _method("check_label"),
        lambda probe: {"label": "Orders", "method": "monitor_table"},
        receiver=Probe.monitoring,
    ),
    "ServiceMonitoring.check_region": _monitor(
        ServiceMonitoring.check_region,
        prop=lambda probe: "function",
        target=lambda probe: probe.stack,
    ),
    "ServiceMonitoring.monitor_lambda_function": _monitor(
        ServiceMonitoring.monitor_lambda_function, function=_function
    ),
    "ServiceMonitoring.monitor_rest_api": _monitor(
        ServiceMonitoring.monitor_rest_api,
        api_name=lambda probe: "orders-api",
        stage_name=lambda probe: "prod",
    ),
    "ServiceMonitoring.monitor_database": _monitor(
        ServiceMonitoring.monitor_database,
        database=lambda probe: rds.DatabaseInstance.from_database_instance_attributes(
            probe.stack,
            "Db",
            instance_identifier="orders",
            instance_endpoint_address="orders.example.com",
            port=5432,
            security_groups=[],
        ),
    ),
    "ServiceMonitoring.monitor_nat_gateways": _monitor(
        ServiceMonitoring.monitor_nat_gateways,
        nat_gateway_ids=lambda probe: ["nat-0123456789abcdef0"],
    ),
    "ServiceMonitoring.monitor_nat_instances": _monitor(
        ServiceMonitoring.monitor_nat_instances,
        nat_instance_ids=lambda probe: ["i-0123456789abcdef0"],
    ),
    "ServiceMonitoring.monitors": _monitor(
        ServiceMonitoring.monitors, target=lambda probe: sqs.Queue(probe.stack, probe.id("Q"))
    ),
    "ServiceMonitoring.monitor_queue": _monitor(
        ServiceMonitoring.monitor_queue,
        queue=lambda probe: sqs.Queue(probe.stack, "Queue"),
    ),
    "ServiceMonitoring.monitor_dead_letter_queue": _monitor(
        ServiceMonitoring.monitor_dead_letter_queue,
        queue=lambda probe: sqs.Queue(probe.stack, "Failed"),
    ),
    "ServiceMonitoring.monitor_state_machine": _monitor(
        ServiceMonitoring.monitor_state_machine,
        state_machine=lambda probe: sfn.StateMachine.from_state_machine_arn(
            probe.stack, "Machine", f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:orders"
        ),
    ),
    "ServiceMonitoring.monitor_metric": _monitor(
        ServiceMonitoring.monitor_metric,
        metric=lambda probe: cw.Metric(namespace="Orders", metric_name="Failed"),
        label=lambda probe: "failed",
        threshold=lambda probe: 1,
    ),
    "ServiceMonitoring.add_fleet_search": _monitor(
        ServiceMonitoring.add_fleet_search,
        title=lambda probe: "Errors",
        search=lambda probe: '{AWS/Lambda,FunctionName} MetricName="Errors"',
    ),
    "AlarmSettings": Target(AlarmSettings, _plain(AlarmSettings)),
    "MonitoredFunction": Target(
        MonitoredFunction.__init__,
        _construct(MonitoredFunction),
        lambda probe: {**_code(probe), "handler": "index.handler"},
    ),
    "MonitoredFunction.add_event_source": Target(
        MonitoredFunction.add_event_source,
        _method("add_event_source"),
        lambda probe: {
            "source": lambda_event_sources.SqsEventSource(
                sqs.Queue(probe.stack, "Jobs", visibility_timeout=cdk.Duration.minutes(5))
            )
        },
        receiver=lambda probe: MonitoredFunction(
            probe.stack, "Function", **_code(probe), handler="index.handler"
        ),
    ),
    "MonitoredFunction.add_queue_source": Target(
        MonitoredFunction.add_queue_source,
        _method("add_queue_source"),
        lambda probe: {
            "queue": sqs.Queue(
                probe.stack, probe.id("Jobs"), visibility_timeout=cdk.Duration.minutes(5)
            )
        },
        receiver=lambda probe: MonitoredFunction(
            probe.stack, "Function", **_code(probe), handler="index.handler"
        ),
    ),
    "MonitoredFunction.grant_invoke": Target(
        MonitoredFunction.grant_invoke,
        _method("grant_invoke"),
        lambda probe: {"grantee": iam.AccountRootPrincipal()},
        receiver=lambda probe: MonitoredFunction(
            probe.stack, "Function", **_code(probe), handler="index.handler"
        ),
    ),
    "DeploymentNotifications.grant_publish": Target(
        DeploymentNotifications.grant_publish,
        _method("grant_publish"),
        lambda probe: {"grantee": iam.AccountRootPrincipal()},
        receiver=lambda probe: DeploymentNotifications(probe.stack, "Deployments"),
    ),
    "MonitoredFunction.add_environment": Target(
        MonitoredFunction.add_environment,
        _method("add_environment"),
        lambda probe: {"key": "LEVEL", "value": "info"},
        receiver=lambda probe: MonitoredFunction(
            probe.stack, "Function", **_code(probe), handler="index.handler"
        ),
    ),
    "Deployment": Target(
        Deployment,
        _plain(Deployment),
        lambda probe: {"kind": DeploymentKind.CANARY, "percentage": 10, "interval_minutes": 5},
    ),
    "Deployment.canary": Target(Deployment.canary, _plain(Deployment.canary)),
    "Deployment.linear": Target(Deployment.linear, _plain(Deployment.linear)),
    "Deployment.named": Target(
        Deployment.named, _plain(Deployment.named), lambda probe: {"name": "ALL_AT_ONCE"}
    ),
    "Deployment.for_stage": Target(
        Deployment.for_stage, _plain(Deployment.for_stage), lambda probe: {"stage": Stage.DEV}
    ),
    "DeploymentNotifications": Target(
        DeploymentNotifications.__init__, _construct(DeploymentNotifications)
    ),
    "OrgPipeline": Target(
        OrgPipeline.__init__,
        _construct(OrgPipeline),
        lambda probe: {
            "environments": {"dev": DEV},
            "stage": service,
            "connection_arn": CONNECTION,
            "repository": "acme/orders",
        },
    ),
    "DeploymentAccess": Target(
        DeploymentAccess.__init__,
        _construct(DeploymentAccess),
        lambda probe: {"repository": "acme/orders", "environments": "dev"},
    ),
    "DeploymentAccess.from_config": Target(
        DeploymentAccess.from_config,
        _construct(DeploymentAccess.from_config),
        lambda probe: {
            "config": EnvironmentConfig(
                account=ACCOUNT,
                region=REGION,
                stage=Stage.DEV,
                deploy_role_arn=f"arn:aws:iam::{ACCOUNT}:role/org-cdk-deploy",
            ),
            "repository": "acme/orders",
        },
        extra={"qualifier": str | None, "execution_policy": bool},
    ),
    "AbstractStack": Target(
        AbstractStack.__init__,
        lambda probe, receiver, arguments: ProbeStack(
            **{"scope": probe.app, "construct_id": "Probed", **arguments}
        ),
        lambda probe: {"config": DEV},
        extra={"stack_name": str | None, "description": str | None},
    ),
    "AbstractStack.create_output": Target(
        AbstractStack.create_output,
        _method("create_output"),
        lambda probe: {"output_id": "Out", "value": "v"},
        receiver=lambda probe: ProbeStack(probe.app, "Outputs", config=DEV),
    ),
    "VpcConfig": Target(VpcConfig, _plain(VpcConfig)),
    "VpcConfig.for_stage": Target(
        VpcConfig.for_stage, _plain(VpcConfig.for_stage), lambda probe: {"stage": "dev"}
    ),
    "DatabaseConfig": Target(DatabaseConfig, _plain(DatabaseConfig)),
    "SecurityConfig": Target(SecurityConfig, _plain(SecurityConfig)),
    "QueueConfig": Target(QueueConfig, _plain(QueueConfig)),
    "QueueConfig.for_stage": Target(
        QueueConfig.for_stage, _plain(QueueConfig.for_stage), lambda probe: {"stage": "dev"}
    ),
    "TableConfig": Target(TableConfig, _plain(TableConfig)),
    "TableConfig.for_stage": Target(
        TableConfig.for_stage, _plain(TableConfig.for_stage), lambda probe: {"stage": "dev"}
    ),
    "StateMachineConfig": Target(StateMachineConfig, _plain(StateMachineConfig)),
    "StateMachineConfig.for_stage": Target(
        StateMachineConfig.for_stage,
        _plain(StateMachineConfig.for_stage),
        lambda probe: {"stage": "dev"},
    ),
    "EnvironmentConfig": Target(
        EnvironmentConfig,
        _plain(EnvironmentConfig),
        lambda probe: {"account": ACCOUNT, "region": REGION, "stage": Stage.DEV},
    ),
    "load_environments": Target(
        load_environments,
        _plain(load_environments),
        lambda probe: {"path": Path(__file__).parent / "fixtures" / "environments.json"},
    ),
    "environments_from_mapping": Target(
        environments_from_mapping,
        _plain(environments_from_mapping),
        lambda probe: {"data": {"dev": {"account": ACCOUNT, "region": REGION}}, "source": "t"},
    ),
    "environments_from_context": Target(
        environments_from_context,
        _plain(environments_from_context),
        lambda probe: {"scope": probe.context_app()},
    ),
    "environment_from_context": Target(
        environment_from_context,
        _plain(environment_from_context),
        lambda probe: {"scope": make_app(stage="dev"), "environments": {"dev": DEV}},
    ),
    "selected_environments": Target(
        selected_environments,
        _plain(selected_environments),
        lambda probe: {"scope": make_app(stage="dev"), "environments": {"dev": DEV}},
    ),
    "rotating_key": Target(
        rotating_key,
        _plain(rotating_key),
        lambda probe: {"scope": probe.stack, "construct_id": "Probed", "purpose": "the data"},
    ),
    "log_group_key": Target(
        log_group_key,
        _plain(log_group_key),
        lambda probe: {"scope": probe.stack, "construct_id": "Probed", "purpose": "the logs"},
    ),
    "removal_policy_for": Target(
        removal_policy_for, _plain(removal_policy_for), lambda probe: {"scope": probe.stack}
    ),
    "apply_organisation_defaults": Target(
        apply_organisation_defaults,
        _plain(apply_organisation_defaults),
        # A stack of its own: the probe's AbstractStack has the defaults already.
        lambda probe: {
            "scope": cdk.Stack(probe.app, f"Plain{len(probe.app.node.children)}"),
            "stage": Stage.DEV,
        },
    ),
    "stage_of": Target(stage_of, _plain(stage_of), lambda probe: {"scope": probe.stack}),
}


# ------------------------------------------------------------------------------- parameters


def parameters(target: Target) -> dict[str, Any]:
    """The target's parameters by name, with their type hints."""
    # The loaders import Construct for type checking only.
    hints = checks.type_hints(target.function, localns={"Construct": Construct})
    names = [
        p.name
        for p in inspect.signature(target.function).parameters.values()
        if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    return {**{name: hints.get(name, Any) for name in names}, **target.extra}


def options(hint: Any) -> tuple[Any, ...]:
    """The members of a union hint (the hint itself for others)."""
    if typing.get_origin(hint) in (typing.Union, type(int | None)):
        return typing.get_args(hint)
    return (hint,)


def accepts(hint: Any, kind: type) -> bool:
    """Whether ``kind`` itself (``str``, ``float``...) is one of the options of ``hint``."""
    return any(option is kind for option in options(hint))


def is_list(hint: Any) -> bool:
    return any(typing.get_origin(o) in (list, tuple, Sequence) for o in options(hint))


_SHARED: dict[str, tuple[Probe, Any, dict[str, Any]]] = {}
"""The probe, receiver and required arguments of the last target a wrong-type case called
(see ``call``)."""


def constructs_in(app: cdk.App) -> int:
    """How many constructs the app holds, counted in the kernel (one request, where
    ``len(app.node.find_all())`` brings every construct of the tree over)."""
    program = Program()
    node = program.get(app, "node")
    (count,) = program.read(program.get(program.call(node, "findAll"), "length"))
    return int(count)


def call(
    name: str, arguments: Mapping[str, Any], make: Callable[[Probe], Any] | None = None
) -> Any:
    """Call target ``name`` with its required arguments and ``arguments``.

    Returns the error it raised, or None. Checks that a refused call added nothing to the tree.
    A property example (``make``) runs in a fresh app. The wrong-type cases of one target share
    one app, receiver and required arguments: each of them must be refused without adding
    anything, so the next finds them as the first left them; a call that is not refused
    discards them.
    """
    target = TARGETS[name]
    shared = _SHARED.pop(name, None) if make is None else None
    _SHARED.clear()
    if shared is None:
        app = make_app()
        stack = cdk.Stack(app, "Probe", env=cdk.Environment(account=ACCOUNT, region=REGION))
        probe = Probe(app, stack)
        receiver = target.receiver(probe) if target.receiver else None
        shared = (probe, receiver, target.required(probe))
    probe, receiver, required = shared
    values = {**required, **arguments}
    if make is not None:
        values = {**values, **make(probe)}
    before = constructs_in(probe.app)
    try:
        target.call(probe, receiver, values)
    except OrgConstructsError as error:
        added = constructs_in(probe.app) - before
        assert added == 0, f"{name} refused {values} but left {added} construct(s)"
        if make is None:
            _SHARED[name] = shared
        return error
    return None


class Unexpected:
    """A value of no type any parameter accepts."""

    def __repr__(self) -> str:
        return "<unexpected>"


# Parameters that take any value or whose type cannot be wrong.
UNTYPED = {("AbstractStack.create_output", "value")}
# Where an error names the value in the file's terms rather than the parameter's.
PROP_ALIASES = {("environments_from_mapping", "data"): "(top level)"}


def wrong_type_cases() -> list[tuple[str, str, str]]:
    """(target, parameter, kind of wrong value) for every parameter of every target."""
    cases = []
    for name, target in TARGETS.items():
        for parameter, hint in parameters(target).items():
            if (name, parameter) in UNTYPED:
                continue
            cases.append((name, parameter, "unexpected"))
            if is_list(hint) and not accepts(hint, str):
                cases.append((name, parameter, "string"))
            if accepts(hint, bool):
                cases.append((name, parameter, "truthy string"))
            if (accepts(hint, int) or accepts(hint, float)) and not accepts(hint, bool):
                cases.append((name, parameter, "boolean"))
    return cases


WRONG_VALUES: dict[str, Any] = {
    "unexpected": Unexpected(),
    "string": "ssm",
    "truthy string": "false",
    "boolean": True,
}


@pytest.mark.parametrize(("name", "parameter", "kind"), wrong_type_cases(), ids=str)
def test_a_wrong_type_is_refused_naming_the_parameter(name: str, parameter: str, kind: str) -> None:
    value = WRONG_VALUES[kind]
    error = call(name, {parameter: value})
    assert isinstance(error, ValidationError), f"{name}({parameter}={value!r}) was accepted"
    expected = PROP_ALIASES.get((name, parameter), parameter)
    assert error.prop.split("[")[0].split(".")[0] == expected.split(".")[0], str(error)


# ------------------------------------------------------------------------------- property


NUMBERS = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from([0, -1, 1, 2, 3, 6, 7, 29, 30, 128, 10240, 10241, 2**31, 10**20]),
    st.floats(allow_nan=True, allow_infinity=True),
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "x",
            "SSM",
            "ssm",
            "a" * 300,
            "com.amazonaws.us-east-1.ssm",
            "ops@example.com",
            "T0123456789",
            "dev",
            "a/b",
            "${Token[TOKEN.1]}",
            "ALL_AT_ONCE",
        ]
    ),
)


def pool(probe: Probe) -> dict[str, Callable[[], Any]]:
    """Values of many kinds, made in the probe's stack on demand."""
    stack = probe.stack
    return {
        "none": lambda: None,
        "true": lambda: True,
        "object": Unexpected,
        "empty list": list,
        "list of numbers": lambda: [1, 2],
        "repeated list": lambda: ["ssm", "ssm"],
        "mapping": lambda: {"a": 1},
        "string mapping": lambda: {"KEY": "value"},
        "zero duration": lambda: cdk.Duration.seconds(0),
        "odd duration": lambda: cdk.Duration.millis(1500),
        "long duration": lambda: cdk.Duration.days(5000),
        "minute": lambda: cdk.Duration.minutes(1),
        "token number": lambda: (
            cdk.CfnParameter(stack, probe.id("N"), type="Number").value_as_number
        ),
        "token string": lambda: cdk.Aws.ACCOUNT_ID,
        "token duration": lambda: cdk.Duration.seconds(
            cdk.CfnParameter(stack, probe.id("D"), type="Number").value_as_number
        ),
        "stack": lambda: stack,
        "app": lambda: probe.app,
        "key": probe.key,
        "bucket": lambda: s3.Bucket.from_bucket_name(stack, probe.id("Bucket"), "pool-bucket"),
        "topic": lambda: sns.Topic.from_topic_arn(
            stack, probe.id("Topic"), f"arn:aws:sns:{REGION}:{ACCOUNT}:pool"
        ),
        "alarm topic": probe.topic,
        "function": lambda: _function(probe),
        "code": lambda: _code(probe)["code"],
        "metric": lambda: cw.Metric(namespace="N", metric_name="M"),
        "principal": iam.AccountRootPrincipal,
        "stage": lambda: Stage.PRODUCTION,
        "severity": lambda: Severity.CRITICAL,
        "removal policy": lambda: cdk.RemovalPolicy.DESTROY,
        "encryption": lambda: s3.BucketEncryption.UNENCRYPTED,
        "storage class": lambda: s3.StorageClass.ONE_ZONE_INFREQUENT_ACCESS,
        "traffic type": lambda: ec2.FlowLogTrafficType.REJECT,
        "comparison": lambda: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        "alarm settings": lambda: AlarmSettings(threshold=5),
        "lifecycle rule": lambda: BucketLifecycleRule(id="rule"),
        "deployment": Deployment.canary,
        "config": lambda: DEV,
        "vpc config": lambda: VpcConfig(max_azs=1, nat_gateways=1),
    }


def value_for(hint: Any, data: st.DataObject, probe: Probe, label: str) -> Any:
    """A value for a parameter typed ``hint``: of its own kinds, out of range, or any other."""
    kinds = st.sampled_from(["hint", "hint", "pool"])
    if data.draw(kinds, label=f"{label} kind") == "pool":
        made = pool(probe)
        return made[data.draw(st.sampled_from(sorted(made)), label=label)]()
    strategies: list[st.SearchStrategy[Any]] = [st.none()]
    for option in options(hint):
        if option is bool:
            strategies.append(st.booleans())
        elif option in (int, float):
            strategies.append(NUMBERS)
        elif option is str:
            strategies.append(TEXT)
        elif is_list(option):
            strategies.append(st.lists(st.one_of(TEXT, NUMBERS), max_size=4))
        elif typing.get_origin(option) in (dict, Mapping):
            strategies.append(st.dictionaries(TEXT, st.one_of(TEXT, NUMBERS), max_size=3))
        elif isinstance(option, type) and issubclass(option, enum.Enum):
            strategies.append(st.sampled_from(list(option)))
    return data.draw(st.one_of(strategies), label=label)


PROPERTY_SETTINGS = settings(
    max_examples=examples(12),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", sorted(TARGETS))
@PROPERTY_SETTINGS
@given(data=st.data())
def test_bad_input_raises_only_the_librarys_errors(name: str, data: st.DataObject) -> None:
    hints = parameters(TARGETS[name])
    chosen = data.draw(
        st.lists(st.sampled_from(sorted(hints)), min_size=1, max_size=3, unique=True),
        label="parameters",
    )

    def make(probe: Probe) -> dict[str, Any]:
        return {p: value_for(hints[p], data, probe, p) for p in chosen}

    try:
        call(name, {}, make)
    except OrgConstructsError as error:  # pragma: no cover - call() returns these
        raise AssertionError(error) from error


# ------------------------------------------------------------------------------- loaders


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS.filter(math.isfinite), TEXT),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(TEXT, children, max_size=3)
    ),
    max_leaves=12,
)
SETTINGS = st.fixed_dictionaries(
    {"account": st.one_of(st.just(ACCOUNT), JSON), "region": st.one_of(st.just(REGION), JSON)},
    optional=dict.fromkeys(
        (
            "stage",
            "name",
            "vpc",
            "database",
            "security",
            "alarm_email",
            "log_retention_days",
            "tags",
            "profile",
            "availability_zones",
            "other",
        ),
        JSON,
    ),
)


@settings(max_examples=examples(60), derandomize=True, database=None, deadline=None)
@given(
    data=st.one_of(JSON, st.dictionaries(st.sampled_from(["dev", "production", "qa"]), SETTINGS))
)
def test_environment_files_raise_only_validation_errors(data: object) -> None:
    with contextlib.suppress(ValidationError):
        environments_from_mapping(data, source="environments.json")


@settings(max_examples=examples(20), derandomize=True, database=None, deadline=None)
@given(text=st.one_of(st.text(max_size=60), JSON.map(json.dumps)))
def test_environment_file_text_raises_only_validation_errors(
    text: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for suffix in (".json", ".yaml"):
        path = tmp_path_factory.mktemp("env") / f"environments{suffix}"
        path.write_text(text, encoding="utf-8")
        with contextlib.suppress(ValidationError):
            load_environments(path)


def delegated(construct: type[Construct]) -> set[str]:
    """Members of the aws-cdk-lib interfaces a construct implements by passing each call to the
    resource it wraps (``StandardVpc`` is an ``ec2.IVpc``): they behave as aws-cdk-lib's own.
    ``select_subnets`` is the library's (it also takes a tier name) and is probed."""
    interfaces = getattr(construct, "__jsii_ifaces__", ())
    names = {n for i in interfaces for n in dir(i) if not n.startswith("_")}
    return names - {"select_subnets"}


def public_methods(construct: type[Construct]) -> list[str]:
    """The public methods a construct defines itself that take arguments."""
    methods: list[str] = []
    passed_on = delegated(construct)
    for name, value in vars(construct).items():
        function = value.__func__ if isinstance(value, classmethod | staticmethod) else value
        if name.startswith("_") or name in passed_on or not inspect.isfunction(function):
            continue
        if set(inspect.signature(function).parameters) - {"self", "cls"}:
            methods.append(name)
    return methods


def test_every_public_construct_and_its_methods_are_probed() -> None:
    """Each construct the package or a subpackage exports (``public_constructs``), and each
    method it defines that takes arguments, has a target here."""
    constructs = public_constructs()
    assert constructs, "discovery found no construct"
    for name, construct in constructs.items():
        assert name in TARGETS, f"{name} has no target in tests/test_bad_input.py"
        assert TARGETS[name].function in (construct, construct.__init__), name
    missing = [
        f"{name}.{method}"
        for name, construct in constructs.items()
        for method in public_methods(construct)
        if f"{name}.{method}" not in TARGETS
    ]
    assert missing == [], "no target in tests/test_bad_input.py"


def test_every_public_class_and_function_is_probed() -> None:
    """Each name of the public API that takes arguments has a target here."""
    probed = {name.split(".")[0] for name in TARGETS}
    for name in org_constructs.__all__:
        value = getattr(org_constructs, name)
        if inspect.isclass(value) and issubclass(value, (BaseException, enum.Enum)):
            continue
        if callable(value):
            assert name in probed, f"{name} has no target in tests/test_bad_input.py"
