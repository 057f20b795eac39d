"""Data stores: ``SecureTable``, a DynamoDB table that is encrypted, recoverable and protected;
``SecureCache``, an ElastiCache cache that is encrypted, private and authenticated."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'org_constructs.data' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
