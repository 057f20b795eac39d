"""Names written into an account carry the service: two services in one account never collide."""

from __future__ import annotations

from collections import Counter
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    EnvironmentConfig,
    MonitoredFunction,
    SecureApi,
    SecureBucket,
    SecureCache,
    SecureQueue,
    SecureStateMachine,
    SecureTable,
    ServiceMonitoring,
    StandardVpc,
)
from org_constructs.core import fit_name, name_part_of
from org_constructs.testing import template_json
from tests.support import make_app

NAME_PROPERTIES = (
    "AlarmName",
    "DashboardName",
    "LogGroupName",
    "RoleName",
    "ManagedPolicyName",
    "TopicName",
    "QueueName",
    "TableName",
    "StateMachineName",
    "FunctionName",
    "DBInstanceIdentifier",
    "DBClusterIdentifier",
    "ReplicationGroupId",
    "CacheSubnetGroupName",
    "UserGroupId",
    "UserId",
    "ServerlessCacheName",
    "BucketName",
)
"""Properties whose value CloudFormation or the service keeps unique in an account and region."""
PK = dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
NAMED_BY_NAME = ("AWS::ApiGateway::RestApi", "AWS::WAFv2::WebACL", "AWS::ECS::Cluster")
"""Types whose ``Name`` is the name in the account (a Lambda alias's is only the function's)."""


class ServiceStack(AbstractStack):
    """The same stack code in two repositories, as ``org-cdk new`` writes it."""

    def __init__(
        self, scope: cdk.App, construct_id: str, *, config: EnvironmentConfig, monitored: bool
    ) -> None:
        self.monitored = monitored
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        SecureBucket(self, "Data")
        SecureQueue(self, "Jobs")
        SecureTable(self, "Orders", partition_key=PK)
        SecureStateMachine(
            self, "Flow", definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(self, "Go"))
        )
        alarms = AlarmTopic(self, "Alarms")
        monitoring = (
            ServiceMonitoring(self, "Monitoring", service_name=self.stack_name, alarm_topic=alarms)
            if self.monitored
            else None
        )
        function = MonitoredFunction(
            self,
            "Function",
            code=lambda_.Code.from_inline("def handler(event, context): pass"),
            handler="index.handler",
            alarm_topic=alarms,
            monitoring=monitoring,
        )
        # Each service declares the same API; SecureApi names it after the stack.
        SecureApi(self, "Api", handler=function)
        network = StandardVpc(self, "Network")
        SecureCache(self, "Sessions", vpc=network)


def names(template: dict[str, Any]) -> list[str]:
    found = []
    for resource in template["Resources"].values():
        props = (*NAME_PROPERTIES, "Name") if resource["Type"] in NAMED_BY_NAME else NAME_PROPERTIES
        for prop in props:
            value = resource.get("Properties", {}).get(prop)
            if isinstance(value, str):
                found.append(f"{resource['Type']} {value}")
    return found


def service(name: str, config: EnvironmentConfig, *, monitored: bool) -> list[str]:
    app = make_app()
    stack = ServiceStack(app, name, config=config, monitored=monitored)
    return names(template_json(Template.from_stack(stack)))


@pytest.fixture(scope="module")
def two_services(production_config: EnvironmentConfig) -> tuple[list[str], list[str]]:
    return (
        service("Orders-production", production_config, monitored=True),
        service("Billing-production", production_config, monitored=False),
    )


def test_the_services_write_account_unique_names(two_services: tuple[list[str], list[str]]) -> None:
    orders, billing = two_services
    kinds = {name.split()[0] for name in orders}
    # Rollback, steady-state and composite alarms, the dashboards, the WAF log group.
    assert {"AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::Logs::LogGroup"} <= kinds
    assert any("rollback" in name for name in billing)


def test_two_services_in_one_account_share_no_name(
    two_services: tuple[list[str], list[str]],
) -> None:
    orders, billing = two_services
    assert not set(orders) & set(billing)
    for one in two_services:
        assert [n for n, count in Counter(one).items() if count > 1] == []


def test_rollback_alarms_name_the_service_and_the_function(
    two_services: tuple[list[str], list[str]],
) -> None:
    orders, billing = two_services
    # With monitoring: its service name; without: the stack's name.
    assert "AWS::CloudWatch::Alarm production-Orders-production-Function-rollback-errors" in orders
    assert (
        "AWS::CloudWatch::Alarm production-Billing-production-Function-rollback-errors" in billing
    )
    assert "AWS::Logs::LogGroup aws-waf-logs-Billing-production-Api" in billing


def test_name_parts_and_long_names() -> None:
    assert name_part_of("Orders Function/1") == "Orders-Function-1"
    assert name_part_of("!!!") != ""
    long = "x" * 200
    fitted = fit_name(long, 128)
    assert len(fitted) == 128
    assert fitted != fit_name("x" * 199 + "y", 128)
    assert fit_name("short", 128) == "short"
