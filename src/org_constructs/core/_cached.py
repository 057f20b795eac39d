"""What the library knows of its cache construct without importing it (no import cycles): a
cache with its replication group id and node ids (``SecureCache``)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from constructs import Node

from org_constructs._internal.shapes import Shape

__all__ = ["CacheWithNodes"]


@runtime_checkable
class CacheWithNodes(Protocol, metaclass=Shape):
    """A construct that owns an ElastiCache cache (``SecureCache``)."""

    @property
    def node(self) -> Node:
        """Its place in the construct tree."""
        ...

    @property
    def cache_id(self) -> str:
        """The replication group id or serverless cache name."""
        ...

    @property
    def node_ids(self) -> list[str]:
        """The cache cluster ids of its nodes, the primary first (empty when serverless)."""
        ...

    @property
    def serverless(self) -> bool:
        """True for an ElastiCache Serverless cache."""
        ...
