"""Read what the checkers need from a synthesized cloud assembly (``cdk.out``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from org_constructs.contract import (
    ACKNOWLEDGED,
    AUDIT_METADATA,
    CDK_ACKNOWLEDGED_METADATA,
    CHECKOV_METADATA,
    NAG_TOOL,
    TEMPLATE_KEY,
)
from org_constructs.tooling.gate._report import Acknowledgement

__all__ = ["AUDIT_METADATA", "TEMPLATE_ACKNOWLEDGEMENTS", "Assembly", "AssemblyStack"]

TEMPLATE_ACKNOWLEDGEMENTS = TEMPLATE_KEY
"""Resource ``Metadata`` key where ``acknowledge_check`` keeps reasons for non-nag tools."""


@dataclass
class AssemblyStack:
    """One stack artifact of the assembly."""

    name: str
    template_path: Path
    template: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    path_of: dict[str, str] = field(default_factory=dict)
    """Logical id -> construct path."""
    metadata: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)
    """Names of the stacks this one is deployed after (asset manifests left out)."""
    environment: str = ""
    """``aws://ACCOUNT/REGION``."""

    @property
    def description(self) -> str:
        return str(self.template.get("Description", ""))

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template.get("Resources", {})
        return resources

    @property
    def construct_path(self) -> str:
        """The stack's own construct path (the shortest path in its metadata)."""
        return min(self.metadata, key=len, default=f"/{self.name}").lstrip("/")

    def where(self, logical_id: str) -> str:
        """The construct path of ``logical_id`` when known, else the logical id."""
        return self.path_of.get(logical_id, logical_id)


@dataclass
class Assembly:
    """The stacks of a cloud assembly, nested stages included."""

    directory: Path
    stacks: list[AssemblyStack]

    @classmethod
    def read(cls, directory: Path) -> Assembly:
        stacks: list[AssemblyStack] = []
        _collect(directory, stacks)
        return cls(directory, stacks)

    def stack_of_path(self, construct_path: str) -> str:
        """The name of the stack that holds ``construct_path`` (or ``''``)."""
        best, best_length = "", -1
        for stack in self.stacks:
            prefix = stack.construct_path
            if (construct_path == prefix or construct_path.startswith(prefix + "/")) and len(
                prefix
            ) > best_length:
                best, best_length = stack.name, len(prefix)
        return best

    def acknowledgements(self) -> list[tuple[Acknowledgement, str]]:
        """Every acknowledgement in the assembly, with its kind.

        Kinds: ``'audit'`` (recorded by ``acknowledge_finding`` under ``org-cdk validate``),
        ``'validations'`` (``Validations.acknowledge`` directly; applied, not auditable),
        ``'checkov'`` and ``'template'`` (reasons for cfn-lint and cfn-guard).
        """
        found: list[tuple[Acknowledgement, str]] = []
        for stack in self.stacks:
            for path, entries in stack.metadata.items():
                where = path.lstrip("/")
                for entry in entries:
                    data = entry.get("data")
                    if entry.get("type") == AUDIT_METADATA and isinstance(data, dict):
                        found.append(
                            (
                                Acknowledgement(
                                    tool=NAG_TOOL,
                                    rule=str(data["id"]),
                                    where=where,
                                    reason=str(data["reason"]),
                                    source=str(data.get("source", "app")),
                                ),
                                "audit",
                            )
                        )
                    elif entry.get("type") == CDK_ACKNOWLEDGED_METADATA and isinstance(data, dict):
                        for rule, reason in data.items():
                            found.append(
                                (
                                    Acknowledgement("cdk", str(rule), where, str(reason)),
                                    "validations",
                                )
                            )
            for logical_id, resource in stack.resources.items():
                metadata = resource.get("Metadata") or {}
                where = stack.where(logical_id)
                for skip in (metadata.get(CHECKOV_METADATA) or {}).get("skip", []):
                    found.append(
                        (
                            Acknowledgement(
                                "checkov", str(skip.get("id")), where, str(skip.get("comment", ""))
                            ),
                            "checkov",
                        )
                    )
                for ack in (metadata.get(TEMPLATE_KEY) or {}).get(ACKNOWLEDGED, []):
                    if ack.get("tool") == NAG_TOOL:
                        continue  # a copy of the construct tree's record, read above
                    found.append(
                        (
                            Acknowledgement(
                                str(ack["tool"]),
                                str(ack["rule"]),
                                where,
                                str(ack["reason"]),
                                str(ack.get("source", "app")),
                            ),
                            "template",
                        )
                    )
        return found


def _collect(directory: Path, stacks: list[AssemblyStack]) -> None:
    manifest = json.loads((directory / "manifest.json").read_text())
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        kind = artifact.get("type")
        properties = artifact.get("properties", {})
        if kind == "cdk:cloud-assembly":
            _collect(directory / properties["directoryName"], stacks)
            continue
        if kind != "aws:cloudformation:stack":
            continue
        template_path = directory / properties["templateFile"]
        metadata = dict(artifact.get("metadata") or {})
        extras = artifact.get("additionalMetadataFile") or []
        for extra in [extras] if isinstance(extras, str) else extras:
            metadata.update(json.loads((directory / extra).read_text()))
        path_of = {
            str(entry["data"]): path.lstrip("/")
            for path, entries in metadata.items()
            for entry in entries
            if entry.get("type") == "aws:cdk:logicalId"
        }
        artifacts = manifest.get("artifacts", {})
        dependencies = [
            artifacts[d].get("properties", {}).get("stackName", d)
            for d in artifact.get("dependencies", [])
            if artifacts.get(d, {}).get("type") == "aws:cloudformation:stack"
        ]
        stacks.append(
            AssemblyStack(
                name=properties.get("stackName", artifact_id),
                template_path=template_path,
                template=json.loads(template_path.read_text()),
                tags=dict(properties.get("tags") or {}),
                path_of=path_of,
                metadata=metadata,
                dependencies=dependencies,
                environment=str(artifact.get("environment", "")),
            )
        )
