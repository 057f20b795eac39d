"""``SecureStateMachine``'s properties, checked together into one frozen settings value before
anything is added to the tree, with the stage's defaults (``StateMachineConfig.for_stage``)
filled in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.tokens import unresolved
from org_constructs.config import Stage, StateMachineConfig
from org_constructs.core import log_retention_for, removal_policy_for, stage_of
from org_constructs.errors import ValidationError
from org_constructs.monitoring._packs.state_machine import check_timeout

__all__ = [
    "DEFAULT_EXPRESS_TIMEOUT",
    "DEFAULT_STANDARD_TIMEOUT",
    "MAX_NAME",
    "StateMachineSettings",
    "checked",
    "stage_defaults",
]

DEFAULT_STANDARD_TIMEOUT = Duration.hours(1)
"""A Standard execution's default timeout: Step Functions' own is a year, so a stuck execution
would wait (and hold what it holds) for a year before anyone hears of it."""
DEFAULT_EXPRESS_TIMEOUT = Duration.minutes(5)
"""An Express execution's default timeout: the longest Step Functions allows."""
MAX_NAME = 80
"""The longest state machine name Step Functions allows."""

_NAME = re.compile(r"^[a-zA-Z0-9+!@.()\-=_']{1,80}$")
"""The state machine names aws-cdk-lib and Step Functions accept."""
_LEVELS = {
    sfn.LogLevel.ALL: "ALL",
    sfn.LogLevel.ERROR: "ERROR",
    sfn.LogLevel.FATAL: "FATAL",
    sfn.LogLevel.OFF: "OFF",
}
_LOGGED = ("ALL", "ERROR")


def stage_defaults(stage: Stage | None) -> StateMachineConfig:
    """The state machine defaults of ``stage``: production's outside an ``AbstractStack``."""
    return StateMachineConfig.for_stage(stage or Stage.PRODUCTION)


def level_name(level: sfn.LogLevel) -> str:
    """``'ALL'``, ``'ERROR'``, ``'FATAL'`` or ``'OFF'``, as the template writes it."""
    return _LEVELS[level]


@dataclass(frozen=True, eq=False)
class StateMachineSettings:
    """The checked properties of one ``SecureStateMachine``, every default filled in."""

    where: str
    stage: Stage | None
    definition_body: sfn.DefinitionBody
    definition_substitutions: Mapping[str, str] | None
    state_machine_type: sfn.StateMachineType
    timeout: Duration
    log_level: sfn.LogLevel
    include_execution_data: bool
    tracing_enabled: bool
    state_machine_name: str | None
    comment: str | None
    log_encryption_key: kms.IKey | None
    log_retention: logs.RetentionDays
    removal_policy: RemovalPolicy

    @property
    def express(self) -> bool:
        return self.state_machine_type is sfn.StateMachineType.EXPRESS


def checked(
    where: str,
    scope: Construct,
    *,
    definition_body: sfn.DefinitionBody,
    definition_substitutions: Mapping[str, str] | None,
    state_machine_type: sfn.StateMachineType | None,
    timeout: Duration | None,
    log_level: sfn.LogLevel | None,
    include_execution_data: bool | None,
    tracing_enabled: bool,
    state_machine_name: str | None,
    comment: str | None,
    log_encryption_key: kms.IKey | None,
    log_retention: logs.RetentionDays | None,
    removal_policy: RemovalPolicy | None,
) -> StateMachineSettings:
    """Every property checked, alone and against the others; nothing is created."""
    stage = stage_of(scope)
    defaults = stage_defaults(stage)
    kind = state_machine_type or sfn.StateMachineType.STANDARD
    express = kind is sfn.StateMachineType.EXPRESS
    if timeout is None:
        timeout = DEFAULT_EXPRESS_TIMEOUT if express else DEFAULT_STANDARD_TIMEOUT
    check_timeout(where, "timeout", timeout, express=express)
    level = sfn.LogLevel[defaults.log_level] if log_level is None else log_level
    _check_level(where, level, express)
    if state_machine_name is not None and not unresolved(state_machine_name):
        checks.check_text(
            where,
            "state_machine_name",
            state_machine_name,
            _NAME,
            f"1 to {MAX_NAME} letters, digits and + ! @ . ( ) - = _ ' (no spaces)",
        )
    if comment is not None and not comment.strip():
        raise ValidationError(
            where, "comment", comment, "must describe the state machine, or be left out"
        )
    if log_encryption_key is not None:
        checks.check_same_region(
            where,
            "log_encryption_key",
            log_encryption_key,
            scope,
            "CloudWatch Logs encrypts a log group only with a key of its own region; give a "
            "key of the stack's region, or leave log_encryption_key out",
        )
    if removal_policy is RemovalPolicy.SNAPSHOT:
        raise ValidationError(
            where,
            "removal_policy",
            removal_policy,
            "state machines and log groups have no snapshots (CloudFormation would delete "
            "them): use RemovalPolicy.RETAIN or RemovalPolicy.DESTROY",
        )
    return StateMachineSettings(
        where=where,
        stage=stage,
        definition_body=definition_body,
        definition_substitutions=definition_substitutions,
        state_machine_type=kind,
        timeout=timeout,
        log_level=level,
        include_execution_data=(
            defaults.include_execution_data
            if include_execution_data is None
            else include_execution_data
        ),
        tracing_enabled=tracing_enabled,
        state_machine_name=state_machine_name,
        comment=comment,
        log_encryption_key=log_encryption_key,
        log_retention=log_retention or log_retention_for(scope),
        removal_policy=removal_policy_for(scope, removal_policy),
    )


def _check_level(where: str, level: sfn.LogLevel, express: bool) -> None:
    """ALL or ERROR: what Control Tower's CT.STEPFUNCTIONS.PR.1 accepts; an Express
    workflow keeps no execution history, so its logs are the only record."""
    name = level_name(level)
    if name in _LOGGED:
        return
    record = (
        "an Express workflow keeps no execution history: its logs are the only record of "
        "what it did, and "
        if express
        else ""
    )
    raise ValidationError(
        where,
        "log_level",
        f"LogLevel.{name}",
        f"must be LogLevel.ALL or LogLevel.ERROR: {record}Control Tower (CT.STEPFUNCTIONS."
        "PR.1) requires ERROR or ALL; FATAL leaves out failed tasks, OFF logs nothing",
    )
