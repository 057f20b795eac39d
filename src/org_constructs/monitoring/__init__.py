"""Monitoring: the alarm topic, per-resource alarm packs and the service dashboards."""

from org_constructs.monitoring._factory import MonitoredAlarm, MonitoredResource
from org_constructs.monitoring._packs import ALARM_CATALOGUE
from org_constructs.monitoring._service import ServiceMonitoring
from org_constructs.monitoring._settings import (
    AlarmDefault,
    AlarmLevels,
    AlarmSettings,
    Severity,
)
from org_constructs.monitoring._slo import BurnRateAlarm, ServiceLevelObjective
from org_constructs.monitoring._topic import AlarmTopic

__all__ = [
    "ALARM_CATALOGUE",
    "AlarmDefault",
    "AlarmLevels",
    "AlarmSettings",
    "AlarmTopic",
    "BurnRateAlarm",
    "MonitoredAlarm",
    "MonitoredResource",
    "ServiceLevelObjective",
    "ServiceMonitoring",
    "Severity",
]
