"""The monitored services: one module per service, registered below with one line.

A pack module declares ``PACK = PackSpec(...)`` (``_base.py``): its catalogue (every alarm with
meaning, action, levels and condition), its input checks (``check``, which returns a ``Plan``
and creates nothing), its metrics, alarms and widgets (the plan's ``build`` steps), its title,
its roll-back advice and its row of the construct page. ``ServiceMonitoring.<PACK.method>`` is a
typed, documented call of ``ServiceMonitoring._monitor(PACK, ...)``; the alarm docs, the
construct page's pack table and the tests read ``PACKS``. CONTRIBUTING.md, "Adding a monitored
service", lists the files.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from org_constructs._internal.shapes import Nominal
from org_constructs.monitoring._packs import (
    api,
    cache,
    container_service,
    custom,
    database,
    lambda_,
    load_balancer,
    nat,
    nat_instance,
    queue,
    rule,
    state_machine,
    table,
)
from org_constructs.monitoring._packs._base import (
    CreateAlarm,
    Pack,
    PackSpec,
    PageRow,
    Plan,
    Shared,
    Unit,
    anchor,
)
from org_constructs.monitoring._packs._checks import PackChecks
from org_constructs.monitoring._settings import AlarmDefault

__all__ = [
    "ALARM_CATALOGUE",
    "PACKS",
    "CreateAlarm",
    "Pack",
    "PackChecks",
    "PackSpec",
    "PageRow",
    "Plan",
    "Shared",
    "Unit",
    "anchor",
]

PACKS: dict[str, PackSpec] = {
    pack.name: pack
    for pack in (
        lambda_.PACK,
        api.PACK,
        database.PACK,
        nat.PACK,
        nat_instance.PACK,
        custom.PACK,
        queue.PACK,
        queue.DEAD_LETTERS,
        state_machine.PACK,
        rule.PACK,
        table.PACK,
        cache.PACK,
        container_service.PACK,
        load_balancer.PACK,
    )
}
"""The registered packs by name, in catalogue order: one line per monitored service."""


class _Catalogue(Mapping[str, Mapping[str, AlarmDefault]], metaclass=Nominal):
    """The catalogues of the registered packs, read from ``PACKS`` when asked."""

    def __getitem__(self, pack: str) -> Mapping[str, AlarmDefault]:
        return PACKS[pack].catalogue

    def __iter__(self) -> Iterator[str]:
        return iter(list(PACKS))

    def __len__(self) -> int:
        return len(PACKS)

    def __repr__(self) -> str:
        return f"ALARM_CATALOGUE({', '.join(PACKS)})"


ALARM_CATALOGUE: Mapping[str, Mapping[str, AlarmDefault]] = _Catalogue()
"""Every alarm the packs create, by pack and key, with its default settings."""
