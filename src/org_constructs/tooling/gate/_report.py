"""Findings of every checker in one shape, and the report's text, JSON, JUnit and SARIF forms."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

__all__ = ["SARIF_SCHEMA", "SEVERITIES", "Acknowledgement", "Finding", "Report", "ToolRun"]

SEVERITIES = ("error", "warning", "info")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
"""The schema ``Report.to_sarif`` writes to (SARIF 2.1.0, as GitHub code scanning reads it)."""
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
"""A finding's severity as a SARIF result ``level``."""
TOOL_HOMES = {
    "synth": "https://docs.aws.amazon.com/cdk/v2/guide/cli.html",
    "cdk-nag": "https://github.com/cdklabs/cdk-nag",
    "cfn-lint": "https://github.com/aws-cloudformation/cfn-lint",
    "checkov": "https://www.checkov.io",
    "cfn-guard": "https://github.com/aws-cloudformation/cloudformation-guard",
    "ruff": "https://docs.astral.sh/ruff/",
}
"""Each checker's home page (SARIF ``tool.driver.informationUri``)."""
RULE_HELP = {"cdk-nag": "https://github.com/cdklabs/cdk-nag/blob/main/RULES.md"}
"""Where a checker documents its rules, when its findings carry no link of their own."""


@dataclass(frozen=True)
class Finding:
    """One rule of one tool failing on one resource (or one line of code)."""

    tool: str
    rule: str
    severity: str
    stack: str
    resource: str
    """Construct path, logical id or ``file:line``."""
    message: str
    fix: str = ""
    acknowledged: str | None = None
    """The reason, when an acknowledgement covers this finding."""
    file: str = ""
    """The file it points at, relative to the app folder: the stack's template, or the source
    file of a ``file:line`` finding; ``''`` when unknown."""
    line: int = 0
    """The line in ``file`` (the resource's entry in a template); 0 when unknown."""
    logical_id: str = ""
    """The resource's logical id in the template, when known."""
    stage: str = ""
    """The stage of the stack it is in (the stack's ``Environment`` tag, which
    ``AbstractStack`` sets); ``''`` when unknown."""
    place: str = ""
    """Where it is, the same in every stage: the stack's name with its stage written ``*``,
    and the path inside the stack (``Orders-*-Data/Table``); ``''`` when unknown."""

    @property
    def blocking(self) -> bool:
        """An unacknowledged error: it fails the gate."""
        return self.severity == "error" and self.acknowledged is None


@dataclass(frozen=True)
class Acknowledgement:
    """An acknowledgement (or checkov skip) found in the cloud assembly."""

    tool: str
    rule: str
    where: str
    reason: str
    source: str = "app"
    """``'app'`` for the app's own, ``'org-constructs'`` for the library's."""


@dataclass(frozen=True)
class ToolRun:
    """What happened when one tool ran."""

    tool: str
    status: str
    """``'passed'``, ``'failed'`` (findings that block), ``'error'`` (the tool could not run)
    or ``'skipped'`` (``--skip``)."""
    seconds: float = 0.0
    detail: str = ""


@dataclass
class Report:
    """Everything ``org-cdk validate`` found for one app and stage."""

    app: str
    stage: str | None
    packs: tuple[str, ...] = ()
    findings: list[Finding] = field(default_factory=list)
    runs: list[ToolRun] = field(default_factory=list)
    stale: list[Acknowledgement] = field(default_factory=list)
    rules_not_run: dict[str, str] = field(default_factory=dict)
    """Rules left out on purpose, with the reason."""
    seconds: float = 0.0

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def stages(self) -> tuple[str, ...]:
        """The stages the findings are in, in ``STAGE_ORDER`` (empty when unknown)."""
        found = {f.stage for f in self.findings if f.stage}
        return tuple(sorted(found, key=_stage_rank))

    def stage_differences(self) -> dict[str, list[Finding]]:
        """For each stage, its findings that another stage of the run does not have.

        Two findings are the same across stages when tool, rule and place agree (the place is
        the stack's name with the stage written ``*`` and the path inside the stack), whether
        acknowledged or not; so a log group whose dev retention is acknowledged in dev only,
        or a rule that fails in production only, shows here. Empty with fewer than two stages.
        """
        stages = self.stages
        if len(stages) < 2:
            return {}
        seen: dict[str, set[tuple[str, str, str]]] = {stage: set() for stage in stages}
        for f in self.findings:
            if f.stage and f.place:
                seen[f.stage].add((f.tool, f.rule, f.place))
        everywhere = set.intersection(*seen.values())
        return {
            stage: sorted(
                (
                    f
                    for f in self.findings
                    if f.stage == stage and f.place and (f.tool, f.rule, f.place) not in everywhere
                ),
                key=_order,
            )
            for stage in stages
        }

    @property
    def passed(self) -> bool:
        return not self.blocking and all(r.status in ("passed", "skipped") for r in self.runs)

    @property
    def exit_code(self) -> int:
        """0 when nothing blocks, 1 for unacknowledged errors, 3 when a tool could not run."""
        if any(r.status == "error" for r in self.runs):
            return 3
        return 1 if self.blocking else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "stage": self.stage,
            "packs": list(self.packs),
            "passed": self.passed,
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 2),
            "tools": [asdict(r) for r in self.runs],
            "findings": [asdict(f) for f in self.findings],
            "stale_acknowledgements": [asdict(a) for a in self.stale],
            "rules_not_run": self.rules_not_run,
            "stages": {
                stage: {
                    "findings": sum(f.stage == stage for f in self.findings),
                    "blocking": sum(f.stage == stage and f.blocking for f in self.findings),
                    "only_in_this_stage": [asdict(f) for f in differing],
                }
                for stage, differing in self.stage_differences().items()
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        lines = [f"org-cdk validate {self.app}" + (f" (stage {self.stage})" if self.stage else "")]
        if self.packs:
            lines.append(f"cdk-nag packs: {', '.join(self.packs)}")
        lines.append("")
        for run in self.runs:
            counts = Counter(
                "acknowledged" if f.acknowledged else f.severity
                for f in self.findings
                if f.tool == run.tool
            )
            summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "clean"
            detail = f" - {run.detail}" if run.detail else ""
            lines.append(f"  {run.tool:<9} {run.status:<8} {run.seconds:5.1f}s  {summary}{detail}")
        open_findings = [f for f in self.findings if f.acknowledged is None]
        if open_findings:
            lines += ["", "Findings:"]
            for f in sorted(open_findings, key=_order):
                lines.append(f"  {f.severity.upper():<7} {f.tool} {f.rule}")
                lines.append(f"          {f.stack} {f.resource}".rstrip())
                lines.append(f"          {f.message}")
                if f.fix:
                    lines.append(f"          fix: {f.fix}")
        acknowledged = [f for f in self.findings if f.acknowledged]
        if acknowledged:
            lines += ["", f"Acknowledged ({len(acknowledged)}):"]
            for f in sorted(acknowledged, key=_order):
                lines.append(f"  {f.tool} {f.rule} {f.stack} {f.resource}")
                lines.append(f"          reason: {f.acknowledged}")
        differences = self.stage_differences()
        if differences:
            lines += ["", "By stage (findings the other stages do not have):"]
            for stage, differing in differences.items():
                here = [f for f in self.findings if f.stage == stage]
                blocking = sum(f.blocking for f in here)
                lines.append(
                    f"  {stage:<11} {len(here)} finding(s), {blocking} blocking, "
                    f"{len(differing)} not in every stage"
                )
                for f in differing:
                    state = f"acknowledged: {f.acknowledged}" if f.acknowledged else f.severity
                    lines.append(f"          {f.tool} {f.rule} {f.place} ({state})")
        if self.stale:
            lines += ["", f"Acknowledgements that match no finding ({len(self.stale)}):"]
            for a in self.stale:
                lines.append(f"  {a.tool} {a.rule} at {a.where} ({a.source}): {a.reason}")
        if self.rules_not_run:
            lines += ["", "Rules not run:"]
            lines += [f"  {rule}: {reason}" for rule, reason in self.rules_not_run.items()]
        verdict = "PASSED" if self.passed else "FAILED"
        reasons = []
        if self.blocking:
            reasons.append(f"{len(self.blocking)} unacknowledged error(s)")
        reasons += [f"{r.tool} could not run" for r in self.runs if r.status == "error"]
        lines += [
            "",
            f"{verdict} in {self.seconds:.1f}s" + (f": {'; '.join(reasons)}" if reasons else ""),
        ]
        return "\n".join(lines)

    def to_junit(self) -> str:
        suites = ET.Element("testsuites", name="org-cdk validate", time=f"{self.seconds:.2f}")
        for run in self.runs:
            findings = [f for f in self.findings if f.tool == run.tool]
            suite = ET.SubElement(
                suites,
                "testsuite",
                name=run.tool,
                tests=str(max(len(findings), 1)),
                failures=str(sum(f.blocking for f in findings)),
                errors=str(int(run.status == "error")),
                skipped=str(sum(not f.blocking for f in findings)),
                time=f"{run.seconds:.2f}",
            )
            if run.status == "error":
                case = ET.SubElement(suite, "testcase", classname=run.tool, name="run")
                ET.SubElement(case, "error", message=run.detail)
            elif not findings:
                case = ET.SubElement(suite, "testcase", classname=run.tool, name=run.status)
                if run.status == "skipped":
                    ET.SubElement(case, "skipped", message=run.detail or "skipped")
            for f in findings:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=f"{run.tool}.{f.stack}",
                    name=f"{f.rule} {f.resource}",
                )
                if f.blocking:
                    failure = ET.SubElement(case, "failure", message=f.message, type=f.severity)
                    failure.text = f.fix
                else:
                    reason = f.acknowledged or f"{f.severity}: {f.message}"
                    ET.SubElement(case, "skipped", message=reason)
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True)

    def to_sarif(self, root: Path | None = None) -> str:
        """SARIF 2.1.0 for GitHub code scanning: one run per checker that ran.

        A checker that was skipped or could not run has no run, so that code scanning keeps
        its earlier alerts open instead of closing them. Acknowledged findings are results
        with an ``inSource`` suppression whose justification is the reason.

        Parameters
        ----------
        root
            The folder that result locations are relative to. Default: - the git repository
            that holds the app (the nearest parent folder with ``.git``), else the app folder.

        Example
        -------
        ``Path("validate.sarif").write_text(run_validation(options).to_sarif())``, then
        ``github/codeql-action/upload-sarif`` with ``sarif_file: validate.sarif``.
        """
        app = Path(self.app).resolve()
        base = (root or _repository_root(app)).resolve()
        runs = []
        for run in self.runs:
            if run.status not in ("passed", "failed"):
                continue
            findings = [f for f in self.findings if f.tool == run.tool]
            rules: dict[str, dict[str, Any]] = {}
            for f in findings:
                rules.setdefault(f.rule, _sarif_rule(f))
            index = {rule: number for number, rule in enumerate(rules)}
            driver: dict[str, Any] = {"name": run.tool}
            if run.tool in TOOL_HOMES:
                driver["informationUri"] = TOOL_HOMES[run.tool]
            driver["rules"] = list(rules.values())
            sarif_run: dict[str, Any] = {
                "tool": {"driver": driver},
                "results": [
                    _sarif_result(f, index[f.rule], app, base) for f in sorted(findings, key=_order)
                ],
            }
            if self.stage:
                sarif_run["automationDetails"] = {"id": f"org-cdk-validate/{self.stage}/"}
            runs.append(sarif_run)
        return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}, indent=2)


def _is_link(text: str) -> bool:
    return text.startswith(("https://", "http://"))


def _sarif_rule(finding: Finding) -> dict[str, Any]:
    """A SARIF ``reportingDescriptor`` for the rule of ``finding`` (its first finding)."""
    rule: dict[str, Any] = {
        "id": finding.rule,
        "shortDescription": {"text": finding.message or finding.rule},
    }
    link = finding.fix if _is_link(finding.fix) else RULE_HELP.get(finding.tool)
    if link:
        rule["helpUri"] = link
    if finding.fix and not _is_link(finding.fix):
        rule["help"] = {"text": finding.fix}
    return rule


def _sarif_result(finding: Finding, index: int, app: Path, base: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": SARIF_LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.message or finding.rule},
    }
    location: dict[str, Any] = {}
    if finding.file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(app / finding.file, base)}}
        if finding.line:
            physical["region"] = {"startLine": finding.line}
        location["physicalLocation"] = physical
    if finding.stack or finding.logical_id:
        location["logicalLocations"] = [
            {
                "name": finding.logical_id or finding.resource.rsplit("/", 1)[-1],
                "fullyQualifiedName": finding.resource,
                "kind": "resource",
            }
        ]
    if location:
        result["locations"] = [location]
    if finding.acknowledged is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": finding.acknowledged}]
    return result


def _uri(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` (POSIX), or a ``file:`` URI when it lies outside."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(base).as_posix()
    except ValueError:
        return resolved.as_uri()


def _repository_root(folder: Path) -> Path:
    """The nearest folder from ``folder`` up that holds ``.git``, else ``folder``."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


STAGE_ORDER = ("dev", "staging", "production")
"""The stages in the order the report lists them; any other name comes after, by name."""


def _stage_rank(stage: str) -> tuple[int, str]:
    return (STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER), stage)


def _order(finding: Finding) -> tuple[int, str, str, str, str]:
    rank = SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else 3
    return (rank, finding.tool, finding.stack, finding.resource, finding.rule)
