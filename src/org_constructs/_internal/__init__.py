"""The library's shared internal kit: input checks, keys and feature flags the constructs share.

Internal to org-constructs: not public API, and free to change in any release. Consumers
import from ``org_constructs`` and its public subpackages only.
"""
