"""Monitoring: the alarm topic, per-resource alarm packs and the service dashboards."""

from org_constructs.monitoring._service import MonitoredResource, ServiceMonitoring
from org_constructs.monitoring._settings import (
    ALARM_CATALOGUE,
    AlarmDefault,
    AlarmSettings,
    Severity,
)
from org_constructs.monitoring._topic import AlarmTopic

__all__ = [
    "ALARM_CATALOGUE",
    "AlarmDefault",
    "AlarmSettings",
    "AlarmTopic",
    "MonitoredResource",
    "ServiceMonitoring",
    "Severity",
]
