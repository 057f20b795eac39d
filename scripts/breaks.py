"""Break checks against the last release: the Python API (griffe) and stateful resources.

Usage: python scripts/breaks.py [--against REF] [--cache DIR]

REF defaults to the newest ``v*`` tag reachable from HEAD, or, in a clone that has no release
tag (a clone of one branch, a CI checkout without tags), to the release recorded in
``release-baseline.json``: the version and the commit whose code it released, written by
``scripts/release.py`` with every release. Both checks compare REF's code with the working tree:

- **API**: griffe's breaking changes of ``org_constructs`` (removed or moved public names,
  removed, renamed or reordered parameters, changed defaults...).
- **Stateful resources**: for each construct (defaults) and each example app, the logical ids
  and types of buckets, keys, log groups, VPCs, subnets, databases, tables, queues and secrets,
  and the properties whose change makes CloudFormation replace them. A logical id that
  disappears (deleted, then a new one created) or a changed type or replacement property is a
  break.

Any break fails the check unless the commits since REF declare one (``feat!:`` or a
``BREAKING CHANGE:`` footer, which makes the next release major; while the version is 0.x,
commitizen's ``major_version_zero`` makes it a minor release). A stateful break also needs the
``[Unreleased]`` section of CHANGELOG.md to name the logical id with its migration step.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from org_constructs.contract import STATEFUL

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "release-baseline.json"
"""The last release's version and commit, for clones without its tag."""


BREAKING_COMMIT = re.compile(r"^\w+(\([^)]*\))?!:|^BREAKING[ -]CHANGE:", re.MULTILINE)


def api_breaks(old_src: Path, new_src: Path, package: str = "org_constructs") -> list[str]:
    """griffe's explanation of each breaking change of ``package`` from old to new."""
    import griffe

    old = griffe.load(
        package, search_paths=[str(old_src)], modules_collection=griffe.ModulesCollection()
    )
    new = griffe.load(
        package, search_paths=[str(new_src)], modules_collection=griffe.ModulesCollection()
    )
    return [b.explain() for b in griffe.find_breaking_changes(old, new)]


def stateful_resources(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id -> type and replacement properties of the template's stateful resources."""
    found = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        kind = resource.get("Type")
        if kind in STATEFUL:
            props = resource.get("Properties") or {}
            found[logical_id] = {
                "type": kind,
                "construct": (resource.get("Metadata") or {}).get("aws:cdk:path", "?"),
                "replacement": {p: props[p] for p in STATEFUL[kind] if p in props},
            }
    return found


def infra_breaks(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """(logical id, explanation) for each stateful resource a deployment would replace or delete.

    ``old`` and ``new`` map a fixture/stack name to its template; stacks only in ``new`` are new.
    """
    breaks = []
    for name, template in old.items():
        before = stateful_resources(template)
        after = stateful_resources(new.get(name, {}))
        if name not in new:
            breaks += [
                (
                    lid,
                    f"{name}: stack gone, {lid} ({r['type']}, construct {r['construct']}) deleted",
                )
                for lid, r in before.items()
            ]
            continue
        for logical_id, resource in before.items():
            now = after.get(logical_id)
            if now is None:
                breaks.append(
                    (
                        logical_id,
                        f"{name}: {logical_id} ({resource['type']}, construct "
                        f"{resource['construct']}) would be deleted and replaced (its logical "
                        "id changed or it was removed)",
                    )
                )
            elif now["type"] != resource["type"]:
                breaks.append(
                    (
                        logical_id,
                        f"{name}: {logical_id} (construct {resource['construct']}) changes "
                        f"type {resource['type']} -> {now['type']}",
                    )
                )
            else:
                for prop in sorted(set(resource["replacement"]) | set(now["replacement"])):
                    value = resource["replacement"].get(prop)
                    if json.dumps(now["replacement"].get(prop), sort_keys=True) != json.dumps(
                        value, sort_keys=True
                    ):
                        breaks.append(
                            (
                                logical_id,
                                f"{name}: {logical_id} ({resource['type']}, construct "
                                f"{resource['construct']}) would be replaced: {prop} changes",
                            )
                        )
    return breaks


def read_templates(folder: Path) -> dict[str, dict[str, Any]]:
    """``<fixture>/<stack>`` -> template, from stateful_fixtures.py's output."""
    return {
        f"{path.parent.name}/{path.name.removesuffix('.template.json')}": json.loads(
            path.read_text()
        )
        for path in sorted(folder.glob("*/*.template.json"))
        if not path.parent.name.startswith("_")
    }


def declared_breaking(messages: Iterable[str]) -> bool:
    """Whether any commit message declares a breaking change (Conventional Commits)."""
    return any(BREAKING_COMMIT.search(message) for message in messages)


def unreleased_notes(changelog: str) -> str:
    """The ``[Unreleased]`` section of a Keep a Changelog file."""
    match = re.search(r"^## \[Unreleased\]\s*$(.*?)(?=^## \[|\Z)", changelog, re.M | re.S)
    return match.group(1) if match else ""


def undocumented(breaks: Iterable[tuple[str, str]], notes: str) -> list[str]:
    """Stateful breaks whose logical id the notes do not name beside a migration step."""
    has_migration = re.search(r"migrat", notes, re.IGNORECASE) is not None
    return [text for logical_id, text in breaks if logical_id not in notes or not has_migration]


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def last_release() -> str | None:
    """The newest ``v*`` tag reachable from HEAD, if the clone has one."""
    result = subprocess.run(
        ["git", "describe", "--tags", "--abbrev=0", "--match", "v*"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or None


class BaselineError(Exception):
    """No release to compare with, or a recorded one this clone cannot use."""


def recorded_release(path: Path = BASELINE) -> tuple[str, str]:
    """(``vX.Y.Z``, commit) from ``release-baseline.json``; BaselineError saying what is wrong."""
    if not path.exists():
        raise BaselineError(
            f"no v* tag to compare with and no {path.name}: tag the last release "
            "(git tag -a vX.Y.Z) or record it with scripts/release.py"
        )
    try:
        data = json.loads(path.read_text())
        version, commit = str(data["version"]), str(data["commit"])
    except (ValueError, KeyError, TypeError) as error:
        raise BaselineError(
            f'{path.name}: expected {{"version": "X.Y.Z", "commit": "<sha>"}} ({error!r})'
        ) from error
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise BaselineError(f"{path.name}: version={version!r} is not X.Y.Z")
    known = subprocess.run(
        ["git", "cat-file", "-e", f"{commit}^{{commit}}"],
        cwd=path.parent,
        capture_output=True,
        check=False,
    )
    if known.returncode != 0:
        raise BaselineError(
            f"{path.name}: commit={commit!r} (v{version}) is not in this clone's history; "
            "fetch the whole history (git fetch --unshallow) or the release tags (git fetch --tags)"
        )
    return f"v{version}", commit


def baseline() -> tuple[str, str]:
    """(label, git ref) of the release to compare with: its tag, else the recorded commit."""
    tag = last_release()
    if tag is not None:
        return tag, tag
    version, commit = recorded_release()
    return f"{version} ({commit[:12]}, from {BASELINE.name})", commit


def _export(ref: str, target: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, "src", "examples"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    target.mkdir(parents=True)
    archive_path = target / "release.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(target, filter="data")


def tree_key(ref: str | None) -> str | None:
    """A cache key for the fixtures of ``ref``'s ``src`` and ``examples`` (None: the working
    tree, keyed by HEAD when those folders have no uncommitted change, else not cacheable).

    The key also covers the fixtures script and the aws-cdk-lib that synthesizes them.
    """
    if ref is None:
        if _git("status", "--porcelain", "--", "src", "examples").strip():
            return None
        ref = "HEAD"
    trees = _git("rev-parse", f"{ref}:src", f"{ref}:examples").split()
    script = hashlib.sha256((ROOT / "scripts" / "stateful_fixtures.py").read_bytes()).hexdigest()
    parts = [*trees, script[:16], importlib.metadata.version("aws-cdk-lib")]
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()[:24]


def _fixtures(
    src: Path, examples: Path, out: Path, *, cache: Path | None = None, key: str | None = None
) -> dict[str, dict[str, Any]]:
    cached = cache / f"{key}.json" if cache is not None and key is not None else None
    if cached is not None and cached.exists():
        templates: dict[str, dict[str, Any]] = json.loads(cached.read_text())
        return templates
    env = {**os.environ, "PYTHONPATH": str(src), "CDK_VALIDATION": "false"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "stateful_fixtures.py"), str(examples), str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"synthesizing {src}: {result.stderr[-2000:]}")
    templates = read_templates(out)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(templates))
    return templates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--against", help="a git ref  [default: the newest v* tag, else release-baseline.json]"
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="a folder that keeps synthesized fixtures by content (source trees, fixtures "
        "script, aws-cdk-lib version), so a run over the same code synthesizes nothing",
    )
    args = parser.parse_args(argv)
    if args.against:
        label, ref = args.against, args.against
    else:
        try:
            label, ref = baseline()
        except BaselineError as error:
            print(error)
            return 2
    messages = _git("log", "--format=%B%x00", f"{ref}..HEAD").split("\x00")
    declared = declared_breaking(messages)
    with tempfile.TemporaryDirectory() as scratch:
        old_tree = Path(scratch) / "old"
        _export(ref, old_tree)
        api = api_breaks(old_tree / "src", ROOT / "src")
        old = _fixtures(
            old_tree / "src",
            old_tree / "examples",
            Path(scratch) / "old-out",
            cache=args.cache,
            key=tree_key(ref),
        )
        new = _fixtures(
            ROOT / "src",
            ROOT / "examples",
            Path(scratch) / "new-out",
            cache=args.cache,
            key=tree_key(None),
        )
    infra = infra_breaks(old, new)
    notes = unreleased_notes((ROOT / "CHANGELOG.md").read_text())
    print(
        f"against {label}: {len(api)} API break(s), {len(infra)} stateful-resource break(s); "
        f"{len(old)} baseline stack(s), {len(new)} current stack(s); breaking change "
        f"{'declared' if declared else 'not declared'} in the commits since {label}"
    )
    for line in api:
        print(f"  API: {line}")
    for _, line in infra:
        print(f"  stateful: {line}")
    failed = False
    if (api or infra) and not declared:
        print(
            "FAIL: breaking changes need a major release: declare them in a commit "
            "(feat!: ... or a BREAKING CHANGE: footer)"
        )
        failed = True
    missing = undocumented(infra, notes)
    if missing:
        print(
            "FAIL: CHANGELOG.md [Unreleased] must name each replaced resource with its "
            "migration step:"
        )
        for line in missing:
            print(f"  {line}")
        failed = True
    if not failed:
        print("OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
