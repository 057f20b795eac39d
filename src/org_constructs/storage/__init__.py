"""Storage: ``SecureBucket`` and its validated lifecycle rules."""

from org_constructs.storage._lifecycle import BucketLifecycleRule, BucketTransition
from org_constructs.storage._secure_bucket import SecureBucket

__all__ = ["BucketLifecycleRule", "BucketTransition", "SecureBucket"]
