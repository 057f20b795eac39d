"""The web ACL of ``SecureApi`` and ``ContainerService``: AWS managed rule groups, a rate-based
rule per address, and logs to an encrypted log group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct

from org_constructs._internal.kms import log_group_key
from org_constructs._internal.lazy import lazy_module
from org_constructs.compliance._acknowledgements import acknowledge_short_retention

if TYPE_CHECKING:
    from aws_cdk import aws_wafv2 as wafv2
else:  # a large module, needed only by a stage with a web ACL
    wafv2 = lazy_module("aws_cdk.aws_wafv2")

__all__ = ["DEFAULT_RATE_LIMIT", "MANAGED_RULE_GROUPS", "WAF_LOG_PREFIX", "WAF_RATE", "web_acl"]

MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
"""The AWS managed rule groups of the web ACL, in priority order."""
WAF_RATE = (10, 2_000_000_000)
"""WAF's bounds for a rate-based rule (requests per 5 minutes per address)."""
DEFAULT_RATE_LIMIT = 2000
"""Requests per 5 minutes from one address before the web ACL blocks it."""
WAF_LOG_PREFIX = "aws-waf-logs-"
"""WAF writes only to log groups whose names start with this."""


def web_acl(
    scope: Construct,
    name: str,
    *,
    retention: logs.RetentionDays,
    removal: RemovalPolicy,
    rate_limit: int,
    protected_arn: str,
) -> wafv2.CfnWebACL:
    """A regional web ACL in front of ``protected_arn`` (a REST API stage, a load balancer).

    Children of ``scope``: ``WebAcl``, ``WebAclLogsKey``, ``WebAclLogs`` (named
    ``aws-waf-logs-<name>``), ``WebAclLogging`` and ``WebAclAssociation``.
    """

    def visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
        )

    rules = [
        wafv2.CfnWebACL.RuleProperty(
            name=group,
            priority=priority,
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=group
                )
            ),
            visibility_config=visibility(group),
        )
        for priority, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules.append(
        wafv2.CfnWebACL.RuleProperty(
            name="RateLimitPerAddress",
            priority=len(rules),
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=rate_limit, aggregate_key_type="IP"
                )
            ),
            visibility_config=visibility("RateLimitPerAddress"),
        )
    )
    acl = wafv2.CfnWebACL(
        scope,
        "WebAcl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        rules=rules,
        visibility_config=visibility(name),
    )
    waf_logs = logs.LogGroup(
        scope,
        "WebAclLogs",
        log_group_name=f"{WAF_LOG_PREFIX}{name}",
        retention=retention,
        encryption_key=log_group_key(scope, "WebAclLogsKey", f"the WAF logs of {name}"),
        removal_policy=removal,
    )
    acknowledge_short_retention(waf_logs)
    wafv2.CfnLoggingConfiguration(
        scope,
        "WebAclLogging",
        resource_arn=acl.attr_arn,
        log_destination_configs=[waf_logs.log_group_arn],
    )
    # The protected resource's ARN refers to it, so CloudFormation creates it first.
    wafv2.CfnWebACLAssociation(
        scope, "WebAclAssociation", resource_arn=protected_arn, web_acl_arn=acl.attr_arn
    )
    return acl
