"""Time the test suite and syntheses; print the numbers and optionally record them.

Measures ``cdk synth`` of the minimal example, of the reference app's dev stage and of the same
architecture written by hand with aws-cdk-lib L2 constructs (``benchmarks/handwritten_app``);
``l3_overhead_ratio`` is reference / handwritten. Target: under 1.10 (org-constructs adds less
than 10% to synthesis). The hand-written app runs no cdk-nag packs, so the reference app is
timed with its packs switched off (``-c org-constructs:nag-packs=``) for the ratio, and with
them (``synth_reference_app_dev_with_nag_cli_s``: AwsSolutions and Serverless during synth).

``validate_reference_production_s`` times ``org-cdk validate`` on the reference app's production
stage: one synthesis with all five cdk-nag packs, then cfn-lint, checkov and cfn-guard
concurrently, and ruff. Target: under 60 s on 2 cores.

Usage (through the project's environment)::

    bash scripts/bench.sh            # measure and print
    bash scripts/bench.sh --record   # also append to benchmarks/results.json

Each synthesis is timed ``--repeat`` times and the median kept; the test suite runs once
whole and once as the fast lane (``-m "not e2e"``), each recorded with its number of tests:
``test_suite_s`` (target: under 240 s), ``fast_lane_s`` (target: under 60 s). The
reference and hand-written apps also record the CPU time of the whole process tree (node and
Python), ``l3_overhead_cpu_ratio``: steadier than wall time on a small, busy machine.
Compare a change with the last recorded run of the same machine size.

``--only monitoring`` runs one measurement alone, in this process: 48 Lambda functions and a
REST API monitored by ``ServiceMonitoring`` against the same resources monitored by
cdk-monitoring-constructs' ``MonitoringFacade`` (the same alarms), and the same resources
without monitoring, built and synthesized in turn with the built-in CloudFormation validation
off (``--repeat`` rounds, medians):
``monitoring_*`` in ``results.json``. Target: per alarm, no slower than the peer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    return timed_with_cpu(command, cwd, env)[0]


def timed_with_cpu(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Wall time and CPU time (user + system, every child process) of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def synth_times(app: Path, *context: str) -> tuple[float, float]:
    """Wall and CPU time of one ``cdk synth`` (built-in CloudFormation validation on)."""
    env = {k: v for k, v in os.environ.items() if k != "CDK_VALIDATION"}
    with tempfile.TemporaryDirectory() as out:
        cdk = ["cdk", "synth", "--no-notices", "--quiet", "--output", out, *context]
        return timed_with_cpu(cdk, app, env)


def synth(app: Path, repeat: int, *context: str) -> float:
    """Median wall time of ``cdk synth``."""
    return statistics.median(synth_times(app, *context)[0] for _ in range(repeat))


def validate_reference(repeat: int) -> float:
    """Median wall time of the whole validation gate on the reference app's production stage."""
    env = {**os.environ, "ORG_CDK_CHECKOV": str(ROOT / ".tools" / "bin" / "checkov")}
    with tempfile.TemporaryDirectory() as out:
        command = [
            str(Path(sys.executable).parent / "org-cdk"),
            "validate",
            "examples/reference_app",
            "--stage",
            "production",
            "--quiet",
            "--output",
            out,
        ]
        return statistics.median(timed(command, ROOT, env) for _ in range(repeat))


def test_suite(*selection: str) -> tuple[float, int]:
    """Wall time and number of tests of one pytest run (``selection``: say ``-m "not e2e"``)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *selection],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"the test suite failed:\n{result.stdout[-3000:]}")
    return wall, tests_run(result.stdout)


def tests_run(output: str) -> int:
    """The tests pytest's summary line counts (passed, skipped, xfailed...; not deselected)."""
    summary = output.strip().splitlines()[-1]
    counts = re.findall(r"(\d+) (passed|skipped|xfailed|xpassed|failed|errors?)", summary)
    return sum(int(number) for number, _ in counts)


# ----------------------------------------------------------------------------- monitoring

MONITORED_FUNCTIONS = 48
"""Lambda functions in each app of the monitoring comparison (and one REST API)."""

JSII_CALLS = (
    "create",
    "get",
    "set",
    "sget",
    "sset",
    "invoke",
    "sinvoke",
    "complete",
    "sync_complete",
)
"""The kernel requests that count as round trips (``complete``, ``sync_complete``: the answer
to a callback into Python, such as a widget rendered by Python code)."""


def monitoring_app(kind: str, outdir: str) -> Any:
    """One app of the comparison: ``ours`` (``ServiceMonitoring``), ``peer``
    (cdk-monitoring-constructs' ``MonitoringFacade``) or ``bare`` (the resources alone)."""
    import aws_cdk as cdk
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sns as sns

    # The built-in CloudFormation validation is off in all three apps: it costs the same for
    # the same resources and would hide the libraries' own cost.
    app = cdk.App(outdir=outdir, builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Bench", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    code = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")
    functions = [
        lambda_.Function(
            stack,
            f"Fn{index:02d}",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=code,
            timeout=cdk.Duration.seconds(3),
        )
        for index in range(MONITORED_FUNCTIONS)
    ]
    api = apigw.RestApi(stack, "Api", rest_api_name="bench-api")
    api.root.add_method("GET", apigw.LambdaIntegration(functions[0]))
    topic = sns.Topic(stack, "Alarms")
    if kind == "ours":
        _monitor_ours(stack, topic, functions, api)
    elif kind == "peer":
        _monitor_peer(stack, topic, functions, api)
    return app


def _monitor_ours(stack: Any, topic: Any, functions: list[Any], api: Any) -> None:
    from org_constructs import ServiceMonitoring

    monitoring = ServiceMonitoring(
        stack, "Monitoring", service_name="bench", alarm_topic=topic, stage="dev"
    )
    for function in functions:
        monitoring.monitor_lambda_function(function)
    monitoring.monitor_rest_api(api)


def _monitor_peer(stack: Any, topic: Any, functions: list[Any], api: Any) -> None:
    """The same alarms as the library's lambda and api packs: errors, error rate, throttles,
    duration p90/p99 (80%/95% of 3 s), concurrency (80% of 1,000); 5XX count and rate, 4XX
    rate, latency p90, request count (100,000 in 5 minutes)."""
    import aws_cdk as cdk
    import cdk_monitoring_constructs as peer

    facade = peer.MonitoringFacade(
        stack,
        "Monitoring",
        alarm_factory_defaults=peer.AlarmFactoryDefaults(
            alarm_name_prefix="dev-bench",
            actions_enabled=True,
            action=peer.SnsAlarmActionStrategy(on_alarm_topic=topic),
        ),
    )
    for function in functions:
        facade.monitor_lambda_function(
            lambda_function=function,
            add_fault_count_alarm={"Warning": peer.ErrorCountThreshold(max_error_count=1)},
            add_fault_rate_alarm={"Critical": peer.ErrorRateThreshold(max_error_rate=5)},
            add_throttles_count_alarm={"Warning": peer.ErrorCountThreshold(max_error_count=1)},
            add_latency_p90_alarm={
                "Warning": peer.LatencyThreshold(max_latency=cdk.Duration.millis(2400))
            },
            add_latency_p99_alarm={
                "Critical": peer.LatencyThreshold(max_latency=cdk.Duration.millis(2850))
            },
            add_concurrent_executions_count_alarm={
                "Warning": peer.RunningTaskCountThreshold(max_running_tasks=800)
            },
        )
    facade.monitor_api_gateway(
        api=api,
        add5_xx_fault_count_alarm={"Critical": peer.ErrorCountThreshold(max_error_count=5)},
        add5_xx_fault_rate_alarm={"Critical": peer.ErrorRateThreshold(max_error_rate=1)},
        add4_xx_error_rate_alarm={"Warning": peer.ErrorRateThreshold(max_error_rate=5)},
        add_latency_p90_alarm={
            "Critical": peer.LatencyThreshold(max_latency=cdk.Duration.seconds(1))
        },
        add_high_tps_alarm={"Warning": peer.HighTpsThreshold(max_tps=100000 / 300)},
    )


def synthesized(kind: str) -> tuple[float, int, int]:
    """Seconds to build and synthesize one app of the comparison, its number of alarms and
    the jsii kernel requests it made."""
    import jsii
    from jsii._kernel import Kernel

    # Generated bindings call the module's functions (``jsii.create``, bound to the one kernel
    # at import); the runtime calls the kernel's methods: count both.
    calls = [0]
    patched: list[tuple[object, str]] = [(jsii, name) for name in JSII_CALLS if hasattr(jsii, name)]
    patched += [(Kernel, name) for name in JSII_CALLS]
    originals = [(owner, name, getattr(owner, name)) for owner, name in patched]

    def counted(original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            return original(*args, **kwargs)

        return call

    with tempfile.TemporaryDirectory() as outdir:
        for owner, name, original in originals:
            setattr(owner, name, counted(original))
        try:
            start = time.perf_counter()
            assembly = monitoring_app(kind, outdir).synth()
            seconds = time.perf_counter() - start
        finally:
            for owner, name, original in originals:
                setattr(owner, name, original)
        template = json.loads(
            Path(outdir, assembly.get_stack_by_name("Bench").template_file).read_text()
        )
    alarms = sum(
        1
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    )
    return seconds, alarms, calls[0]


def monitoring_comparison(repeat: int) -> dict[str, float]:
    """``ServiceMonitoring`` against cdk-monitoring-constructs on the same resources, built in
    turn in this process (the order alternates each round; one untimed round first loads
    the libraries), medians of ``repeat`` rounds."""
    kinds = ("ours", "peer", "bare")
    for kind in kinds:
        synthesized(kind)
    runs: dict[str, list[tuple[float, int, int]]] = {kind: [] for kind in kinds}
    for round_ in range(repeat):
        for kind in kinds if round_ % 2 == 0 else kinds[::-1]:
            runs[kind].append(synthesized(kind))
    seconds = {kind: statistics.median(run[0] for run in runs[kind]) for kind in kinds}
    alarms = {kind: runs[kind][0][1] for kind in kinds}
    calls = {kind: runs[kind][0][2] for kind in kinds}
    result: dict[str, float] = {}
    for kind in ("ours", "peer"):
        added = seconds[kind] - seconds["bare"]
        result |= {
            f"monitoring_{kind}_s": round(seconds[kind], 3),
            f"monitoring_{kind}_alarms": alarms[kind],
            f"monitoring_{kind}_ms_per_alarm": round(1000 * seconds[kind] / alarms[kind], 2),
            f"monitoring_{kind}_added_ms_per_alarm": round(1000 * added / alarms[kind], 2),
            f"monitoring_{kind}_jsii_calls_per_alarm": round(
                (calls[kind] - calls["bare"]) / alarms[kind], 1
            ),
        }
    result |= {
        "monitoring_bare_s": round(seconds["bare"], 3),
        "monitoring_ratio_per_alarm": round(
            result["monitoring_ours_ms_per_alarm"] / result["monitoring_peer_ms_per_alarm"], 3
        ),
        "monitoring_added_ratio_per_alarm": round(
            result["monitoring_ours_added_ms_per_alarm"]
            / result["monitoring_peer_added_ms_per_alarm"],
            3,
        ),
    }
    return result


def event_driven_comparison(repeat: int) -> dict[str, float]:
    """``examples/event_driven`` (dev stage) against its twin written with aws-cdk-lib only
    (``handwritten_event_driven``: the same resources, type for type), ``cdk synth`` of each in
    turn, the order alternating each round, after one untimed round of each; medians.

    Both sides run the same CDK CLI, feature flags and built-in CloudFormation validation; the
    library app's cdk-nag packs are off (``-c org-constructs:nag-packs=``), as the twin runs none.
    Before timing, ``compare_resources.py`` checks that both templates hold the same resources.
    """
    app = ROOT / "examples" / "event_driven"
    twin = ROOT / "benchmarks" / "handwritten_event_driven"
    ours_context: tuple[str, ...] = ("-c", "stage=dev", "-c", "org-constructs:nag-packs=")
    with tempfile.TemporaryDirectory() as out:
        env = {k: v for k, v in os.environ.items() if k != "CDK_VALIDATION"}
        for directory, context, name in ((app, ours_context, "ours"), (twin, (), "twin")):
            command = ["cdk", "synth", "--no-notices", "--quiet", "--output", f"{out}/{name}"]
            subprocess.run([*command, *context], cwd=directory, env=env, check=True)
        (ours,) = Path(out, "ours").glob("Uploads-dev.template.json")
        (theirs,) = Path(out, "twin").glob("*.template.json")
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "compare_resources.py"), ours, theirs],
            check=True,
        )
    runs: dict[str, list[tuple[float, float]]] = {"ours": [], "twin": []}
    for round_ in range(repeat):
        none: tuple[str, ...] = ()
        order = [("ours", app, ours_context), ("twin", twin, none)]
        for name, directory, context in order if round_ % 2 == 0 else order[::-1]:
            runs[name].append(synth_times(directory, *context))
    wall = {name: statistics.median(w for w, _ in times) for name, times in runs.items()}
    cpu = {name: statistics.median(c for _, c in times) for name, times in runs.items()}
    return {
        "synth_event_driven_dev_cli_s": round(wall["ours"], 2),
        "synth_handwritten_event_driven_dev_cli_s": round(wall["twin"], 2),
        "event_driven_overhead_ratio": round(wall["ours"] / wall["twin"], 3),
        "synth_event_driven_dev_cpu_s": round(cpu["ours"], 2),
        "synth_handwritten_event_driven_dev_cpu_s": round(cpu["twin"], 2),
        "event_driven_overhead_cpu_ratio": round(cpu["ours"] / cpu["twin"], 3),
    }


def version_of(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[0]


def all_measurements(repeat: int, *, tests: bool) -> dict[str, float]:
    """Every measurement: syntheses, the validation gate, the monitoring comparison and,
    with ``tests``, the test suite."""
    # The reference app and the same architecture written by hand with L2 constructs, measured
    # alternately in one run so that both see the same machine load.
    # Each pair is run back to back; wall times vary by about 10% between runs on 2 cores, so
    # the CPU time of the whole process tree (node and Python) is recorded beside them.
    reference, handwritten = [], []
    for _ in range(repeat):
        reference.append(
            synth_times(
                ROOT / "examples" / "reference_app",
                "-c",
                "stage=dev",
                "-c",
                "org-constructs:nag-packs=",
            )
        )
        handwritten.append(synth_times(ROOT / "benchmarks" / "handwritten_app"))
    reference_s = statistics.median(wall for wall, _ in reference)
    handwritten_s = statistics.median(wall for wall, _ in handwritten)
    reference_cpu = statistics.median(cpu for _, cpu in reference)
    handwritten_cpu = statistics.median(cpu for _, cpu in handwritten)
    measurements: dict[str, float] = {
        "synth_minimal_app_cli_s": round(synth(ROOT / "examples" / "minimal_app", repeat), 2),
        "synth_reference_app_dev_cli_s": round(reference_s, 2),
        "synth_handwritten_l2_dev_cli_s": round(handwritten_s, 2),
        "l3_overhead_ratio": round(reference_s / handwritten_s, 3),
        "synth_reference_app_dev_cpu_s": round(reference_cpu, 2),
        "synth_handwritten_l2_dev_cpu_s": round(handwritten_cpu, 2),
        "l3_overhead_cpu_ratio": round(reference_cpu / handwritten_cpu, 3),
        "synth_reference_app_dev_with_nag_cli_s": round(
            synth(ROOT / "examples" / "reference_app", repeat, "-c", "stage=dev"), 2
        ),
        "validate_reference_production_s": round(validate_reference(repeat), 2),
    }
    measurements |= monitoring_comparison(repeat)
    measurements |= event_driven_comparison(repeat)
    if tests:
        measurements |= test_suites()
    return measurements


def test_suites() -> dict[str, float]:
    """The whole pytest run and the fast lane (``-m "not e2e"``, target: under 60 s), each once,
    as the README gives them (pytest-xdist's workers from ``addopts``), without coverage."""
    suite_s, suite_tests = test_suite()
    fast_s, fast_tests = test_suite("-m", "not e2e")
    return {
        "test_suite_s": round(suite_s, 2),
        "test_suite_tests": suite_tests,
        "fast_lane_s": round(fast_s, 2),
        "fast_lane_tests": fast_tests,
    }


def test_command() -> dict[str, float]:
    """``.ci/run`` (the README's test command: setup, projen, ruff, mypy, pytest with coverage)
    on a fresh clone of this checkout's HEAD, as CI runs it; target: under 15 minutes."""
    with tempfile.TemporaryDirectory(prefix="org-constructs-clone-") as folder:
        clone = Path(folder) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        start = time.perf_counter()
        result = subprocess.run(
            ["bash", ".ci/run"], cwd=clone, env=env, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"the test command failed:\n{result.stdout[-3000:]}")
    return {
        "test_command_fresh_clone_s": round(wall, 1),
        "test_command_tests": tests_run(
            next(line for line in reversed(result.stdout.splitlines()) if " passed" in line)
        ),
    }


def compile_bytecode() -> None:
    """Compile the library's modules and the apps' ``stacks`` packages, as installing a wheel
    does (pip writes their bytecode), before anything is timed.

    Python caches bytecode as it imports only where writing it is allowed: with
    ``PYTHONDONTWRITEBYTECODE`` set (as on some machines and images), a module changed since its
    bytecode was last written is compiled again in every synthesis, which a user's installed
    library never is. The hand-written twin's aws-cdk-lib is compiled at its install too.
    """
    import compileall

    # The apps' own packages only: a function's code folder (``handler``) is an asset, whose
    # hash would change with a ``__pycache__`` in it.
    folders = [ROOT / "src" / "org_constructs"]
    folders += sorted(p for p in ROOT.glob("examples/*/stacks") if p.is_dir())
    folders += sorted(p for p in ROOT.glob("benchmarks/*/stacks") if p.is_dir())
    for folder in folders:
        if not compileall.compile_dir(folder, quiet=1):
            raise SystemExit(f"could not compile {folder}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per synthesis (median kept)")
    parser.add_argument("--record", action="store_true", help="append to benchmarks/results.json")
    parser.add_argument("--skip-tests", action="store_true", help="time the syntheses only")
    parser.add_argument(
        "--only",
        choices=["monitoring", "event-driven", "tests", "test-command"],
        help="run one measurement alone (monitoring: ServiceMonitoring against "
        "cdk-monitoring-constructs, in this process; event-driven: examples/event_driven "
        "against its hand-written twin; tests: the whole pytest run and the fast lane; "
        "test-command: .ci/run on a fresh clone of HEAD)",
    )
    args = parser.parse_args()
    compile_bytecode()

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if args.only == "monitoring":
        measurements = monitoring_comparison(args.repeat)
    elif args.only == "event-driven":
        measurements = event_driven_comparison(args.repeat)
    elif args.only == "tests":
        measurements = test_suites()
    elif args.only == "test-command":
        measurements = test_command()
    else:
        measurements = all_measurements(args.repeat, tests=not args.skip_tests)
    run: dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit or "uncommitted",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "node": version_of(["node", "--version"]),
            "cdk_cli": version_of(["cdk", "--version"]).split()[0],
        },
        "measurements": measurements,
    }
    print(json.dumps(run, indent=2))
    if args.record:
        history = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
        history.append(run)
        RESULTS.write_text(json.dumps(history, indent=2) + "\n")
        print(f"recorded in {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
