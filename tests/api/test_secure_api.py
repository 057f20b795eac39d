"""SecureApi: authorization, logs, tracing, throttling, validation, WAF, regulated settings."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    EnvironmentConfig,
    SecureApi,
    SecurityConfig,
    ServiceMonitoring,
    ValidationError,
)
from org_constructs.api import MANAGED_RULE_GROUPS
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.testing import find_resources, template_json
from tests.support import Background, checkov_report, make_app, templates_for_checkov

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")
Build = Callable[[Stack, lambda_.IFunction], SecureApi]


def handler(stack: Stack) -> lambda_.Function:
    return lambda_.Function(
        stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler", code=CODE
    )


class ApiStack(AbstractStack):
    def __init__(self, scope: Any, construct_id: str, *, build: Build, **kwargs: Any) -> None:
        self._build = build
        super().__init__(scope, construct_id, **kwargs)

    def initialize(self) -> None:
        self.function = handler(self)
        self.api = self._build(self, self.function)


def default_api(stack: Stack, function: lambda_.IFunction) -> SecureApi:
    return SecureApi(stack, "Orders", handler=function)


def full_api(stack: Stack, function: lambda_.IFunction) -> SecureApi:
    pool = cognito.UserPool(stack, "Users")
    certificate = acm.Certificate.from_certificate_arn(
        stack, "Cert", "arn:aws:acm:us-east-1:333333333333:certificate/abc"
    )
    return SecureApi(
        stack,
        "Orders",
        handler=function,
        api_name="orders-public",
        stage_name="prod",
        authorizer=apigw.CognitoUserPoolsAuthorizer(stack, "Authorizer", cognito_user_pools=[pool]),
        throttling_rate_limit=500,
        throttling_burst_limit=1000,
        waf=True,
        waf_rate_limit=500,
        regulated=True,
        domain_name="orders.example.com",
        certificate=certificate,
    )


@pytest.fixture(scope="session")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, ApiStack]:
    variants: dict[str, tuple[str, Build]] = {
        "dev": ("dev", default_api),
        "staging": ("staging", default_api),
        "production": ("production", default_api),
        "regulated": ("production", lambda s, f: SecureApi(s, "Orders", handler=f, regulated=True)),
        "full": ("production", full_api),
    }
    return {
        name: ApiStack(make_app(), f"Api-{name}", config=environments[env], build=build)
        for name, (env, build) in variants.items()
    }


@pytest.fixture(scope="session")
def templates(
    stacks: dict[str, ApiStack], background: Background, request: pytest.FixtureRequest
) -> dict[str, Template]:
    """Session-scoped: the end-to-end checkov test reads them after the fast tests."""
    return templates_for_checkov(stacks, background, request, __file__, "secure_api")


def single(template: Template, kind: str) -> dict[str, Any]:
    found = find_resources(template, kind)
    assert len(found) == 1, sorted(found)
    (resource,) = found.values()
    return resource


def stage_of(template: Template) -> dict[str, Any]:
    props: dict[str, Any] = single(template, "AWS::ApiGateway::Stage")["Properties"]
    return props


class TestDefaults:
    def test_every_method_is_authorized_with_iam(self, templates: dict[str, Template]) -> None:
        methods = find_resources(templates["dev"], "AWS::ApiGateway::Method")
        assert len(methods) == 2  # ANY on / and on /{proxy+}
        assert {m["Properties"]["AuthorizationType"] for m in methods.values()} == {"AWS_IAM"}

    def test_the_stage_traces_logs_errors_and_throttles(
        self, templates: dict[str, Template]
    ) -> None:
        stage = stage_of(templates["dev"])
        assert stage["StageName"] == "v1"
        assert stage["TracingEnabled"] is True
        (settings,) = stage["MethodSettings"]
        assert settings["LoggingLevel"] == "ERROR"
        assert settings["DataTraceEnabled"] is False
        assert settings["MetricsEnabled"] is True
        assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (100, 200)
        assert (settings["HttpMethod"], settings["ResourcePath"]) == ("*", "/*")

    def test_json_access_logs_with_the_standard_fields_to_an_encrypted_group(
        self, stacks: dict[str, ApiStack], templates: dict[str, Template]
    ) -> None:
        template = templates["dev"]
        stage = stage_of(template)
        log_format = json.loads(stage["AccessLogSetting"]["Format"])
        assert set(log_format) >= {
            "requestId",
            "ip",
            "caller",
            "user",
            "requestTime",
            "httpMethod",
            "resourcePath",
            "status",
            "protocol",
            "responseLength",
        }
        stack = stacks["dev"]
        cfn = stack.api.access_log_group.node.default_child
        logical_id = stack.resolve(cfn.logical_id)  # type: ignore[union-attr]
        access = find_resources(template, "AWS::Logs::LogGroup")[logical_id]
        assert {"Ref": logical_id} in stage["AccessLogSetting"]["DestinationArn"]["Fn::Join"][1]
        assert "KmsKeyId" in access["Properties"]
        keys = find_resources(template, "AWS::KMS::Key")
        assert all(k["Properties"]["EnableKeyRotation"] for k in keys.values())

    @pytest.mark.parametrize(("name", "days"), [("dev", 7), ("staging", 90), ("production", 365)])
    def test_log_retention_follows_the_stage(
        self, templates: dict[str, Template], name: str, days: int
    ) -> None:
        groups = find_resources(templates[name], "AWS::Logs::LogGroup")
        ours = {k: g for k, g in groups.items() if k.startswith("Orders")}
        assert len(ours) == (1 if name == "dev" else 2)  # access logs, WAF logs
        assert {g["Properties"]["RetentionInDays"] for g in ours.values()} == {days}

    def test_requests_are_validated(self, templates: dict[str, Template]) -> None:
        validator = single(templates["dev"], "AWS::ApiGateway::RequestValidator")["Properties"]
        assert validator["ValidateRequestBody"] is True
        assert validator["ValidateRequestParameters"] is True

    def test_regional_without_the_account_role(self, templates: dict[str, Template]) -> None:
        api = single(templates["dev"], "AWS::ApiGateway::RestApi")["Properties"]
        assert api["Name"] == "Api-dev-Orders"  # the stack name: unique in the account
        assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
        assert not find_resources(templates["dev"], "AWS::ApiGateway::Account")

    def test_no_cache_and_no_client_certificate_outside_regulated(
        self, templates: dict[str, Template]
    ) -> None:
        stage = stage_of(templates["production"])
        assert "ClientCertificateId" not in stage
        assert stage.get("CacheClusterEnabled") is False
        assert not find_resources(templates["production"], "AWS::ApiGateway::ClientCertificate")


class TestWaf:
    def test_the_environment_decides(self, templates: dict[str, Template]) -> None:
        # The test environments: dev turns WAF off (security.waf_enabled=false).
        assert not find_resources(templates["dev"], "AWS::WAFv2::WebACL")
        assert find_resources(templates["staging"], "AWS::WAFv2::WebACL")

    def test_managed_rule_groups_and_a_rate_limit(self, templates: dict[str, Template]) -> None:
        acl = single(templates["production"], "AWS::WAFv2::WebACL")["Properties"]
        assert acl["Scope"] == "REGIONAL"
        assert acl["DefaultAction"] == {"Allow": {}}
        rules = acl["Rules"]
        groups = [r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in rules[:-1]]
        assert groups == list(MANAGED_RULE_GROUPS)
        assert all(r["OverrideAction"] == {"None": {}} for r in rules[:-1])
        rate = rules[-1]
        assert rate["Action"] == {"Block": {}}
        assert rate["Statement"]["RateBasedStatement"] == {"Limit": 2000, "AggregateKeyType": "IP"}
        assert [r["Priority"] for r in rules] == [0, 1, 2]

    def test_logs_and_association(self, templates: dict[str, Template]) -> None:
        template = templates["production"]
        logging = single(template, "AWS::WAFv2::LoggingConfiguration")["Properties"]
        groups = find_resources(template, "AWS::Logs::LogGroup")
        (waf_group,) = [k for k in groups if k.startswith("OrdersWebAclLogs")]
        assert (
            groups[waf_group]["Properties"]["LogGroupName"] == "aws-waf-logs-Api-production-Orders"
        )
        assert logging["LogDestinationConfigs"] == [{"Fn::GetAtt": [waf_group, "Arn"]}]
        association = single(template, "AWS::WAFv2::WebACLAssociation")["Properties"]
        assert "Fn::Join" in json.dumps(association["ResourceArn"])
        assert "/stages/" in json.dumps(association["ResourceArn"])


class TestRegulatedAndOptions:
    def test_regulated_adds_a_client_certificate_and_an_encrypted_cache(
        self, templates: dict[str, Template]
    ) -> None:
        template = templates["regulated"]
        stage = stage_of(template)
        certificate = single(template, "AWS::ApiGateway::ClientCertificate")
        assert certificate is not None
        assert "ClientCertificateId" in stage
        assert (stage["CacheClusterEnabled"], stage["CacheClusterSize"]) == (True, "0.5")
        (settings,) = stage["MethodSettings"]
        assert settings["CachingEnabled"] is True
        assert settings["CacheDataEncrypted"] is True
        assert settings["CacheTtlInSeconds"] == 60

    def test_every_option(self, templates: dict[str, Template]) -> None:
        template = templates["full"]
        api = single(template, "AWS::ApiGateway::RestApi")["Properties"]
        assert api["Name"] == "orders-public"
        stage = stage_of(template)
        assert stage["StageName"] == "prod"
        (settings,) = stage["MethodSettings"]
        assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (500, 1000)
        methods = find_resources(template, "AWS::ApiGateway::Method")
        assert {m["Properties"]["AuthorizationType"] for m in methods.values()} == {
            "COGNITO_USER_POOLS"
        }
        domain = single(template, "AWS::ApiGateway::DomainName")["Properties"]
        assert domain["DomainName"] == "orders.example.com"
        assert domain["SecurityPolicy"] == "TLS_1_2"
        acl = single(template, "AWS::WAFv2::WebACL")["Properties"]
        assert acl["Rules"][-1]["Statement"]["RateBasedStatement"]["Limit"] == 500

    def test_without_a_handler_your_methods_are_authorized_the_same_way(self) -> None:
        plain = Stack(make_app(), "General")
        api = SecureApi(plain, "Admin", waf=False)
        api.root.add_resource("health").add_method("GET", apigw.MockIntegration())
        template = Template.from_stack(plain)
        (method,) = find_resources(template, "AWS::ApiGateway::Method").values()
        assert method["Properties"]["AuthorizationType"] == "AWS_IAM"
        assert api.rest_api_name == "General-Admin"
        assert api.stage_name == "v1"
        assert api.web_acl is None
        assert api.regulated is False


class TestCompliance:
    @pytest.mark.parametrize("name", ["dev", "staging", "production", "regulated", "full"])
    def test_the_api_is_clean_on_every_pack(self, stacks: dict[str, ApiStack], name: str) -> None:
        findings = [
            f for f in nag_findings(stacks[name], list(NAG_PACKS)) if "/Orders/" in f.construct_path
        ]
        assert findings == []

    def test_the_library_justifies_what_it_leaves_out(self, templates: dict[str, Template]) -> None:
        acknowledged = json.dumps(template_json(templates["dev"]))
        for rule in ("AwsSolutions-APIG3", "AwsSolutions-COG4", "CKV_AWS_120", "CT.LAMBDA.PR.2"):
            assert rule in acknowledged, rule
        full = json.dumps(template_json(templates["full"]))
        assert "AwsSolutions-COG4" not in full, "a Cognito authorizer needs no acknowledgement"
        assert "AwsSolutions-APIG3" not in full


@pytest.mark.e2e
def test_checkov_passes(templates: dict[str, Template], background: Background) -> None:
    report = checkov_report(background, "secure_api", templates)
    # The test's own plain function (its DLQ, VPC, concurrency) is not the construct's.
    assert [f for f in report.failed if "Handler" not in f[2] and "Users" not in f[2]] == []
    assert report.passed > 30
    skipped = {(name, check) for name, check, _ in report.skipped}
    for name in ("dev", "staging", "production"):
        assert (name, "CKV_AWS_120") in skipped, "the cache is a regulated setting"
    assert not {check for name, check in skipped if name in ("regulated", "full")} & {
        "CKV_AWS_120",
        "CKV2_AWS_51",
    }


def test_monitoring_takes_the_construct(dev_config: EnvironmentConfig) -> None:
    class Monitored(AbstractStack):
        def initialize(self) -> None:
            api = SecureApi(self, "Orders", handler=handler(self))
            topic = AlarmTopic.from_config(self, "Alarms", self.config)
            monitoring = ServiceMonitoring(
                self, "Monitoring", service_name="orders", alarm_topic=topic
            )
            self.resource = monitoring.monitor_rest_api(api)

    stack = Monitored(make_app(), "Monitored", config=dev_config)
    assert stack.resource.label == "Orders"
    alarms = find_resources(Template.from_stack(stack), "AWS::CloudWatch::Alarm")
    names = {a["Properties"]["AlarmName"] for a in alarms.values()}
    assert "dev-orders-Orders-server-errors" in names
    for alarm in alarms.values():
        dimensions = {d["Name"]: d["Value"] for d in alarm["Properties"].get("Dimensions", [])}
        if dimensions and alarm["Properties"]["AlarmName"].startswith("dev-orders-Orders-"):
            assert dimensions == {"ApiName": "Monitored-Orders", "Stage": "v1"}
    # The alarm topic's own dead-letter queue is watched too.
    assert "dev-orders-AlarmsDeadLetters-messages" in names


BAD: dict[str, tuple[dict[str, Any], str]] = {
    "api name": ({"api_name": "orders api"}, r"api_name='orders api': must be 1-128 letters"),
    "stage name": (
        {"stage_name": "v-1"},
        r"stage_name='v-1': must be 1-128 letters, digits or '_'",
    ),
    "rate": ({"throttling_rate_limit": 0}, r"throttling_rate_limit=0: must be between 1 and"),
    "burst": ({"throttling_burst_limit": 6000}, r"throttling_burst_limit=6000: must be between"),
    "waf rate": ({"waf": True, "waf_rate_limit": 5}, r"waf_rate_limit=5: must be between 10"),
    "waf rate without waf": (
        {"waf": False, "waf_rate_limit": 100},
        r"waf_rate_limit=100: cannot be given without WAF",
    ),
    "domain without certificate": (
        {"domain_name": "api.example.com"},
        r"certificate=None: is required with domain_name",
    ),
    "wrong type": ({"waf": "yes"}, r"waf='yes': must be"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_refused_and_leaves_nothing(case: str) -> None:
    arguments, message = BAD[case]
    stack = Stack(make_app(), "Bad")
    with pytest.raises(ValidationError, match=message):
        SecureApi(stack, "Orders", **arguments)
    assert stack.node.try_find_child("Orders") is None


@pytest.mark.parametrize("name", ["dev", "full"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot


def test_an_environment_with_a_regulated_pack_gets_the_regulated_settings(
    production_config: EnvironmentConfig,
) -> None:
    config = dataclasses.replace(
        production_config, security=SecurityConfig(nag_packs=("AwsSolutions", "HIPAA.Security"))
    )
    stack = ApiStack(make_app(), "Api-hipaa", config=config, build=default_api)
    assert stack.api.regulated is True
    assert stage_of(Template.from_stack(stack))["CacheClusterEnabled"] is True
