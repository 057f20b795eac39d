"""Shared test setup. Runs before any test module imports aws_cdk."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# pytest rewrites the asserts of every test module at import, and keeps the result beside it
# (``__pycache__/*-pytest-*.pyc``) unless bytecode writing is off (``PYTHONDONTWRITEBYTECODE``,
# set in some shells and images): then every run rewrites all of them again, about 15 s of the
# fast lane's collection. Written from here on, for the test modules imported after this one.
sys.dont_write_bytecode = False

# Unit tests synthesize in-process: skip aws-cdk-lib's built-in CloudFormation validation, which
# costs seconds per synth. Tests of a full synth (examples, the CDK CLI) run in a subprocess
# with it on. The jsii kernel reads the environment when aws_cdk is first imported.
os.environ.setdefault("CDK_VALIDATION", "false")
_NODE = ROOT / "node_modules" / ".bin" / "node"
if _NODE.exists():
    os.environ.setdefault("JSII_NODE", str(_NODE))


def _start_kernel_without_relay() -> None:
    """Start this process's jsii kernel as one Node.js process instead of two.

    jsii's runtime is a host process that relays each request and response to the kernel, a
    second process: an eighth of the CPU of a test that builds constructs. The kernel's own
    program (``lib/program.js`` of the installed jsii) is started directly by
    ``tests/kernel_without_relay.js``, reading and writing jsii's pipes itself. The variables
    that select it are set while the kernel starts (``import aws_cdk`` starts it) and removed
    after: a process a test starts (the CDK CLI's app, a fresh virtual environment) starts
    jsii's own runtime. A ``JSII_RUNTIME`` of the caller's is kept; a jsii whose program no
    longer opens its channel on fd 3 fails every test at once (the script exits), which
    ``tests/internal/test_kernel.py`` names.
    """
    if "JSII_RUNTIME" in os.environ:
        return
    import atexit
    import importlib.resources
    import shutil
    import tempfile

    import jsii._embedded.jsii as embedded

    folder = Path(tempfile.mkdtemp(prefix="org-constructs-test-kernel-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for resource, name in embedded.EMBEDDED_FILES.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(importlib.resources.files(embedded).joinpath(resource).read_bytes())
    selected = {
        "JSII_RUNTIME": str(ROOT / "tests" / "kernel_without_relay.js"),
        "ORG_CONSTRUCTS_TEST_KERNEL": str(folder / "lib" / "program.js"),
        # As jsii's host starts the kernel: modules are resolved from where they are linked.
        "NODE_OPTIONS": f"{os.environ.get('NODE_OPTIONS', '')} --preserve-symlinks".strip(),
    }
    saved = {key: os.environ.get(key) for key in selected}
    os.environ.update(selected)
    try:
        import aws_cdk  # noqa: F401 - loads aws-cdk-lib into the kernel, which starts it
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_start_kernel_without_relay()

import pytest  # noqa: E402


def _share_botocore_data() -> None:
    """One botocore data loader for every session of the process.

    moto's ``mock_aws`` drops boto3's default session, so each test of the emulator made a new
    one, and its loader read and parsed the service models again (EC2's is megabytes of JSON):
    a fifth of the fast lane. The models are the same files: they are read once per process.
    """
    import functools

    import botocore.session

    botocore.session.create_loader = functools.cache(botocore.session.create_loader)


_share_botocore_data()

pytest_plugins = ["pytester"]

from org_constructs.config import EnvironmentConfig, load_environments  # noqa: E402
from tests.support import (  # noqa: E402
    DIST,
    FAST_LANE,
    XDIST_WORKER,
    Background,
    ValidatedApp,
    gate_work,
    wheel_venv_work,
)

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
def dist(background: Background) -> Path:
    """``python -m build``, once per session: the sdist, and the wheel built from it.

    The packaging tests read both; the install tests put the wheel into fresh virtual
    environments (``wheel_venv``), as a consuming repo installs the package.
    """
    built: Path = background.result(*DIST)
    return built


@pytest.fixture(scope="session")
def wheel_venv(background: Background) -> Callable[[str], Path]:
    """A fresh virtual environment per Python version with the wheel and its ``testing`` and
    ``validate`` extras installed (``tests.support.wheel_venv_work``), made once and shared by
    every test that installs the package as a consuming repo does."""

    def venv(version: str) -> Path:
        made: Path = background.result(*wheel_venv_work(version))
        return made

    return venv


def pytest_configure(config: pytest.Config) -> None:
    """Note the fast lane (``-m "not e2e"``) before the test modules are imported."""
    FAST_LANE["on"] = config.getoption("markexpr", "").replace(" ", "") == "note2e"
    XDIST_WORKER["on"] = hasattr(config, "workerinput")


@pytest.fixture(scope="session", autouse=True)
def _xdist_stays_here() -> Iterator[None]:
    """pytest-xdist's ``PYTEST_XDIST_*`` variables out of the environment while the tests run:
    a project's own pytest run by a test (a new repo's, an example's) would take itself for
    a worker (syrupy then prints no snapshot report). Back for the session's end, which reads
    them."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("PYTEST_XDIST_")}
    yield
    os.environ.update(saved)


def pytest_runtest_logfinish() -> None:
    """What the tests made so far is kept out of the cyclic garbage collector's passes.

    jsii holds every object of every app the tests built for the life of the process, so the
    heap grows with each test, and each full collection (and the two at the session's end,
    and the interpreter's at exit) walks all of it again: seconds of the fast lane for no
    garbage. Frozen after each test, it is walked no more; what a test leaves in a cycle is
    kept (a test process's memory, not a user's)."""
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests last: the fast tests run first, while ``background`` prepares the
    syntheses and gate runs the end-to-end tests will read."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def background(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Background]:
    """The session's background worker (see ``Background``)."""
    worker = Background(tmp_path_factory)
    yield worker
    worker.close()


@pytest.fixture(scope="session", autouse=True)
def _prefetch(request: pytest.FixtureRequest, background: Background) -> None:
    """Queue the work that the selected end-to-end tests will read, in the order they run.

    A test module lists it in ``BACKGROUND``: (key, work) pairs, ``work`` taking the session's
    ``tmp_path_factory``; the module's fixtures read it with ``background.result(key, work)``.
    The fast lane (``-m "not e2e"``) selects no end-to-end test, so it queues nothing.
    """
    for position, item in enumerate(request.session.items):
        if item.get_closest_marker("e2e") is not None:
            for key, work in getattr(getattr(item, "module", None), "BACKGROUND", ()):
                background.prefetch(key, work, position)


@pytest.fixture(scope="session")
def validated_example(background: Background) -> Callable[..., ValidatedApp]:
    """``org-cdk validate`` of an example, run once per (example, stage) and shared.

    The gate's tests read the report; the example, docs and cost tests read the cloud
    assembly it synthesized (its templates are those of ``cdk synth``, validation on), instead
    of synthesizing again. Most runs were queued by ``_prefetch`` and are done by now.
    """

    def validate(name: str, stage: str | None = None) -> ValidatedApp:
        result: ValidatedApp = background.result(*gate_work(name, stage))
        return result

    return validate
