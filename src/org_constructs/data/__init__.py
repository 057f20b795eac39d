"""Data stores: ``SecureTable``, a DynamoDB table that is encrypted, recoverable and protected;
``SecureCache``, an ElastiCache cache that is encrypted, private and authenticated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from org_constructs._internal.lazy import lazy_names

if TYPE_CHECKING:
    from org_constructs.data._secure_cache import SecureCache
    from org_constructs.data._secure_table import SecureTable

__all__ = ["SecureCache", "SecureTable"]

# Each class is imported on first use: a service with tables only does not load the cache's
# modules, nor one with a cache the table's.
_MODULES = {
    "SecureCache": "org_constructs.data._secure_cache",
    "SecureTable": "org_constructs.data._secure_table",
}
__getattr__, __dir__ = lazy_names(__name__, _MODULES, __all__)
