"""Data stores: ``SecureTable``, a DynamoDB table that is encrypted, recoverable and protected;
``SecureCache``, an ElastiCache cache that is encrypted, private and authenticated."""

from org_constructs.data._secure_cache import SecureCache
from org_constructs.data._secure_table import SecureTable

__all__ = ["SecureCache", "SecureTable"]
