"""Synthesize once, run every checker (concurrently where they can), pair findings with
acknowledgements, and build one report."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from org_constructs.contract import (
    AUDIT_CONTEXT,
    LIBRARY_SOURCE,
    NAG_PACKS,
    NAG_SUMMARY_ENVIRONMENT,
    NAG_SUMMARY_FILE,
    PACKS_CONTEXT,
    STAGE_CONTEXT,
    VALIDATION_REPORT_CONTEXT,
)
from org_constructs.tooling.gate import _tools
from org_constructs.tooling.gate._assembly import Assembly
from org_constructs.tooling.gate._report import Acknowledgement, Finding, Report, ToolRun

__all__ = [
    "TOOLS",
    "ValidateOptions",
    "cdk_command",
    "run_validation",
    "synth",
    "synth_warnings",
]

TOOLS = ("cdk-nag", "cfn-lint", "checkov", "cfn-guard", "ruff")
"""Every checker, in report order."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ValidateOptions:
    """What ``org-cdk validate`` was asked to do."""

    app_dir: Path
    stage: str | None = None
    packs: Sequence[str] | None = None
    skip: Sequence[str] = ()
    output: Path | None = None
    context: dict[str, str] = field(default_factory=dict)
    guard_rules: Sequence[str] = ()
    """Control Tower controls to run although ``GUARD_DISABLED`` leaves them out."""

    @property
    def guard_disabled(self) -> dict[str, str]:
        return {k: v for k, v in _tools.GUARD_DISABLED.items() if k not in self.guard_rules}

    @property
    def assembly_dir(self) -> Path:
        return (self.output or self.app_dir / "cdk.out").resolve()


def cdk_command() -> list[str]:
    """How to start the CDK CLI: ``$ORG_CDK_CDK``, ``cdk`` on PATH, or ``npx aws-cdk``."""
    configured = os.environ.get("ORG_CDK_CDK")
    if configured:
        return configured.split()
    found = shutil.which("cdk")
    if found:
        return [found]
    npx = shutil.which("npx")
    if npx:
        return [npx, "--yes", "aws-cdk"]
    raise _tools.ToolError("the AWS CDK CLI is not installed: npm install -g aws-cdk")


def synth(options: ValidateOptions, *, audit: bool) -> subprocess.CompletedProcess[str]:
    """``cdk synth`` of the app, writing the nag report (and, under audit, acknowledgements)."""
    context = {VALIDATION_REPORT_CONTEXT: "true", **options.context}
    if audit:
        context[AUDIT_CONTEXT] = "true"
    if options.stage:
        context[STAGE_CONTEXT] = options.stage
    if options.packs is not None:
        context[PACKS_CONTEXT] = ",".join(options.packs)
    command = [
        *cdk_command(),
        "synth",
        "--quiet",
        "--no-notices",
        "--output",
        str(options.assembly_dir),
    ]
    for key, value in context.items():
        command += ["--context", f"{key}={value}"]
    shutil.rmtree(options.assembly_dir, ignore_errors=True)
    return subprocess.run(  # noqa: S603 - the CDK CLI with fixed arguments
        command,
        cwd=options.app_dir,
        env={
            **os.environ,
            "CDK_DISABLE_CLI_TELEMETRY": "true",
            NAG_SUMMARY_ENVIRONMENT: str((options.assembly_dir / NAG_SUMMARY_FILE).resolve()),
        },
        capture_output=True,
        text=True,
        check=False,
    )


def run_validation(options: ValidateOptions, progress: Progress | None = None) -> Report:
    """Run the gate and return its report (see ``Report.exit_code``)."""
    say = progress or (lambda _message: None)
    started = time.monotonic()
    report = Report(app=str(options.app_dir), stage=options.stage)
    skipped = set(options.skip)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures: dict[str, tuple[Future[list[Finding]], float]] = {}
        if "ruff" not in skipped:
            say("ruff: scanning the app's Python code")
            futures["ruff"] = (pool.submit(_tools.run_ruff, options.app_dir), time.monotonic())
        say("synth: cdk synth (cdk-nag runs inside it)")
        synth_started = time.monotonic()
        try:
            result = synth(options, audit=True)
        except (_tools.ToolError, OSError) as error:
            report.runs.append(ToolRun("synth", "error", 0.0, str(error)))
            return _finish(report, futures, {}, started, say)
        synth_seconds = time.monotonic() - synth_started
        assembly_ok = (options.assembly_dir / "manifest.json").exists()
        nag_ran = (options.assembly_dir / NAG_SUMMARY_FILE).exists() or (
            options.assembly_dir / _tools.NAG_REPORT
        ).exists()
        if result.returncode != 0 and not (assembly_ok and nag_ran):
            detail = _tools._tail(result.stderr or result.stdout, 12)
            report.runs.append(ToolRun("synth", "error", synth_seconds, detail))
            return _finish(report, futures, {}, started, say)
        report.runs.append(ToolRun("synth", "passed", synth_seconds))
        say(f"synth: done in {synth_seconds:.1f}s")
        assembly = Assembly.read(options.assembly_dir)
        report.findings.extend(synth_warnings(result.stderr, assembly))
        if "cfn-lint" not in skipped:
            say(f"cfn-lint: checking {len(assembly.stacks)} template(s)")
            futures["cfn-lint"] = (pool.submit(_tools.run_cfn_lint, assembly), time.monotonic())
        if "cfn-guard" not in skipped:
            say(f"cfn-guard: Control Tower rules on {len(assembly.stacks)} template(s)")
            futures["cfn-guard"] = (
                pool.submit(_tools.run_cfn_guard, assembly, None, tuple(options.guard_disabled)),
                time.monotonic(),
            )
        checkov: Future[tuple[list[Finding], list[Finding]]] | None = None
        checkov_started = time.monotonic()
        if "checkov" not in skipped:
            say(f"checkov: checking {len(assembly.stacks)} template(s)")
            checkov = pool.submit(_tools.run_checkov, assembly)
        extra: dict[str, tuple[list[Finding], float, str | None]] = {}
        if checkov is not None:
            try:
                failed, skips = checkov.result()
                extra["checkov"] = ([*failed, *skips], time.monotonic() - checkov_started, None)
            except _tools.ToolError as error:
                extra["checkov"] = ([], time.monotonic() - checkov_started, str(error))
        if "cdk-nag" not in skipped:
            extra["cdk-nag"] = _nag(assembly, options, report, synth_seconds)
        report = _finish(report, futures, extra, started, say)
        _pair(report, assembly, skipped)
        for tool in TOOLS:
            if tool in skipped:
                report.runs.append(ToolRun(tool, "skipped", 0.0, "--skip"))
        report.runs.sort(key=lambda r: (["synth", *TOOLS].index(r.tool), r.tool))
        report.runs = [_status(r, report.findings) for r in report.runs]
        if "cfn-guard" not in skipped and options.guard_disabled:
            report.rules_not_run = {
                f"cfn-guard {rule}": reason for rule, reason in options.guard_disabled.items()
            }
        report.seconds = time.monotonic() - started
    return report


SYNTH_WARNING = re.compile(
    r"^\[Warning at (?P<path>\S+)\] (?P<message>.*?)(?: \[ack: (?P<id>[^\]]+)\])?$"
)


def synth_warnings(stderr: str, assembly: Assembly) -> list[Finding]:
    """The warning annotations ``cdk synth`` printed (``[Warning at /Stack/Path] ...``)."""
    findings = []
    for line in stderr.splitlines():
        match = SYNTH_WARNING.match(line.strip())
        if match:
            path = match["path"].lstrip("/")
            findings.append(
                Finding(
                    tool="synth",
                    rule=match["id"] or "annotation",
                    severity="warning",
                    stack=assembly.stack_of_path(path),
                    resource=path,
                    message=match["message"],
                )
            )
    return findings


def _nag(
    assembly: Assembly, options: ValidateOptions, report: Report, seconds: float
) -> tuple[list[Finding], float, str | None]:
    summary_path = options.assembly_dir / NAG_SUMMARY_FILE
    if not summary_path.exists():
        return (
            [],
            0.0,
            "the app declares no cdk-nag packs: call org_constructs.compliance.apply_nag_packs"
            "(app, [...]) or pass --packs",
        )
    declared = json.loads(summary_path.read_text())
    report.packs = tuple(p for p in NAG_PACKS if any(p in d["packs"] for d in declared))
    return _tools.read_nag_report(assembly), seconds, None


def _finish(
    report: Report,
    futures: dict[str, tuple[Future[list[Finding]], float]],
    extra: dict[str, tuple[list[Finding], float, str | None]],
    started: float,
    say: Progress,
) -> Report:
    results = dict(extra)
    for tool, (future, tool_started) in futures.items():
        try:
            findings = future.result()
            results[tool] = (findings, time.monotonic() - tool_started, None)
        except _tools.ToolError as failure:
            results[tool] = ([], time.monotonic() - tool_started, str(failure))
    for tool, (found, seconds, problem) in results.items():
        report.findings.extend(found)
        report.runs.append(ToolRun(tool, "error" if problem else "passed", seconds, problem or ""))
        say(f"{tool}: {'could not run' if problem else f'{len(found)} finding(s)'}")
    report.seconds = time.monotonic() - started
    return report


def _status(run: ToolRun, findings: list[Finding]) -> ToolRun:
    if run.status != "passed":
        return run
    blocking = any(f.blocking for f in findings if f.tool == run.tool)
    return ToolRun(run.tool, "failed" if blocking else "passed", run.seconds, run.detail)


def _normal(rule: str) -> str:
    for prefix in ("Annotation::", "annotation::", "cdk-nag::"):
        rule = rule.removeprefix(prefix)
    return rule


def _covers(where: str, resource: str) -> bool:
    return resource == where or resource.startswith(where + "/")


def _pair(report: Report, assembly: Assembly, skipped: set[str]) -> None:
    """Mark findings covered by an acknowledgement; list acknowledgements that cover nothing."""
    acknowledgements = assembly.acknowledgements()
    # The library's own first: an app acknowledgement of a finding the library already
    # justifies is left over, and listed, so the app can delete it.
    candidates = sorted(
        enumerate(acknowledgements), key=lambda item: item[1][0].source != LIBRARY_SOURCE
    )
    used: set[int] = set()
    paired: list[Finding] = []
    for finding in report.findings:
        reason = finding.acknowledged
        if reason is None:
            for index, (ack, kind) in candidates:
                tool = "cdk-nag" if kind == "audit" else ack.tool
                if (
                    kind in ("audit", "template")
                    and tool == finding.tool
                    and _normal(ack.rule) == finding.rule
                    and _covers(ack.where, finding.resource)
                ):
                    used.add(index)
                    reason = ack.reason
                    break
        paired.append(
            finding
            if reason == finding.acknowledged
            else Finding(**{**finding.__dict__, "acknowledged": reason})
        )
    report.findings = paired
    ran_packs = set(report.packs)
    for index, (ack, kind) in enumerate(acknowledgements):
        if index in used or ack.source == LIBRARY_SOURCE:
            # The library acknowledges what its constructs may raise under any settings and
            # packs; one that covers nothing in this app is not the app's to delete.
            continue
        if kind == "audit" and ack.rule.split("-", 1)[0] in ran_packs and "cdk-nag" not in skipped:
            report.stale.append(ack)
        elif kind == "template" and ack.tool not in skipped:
            report.stale.append(
                Acknowledgement(ack.tool, ack.rule, ack.where, ack.reason, ack.source)
            )
