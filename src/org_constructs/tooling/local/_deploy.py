"""A stage of an app deployed to the emulator, and destroyed again, with the real CDK CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from org_constructs.contract import STAGE_CONTEXT
from org_constructs.tooling.local._emulator import Emulator, LocalError
from org_constructs.tooling.local._report import CUSTOM_RESOURCE, supported_types

__all__ = [
    "AVOIDED_BY",
    "SynthesizedStage",
    "bootstrap",
    "deploy_stacks",
    "destroy_stacks",
    "synthesize_stage",
    "unsupported_types",
]

AVOIDED_BY: Mapping[str, str] = {
    "AWS::Serverless::Application": (
        "a rotation function from the Serverless Application Repository (what aws-cdk-lib's "
        "add_rotation_single_user() declares) is not made; SecureDatabase's hosted rotation, "
        "its default, deploys, or turn rotation off in the local stage with "
        "SecureDatabase(rotation=False)"
    ),
}
"""What to do instead, for the types the emulator cannot make that a setting avoids."""

DEPLOY_TIMEOUT = 900
"""Seconds a deployment may take before it is given up (the emulator answers in seconds)."""


@dataclass(frozen=True)
class SynthesizedStage:
    """The cloud assembly of one stage and its stacks in deployment order."""

    assembly: Path
    stacks: tuple[str, ...]
    dependencies: Mapping[str, tuple[str, ...]]

    def destroy_order(self) -> list[str]:
        """The stacks, each after every stack that depends on it."""
        return list(reversed(self.stacks))


def _cli_environment(emulator: Emulator | None) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE")
    }
    environment["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    if emulator is not None:
        environment.update(emulator.environment())
    return environment


def _run(
    command: Sequence[str], app_dir: Path, emulator: Emulator | None, what: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(  # noqa: S603 - the CDK CLI with fixed arguments
            list(command),
            cwd=app_dir,
            env=_cli_environment(emulator),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise LocalError(f"{what} did not finish in {int(timeout)} s") from None
    if result.returncode != 0:
        raise LocalError(f"{what} failed:\n{(result.stdout + result.stderr)[-4000:]}")
    return result


def _ordered(dependencies: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The stacks in an order where each comes after the stacks it depends on."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for dependency in dependencies.get(name, ()):
            if dependency in dependencies:
                visit(dependency)
        order.append(name)

    for name in dependencies:
        visit(name)
    return tuple(order)


def synthesize_stage(
    cdk: Sequence[str], app_dir: Path, stage: str, output: Path, timeout: float = 900
) -> SynthesizedStage:
    """``cdk synth -c stage=STAGE`` into ``output`` (an earlier assembly there is replaced,
    so no other stage's templates stay beside it); the stage's stacks in dependency order."""
    if output.exists():
        if not (output / "manifest.json").is_file() and any(output.iterdir()):
            raise LocalError(f"--output {output}: not a cloud assembly; give an empty folder")
        shutil.rmtree(output)
    _run(
        [
            *cdk,
            "synth",
            "--quiet",
            "--no-notices",
            "--output",
            str(output),
            "--context",
            f"{STAGE_CONTEXT}={stage}",
        ],
        app_dir,
        None,
        f"cdk synth of stage {stage}",
        timeout,
    )
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    artifacts = manifest.get("artifacts", {})
    dependencies = {
        name: tuple(artifact.get("dependencies", []))
        for name, artifact in artifacts.items()
        if artifact.get("type") == "aws:cloudformation:stack"
    }
    if not dependencies:
        raise LocalError(f"stage {stage}: the app synthesized no stack")
    return SynthesizedStage(output, _ordered(dependencies), dependencies)


def unsupported_types(stage: SynthesizedStage) -> dict[str, list[str]]:
    """Resource types of the stage's templates the emulator cannot make, with their stacks."""
    supported = supported_types()
    missing: dict[str, list[str]] = {}
    for name in stage.stacks:
        template = json.loads(
            (stage.assembly / f"{name}.template.json").read_text(encoding="utf-8")
        )
        for resource in template.get("Resources", {}).values():
            kind = resource["Type"]
            if (
                kind in supported
                or kind == "AWS::CDK::Metadata"
                or kind.startswith("Custom::")
                or kind == CUSTOM_RESOURCE
            ):
                continue
            stacks = missing.setdefault(kind, [])
            if name not in stacks:
                stacks.append(name)
    return missing


def bootstrap(cdk: Sequence[str], app_dir: Path, emulator: Emulator) -> None:
    """``cdk bootstrap`` of the emulator's account and region."""
    target = f"aws://{emulator.account}/{emulator.region}"
    _run(
        [*cdk, "bootstrap", "--no-notices", target],
        app_dir,
        emulator,
        f"cdk bootstrap {target}",
        DEPLOY_TIMEOUT,
    )


def deploy_stacks(
    cdk: Sequence[str], app_dir: Path, emulator: Emulator, stage: SynthesizedStage
) -> None:
    """``cdk deploy`` of the stage's stacks from its assembly, one at a time.

    ``--no-rollback``: the emulator rolls nothing back (a stack that fails keeps what was made,
    to be inspected), and a stack left failed is deployed again in place.
    """
    _run(
        [
            *cdk,
            "deploy",
            "--no-notices",
            "--app",
            str(stage.assembly),
            "--require-approval",
            "never",
            "--no-rollback",
            "--concurrency",
            "1",
            *stage.stacks,
        ],
        app_dir,
        emulator,
        "cdk deploy",
        DEPLOY_TIMEOUT,
    )


def destroy_stacks(emulator: Emulator, stacks: Sequence[str], timeout: float = 300) -> list[str]:
    """Delete ``stacks`` in the given order (dependents first), each once the one before is
    gone; the lines say what happened to each.

    Raises
    ------
    LocalError
        When a stack cannot be deleted (its status and reason are in the message).
    """
    cloudformation = emulator.client("cloudformation")
    lines = []
    for name in stacks:
        found = _status(cloudformation, name)
        if found is None:
            lines.append(f"{name}: not deployed")
            continue
        try:
            cloudformation.delete_stack(StackName=name)  # type: ignore[attr-defined]
        except Exception as error:
            raise LocalError(f"{name} could not be deleted: {error}") from None
        deadline = time.monotonic() + timeout
        while (status := _status(cloudformation, name)) not in (None, "DELETE_COMPLETE"):
            if status == "DELETE_FAILED" or time.monotonic() > deadline:
                (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]  # type: ignore[attr-defined]
                raise LocalError(
                    f"{name} was not deleted ({status}): {stack.get('StackStatusReason', '')}"
                )
            time.sleep(0.5)
        lines.append(f"{name}: deleted")
    return lines


def _status(cloudformation: object, name: str) -> str | None:
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]  # type: ignore[attr-defined]
    except Exception as error:
        if "does not exist" in str(error):
            return None
        raise
    return str(stacks[0]["StackStatus"]) if stacks else None
