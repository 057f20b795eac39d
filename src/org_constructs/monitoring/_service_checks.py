"""Checks of ``ServiceMonitoring``'s own arguments: its topics and its dashboards."""

from __future__ import annotations

import re

from aws_cdk import Duration
from aws_cdk import aws_sns as sns
from constructs import Construct

from org_constructs._internal import checks
from org_constructs.config import Stage
from org_constructs.errors import ValidationError
from org_constructs.monitoring import _targets as targets
from org_constructs.monitoring._topic import AlarmTopic

__all__ = ["TopicLike", "check_dashboards", "check_topics"]

TopicLike = AlarmTopic | sns.ITopic
"""What takes alarm actions: an ``AlarmTopic`` or any SNS topic."""

_MAX_DASHBOARD_NAME = 255
_DASHBOARD_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def check_topics(
    where: str,
    scope: Construct,
    alarm_topic: TopicLike | None,
    critical_topic: TopicLike | None,
    warning_topic: TopicLike | None,
) -> None:
    if alarm_topic is not None and critical_topic is not None and warning_topic is not None:
        raise ValidationError(
            where,
            "alarm_topic",
            targets.shown(alarm_topic),
            "is never used: critical_topic and warning_topic are both given; leave alarm_topic "
            "out, or one of the two to send those alarms to alarm_topic",
        )
    for prop, topic in (
        ("alarm_topic", alarm_topic),
        ("critical_topic", critical_topic),
        ("warning_topic", warning_topic),
    ):
        if topic is not None:
            targets.check_same_region(
                where,
                prop,
                topic,
                scope,
                reason="CloudWatch alarms notify SNS topics of their own region only; give "
                "a topic of this region (an AlarmTopic in this stack)",
            )


def check_dashboards(
    where: str, stage: Stage, service_name: str, dashboard_range: Duration | None
) -> None:
    name = f"{stage.value}-{service_name}-performance"
    if not _DASHBOARD_NAME.fullmatch(name) or len(name) > _MAX_DASHBOARD_NAME:
        raise ValidationError(
            where,
            "service_name",
            service_name,
            f"names the dashboards ({name!r}), whose names CloudWatch allows only letters, "
            f"digits, '-' and '_', {_MAX_DASHBOARD_NAME} at most: use another name or "
            "dashboards=False",
        )
    if dashboard_range is not None:
        checks.check_duration(
            where,
            "dashboard_range",
            dashboard_range,
            low=checks.minutes(5),
            high=checks.days(455),
            unit="minutes",
        )
