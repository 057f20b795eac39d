"""The front of a ``ContainerService``: the Application Load Balancer, its access-log bucket,
its listeners, its target groups and its web ACL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import unresolved
from org_constructs._internal.waf import web_acl
from org_constructs.compliance._acknowledgements import acknowledge, acknowledge_library_check
from org_constructs.containers._settings import ContainerSettings
from org_constructs.contract import REGULATED_PACKS
from org_constructs.core import log_retention_for
from org_constructs.storage import BucketLifecycleRule, SecureBucket

if TYPE_CHECKING:
    from aws_cdk import aws_certificatemanager as acm
else:  # needed only by a listener on HTTPS
    acm = lazy_module("aws_cdk.aws_certificatemanager")

__all__ = ["ACCESS_LOG_DAYS", "ELBV2_ACCOUNT_FACT", "Front", "build_front"]

ACCESS_LOG_DAYS = 90
"""How long the access-log bucket keeps the load balancer's logs."""
ACCESS_LOG_PREFIX = "load-balancer"
HTTPS_PORT, HTTP_PORT = 443, 80
_PRODUCTION_RULE_PRIORITY = 1

_ACCESS_LOGS_SSE_S3_REASON = (
    "Elastic Load Balancing delivers access logs only to buckets encrypted with SSE-S3 "
    "(Amazon S3 managed keys); SSE-KMS is not supported for its log delivery."
)
_PUBLIC_LISTENER_REASON = (
    "An internet-facing load balancer admits every address on its listener ports (HTTPS, and "
    "HTTP only to redirect to HTTPS, or plain HTTP in dev); the web ACL filters what passes."
)
_HTTP_IN_DEV_REASON = (
    "Plain HTTP serves this load balancer in dev only (allow_http); staging and production "
    "refuse it and serve HTTPS with a certificate."
)
_REDIRECT_REASON = (
    "This HTTP listener only answers with a permanent redirect to the HTTPS listener (the "
    "rule reads every listener without a certificate as serving plain HTTP)."
)
_NO_REPLICATION_REASON = (
    "Load balancer access logs (and the access logs of their bucket) are kept 90 days for "
    "investigations; a replica in another region would double their cost and protect no "
    "business data."
)
ELBV2_ACCOUNT_FACT = "elbv2Account"
"""``region_info.FactName.ELBV2_ACCOUNT``: the account of the region's load balancers, which
writes the access logs (the name, without importing ``region_info`` for it)."""
_NO_WAF_REASON = (
    "WAF is off for this load balancer (waf=False, or security.waf_enabled=false in the "
    "environment), a cost choice for environments that serve no outside traffic."
)
_NO_DELETION_PROTECTION_REASON = (
    "Deletion protection is off in dev (ContainerServiceConfig.deletion_protection), so that a "
    "dev stack can be deleted; staging and production protect the load balancer."
)


@dataclass(frozen=True)
class Front:
    """What ``build_front`` made."""

    load_balancer: elbv2.ApplicationLoadBalancer
    listener: elbv2.ApplicationListener
    """The listener that serves (HTTPS, or HTTP in dev)."""
    redirect: elbv2.ApplicationListener | None
    target_group: elbv2.ApplicationTargetGroup
    alternate_target_group: elbv2.ApplicationTargetGroup | None
    production_rule: elbv2.ApplicationListenerRule | None
    access_logs: SecureBucket
    security_group: ec2.SecurityGroup
    ports: tuple[int, ...]


def build_front(owner: Construct, settings: ContainerSettings, removal: RemovalPolicy) -> Front:
    """The load balancer and its parts, children of ``owner``: ``LoadBalancer``,
    ``LoadBalancerSecurityGroup``, ``AccessLogs`` (a ``SecureBucket``), ``TargetGroup``,
    ``AlternateTargetGroup`` (canary, linear, blue/green), the listeners ``Https`` and
    ``Http``, ``ProductionRule`` and the web ACL's children."""
    vpc = settings.vpc
    security_group = ec2.SecurityGroup(
        owner,
        "LoadBalancerSecurityGroup",
        vpc=vpc,
        description=f"Load balancer of {path_of(owner)}",
        allow_all_outbound=False,
    )
    load_balancer = elbv2.ApplicationLoadBalancer(
        owner,
        "LoadBalancer",
        vpc=vpc,
        internet_facing=settings.internet_facing,
        load_balancer_name=settings.load_balancer_name,
        security_group=security_group,
        vpc_subnets=ec2.SubnetSelection(
            subnet_type=(
                ec2.SubnetType.PUBLIC
                if settings.internet_facing
                else ec2.SubnetType.PRIVATE_WITH_EGRESS
            )
        ),
        deletion_protection=settings.deletion_protection,
        drop_invalid_header_fields=True,
        desync_mitigation_mode=elbv2.DesyncMitigationMode.DEFENSIVE,
    )
    access_logs = SecureBucket(
        owner,
        "AccessLogs",
        encryption=s3.BucketEncryption.S3_MANAGED,
        removal_policy=removal,
        lifecycle_rules=[
            BucketLifecycleRule(
                id="ExpireAccessLogs",
                expiration_days=ACCESS_LOG_DAYS,
                noncurrent_expiration_days=1,
            )
        ],
    )
    acknowledge(
        access_logs.bucket,
        _ACCESS_LOGS_SSE_S3_REASON,
        *(f"{pack}-S3DefaultEncryptionKMS" for pack in REGULATED_PACKS),
    )
    acknowledge_library_check(
        access_logs.bucket, "cfn-guard", "CT.S3.PR.10", _ACCESS_LOGS_SSE_S3_REASON
    )
    acknowledge(
        access_logs,
        _NO_REPLICATION_REASON,
        *(f"{pack}-S3BucketReplicationEnabled" for pack in REGULATED_PACKS),
    )
    _log_access_logs(load_balancer, access_logs.bucket, ACCESS_LOG_PREFIX)
    target_group = _target_group(owner, "TargetGroup", settings)
    alternate = (
        _target_group(owner, "AlternateTargetGroup", settings)
        if settings.strategy.shifts_traffic
        else None
    )
    secured = not settings.allow_http
    redirect: elbv2.ApplicationListener | None = None
    if secured:
        certificate = settings.certificate or acm.Certificate.from_certificate_arn(
            owner, "Certificate", settings.certificate_arn or ""
        )
        listener = load_balancer.add_listener(
            "Https",
            port=HTTPS_PORT,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
            open=False,
            default_action=_default_action(target_group, alternate),
        )
        redirect = load_balancer.add_listener(
            "Http",
            port=HTTP_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            open=False,
            default_action=elbv2.ListenerAction.redirect(
                protocol="HTTPS", port=str(HTTPS_PORT), permanent=True
            ),
        )
        acknowledge(
            redirect,
            _REDIRECT_REASON,
            *(f"{pack}-ELBv2ACMCertificateRequired" for pack in REGULATED_PACKS),
        )
        ports: tuple[int, ...] = (HTTPS_PORT, HTTP_PORT)
    else:
        listener = load_balancer.add_listener(
            "Http",
            port=HTTP_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            open=False,
            default_action=_default_action(target_group, alternate),
        )
        ports = (HTTP_PORT,)
        acknowledge(
            listener,
            _HTTP_IN_DEV_REASON,
            *(f"{pack}-ELBv2ACMCertificateRequired" for pack in REGULATED_PACKS),
            *(f"{pack}-ALBHttpToHttpsRedirection" for pack in REGULATED_PACKS),
        )
        acknowledge_library_check(listener, "checkov", "CKV_AWS_2", _HTTP_IN_DEV_REASON)
        acknowledge_library_check(
            listener, "cfn-guard", "CT.ELASTICLOADBALANCING.PR.1", _HTTP_IN_DEV_REASON
        )
        acknowledge_library_check(listener, "checkov", "CKV_AWS_103", _HTTP_IN_DEV_REASON)
    production_rule = None
    if alternate is not None:
        production_rule = elbv2.ApplicationListenerRule(
            owner,
            "ProductionRule",
            listener=listener,
            priority=_PRODUCTION_RULE_PRIORITY,
            conditions=[elbv2.ListenerCondition.path_patterns(["/*"])],
            action=elbv2.ListenerAction.weighted_forward(
                [
                    elbv2.WeightedTargetGroup(target_group=target_group, weight=100),
                    elbv2.WeightedTargetGroup(target_group=alternate, weight=0),
                ]
            ),
        )
    if settings.internet_facing:
        for port in ports:
            security_group.add_ingress_rule(
                ec2.Peer.any_ipv4(), ec2.Port.tcp(port), f"Clients of {path_of(owner)}"
            )
        acknowledge(security_group, _PUBLIC_LISTENER_REASON, "AwsSolutions-EC23")
        acknowledge_library_check(security_group, "checkov", "CKV_AWS_260", _PUBLIC_LISTENER_REASON)
    if settings.waf:
        web_acl(
            owner,
            settings.load_balancer_name,
            retention=settings.log_retention or log_retention_for(owner),
            removal=removal,
            rate_limit=settings.waf_rate_limit,
            protected_arn=load_balancer.load_balancer_arn,
        )
    else:
        acknowledge(
            load_balancer,
            _NO_WAF_REASON,
            *(f"{pack}-ALBWAFEnabled" for pack in REGULATED_PACKS),
        )
    if not settings.deletion_protection:
        acknowledge(
            load_balancer,
            _NO_DELETION_PROTECTION_REASON,
            *(f"{pack}-ELBDeletionProtectionEnabled" for pack in REGULATED_PACKS),
        )
        acknowledge_library_check(
            load_balancer,
            "cfn-guard",
            "CT.ELASTICLOADBALANCING.PR.5",
            _NO_DELETION_PROTECTION_REASON,
        )
    return Front(
        load_balancer=load_balancer,
        listener=listener,
        redirect=redirect,
        target_group=target_group,
        alternate_target_group=alternate,
        production_rule=production_rule,
        access_logs=access_logs,
        security_group=security_group,
        ports=ports,
    )


def _log_access_logs(
    load_balancer: elbv2.ApplicationLoadBalancer, bucket: s3.IBucket, prefix: str
) -> None:
    """Access logs to ``bucket``: aws-cdk-lib's ``log_access_logs`` in a stack of a known
    region; in a stack of any region, the same policy with the region's Elastic Load
    Balancing account looked up at deployment (a mapping of aws-cdk-lib's region facts)."""
    stack = Stack.of(load_balancer)
    if not unresolved(stack.region):
        load_balancer.log_access_logs(bucket, prefix)
        return
    load_balancer.set_attribute("access_logs.s3.enabled", "true")
    load_balancer.set_attribute("access_logs.s3.bucket", bucket.bucket_name)
    load_balancer.set_attribute("access_logs.s3.prefix", prefix)
    objects = bucket.arn_for_objects(f"{prefix}/AWSLogs/{stack.account}/*")
    delivery = iam.ServicePrincipal("delivery.logs.amazonaws.com")
    for statement in (
        iam.PolicyStatement(
            actions=["s3:PutObject"],
            principals=[iam.AccountPrincipal(stack.regional_fact(ELBV2_ACCOUNT_FACT))],
            resources=[objects],
        ),
        iam.PolicyStatement(
            actions=["s3:PutObject"],
            principals=[delivery],
            resources=[objects],
            conditions={"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        ),
        iam.PolicyStatement(
            actions=["s3:GetBucketAcl"], principals=[delivery], resources=[bucket.bucket_arn]
        ),
    ):
        bucket.add_to_resource_policy(statement)
    if bucket.policy is not None:
        # The load balancer checks that it may write before it turns logging on.
        load_balancer.node.add_dependency(bucket.policy)


def _target_group(
    owner: Construct, construct_id: str, settings: ContainerSettings
) -> elbv2.ApplicationTargetGroup:
    return elbv2.ApplicationTargetGroup(
        owner,
        construct_id,
        vpc=settings.vpc,
        port=settings.container_port,
        protocol=elbv2.ApplicationProtocol.HTTP,
        target_type=elbv2.TargetType.IP,
        deregistration_delay=Duration.seconds(30),
        health_check=elbv2.HealthCheck(
            path=settings.health_check_path,
            healthy_http_codes="200-399",
            interval=Duration.seconds(15),
            healthy_threshold_count=2,
            unhealthy_threshold_count=3,
        ),
    )


def _default_action(
    target_group: elbv2.ApplicationTargetGroup,
    alternate: elbv2.ApplicationTargetGroup | None,
) -> elbv2.ListenerAction:
    """Forward to the target group; with an alternate one the production rule forwards, and
    what it does not match is refused."""
    if alternate is None:
        return elbv2.ListenerAction.forward([target_group])
    return elbv2.ListenerAction.fixed_response(
        404, content_type="text/plain", message_body="Not found"
    )
