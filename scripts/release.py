"""Cut a release from the Conventional Commits since the last tag (commitizen does the maths).

Usage: python scripts/release.py [--dry-run] [--date YYYY-MM-DD]

1. ``cz bump --get-next``: feat -> minor, fix/perf -> patch, ``!`` or BREAKING CHANGE -> major
   (minor while the version is 0.x: ``major_version_zero``).
2. ``cz changelog --dry-run``: the commits since the last tag grouped by type and scope.
3. CHANGELOG.md: a ``## [X.Y.Z] - DATE`` section with the hand-written ``[Unreleased]`` notes
   first, then the grouped commits; ``[Unreleased]`` starts empty again.
4. ``cz bump --files-only``: the version in ``.projenrc.py`` (VERSION) and ``pyproject.toml``.
5. The examples' ``requirements.txt`` pins (``org-constructs>=X.Y,<...``) move to the new
   release's compatible range: the next minor while 0.x, the next major from 1.0.
6. ``release-baseline.json``: the version and the commit whose code it releases (the release
   commit's parent: the release commit changes only versions, changelog and this file), which
   ``scripts/breaks.py`` compares with in clones that lack the tag.
7. A ``chore(release): X.Y.Z`` commit, and an annotated ``vX.Y.Z`` tag holding the section in
   this clone (for commitizen's next count).

``--dry-run`` prints the version and the section and changes nothing. Run the test command
(the break checks compare with the last tag) before releasing. The commit is the release:
when it lands on main, the release workflow tags it, builds, publishes to PyPI and creates
the GitHub release; the local tag need not be pushed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path.cwd()
NO_COMMITS_TO_BUMP = 21


def run(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), cwd=ROOT, capture_output=True, text=True, check=check)


def cz() -> list[str]:
    return [sys.executable, "-m", "commitizen"]


def last_tag() -> str | None:
    result = run("git", "describe", "--tags", "--abbrev=0", "--match", "v*", check=False)
    return result.stdout.strip() or None


def next_version() -> str | None:
    result = run(*cz(), "bump", "--get-next", "--yes", check=False)
    if result.returncode == NO_COMMITS_TO_BUMP:
        return None
    if result.returncode != 0:
        raise SystemExit(f"cz bump --get-next: {result.stdout}{result.stderr}")
    return result.stdout.strip().splitlines()[-1]


def grouped_commits(version: str, since: str | None) -> str:
    """commitizen's changelog of the commits since ``since``, headings one level down."""
    command = [*cz(), "changelog", "--dry-run", "--unreleased-version", f"v{version}"]
    if since:
        command += ["--start-rev", since]
    text = run(*command).stdout.strip()
    lines = text.splitlines()[1:]  # commitizen's own version heading
    body = "\n".join(f"#{line}" if line.startswith("### ") else line for line in lines).strip()
    return body


def section(version: str, date: str, notes: str, commits: str) -> str:
    parts = [f"## [{version}] - {date}", ""]
    if notes.strip():
        parts += [notes.strip(), ""]
    if commits:
        parts += ["### Commits", "", commits, ""]
    return "\n".join(parts)


def update_changelog(text: str, new_section: str) -> tuple[str, str]:
    """Put ``new_section`` after an emptied ``[Unreleased]``; return (text, old notes)."""
    match = re.search(r"^## \[Unreleased\]\s*$(.*?)(?=^## \[|\Z)", text, re.M | re.S)
    if match is None:
        raise SystemExit("CHANGELOG.md has no '## [Unreleased]' section")
    notes = match.group(1)
    head, tail = text[: match.start()], text[match.end() :]
    updated = head + "## [Unreleased]\n\n" + new_section + "\n" + tail
    return updated, notes


PIN = re.compile(r"^(org-constructs(?:\[[\w,]+\])?)>=[\d.]+,<[\d.]+$", re.M)


def compatible_range(version: str) -> str:
    """``>=0.2,<0.3`` for 0.2.x (a 0.x minor may break), ``>=1.4,<2`` from 1.0 on."""
    major, minor, _ = (int(part) for part in version.split("."))
    upper = f"0.{minor + 1}" if major == 0 else str(major + 1)
    return f">={major}.{minor},<{upper}"


def repin(text: str, version: str) -> str:
    """The requirement lines on org-constructs in ``text``, moved to ``version``'s range."""
    return PIN.sub(lambda m: m.group(1) + compatible_range(version), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print, change nothing")
    parser.add_argument("--date", default=datetime.date.today().isoformat())
    args = parser.parse_args(argv)
    if run("git", "status", "--porcelain").stdout.strip() and not args.dry_run:
        raise SystemExit("the working tree has changes: commit or stash them first")
    version = next_version()
    if version is None:
        print("nothing to release: no feat, fix, perf or breaking commit since the last tag")
        return 0
    since = last_tag()
    changelog_path = ROOT / "CHANGELOG.md"
    changelog = changelog_path.read_text()
    _, notes = update_changelog(changelog, "")
    new_section = section(version, args.date, notes, grouped_commits(version, since))
    print(f"{since or '(no tag)'} -> v{version}\n")
    print(new_section)
    if args.dry_run:
        return 0
    updated, _ = update_changelog(changelog, new_section)
    changelog_path.write_text(updated)
    run(*cz(), "bump", "--files-only", "--yes", version)
    if not version.startswith("0."):
        # What .projenrc.py derives from VERSION: breaking changes bump the major from 1.0 on.
        pyproject = ROOT / "pyproject.toml"
        pyproject.write_text(
            re.sub(
                r"^(\s*major_version_zero = )true$",
                r"\1false",
                pyproject.read_text(),
                flags=re.M,
            )
        )
    for requirements in sorted(ROOT.glob("examples/*/requirements.txt")):
        requirements.write_text(repin(requirements.read_text(), version))
    released = run("git", "rev-parse", "HEAD").stdout.strip()
    (ROOT / "release-baseline.json").write_text(
        json.dumps({"version": version, "commit": released}, indent=2) + "\n"
    )
    run("git", "add", "-A")
    run("git", "commit", "-q", "-m", f"chore(release): {version}")
    run("git", "tag", "-a", f"v{version}", "-m", new_section)
    print(
        f"committed chore(release): {version}: merge it into main, and the release workflow "
        "tags, builds and publishes it"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
