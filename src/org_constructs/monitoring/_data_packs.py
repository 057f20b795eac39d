"""``ServiceMonitoring``'s methods for data services: DynamoDB tables and ElastiCache caches
(a mixin, so that the facade stays one readable module)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from org_constructs._internal.lazy import lazy_module
from org_constructs.core import CacheWithNodes, TableWithBilling
from org_constructs.monitoring._factory import MonitoredResource
from org_constructs.monitoring._packs import PackSpec
from org_constructs.monitoring._packs import cache as cache_pack
from org_constructs.monitoring._packs import table as table_pack
from org_constructs.monitoring._settings import AlarmLevels, AlarmSettings

if TYPE_CHECKING:
    from aws_cdk import aws_dynamodb as dynamodb
else:
    dynamodb = lazy_module("aws_cdk.aws_dynamodb")


__all__ = ["DataPacks"]


class DataPacks:
    """The ``monitor_*`` methods of data services; ``ServiceMonitoring`` runs them."""

    def _monitor(
        self, pack: PackSpec, arguments: Mapping[str, object]
    ) -> list[MonitoredResource]:  # pragma: no cover - ServiceMonitoring's
        raise NotImplementedError

    def monitor_table(
        self,
        table: dynamodb.ITable | TableWithBilling,
        *,
        label: str | None = None,
        operations: Sequence[str] | None = None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> MonitoredResource:
        """Alarms and widgets for a DynamoDB table.

        Parameters
        ----------
        table:
            A ``SecureTable`` (its billing is read) or a ``dynamodb.ITable`` (the ``table``
            of a ``SecureTable`` is recognised as its own; a ``dynamodb.Table`` of this app
            is provisioned when its template says so, an imported one is taken as on demand).
        label:
            The resource part of alarm names. Default: - the construct id (the
            ``SecureTable``'s for one)
        operations:
            The DynamoDB operations whose p99 latency and system errors are watched
            (``"GetItem"``, ``"Query"``...), 1 to 10: each is one metric of the alarm's math
            expression, and CloudWatch allows 10. Default: - GetItem, PutItem, UpdateItem,
            DeleteItem and Query
        alarms:
            Overrides by alarm key (see the alarm catalogue); ``read_capacity_percent`` and
            ``write_capacity_percent`` exist for a provisioned table only.

        Raises
        ------
        ValidationError
            For a target that is not a table, of another region or already monitored in
            this service; no operation, more than 10, one DynamoDB does not have or one
            twice; an override of a capacity alarm for an on-demand or imported table.
            Nothing is created.
        """
        return self._monitor(table_pack.PACK, locals())[0]

    def monitor_cache(
        self,
        cache: CacheWithNodes,
        *,
        label: str | None = None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> MonitoredResource:
        """Alarms and widgets for an ElastiCache cache, one set per node.

        Parameters
        ----------
        cache:
            A ``SecureCache`` with nodes (a replication group); its primary and each replica
            (``<replication group id>-001``, ``-002`` ...) are watched by ``CacheClusterId``.
        label:
            The resource part of alarm names. Default: - the construct id
        alarms:
            Overrides by key (``engine_cpu``, ``memory``, ``memory_critical``, ``evictions``,
            ``connections``, ``replication_lag``).

        Raises
        ------
        ValidationError
            A serverless cache (not watched by this pack yet), a cache of another region,
            already monitored here, or ``replication_lag`` overrides for a cache without
            replicas.
        """
        return self._monitor(cache_pack.PACK, locals())[0]
