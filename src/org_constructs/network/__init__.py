"""Networking: ``StandardVpc``."""

from org_constructs.network._standard_vpc import ISOLATED, PRIVATE, PUBLIC, StandardVpc

__all__ = ["ISOLATED", "PRIVATE", "PUBLIC", "StandardVpc"]
