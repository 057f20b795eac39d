"""What aws-cdk-lib creates for ``OrgPipeline``'s CDK Pipelines and the pipeline cannot change,
acknowledged with its reasons: every wildcard matched statement by statement."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Names, Stack, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from org_constructs._internal.nodes import id_of
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_library_check,
    nag_resource,
)
from org_constructs.storage import SecureBucket

__all__ = ["acknowledge_pipeline", "acknowledge_push_rule"]

# ----------------------------------------------------------------------------- reasons

_ARTIFACT_GRANTS = (
    "CDK Pipelines grants each role it creates access to the pipeline's artifact bucket "
    "through aws-cdk-lib's grants: the wildcards are S3 action families (s3:GetObject*, "
    "s3:List*...) and the objects of that one bucket."
)
_KEY_GRANTS = (
    "aws-cdk-lib writes its key grants (on the artifact bucket's key, and on the notification "
    "topic's key for the roles that publish to it) as the kms:GenerateDataKey* and "
    "kms:ReEncrypt* action families, on those keys only."
)
_CODEBUILD_LOGS = (
    "aws-cdk-lib lets each CodeBuild project of the pipeline write its own log streams and "
    "test reports: the log group and report group names are the project's, the stream and "
    "report names CodeBuild makes at run time."
)
_SELF_MUTATION = (
    "The self-mutation step runs cdk deploy of the pipeline stack: it may assume only the "
    "account's roles tagged aws-cdk:bootstrap-role (the bootstrap's publishing and deploy "
    "roles, whose names follow the bootstrap qualifier)."
)
_ANY_RESOURCE = (
    "aws-cdk-lib writes these statements of CDK Pipelines with Resource '*', for APIs that "
    "take no resource ARN or under conditions: the self-mutation step's "
    "cloudformation:DescribeStacks and s3:ListBucket, the permissions check's sts:AssumeRole "
    "of roles tagged aws-cdk:bootstrap-role=deploy and its approval of pipelines tagged "
    "SECURITY_CHECK=ALLOW_APPROVE, the asset role's CodeBuild builds, X-Ray's trace segments."
)
_INVOKE_APPROVAL = (
    "The permissions check invokes its approval function through aws-cdk-lib's grantInvoke: "
    "the wildcard is the function's versions and aliases, of that one function."
)
_ASSET_ROLE = (
    "aws-cdk-lib's asset publishing role (one per asset type) serves every asset project of "
    "the pipeline: it writes their logs and reports under /aws/codebuild/ and starts and "
    "watches their builds, and may assume only the target accounts' publishing roles."
)
_EVENT_RULE = (
    "aws-cdk-lib's rule starts the pipeline on a push to the branch; EventBridge retries a "
    "failed start for 24 hours, and a start that never arrives is visible (no execution) and "
    "made up by the next push or a manual release: a dead-letter queue would hold no work."
)
_INLINE_POLICY = (
    "aws-cdk-lib writes the grants of CDK Pipelines as the inline DefaultPolicy of each role it "
    "creates for the pipeline: one policy per role, made, changed and deleted with it."
)
_MANAGED_POLICY = (
    "aws-cdk-lib creates the permissions-check approval function with the AWS managed "
    "AWSLambdaBasicExecutionRole, which allows writing its own logs only."
)
_PIPELINE_SOURCE = (
    "The source of this CodeBuild project is the pipeline's artifact (type CODEPIPELINE): it "
    "holds no repository URL and no credentials, while the rule counts only OAUTH sources."
)
_APPROVAL_FUNCTION = (
    "aws-cdk-lib's permissions-check function only approves a pipeline action through the "
    "CodePipeline API, for seconds per deployment: a failed invocation leaves the approval "
    "pending for a person (so a dead-letter queue would hold nothing to act on), it needs no "
    "network but the AWS API, and a reserved concurrency would take from the account's pool."
)
_DEPENDS_ON_ROLES = (
    "aws-cdk-lib makes the approval function and the pipeline depend on their roles (and "
    "policies) explicitly as well as through Fn::GetAtt of the role: the repeated dependency "
    "changes nothing in the deployment order."
)
_REPLICATION = (
    "The artifact bucket holds what every execution makes again from the repository (the "
    "source snapshot, the cloud assembly), its access log bucket the requests for them, kept "
    "for the log retention: a replica in another region would hold nothing to recover."
)
_PARTITION = r"(<AWS::Partition>|aws|aws-cn|aws-us-gov)"
"""How cdk-nag writes the partition: a reference, or a literal (``enablePartitionLiterals``)."""
_BASIC_EXECUTION_ROLE = re.compile(
    rf"^arn:{_PARTITION}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole$"
)
_ARTIFACT_ACTIONS = frozenset(
    {"s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"}
)
_KEY_ACTIONS = frozenset({"kms:GenerateDataKey*", "kms:ReEncrypt*"})
_CODEBUILD_RESOURCE = re.compile(
    rf"^arn:{_PARTITION}:(logs|codebuild):[^:]+:\d{{12}}:"
    r"(log-group:/aws/codebuild/<[A-Za-z0-9]+>:\*|report-group/<[A-Za-z0-9]+>-\*)$"
)
_ASSET_RESOURCE = re.compile(
    rf"^arn:{_PARTITION}:(logs|codebuild):[^:]+:\d{{12}}:"
    r"(log-group:/aws/codebuild/|report-group/)\*$"
)
_BOOTSTRAP_ROLE = "iam:ResourceTag/aws-cdk:bootstrap-role"


def acknowledge_pipeline(pipeline: pipelines.CodePipeline, artifacts: SecureBucket) -> None:
    """Acknowledge, with their reasons, what aws-cdk-lib creates for CDK Pipelines and
    the pipeline cannot change; every wildcard is matched statement by statement."""
    stack = Stack.of(pipeline)
    bucket = nag_resource(stack, artifacts.bucket.arn_for_objects("*"))
    for policy in pipeline.node.find_all():
        if isinstance(policy, iam.CfnPolicy):
            by_reason = _wildcard_acknowledgements(stack, policy, bucket)
            for reason, rule_ids in by_reason.items():
                acknowledge(policy, reason, *rule_ids)
            if _starts_any_build(stack, policy):
                # checkov's write-without-constraints: codebuild:StartBuild on '*'.
                acknowledge_library_check(policy, "checkov", "CKV_AWS_111", _ASSET_ROLE)
            acknowledge(
                policy,
                _INLINE_POLICY,
                "HIPAA.Security-IAMNoInlinePolicy",
                "NIST.800.53.R5-IAMNoInlinePolicy",
                "PCI.DSS.321-IAMNoInlinePolicy",
            )
        elif isinstance(policy, codebuild.CfnProject):
            acknowledge(
                policy,
                _PIPELINE_SOURCE,
                "HIPAA.Security-CodeBuildProjectSourceRepoUrl",
                "PCI.DSS.321-CodeBuildProjectSourceRepoUrl",
            )
        elif isinstance(policy, lambda_.CfnFunction):
            acknowledge(
                policy,
                _APPROVAL_FUNCTION,
                "Serverless-LambdaDLQ",
                "HIPAA.Security-LambdaDLQ",
                "NIST.800.53.R5-LambdaDLQ",
                "HIPAA.Security-LambdaInsideVPC",
                "NIST.800.53.R5-LambdaInsideVPC",
                "PCI.DSS.321-LambdaInsideVPC",
                "HIPAA.Security-LambdaConcurrency",
                "NIST.800.53.R5-LambdaConcurrency",
            )
            for check_id in ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"):
                acknowledge_library_check(policy, "checkov", check_id, _APPROVAL_FUNCTION)
            acknowledge_library_check(policy, "cfn-guard", "CT.LAMBDA.PR.3", _APPROVAL_FUNCTION)
            acknowledge_library_check(policy, "cfn-lint", "W3005", _DEPENDS_ON_ROLES)
        elif isinstance(policy, codepipeline.CfnPipeline):
            acknowledge_library_check(policy, "cfn-lint", "W3005", _DEPENDS_ON_ROLES)
        elif isinstance(policy, iam.CfnRole):
            for managed in _basic_execution_roles(stack, policy):
                acknowledge(policy, _MANAGED_POLICY, f"AwsSolutions-IAM4[Policy::{managed}]")
    replication = (
        "HIPAA.Security-S3BucketReplicationEnabled",
        "NIST.800.53.R5-S3BucketReplicationEnabled",
        "PCI.DSS.321-S3BucketReplicationEnabled",
    )
    acknowledge(artifacts.bucket, _REPLICATION, *replication)
    if artifacts.access_log_bucket is not None:
        acknowledge(artifacts.access_log_bucket, _REPLICATION, *replication)


def acknowledge_push_rule(
    pipeline: pipelines.CodePipeline, repository: codecommit.IRepository
) -> None:
    """The rule that starts the pipeline on a push, which aws-cdk-lib's ``onCommit`` puts
    into the repository's scope."""
    prefix = Names.node_unique_id(pipeline.pipeline.node)
    for rule in repository.node.children:
        if isinstance(rule, events.Rule) and id_of(rule).startswith(prefix):
            acknowledge(rule, _EVENT_RULE, "Serverless-EventBusDLQ")


def _wildcard_acknowledgements(
    stack: Stack, policy: iam.CfnPolicy, artifact_objects: str | None
) -> dict[str, list[str]]:
    """The AwsSolutions-IAM5 findings of ``policy`` that aws-cdk-lib's own statements for CDK
    Pipelines explain, by reason; any other wildcard is left to be reported."""
    document = stack.resolve(policy.policy_document)
    by_reason: dict[str, list[str]] = {}
    for statement in _as_list(document.get("Statement", [])):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in _as_list(statement.get("Action", []))]
        resources = [nag_resource(stack, r) for r in _as_list(statement.get("Resource", []))]
        conditions = statement.get("Condition", {})
        for action in actions:
            if "*" not in action:
                continue
            if action in _ARTIFACT_ACTIONS:
                _add(by_reason, _ARTIFACT_GRANTS, f"Action::{action}")
            elif action in _KEY_ACTIONS:
                _add(by_reason, _KEY_GRANTS, f"Action::{action}")
        for resource in resources:
            if resource is None or "*" not in resource:
                continue
            reason = _resource_reason(actions, resource, conditions, artifact_objects)
            if reason is not None:
                _add(by_reason, reason, f"Resource::{resource}")
    return by_reason


def _resource_reason(
    actions: Sequence[str], resource: str, conditions: Mapping[str, Any], artifacts: str | None
) -> str | None:
    """Why a wildcard resource of aws-cdk-lib's CDK Pipelines statements is needed, if known:
    the first rule of ``_RESOURCE_RULES`` that matches the statement."""
    statement = _Statement(
        frozenset(actions), resource, json.dumps(conditions, sort_keys=True), artifacts
    )
    for matches, reason in _RESOURCE_RULES:
        if matches(statement):
            return reason
    return None


@dataclass(frozen=True)
class _Statement:
    """One wildcard resource of a statement, as cdk-nag writes it, with the statement's rest."""

    actions: frozenset[str]
    resource: str
    conditions: str
    """The statement's conditions, as JSON."""
    artifacts: str | None
    """The artifact bucket's objects, as cdk-nag writes them."""


_BUILD_ACTIONS = frozenset(
    {"codebuild:BatchGetBuilds", "codebuild:StartBuild", "codebuild:StopBuild"}
)
_RESOURCE_RULES: tuple[tuple[Callable[[_Statement], bool], str], ...] = (
    (lambda s: s.resource == s.artifacts, _ARTIFACT_GRANTS),
    (lambda s: bool(_CODEBUILD_RESOURCE.fullmatch(s.resource)), _CODEBUILD_LOGS),
    (lambda s: bool(_ASSET_RESOURCE.fullmatch(s.resource)), _ASSET_ROLE),
    (
        lambda s: (
            s.actions == {"sts:AssumeRole"}
            and _BOOTSTRAP_ROLE in s.conditions
            and s.resource.startswith("arn:*:iam::")
        ),
        _SELF_MUTATION,
    ),
    (
        lambda s: s.actions == {"lambda:InvokeFunction"} and s.resource.endswith(".Arn>:*"),
        _INVOKE_APPROVAL,
    ),
    # Resource '*': one reason for every statement it explains (one finding id per policy).
    (
        lambda s: (
            s.resource == "*"
            and (
                s.actions <= {"cloudformation:DescribeStacks", "s3:ListBucket"}
                or s.actions <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
                or s.actions <= _BUILD_ACTIONS
                or (
                    s.actions == {"sts:AssumeRole"}
                    and f'"{_BOOTSTRAP_ROLE}": ["deploy"]' in s.conditions
                )
                or (
                    s.actions <= {"codepipeline:GetPipelineState", "codepipeline:PutApprovalResult"}
                    and '"aws:ResourceTag/SECURITY_CHECK": "ALLOW_APPROVE"' in s.conditions
                )
            )
        ),
        _ANY_RESOURCE,
    ),
)
"""(the statements it explains, why) for each wildcard resource of CDK Pipelines' roles."""


def _starts_any_build(stack: Stack, policy: iam.CfnPolicy) -> bool:
    """Whether ``policy`` lets its role start any CodeBuild build (the asset role's)."""
    document = stack.resolve(policy.policy_document)
    return any(
        statement.get("Resource") == "*"
        and set(_as_list(statement.get("Action", []))) & {"codebuild:StartBuild"}
        for statement in _as_list(document.get("Statement", []))
    )


def _basic_execution_roles(stack: Stack, role: iam.CfnRole) -> list[str]:
    """The AWSLambdaBasicExecutionRole ARNs of ``role``, as cdk-nag writes them."""
    managed = stack.resolve(role.managed_policy_arns) or []
    rendered = [nag_resource(stack, arn) for arn in managed]
    return [arn for arn in rendered if arn is not None and _BASIC_EXECUTION_ROLE.fullmatch(arn)]


def _add(by_reason: dict[str, list[str]], reason: str, detail: str) -> None:
    """One reason per finding id: a policy's id is acknowledged once."""
    rule_id = f"AwsSolutions-IAM5[{detail}]"
    if not any(rule_id in ids for ids in by_reason.values()):
        by_reason.setdefault(reason, []).append(rule_id)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
