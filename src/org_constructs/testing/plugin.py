"""The org-constructs pytest plugin, registered through the ``pytest11`` entry point.

Installing ``org-constructs[testing]`` gives every pytest suite these fixtures:

``cdk_app``
    A session-scoped factory: ``cdk_app()`` returns a new ``aws_cdk.App`` with the context
    ``cdk synth`` gives the app (``cdk.json``'s ``context`` and ``cdk.context.json``);
    ``cdk_app(stage="dev")`` adds context as ``-c stage=dev`` does.
``cdk_context``
    That context as a dict, read once per session.
``cdk_app_dir``
    The folder of the CDK app: the ini option ``cdk_app_dir`` (relative to pytest's rootdir),
    else the rootdir.
``cfn_snapshot``
    Syrupy's ``snapshot`` with the CloudFormation extension, so ``assert template ==
    cfn_snapshot`` stores a normalized JSON file per test.

It also sets ``CDK_VALIDATION=false`` (unless the environment sets it) before the test suite's
``conftest.py`` files load, so that synthesis in unit tests skips aws-cdk-lib's built-in
CloudFormation validation, which costs seconds per synthesis. The plugin imports ``aws_cdk``
only when a fixture builds an app.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from org_constructs.errors import ValidationError
from org_constructs.testing._app import CDK_JSON, CdkAppFactory, load_cdk_context

__all__ = ["cdk_app", "cdk_app_dir", "cdk_context", "cfn_snapshot"]

APP_DIR_OPTION = "cdk_app_dir"
VALIDATION_VARIABLE = "CDK_VALIDATION"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        APP_DIR_OPTION,
        "folder of the CDK app (its cdk.json), relative to the rootdir; default: the rootdir",
        default="",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    # The jsii kernel starts with the environment of the first `import aws_cdk`, which a
    # conftest.py usually makes (importing the stacks): set the variable before any loads.
    os.environ.setdefault(VALIDATION_VARIABLE, "false")


@pytest.fixture(scope="session")
def cdk_app_dir(pytestconfig: pytest.Config) -> Path:
    """The folder of the CDK app under test, holding its ``cdk.json``."""
    configured = str(pytestconfig.getini(APP_DIR_OPTION) or "")
    folder = (pytestconfig.rootpath / configured).resolve()
    if not (folder / CDK_JSON).is_file():
        raise ValidationError(
            f"pytest ini option {APP_DIR_OPTION}",
            APP_DIR_OPTION,
            configured or str(folder),
            f"must name the folder of the CDK app (its {CDK_JSON}), relative to the rootdir "
            f"{pytestconfig.rootpath}: run pytest from the app's folder or set "
            f"{APP_DIR_OPTION} = FOLDER in pytest.ini / [tool.pytest.ini_options]",
        )
    return folder


@pytest.fixture(scope="session")
def cdk_context(cdk_app_dir: Path) -> dict[str, Any]:
    """The context ``cdk synth`` gives the app: ``cdk.context.json``, then ``cdk.json``'s.

    One dict for the whole session: copy it before changing it, or pass the changes to
    ``cdk_app(...)``.
    """
    return load_cdk_context(cdk_app_dir)


@pytest.fixture(scope="session")
def cdk_app(cdk_context: dict[str, Any]) -> CdkAppFactory:
    """A factory of ``aws_cdk.App`` objects built as ``cdk synth`` builds the app.

    Build each stack once per session in a session-scoped fixture; ``template_of`` then
    synthesizes its app once::

        @pytest.fixture(scope="session")
        def dev_stack(cdk_app, cdk_app_dir):
            config = load_environments(cdk_app_dir / "environments.json")["dev"]
            return ServiceStack(cdk_app(), "Service-dev", config=config)
    """

    def new_app(context: Mapping[str, Any] | None = None, /, **values: Any) -> Any:
        import aws_cdk as cdk

        return cdk.App(context={**cdk_context, **(context or {}), **values})

    return new_app


@pytest.fixture
def cfn_snapshot(request: pytest.FixtureRequest) -> Any:
    """Syrupy's ``snapshot``, storing normalized CloudFormation templates as JSON files."""
    try:
        from org_constructs.testing._snapshot import CloudFormationSnapshotExtension
    except ImportError as error:  # pragma: no cover - depends on what the user installed
        pytest.fail(
            f"cfn_snapshot needs syrupy ({error}); install org-constructs[testing]",
            pytrace=False,
        )
    return request.getfixturevalue("snapshot").use_extension(CloudFormationSnapshotExtension)
