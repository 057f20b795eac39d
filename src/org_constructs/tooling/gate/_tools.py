"""Each checker run on the cloud assembly (or the app's code), its output read into findings."""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from org_constructs.contract import CHECKOV_VERSION
from org_constructs.errors import ToolError
from org_constructs.tooling.gate._assembly import Assembly
from org_constructs.tooling.gate._report import Finding

__all__ = [
    "ToolError",
    "cfn_guard_binary",
    "check_guard_rules",
    "checkov_command",
    "read_nag_report",
    "run_cfn_guard",
    "run_cfn_lint",
    "run_checkov",
    "run_ruff",
]

NAG_REPORT = "policy-validation-report.json"


def read_nag_report(assembly: Assembly) -> list[Finding]:
    """The cdk-nag findings that synthesis wrote (``@aws-cdk/core:validationReportJson``)."""
    path = assembly.directory / NAG_REPORT
    if not path.exists():
        return []
    report = json.loads(path.read_text())
    findings = []
    for plugin in report.get("pluginReports", []):
        name = plugin.get("summary", {}).get("pluginName", "")
        for violation in plugin.get("violations", []):
            for resource in violation.get("violatingResources", []):
                where = resource.get("constructPath") or resource.get("resourceLogicalId", "")
                findings.append(
                    Finding(
                        tool="cdk-nag" if name == "cdk-nag" else name,
                        rule=violation["ruleName"],
                        severity=violation.get("severity") or "error",
                        stack=assembly.stack_of_path(where),
                        resource=where,
                        message=violation.get("description", ""),
                        fix=violation.get("fix") or "",
                    )
                )
    return findings


def run_cfn_lint(assembly: Assembly) -> list[Finding]:
    """cfn-lint over every template, in a process of its own."""
    if importlib.util.find_spec("cfnlint") is None:
        raise ToolError("cfn-lint is not installed: pip install 'org-constructs[validate]'")
    by_file = {str(s.template_path.resolve()): s for s in assembly.stacks}
    templates = list(by_file)
    if not templates:
        return []
    result = _run(
        [
            sys.executable,
            "-c",
            "import sys; from cfnlint.runner import main; sys.exit(main())",
            "--format",
            "json",
            "--",
            *templates,
        ]
    )
    if result.returncode not in (0, 2, 4, 6, 8, 10, 12, 14) or not result.stdout.strip():
        if result.returncode == 0:
            return []
        raise ToolError(f"cfn-lint exited {result.returncode}: {_tail(result.stderr)}")
    findings = []
    for item in json.loads(result.stdout):
        stack = by_file.get(str(Path(item["Filename"]).resolve()))
        path = item.get("Location", {}).get("Path") or []
        logical_id = str(path[1]) if len(path) > 1 and path[0] == "Resources" else ""
        level = str(item.get("Level", "Error")).lower()
        findings.append(
            Finding(
                tool="cfn-lint",
                rule=item["Rule"]["Id"],
                severity={"informational": "info"}.get(level, level),
                stack=stack.name if stack else item["Filename"],
                resource=stack.where(logical_id)
                if stack and logical_id
                else "/".join(map(str, path)),
                message=item.get("Message", ""),
                fix=item["Rule"].get("Source", ""),
            )
        )
    return findings


CHECKOV_OPTIONS = (
    "--framework",
    "cloudformation",
    "--output",
    "json",
    "--skip-download",
    "--compact",
)
"""CloudFormation checks only, JSON out, nothing downloaded from the checkov platform."""
CHECKOV_ENV = {"BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}


def checkov_command() -> list[str] | None:
    """How to start checkov: ``$ORG_CDK_CHECKOV``, or ``checkov`` on PATH."""
    configured = os.environ.get("ORG_CDK_CHECKOV")
    if configured:
        return [configured]
    found = shutil.which("checkov")
    return [found] if found else None


def run_checkov(assembly: Assembly) -> tuple[list[Finding], list[Finding]]:
    """checkov's CloudFormation checks, no downloads; returns (failed, skipped with reason)."""
    command = checkov_command()
    if command is None:
        raise ToolError(
            "checkov is not installed. It pins versions of boto3 and packaging that conflict "
            "with most environments, so install it in its own: "
            f"`pipx install checkov=={CHECKOV_VERSION}` or "
            f"`uv tool install checkov=={CHECKOV_VERSION}` (or set ORG_CDK_CHECKOV), or pass "
            "--skip checkov"
        )
    by_file = {str(s.template_path.resolve()): s for s in assembly.stacks}
    if not by_file:
        return [], []
    arguments = [f"--file={t}" for t in by_file]
    result = _run([*command, *arguments, *CHECKOV_OPTIONS], env={**os.environ, **CHECKOV_ENV})
    if result.returncode not in (0, 1):
        raise ToolError(f"checkov exited {result.returncode}: {_tail(result.stderr)}")
    output = json.loads(result.stdout) if result.stdout.strip() else []
    reports = output if isinstance(output, list) else [output]
    failed: list[Finding] = []
    skipped: list[Finding] = []
    for report in reports:
        results = report.get("results", {}) if isinstance(report, dict) else {}
        for key, bucket in (("failed_checks", failed), ("skipped_checks", skipped)):
            for check in results.get(key, []):
                stack = by_file.get(str(Path(check["file_abs_path"]).resolve()))
                logical_id = str(check.get("resource", "")).split(".", 1)[-1]
                bucket.append(
                    Finding(
                        tool="checkov",
                        rule=check["check_id"],
                        severity="error",
                        stack=stack.name if stack else check.get("file_path", ""),
                        resource=stack.where(logical_id) if stack else logical_id,
                        message=check.get("check_name", ""),
                        fix=check.get("guideline") or "",
                        acknowledged=(
                            (check.get("check_result", {}).get("suppress_comment") or "skipped")
                            if key == "skipped_checks"
                            else None
                        ),
                    )
                )
    return failed, skipped


def cfn_guard_binary(cache: Path | None = None) -> tuple[Path, Path]:
    """The cfn-guard binary and the Control Tower rules shipped in cdk-validator-cfnguard.

    The PyPI package carries them inside its jsii bundle; they are unpacked once into
    ``~/.cache/org-constructs/cfn-guard/<version>``.
    """
    try:
        package = importlib.resources.files("cdklabs.cdk_validator_cfnguard._jsii")
    except ModuleNotFoundError:
        raise ToolError(
            "cfn-guard comes with cdklabs-cdk-validator-cfnguard: "
            "pip install 'org-constructs[validate]'"
        ) from None
    bundles = [p for p in package.iterdir() if p.name.endswith(".jsii.tgz")]
    if not bundles:
        raise ToolError("cdklabs-cdk-validator-cfnguard is installed without its bundle")
    bundle = bundles[0]
    version = bundle.name.removesuffix(".jsii.tgz").rsplit("@", 1)[-1]
    system = {"Linux": "ubuntu", "Darwin": "macos"}.get(platform.system())
    machine = {"x86_64": "x86_64", "AMD64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}
    arch = machine.get(platform.machine())
    if system is None or arch is None:
        raise ToolError(f"no cfn-guard binary for {platform.system()} {platform.machine()}")
    root = (cache or Path.home() / ".cache" / "org-constructs" / "cfn-guard") / version
    binary = root / "package" / "bin" / system / arch / "cfn-guard"
    rules = root / "package" / "rules" / "control-tower" / "cfn-guard"
    if not binary.exists() or not rules.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        with importlib.resources.as_file(bundle) as local, tarfile.open(local) as archive:
            members = [
                m
                for m in archive.getmembers()
                if m.name.startswith(("package/rules/", f"package/bin/{system}/{arch}/"))
            ]
            archive.extractall(root, members=members, filter="data")
        binary.chmod(0o755)
    return binary, rules


GUARD_DISABLED: dict[str, str] = {
    "CT.S3.PR.4": "S3 event notifications are a workload's choice, not a safeguard; "
    "SecureBucket turns them on with event_bridge_enabled=True",
    "CT.S3.PR.9": "Object Lock is for records that must not change (WORM); SecureBucket turns "
    "it on with object_lock_enabled=True where a retention rule requires it",
}
"""Control Tower rules ``org-cdk validate`` does not run by default, with the reason (listed in
every report; ``--guard-rule CT.S3.PR.4`` runs one anyway)."""

CT_MESSAGE = re.compile(r"\[(?P<control>CT\.[A-Z0-9.]+)\]:\s*(?P<title>[^\n]*)")
RULE_MESSAGE = re.compile(r"\[(?P<control>(?!FIX\])[A-Za-z0-9_.:-]+)\]:\s*(?P<title>[^\n]*)")
"""An organisation rule's id and title, as its custom message opens: ``[ORG.S3.1]: ...``."""
FIX_MESSAGE = re.compile(r"\[FIX\]:\s*(?P<fix>[^\n]*)")


def guard_rule_files(rules: Path, disabled: Iterable[str]) -> list[Path]:
    """The Control Tower rule files, less the ``disabled`` controls (``CT.S3.PR.4``)."""
    names = {f"ct-{c.lower().removeprefix('ct.').replace('.', '-')}" for c in disabled}
    return sorted(p for p in rules.rglob("*.guard") if p.stem not in names)


def check_guard_rules(paths: Iterable[Path], cache: Path | None = None) -> list[Path]:
    """The organisation's rule files: each ``.guard`` file given, and those under each folder.

    Every file is parsed by cfn-guard first, so that one that does not parse is reported by
    name, with cfn-guard's message, instead of failing the whole run.

    Raises
    ------
    ToolError
        For a path that does not exist, a folder without ``.guard`` files, or a file that does
        not parse.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob("*.guard"))
            if not found:
                raise ToolError(f"organisation rules: {path} holds no .guard file")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ToolError(f"organisation rules: {path} does not exist")
    if not files:
        return []
    binary, _ = cfn_guard_binary(cache)
    for rule_file in files:
        parsed = _run([str(binary), "parse-tree", "--rules", str(rule_file)])
        if parsed.returncode != 0:
            detail = _tail(parsed.stdout + "\n" + parsed.stderr, 3)
            raise ToolError(f"organisation rules: {rule_file} does not parse: {detail}")
    return list(dict.fromkeys(files))


def run_cfn_guard(
    assembly: Assembly,
    cache: Path | None = None,
    disabled: Iterable[str] = tuple(GUARD_DISABLED),
    rules: Iterable[Path] = (),
) -> list[Finding]:
    """cfn-guard with the AWS Control Tower proactive rules over every template.

    ``rules``: the organisation's own rule files and folders (``check_guard_rules``), run in
    the same pass; a finding of one is named after the ``[ID]:`` its message starts with, or
    else after its rule.
    """
    own = check_guard_rules(rules, cache)
    binary, control_tower = cfn_guard_binary(cache)
    by_file = {str(s.template_path.resolve()): s for s in assembly.stacks}
    if not by_file:
        return []
    command = [str(binary), "validate"]
    for rule_file in [*guard_rule_files(control_tower, disabled), *own]:
        command += ["--rules", str(rule_file)]
    for template in by_file:
        command += ["--data", template]
    command += ["--output-format", "json", "--show-summary", "none", "--structured"]
    result = _run(command)
    if result.returncode not in (0, 19) or not result.stdout.strip():
        raise ToolError(f"cfn-guard exited {result.returncode}: {_tail(result.stderr)}")
    findings = []
    seen: set[tuple[str, str, str]] = set()
    for document in json.loads(result.stdout):
        stack = by_file.get(str(Path(document["name"]).resolve()))
        for failure in document.get("not_compliant") or []:
            rule = failure.get("Rule", failure)
            message = next(_messages(rule), "")
            control = CT_MESSAGE.search(message) or RULE_MESSAGE.search(message)
            fix = FIX_MESSAGE.search(message)
            rule_id = control["control"] if control else str(rule.get("name", "cfn-guard"))
            logical_ids = sorted(set(_resources(rule)))
            if not logical_ids and not CT_MESSAGE.search(message):
                logical_ids = [""]  # an organisation rule on the template as a whole
            for logical_id in logical_ids:
                key = (stack.name if stack else document["name"], logical_id, rule_id)
                if key in seen:
                    continue
                seen.add(key)
                findings.append(
                    Finding(
                        tool="cfn-guard",
                        rule=rule_id,
                        severity="error",
                        stack=key[0],
                        resource=(stack.where(logical_id) if logical_id else stack.name)
                        if stack
                        else logical_id,
                        message=control["title"].strip() if control else str(rule.get("name")),
                        fix=fix["fix"].strip() if fix else "",
                    )
                )
    return findings


def run_ruff(app_dir: Path) -> list[Finding]:
    """ruff's bandit rules (``S``) over the app's Python code (not cdk.out, not tests)."""
    if importlib.util.find_spec("ruff") is None:
        raise ToolError("ruff is not installed: pip install 'org-constructs[validate]'")
    result = _run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--isolated",
            "--select",
            "S",
            "--ignore",
            "S101",
            "--output-format",
            "json",
            "--no-cache",
            "--extend-exclude",
            "cdk.out,tests,test,.venv,node_modules",
            ".",
        ],
        cwd=app_dir,
    )
    if result.returncode not in (0, 1):
        raise ToolError(f"ruff exited {result.returncode}: {_tail(result.stderr)}")
    findings = []
    for item in json.loads(result.stdout or "[]"):
        filename = Path(item["filename"])
        try:
            relative = filename.resolve().relative_to(app_dir.resolve())
        except ValueError:
            relative = filename
        findings.append(
            Finding(
                tool="ruff",
                rule=item["code"],
                severity="error",
                stack="",
                resource=f"{relative}:{item['location']['row']}",
                message=item["message"],
                fix=item.get("url") or "",
            )
        )
    return findings


def _messages(node: Any) -> Iterator[str]:
    """Custom messages in a cfn-guard result, outermost first."""
    if isinstance(node, dict):
        messages = node.get("messages")
        if isinstance(messages, dict) and messages.get("custom_message"):
            yield str(messages["custom_message"])
        for value in node.values():
            yield from _messages(value)
    elif isinstance(node, list):
        for value in node:
            yield from _messages(value)


def _resources(node: Any) -> Iterable[str]:
    """Logical ids of the resources a cfn-guard result points at."""
    if isinstance(node, dict):
        path = node.get("path")
        if isinstance(path, str) and path.startswith("/Resources/"):
            yield path.split("/")[2]
        for value in node.values():
            yield from _resources(value)
    elif isinstance(node, list):
        for value in node:
            yield from _resources(value)


def _run(
    command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 - fixed argument lists, no shell
            command, cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise ToolError(f"cannot start {command[0]}: {error}") from None


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])
