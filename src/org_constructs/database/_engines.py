"""The engines ``SecureDatabase`` runs, one row each: RDS PostgreSQL, RDS MySQL, Aurora
PostgreSQL and Aurora MySQL, and the versions aws-cdk-lib offers for them.

Everything that depends on the engine kind is in its row (``ENGINES``); the versions are read
from aws-cdk-lib's version constants (``EngineRow.version_class``): a constant it marks
deprecated ("no longer supported by Amazon RDS") is a version RDS no longer creates.
``tests/database/test_engines.py`` guards what is read from aws-cdk-lib.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from aws_cdk import aws_rds as rds

from org_constructs.config import DatabaseEngine

__all__ = [
    "DEPRECATED_MARKER",
    "ENGINES",
    "VERSION_IN_DOC",
    "EngineRow",
    "engine_row",
    "latest_version",
    "major_of",
    "offered_majors",
    "offered_versions",
]

DEPRECATED_MARKER = "(deprecated)"
"""How aws-cdk-lib's docstring of a version constant marks a version RDS no longer creates."""
VERSION_IN_DOC = re.compile(r'Version "([^" ]+)"')
"""How aws-cdk-lib's docstring of a version constant names its version."""

# Instance class families that exist for each engine (without the "db." prefix). Graviton
# (t4g, m6g, m7g, r6g, r7g, r8g, x2g...) first: about 20% cheaper than the Intel classes.
_INSTANCE_FAMILIES = frozenset(
    {
        "t4g", "t3", "m6g", "m6gd", "m7g", "m7gd", "m8g", "r6g", "r6gd", "r7g", "r8g", "x2g",
        "m5", "m5d", "m6i", "m6id", "m6idn", "m6in", "m7i", "r5", "r5b", "r5d", "r6i", "r6id",
        "r6idn", "r6in", "r7i", "x2idn", "x2iedn", "x2iezn",
    }
)  # fmt: skip
_MYSQL_LOGS = ("audit", "error", "general", "slowquery")


@dataclass(frozen=True)
class EngineRow:
    """One engine kind: what the checks and the L2 constructs need to know about it.

    ``version_class`` names aws-cdk-lib's ``aws_rds`` class of version constants and
    ``factory`` the ``DatabaseInstanceEngine`` (or, for Aurora, ``DatabaseClusterEngine``)
    method that takes one of its versions.
    """

    engine: DatabaseEngine
    aurora: bool
    name: str
    default_version: str
    default_port: int
    engine_port: int
    log_exports: tuple[str, ...]
    tls_parameters: Mapping[str, str]
    families: frozenset[str]
    version_class: str
    factory: str

    @property
    def versions(self) -> Any:
        """aws-cdk-lib's class of version constants (``rds.PostgresEngineVersion``...)."""
        return getattr(rds, self.version_class)

    def version(self, full: str, major: str) -> Any:
        """The engine version object of ``full`` (of major ``major``)."""
        return self.versions.of(full, major)

    def instance_engine(self, full: str, major: str) -> rds.IInstanceEngine:
        """The ``rds.IInstanceEngine`` of the version (not for Aurora)."""
        factory = getattr(rds.DatabaseInstanceEngine, self.factory)
        return factory(version=self.version(full, major))  # type: ignore[no-any-return]

    def cluster_engine(self, full: str, major: str) -> rds.IClusterEngine:
        """The ``rds.IClusterEngine`` of the version (Aurora only)."""
        factory = getattr(rds.DatabaseClusterEngine, self.factory)
        return factory(version=self.version(full, major))  # type: ignore[no-any-return]


ENGINES: Mapping[tuple[DatabaseEngine, bool], EngineRow] = MappingProxyType(
    {
        (DatabaseEngine.POSTGRES, False): EngineRow(
            engine=DatabaseEngine.POSTGRES,
            aurora=False,
            name="PostgreSQL",
            default_version="16.13",
            default_port=5433,
            engine_port=5432,
            log_exports=("postgresql", "upgrade"),
            tls_parameters=MappingProxyType({"rds.force_ssl": "1"}),
            families=_INSTANCE_FAMILIES | {"c6gd"},
            version_class="PostgresEngineVersion",
            factory="postgres",
        ),
        (DatabaseEngine.MYSQL, False): EngineRow(
            engine=DatabaseEngine.MYSQL,
            aurora=False,
            name="MySQL",
            default_version="8.0.45",
            default_port=3307,
            engine_port=3306,
            log_exports=_MYSQL_LOGS,
            # RDS for MySQL takes 0/1 (1 is ON, and what checkov's CKV2_AWS_69 reads).
            tls_parameters=MappingProxyType({"require_secure_transport": "1"}),
            families=_INSTANCE_FAMILIES | {"z1d"},
            version_class="MysqlEngineVersion",
            factory="mysql",
        ),
        (DatabaseEngine.POSTGRES, True): EngineRow(
            engine=DatabaseEngine.POSTGRES,
            aurora=True,
            name="Aurora PostgreSQL",
            default_version="16.13",
            default_port=5433,
            engine_port=5432,
            log_exports=("postgresql",),
            tls_parameters=MappingProxyType({"rds.force_ssl": "1"}),
            # Aurora takes memory-optimized classes (or Serverless v2).
            families=frozenset({"r6g", "r6gd", "r7g", "r8g", "x2g", "r5", "r6i", "r6id", "r7i"}),
            version_class="AuroraPostgresEngineVersion",
            factory="aurora_postgres",
        ),
        (DatabaseEngine.MYSQL, True): EngineRow(
            engine=DatabaseEngine.MYSQL,
            aurora=True,
            name="Aurora MySQL",
            default_version="3.10.4",
            default_port=3307,
            engine_port=3306,
            log_exports=_MYSQL_LOGS,
            # Aurora MySQL documents ON.
            tls_parameters=MappingProxyType({"require_secure_transport": "ON"}),
            families=frozenset({"r6g", "r7g", "r8g", "x2g", "r5", "r6i", "r7i"}),
            version_class="AuroraMysqlEngineVersion",
            factory="aurora_mysql",
        ),
    }
)
"""Every engine kind, by ``(engine, aurora)``. Ports are not the engine's default
(AwsSolutions-RDS11): scanners probe 5432 and 3306 first. Logs are every type the engine can
export to CloudWatch Logs (RDSLoggingEnabled); the TLS parameter makes the engine refuse
connections without TLS."""


def engine_row(engine: DatabaseEngine, aurora: bool) -> EngineRow:
    """The row of ``engine`` as an instance (``aurora=False``) or an Aurora cluster."""
    return ENGINES[(engine, aurora)]


@cache
def offered_versions(engine: DatabaseEngine, aurora: bool) -> tuple[frozenset[str], frozenset[str]]:
    """(offered, withdrawn) versions of the engine, from aws-cdk-lib's version constants.

    Read from the constants' docstrings, without a call into aws-cdk-lib's runtime.
    """
    offered: set[str] = set()
    withdrawn: set[str] = set()
    for name, member in vars(engine_row(engine, aurora).versions).items():
        getter = getattr(member, "fget", None)
        doc = getattr(getter, "__doc__", None) or ""
        match = VERSION_IN_DOC.search(doc)
        if not name.startswith("VER_") or match is None:
            continue
        (withdrawn if DEPRECATED_MARKER in doc else offered).add(match.group(1).lower())
    return frozenset(offered), frozenset(withdrawn - offered)


def major_of(engine: DatabaseEngine, aurora: bool, version: str) -> str:
    """The major version of ``version`` as aws-cdk-lib's ``of(version, major)`` takes it."""
    if aurora and engine is DatabaseEngine.MYSQL:
        return version.split(".mysql_aurora.", maxsplit=1)[0]
    parts = version.split("-", maxsplit=1)[0].split(".")
    if engine is DatabaseEngine.MYSQL or parts[0] == "9":
        return ".".join(parts[:2])
    return parts[0]


def offered_majors(engine: DatabaseEngine, aurora: bool) -> list[str]:
    """The major versions aws-cdk-lib still offers for the engine, oldest first."""
    offered, _ = offered_versions(engine, aurora)
    majors = {major_of(engine, aurora, v) for v in offered}
    return sorted(majors, key=lambda m: [int(p) for p in m.split(".")])


def latest_version(engine: DatabaseEngine, aurora: bool, major: str) -> str | None:
    """The newest offered version of ``major``, if there is one."""
    offered, _ = offered_versions(engine, aurora)
    candidates = [v for v in offered if major_of(engine, aurora, v) == major]

    def order(version: str) -> list[int]:
        return [int(p) for p in re.findall(r"\d+", version)]

    return max(candidates, key=order) if candidates else None
