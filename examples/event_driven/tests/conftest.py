"""The uploads stack of each environment, built once per test session as `cdk synth` builds it."""

from pathlib import Path

import pytest
from stacks import UploadsStack

from org_constructs import EnvironmentConfig, load_environments
from org_constructs.testing import CdkAppFactory


@pytest.fixture(scope="session")
def environments(cdk_app_dir: Path) -> dict[str, EnvironmentConfig]:
    return load_environments(cdk_app_dir / "environments.json")


@pytest.fixture(scope="session", params=["dev", "production"])
def uploads_stack(
    request: pytest.FixtureRequest,
    cdk_app: CdkAppFactory,
    environments: dict[str, EnvironmentConfig],
) -> UploadsStack:
    name: str = request.param
    return UploadsStack(cdk_app(), f"Uploads-{name}", config=environments[name])
