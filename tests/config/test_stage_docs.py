"""The docs' per-stage tables are generated from the config model's stage tables
(``scripts/generate_stage_docs.py``); ``--check`` is the drift test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import ROOT, load_script

SCRIPT = load_script("generate_stage_docs")


def test_the_stage_tables_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert SCRIPT.main(["--check"]) == 0, capsys.readouterr().out


def test_a_hand_edited_value_is_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "secure-database.md"
    text = (ROOT / "docs" / "constructs" / "secure-database.md").read_text()
    multi_az = "| multi-AZ (Aurora: a reader in another AZ) | off | on | on |"
    assert multi_az in text
    page.write_text(text.replace(multi_az, multi_az.replace("| on | on |", "| off | on |")))
    monkeypatch.setattr(SCRIPT, "PAGES", (page,))
    assert SCRIPT.main(["--check"]) == 1
    assert "secure-database.md out of date" in capsys.readouterr().out
    assert SCRIPT.main([]) == 0
    assert multi_az in page.read_text()


def test_every_page_with_stage_values_has_its_tables() -> None:
    names = {
        match["name"]
        for page in SCRIPT.PAGES
        for match in SCRIPT.START.finditer(page.read_text(encoding="utf-8"))
    }
    assert names == set(SCRIPT.TABLES)


def test_an_unknown_table_is_refused(tmp_path: Path) -> None:
    text = SCRIPT.marker("nothing") + "\n" + SCRIPT.END
    with pytest.raises(SystemExit, match="unknown stage table 'nothing'"):
        SCRIPT.regenerate(text, "page.md")
