"""The monitored services: one module per service, each with its catalogue rows, its metrics,
its alarms and its widgets, kept apart.

Adding a service (SQS, DynamoDB, Step Functions) means adding one module here with
``NAME``, ``CATALOGUE`` and a ``monitor(pack, ...)`` function, registering it in ``PACKS``
and giving ``ServiceMonitoring`` a ``monitor_*`` method that checks its input and calls it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from org_constructs.monitoring._packs import api, custom, database, lambda_, nat, nat_instance
from org_constructs.monitoring._packs._base import CreateAlarm, Pack
from org_constructs.monitoring._settings import AlarmDefault

__all__ = ["ALARM_CATALOGUE", "PACKS", "CreateAlarm", "Pack"]


class _PackModule(Protocol):
    NAME: str
    CATALOGUE: Mapping[str, AlarmDefault]


PACKS: Mapping[str, _PackModule] = {
    module.NAME: module for module in (lambda_, api, database, nat, nat_instance, custom)
}
"""The pack modules by pack name, in catalogue order."""

ALARM_CATALOGUE: Mapping[str, Mapping[str, AlarmDefault]] = {
    name: module.CATALOGUE for name, module in PACKS.items()
}
"""Every alarm the packs create, by pack and key, with its default settings."""
