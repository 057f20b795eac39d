"""Each construct page's acknowledgement table holds: every row, in each configuration it names.

The tables are generated (``scripts/generate_acknowledgement_docs.py``), and ``--check`` keeps
them in step with the generator; this test reads the committed pages the way a reader does.
For each row it builds the construct in every configuration its "when" column names (one
build per configuration, never a union of several) and checks that the construct records
each rule of the row, with the row's reason and the library as its source, on a resource the
"on" column names. A label that maps to no configuration, or a place that names no resource,
fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

import org_constructs as org
from org_constructs.contract import ACKNOWLEDGED, TEMPLATE_KEY
from tests.support import ROOT, load_script

SCRIPT = load_script("generate_acknowledgement_docs")
PAGES = sorted((ROOT / "docs" / "constructs").glob("*.md"))
Build = Callable[[org.AbstractStack], Any]


@dataclass(frozen=True)
class Row:
    page: str
    construct: str
    tool: str
    rules: tuple[str, ...]
    places: tuple[str, ...]
    when: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page} {self.construct}: {self.tool} {', '.join(self.rules)} ({self.when})"


def _cells(line: str) -> list[str]:
    """The cells of a table line; ``\\|`` inside a cell is a pipe."""
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [cell.strip().replace("\\|", "|") for cell in cells]


def rows_of(page: str, text: str) -> list[Row]:
    if SCRIPT.START not in text:
        return []
    block = text.split(SCRIPT.START, 1)[1].split(SCRIPT.END, 1)[0]
    rows: list[Row] = []
    construct = ""
    for line in block.splitlines():
        heading = re.fullmatch(r"\*\*(\w+)\*\*:", line.strip())
        if heading:
            construct = heading.group(1)
            continue
        if not line.startswith("|") or line.startswith(("| tool |", "| --- |", "| - |")):
            continue
        tool, rules, places, when, reason = _cells(line)
        rows.append(
            Row(
                page=page,
                construct=construct,
                tool=tool,
                rules=tuple(re.findall(r"`([^`]+)`", rules)),
                places=tuple(p.strip() for p in re.split(r",\s*(?=`|aws-cdk-lib|the )", places)),
                when=when,
                reason=reason,
            )
        )
    return rows


ROWS = [row for page in PAGES for row in rows_of(page.name, page.read_text())]


def configurations(construct: str) -> tuple[str, dict[str, list[tuple[Build, str]]]]:
    """The construct's id and its configurations, by the labels the tables use."""
    for entries in SCRIPT.PAGES.values():
        for name, construct_id, defaults, options in entries:
            if name != construct:
                continue
            named = options if isinstance(options, Mapping) else {"every option": options}
            labelled = {
                "defaults (dev)": [(defaults, "dev")],
                "defaults (production)": [(defaults, "production")],
                **{
                    label: [
                        (build, "production")
                        for build in (builds if isinstance(builds, tuple) else (builds,))
                    ]
                    for label, builds in named.items()
                },
            }
            labelled["always"] = [c for cases in list(labelled.values()) for c in cases]
            return construct_id, labelled
    raise AssertionError(f"{construct} has a table but no configurations in PAGES")


def labels(row: Row, known: Mapping[str, object]) -> list[str]:
    """The configurations a "when" cell names (labels may hold commas: longest match first)."""
    found, rest = [], row.when
    while rest:
        label = next((k for k in sorted(known, key=len, reverse=True) if rest.startswith(k)), None)
        if label is None:
            pytest.fail(f"{row}: {rest!r} names no configuration of {row.construct}")
        found.append(label)
        rest = rest[len(label) :].removeprefix(", ")
    return found


@cache
def recorded(build: Build, stage: str) -> tuple[tuple[str, str, str, str], ...]:
    """(tool, rule, path in the stack, reason) the library records, read from the template
    (the generator's synthesis of it, read here on its own terms)."""
    template = SCRIPT.synthesized(build, stage)
    found = []
    for logical_id, resource in template.get("Resources", {}).items():
        metadata = resource.get("Metadata") or {}
        path = str(metadata.get("aws:cdk:path", logical_id)).removeprefix("S/")
        for entry in (metadata.get(TEMPLATE_KEY) or {}).get(ACKNOWLEDGED, []):
            if entry.get("source") == "org-constructs":
                found.append((entry["tool"], entry["rule"], path, entry["reason"]))
        for skip in (metadata.get("checkov") or {}).get("skip", []):
            found.append(("checkov", skip["id"], path, skip["comment"]))
    return tuple(found)


def named_by(place: str, path: str, construct_id: str) -> bool:
    """Whether ``place`` (an "on" cell entry) names the resource at ``path``."""
    path = path.removesuffix("/Resource")
    if place.startswith("aws-cdk-lib's `"):
        head = place.removeprefix("aws-cdk-lib's `").removesuffix("`")
        return path.split("/")[0].startswith(head) and not path.startswith(construct_id + "/")
    if place == "the library's `OrgConstructsGrants` policy on the grantee":
        return path.split("/")[-1].endswith("OrgConstructsGrants")
    match = re.fullmatch(r"`([^`]+)`", place)
    if match is None:
        raise AssertionError(f"{place!r} names no resource")
    name = match.group(1)
    within = path if name == construct_id else path.removeprefix(construct_id + "/")
    return any(p == name or p.startswith(name + "/") for p in (within, path))


def test_every_table_is_read() -> None:
    """The parser reads every table (a change of format must not empty the test)."""
    listed = {
        (page, construct) for page, entries in SCRIPT.PAGES.items() for construct, *_ in entries
    }
    tables = {
        (page.name, construct)
        for page in PAGES
        if SCRIPT.START in page.read_text()
        for construct in re.findall(
            r"^\*\*(\w+)\*\*:$", page.read_text().split(SCRIPT.START, 1)[1], re.MULTILINE
        )
    }
    assert tables == listed
    read = {(row.page, row.construct) for row in ROWS}
    assert sorted(listed - read) == [], "a table without rows, or rows the parser skipped"
    assert any(
        row.construct == "SecureBucket" and "BucketNotificationsHandler" in " ".join(row.places)
        for row in ROWS
    )


def test_construct_pages_list_what_the_constructs_acknowledge(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The tables are generated from the record the gate and the helpers read (in-process:
    the script synthesizes every construct, each configuration once for this module)."""
    assert SCRIPT.main(["--check"]) == 0, capsys.readouterr().out
    page = (ROOT / "docs" / "constructs" / "monitored-function.md").read_text()
    assert "| cfn-guard | `CT.LAMBDA.PR.3` | `Function` |" in page
    assert "| checkov | `CKV_AWS_115`" in page


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_each_row_holds_in_each_configuration_it_names(row: Row) -> None:
    construct_id, known = configurations(row.construct)
    for label in labels(row, known):
        for index, (build, stage) in enumerate(known[label]):
            records = recorded(build, stage)
            where = f"{row} in {label!r} (build {index}, {stage})"
            for rule in row.rules:
                paths = [
                    path
                    for tool, recorded_rule, path, reason in records
                    if (tool, recorded_rule, reason) == (row.tool, rule, row.reason)
                ]
                assert paths, f"{where}: {rule} is not recorded"
                assert any(named_by(p, path, construct_id) for p in row.places for path in paths), (
                    f"{where}: {rule} is recorded on {paths}, not on {row.places}"
                )
            for place in row.places:
                assert any(
                    named_by(place, path, construct_id)
                    for tool, rule, path, reason in records
                    if tool == row.tool and rule in row.rules and reason == row.reason
                ), f"{where}: nothing of the row is recorded on {place}"
