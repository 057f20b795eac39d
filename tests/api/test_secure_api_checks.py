"""SecureApi's values checked against each other and against the rest of the app."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import Environment, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from org_constructs import (
    AbstractStack,
    EnvironmentConfig,
    MonitoredFunction,
    SecureApi,
    SecurityConfig,
)
from org_constructs.errors import ValidationError
from tests.support import make_app

CODE = lambda_.Code.from_inline("def handler(event, context): pass")
EU = Environment(account="111111111111", region="eu-west-1")


def stack() -> Stack:
    return Stack(make_app(), "Svc-dev", env=EU)


def released(scope: Stack) -> MonitoredFunction:
    return MonitoredFunction(scope, "Orders", code=CODE, handler="index.handler")


def certificate(scope: Stack, region: str) -> acm.ICertificate:
    arn = f"arn:aws:acm:{region}:111111111111:certificate/0f3c-11aa"
    return acm.Certificate.from_certificate_arn(scope, f"Cert{region}", arn)


def authorizer(scope: Stack) -> apigw.TokenAuthorizer:
    function = lambda_.Function(
        scope, "Authorize", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_12
    )
    return apigw.TokenAuthorizer(scope, "Token", handler=function)


Build = Callable[[Stack], dict[str, Any]]
INVALID: dict[str, tuple[Build, str]] = {
    "the function of a MonitoredFunction": (
        lambda s: {"handler": released(s).function},
        r"handler='Svc-dev/Orders/Function': is the unversioned function of MonitoredFunction "
        r"'Svc-dev/Orders'.*canary",
    ),
    "an upper-case domain": (
        lambda s: {"domain_name": "API.Example.com", "certificate": certificate(s, "eu-west-1")},
        r"domain_name='API.Example.com': must be a lower-case host name",
    ),
    "a domain with an empty label": (
        lambda s: {"domain_name": "api..example.com", "certificate": certificate(s, "eu-west-1")},
        r"domain_name='api..example.com'",
    ),
    "a domain with a scheme": (
        lambda s: {
            "domain_name": "https://api.example.com",
            "certificate": certificate(s, "eu-west-1"),
        },
        r"domain_name='https://api.example.com'",
    ),
    "a certificate of another region": (
        lambda s: {"domain_name": "api.example.com", "certificate": certificate(s, "us-east-1")},
        r"certificate='arn:aws:acm:us-east-1:.*': is in region us-east-1, the stack in eu-west-1",
    ),
    "an ARN that is not a certificate": (
        lambda s: {
            "domain_name": "api.example.com",
            "certificate": acm.Certificate.from_certificate_arn(
                s, "NotCert", "arn:aws:iam::111111111111:role/x"
            ),
        },
        r"certificate='arn:aws:iam::111111111111:role/x': is not an ACM certificate ARN",
    ),
    "one api_name for two APIs": (
        lambda s: (SecureApi(s, "First", api_name="orders", waf=False), {"api_name": "orders"})[1],
        r"api_name='orders': is already the name of SecureApi 'Svc-dev/First'",
    ),
    "one authorizer for two APIs": (
        lambda s: (
            (auth := authorizer(s)),
            SecureApi(s, "First", authorizer=auth, waf=False).root.add_method("GET"),
            {"authorizer": auth},
        )[2],
        r"authorizer='Svc-dev/Token': already authorizes SecureApi 'Svc-dev/First'",
    ),
    "a burst below the rate": (
        lambda s: {
            "handler": released(s),
            "throttling_rate_limit": 500,
            "throttling_burst_limit": 100,
        },
        r"throttling_burst_limit=100: is below throttling_rate_limit \(500\)",
    ),
    "WAF off on a regulated API": (
        lambda s: {"handler": released(s), "waf": False, "regulated": True},
        r"waf=False: contradicts regulated=True.*web ACL",
    ),
}


@pytest.mark.parametrize("case", INVALID)
def test_contradictions_are_refused_before_anything_is_made(case: str) -> None:
    build, message = INVALID[case]
    scope = stack()
    arguments = build(scope)
    with pytest.raises(ValidationError, match=message):
        SecureApi(scope, "Api", **arguments)
    assert scope.node.try_find_child("Api") is None


def test_a_monitored_function_serves_through_its_alias() -> None:
    scope = stack()
    function = released(scope)
    SecureApi(scope, "Api", handler=function)
    methods = Template.from_stack(scope).find_resources("AWS::ApiGateway::Method")
    uris = json.dumps([m["Properties"]["Integration"]["Uri"] for m in methods.values()])
    alias = scope.resolve(function.alias.function_arn)["Ref"]
    assert uris.count(alias) == len(methods) == 2  # the root and the proxy
    function_id = scope.resolve(function.function.function_arn)["Fn::GetAtt"][0]
    assert function_id not in uris


def test_the_alias_and_a_certificate_of_the_stack_region_are_accepted() -> None:
    scope = stack()
    api = SecureApi(
        scope,
        "Api",
        handler=released(scope).alias,
        domain_name="*.api.example.com",
        certificate=certificate(scope, "eu-west-1"),
    )
    assert api.domain is not None


def test_the_same_api_name_in_another_account_is_accepted() -> None:
    app = make_app()
    one = Stack(app, "One", env=EU)
    other = Stack(app, "Other", env=Environment(account="222222222222", region="eu-west-1"))
    SecureApi(one, "Api", api_name="orders", waf=False)
    assert SecureApi(other, "Api", api_name="orders", waf=False).rest_api_name == "orders"


def test_waf_off_in_the_config_of_a_regulated_environment_is_refused(
    production_config: EnvironmentConfig,
) -> None:
    config = dataclasses.replace(
        production_config,
        security=SecurityConfig(waf_enabled=False, nag_packs=("AwsSolutions", "HIPAA.Security")),
    )

    class ApiStack(AbstractStack):
        def initialize(self) -> None:
            SecureApi(self, "Api", handler=released(self))

    with pytest.raises(
        ValidationError,
        match=r"waf='False \(security.waf_enabled of the environment\)': contradicts "
        r"regulated=True",
    ):
        ApiStack(make_app(), "Svc-production", config=config)


def test_a_burst_equal_to_the_rate_is_accepted() -> None:
    scope = stack()
    SecureApi(
        scope,
        "Api",
        handler=released(scope),
        throttling_rate_limit=300,
        throttling_burst_limit=300,
    )
    Template.from_stack(scope).has_resource_properties(
        "AWS::ApiGateway::Stage",
        {"MethodSettings": [{"ThrottlingRateLimit": 300, "ThrottlingBurstLimit": 300}]},
    )


def test_an_api_without_handler_or_method_names_the_fix_at_synthesis() -> None:
    scope = stack()
    SecureApi(scope, "Api", waf=False)
    with pytest.raises(
        RuntimeError, match=r"SecureApi\('Api'\): handler=None: the API has no method"
    ):
        scope.node.root.synth()  # type: ignore[attr-defined]


def test_an_api_without_handler_but_with_a_method_synthesizes() -> None:
    scope = stack()
    api = SecureApi(scope, "Api", waf=False)
    api.root.add_method("GET", apigw.MockIntegration())
    Template.from_stack(scope).resource_count_is("AWS::ApiGateway::Method", 1)
