"""``OrgPipeline``: a CDK Pipelines pipeline that delivers an app wave by wave, from inside AWS."""

from __future__ import annotations

import inspect
import json
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from aws_cdk import Environment, Names, Stack, Token, pipelines
from aws_cdk import Stage as CdkStage
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codestarnotifications as notifications
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from org_constructs._flags import pin_feature_flags
from org_constructs._kms import log_group_key
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_library_check,
    nag_resource,
)
from org_constructs.config import EnvironmentConfig
from org_constructs.config import _checks as checks
from org_constructs.config._waves import Wave, delivery_waves
from org_constructs.contract import CHECKOV_VERSION
from org_constructs.core import AbstractStack, log_retention_for, removal_policy_for
from org_constructs.errors import ValidationError
from org_constructs.storage import BucketLifecycleRule, SecureBucket

__all__ = ["OrgPipeline", "StageFunction"]

StageFunction = Callable[[Construct, str, EnvironmentConfig], None]
"""``stage(scope, name, config)``: adds the app's stacks for one environment to ``scope``, the
environment's ``cdk.Stage``."""

_CONNECTION_ARN = re.compile(
    r"^arn:aws(-cn|-us-gov)?:(codestar-connections|codeconnections):"
    r"[a-z]{2}(-[a-z]+)+-\d:\d{12}:connection/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){1,22}$")
_MAX_REPOSITORY = 100  # CodePipeline's longest action name: the source action is named after it
_BRANCH_CHARACTERS = re.compile(r"^[^\x00-\x20\x7f~^:?*\[\\]+$")
_APP_DIR = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
_MAX_COMMAND = 4096

DEFAULT_INSTALL_COMMANDS = ("npm ci", "pip install -r requirements.txt")
"""What the synth step installs in ``app_dir`` unless told otherwise: the CDK CLI the app's
``package.json`` pins and the app's Python requirements (``org-constructs[validate]``)."""
CHECKOV_VENV = "$HOME/.org-cdk/checkov"
"""Where the synth step installs checkov: a virtual environment of its own (its pins conflict
with most apps'), last on ``PATH``, where ``org-cdk validate`` finds ``checkov``."""
VALIDATE_OUTPUT = "$HOME/.org-cdk/validate"
"""Where the gate's own synthesis goes: it records the acknowledgements under audit, which
``cdk deploy`` refuses, so the assembly the pipeline deploys is synthesized again."""
ARTIFACT_RETENTION_DAYS = 90
"""Days the artifact bucket keeps an execution's artifacts (a later execution makes new ones)."""

# aws-cdk-lib flags that decide who may assume the roles CDK Pipelines creates: pinned on the
# pipeline's own subtree, so that the roles trust only their services in any app, and that the
# approval function writes to the pipeline's encrypted log group rather than to a log group of
# its own that aws-cdk-lib would create unencrypted.
PIPELINE_FLAGS: Mapping[str, object] = MappingProxyType(
    {
        "@aws-cdk/pipelines:reduceAssetRoleTrustScope": True,
        "@aws-cdk/pipelines:reduceStageRoleTrustScope": True,
        "@aws-cdk/aws-codepipeline:reduceCrossAccountActionRoleTrustScope": True,
        "@aws-cdk/aws-lambda:useCdkManagedLogGroup": False,
    }
)

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


class OrgPipeline(Construct):
    """A CDK Pipelines (CodePipeline) pipeline that delivers an app to each environment.

    For organisations that deploy from inside AWS rather than from GitHub Actions
    (``org-cdk pipeline github``). One synthesis, then the waves of ``delivery_waves``: the
    environments of a wave deploy in parallel, waves one after another. Each environment is a
    ``cdk.Stage`` (``env`` from its config) whose stacks the ``stage`` function adds; each is
    preceded by ``ConfirmPermissionsBroadening`` (a ``cdk diff --security-only``: a change that
    widens IAM or security groups waits for a person), and a production environment
    (``config.is_production``) by a manual approval "Promote to <name>" before that.

    What it makes, beside the pipeline:

    - ``Artifacts``: the artifact bucket, a ``SecureBucket`` (a rotating KMS key, which the
      target accounts' bootstrap roles are granted, versioning, server access logs, TLS only);
      artifacts expire after 90 days, replaced versions after 30.
    - ``Logs``: one log group, encrypted with its own rotating key (``LogsKey``), for every
      CodeBuild project of the pipeline and for its approval function; kept for the stack's
      log retention (a year outside an ``AbstractStack``).
    - ``Notifications``: with ``notification_topic``, a notification rule sending the
      pipeline's execution state changes (started, succeeded, failed, canceled, superseded,
      resumed) to the topic; the permissions check and the production approvals publish there
      too.

    The synth step (a ``CodeBuildStep`` in a CodeBuild project that is not privileged) runs in
    ``app_dir``: the install commands, checkov in a virtual environment of its own, then the
    tests, ``org-cdk validate .`` (the library's gate, its assembly set aside) and
    ``cdk synth``, whose ``cdk.out`` is the assembly every stage deploys. The pipeline is
    of type V2, uses one artifact bucket key for every account (cross-account keys) and
    updates itself first (``self_mutation``). ``build_pipeline()`` is called before the
    constructor returns: add nothing to the pipeline afterwards.

    Each environment's ``cdk.Stage`` is a child of the pipeline stack's own stage (the app)
    named after the environment, beside the pipeline stack rather than inside it: its stacks
    are named ``<name>-<StackId>`` and the nag packs declared for the pipeline stack do not
    reach them (declare each stage's packs in ``stage``). CDK Pipelines reads each stage when
    it is added: what is added to a stage after the constructor is not deployed. Each target
    account needs ``cdk bootstrap --trust <pipeline account>`` once. The waves are
    ``Wave1``, ``Wave2``...; CodePipeline names a wave of one environment after it.

    Parameters
    ----------
    scope, construct_id:
        As for any construct, in a stack with an account and a region (cross-account
        deployments need them). The ids ``Pipeline``, ``Artifacts``, ``Logs``, ``LogsKey``
        and ``Notifications`` of the children are public contract: they fix the logical ids.
    environments:
        The environments to deliver to, as ``load_environments`` returns them; ``wave``
        groups them (environments without one deploy alone, after the numbered waves, in
        order). ``deploy_role_arn`` is not needed: CodePipeline deploys through the target
        accounts' bootstrap roles.
    stage:
        ``stage(scope, name, config)``, called once per environment with its ``cdk.Stage``:
        creates the app's stacks there (``ServiceStack(scope, "Service", config=config)``),
        each deploying to ``config.account`` and ``config.region``.
    connection_arn, repository:
        A CodeConnections (or CodeStar Connections) connection to GitHub, GitLab or Bitbucket
        and the repository it reads, ``"owner/name"``. Give these or ``codecommit_repository``.
    branch:
        The branch whose pushes start the pipeline. Default: ``'main'``
    codecommit_repository:
        A CodeCommit repository instead of a connection.
    app_dir:
        The app's folder in the repository (holding ``cdk.json``). Default: ``'.'``
    install_commands:
        Commands run in ``app_dir`` before the build. Default: ``npm ci`` (the CDK CLI of the
        app's ``package.json``) and ``pip install -r requirements.txt``
    test_command:
        The app's tests, run in ``app_dir``; None runs none. Default: ``'python -m pytest'``
    notification_topic:
        The deployment topic (``DeploymentNotifications.topic``): execution state changes,
        permission broadening and production approval requests go there. A topic of another
        stack must already allow ``codestar-notifications.amazonaws.com`` to publish (and its
        key, to be used). Default: - no notifications (the checks and approvals still apply)
    order:
        The waves explicitly, each a list of environment names, instead of the ``wave`` keys.
        Default: - from the ``wave`` keys
    self_mutation:
        Update the pipeline from the repository before each deployment. Default: True
    docker_enabled_for_synth:
        Run the synth project in privileged mode, for Docker image assets built during
        synthesis. Default: False

    Raises
    ------
    ValidationError
        For both sources or neither, a ``connection_arn`` that is no connection ARN, a
        ``repository`` that is not ``owner/name``, a branch git refuses, an ``app_dir`` that
        is absolute or leaves the repository, an empty command, no environment, two with one
        name or one account, region and stage, an ``order`` that misses or repeats one, an
        environment in another region than the pipeline stack's (aws-cdk-lib's cross-region
        support stacks fall short of the library's defaults: one pipeline per region), an
        environment whose name is already a construct id beside the pipeline stack, a
        ``stage`` that is a class (a ``Stack`` or ``cdk.Stage``) or not a function of
        ``(scope, name, config)``, or that adds no stack for an environment (named in the
        message), a stack it makes whose account or region is not its environment's (or is
        unresolved), an ``AbstractStack`` it builds from another environment's config, a stack
        it makes outside the environment's ``cdk.Stage`` or in a stage nested in it, a
        pipeline stack without account or region, a value of the wrong type or an id already
        used; nothing is left in the tree.

    Example
    -------
    ::

        def service(scope: Construct, name: str, config: EnvironmentConfig) -> None:
            ServiceStack(scope, "Service", config=config)

        OrgPipeline(
            pipeline_stack,
            "Delivery",
            environments=load_environments("environments.json"),
            stage=service,
            connection_arn="arn:aws:codeconnections:us-east-1:999999999999:connection/...",
            repository="acme/orders",
            notification_topic=DeploymentNotifications(pipeline_stack, "Deployments").topic,
        )
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environments: Mapping[str, EnvironmentConfig],
        stage: StageFunction,
        connection_arn: str | None = None,
        repository: str | None = None,
        branch: str = "main",
        codecommit_repository: codecommit.IRepository | None = None,
        app_dir: str = ".",
        install_commands: Sequence[str] | None = None,
        test_command: str | None = "python -m pytest",
        notification_topic: sns.ITopic | None = None,
        order: Sequence[Sequence[str]] | None = None,
        self_mutation: bool = True,
        docker_enabled_for_synth: bool = False,
    ) -> None:
        where = f"OrgPipeline({construct_id!r})"
        _check_stage_function(where, stage)
        # ``stage`` is checked above: check_arguments does not describe Callable hints.
        checks.check_arguments(
            where, OrgPipeline.__init__, {k: v for k, v in locals().items() if k != "stage"}
        )
        checks.check_scope(where, scope, construct_id)
        pipeline_stack = Stack.of(scope)
        if Token.is_unresolved(pipeline_stack.account) or Token.is_unresolved(
            pipeline_stack.region
        ):
            raise ValidationError(
                where,
                "scope",
                pipeline_stack.node.path,
                "is in a stack without an account and a region: cross-account deployments "
                "need them; give the pipeline stack env=Environment(account=..., region=...)",
            )
        _check_source(where, connection_arn, repository, codecommit_repository)
        _check_branch(where, branch)
        app_dir = _checked_app_dir(where, app_dir)
        install = _checked_commands(
            where,
            "install_commands",
            DEFAULT_INSTALL_COMMANDS if install_commands is None else install_commands,
        )
        if test_command is not None:
            _checked_commands(where, "test_command", [test_command])
        if not environments:
            raise ValidationError(
                where, "environments", dict(environments), "must name at least one environment"
            )
        waves = delivery_waves(environments, where=where, require_role=False, order=order)
        _check_regions(where, waves, pipeline_stack.region)
        parent = CdkStage.of(pipeline_stack)
        if parent is None:  # pragma: no cover - a stack is always in an App or a Stage
            raise ValidationError(where, "scope", pipeline_stack.node.path, "must be in an App")
        for wave in waves:
            for config in wave.environments:
                if parent.node.try_find_child(config.name) is not None:
                    raise ValidationError(
                        where,
                        "environments",
                        config.name,
                        f"is already the id of a construct in {parent.node.path or 'the app'}, "
                        "where the environment's cdk.Stage goes: rename the environment or "
                        "that construct",
                    )

        super().__init__(scope, construct_id)
        pin_feature_flags(self, PIPELINE_FLAGS)
        self._stages: dict[str, CdkStage] = {}
        try:
            self._build(
                where,
                parent,
                waves,
                stage,
                source=_source(connection_arn, repository, branch, codecommit_repository),
                codecommit_repository=codecommit_repository,
                app_dir=app_dir,
                install=install,
                test_command=test_command,
                topic=notification_topic,
                self_mutation=self_mutation,
                docker_enabled_for_synth=docker_enabled_for_synth,
            )
        except BaseException:
            # Nothing half-made stays in the tree: neither the pipeline nor a stage.
            for name in self._stages:
                parent.node.try_remove_child(name)
            scope.node.try_remove_child(construct_id)
            raise

    # ------------------------------------------------------------------------- building

    def _build(
        self,
        where: str,
        parent: CdkStage,
        waves: Sequence[Wave],
        stage: StageFunction,
        *,
        source: pipelines.CodePipelineSource,
        codecommit_repository: codecommit.IRepository | None,
        app_dir: str,
        install: Sequence[str],
        test_command: str | None,
        topic: sns.ITopic | None,
        self_mutation: bool,
        docker_enabled_for_synth: bool,
    ) -> None:
        for wave in waves:
            for config in wave.environments:
                # Recorded before ``stage`` runs, so that its failure removes the stage too.
                self._stages[config.name] = CdkStage(
                    parent,
                    config.name,
                    env=Environment(account=config.account, region=config.region),
                )
                _add_stacks(where, self._stages[config.name], stage, config)

        self._artifacts = SecureBucket(
            self,
            "Artifacts",
            lifecycle_rules=[
                BucketLifecycleRule(
                    id="expire-artifacts",
                    expiration_days=ARTIFACT_RETENTION_DAYS,
                    noncurrent_expiration_days=30,
                )
            ],
        )
        self._log_group = logs.LogGroup(
            self,
            "Logs",
            encryption_key=log_group_key(self, "LogsKey", f"the build logs of {self.node.path}"),
            retention=log_retention_for(self),
            removal_policy=removal_policy_for(self),
        )
        self._pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            synth=_synth_step(source, app_dir, install, test_command),
            pipeline_type=codepipeline.PipelineType.V2,
            cross_account_keys=True,
            enable_key_rotation=True,
            artifact_bucket=self._artifacts.bucket,
            self_mutation=self_mutation,
            docker_enabled_for_synth=docker_enabled_for_synth,
            docker_enabled_for_self_mutation=False,
            code_build_defaults=pipelines.CodeBuildOptions(
                logging=codebuild.LoggingOptions(
                    cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self._log_group)
                )
            ),
        )
        self._waves: list[pipelines.Wave] = []
        for wave in waves:
            added = self._pipeline.add_wave(f"Wave{wave.number}")
            for config in wave.environments:
                environment_stage = self._stages[config.name]
                steps: list[pipelines.Step] = []
                if config.is_production:
                    steps.append(
                        pipelines.ManualApprovalStep(
                            "Promote",
                            comment=f"Promote to {config.name}",
                            notification_topic=topic,
                        )
                    )
                steps.append(
                    pipelines.ConfirmPermissionsBroadening(
                        "ConfirmPermissions", stage=environment_stage, notification_topic=topic
                    )
                )
                added.add_stage(environment_stage, pre=pipelines.Step.sequence(steps))
            self._waves.append(added)
        self._pipeline.build_pipeline()

        if topic is not None:
            notifications.NotificationRule(
                self,
                "Notifications",
                source=self._pipeline.pipeline,
                events=[
                    "codepipeline-pipeline-pipeline-execution-started",
                    "codepipeline-pipeline-pipeline-execution-succeeded",
                    "codepipeline-pipeline-pipeline-execution-failed",
                    "codepipeline-pipeline-pipeline-execution-canceled",
                    "codepipeline-pipeline-pipeline-execution-superseded",
                    "codepipeline-pipeline-pipeline-execution-resumed",
                ],
                targets=[topic],
                detail_type=notifications.DetailType.FULL,
            )
        self._secure_permissions_check()
        self._acknowledge()
        if codecommit_repository is not None:
            # The push rule goes into the repository's scope (aws-cdk-lib's onCommit).
            prefix = Names.node_unique_id(self._pipeline.pipeline.node)
            for rule in codecommit_repository.node.children:
                if isinstance(rule, events.Rule) and rule.node.id.startswith(prefix):
                    acknowledge(rule, _EVENT_RULE, "Serverless-EventBusDLQ")

    def _secure_permissions_check(self) -> None:
        """Explicit memory, X-Ray tracing and the encrypted log group for what aws-cdk-lib
        creates for ``ConfirmPermissionsBroadening`` (an approval function and a CodeBuild
        project), which it makes with none of them."""
        check = self._pipeline.node.try_find_child("PipelinesSecurityCheck")
        if check is None:  # pragma: no cover - every stage has a permissions check
            return
        for child in check.node.find_all():
            function = child.node.default_child
            if isinstance(child, lambda_.Function) and isinstance(function, lambda_.CfnFunction):
                function.memory_size = 128
                function.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
                function.logging_config = lambda_.CfnFunction.LoggingConfigProperty(
                    log_group=self._log_group.log_group_name
                )
                child.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                        resources=["*"],
                    )
                )
                self._log_group.grant_write(child)
            elif isinstance(child, codebuild.Project) and isinstance(
                function, codebuild.CfnProject
            ):
                function.logs_config = codebuild.CfnProject.LogsConfigProperty(
                    cloud_watch_logs=codebuild.CfnProject.CloudWatchLogsConfigProperty(
                        status="ENABLED", group_name=self._log_group.log_group_name
                    )
                )
                self._log_group.grant_write(child)

    # ------------------------------------------------------------------------- compliance

    def _acknowledge(self) -> None:
        """Acknowledge, with their reasons, what aws-cdk-lib creates for CDK Pipelines and
        the pipeline cannot change; every wildcard is matched statement by statement."""
        stack = Stack.of(self)
        bucket = nag_resource(stack, self._artifacts.bucket.arn_for_objects("*"))
        for policy in self._pipeline.node.find_all():
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
        acknowledge(self._artifacts.bucket, _REPLICATION, *replication)
        if self._artifacts.access_log_bucket is not None:
            acknowledge(self._artifacts.access_log_bucket, _REPLICATION, *replication)

    # ------------------------------------------------------------------------- attributes

    @property
    def pipeline(self) -> pipelines.CodePipeline:
        """The CDK Pipelines pipeline (already built)."""
        return self._pipeline

    @property
    def code_pipeline(self) -> codepipeline.Pipeline:
        """The CodePipeline pipeline underneath."""
        return self._pipeline.pipeline

    @property
    def stages(self) -> Mapping[str, CdkStage]:
        """Each environment's ``cdk.Stage``, by environment name, in delivery order."""
        return MappingProxyType(self._stages)

    @property
    def waves(self) -> Sequence[pipelines.Wave]:
        """The pipeline's waves, in order (``Wave1``, ``Wave2``...)."""
        return tuple(self._waves)

    @property
    def artifact_bucket(self) -> SecureBucket:
        """The artifact bucket."""
        return self._artifacts

    @property
    def log_group(self) -> logs.LogGroup:
        """The log group of the pipeline's builds and its approval function."""
        return self._log_group


# ----------------------------------------------------------------------------- helpers


def _check_source(
    where: str,
    connection_arn: str | None,
    repository: str | None,
    codecommit_repository: codecommit.IRepository | None,
) -> None:
    connection = connection_arn is not None or repository is not None
    if connection and codecommit_repository is not None:
        given = "connection_arn" if connection_arn is not None else "repository"
        raise ValidationError(
            where,
            given,
            connection_arn if connection_arn is not None else repository,
            "cannot be given with codecommit_repository: the pipeline has one source, a "
            "connection (connection_arn and repository) or a CodeCommit repository",
        )
    if not connection and codecommit_repository is None:
        raise ValidationError(
            where,
            "connection_arn",
            None,
            "is required, with repository, unless codecommit_repository is given: the "
            "pipeline needs a source",
        )
    if codecommit_repository is not None:
        return
    if connection_arn is None:
        raise ValidationError(
            where,
            "connection_arn",
            None,
            f"is required with repository={repository!r}: the CodeConnections connection "
            "that reads it, arn:aws:codeconnections:REGION:ACCOUNT:connection/ID",
        )
    if repository is None:
        raise ValidationError(
            where,
            "repository",
            None,
            "is required with connection_arn: the repository to build, 'owner/name'",
        )
    if not checks.is_token(connection_arn) and not _CONNECTION_ARN.fullmatch(connection_arn):
        raise ValidationError(
            where,
            "connection_arn",
            connection_arn,
            "must be a connection ARN, arn:aws:codeconnections:REGION:ACCOUNT:connection/ID "
            "(or arn:aws:codestar-connections:...), as the console or "
            "`aws codeconnections list-connections` shows it",
        )
    if not checks.is_token(repository) and repository.lower().endswith(".git"):
        raise ValidationError(
            where,
            "repository",
            repository,
            f"is a clone address's end: give the repository as 'owner/name', without '.git' "
            f"({repository[: -len('.git')]!r})",
        )
    if (
        checks.is_token(repository)
        or not _REPOSITORY.fullmatch(repository)
        or len(repository) > _MAX_REPOSITORY
        or any(part in (".", "..") for part in repository.split("/"))
    ):
        raise ValidationError(
            where,
            "repository",
            repository,
            "must be the repository as 'owner/name' (GitLab groups: 'owner/group/name'), "
            f"letters, digits, '.', '_' and '-', at most {_MAX_REPOSITORY} characters",
        )


def _check_branch(where: str, branch: str) -> None:
    """A branch name git accepts (``git check-ref-format --branch``), without a token."""
    problem = None
    if checks.is_token(branch):
        problem = "must be a literal branch name, not a token"
    elif not branch.strip():
        problem = "must name a branch, such as 'main'"
    elif branch.startswith("refs/"):
        problem = (
            "is a full ref: give the branch's name alone, such as "
            f"{branch.removeprefix('refs/heads/')!r}"
        )
    elif (
        not _BRANCH_CHARACTERS.fullmatch(branch)
        or ".." in branch
        or "@{" in branch
        or "//" in branch
        or branch == "@"
        or branch.startswith(("-", "/", "."))
        or branch.endswith(("/", ".", ".lock"))
        or "/." in branch
    ):
        problem = (
            "is not a branch name git accepts: no spaces, no ~ ^ : ? * [ \\ or '..', not "
            "starting with '-', '/' or '.', not ending with '/', '.' or '.lock'"
        )
    if problem is not None:
        raise ValidationError(where, "branch", branch, problem)


def _check_regions(where: str, waves: Sequence[Wave], region: str) -> None:
    """Every environment in the pipeline's region: see the class docstring."""
    for wave in waves:
        for config in wave.environments:
            if config.region != region:
                raise ValidationError(
                    where,
                    f"environments.{config.name}.region",
                    config.region,
                    f"must be the pipeline stack's region {region!r}: for another region "
                    "aws-cdk-lib adds a support stack (a replication bucket without access "
                    "logs or versioning, a pipeline role allowed every KMS key); run one "
                    "OrgPipeline per region",
                )


def _checked_app_dir(where: str, app_dir: str) -> str:
    """``app_dir`` as a relative POSIX path without ``.`` parts (``'.'`` for the root)."""
    if checks.is_token(app_dir) or not _APP_DIR.fullmatch(app_dir) or ".." in app_dir.split("/"):
        raise ValidationError(
            where,
            "app_dir",
            app_dir,
            "must be a folder of the repository, relative to its root, such as '.' or "
            "'services/orders' (letters, digits, '.', '_', '-' and '/', without '..')",
        )
    return posixpath.normpath(app_dir)


def _checked_commands(where: str, prop: str, commands: Sequence[str]) -> tuple[str, ...]:
    if prop == "install_commands" and not commands:
        raise ValidationError(
            where,
            prop,
            list(commands),
            "must name at least one command: they install the CDK CLI and org-constructs, "
            "which the synth step's org-cdk validate and cdk synth run; leave it out for "
            f"{list(DEFAULT_INSTALL_COMMANDS)}",
        )
    for index, command in enumerate(commands):
        shown = prop if prop == "test_command" else f"{prop}[{index}]"
        if checks.is_token(command) or not command.strip() or len(command) > _MAX_COMMAND:
            raise ValidationError(
                where,
                shown,
                command,
                f"must be a shell command of 1 to {_MAX_COMMAND} characters, not a token"
                + (" (None runs no tests)" if prop == "test_command" else ""),
            )
    return tuple(commands)


def _source(
    connection_arn: str | None,
    repository: str | None,
    branch: str,
    codecommit_repository: codecommit.IRepository | None,
) -> pipelines.CodePipelineSource:
    if codecommit_repository is not None:
        return pipelines.CodePipelineSource.code_commit(codecommit_repository, branch)
    # Both given: _check_source has run.
    return pipelines.CodePipelineSource.connection(
        str(repository), branch, connection_arn=str(connection_arn)
    )


def _synth_step(
    source: pipelines.CodePipelineSource,
    app_dir: str,
    install: Sequence[str],
    test_command: str | None,
) -> pipelines.CodeBuildStep:
    """Install, test, validate and synthesize in ``app_dir``; ``cdk.out`` is the output.

    Buildspec 0.2 runs every command in one shell, and each phase starts with a ``cd`` of its
    own, so that the folder and ``PATH`` hold whatever the install commands do.
    """
    folder = "$CODEBUILD_SRC_DIR" if app_dir == "." else f"$CODEBUILD_SRC_DIR/{app_dir}"
    enter = f'cd "{folder}"'
    commands = [
        enter,
        'export PATH="$PWD/node_modules/.bin:$CODEBUILD_SRC_DIR/node_modules/.bin:$PATH:'
        f'{CHECKOV_VENV}/bin"',
        *([test_command] if test_command is not None else []),
        f'org-cdk validate . --output "{VALIDATE_OUTPUT}"',
        "cdk synth --quiet --no-notices --output cdk.out",
    ]
    return pipelines.CodeBuildStep(
        "Synth",
        input=source,
        install_commands=[
            enter,
            *install,
            f'python -m venv "{CHECKOV_VENV}"',
            f'"{CHECKOV_VENV}/bin/pip" install --quiet "checkov=={CHECKOV_VERSION}"',
        ],
        commands=commands,
        primary_output_directory="cdk.out" if app_dir == "." else f"{app_dir}/cdk.out",
    )


_STAGE_EXAMPLE = (
    "def stage(scope: Construct, name: str, config: EnvironmentConfig) -> None: "
    "ServiceStack(scope, 'Service', config=config)"
)


def _check_stage_function(where: str, stage: object) -> None:
    """``stage`` is a function the pipeline can call as ``stage(scope, name, config)``."""
    if inspect.isclass(stage):
        made = (
            "a cdk.Stage: the pipeline makes each environment's cdk.Stage itself"
            if issubclass(stage, CdkStage)
            else "a Stack: the pipeline calls stage once per environment, with its cdk.Stage"
            if issubclass(stage, Stack)
            else "a class"
        )
        raise ValidationError(
            where,
            "stage",
            stage.__qualname__,
            f"is {made}; pass a function that creates the app's stacks in the scope it is "
            f"given: {_STAGE_EXAMPLE}",
        )
    if not callable(stage):
        raise ValidationError(
            where,
            "stage",
            stage,
            "must be a function stage(scope, name, config) that adds the app's stacks for "
            f"one environment to scope, its cdk.Stage: {_STAGE_EXAMPLE}",
        )
    try:
        signature = inspect.signature(stage)
    except (TypeError, ValueError):  # pragma: no cover - a builtin without a signature
        return
    try:
        signature.bind(None, "name", None)
    except TypeError:
        raise ValidationError(
            where,
            "stage",
            f"{getattr(stage, '__qualname__', type(stage).__qualname__)}{signature}",
            "cannot be called as stage(scope, name, config), three positional arguments: "
            f"{_STAGE_EXAMPLE}",
        ) from None


def _add_stacks(
    where: str, environment_stage: CdkStage, stage: StageFunction, config: EnvironmentConfig
) -> None:
    """Call ``stage`` for one environment, then check what it made against ``config``."""
    app = environment_stage.node.root
    before = {id(c) for c in app.node.find_all() if isinstance(c, Stack)}
    stage(environment_stage, config.name, config)
    shown = getattr(stage, "__qualname__", repr(stage))
    made = [c for c in app.node.find_all() if isinstance(c, Stack) and id(c) not in before]
    try:
        for stack in made:
            _check_stack(where, environment_stage, stack, shown, config)
    except ValidationError:
        # The environment's stage is removed by the constructor; stacks made elsewhere too.
        for stack in made:
            if CdkStage.of(stack) is not environment_stage and stack.node.scope is not None:
                stack.node.scope.node.try_remove_child(stack.node.id)
        raise
    if not any(isinstance(c, Stack) for c in environment_stage.node.find_all()):
        raise ValidationError(
            where,
            "stage",
            shown,
            f"added no stack for environment {config.name!r}: create the app's stacks in the "
            "scope it is given, its cdk.Stage (ServiceStack(scope, 'Service', config=config))",
        )


def _check_stack(
    where: str, environment_stage: CdkStage, stack: Stack, shown: str, config: EnvironmentConfig
) -> None:
    """A stack ``stage`` made for ``config`` is deployed by the pipeline, to its environment."""
    prop = f"stage({config.name!r})"
    path = stack.node.path
    if CdkStage.of(stack) is not environment_stage:
        inside = environment_stage.node.path in [s.node.path for s in stack.node.scopes]
        raise ValidationError(
            where,
            prop,
            path,
            (
                "is in a cdk.Stage of its own inside the environment's, which CDK Pipelines "
                "does not deploy"
                if inside
                else f"is outside the environment's cdk.Stage {environment_stage.node.path!r}, "
                "so the pipeline would not deploy it"
            )
            + ": create every stack directly in the scope the stage function receives",
        )
    account, region = stack.account, stack.region
    if Token.is_unresolved(account) or Token.is_unresolved(region):
        raise ValidationError(
            where,
            prop,
            path,
            f"is environment-agnostic (account {_shown(account)}, region {_shown(region)}): "
            f"the pipeline deploys it to environment {config.name!r}, account "
            f"{config.account} in {config.region}; leave env out (the stage's applies) or "
            "give env=Environment(account=config.account, region=config.region)",
        )
    if (account, region) != (config.account, config.region):
        raise ValidationError(
            where,
            prop,
            path,
            f"deploys to account {account} in {region}, while environment {config.name!r} "
            f"is account {config.account} in {config.region}: build each stack from the "
            "config the stage function receives (leave env out, or AbstractStack's "
            "config=config)",
        )
    if isinstance(stack, AbstractStack) and (
        stack.config.name != config.name or stack.config.stage != config.stage
    ):
        raise ValidationError(
            where,
            prop,
            path,
            f"is built from environment {stack.config.name!r} ({stack.config.stage.value}), "
            f"while the pipeline deploys it as {config.name!r} ({config.stage.value}): pass "
            "the config the stage function receives (config=config)",
        )


def _shown(value: str) -> str:
    return "unresolved" if Token.is_unresolved(value) else value


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
