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


def version_of(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per synthesis (median kept)")
    parser.add_argument("--record", action="store_true", help="append to benchmarks/results.json")
    parser.add_argument("--skip-tests", action="store_true", help="time the syntheses only")
    args = parser.parse_args()

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    # The reference app and the same architecture written by hand with L2 constructs, measured
    # alternately in one run so that both see the same machine load.
    # Each pair is run back to back; wall times vary by about 10% between runs on 2 cores, so
    # the CPU time of the whole process tree (node and Python) is recorded beside them.
    reference, handwritten = [], []
    for _ in range(args.repeat):
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
        "synth_minimal_app_cli_s": round(synth(ROOT / "examples" / "minimal_app", args.repeat), 2),
        "synth_reference_app_dev_cli_s": round(reference_s, 2),
        "synth_handwritten_l2_dev_cli_s": round(handwritten_s, 2),
        "l3_overhead_ratio": round(reference_s / handwritten_s, 3),
        "synth_reference_app_dev_cpu_s": round(reference_cpu, 2),
        "synth_handwritten_l2_dev_cpu_s": round(handwritten_cpu, 2),
        "l3_overhead_cpu_ratio": round(reference_cpu / handwritten_cpu, 3),
        "synth_reference_app_dev_with_nag_cli_s": round(
            synth(ROOT / "examples" / "reference_app", args.repeat, "-c", "stage=dev"), 2
        ),
        "validate_reference_production_s": round(validate_reference(args.repeat), 2),
    }
    if not args.skip_tests:
        # Targets (issue: test harness): the whole run under 4 minutes, the fast lane under 60 s.
        suite_s, suite_tests = test_suite()
        fast_s, fast_tests = test_suite("-m", "not e2e")
        measurements["test_suite_s"] = round(suite_s, 2)
        measurements["test_suite_tests"] = suite_tests
        measurements["fast_lane_s"] = round(fast_s, 2)
        measurements["fast_lane_tests"] = fast_tests
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
