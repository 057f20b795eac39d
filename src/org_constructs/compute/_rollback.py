"""The rollback alarms of a ``MonitoredFunction``: on the new version only, Critical."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from org_constructs._internal.nodes import path_of
from org_constructs.compliance._acknowledgements import acknowledge, acknowledge_library_check
from org_constructs.monitoring import ALARM_CATALOGUE, AlarmSettings, Severity
from org_constructs.monitoring._factory import AlarmFactory, scaled
from org_constructs.monitoring._packs import lambda_ as lambda_pack
from org_constructs.monitoring._packs._base import anchor
from org_constructs.monitoring._settings import AlarmDefault, resolve

__all__ = ["ROLLBACK_ALARMS", "ROLLBACK_DEFAULTS", "create_rollback_alarms"]

ROLLBACK_ALARMS = ("errors", "error_rate", "throttles", "duration_p99")
ROLLBACK_DEFAULTS: dict[str, AlarmDefault] = {
    key: replace(ALARM_CATALOGUE["lambda"][key], severity=Severity.CRITICAL)
    for key in ROLLBACK_ALARMS
}
"""The rollback alarms' defaults: the Lambda pack's, Critical (they stop a release)."""


def create_rollback_alarms(
    owner: Construct,
    function: lambda_.Function,
    alias: lambda_.Alias,
    *,
    where: str,
    stage: str,
    prefix: tuple[str, str],
    runbook: str,
    overrides: Mapping[str, AlarmSettings],
    action: cw.IAlarmAction | None,
    timeout: Duration,
) -> dict[str, cw.Alarm]:
    version = function.current_version.version
    dimensions = {
        "FunctionName": function.function_name,
        "Resource": f"{function.function_name}:{alias.alias_name}",
        "ExecutedVersion": version,
    }

    def metric(name: str, statistic: str) -> cw.Metric:
        return cw.Metric(
            namespace="AWS/Lambda",
            metric_name=name,
            statistic=statistic,
            dimensions_map=dimensions,
        )

    metrics: dict[str, cw.IMetric] = {
        "errors": metric("Errors", "Sum"),
        "throttles": metric("Throttles", "Sum"),
        "duration_p99": metric("Duration", "p99"),
    }
    scope = Construct(owner, "RollbackAlarms")
    factory = AlarmFactory(where, (stage, *prefix), dict.fromkeys(Severity, action))
    alarms: dict[str, cw.Alarm] = {}
    for key in ROLLBACK_ALARMS:
        settings = resolve(where, ROLLBACK_DEFAULTS[key], overrides.get(key))
        if settings is None:
            continue
        if key == "duration_p99":
            settings = scaled(settings, timeout.to_milliseconds() / 100)
        source = (
            lambda_pack.error_rate(
                metrics["errors"],
                metric("Invocations", "Sum"),
                settings.period,
                label="Error rate of the new version (%)",
            )
            if key == "error_rate"
            else metrics[key]
        )
        record = factory.create(
            scope,
            label="rollback",
            key=key,
            metric=source,
            settings=settings,
            description=(
                f"[{settings.severity.value}] Rolls back a deployment of {path_of(owner)}: "
                f"{settings.default.meaning} (new version only) Runbook: "
                f"{runbook}#{anchor(lambda_pack.NAME, key)}"
            ),
        )
        alarms[key] = record.alarm
    if action is None:
        reason = (
            "CodeDeploy reads the state of the rollback alarms to stop and roll back a "
            "deployment; without an alarm_topic they need no action of their own."
        )
        acknowledge(
            scope,
            reason,
            "HIPAA.Security-CloudWatchAlarmAction",
            "NIST.800.53.R5-CloudWatchAlarmAction",
        )
        for alarm in alarms.values():
            acknowledge_library_check(alarm, "cfn-guard", "CT.CLOUDWATCH.PR.1", reason)
    return alarms
