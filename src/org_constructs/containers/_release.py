"""How a ``ContainerService`` releases: the rollback alarms ECS watches during a deployment
(the target groups' 5xx rate and p99 response time), and the deployment events sent to the
alarm topic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from org_constructs._internal.nodes import path_of
from org_constructs.compliance._acknowledgements import acknowledge, acknowledge_library_check
from org_constructs.monitoring import AlarmSettings, AlarmTopic, Severity
from org_constructs.monitoring._factory import AlarmFactory
from org_constructs.monitoring._settings import AlarmDefault, resolve

__all__ = [
    "DEPLOYMENT_EVENT",
    "ROLLBACK_DEFAULTS",
    "create_rollback_alarms",
    "send_deployment_events",
]

DEPLOYMENT_EVENT = "ECS Deployment State Change"
"""The EventBridge detail type of ECS's deployment events (started, completed, failed)."""

ROLLBACK_DEFAULTS: dict[str, AlarmDefault] = {
    "target_5xx_rate": AlarmDefault(
        key="target_5xx_rate",
        metric="HTTPCode_Target_5XX_Count / RequestCount of each target group (Sum, %)",
        threshold=5,
        unit="percent",
        comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        period_minutes=1,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        severity=Severity.CRITICAL,
        meaning="More than 5% of the requests the tasks answered failed with a 5xx.",
        action=(
            "ECS rolls the release back by itself; read the new tasks' logs for the error, "
            "fix it, and release again."
        ),
    ),
    "response_time_p99": AlarmDefault(
        key="response_time_p99",
        metric="TargetResponseTime of each target group (p99, seconds)",
        threshold=2,
        unit="seconds",
        comparison=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        period_minutes=1,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        severity=Severity.CRITICAL,
        meaning="The slowest 1% of the tasks' responses took more than 2 seconds.",
        action=(
            "ECS rolls the release back by itself; compare the new release's work per request "
            "(queries, calls, size) with the old one's, fix it, and release again."
        ),
    ),
}
"""The rollback alarms' defaults: Critical (they stop a release), one-minute periods so that
a canary's bake time can judge them."""

_NO_ACTION_REASON = (
    "ECS reads the state of the rollback alarms to roll a release back; without an "
    "alarm_topic they need no action of their own."
)


def create_rollback_alarms(
    owner: Construct,
    load_balancer: elbv2.ApplicationLoadBalancer,
    target_groups: Sequence[elbv2.ApplicationTargetGroup],
    *,
    where: str,
    stage: str,
    prefix: tuple[str, str],
    runbook: str,
    keys: Sequence[str],
    overrides: Mapping[str, AlarmSettings],
    action: cw.IAlarmAction | None,
) -> dict[str, cw.Alarm]:
    """The rollback alarms, children of ``owner``'s ``RollbackAlarms``, named
    ``<stage>-<service>-<resource>-rollback-<key>``.

    Each alarm watches every target group the release may run in and takes the worst of
    them: ECS starts a new release in the target group that does not serve production, and
    the two trade places when a release completes, so the new release is in either.
    """
    scope = Construct(owner, "RollbackAlarms")
    factory = AlarmFactory(where, (stage, *prefix), dict.fromkeys(Severity, action))
    alarms: dict[str, cw.Alarm] = {}
    for key in keys:
        settings = resolve(where, ROLLBACK_DEFAULTS[key], overrides.get(key))
        if settings is None:  # pragma: no cover - the keys are those resolved
            continue
        metric = _metric(key, load_balancer, target_groups, settings.period)
        record = factory.create(
            scope,
            label="rollback",
            key=key,
            metric=metric,
            settings=settings,
            description=(
                f"[{settings.severity.value}] Rolls back a release of {path_of(owner)}: "
                f"{settings.default.meaning} (the worst target group) Runbook: "
                f"{runbook}#containerservice-rollback-{key.replace('_', '-')}"
            ),
            with_period=False,
        )
        alarms[key] = record.alarm
    if action is None:
        acknowledge(
            scope,
            _NO_ACTION_REASON,
            "HIPAA.Security-CloudWatchAlarmAction",
            "NIST.800.53.R5-CloudWatchAlarmAction",
        )
        for alarm in alarms.values():
            acknowledge_library_check(alarm, "cfn-guard", "CT.CLOUDWATCH.PR.1", _NO_ACTION_REASON)
    return alarms


def _metric(
    key: str,
    load_balancer: elbv2.ApplicationLoadBalancer,
    target_groups: Sequence[elbv2.ApplicationTargetGroup],
    period: object,
) -> cw.IMetric:
    def metric(group: elbv2.ApplicationTargetGroup, name: str, statistic: str) -> cw.Metric:
        return cw.Metric(
            namespace="AWS/ApplicationELB",
            metric_name=name,
            statistic=statistic,
            period=period,  # type: ignore[arg-type]
            dimensions_map={
                "LoadBalancer": load_balancer.load_balancer_full_name,
                "TargetGroup": group.target_group_full_name,
            },
        )

    parts: dict[str, cw.IMetric] = {}
    for number, group in enumerate(target_groups, start=1):
        if key == "target_5xx_rate":
            parts[f"rate{number}"] = cw.MathExpression(
                expression=f"IF(requests{number} > 0, 100 * errors{number} / requests{number}, 0)",
                using_metrics={
                    f"errors{number}": metric(group, "HTTPCode_Target_5XX_Count", "Sum"),
                    f"requests{number}": metric(group, "RequestCount", "Sum"),
                },
                period=period,  # type: ignore[arg-type]
                label=f"5xx rate of target group {number} (%)",
            )
        else:
            parts[f"p99_{number}"] = metric(group, "TargetResponseTime", "p99")
    if len(parts) == 1:
        return next(iter(parts.values()))
    label = (
        "5xx rate of the worse target group (%)"
        if key == "target_5xx_rate"
        else "p99 response time of the slower target group (s)"
    )
    return cw.MathExpression(
        expression=f"MAX([{', '.join(parts)}])",
        using_metrics=parts,
        period=period,  # type: ignore[arg-type]
        label=label,
    )


_NO_DEAD_LETTER_REASON = (
    "The deployment events go to a topic given as an sns.ITopic, which brings no dead-letter "
    "queue; give an AlarmTopic and its dead-letter queue keeps what EventBridge cannot deliver."
)


def send_deployment_events(
    owner: Construct,
    topic: AlarmTopic | sns.ITopic,
    service_arn: str,
    *,
    description: str,
) -> events.Rule:
    """An EventBridge rule that sends the service's ECS deployment events to ``topic``
    (``DeploymentEvents``); an ``AlarmTopic``'s dead-letter queue keeps undelivered ones."""
    sns_topic = topic.topic if isinstance(topic, AlarmTopic) else topic
    key: kms.IKey | None = topic.encryption_key if isinstance(topic, AlarmTopic) else None
    queue = topic.dead_letter_queue if isinstance(topic, AlarmTopic) else None
    rule = events.Rule(
        owner,
        "DeploymentEvents",
        description=description,
        event_pattern=events.EventPattern(
            source=["aws.ecs"], detail_type=[DEPLOYMENT_EVENT], resources=[service_arn]
        ),
        targets=[targets.SnsTopic(sns_topic, dead_letter_queue=queue, retry_attempts=8)],
    )
    if isinstance(key, kms.Key) and Stack.of(key) is Stack.of(owner):
        # EventBridge encrypts what it publishes (and dead-letters) with the topic's key.
        key.grant(
            iam.ServicePrincipal("events.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*"
        )
    if queue is None:
        acknowledge(rule, _NO_DEAD_LETTER_REASON, "Serverless-EventBusDLQ")
    return rule
