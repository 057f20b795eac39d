"""``OrgPipeline``: a CDK Pipelines pipeline that delivers an app wave by wave, from inside AWS.

Its settings and their checks are in ``_pipeline_settings``, the checks of what ``stage``
makes in ``_pipeline_stages``, the synth step in ``_pipeline_synth`` and the acknowledgements
of what aws-cdk-lib creates for it in ``_pipeline_acknowledgements``; this module builds from
the checked settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from aws_cdk import Environment, pipelines
from aws_cdk import Stage as CdkStage
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codestarnotifications as notifications
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.flags import pin_feature_flags
from org_constructs._internal.kms import log_group_key
from org_constructs._internal.nodes import path_of
from org_constructs.config import EnvironmentConfig
from org_constructs.core import log_retention_for, removal_policy_for
from org_constructs.core._defaults import library_construct
from org_constructs.delivery._pipeline_acknowledgements import (
    acknowledge_pipeline,
    acknowledge_push_rule,
)
from org_constructs.delivery._pipeline_settings import _checked, _PipelineSettings
from org_constructs.delivery._pipeline_stages import (
    StageFunction,
    add_stacks,
    check_stage_function,
)
from org_constructs.delivery._pipeline_synth import pipeline_source, synth_step
from org_constructs.storage import BucketLifecycleRule, SecureBucket

__all__ = ["OrgPipeline", "StageFunction"]

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
        check_stage_function(where, stage)
        # ``stage`` is checked above: check_arguments does not describe Callable hints.
        checks.check_arguments(
            where, OrgPipeline.__init__, {k: v for k, v in locals().items() if k != "stage"}
        )
        checks.check_scope(where, scope, construct_id)
        settings = _checked(
            where,
            scope,
            environments=environments,
            stage=stage,
            connection_arn=connection_arn,
            repository=repository,
            branch=branch,
            codecommit_repository=codecommit_repository,
            app_dir=app_dir,
            install_commands=install_commands,
            test_command=test_command,
            notification_topic=notification_topic,
            order=order,
            self_mutation=self_mutation,
            docker_enabled_for_synth=docker_enabled_for_synth,
        )

        super().__init__(scope, construct_id)
        library_construct(self)
        pin_feature_flags(self, PIPELINE_FLAGS)
        self._settings: _PipelineSettings = settings
        self._stages: dict[str, CdkStage] = {}
        try:
            self._build(where)
        except BaseException:
            # Nothing half-made stays in the tree: neither the pipeline nor a stage.
            for name in self._stages:
                settings.parent.node.try_remove_child(name)
            scope.node.try_remove_child(construct_id)
            raise

    # ------------------------------------------------------------------------- building

    def _build(self, where: str) -> None:
        """Each environment's stage and stacks, then the pipeline, from the settings."""
        settings = self._settings
        source = pipeline_source(settings)
        topic = settings.notification_topic
        for wave in settings.waves:
            for config in wave.environments:
                # Recorded before ``stage`` runs, so that its failure removes the stage too.
                self._stages[config.name] = CdkStage(
                    settings.parent,
                    config.name,
                    env=Environment(account=config.account, region=config.region),
                )
                add_stacks(where, self._stages[config.name], settings.stage, config)

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
            encryption_key=log_group_key(self, "LogsKey", f"the build logs of {path_of(self)}"),
            retention=log_retention_for(self),
            removal_policy=removal_policy_for(self),
        )
        self._pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            synth=synth_step(source, settings),
            pipeline_type=codepipeline.PipelineType.V2,
            cross_account_keys=True,
            enable_key_rotation=True,
            artifact_bucket=self._artifacts.bucket,
            self_mutation=settings.self_mutation,
            docker_enabled_for_synth=settings.docker_enabled_for_synth,
            docker_enabled_for_self_mutation=False,
            code_build_defaults=pipelines.CodeBuildOptions(
                logging=codebuild.LoggingOptions(
                    cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self._log_group)
                )
            ),
        )
        self._waves: list[pipelines.Wave] = []
        for wave in settings.waves:
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
        acknowledge_pipeline(self._pipeline, self._artifacts)
        if settings.codecommit_repository is not None:
            # The push rule goes into the repository's scope (aws-cdk-lib's onCommit).
            acknowledge_push_rule(self._pipeline, settings.codecommit_repository)

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
