"""``MonitoredFunction``: a Lambda function released by CodeDeploy with automatic rollback."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import jsii
from aws_cdk import Annotations, Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.kms import log_group_key, rotating_key
from org_constructs._internal.nodes import id_of, path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.compliance._acknowledgements import (
    DEPENDS_ON_ROLE_REASON,
    acknowledge,
    acknowledge_grant,
    acknowledge_library_check,
    acknowledge_short_retention,
    library_grantee,
    nag_resource,
    skip_checkov,
)
from org_constructs.compute._deployment import Deployment, DeploymentKind
from org_constructs.compute._function_checks import (
    QueuesOutlastTheTimeout,
    SourcesOnTheAlias,
    check_environment,
    latest_python_runtime,
    withdrawn_runtimes,
)
from org_constructs.compute._queue_source import (
    SQS_FAILURES_REASON as _SQS_FAILURES_REASON,
)
from org_constructs.compute._queue_source import QueueSource, dead_letters_of, queue_source
from org_constructs.compute._role import ManagedPolicyRole
from org_constructs.compute._rollback import (
    ROLLBACK_ALARMS,
    ROLLBACK_DEFAULTS,
    create_rollback_alarms,
)
from org_constructs.config import Stage
from org_constructs.core import (
    config_of,
    log_retention_for,
    name_part_of,
    removal_policy_for,
    service_name_of,
    stage_of,
)
from org_constructs.core._defaults import library_construct
from org_constructs.errors import OrgConstructsError, ValidationError
from org_constructs.events import Triggered
from org_constructs.monitoring import (
    AlarmSettings,
    AlarmTopic,
    ServiceMonitoring,
)
from org_constructs.monitoring._service import default_runbook_url
from org_constructs.monitoring._settings import alarm_name, check_name_part, resolve
from org_constructs.network import StandardVpc

__all__ = ["MonitoredFunction", "latest_python_runtime"]

TRIGGER_EVENTS = ("DeploymentStart", "DeploymentSuccess", "DeploymentFailure", "DeploymentRollback")
_ALIAS = re.compile(r"^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$")
_HANDLER = re.compile(r"^\S{1,128}$")
_DEFAULT_HOOK_HANDLER = "index.handler"
_DOTTED_FAMILIES = (lambda_.RuntimeFamily.PYTHON, lambda_.RuntimeFamily.NODEJS)
"""Runtimes whose handler is ``FILE.FUNCTION``."""
_MAX_DESCRIPTION = 256
_MAX_SECURITY_GROUPS = 5
_MAX_DEPLOYMENT_ALARMS = 10
_MAX_CONCURRENCY = 2**31 - 1

_CODEDEPLOY_REASON = (
    "aws-cdk-lib creates the CodeDeploy service role with the AWS managed policy "
    "AWSCodeDeployRoleForLambdaLimited, which CodeDeploy documents for Lambda deployments; its "
    "notification permissions (sns:Publish on the notification topic) are scoped to one topic."
)
_XRAY_REASON = (
    "X-Ray's PutTraceSegments and PutTelemetryRecords, and the network interface actions a "
    "function in a VPC needs, support no resource-level permissions: AWS requires Resource '*'."
)
_NO_VPC_REASON = (
    "Not placed in a VPC by default: a function that calls AWS APIs and public endpoints gains "
    "nothing from a VPC and would pay for NAT; pass vpc= for regulated workloads."
)
_AWS_MANAGED_ENVIRONMENT_KEY_REASON = (
    "Lambda encrypts environment variables at rest with its AWS managed key; a customer key "
    "(environment_encryption_key=, about 1 USD a month) is for values that need their own key "
    "policy. Keep secrets in Secrets Manager, not in the environment."
)
_VPC_OF_ANOTHER_STACK_REASON = (
    "The function runs in the VPC of another stack: its subnets and security group are that "
    "stack's exports, which the rule cannot read as subnet ids."
)
_NO_CONCURRENCY_REASON = (
    "No reserved concurrency by default: a reservation takes capacity from the account's pool "
    "whether used or not; pass reserved_concurrent_executions= for regulated workloads."
)
_DLQ_GUARD_REASON = (
    "This queue is a dead-letter queue for Lambda or SNS, whose RedriveAllowPolicy denies all "
    "SQS sources; the rule counts only allowAll or byQueue policies as dead-letter queues."
)
_DLQ_REASON = (
    "This queue is the function's dead-letter queue; a dead-letter queue needs none of its own."
)


@jsii.implements(iam.IGrantable, ec2.IConnectable)
class MonitoredFunction(Triggered, Construct):
    """A Lambda function released through CodeDeploy, with alarms that roll a bad release back.

    Every change to the code or configuration publishes a new version; the alias (``live``)
    moves to it through a CodeDeploy deployment group: canary 10% for 5 minutes in staging and
    production, all at once in dev, or any ``Deployment``. Rollback alarms watch the new version
    only (the alias's metrics with its ``ExecutedVersion``), so an alarm raised by the old
    version cannot block the release of its fix. A failed, stopped or alarmed deployment rolls
    back by itself.

    Hardened by default: X-Ray active tracing; a log group encrypted with a rotating KMS key and
    a retention that follows the stage; an execution role whose permissions are one
    customer-managed policy (no AWS managed policy, no inline policy); an encrypted SQS
    dead-letter queue for failed asynchronous invocations; ARM64.

    Parameters
    ----------
    scope, construct_id:
        As for any construct. Children ``Function``, ``Alias``, ``LogGroup``, ``LogKey``,
        ``DeadLetterQueue``, ``Role``, ``Application`` and ``DeploymentGroup`` fix logical ids.
    code, handler:
        As for ``aws_lambda.Function``.
    runtime:
        Default: - the newest Python runtime of the installed aws-cdk-lib
    memory_size:
        MB. Default: 256
    timeout:
        Default: 30 seconds
    architecture:
        Default: ``Architecture.ARM_64`` (about 20% cheaper than x86)
    environment:
        Environment variables. Default: none
    environment_encryption_key:
        A customer-managed key for the environment variables. Default: - AWS managed key
    description:
        Default: none
    deployment:
        A ``Deployment`` or the name of a CodeDeploy configuration
        (``"CANARY_10_PERCENT_5_MINUTES"``). Default: - all at once in dev, canary 10% for 5
        minutes elsewhere
    alias_name:
        Default: ``'live'``
    alarm_topic:
        Where rollback alarms and deployment notifications go. Default: - alarms without
        actions (CodeDeploy still rolls back) and no notifications
    notification_topic:
        Where deployment notifications (start, success, failure, rollback) go.
        Default: ``alarm_topic``
    service_name:
        The service part of the rollback alarms' names
        (``<stage>-<service>-<construct id>-rollback-<alarm>``). Default: - the
        ``monitoring``'s service name, else the stack's name (unique in an account and
        region, so two services never share an alarm name)
    rollback_alarms:
        Overrides of the rollback alarms (``errors``, ``error_rate``, ``throttles``,
        ``duration_p99``), as ``AlarmSettings``; every setting applies, ``severity`` and
        ``treat_missing_data`` included. Default: the alarm catalogue's values, severity
        Critical
    additional_rollback_alarms:
        Your own alarms that also stop and roll back a deployment. Default: none
    pre_traffic_hook, post_traffic_hook:
        Functions CodeDeploy runs before and after shifting traffic: a function in the same
        stack, or ``lambda_.Code`` for a hook function created here with the same hardening
        (handler ``hook_handler``, reserved concurrency 1). They may call only
        ``codedeploy:PutLifecycleEventHookExecutionStatus`` on this deployment group.
        Default: none
    hook_handler:
        Handler of hooks created from code. Default: ``'index.handler'``
    reserved_concurrent_executions:
        Default: - none (the account's unreserved pool)
    vpc:
        Run the function in this VPC's private tier (isolated tier without NAT).
        Default: - not in a VPC
    security_groups:
        With ``vpc``. Default: - a new group with egress only
    dead_letter_queue:
        Keep failed asynchronous invocations in an encrypted SQS queue. Default: True
    log_retention:
        Default: - the environment's log retention (7 days dev, 90 staging, 365 production),
        one year outside an ``AbstractStack``
    monitoring:
        Add the function's alias to this ``ServiceMonitoring`` (its alarms and dashboard
        widgets). Default: - none

    Raises
    ------
    ValidationError
        For a runtime AWS Lambda no longer supports, an unknown deployment name, a percentage
        outside 1-99 or an interval under a minute,
        reserved concurrency below 1, a hook in another stack, an invalid alias name, a memory
        size outside 128-10240 MB, a timeout that is not 1 to 900 whole seconds, an empty
        handler or a Python or Node.js handler (or ``hook_handler``) that is not
        ``FILE.FUNCTION``, ``hook_handler`` without a hook given as code, a ``vpc`` or an
        ``environment_encryption_key`` of another region, a description over 256 characters,
        environment variables Lambda refuses (reserved names, more than 4 KB), security groups
        without a VPC or more than 5, more than 10 rollback alarms in all, a rollback alarm
        override or a ``monitoring`` label that would be refused, a value of the wrong type
        or an id already used in ``scope``; nothing is added to the tree. At synthesis: an
        event source on the unversioned function, and an SQS queue read by the function whose
        visibility timeout is below ``timeout``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        handler: str,
        runtime: lambda_.Runtime | None = None,
        memory_size: int = 256,
        timeout: Duration | None = None,
        architecture: lambda_.Architecture | None = None,
        environment: Mapping[str, str] | None = None,
        environment_encryption_key: kms.IKey | None = None,
        description: str | None = None,
        deployment: Deployment | str | None = None,
        alias_name: str = "live",
        alarm_topic: AlarmTopic | sns.ITopic | None = None,
        notification_topic: AlarmTopic | sns.ITopic | None = None,
        service_name: str | None = None,
        rollback_alarms: Mapping[str, AlarmSettings] | None = None,
        additional_rollback_alarms: Sequence[cw.IAlarm] = (),
        pre_traffic_hook: lambda_.IFunction | lambda_.Code | None = None,
        post_traffic_hook: lambda_.IFunction | lambda_.Code | None = None,
        hook_handler: str = "index.handler",
        reserved_concurrent_executions: int | None = None,
        vpc: StandardVpc | ec2.IVpc | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        dead_letter_queue: bool = True,
        log_retention: logs.RetentionDays | None = None,
        monitoring: ServiceMonitoring | None = None,
    ) -> None:
        where = f"MonitoredFunction({construct_id!r})"
        checks.check_arguments(where, MonitoredFunction.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        timeout = timeout or Duration.seconds(30)
        stage = stage_of(scope)
        if isinstance(deployment, str):
            try:
                deployment = Deployment.named(deployment)
            except ValidationError as error:
                raise ValidationError(where, "deployment", deployment, error.expected) from None
        elif deployment is None:
            deployment = Deployment.for_stage(stage)
        if reserved_concurrent_executions is not None:
            checks.check_int(
                where,
                "reserved_concurrent_executions",
                reserved_concurrent_executions,
                1,
                _MAX_CONCURRENCY,
                tokens=monitoring is None,
            )
        checks.check_int(where, "memory_size", memory_size, 128, 10240, tokens=True)
        # Whole seconds, and no token: the duration alarms' thresholds are computed from it.
        checks.check_duration(
            where,
            "timeout",
            timeout,
            low=checks.seconds(1),
            high=checks.minutes(15),
            unit="seconds",
        )
        for prop, text in (("handler", handler), ("hook_handler", hook_handler)):
            checks.check_text(
                where, prop, text, _HANDLER, "1 to 128 characters without spaces", tokens=True
            )
        for prop, text, family in (
            ("handler", handler, (runtime or latest_python_runtime()).family),
            ("hook_handler", hook_handler, lambda_.RuntimeFamily.PYTHON),
        ):
            module, _, name = text.rpartition(".")
            if family in _DOTTED_FAMILIES and not unresolved(text) and not (module and name):
                raise ValidationError(
                    where,
                    prop,
                    text,
                    f"must name the file and the function, 'FILE.FUNCTION' (such as "
                    f"'index.handler'), for the {family.name.lower()} runtime; Lambda reports "
                    "'Unable to import module' at every invocation otherwise",
                )
        code_hooks = any(isinstance(h, lambda_.Code) for h in (pre_traffic_hook, post_traffic_hook))
        if hook_handler != _DEFAULT_HOOK_HANDLER and not code_hooks:
            raise ValidationError(
                where,
                "hook_handler",
                hook_handler,
                "applies to hooks given as lambda_.Code (pre_traffic_hook, post_traffic_hook), "
                "and none is: give the hook's code, or leave hook_handler out (a hook function "
                "of your own has its own handler)",
            )
        checks.check_text(
            where,
            "alias_name",
            alias_name,
            _ALIAS,
            "1-128 letters, digits, '-' or '_', not only digits",
            tokens=True,
        )
        if description is not None and len(description) > _MAX_DESCRIPTION:
            raise ValidationError(
                where,
                "description",
                description,
                f"must be at most {_MAX_DESCRIPTION} characters (Lambda's limit)",
            )
        check_environment(where, "environment", environment or {})
        if runtime is not None and runtime.name in withdrawn_runtimes():
            raise ValidationError(
                where,
                "runtime",
                runtime.name,
                "is a legacy runtime AWS Lambda no longer supports (aws-cdk-lib marks it "
                f"deprecated): Lambda refuses to create functions on it; use "
                f"{latest_python_runtime().name} or another current runtime",
            )
        inline = isinstance(code, lambda_.InlineCode)
        if inline and runtime is not None and not runtime.supports_inline_code:
            raise ValidationError(
                where, "runtime", runtime.name, "does not run inline code: use Code.from_asset"
            )
        if security_groups is not None and len(security_groups) > _MAX_SECURITY_GROUPS:
            raise ValidationError(
                where,
                "security_groups",
                f"{len(security_groups)} groups",
                f"Lambda allows at most {_MAX_SECURITY_GROUPS}",
            )
        if vpc is not None:
            checks.check_same_region(
                where,
                "vpc",
                vpc.vpc if isinstance(vpc, StandardVpc) else vpc,
                scope,
                "a function runs in a VPC of its own region; create or import one in that region",
            )
        if environment_encryption_key is not None:
            checks.check_same_region(
                where,
                "environment_encryption_key",
                environment_encryption_key,
                scope,
                "Lambda encrypts environment variables only with keys of its own region; give a "
                "key of the stack's region, or leave it out (the AWS managed key)",
            )
        if security_groups and vpc is None:
            raise ValidationError(
                where,
                "security_groups",
                list(security_groups),
                "need vpc: a function outside a VPC has no security groups",
            )
        for prop, hook in (
            ("pre_traffic_hook", pre_traffic_hook),
            ("post_traffic_hook", post_traffic_hook),
        ):
            if (
                hook is not None
                and not isinstance(hook, lambda_.Code)
                and Stack.of(hook) is not Stack.of(scope)
            ):
                raise ValidationError(
                    where,
                    prop,
                    path_of(hook),
                    "must be in the same stack as the function: CodeDeploy grants it access to "
                    "this deployment group only",
                )
        service = service_name or (
            monitoring.service_name if monitoring is not None else service_name_of(scope)
        )
        check_name_part(where, "service_name", service)
        resource = name_part_of(construct_id)
        for key in rollback_alarms or {}:
            if key not in ROLLBACK_ALARMS:
                raise ValidationError(
                    where,
                    f"rollback_alarms[{key!r}]",
                    rollback_alarms[key],  # type: ignore[index]
                    f"is not a rollback alarm; they are {', '.join(ROLLBACK_ALARMS)}",
                )
        rollbacks = 0
        for key in ROLLBACK_ALARMS:
            # Resolved here too, so that a bad override leaves nothing half-made.
            if resolve(where, ROLLBACK_DEFAULTS[key], (rollback_alarms or {}).get(key)):
                rollbacks += 1
                stage_name = _stage_name(stage, monitoring)
                alarm_name(where, stage_name, service, resource, "rollback", key.replace("_", "-"))
        if rollbacks + len(additional_rollback_alarms) > _MAX_DEPLOYMENT_ALARMS:
            raise ValidationError(
                where,
                "additional_rollback_alarms",
                f"{len(additional_rollback_alarms)} alarms",
                f"CodeDeploy watches at most {_MAX_DEPLOYMENT_ALARMS} alarms per deployment "
                f"group, and {rollbacks} are the rollback alarms",
            )
        if monitoring is not None:
            # What monitor_lambda_function(self.alias) at the end would refuse, refused now.
            monitoring.check_lambda_function(
                construct_id, timeout=timeout, reserved_concurrency=reserved_concurrent_executions
            )
            monitoring.check_region("monitoring", scope)

        super().__init__(scope, construct_id)
        library_construct(self)
        self._roles: list[ManagedPolicyRole] = []
        policy = removal_policy_for(self)
        self._deployment = deployment
        if stage is Stage.PRODUCTION and deployment.kind is DeploymentKind.ALL_AT_ONCE:
            Annotations.of(self).add_warning_v2(
                "org-constructs:MonitoredFunction:AllAtOnceInProduction",
                f"{where}: deployment is all at once in production: a bad release reaches "
                "every caller before the rollback alarms can stop it; production defaults to "
                "a canary (leave deployment out)",
            )
        self._log_key = log_group_key(self, "LogKey", f"the logs of {path_of(self)}")
        self._retention = log_retention or log_retention_for(self)
        self._dead_letter_queue: sqs.Queue | None = None
        if dead_letter_queue:
            self._dead_letter_queue = sqs.Queue(
                self,
                "DeadLetterQueue",
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=rotating_key(
                    self, "DeadLetterKey", f"the failed invocations of {path_of(self)}", policy
                ),
                enforce_ssl=True,
                retention_period=Duration.days(14),
                removal_policy=policy,
                # A dead-letter queue of its own: no SQS queue may redrive into it.
                redrive_allow_policy=sqs.RedriveAllowPolicy(
                    redrive_permission=sqs.RedrivePermission.DENY_ALL
                ),
            )
            acknowledge(self._dead_letter_queue, _DLQ_REASON, "Serverless-SQSRedrivePolicy")
            acknowledge_library_check(
                self._dead_letter_queue, "cfn-guard", "CT.SQS.PR.1", _DLQ_GUARD_REASON
            )
        network = vpc.vpc if isinstance(vpc, StandardVpc) else vpc
        self._network = network
        self._security_groups = list(security_groups) if security_groups else None
        self._function, self._role, self._log_group = self._hardened(
            "",
            code=code,
            handler=handler,
            runtime=runtime,
            memory_size=memory_size,
            timeout=timeout,
            architecture=architecture,
            environment=environment,
            environment_encryption_key=environment_encryption_key,
            description=description,
            reserved_concurrent_executions=reserved_concurrent_executions,
        )
        hooks = {
            prop: (
                self._hardened(
                    name,
                    code=hook,
                    handler=hook_handler,
                    timeout=Duration.minutes(1),
                    reserved_concurrent_executions=1,
                    description=f"{name} of {path_of(self)}",
                )[0]
                if isinstance(hook, lambda_.Code)
                else hook
            )
            for prop, name, hook in (
                ("pre", "PreTrafficHook", pre_traffic_hook),
                ("post", "PostTrafficHook", post_traffic_hook),
            )
        }
        self._alias = lambda_.Alias(
            self, "Alias", alias_name=alias_name, version=self._function.current_version
        )

        alarm_action = _action(alarm_topic)
        config = config_of(self)
        runbook = (
            monitoring.runbook_url
            if monitoring is not None
            else (config.runbook_url if config is not None else None) or default_runbook_url()
        )
        self._rollback_alarms = create_rollback_alarms(
            self,
            self._function,
            self._alias,
            where=where,
            runbook=runbook,
            stage=_stage_name(stage, monitoring),
            prefix=(service, resource),
            overrides=rollback_alarms or {},
            action=alarm_action,
            timeout=timeout,
        )
        for alarm in self._rollback_alarms.values():
            # CloudFormation updates the alarms to the new version before the alias moves.
            self._alias.node.add_dependency(alarm)

        application = codedeploy.LambdaApplication(self, "Application")
        self._deployment_group = codedeploy.LambdaDeploymentGroup(
            self,
            "DeploymentGroup",
            application=application,
            alias=self._alias,
            deployment_config=deployment.config(self, "DeploymentConfig"),
            alarms=[*self._rollback_alarms.values(), *additional_rollback_alarms],
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
            pre_hook=hooks["pre"],
            post_hook=hooks["post"],
        )
        self._notification_topic = _topic(notification_topic or alarm_topic)
        if self._notification_topic is not None:
            self._add_triggers(self._notification_topic)
        acknowledge(
            self._deployment_group,
            _CODEDEPLOY_REASON,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSCodeDeployRoleForLambdaLimited]",
            # The notification grant (sns:Publish) lands in an inline default policy.
            *(
                f"{pack}-IAMNoInlinePolicy"
                for pack in ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321")
                if self._notification_topic is not None
            ),
            # aws-cdk-lib lets CodeDeploy invoke every version of a hook function.
            *(
                f"AwsSolutions-IAM5[Resource::{nag_resource(Stack.of(self), hook.function_arn)}:*]"
                for hook in hooks.values()
                if hook is not None
            ),
        )
        if monitoring is not None:
            monitoring.monitor_lambda_function(
                self._alias,
                label=construct_id,
                timeout=timeout,
                reserved_concurrency=reserved_concurrent_executions,
            )
            if self._dead_letter_queue is not None:
                monitoring.monitor_dead_letter_queue(
                    self._dead_letter_queue, label=f"{construct_id}DeadLetters"
                )
        self._timeout = timeout
        self._monitoring = monitoring
        self.node.add_validation(SourcesOnTheAlias(self._function, self._alias))
        self.node.add_validation(
            QueuesOutlastTheTimeout(self, self._function, self._alias, timeout)
        )
        # Built: what the app adds to the roles from now on goes to policies of their own.
        for role in self._roles:
            role.seal()

    def _hardened(
        self,
        prefix: str,
        *,
        code: lambda_.Code,
        handler: str,
        runtime: lambda_.Runtime | None = None,
        memory_size: int = 256,
        timeout: Duration,
        architecture: lambda_.Architecture | None = None,
        environment: Mapping[str, str] | None = None,
        environment_encryption_key: kms.IKey | None = None,
        description: str | None = None,
        reserved_concurrent_executions: int | None = None,
    ) -> tuple[lambda_.Function, ManagedPolicyRole, logs.LogGroup]:
        """A function with its own log group, role and the construct's shared hardening."""
        log_group = logs.LogGroup(
            self,
            f"{prefix}LogGroup",
            encryption_key=self._log_key,
            retention=self._retention,
            removal_policy=removal_policy_for(self),
        )
        acknowledge_short_retention(log_group)
        role = ManagedPolicyRole(
            self,
            f"{prefix}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {path_of(self)}/{prefix or 'Function'}",
        )
        self._roles.append(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )
        subnets = None
        if self._network is not None:
            tier = (
                ec2.SubnetType.PRIVATE_WITH_EGRESS
                if self._network.private_subnets
                else ec2.SubnetType.PRIVATE_ISOLATED
            )
            subnets = ec2.SubnetSelection(subnet_type=tier)
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=[
                        "ec2:CreateNetworkInterface",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DeleteNetworkInterface",
                        "ec2:AssignPrivateIpAddresses",
                        "ec2:UnassignPrivateIpAddresses",
                    ],
                    resources=["*"],
                )
            )
        function = lambda_.Function(
            self,
            prefix or "Function",
            code=code,
            handler=handler,
            runtime=runtime or latest_python_runtime(),
            memory_size=memory_size,
            timeout=timeout,
            architecture=architecture or lambda_.Architecture.ARM_64,
            environment=dict(environment) if environment else None,
            environment_encryption=environment_encryption_key,
            description=description,
            role=role,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
            dead_letter_queue=self._dead_letter_queue,
            reserved_concurrent_executions=reserved_concurrent_executions,
            vpc=self._network,
            vpc_subnets=subnets,
            security_groups=self._security_groups,
        )
        acknowledge(role.policy, _XRAY_REASON, "AwsSolutions-IAM5[Resource::*]")
        acknowledge_library_check(function, "cfn-lint", "W3005", DEPENDS_ON_ROLE_REASON)
        if self._network is None:
            skip_checkov(function, "CKV_AWS_117", _NO_VPC_REASON)
            acknowledge_library_check(function, "cfn-guard", "CT.LAMBDA.PR.3", _NO_VPC_REASON)
        else:
            skip_checkov(role.policy, "CKV_AWS_111", _XRAY_REASON)
            if Stack.of(self._network) is not Stack.of(self):
                acknowledge_library_check(
                    function, "cfn-guard", "CT.LAMBDA.PR.3", _VPC_OF_ANOTHER_STACK_REASON
                )
        if reserved_concurrent_executions is None:
            skip_checkov(function, "CKV_AWS_115", _NO_CONCURRENCY_REASON)
        if environment_encryption_key is None:
            skip_checkov(function, "CKV_AWS_173", _AWS_MANAGED_ENVIRONMENT_KEY_REASON)
        return function, role, log_group

    def _add_triggers(self, topic: sns.ITopic) -> None:
        topic.grant_publish(self._deployment_group.role)
        # Publishing to an encrypted topic needs the key's data-key actions, a family that
        # aws-cdk-lib grants with a wildcard on that one key.
        acknowledge(
            self._deployment_group,
            _CODEDEPLOY_REASON,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
        )
        cfn = self._deployment_group.node.default_child
        if not isinstance(cfn, codedeploy.CfnDeploymentGroup):  # pragma: no cover - aws-cdk-lib
            raise OrgConstructsError("LambdaDeploymentGroup has no CfnDeploymentGroup")
        cfn.add_property_override(
            "TriggerConfigurations",
            [
                {
                    "TriggerName": f"{id_of(self)}-deployments",
                    "TriggerTargetArn": topic.topic_arn,
                    "TriggerEvents": list(TRIGGER_EVENTS),
                }
            ],
        )

    # ----------------------------------------------------------------------- attributes

    @property
    def function(self) -> lambda_.Function:
        """The function."""
        return self._function

    @property
    def alias(self) -> lambda_.Alias:
        """The alias that receives traffic; point callers (API Gateway, events) here."""
        return self._alias

    @property
    def current_version(self) -> lambda_.Version:
        """The version this deployment publishes."""
        return self._function.current_version

    @property
    def deployment(self) -> Deployment:
        """The deployment style."""
        return self._deployment

    @property
    def deployment_group(self) -> codedeploy.LambdaDeploymentGroup:
        return self._deployment_group

    @property
    def rollback_alarms(self) -> dict[str, cw.Alarm]:
        """The alarms that stop and roll back a deployment, by key."""
        return dict(self._rollback_alarms)

    @property
    def log_group(self) -> logs.LogGroup:
        return self._log_group

    @property
    def dead_letter_queue(self) -> sqs.Queue | None:
        return self._dead_letter_queue

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The execution role: ``bucket.grant_read(function)`` grants to it, in its policy."""
        return self._role

    @property
    def role(self) -> iam.Role:
        """The execution role; grants to it land in its customer-managed policy."""
        return self._role

    @property
    def connections(self) -> ec2.Connections:
        """The function's security groups, so that ``database.allow_from(function)`` works.

        Raises
        ------
        ValidationError
            When the function is not in a VPC (it has no security group).
        """
        if not self._function.is_bound_to_vpc:
            raise ValidationError(
                f"MonitoredFunction({id_of(self)!r})",
                "vpc",
                None,
                "is required for connections: only a function in a VPC has security groups",
            )
        return self._function.connections

    def add_event_source(self, source: lambda_.IEventSource) -> None:
        """Send ``source``'s events to the alias, where the canary and its rollback alarms guard
        them (``SqsEventSource``, ``DynamoEventSource``, ``KinesisEventSource``...).

        The same as ``alias.add_event_source(source)``; a source on the unversioned
        ``function`` fails synthesis.
        """
        checks.check_arguments(
            f"MonitoredFunction({id_of(self)!r}).add_event_source",
            MonitoredFunction.add_event_source,
            locals(),
        )
        self._alias.add_event_source(source)

    def add_queue_source(
        self,
        queue: QueueSource,
        *,
        batch_size: int | None = None,
        max_batching_window: Duration | None = None,
        max_concurrency: int | None = None,
        report_batch_item_failures: bool = True,
        enabled: bool = True,
    ) -> sqs.IQueue:
        """Read ``queue`` with the alias, where the canary and its rollback alarms guard each
        release's share of the messages; the function's ``monitoring`` watches the queue too.

        Parameters
        ----------
        queue:
            A ``SecureQueue`` (its visibility timeout must be at least six times the function's
            timeout plus the batching window, as AWS advises) or any SQS queue (an
            ``sqs.Queue`` of this app: at least the function's timeout, or Lambda refuses it).
        batch_size:
            Messages per invocation: 1 to 10,000 (10 for a FIFO queue); above 10 needs
            ``max_batching_window``. Default: - Lambda's 10
        max_batching_window:
            How long Lambda gathers a batch: up to 5 minutes; not for FIFO queues.
            Default: - none
        max_concurrency:
            The most concurrent invocations this source makes: 2 to 1,000. Default: - no limit
        report_batch_item_failures:
            The handler returns ``{"batchItemFailures": [{"itemIdentifier": id}, ...]}`` and
            only those messages return to the queue. Default: True
        enabled:
            False creates the mapping paused. Default: True

        Returns
        -------
        The queue read (a ``SecureQueue``'s ``queue``).

        Raises
        ------
        ValidationError
            Values out of range or contradicting each other or the queue, before anything is
            created.
        """
        where = f"MonitoredFunction({id_of(self)!r}).add_queue_source"
        checks.check_arguments(where, MonitoredFunction.add_queue_source, locals())
        read, source = queue_source(
            where,
            queue,
            timeout=self._timeout,
            batch_size=batch_size,
            max_batching_window=max_batching_window,
            max_concurrency=max_concurrency,
            report_batch_item_failures=report_batch_item_failures,
            enabled=enabled,
        )
        if self._monitoring is not None and isinstance(read, Construct):
            self._monitoring.check_region("queue", read)
        before = set(self._alias.node.children)
        self._alias.add_event_source(source)
        if dead_letters_of(queue) is not None:
            for mapping in set(self._alias.node.children) - before:
                acknowledge(
                    mapping,
                    _SQS_FAILURES_REASON,
                    "Serverless-LambdaEventSourceMappingDestination",
                )
        if self._monitoring is not None and not self._monitoring.monitors(read):
            self._monitoring.monitor_queue(queue)
        return read

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` invoke the alias (the live version)."""
        where = f"MonitoredFunction({id_of(self)!r}).grant_invoke"
        checks.check_arguments(where, MonitoredFunction.grant_invoke, locals())
        checks.check_grantee(where, "grantee", grantee)
        target = library_grantee(grantee)
        grant = self._alias.grant_invoke(target)
        acknowledge_grant(
            target, f"MonitoredFunction({path_of(self)!r}).grant_invoke", [grant], owner=self
        )
        return grant

    def add_environment(self, key: str, value: str) -> None:
        """Add an environment variable (a configuration change: a new version is released)."""
        where = f"MonitoredFunction({id_of(self)!r})"
        checks.check_arguments(where, MonitoredFunction.add_environment, locals())
        try:
            check_environment(where, "environment", {key: value})
        except ValidationError as error:
            raise ValidationError(where, "key", key, error.expected) from None
        self._function.add_environment(key, value)


def _topic(topic: AlarmTopic | sns.ITopic | None) -> sns.ITopic | None:
    return topic.topic if isinstance(topic, AlarmTopic) else topic


def _action(topic: AlarmTopic | sns.ITopic | None) -> cw.IAlarmAction | None:
    if isinstance(topic, AlarmTopic):
        return topic.alarm_action
    if topic is None:
        return None
    from aws_cdk import aws_cloudwatch_actions as cw_actions

    return cw_actions.SnsAction(topic)


def _stage_name(stage: Stage | None, monitoring: ServiceMonitoring | None) -> str:
    """The first part of the rollback alarms' names: the stack's stage, else the monitoring's."""
    if stage is not None:
        return stage.value
    return monitoring.stage.value if monitoring is not None else "default"
