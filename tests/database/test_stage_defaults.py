"""One source of stage defaults: the constructor and ``from_config`` build the same database in
every stage, and both read the config model (``DatabaseConfig.for_stage``,
``StageDefaults.for_stage``)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from org_constructs import DatabaseConfig, EnvironmentConfig, SecureDatabase, Stage
from org_constructs.config import StageDefaults
from org_constructs.testing import find_resources, template_json, template_of
from tests.database.test_secure_database import DatabaseStack, network
from tests.support import make_app

STAGES = [stage.value for stage in Stage]


def _stage_config(environments: dict[str, EnvironmentConfig], stage: str) -> EnvironmentConfig:
    """The test environment of ``stage`` with the stage's default database."""
    config = environments[stage]
    assert config.database == DatabaseConfig.for_stage(stage), "the fixture keeps the defaults"
    return config


def _both(config: EnvironmentConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    constructor = DatabaseStack(
        make_app(),
        "Db",
        config=config,
        build=lambda stack, vpc: SecureDatabase(stack, "Db", vpc=vpc),
    )
    from_config = DatabaseStack(
        make_app(),
        "Db",
        config=config,
        build=lambda stack, vpc: SecureDatabase.from_config(
            stack, "Db", vpc=vpc, database_config=config.database
        ),
    )
    return template_json(template_of(constructor)), template_json(template_of(from_config))


@pytest.fixture(scope="module")
def built(
    environments: dict[str, EnvironmentConfig],
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {stage: _both(_stage_config(environments, stage)) for stage in STAGES}


@pytest.mark.parametrize("stage", STAGES)
def test_constructor_and_from_config_build_the_same_database(
    built: dict[str, tuple[dict[str, Any], dict[str, Any]]], stage: str
) -> None:
    constructor, from_config = built[stage]
    assert constructor["Resources"] == from_config["Resources"]
    assert constructor == from_config


@pytest.mark.parametrize("stage", STAGES)
def test_the_defaults_are_the_config_models(
    built: dict[str, tuple[dict[str, Any], dict[str, Any]]], stage: str
) -> None:
    expected = DatabaseConfig.for_stage(stage)
    watched = StageDefaults.for_stage(stage).database_monitoring
    template = Template.from_json(built[stage][0])
    (database,) = find_resources(template, "AWS::RDS::DBInstance").values()
    properties = database["Properties"]
    assert properties["DBInstanceClass"] == f"db.{expected.instance_type}"
    assert properties["MultiAZ"] is expected.multi_az
    assert properties["BackupRetentionPeriod"] == expected.backup_retention_days
    assert properties["DeletionProtection"] is expected.deletion_protection
    assert properties["EngineVersion"] == expected.version
    assert ("MonitoringInterval" in properties) is watched
    assert properties.get("EnablePerformanceInsights", False) is watched


def test_staging_and_production_are_multi_az_dev_is_not() -> None:
    """The organisation's guide: single-AZ in dev, Multi-AZ in staging and production."""
    assert [DatabaseConfig.for_stage(stage).multi_az for stage in STAGES] == [False, True, True]


def test_outside_an_abstract_stack_the_production_config() -> None:
    def build(use_config: bool) -> dict[str, Any]:
        stack = Stack(make_app(), "Plain")
        vpc = network(stack)
        if use_config:
            config = DatabaseConfig.for_stage(Stage.PRODUCTION)
            SecureDatabase.from_config(stack, "Db", vpc, config)
        else:
            SecureDatabase(stack, "Db", vpc=vpc)
        return template_json(Template.from_stack(stack))

    assert build(False) == build(True)
