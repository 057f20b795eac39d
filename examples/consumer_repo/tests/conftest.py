"""Each stack built once per test session, the way `cdk synth` builds the app."""

from pathlib import Path

import pytest
from stacks import ServiceStack

from org_constructs import EnvironmentConfig, load_environments
from org_constructs.testing import CdkAppFactory


@pytest.fixture(scope="session")
def environments(cdk_app_dir: Path) -> dict[str, EnvironmentConfig]:
    return load_environments(cdk_app_dir / "environments.json")


@pytest.fixture(scope="session", params=["dev", "production"])
def service_stack(
    request: pytest.FixtureRequest,
    cdk_app: CdkAppFactory,
    environments: dict[str, EnvironmentConfig],
) -> ServiceStack:
    name: str = request.param
    # cdk_app(): an App with the context of cdk.json and cdk.context.json, as `cdk synth` has.
    return ServiceStack(cdk_app(), f"Billing-{name}", config=environments[name])
