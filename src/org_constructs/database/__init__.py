"""Databases: ``SecureDatabase``, an RDS instance or an Aurora cluster with secure defaults."""

from org_constructs.database._secure_database import SecureDatabase

__all__ = ["SecureDatabase"]
