"""``ServiceMonitoring``'s methods for container services and load balancers (a mixin, so that
the facade stays one readable module)."""

from __future__ import annotations

from collections.abc import Mapping

from org_constructs.monitoring._factory import MonitoredResource
from org_constructs.monitoring._packs import PackSpec

__all__ = ["ContainerPacks"]


class ContainerPacks:
    """The ``monitor_*`` methods of container services; ``ServiceMonitoring`` runs them."""

    def _monitor(
        self, pack: PackSpec, arguments: Mapping[str, object]
    ) -> list[MonitoredResource]:  # pragma: no cover - ServiceMonitoring's
        raise NotImplementedError
