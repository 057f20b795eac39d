"""``org-cdk local``: bad input refused before anything starts, the emulator always stopped,
and (end to end) a small app deployed, kept running, destroyed."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from org_constructs.tooling.local import Emulator, LocalError, SynthesizedStage
from org_constructs.tooling.local import _emulator as emulator_module
from tests.support import ROOT, org_cdk_in_process

MINIMAL = ROOT / "examples" / "minimal_app"


@pytest.fixture
def nothing_starts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail the test if a synthesis or an emulator is started; record what was asked."""
    asked: list[str] = []

    def refuse(*_: Any, **__: Any) -> Any:
        asked.append("started")
        raise AssertionError("nothing may start for bad input")

    monkeypatch.setattr("org_constructs.tooling.local.synthesize_stage", refuse)
    monkeypatch.setattr("org_constructs.tooling.local.start_emulator", refuse)
    return asked


def test_a_port_in_use_is_refused_before_the_synthesis(nothing_starts: list[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = org_cdk_in_process(
            "local", "deploy", str(MINIMAL), "--stage", "dev", "--port", str(port)
        )
    assert result.exit_code == 1
    assert f"--port {port}: the port is in use on 127.0.0.1" in result.stderr
    assert nothing_starts == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--port", "80"], "--port 80: must be from 1024 to 65535"),
        (["--endpoint", "http://example.com:4566"], "must be the local emulator"),
        (["--endpoint", "http://localhost:4566", "--keep"], "cannot be given with --port or"),
    ],
)
def test_bad_options_are_refused(
    nothing_starts: list[str], arguments: list[str], message: str
) -> None:
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev", *arguments)
    assert result.exit_code == 1
    assert message in result.stderr
    assert nothing_starts == []


def test_without_the_local_extra_the_deploy_says_what_to_install(
    nothing_starts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "moto", None)  # import moto raises ImportError
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == 1
    assert "pip install 'org-constructs[local]'" in result.stderr
    assert nothing_starts == []


def test_a_stage_without_an_account_is_refused(tmp_path: Path, nothing_starts: list[str]) -> None:
    (tmp_path / "environments.json").write_text(json.dumps({"dev": {"region": "us-east-1"}}))
    result = org_cdk_in_process("local", "deploy", str(tmp_path), "--stage", "dev")
    assert result.exit_code != 0
    assert "account" in result.stderr
    assert nothing_starts == []


def test_an_unknown_stage_is_refused(nothing_starts: list[str]) -> None:
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "qa")
    assert result.exit_code != 0
    assert "qa" in result.stderr
    assert nothing_starts == []


def assembly_with(tmp_path: Path, *types: str) -> SynthesizedStage:
    """A one-stack assembly whose template holds a resource of each of ``types``."""
    template = {"Resources": {f"R{i}": {"Type": t} for i, t in enumerate(types)}}
    (tmp_path / "Service-dev.template.json").write_text(json.dumps(template))
    return SynthesizedStage(tmp_path, ("Service-dev",), {"Service-dev": ()})


def test_a_type_the_emulator_cannot_make_stops_the_deploy_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    stage = assembly_with(tmp_path, "AWS::S3::Bucket", "AWS::GameLift::Fleet", "Custom::Thing")
    monkeypatch.setattr("org_constructs.tooling.local.synthesize_stage", lambda *_, **__: stage)
    monkeypatch.setattr(
        "org_constructs.tooling.local.start_emulator", lambda *_, **__: started.append("x")
    )
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == 1
    assert (
        "the emulator cannot make AWS::GameLift::Fleet (in Service-dev): nothing was deployed"
        in result.stderr
    )
    assert "Custom::Thing" not in result.stderr, "custom resources are reported, not refused"
    assert started == []


class FakeProcess:
    """A stand-in for the server process: records how it was stopped."""

    pid = 4242

    def __init__(self) -> None:
        self.terminated = False

    def poll(self) -> int | None:
        return 0 if self.terminated else None

    def terminate(self) -> None:
        self.terminated = True

    def wait(self, timeout: float) -> int:
        return 0


def test_a_failed_step_stops_the_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    process = FakeProcess()
    emulator = Emulator(process, 4566, "111111111111", "us-east-1", tmp_path / "log")  # type: ignore[arg-type]
    stage = assembly_with(tmp_path, "AWS::S3::Bucket")
    monkeypatch.setattr("org_constructs.tooling.local.synthesize_stage", lambda *_, **__: stage)
    monkeypatch.setattr("org_constructs.tooling.local.start_emulator", lambda *_, **__: emulator)

    def failing_bootstrap(*_: Any) -> None:
        raise LocalError("cdk bootstrap aws://111111111111/us-east-1 failed:\nboom")

    monkeypatch.setattr("org_constructs.tooling.local.bootstrap", failing_bootstrap)
    result = org_cdk_in_process("local", "deploy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == 1
    assert "cdk bootstrap aws://111111111111/us-east-1 failed" in result.stderr
    assert process.terminated, "stopped by its PID, nothing left running"


def test_destroy_needs_a_running_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    result = org_cdk_in_process("local", "destroy", str(MINIMAL), "--stage", "dev")
    assert result.exit_code == 2
    assert "give --endpoint" in result.stderr


def test_the_server_listens_on_the_loopback_address_only() -> None:
    assert emulator_module.HOST == "127.0.0.1"
    source = (ROOT / "src" / "org_constructs" / "tooling" / "local" / "_server.py").read_text()
    assert '"-H", "127.0.0.1"' in source
    assert "0.0.0.0" not in source  # noqa: S104 - the test that it is not there


@pytest.mark.e2e
def test_deploy_keep_destroy_of_a_small_app(tmp_path: Path) -> None:
    """The minimal app: deployed and left running (--keep), its stack deleted (destroy), the
    emulator then stopped by the PID the command printed."""
    out = tmp_path / "cdk.out"
    deployed = org_cdk_in_process(
        "local", "deploy", str(MINIMAL), "--stage", "dev", "--keep", "--output", str(out)
    )
    assert deployed.exit_code == 0, deployed.output
    pid = int(re.search(r"stop it with: kill (\d+)", deployed.stdout).group(1))  # type: ignore[union-attr]
    try:
        assert "stack MinimalService-dev: CREATE_COMPLETE" in deployed.stdout
        assert "skipped by the emulator (no CloudFormation support; nothing was made): none" in (
            deployed.stdout
        )
        endpoint = re.search(r"export AWS_ENDPOINT_URL=(\S+)", deployed.stdout).group(1)  # type: ignore[union-attr]
        assert re.fullmatch(r"http://localhost:\d+", endpoint)
        destroyed = org_cdk_in_process(
            "local",
            "destroy",
            str(MINIMAL),
            "--stage",
            "dev",
            "--endpoint",
            endpoint,
            "--output",
            str(out),
        )
        assert destroyed.exit_code == 0, destroyed.output
        assert destroyed.stdout.splitlines() == ["MinimalService-dev: deleted"]
    finally:
        os.kill(pid, signal.SIGTERM)
