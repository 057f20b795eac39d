"""``SecureApi``: an API Gateway REST API with authorization, logs, tracing, throttling and WAF."""

from __future__ import annotations

import re
import typing
from typing import Any

import jsii
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct, IValidation

from org_constructs._internal import checks, waf
from org_constructs._internal.flags import API_ACCESS_LOG_ARN, pin_feature_flags
from org_constructs._internal.kms import log_group_key
from org_constructs._internal.nodes import id_of, path_of
from org_constructs._internal.tokens import unresolved
from org_constructs._internal.waf import MANAGED_RULE_GROUPS, WAF_RATE
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_library_check,
    acknowledge_short_retention,
)
from org_constructs.config import SecurityConfig, Stage
from org_constructs.contract import REGULATED_PACKS
from org_constructs.core import (
    ReleasedFunction,
    config_of,
    fit_name,
    is_regulated,
    log_retention_for,
    name_part_of,
    removal_policy_for,
    service_name_of,
    serving_function,
)
from org_constructs.core._defaults import library_construct
from org_constructs.errors import ValidationError

__all__ = ["MANAGED_RULE_GROUPS", "REGULATED_PACKS", "SecureApi"]

_STAGE_NAME = re.compile(r"^[A-Za-z0-9_]{1,128}$")
_API_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_DOMAIN_NAME = re.compile(
    r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)
_CERTIFICATE_ARN = re.compile(
    r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]+$"
)
_CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
_MAX_RATE = 10_000
"""API Gateway's default account throttle (requests per second)."""
_MAX_BURST = 5_000

_PERMISSION_REASON = (
    "API Gateway may invoke the function only from this API's methods (SourceArn); the rule "
    "cannot read that ARN, which joins the API id."
)
_NO_COGNITO_REASON = (
    "Callers sign requests with SigV4 (IAM authorization) or pass the Lambda authorizer; there "
    "are no end users to keep in a Cognito user pool."
)
_CACHE_REASON = (
    "An encrypted stage cache is a regulated setting (0.5 GB costs about 15 USD a month): "
    "SecureApi turns it on with regulated=True, which environments holding the HIPAA, NIST or "
    "PCI packs get by default."
)
_CLIENT_CERTIFICATE_REASON = (
    "A client certificate for the backend is a regulated setting: SecureApi adds one with "
    "regulated=True; the integration here is a Lambda function, which API Gateway calls over "
    "AWS's own signed channel."
)
_NO_WAF_REASON = (
    "WAF is off for this API (waf=False, or security.waf_enabled=false in the environment), "
    "a cost choice for environments that serve no outside traffic."
)


class SecureApi(Construct):
    """An API Gateway REST API stage, secure by default, in front of a function or your methods.

    Secure and observable by default: IAM authorization on every method (a Cognito user pool or
    Lambda authorizer as an option); JSON access logs with the standard fields to a log group
    encrypted with a rotating key, kept as long as the stage keeps logs; X-Ray tracing;
    execution logging at ERROR; throttling (100 requests per second, bursts of 200); a request
    validator for bodies and parameters; a named stage (``v1``). Regulated environments (that
    hold the HIPAA, NIST or PCI packs, or ``regulated=True``) get a client certificate and an
    encrypted stage cache. A WAF web ACL with AWS managed rule groups, a rate-based rule and
    logging protects the stage unless the environment turns WAF off (``security.waf_enabled``).

    Parameters
    ----------
    scope, construct_id:
        As for any construct. Children ``Api``, ``AccessLogs``, ``AccessLogsKey``, ``WebAcl``,
        ``WebAclLogs`` and ``WebAclLogsKey`` fix logical ids.
    handler:
        A function behind every path, as ``LambdaRestApi`` does: a ``MonitoredFunction`` (its
        ``alias`` serves, so the canary and its rollback alarms guard the API's traffic) or
        any ``IFunction``. Default: - none; add resources and methods to ``root`` (they are
        authorized the same way)
    api_name:
        Also names the WAF log group (``aws-waf-logs-<api_name>``), which is unique in an
        account and region. Default: ``<stack name>-<construct_id>``
    stage_name:
        Default: ``'v1'``
    authorizer:
        A ``CognitoUserPoolsAuthorizer``, ``TokenAuthorizer`` or ``RequestAuthorizer`` for every
        method. Default: - IAM authorization (SigV4)
    throttling_rate_limit, throttling_burst_limit:
        Requests per second and burst. Default: 100 and 200
    waf:
        Put a web ACL in front of the stage. Default: - the environment's
        ``security.waf_enabled`` in an ``AbstractStack``, else True
    waf_rate_limit:
        Requests per 5 minutes from one address before WAF blocks it. Default: 2000
    regulated:
        Client certificate and an encrypted 0.5 GB cache with a 1-minute TTL. Default: - True
        when the environment holds a regulated pack (HIPAA, NIST, PCI)
    domain_name, certificate:
        A custom domain (TLS 1.2 security policy) and its ACM certificate, given together.
        Default: - the execute-api address only
    log_retention:
        Default: - the environment's log retention (one year outside an ``AbstractStack``)
    cloud_watch_role:
        Create the account's API Gateway CloudWatch role. Default: False (the landing zone sets
        it once per account and region; execution logging needs it)

    Raises
    ------
    ValidationError
        For an API or stage name API Gateway refuses, throttling outside 1-10,000 requests per
        second or a burst outside 1-5,000, a WAF rate limit outside 10 to 2,000,000,000, a
        domain without a certificate (or the reverse), ``waf_rate_limit`` with ``waf=False``,
        a domain name that is not a lower-case host name, a certificate of another region than
        the stack (a regional endpoint serves only a certificate of its own region), the
        ``function`` of a ``MonitoredFunction`` as ``handler`` (it bypasses the canary), an
        ``api_name`` or an authorizer that another ``SecureApi`` of the app already has, a
        burst below the rate, WAF off (``waf=False`` or the environment's
        ``security.waf_enabled``) with ``regulated`` on, a value of the wrong type or an id
        already used in ``scope``; nothing is added to the tree. At synthesis, an API without
        ``handler`` to which no method was added.

    Example
    -------
    ::

        api = SecureApi(self, "Orders", handler=orders.alias)
        monitoring.monitor_rest_api(api)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: lambda_.IFunction | ReleasedFunction | None = None,
        api_name: str | None = None,
        stage_name: str = "v1",
        authorizer: apigw.IAuthorizer | None = None,
        throttling_rate_limit: float = 100,
        throttling_burst_limit: int = 200,
        waf: bool | None = None,
        waf_rate_limit: int | None = None,
        regulated: bool | None = None,
        domain_name: str | None = None,
        certificate: acm.ICertificate | None = None,
        log_retention: logs.RetentionDays | None = None,
        cloud_watch_role: bool = False,
    ) -> None:
        where = f"SecureApi({construct_id!r})"
        checks.check_arguments(where, SecureApi.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        name = api_name or fit_name(
            f"{service_name_of(scope)}-{name_part_of(construct_id)}", _MAX_API_NAME
        )
        checks.check_text(
            where,
            "api_name",
            name,
            _API_NAME,
            "1-128 letters, digits, '.', '-' or '_'",
            tokens=True,
        )
        checks.check_text(
            where, "stage_name", stage_name, _STAGE_NAME, "1-128 letters, digits or '_'"
        )
        checks.check_number(
            where, "throttling_rate_limit", throttling_rate_limit, 1, _MAX_RATE, tokens=True
        )
        checks.check_int(
            where, "throttling_burst_limit", throttling_burst_limit, 1, _MAX_BURST, tokens=True
        )
        if (
            not checks.is_token(throttling_rate_limit)
            and not checks.is_token(throttling_burst_limit)
            and throttling_burst_limit < throttling_rate_limit
        ):
            raise ValidationError(
                where,
                "throttling_burst_limit",
                throttling_burst_limit,
                f"is below throttling_rate_limit ({throttling_rate_limit:g}): API Gateway's token "
                "bucket holds at most the burst, so requests that arrive together are throttled "
                "below the rate the stage promises; give a burst at least equal to the rate "
                "(the defaults are 100 and 200)",
            )
        config = config_of(scope)
        security = config.security if config else SecurityConfig.for_stage(Stage.PRODUCTION)
        waf_on = waf if waf is not None else security.waf_enabled
        if waf_rate_limit is not None:
            if not waf_on:
                raise ValidationError(
                    where, "waf_rate_limit", waf_rate_limit, "cannot be given without WAF"
                )
            checks.check_int(where, "waf_rate_limit", waf_rate_limit, *WAF_RATE)
        if (domain_name is None) != (certificate is None):
            given, missing = (
                ("domain_name", "certificate")
                if certificate is None
                else (
                    "certificate",
                    "domain_name",
                )
            )
            raise ValidationError(
                where,
                missing,
                None,
                f"is required with {given}: a custom domain needs both",
            )
        if domain_name is not None:
            _check_domain(where, scope, domain_name, certificate)
        handler = _serving(where, handler)
        _check_unique(where, scope, name, authorizer)
        if regulated is None:
            regulated = is_regulated(scope)
        if regulated and not waf_on:
            raise ValidationError(
                where,
                "waf",
                False if waf is not None else "False (security.waf_enabled of the environment)",
                f"contradicts regulated={regulated} (given, or from the environment's regulated "
                "nag pack): the HIPAA, NIST and PCI packs require a web ACL in front of the "
                "stage; leave WAF on, or set regulated=False where no regulated pack applies",
            )

        super().__init__(scope, construct_id)
        library_construct(self)
        pin_feature_flags(self, API_ACCESS_LOG_ARN)
        self._regulated = regulated
        self._authorizer = authorizer
        self._stage_name = stage_name
        self._name = name
        removal = removal_policy_for(self)
        retention = log_retention or log_retention_for(self)
        self._access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=retention,
            encryption_key=log_group_key(self, "AccessLogsKey", f"the access logs of {name}"),
            removal_policy=removal,
        )
        acknowledge_short_retention(self._access_logs)
        deploy_options = self._stage_options(
            stage_name, throttling_rate_limit, throttling_burst_limit, regulated
        )
        method_options = (
            apigw.MethodOptions(authorizer=authorizer)
            if authorizer is not None
            else apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM)
        )
        common: dict[str, Any] = {
            "rest_api_name": name,
            "cloud_watch_role": cloud_watch_role,
            "default_method_options": method_options,
            "deploy_options": deploy_options,
            "endpoint_types": [apigw.EndpointType.REGIONAL],
        }
        if handler is not None:
            self._api: apigw.RestApi = apigw.LambdaRestApi(self, "Api", handler=handler, **common)
        else:
            self._api = apigw.RestApi(self, "Api", **common)
            self.node.add_validation(_HasMethods(where, self._api))
        self._api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )
        self._domain: apigw.DomainName | None = None
        if domain_name is not None and certificate is not None:
            self._domain = self._api.add_domain_name(
                "Domain",
                domain_name=domain_name,
                certificate=certificate,
                security_policy=apigw.SecurityPolicy.TLS_1_2,
                endpoint_type=apigw.EndpointType.REGIONAL,
            )
        self._web_acl: wafv2.CfnWebACL | None = None
        if waf_on:
            self._web_acl = self._protect(name, retention, removal, waf_rate_limit or 2000)
        self._acknowledge(authorizer, regulated, waf_on)

    # ----------------------------------------------------------------------- attributes

    @property
    def api(self) -> apigw.RestApi:
        """The REST API."""
        return self._api

    @property
    def root(self) -> apigw.IResource:
        """The root resource: add resources and methods here."""
        return self._api.root

    @property
    def stage(self) -> apigw.Stage:
        """The deployment stage."""
        return self._api.deployment_stage

    @property
    def authorizer(self) -> apigw.IAuthorizer | None:
        """The authorizer of every method, when one is given (else IAM authorization)."""
        return self._authorizer

    @property
    def stage_name(self) -> str:
        """The stage's name, as given (not a token): the ``Stage`` dimension of its metrics."""
        return self._stage_name

    @property
    def rest_api_name(self) -> str:
        """The API's name: the ``ApiName`` dimension of its metrics."""
        return self._name

    @property
    def url(self) -> str:
        """The stage's invoke URL."""
        return self._api.url

    @property
    def access_log_group(self) -> logs.LogGroup:
        return self._access_logs

    @property
    def web_acl(self) -> wafv2.CfnWebACL | None:
        """The web ACL, when WAF is on."""
        return self._web_acl

    @property
    def domain(self) -> apigw.DomainName | None:
        """The custom domain, when one is given."""
        return self._domain

    @property
    def regulated(self) -> bool:
        """Whether the regulated settings (client certificate, encrypted cache) are on."""
        return self._regulated

    # ----------------------------------------------------------------------- internals

    def _stage_options(
        self, stage_name: str, rate: float, burst: int, regulated: bool
    ) -> apigw.StageOptions:
        certificate = apigw.CfnClientCertificate(self, "ClientCertificate") if regulated else None
        return apigw.StageOptions(
            stage_name=stage_name,
            tracing_enabled=True,
            logging_level=apigw.MethodLoggingLevel.ERROR,
            data_trace_enabled=False,
            metrics_enabled=True,
            client_certificate_id=certificate.ref if certificate is not None else None,
            cache_cluster_enabled=regulated,
            cache_cluster_size=_CACHE_SIZES[0] if regulated else None,
            caching_enabled=regulated,
            cache_data_encrypted=regulated,
            cache_ttl=Duration.minutes(1) if regulated else None,
            access_log_destination=apigw.LogGroupLogDestination(self._access_logs),
            access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                caller=True,
                http_method=True,
                ip=True,
                protocol=True,
                request_time=True,
                resource_path=True,
                response_length=True,
                status=True,
                user=True,
            ),
            throttling_rate_limit=rate,
            throttling_burst_limit=burst,
        )

    def _protect(
        self, name: str, retention: logs.RetentionDays, removal: RemovalPolicy, rate_limit: int
    ) -> wafv2.CfnWebACL:
        """A web ACL: AWS managed rule groups, a rate-based rule, logs to an encrypted group."""
        # The stage ARN refers to the stage, so CloudFormation creates the stage first.
        return waf.web_acl(
            self,
            name,
            retention=retention,
            removal=removal,
            rate_limit=rate_limit,
            protected_arn=self._api.deployment_stage.stage_arn,
        )

    def _acknowledge(
        self, authorizer: apigw.IAuthorizer | None, regulated: bool, waf_on: bool
    ) -> None:
        for method in self._api.methods:
            for child in method.node.children:
                if id_of(child).startswith("ApiPermission"):
                    acknowledge_library_check(
                        child, "cfn-guard", "CT.LAMBDA.PR.2", _PERMISSION_REASON
                    )
        if not isinstance(authorizer, apigw.CognitoUserPoolsAuthorizer):
            acknowledge(self._api, _NO_COGNITO_REASON, "AwsSolutions-COG4")
        if not regulated:
            acknowledge_library_check(self.stage, "checkov", "CKV_AWS_120", _CACHE_REASON)
            acknowledge_library_check(
                self.stage, "checkov", "CKV2_AWS_51", _CLIENT_CERTIFICATE_REASON
            )
            acknowledge(
                self._api,
                _CACHE_REASON,
                *(f"{pack}-APIGWCacheEnabledAndEncrypted" for pack in REGULATED_PACKS),
                *(f"{pack}-APIGWSSLEnabled" for pack in REGULATED_PACKS),
            )
        if not waf_on:
            acknowledge(
                self._api,
                _NO_WAF_REASON,
                "AwsSolutions-APIG3",
                *(f"{pack}-APIGWAssociatedWithWAF" for pack in REGULATED_PACKS),
            )
            acknowledge_library_check(self.stage, "checkov", "CKV2_AWS_29", _NO_WAF_REASON)


_MAX_API_NAME = 128


@jsii.implements(IValidation)
class _HasMethods:
    """Without ``handler``, the API needs a method of its own (API Gateway deploys none)."""

    def __init__(self, where: str, api: apigw.RestApi) -> None:
        self._where = where
        self._api = api

    def validate(self) -> list[str]:
        if self._api.methods:
            return []
        return [
            f"{self._where}: handler=None: the API has no method, and API Gateway deploys no "
            "stage without one: give handler=... (a MonitoredFunction), or add methods "
            "(api.root.add_resource('orders').add_method('GET', integration))"
        ]


def _serving(
    where: str, handler: lambda_.IFunction | ReleasedFunction | None
) -> lambda_.IFunction | None:
    """The function that serves the API: a ``MonitoredFunction``'s alias, never its function."""
    if handler is None:
        return None
    function, bypassed = serving_function(handler)
    if bypassed is not None:
        raise ValidationError(
            where,
            "handler",
            path_of(function),
            f"is the unversioned function of MonitoredFunction {path_of(bypassed)!r}: "
            "requests to it bypass the canary and its rollback alarms; give the "
            "MonitoredFunction (or its .alias)",
        )
    return function


def _check_domain(
    where: str, scope: Construct, domain_name: str, certificate: acm.ICertificate | None
) -> None:
    if not unresolved(domain_name):
        checks.check_text(
            where,
            "domain_name",
            domain_name,
            _DOMAIN_NAME,
            "a lower-case host name such as 'api.example.com' (or '*.example.com'), labels of "
            "letters, digits and '-' of at most 63 characters",
        )
    arn = certificate.certificate_arn if certificate is not None else None
    if arn is None or unresolved(arn):
        return
    match = _CERTIFICATE_ARN.fullmatch(arn)
    if match is None:
        raise ValidationError(
            where,
            "certificate",
            arn,
            "is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)",
        )
    region = Stack.of(scope).region
    if not unresolved(region) and match["region"] != region:
        raise ValidationError(
            where,
            "certificate",
            arn,
            f"is in region {match['region']}, the stack in {region}: a regional API endpoint "
            f"serves a certificate of its own region; request or import one in {region}",
        )


def _check_unique(
    where: str, scope: Construct, name: str, authorizer: apigw.IAuthorizer | None
) -> None:
    """No other ``SecureApi`` of the app has this name (in its account and region) or authorizer."""
    stack = Stack.of(scope)
    for other in scope.node.root.node.find_all():
        if not isinstance(other, SecureApi):
            continue
        if authorizer is not None and other.authorizer is authorizer:
            raise ValidationError(
                where,
                "authorizer",
                typing.cast("Construct", authorizer).node.path,
                f"already authorizes SecureApi {path_of(other)!r}: an API Gateway authorizer "
                "belongs to one REST API; create one authorizer per API",
            )
        there = Stack.of(other)
        if (
            other.rest_api_name == name
            and there.account == stack.account
            and there.region == stack.region
        ):
            raise ValidationError(
                where,
                "api_name",
                name,
                f"is already the name of SecureApi {path_of(other)!r} in the same account "
                "and region (its WAF log group and metrics would be shared): give each API its "
                "own api_name",
            )
