"""KMS keys with the library's defaults, for resources you create next to its constructs."""

from org_constructs._internal.kms import log_group_key, rotating_key

__all__ = ["log_group_key", "rotating_key"]
