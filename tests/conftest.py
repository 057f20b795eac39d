"""Shared test setup. Runs before any test module imports aws_cdk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
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
from tests.support import ValidatedApp, org_cdk  # noqa: E402

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


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build``, once per session: the sdist, and the wheel built from it.

    uv installs the build backend. The packaging tests read both; the install tests put the
    wheel into fresh virtual environments, as a consuming repo installs the package.
    """
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--installer", "uv", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def validated_example(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., ValidatedApp]:
    """``org-cdk validate`` of an example, run once per session and shared.

    The gate's tests read the report; the example and docs tests read the cloud assembly it
    synthesized (its templates are those of ``cdk synth``), instead of synthesizing again.
    """
    runs: dict[tuple[str, str | None], ValidatedApp] = {}

    def validate(name: str, stage: str | None = None) -> ValidatedApp:
        key = (name, stage)
        if key not in runs:
            out = tmp_path_factory.mktemp(f"validate-{name}-{stage or 'all'}") / "cdk.out"
            arguments = ["validate", f"examples/{name}", "--format", "json", "--output", str(out)]
            if stage:
                arguments += ["--stage", stage]
            result = org_cdk(*arguments)
            assert result.stdout, result.stderr
            runs[key] = ValidatedApp(json.loads(result.stdout), result.returncode, out)
        return runs[key]

    return validate
