"""Synthesize once, run every checker (concurrently where they can), pair findings with
acknowledgements, and build one report."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from org_constructs.contract import (
    AUDIT_CONTEXT,
    LIBRARY_SOURCE,
    NAG_PACKS,
    NAG_SUMMARY_ENVIRONMENT,
    NAG_SUMMARY_FILE,
    PACKS_CONTEXT,
    RULES_CONTEXT,
    STAGE_CONTEXT,
    VALIDATION_REPORT_CONTEXT,
)
from org_constructs.tooling.gate import _tools
from org_constructs.tooling.gate._assembly import Assembly, AssemblyStack
from org_constructs.tooling.gate._report import Acknowledgement, Finding, Report, ToolRun

__all__ = [
    "TOOLS",
    "Progress",
    "ProgressEvent",
    "ValidateOptions",
    "cdk_command",
    "rules_in_cdk_json",
    "run_validation",
    "synth",
    "synth_warnings",
]

TOOLS = ("cdk-nag", "cfn-lint", "checkov", "cfn-guard", "ruff")
"""Every checker, in report order."""

ProgressState = Literal["running", "done", "error", "skipped"]


@dataclass(frozen=True)
class ProgressEvent:
    """The synthesis or one checker starting, finishing, failing to run, or left out.

    ``run_validation`` reports each as it happens (from the checkers' threads, one at a time);
    ``str()`` of one is the line ``org-cdk validate`` prints where stderr is not a terminal.
    """

    tool: str
    """``'synth'`` or one of ``TOOLS``."""
    state: ProgressState
    detail: str = ""
    """What it is doing (running), why it could not run (error) or why it is left out."""
    seconds: float = 0.0
    """How long it took (done, error)."""
    findings: int = 0
    """How many findings it reported (done)."""

    def __str__(self) -> str:
        if self.state == "running":
            return f"{self.tool}: {self.detail}"
        if self.state == "done":
            return f"{self.tool}: {self.findings} finding(s) in {self.seconds:.1f}s"
        if self.state == "error":
            return f"{self.tool}: could not run"
        return f"{self.tool}: skipped ({self.detail})"


Progress = Callable[[ProgressEvent], None]
"""What ``run_validation`` reports progress to."""
Outcome = tuple[list[Finding], float, str | None]
"""A checker's findings, its seconds, and why it could not run (``None`` when it ran)."""


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
    rules: Sequence[Path] = ()
    """The organisation's own cfn-guard rules: ``.guard`` files or folders of them, run with
    the Control Tower rules, besides those the app's ``cdk.json`` lists under
    ``org-constructs:rules``."""

    @property
    def rule_paths(self) -> tuple[Path, ...]:
        """The organisation's rules: ``cdk.json``'s (relative to the app), then ``rules``."""
        return (*rules_in_cdk_json(self.app_dir), *self.rules)

    @property
    def guard_disabled(self) -> dict[str, str]:
        return {k: v for k, v in _tools.GUARD_DISABLED.items() if k not in self.guard_rules}

    @property
    def assembly_dir(self) -> Path:
        return (self.output or self.app_dir / "cdk.out").resolve()


def rules_in_cdk_json(app_dir: Path) -> tuple[Path, ...]:
    """The rule paths the app's ``cdk.json`` lists under ``context`` ``org-constructs:rules``
    (a path or a list of them, relative to the app folder).

    Raises
    ------
    ToolError
        When ``cdk.json`` does not parse or the key holds anything but paths.
    """
    entry = app_dir / "cdk.json"
    if not entry.is_file():
        return ()
    try:
        settings = json.loads(entry.read_text())
    except ValueError as error:
        raise _tools.ToolError(f"{entry} is not JSON: {error}") from None
    context = settings.get("context") if isinstance(settings, dict) else None
    value = context.get(RULES_CONTEXT) if isinstance(context, dict) else None
    if value is None:
        return ()
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise _tools.ToolError(
            f"{entry}: context {RULES_CONTEXT!r} must be a path or a list of paths to .guard "
            f"files or folders, relative to the app; got {value!r}"
        )
    return tuple(app_dir / v for v in values)


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
    """Run the gate and return its report (see ``Report.exit_code``).

    ``progress`` gets a ``ProgressEvent`` as the synthesis and each checker starts and ends
    (never two at once, though the checkers run concurrently).
    """
    lock = threading.Lock()

    def say(event: ProgressEvent) -> None:
        if progress is not None:
            with lock:
                progress(event)

    started = time.monotonic()
    report = Report(app=str(options.app_dir), stage=options.stage)
    skipped = set(options.skip)
    for tool in TOOLS:
        if tool in skipped:
            say(ProgressEvent(tool, "skipped", "--skip"))
    rules: list[Path] = []
    if "cfn-guard" not in skipped:
        try:
            # Before the synthesis: a rule file that does not parse stops the gate at once.
            rules = _tools.check_guard_rules(options.rule_paths)
        except _tools.ToolError as error:
            report.runs.append(ToolRun("cfn-guard", "error", 0.0, str(error)))
            say(ProgressEvent("cfn-guard", "error", str(error)))
            return _finish(report, {}, {}, started)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures: dict[str, Future[Outcome]] = {}
        if "ruff" not in skipped:
            say(ProgressEvent("ruff", "running", "scanning the app's Python code"))
            futures["ruff"] = pool.submit(_timed, "ruff", say, _tools.run_ruff, options.app_dir)
        say(ProgressEvent("synth", "running", "cdk synth (cdk-nag runs inside it)"))
        synth_started = time.monotonic()
        try:
            result = synth(options, audit=True)
        except (_tools.ToolError, OSError) as error:
            report.runs.append(ToolRun("synth", "error", 0.0, str(error)))
            say(ProgressEvent("synth", "error", str(error)))
            return _finish(report, futures, {}, started)
        synth_seconds = time.monotonic() - synth_started
        assembly_ok = (options.assembly_dir / "manifest.json").exists()
        nag_ran = (options.assembly_dir / NAG_SUMMARY_FILE).exists() or (
            options.assembly_dir / _tools.NAG_REPORT
        ).exists()
        if result.returncode != 0 and not (assembly_ok and nag_ran):
            detail = _tools._tail(result.stderr or result.stdout, 12)
            report.runs.append(ToolRun("synth", "error", synth_seconds, detail))
            say(ProgressEvent("synth", "error", detail, synth_seconds))
            return _finish(report, futures, {}, started)
        report.runs.append(ToolRun("synth", "passed", synth_seconds))
        assembly = Assembly.read(options.assembly_dir)
        warnings = synth_warnings(result.stderr, assembly)
        report.findings.extend(warnings)
        say(ProgressEvent("synth", "done", seconds=synth_seconds, findings=len(warnings)))
        templates = len(assembly.stacks)
        if "cfn-lint" not in skipped:
            say(ProgressEvent("cfn-lint", "running", f"checking {templates} template(s)"))
            futures["cfn-lint"] = pool.submit(
                _timed, "cfn-lint", say, _tools.run_cfn_lint, assembly
            )
        if "cfn-guard" not in skipped:
            own = f" and {len(rules)} organisation rule file(s)" if rules else ""
            say(
                ProgressEvent(
                    "cfn-guard", "running", f"Control Tower rules{own} on {templates} template(s)"
                )
            )
            futures["cfn-guard"] = pool.submit(
                _timed,
                "cfn-guard",
                say,
                _tools.run_cfn_guard,
                assembly,
                None,
                tuple(options.guard_disabled),
                tuple(rules),
            )
        if "checkov" not in skipped:
            say(ProgressEvent("checkov", "running", f"checking {templates} template(s)"))
            futures["checkov"] = pool.submit(_timed, "checkov", say, _checkov, assembly)
        extra: dict[str, Outcome] = {}
        if "cdk-nag" not in skipped:
            found, seconds, problem = _nag(assembly, options, report, synth_seconds)
            extra["cdk-nag"] = (found, seconds, problem)
            say(
                ProgressEvent("cdk-nag", "error", problem, seconds)
                if problem
                else ProgressEvent("cdk-nag", "done", seconds=seconds, findings=len(found))
            )
        report = _finish(report, futures, extra, started)
        _pair(report, assembly, skipped)
        report.findings = _locate(report.findings, assembly, options.app_dir)
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


def _timed(
    tool: str, say: Progress, check: Callable[..., list[Finding]], *arguments: object
) -> Outcome:
    """Run one checker (in a worker thread), timing it and reporting when it ends."""
    started = time.monotonic()
    problem: str | None = None
    try:
        found = check(*arguments)
    except _tools.ToolError as failure:
        found, problem = [], str(failure)
    seconds = time.monotonic() - started
    if problem is None:
        say(ProgressEvent(tool, "done", seconds=seconds, findings=len(found)))
    else:
        say(ProgressEvent(tool, "error", problem, seconds))
    return found, seconds, problem


def _checkov(assembly: Assembly) -> list[Finding]:
    failed, skips = _tools.run_checkov(assembly)
    return [*failed, *skips]


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


def _nag(assembly: Assembly, options: ValidateOptions, report: Report, seconds: float) -> Outcome:
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
    futures: dict[str, Future[Outcome]],
    extra: dict[str, Outcome],
    started: float,
) -> Report:
    results = dict(extra)
    for tool, future in futures.items():
        results[tool] = future.result()
    for tool, (found, seconds, problem) in results.items():
        report.findings.extend(found)
        report.runs.append(ToolRun(tool, "error" if problem else "passed", seconds, problem or ""))
    report.seconds = time.monotonic() - started
    return report


FILE_LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+)$")
RESOURCE_KEY = re.compile(r'^"(?P<id>[^"]+)": \{$')


def _locate(findings: list[Finding], assembly: Assembly, app_dir: Path) -> list[Finding]:
    """Each finding with the file, line and logical id it points at (SARIF's locations)."""
    app = app_dir.resolve()
    stacks = {stack.name: stack for stack in assembly.stacks}
    lines: dict[str, dict[str, int]] = {}
    located = []
    for finding in findings:
        stack = stacks.get(finding.stack)
        code = FILE_LINE.match(finding.resource)
        if stack is None and code and not finding.stack:
            located.append(replace(finding, file=code["file"], line=int(code["line"])))
            continue
        if stack is None:
            entry = app / "cdk.json"
            located.append(replace(finding, file="cdk.json") if entry.is_file() else finding)
            continue
        by_path = {path: logical_id for logical_id, path in stack.path_of.items()}
        logical_id = by_path.get(finding.resource) or by_path.get(finding.resource + "/Resource")
        if logical_id is None and finding.resource in stack.resources:
            logical_id = finding.resource
        if stack.name not in lines:
            lines[stack.name] = _resource_lines(stack.template_path)
        template = stack.template_path.resolve()
        stage = stack.tags.get(STAGE_TAG, "")
        located.append(
            replace(
                finding,
                file=template.relative_to(app).as_posix()
                if template.is_relative_to(app)
                else str(template),
                line=lines[stack.name].get(logical_id or "", 0),
                logical_id=logical_id or "",
                stage=stage,
                place=_place(stack, stage, finding.resource),
            )
        )
    return located


STAGE_TAG = "Environment"
"""The stack tag naming its stage, which ``AbstractStack`` sets."""


def _place(stack: AssemblyStack, stage: str, resource: str) -> str:
    """``resource`` in ``stack`` written the same for every stage: ``Orders-*-Data/Table``."""
    prefix = stack.construct_path
    inside = resource[len(prefix) :].lstrip("/") if resource.startswith(prefix) else resource
    name = stack.name
    if stage:
        name = re.sub(rf"(?<![A-Za-z0-9]){re.escape(stage)}(?![A-Za-z0-9])", "*", name, flags=re.I)
    return f"{name}/{inside}" if inside else name


def _resource_lines(template: Path) -> dict[str, int]:
    """The line of each resource's entry in a template as ``cdk synth`` writes it."""
    found: dict[str, int] = {}
    try:
        text = template.read_text()
    except OSError:
        return found
    inside: int | None = None
    depth = -1
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        indent = len(line) - len(line.lstrip())
        if inside is None:
            if entry == '"Resources": {':
                inside = indent
            continue
        if depth < 0:
            depth = indent
        if indent < depth:
            break
        key = RESOURCE_KEY.match(entry)
        if indent == depth and key:
            found[key["id"]] = number
    return found


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
