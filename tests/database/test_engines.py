"""The engine table and what it reads from aws-cdk-lib: a guard that fails when aws-cdk-lib
changes the shape of its version constants (names, docstrings, the deprecation marker)."""

from __future__ import annotations

import pytest
from aws_cdk import aws_rds as rds

from org_constructs.config import DatabaseConfig, DatabaseEngine
from org_constructs.database._engines import (
    DEPRECATED_MARKER,
    ENGINES,
    VERSION_IN_DOC,
    engine_row,
    latest_version,
    major_of,
    offered_majors,
    offered_versions,
)

KINDS = sorted(ENGINES, key=lambda kind: (kind[0].value, kind[1]))
KNOWN_MAJORS = {
    (DatabaseEngine.POSTGRES, False): {"16", "17"},
    (DatabaseEngine.MYSQL, False): {"8.0", "8.4"},
    (DatabaseEngine.POSTGRES, True): {"16", "17"},
    (DatabaseEngine.MYSQL, True): {"8.0"},
}


def test_one_row_per_engine_kind() -> None:
    assert set(ENGINES) == {(engine, aurora) for engine in DatabaseEngine for aurora in (0, 1)}
    for (engine, aurora), row in ENGINES.items():
        assert (row.engine, row.aurora) == (engine, aurora)
        assert row.default_port != row.engine_port
        assert row.log_exports
        assert row.tls_parameters
        assert row.families


def test_the_instance_defaults_are_the_config_models() -> None:
    for engine in DatabaseEngine:
        assert engine_row(engine, False).default_version == DatabaseConfig(engine=engine).version


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: f"{kind[0].value}-{kind[1]}")
def test_aws_cdk_lib_still_has_the_version_classes_and_factories(
    kind: tuple[DatabaseEngine, bool],
) -> None:
    row = ENGINES[kind]
    assert hasattr(rds, row.version_class), f"aws_rds.{row.version_class} is gone"
    assert callable(row.versions.of)
    owner = rds.DatabaseClusterEngine if row.aurora else rds.DatabaseInstanceEngine
    assert callable(getattr(owner, row.factory, None)), f"{owner.__name__}.{row.factory} is gone"


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: f"{kind[0].value}-{kind[1]}")
def test_the_offered_majors_include_known_ones(kind: tuple[DatabaseEngine, bool]) -> None:
    majors = set(offered_majors(*kind))
    assert KNOWN_MAJORS[kind] <= majors, f"{ENGINES[kind].name}: {sorted(majors)}"
    offered, _ = offered_versions(*kind)
    default = ENGINES[kind].default_version
    if kind == (DatabaseEngine.MYSQL, True):
        default = f"8.0.mysql_aurora.{default}"
    assert default in offered, f"the default {default} is no longer offered"


def test_the_deprecation_marker_is_still_found() -> None:
    """aws-cdk-lib marks withdrawn versions '(deprecated)' in their docstrings: PostgreSQL 9.6
    and MySQL 5.7 are withdrawn."""
    _, withdrawn = offered_versions(DatabaseEngine.POSTGRES, False)
    assert any(major_of(DatabaseEngine.POSTGRES, False, v) == "9.6" for v in withdrawn)
    assert "9.6" not in offered_majors(DatabaseEngine.POSTGRES, False)
    _, withdrawn = offered_versions(DatabaseEngine.MYSQL, False)
    assert any(v.startswith("5.7") for v in withdrawn)
    member = vars(rds.PostgresEngineVersion)["VER_9_6_24"]
    text = member.fget.__doc__ or ""
    assert DEPRECATED_MARKER in text
    assert VERSION_IN_DOC.search(text) is not None


def test_latest_version_of_a_major() -> None:
    latest = latest_version(DatabaseEngine.POSTGRES, True, "16")
    assert latest is not None
    assert major_of(DatabaseEngine.POSTGRES, True, latest) == "16"
