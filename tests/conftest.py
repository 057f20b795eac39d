"""Shared test setup. Runs before any test module imports aws_cdk."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Unit tests synthesize in-process: skip aws-cdk-lib's built-in CloudFormation validation, which
# costs seconds per synth. Tests of a full synth (examples, the CDK CLI) run in a subprocess
# with it on. The jsii kernel reads the environment when aws_cdk is first imported.
os.environ.setdefault("CDK_VALIDATION", "false")
_NODE = ROOT / "node_modules" / ".bin" / "node"
if _NODE.exists():
    os.environ.setdefault("JSII_NODE", str(_NODE))

import pytest  # noqa: E402

pytest_plugins = ["pytester"]

from org_constructs.config import EnvironmentConfig, load_environments  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def environments() -> dict[str, EnvironmentConfig]:
    """The test environments (the guide's TEST_CONTEXT), loaded from the fixture file."""
    return load_environments(FIXTURES / "environments.json")


@pytest.fixture(scope="session")
def dev_config(environments: dict[str, EnvironmentConfig]) -> EnvironmentConfig:
    return environments["dev"]


@pytest.fixture(scope="session")
def production_config(environments: dict[str, EnvironmentConfig]) -> EnvironmentConfig:
    return environments["production"]
