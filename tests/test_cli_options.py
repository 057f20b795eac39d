"""org-cdk's options reach the code that uses them (in-process, the checkers replaced)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from org_constructs.cli._main import cli
from org_constructs.validate import _runner
from org_constructs.validate._report import Report


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The ValidateOptions of each run; the run itself reports a clean app."""
    seen: list[Any] = []

    def fake(options: Any, progress: Any = None) -> Report:
        seen.append(options)
        return Report(app=str(options.app_dir), stage=options.stage)

    monkeypatch.setattr(_runner, "run_validation", fake)
    from org_constructs import validate

    monkeypatch.setattr(validate, "run_validation", fake)
    return seen


def test_guard_rule_reaches_the_options(captured: list[Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["validate", str(tmp_path), "--guard-rule", "CT.S3.PR.4", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    (options,) = captured
    assert options.guard_rules == ("CT.S3.PR.4",)
    assert "CT.S3.PR.4" not in options.guard_disabled  # so cfn-guard runs it
    assert "CT.S3.PR.9" in options.guard_disabled


def test_an_unknown_guard_rule_is_refused(captured: list[Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path), "--guard-rule", "CT.S3.PR.99"])
    assert result.exit_code == 2
    assert "CT.S3.PR.99: the controls that are off by default are" in result.output
    assert captured == []


def test_every_option_reaches_the_options(captured: list[Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            str(tmp_path),
            "--stage",
            "dev",
            "--packs",
            "AwsSolutions,HIPAA.Security",
            "--skip",
            "checkov",
            "--output",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    (options,) = captured
    assert (options.stage, options.packs, options.skip, options.output) == (
        "dev",
        ("AwsSolutions", "HIPAA.Security"),
        ("checkov",),
        out,
    )
