"""``SecureStateMachine``: a Step Functions state machine that logs to an encrypted log group,
traces with X-Ray, times out, and runs with a role of its own.

The properties are checked into one frozen settings value first (``_settings.py``), with the
stage's defaults from the config model (``StateMachineConfig.for_stage``); the construct then
builds from it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Annotations, Arn, ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.kernel import Program
from org_constructs._internal.kms import log_group_key
from org_constructs._internal.nodes import path_of
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_grant,
    acknowledge_library_check,
    acknowledge_short_retention,
    library_grantee,
)
from org_constructs.config import Stage, StateMachineConfig
from org_constructs.core import fit_name, name_part_of, service_name_of
from org_constructs.core._defaults import library_construct
from org_constructs.errors import ValidationError
from org_constructs.events import Triggered
from org_constructs.monitoring import ServiceMonitoring
from org_constructs.workflows._settings import StateMachineSettings, checked, level_name

__all__ = ["SecureStateMachine"]

_FROM_CONFIG = ("log_level", "include_execution_data")
"""The constructor's keywords that ``from_config`` takes from the ``StateMachineConfig``."""
LOG_GROUP_PREFIX = "/aws/vendedlogs/states/"
"""Step Functions' vended logs: under this prefix CloudWatch Logs grants log delivery with one
resource policy for every log group, instead of one entry per log group in a policy that is
limited to 5,120 characters (the tenth state machine's deploy would fail)."""
_MAX_LOG_GROUP_NAME = 512

LOG_DELIVERY_ACTIONS = frozenset(
    {
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    }
)
"""What aws-cdk-lib grants a state machine that logs (Step Functions' vended log delivery)."""
XRAY_ACTIONS = frozenset(
    {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
    }
)
"""What aws-cdk-lib grants a state machine that traces."""
_DELIVERY_REASON = (
    "Step Functions delivers logs through CloudWatch Logs' vended log delivery "
    "(logs:CreateLogDelivery, PutResourcePolicy, DescribeLogGroups...) and sends traces with "
    "xray:PutTraceSegments and PutTelemetryRecords: these actions support no resource-level "
    "permissions, so AWS requires Resource '*'. aws-cdk-lib writes exactly these statements."
)
_DEPENDS_ON_ROLE_REASON = (
    "aws-cdk-lib makes a state machine depend on its role explicitly as well as through "
    "RoleArn: Fn::GetAtt; the repeated dependency changes nothing in the deployment order."
)
_ERROR_LEVEL_REASON = (
    "Logs at level ERROR: every failed execution, failed task and timeout with its error and "
    "cause; level ALL logs every state transition, paid per transition in log ingestion "
    "(log_level=LogLevel.ALL, dev's default, logs them)."
)


class _StateMachineRole(iam.Role):
    """The state machine's role: the library's statements in one customer-managed policy, the
    definition's and the app's in another, never inline.

    aws-cdk-lib adds the log delivery and X-Ray statements (``Resource: '*'``, which AWS
    requires) and each task's permissions with ``add_to_principal_policy``. The first two go to
    ``Policy``, whose wildcard the library acknowledges; everything else (a task's
    ``lambda:InvokeFunction``, ``state_machine.add_to_role_policy``) to ``DefinitionPolicy``,
    made on first use, so that the app's own wildcards are never under the library's reason.
    """

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._owner_path = path_of(scope)
        self.policy = iam.ManagedPolicy(
            self, "Policy", roles=[self], description=f"Logs and traces of {self._owner_path}"
        )
        self._definition_policy: iam.ManagedPolicy | None = None

    @property
    def definition_policy(self) -> iam.ManagedPolicy | None:
        """The policy of what the definition's tasks and the app need; None until used."""
        return self._definition_policy

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        target = self.policy if _is_delivery(statement) else self._definitions()
        target.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=target)

    def _definitions(self) -> iam.ManagedPolicy:
        if self._definition_policy is None:
            self._definition_policy = iam.ManagedPolicy(
                self,
                "DefinitionPolicy",
                roles=[self],
                description=f"What the tasks of {self._owner_path} need"[:1000],
            )
        return self._definition_policy


def _is_delivery(statement: iam.PolicyStatement) -> bool:
    """aws-cdk-lib's own log delivery or X-Ray statement: those actions on ``'*'`` only."""
    program = Program()  # what it reads, in one request to the jsii kernel
    actions, effect, resources, principal, conditions, not_actions, not_resources = program.read(
        *(
            program.get(statement, name)
            for name in (
                "actions",
                "effect",
                "resources",
                "hasPrincipal",
                "conditions",
                "notActions",
                "notResources",
            )
        )
    )
    wanted = set(actions)
    return (
        effect == "Allow"  # iam.Effect.ALLOW read as any: its JavaScript value
        and bool(wanted)
        and (wanted <= LOG_DELIVERY_ACTIONS or wanted <= XRAY_ACTIONS)
        and list(resources) == ["*"]
        and not principal
        and not conditions
        and not not_actions
        and not not_resources
    )


class SecureStateMachine(Triggered, Construct):
    """A Step Functions state machine with the organisation's secure, cost-aware defaults.

    By default: a Standard workflow whose executions time out after 1 hour (Step Functions'
    own default is a year); logs at level ``ERROR`` (every failure with its error and cause),
    without the states' input and output, to a log group encrypted with a new rotating KMS
    key and kept for the stage's log retention; X-Ray tracing; a role of its own, trusted only
    by this account's state machines, whose permissions are customer-managed policies: the
    log delivery and X-Ray statements (whose ``Resource: '*'`` AWS requires, acknowledged
    with the reason) in one, what the definition's tasks need in another.

    Per stage, from the config model (``StateMachineConfig.for_stage``), the defaults that
    ``from_config`` gets from an environment's ``config.state_machine`` too (outside an
    ``AbstractStack``, production's): dev logs ``ALL`` (every state transition, to debug with),
    staging and production ``ERROR``; no stage logs execution data. The log retention and the
    removal policy follow the stage (``log_retention_for``, ``removal_policy_for``).

    Parameters
    ----------
    scope, construct_id:
        As for any construct. Children ``StateMachine``, ``LogGroup``, ``LogKey`` and ``Role``
        fix logical ids (public contract: renaming one replaces the resource).
    definition_body:
        The workflow: ``sfn.DefinitionBody.from_chainable(...)``, ``from_file(...)`` or
        ``from_string(...)``.
    definition_substitutions:
        Values of the definition's ``${name}`` placeholders. Default: none
    state_machine_type:
        ``StateMachineType.STANDARD`` (up to a year, exactly once, execution history kept 90
        days) or ``EXPRESS`` (up to 5 minutes, at least once, no history: the logs are the
        record). Default: ``STANDARD``
    timeout:
        How long an execution may run before Step Functions stops it (``ExecutionsTimedOut``):
        1 second to 365 days, 5 minutes at most for Express, whole seconds. Default: 1 hour
        (Standard), 5 minutes (Express)
    log_level:
        ``LogLevel.ERROR`` or ``LogLevel.ALL`` (every state transition). ``FATAL`` and ``OFF``
        are refused (Control Tower's CT.STEPFUNCTIONS.PR.1). Default: - the stage's
        (``StateMachineConfig.log_level``: ALL in dev, ERROR elsewhere)
    include_execution_data:
        Log each state's input and output (they may hold personal or secret data, kept for
        the log retention). Default: - the stage's (False in every stage)
    tracing_enabled:
        X-Ray tracing. Turning it off fails cdk-nag's AwsSolutions-SF2 and Control Tower's
        CT.STEPFUNCTIONS.PR.2, which are then the app's to acknowledge. Default: True
    state_machine_name:
        Default: - CloudFormation names it (``<logical id>-<random>``); a name of your own is
        replaced with the resource when it changes
    comment:
        Describes the state machine in the definition. Default: none
    log_encryption_key:
        The key of the log group. Default: - a new rotating key (``log_group_key``)
    log_retention:
        Default: - the environment's log retention (7 days dev, 90 staging, 365 production),
        one year outside an ``AbstractStack``
    removal_policy:
        Of the state machine, its log group and its key. Default: - the stage's
        (``removal_policy_for``: DESTROY in dev, RETAIN elsewhere)
    monitoring:
        Monitor the state machine with this ``ServiceMonitoring`` once it is built
        (``monitor_state_machine``: failed, timed-out, aborted and throttled executions,
        execution time against the timeout). Default: - none

    Raises
    ------
    ValidationError
        For a timeout outside 1 second to 365 days (5 minutes for Express), not in whole
        seconds or a token; a log level other than ALL or ERROR; a state machine name Step
        Functions refuses; an empty comment; a ``log_encryption_key`` of another region;
        ``RemovalPolicy.SNAPSHOT``; a ``monitoring`` of another region or whose label (the
        construct id) it already monitors or cannot name alarms after; a value of the wrong
        type or an id already used in ``scope``. Nothing is added to the tree.

    Example
    -------
    >>> workflow = SecureStateMachine(
    ...     self,
    ...     "Fulfilment",
    ...     definition_body=sfn.DefinitionBody.from_chainable(
    ...         tasks.LambdaInvoke(self, "Reserve", lambda_function=reserve.alias)
    ...     ),
    ...     timeout=Duration.minutes(15),
    ...     monitoring=monitoring,
    ... )
    >>> workflow.grant_start_execution(api_role)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definition_body: sfn.DefinitionBody,
        definition_substitutions: Mapping[str, str] | None = None,
        state_machine_type: sfn.StateMachineType | None = None,
        timeout: Duration | None = None,
        log_level: sfn.LogLevel | None = None,
        include_execution_data: bool | None = None,
        tracing_enabled: bool = True,
        state_machine_name: str | None = None,
        comment: str | None = None,
        log_encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays | None = None,
        removal_policy: RemovalPolicy | None = None,
        monitoring: ServiceMonitoring | None = None,
    ) -> None:
        where = f"SecureStateMachine({construct_id!r})"
        checks.check_arguments(where, SecureStateMachine.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        settings = checked(
            where,
            scope,
            definition_body=definition_body,
            definition_substitutions=definition_substitutions,
            state_machine_type=state_machine_type,
            timeout=timeout,
            log_level=log_level,
            include_execution_data=include_execution_data,
            tracing_enabled=tracing_enabled,
            state_machine_name=state_machine_name,
            comment=comment,
            log_encryption_key=log_encryption_key,
            log_retention=log_retention,
            removal_policy=removal_policy,
        )
        if monitoring is not None:
            # What monitor_state_machine(self) at the end would refuse, refused now.
            monitoring.check_region("monitoring", scope)
            monitoring.check_label(construct_id, method="monitor_state_machine")
        super().__init__(scope, construct_id)
        library_construct(self, "SecureStateMachine")
        self._where = where
        self._settings = settings
        self._build(settings)
        self._monitoring = monitoring
        if monitoring is not None:
            monitoring.monitor_state_machine(self)

    def _build(self, settings: StateMachineSettings) -> None:
        """Create the key, the log group, the role and the state machine, in this order."""
        policy = settings.removal_policy
        if settings.stage is Stage.PRODUCTION and policy is RemovalPolicy.DESTROY:
            Annotations.of(self).add_warning_v2(
                "org-constructs:SecureStateMachine:DestroyInProduction",
                f"{settings.where}: removal_policy is DESTROY in production: deleting the stack "
                "or replacing the state machine deletes its execution history and its logs",
            )
        self._log_key: kms.IKey = settings.log_encryption_key or log_group_key(
            self, "LogKey", f"the logs of the state machine {path_of(self)}", policy
        )
        self._log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=self._log_group_name(),
            encryption_key=self._log_key,
            retention=settings.log_retention,
            removal_policy=policy,
        )
        acknowledge_short_retention(self._log_group)
        stack = Stack.of(self)
        self._role = _StateMachineRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "states.amazonaws.com",
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="states",
                            resource="stateMachine",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    },
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            ),
            description=f"Execution role of the state machine {path_of(self)}"[:1000],
        )
        self._state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=settings.definition_body,
            definition_substitutions=(
                dict(settings.definition_substitutions)
                if settings.definition_substitutions
                else None
            ),
            state_machine_type=settings.state_machine_type,
            timeout=settings.timeout,
            logs=sfn.LogOptions(
                destination=self._log_group,
                level=settings.log_level,
                include_execution_data=settings.include_execution_data,
            ),
            tracing_enabled=settings.tracing_enabled,
            state_machine_name=settings.state_machine_name,
            comment=settings.comment,
            role=self._role,
            removal_policy=policy,
        )
        acknowledge(
            self._role.policy,
            _DELIVERY_REASON,
            "AwsSolutions-IAM5[Resource::*]",
        )
        acknowledge_library_check(self._state_machine, "cfn-lint", "W3005", _DEPENDS_ON_ROLE_REASON)
        if level_name(settings.log_level) != "ALL":
            acknowledge(self._state_machine, _ERROR_LEVEL_REASON, "AwsSolutions-SF1")

    def _log_group_name(self) -> str:
        """``/aws/vendedlogs/states/<service>-<path in the stack>``: unique in the account and
        region (the stack's name is), under Step Functions' vended logs prefix."""
        stack = Stack.of(self)
        inside = path_of(self).removeprefix(path_of(stack)).strip("/")
        name = f"{service_name_of(self)}-{name_part_of(inside)}"
        return LOG_GROUP_PREFIX + fit_name(name, _MAX_LOG_GROUP_NAME - len(LOG_GROUP_PREFIX))

    @classmethod
    def from_config(
        cls,
        scope: Construct,
        construct_id: str,
        config: StateMachineConfig,
        **kwargs: Any,
    ) -> SecureStateMachine:
        """A ``SecureStateMachine`` with its log level and execution data from ``config``.

        ``kwargs`` are the other keyword arguments of the constructor (``definition_body``
        among them).

        Raises
        ------
        ValidationError
            For a keyword the config already gives (``log_level``,
            ``include_execution_data``) or that is no property, and as the constructor.
        """
        where = f"SecureStateMachine({construct_id!r})"
        checks.check_part_of_config(where, "config", config, "state_machine")
        checks.check_arguments(where, cls.from_config, locals())
        checks.check_keywords(where, cls.__init__, kwargs, taken=_FROM_CONFIG)
        if "definition_body" not in kwargs:
            raise ValidationError(
                where,
                "definition_body",
                None,
                "is required: give the workflow, sfn.DefinitionBody.from_chainable(...)",
            )
        return cls(
            scope,
            construct_id,
            log_level=sfn.LogLevel[config.log_level],
            include_execution_data=config.include_execution_data,
            **kwargs,
        )

    # ----------------------------------------------------------------------------- attributes

    @property
    def state_machine(self) -> sfn.StateMachine:
        """The state machine."""
        return self._state_machine

    @property
    def log_group(self) -> logs.LogGroup:
        """The log group the state machine logs to."""
        return self._log_group

    @property
    def log_encryption_key(self) -> kms.IKey:
        """The key that encrypts the log group."""
        return self._log_key

    @property
    def role(self) -> iam.Role:
        """The state machine's role; what is added to it lands in a customer-managed policy."""
        return self._role

    @property
    def state_machine_arn(self) -> str:
        """The state machine's ARN."""
        return self._state_machine.state_machine_arn

    @property
    def state_machine_name(self) -> str:
        """The state machine's name."""
        return self._state_machine.state_machine_name

    @property
    def timeout(self) -> Duration:
        """How long an execution may run before Step Functions stops it."""
        return self._settings.timeout

    @property
    def state_machine_type(self) -> sfn.StateMachineType:
        """``STANDARD`` or ``EXPRESS``."""
        return self._settings.state_machine_type

    @property
    def log_level(self) -> sfn.LogLevel:
        """What the state machine logs: ``ALL`` or ``ERROR``."""
        return self._settings.log_level

    # ----------------------------------------------------------------------------- grants

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start executions (``states:StartExecution``).

        Written into the library's policy on the grantee (``OrgConstructsGrants``), with the
        grant's own cdk-nag findings, if any, acknowledged there naming this grant; the same
        for ``grant_read``.

        Raises
        ------
        ValidationError
            For a grantee without a principal or a value of the wrong type; the same for
            ``grant_read``.
        """
        return self._grant("grant_start_execution", grantee)

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` list and describe the executions and read their history.

        aws-cdk-lib's read grant names the executions of this state machine
        (``execution:<name>:*``) and, for ``states:ListActivities``, ``DescribeActivity`` and
        ``DescribeStateMachine``, every resource: those wildcards are acknowledged on the
        library's policy on the grantee, naming this grant.
        """
        return self._grant("grant_read", grantee)

    def _grant(self, method: str, grantee: iam.IGrantable) -> iam.Grant:
        where = f"{self._where}.{method}"
        checks.check_arguments(where, SecureStateMachine.grant_read, {"grantee": grantee})
        checks.check_grantee(where, "grantee", grantee)
        target = library_grantee(grantee)
        grant: iam.Grant = getattr(self._state_machine, method)(target)
        acknowledge_grant(
            target,
            f"SecureStateMachine({path_of(self)!r}).{method}",
            [grant],
            owner=self,
            # aws-cdk-lib's read grant returns its last statement only, not this one.
            resources=[self._executions()] if method == "grant_read" else (),
        )
        return grant

    def _executions(self) -> str:
        """The ARN of every execution of this state machine, as aws-cdk-lib's read grant
        writes it: ``arn:...:execution:<name>:*``."""
        name = Arn.split(
            self._state_machine.state_machine_arn, ArnFormat.COLON_RESOURCE_NAME
        ).resource_name
        arn = Stack.of(self).format_arn(
            service="states",
            resource="execution",
            resource_name=name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        return f"{arn}:*"
