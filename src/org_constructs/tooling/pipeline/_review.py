"""The cloud assembly a review role prepares change sets from, with its own credentials."""

from __future__ import annotations

import json
from pathlib import Path

from org_constructs.errors import ValidationError

__all__ = ["ASSUMED_ROLE_PROPERTIES", "review_assembly"]

ASSUMED_ROLE_PROPERTIES = ("assumeRoleArn", "assumeRoleExternalId", "assumeRoleAdditionalOptions")
"""The properties of a stack artifact that make the CDK CLI assume a role to deploy it."""

_STACK = "aws:cloudformation:stack"
_NESTED = "cdk:cloud-assembly"


def review_assembly(directory: Path) -> list[str]:
    """Make the CDK CLI deploy ``directory``'s stacks with the credentials it runs with.

    Removes, from each stack artifact of the assembly's manifest (and of nested assemblies,
    as CDK Pipelines' stages make), the role the CLI would assume to create and execute change
    sets (``assumeRoleArn``: the bootstrap deploy role), as ``CliCredentialsStackSynthesizer``
    synthesizes. Everything else stays: the execution role CloudFormation is passed, the
    template's asset URL, the bootstrap version check, and the asset manifests (files are
    still published by the bootstrap's file-publishing role). A review role (``DeploymentAccess``)
    that may create change sets, and never execute them, prepares them from this copy; the
    deploy job uses the assembly as synthesized.

    Returns
    -------
    list[str]
        The stacks changed, in manifest order (a stack already without a role is listed too).

    Raises
    ------
    ValidationError
        When ``directory`` holds no ``manifest.json`` or no stack.
    """
    manifest_path = directory / "manifest.json"
    if not manifest_path.is_file():
        raise ValidationError(
            "review_assembly", "directory", str(directory), "must be a cloud assembly"
        )
    stacks = _strip(directory)
    if not stacks:
        raise ValidationError(
            "review_assembly", "directory", str(directory), "holds no stack to prepare"
        )
    return stacks


def _strip(directory: Path) -> list[str]:
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    stacks: list[str] = []
    for name, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") == _STACK:
            properties = artifact.get("properties", {})
            for key in ASSUMED_ROLE_PROPERTIES:
                properties.pop(key, None)
            stacks.append(name)
        elif artifact.get("type") == _NESTED:
            nested = artifact.get("properties", {}).get("directoryName")
            if isinstance(nested, str) and (directory / nested / "manifest.json").is_file():
                stacks += _strip(directory / nested)
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return stacks
