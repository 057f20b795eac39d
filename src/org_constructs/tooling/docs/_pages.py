"""One Markdown page per stack, after the guide's stack template, from cloud assemblies."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from org_constructs.tooling.docs._graph import dependency_dot, dependency_mermaid, render_svg
from org_constructs.tooling.gate._assembly import Assembly, AssemblyStack

__all__ = ["StackDoc", "collect_stacks", "render_index", "render_stack", "write_docs"]

# The settings worth a reader's eye, by resource type: (label, property path).
KEY_SETTINGS: dict[str, list[tuple[str, str]]] = {
    "AWS::S3::Bucket": [
        (
            "encryption",
            "BucketEncryption.ServerSideEncryptionConfiguration.0."
            "ServerSideEncryptionByDefault.SSEAlgorithm",
        ),
        ("versioning", "VersioningConfiguration.Status"),
        ("access logs to", "LoggingConfiguration.DestinationBucketName"),
        ("replication", "ReplicationConfiguration.Rules.0.Status"),
        ("object lock", "ObjectLockEnabled"),
    ],
    "AWS::KMS::Key": [("rotation", "EnableKeyRotation")],
    "AWS::EC2::VPC": [("CIDR", "CidrBlock")],
    "AWS::EC2::VPCEndpoint": [("type", "VpcEndpointType"), ("service", "ServiceName")],
    "AWS::RDS::DBInstance": [
        ("engine", "Engine"),
        ("version", "EngineVersion"),
        ("class", "DBInstanceClass"),
        ("Multi-AZ", "MultiAZ"),
        ("backup days", "BackupRetentionPeriod"),
        ("deletion protection", "DeletionProtection"),
        ("port", "Port"),
        ("enhanced monitoring (s)", "MonitoringInterval"),
    ],
    "AWS::Lambda::Function": [
        ("runtime", "Runtime"),
        ("memory MB", "MemorySize"),
        ("timeout s", "Timeout"),
        ("reserved concurrency", "ReservedConcurrentExecutions"),
        ("tracing", "TracingConfig.Mode"),
    ],
    "AWS::Logs::LogGroup": [("retention days", "RetentionInDays")],
    "AWS::SQS::Queue": [("retention s", "MessageRetentionPeriod")],
    "AWS::ApiGateway::Stage": [
        ("stage", "StageName"),
        ("tracing", "TracingEnabled"),
        ("cache", "CacheClusterEnabled"),
    ],
    "AWS::CloudWatch::Alarm": [
        ("threshold", "Threshold"),
        ("periods", "EvaluationPeriods"),
    ],
    "AWS::WAFv2::WebACL": [("scope", "Scope")],
    "AWS::CodeDeploy::DeploymentGroup": [
        ("configuration", "DeploymentConfigName"),
    ],
}


def _get(props: Any, path: str) -> Any:
    value = props
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        return f"({next(iter(value))})"
    return "(computed)"


def settings_of(resource: Mapping[str, Any]) -> dict[str, str]:
    """The key settings of one template resource, as text."""
    props = resource.get("Properties") or {}
    return {
        label: _show(_get(props, path))
        for label, path in KEY_SETTINGS.get(str(resource.get("Type")), [])
        if _get(props, path) is not None
    }


@dataclass
class StackDoc:
    """One stack and the same stack in the other stages."""

    stage: str
    stack: AssemblyStack
    role: str
    """The stack's name with the stage written ``{stage}``."""
    others: dict[str, AssemblyStack] = field(default_factory=dict)


def _role(name: str, stage: str) -> str:
    return name.replace(f"-{stage}-", "-{stage}-").replace(f"-{stage}", "-{stage}")


def collect_stacks(assemblies: Mapping[str, Assembly], stage: str) -> list[StackDoc]:
    """The stacks of ``stage``, each paired with its counterpart in every other stage."""
    by_role: dict[str, dict[str, AssemblyStack]] = defaultdict(dict)
    for name, assembly in assemblies.items():
        for stack in assembly.stacks:
            by_role[_role(stack.name, name)][name] = stack
    docs = []
    for stack in assemblies[stage].stacks:
        role = _role(stack.name, stage)
        docs.append(StackDoc(stage, stack, role, dict(by_role[role])))
    return docs


def _configuration_rows(doc: StackDoc, stages: Sequence[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    counts = {s: Counter(r["Type"] for r in doc.others[s].resources.values()) for s in doc.others}
    types = sorted({t for c in counts.values() for t in c})
    for kind in types:
        values = [
            str(counts.get(s, Counter()).get(kind, 0)) if s in doc.others else "-" for s in stages
        ]
        if len(set(values)) > 1:
            rows.append([f"{kind} (count)", *values])
    logical_ids = sorted({lid for s in doc.others.values() for lid in s.resources})
    for logical_id in logical_ids:
        per_stage = {
            s: settings_of(doc.others[s].resources[logical_id])
            for s in stages
            if s in doc.others and logical_id in doc.others[s].resources
        }
        labels = sorted({label for settings in per_stage.values() for label in settings})
        for label in labels:
            values = [per_stage.get(s, {}).get(label, "-") for s in stages]
            if len(set(values)) > 1:
                where = (
                    doc.stack.where(logical_id) if logical_id in doc.stack.resources else logical_id
                )
                rows.append([f"{where.split('/', 1)[-1]}: {label}", *values])
    return rows


def render_stack(doc: StackDoc, stages: Sequence[str]) -> str:
    """The stack's page: purpose, resources, dependencies, configuration by stage, outputs,
    alarms and dashboards."""
    stack = doc.stack
    account_region = stack.environment.removeprefix("aws://")
    region = account_region.split("/")[-1] if "/" in account_region else ""
    lines = [
        f"# Stack: {stack.name}",
        "",
        "## Purpose",
        "",
        stack.description or "(the stack has no description: pass description= to the stack)",
        "",
        f"Stage `{doc.stage}`, deployed to `{account_region or 'any account'}`.",
        "",
        "## Resources created",
        "",
    ]
    grouped: dict[str, list[str]] = defaultdict(list)
    for logical_id, resource in stack.resources.items():
        grouped[str(resource.get("Type"))].append(logical_id)
    for kind in sorted(grouped):
        ids = grouped[kind]
        lines.append(f"### {kind} ({len(ids)})")
        lines.append("")
        for logical_id in ids:
            settings = settings_of(stack.resources[logical_id])
            detail = "; ".join(f"{k}: {v}" for k, v in settings.items())
            where = stack.where(logical_id)
            lines.append(f"- `{logical_id}` ({where})" + (f": {detail}" if detail else ""))
        lines.append("")
    lines += ["## Dependencies", ""]
    if stack.dependencies:
        lines += [f"- Deployed after [{d}]({d}.md)" for d in stack.dependencies]
    else:
        lines.append("- None: deploy it first.")
    imports = sorted(_references(stack.template))
    if imports:
        lines += ["", "Reads from other stacks:", ""]
        lines += [f"- `{i}`" for i in imports]
    lines += ["", "## Environment-specific configuration", ""]
    rows = _configuration_rows(doc, stages)
    if rows:
        lines.append("| setting | " + " | ".join(stages) + " |")
        lines.append("| --- | " + " | ".join("---" for _ in stages) + " |")
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    else:
        lines.append("The same in every stage.")
    lines += [
        "",
        "## Deployment prerequisites",
        "",
        f"- The account and region are bootstrapped: `org-cdk bootstrap . --stage {doc.stage}`.",
    ]
    lines += [f"- {d} is deployed." for d in stack.dependencies]
    lines += ["", "## Outputs", ""]
    outputs = stack.template.get("Outputs", {})
    if outputs:
        lines += ["| output | description | export |", "| --- | --- | --- |"]
        for key, output in outputs.items():
            export = (
                _show((output.get("Export") or {}).get("Name")) if output.get("Export") else "-"
            )
            lines.append(f"| `{key}` | {output.get('Description', '')} | {export} |")
    else:
        lines.append("None.")
    lines += ["", "## Monitoring and alerts", ""]
    alarms = [
        (lid, r) for lid, r in stack.resources.items() if r.get("Type") == "AWS::CloudWatch::Alarm"
    ]
    composites = [
        r for r in stack.resources.values() if r.get("Type") == "AWS::CloudWatch::CompositeAlarm"
    ]
    dashboards = [
        r for r in stack.resources.values() if r.get("Type") == "AWS::CloudWatch::Dashboard"
    ]
    for dashboard in dashboards:
        name = _show((dashboard.get("Properties") or {}).get("DashboardName"))
        url = (
            f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
            f"#dashboards:name={name}"
        )
        lines.append(f"- Dashboard [{name}]({url})")
    if alarms or composites:
        lines += [
            "",
            "| alarm | threshold | periods | runbook |",
            "| --- | --- | --- | --- |",
        ]
        for logical_id, alarm in alarms:
            props = alarm.get("Properties") or {}
            name = _show(props.get("AlarmName")) if props.get("AlarmName") else logical_id
            comparison = str(props.get("ComparisonOperator", "")).replace("Threshold", "")
            lines.append(
                f"| `{name}` | {comparison} {_show(props.get('Threshold'))} | "
                f"{_show(props.get('DatapointsToAlarm'))} of "
                f"{_show(props.get('EvaluationPeriods'))} | {_runbook_link(props)} |"
            )
        for composite in composites:
            props = composite.get("Properties") or {}
            lines.append(
                f"| `{_show(props.get('AlarmName'))}` (composite) | any critical alarm | - | "
                f"{_runbook_link(props)} |"
            )
    if not (alarms or composites or dashboards):
        lines.append("None in this stack.")
    lines.append("")
    return "\n".join(lines)


def _runbook_link(props: Mapping[str, Any]) -> str:
    """The alarm's runbook: the library's alarm page, or the team's own (``runbook_url``)."""
    description = str(props.get("AlarmDescription", ""))
    marker = "Runbook: "
    if marker not in description:
        return "-"
    url = description.split(marker, 1)[1].split(maxsplit=1)[0].rstrip(").,")
    anchor = url.split("#", 1)[1] if "#" in url else ""
    if "/docs/alarms.md" in url and anchor:
        return f"[{anchor}](../alarms.md#{anchor})"
    return f"[{anchor or 'runbook'}]({url})"


def _references(template: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "Fn::GetStackOutput" in node and isinstance(node["Fn::GetStackOutput"], dict):
                ref = node["Fn::GetStackOutput"]
                found.add(f"{ref.get('StackName')}.{ref.get('OutputName')}")
            elif "Fn::ImportValue" in node:
                found.add(f"export {_show(node['Fn::ImportValue'])}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(template.get("Resources", {}))
    return found


def render_index(docs: Sequence[StackDoc], stage: str, *, svg: bool, architecture: bool) -> str:
    dependencies = {d.stack.name: d.stack.dependencies for d in docs}
    lines = [
        f"# Stacks of stage {stage}",
        "",
        "Generated by `org-cdk docs` from the synthesized cloud assembly.",
        "",
        "| stack | purpose | resources |",
        "| --- | --- | --- |",
    ]
    for doc in docs:
        lines.append(
            f"| [{doc.stack.name}]({doc.stack.name}.md) | {doc.stack.description} | "
            f"{len(doc.stack.resources)} |"
        )
    lines += [
        "",
        "## Stack dependencies",
        "",
        "An arrow points from a stack to the stack it is deployed after.",
        "",
        "```mermaid",
        dependency_mermaid(dependencies),
        "```",
        "",
    ]
    if svg:
        lines += ["Rendered by Graphviz:", "", "![Stack dependencies](dependencies.svg)", ""]
    if architecture:
        lines += [
            "## Architecture",
            "",
            "![Architecture of the stage](architecture.png)",
            "",
        ]
    return "\n".join(lines)


def write_docs(
    assemblies: Mapping[str, Assembly],
    stage: str,
    out: Path,
    *,
    architecture: bool = True,
) -> list[Path]:
    """Write ``index.md``, one page per stack, ``dependencies.svg`` and ``architecture.png``."""
    out.mkdir(parents=True, exist_ok=True)
    stages = list(assemblies)
    docs = collect_stacks(assemblies, stage)
    written = []
    for doc in docs:
        page = out / f"{doc.stack.name}.md"
        page.write_text(render_stack(doc, stages), encoding="utf-8")
        written.append(page)
    dependencies = {d.stack.name: d.stack.dependencies for d in docs}
    (out / "dependencies.dot").write_text(dependency_dot(dependencies, f"Stage {stage}"))
    svg = render_svg(dependency_dot(dependencies, f"Stage {stage}"), out / "dependencies.svg")
    drawn = False
    if architecture:
        from org_constructs.tooling.docs._architecture import draw_architecture

        drawn = draw_architecture([d.stack for d in docs], out / "architecture")
    index = out / "index.md"
    index.write_text(render_index(docs, stage, svg=svg, architecture=drawn), encoding="utf-8")
    (out / "stacks.json").write_text(
        json.dumps({d.stack.name: sorted(d.stack.resources) for d in docs}, indent=2)
    )
    return [index, *written]
