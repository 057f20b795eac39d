"""Release engineering: the break checks (API and stateful resources) and the release command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Hashable
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from org_constructs import SecureBucket
from tests.support import ROOT, Background, Work, load_script, make_app

breaks = load_script("breaks")

OLD_API = '''
def make_bucket(scope, construct_id, *, bucket_name=None, versioned=True):
    """A bucket."""
'''


def package(tmp_path: Path, name: str, source: str) -> Path:
    src = tmp_path / name
    (src / "fixturepkg").mkdir(parents=True)
    (src / "fixturepkg" / "__init__.py").write_text(source)
    return src


class TestApiCheck:
    def test_renamed_parameter_is_a_break(self, tmp_path: Path) -> None:
        old = package(tmp_path, "old", OLD_API)
        new = package(tmp_path, "new", OLD_API.replace("bucket_name", "name"))
        found = breaks.api_breaks(old, new, "fixturepkg")
        assert any("bucket_name" in line for line in found), found

    def test_changed_default_is_a_break(self, tmp_path: Path) -> None:
        old = package(tmp_path, "old", OLD_API)
        new = package(tmp_path, "new", OLD_API.replace("versioned=True", "versioned=False"))
        assert breaks.api_breaks(old, new, "fixturepkg") != []

    def test_new_optional_parameter_is_compatible(self, tmp_path: Path) -> None:
        old = package(tmp_path, "old", OLD_API)
        new = package(
            tmp_path, "new", OLD_API.replace("versioned=True", "versioned=True, tags=None")
        )
        assert breaks.api_breaks(old, new, "fixturepkg") == []


def bucket_template(construct_id: str, **options: object) -> dict[str, object]:
    stack = Stack(make_app(), "Data")
    SecureBucket(stack, construct_id, **options)  # type: ignore[arg-type]
    template: dict[str, object] = dict(Template.from_stack(stack).to_json())
    return template


@pytest.fixture(scope="module")
def baseline() -> dict[str, dict[str, object]]:
    return {"fixture/Data": bucket_template("Reports")}


class TestStatefulCheck:
    def test_renamed_bucket_construct_id_is_a_break(
        self, baseline: dict[str, dict[str, object]]
    ) -> None:
        found = breaks.infra_breaks(baseline, {"fixture/Data": bucket_template("Archive")})
        assert any("ReportsBucket" in logical_id for logical_id, _ in found), found
        assert any("would be deleted" in text for _, text in found)

    def test_replacement_property_is_a_break(self, baseline: dict[str, dict[str, object]]) -> None:
        found = breaks.infra_breaks(
            baseline, {"fixture/Data": bucket_template("Reports", bucket_name="reports-2026")}
        )
        assert any("BucketName changes" in text for _, text in found), found

    def test_compatible_change_passes(self, baseline: dict[str, dict[str, object]]) -> None:
        changed = bucket_template("Reports", event_bridge_enabled=True)
        assert breaks.infra_breaks(baseline, {"fixture/Data": changed}) == []

    def test_a_break_needs_its_migration_in_the_changelog(self) -> None:
        found = [("ReportsBucketABC", "fixture/Data: ReportsBucketABC would be deleted")]
        notes = "### Changed\n\n- Renamed the reports bucket."
        assert breaks.undocumented(found, notes) == [found[0][1]]
        documented = notes + "\n\nMigration: `ReportsBucketABC` ... copy the objects first."
        assert breaks.undocumented(found, documented) == []


@pytest.mark.parametrize(
    ("message", "declared"),
    [
        ("feat(config)!: rename the VPC setting", True),
        ("fix: x\n\nBREAKING CHANGE: the default changed", True),
        ("feat(storage): add presets", False),
        ("chore: note that breaking changes need a footer", False),
    ],
)
def test_declared_breaking(message: str, declared: bool) -> None:
    assert breaks.declared_breaking([message]) is declared


class TestRecordedBaseline:
    """Clones without the release tag compare with release-baseline.json's commit."""

    def test_the_recorded_release_names_a_commit_of_this_history(self) -> None:
        version, commit = breaks.recorded_release()
        assert re.fullmatch(r"v\d+\.\d+\.\d+", version)
        assert git(ROOT, "merge-base", "--is-ancestor", commit, "HEAD") == ""

    def test_a_missing_file_says_how_to_record_a_release(self, tmp_path: Path) -> None:
        with pytest.raises(breaks.BaselineError, match=r"no v\* tag .* scripts/release.py"):
            breaks.recorded_release(tmp_path / "release-baseline.json")

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ("{", "expected"),
            ('{"version": "0.1.0"}', "expected"),
            ('{"version": "one", "commit": "HEAD"}', "version='one' is not X.Y.Z"),
        ],
    )
    def test_a_malformed_file_is_named(self, tmp_path: Path, content: str, message: str) -> None:
        path = tmp_path / "release-baseline.json"
        path.write_text(content)
        with pytest.raises(breaks.BaselineError, match=re.escape(message)):
            breaks.recorded_release(path)

    def test_a_commit_outside_the_history_asks_for_the_history(self, tmp_path: Path) -> None:
        path = tmp_path / "release-baseline.json"
        path.write_text('{"version": "0.1.0", "commit": "' + "0" * 40 + '"}')
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        with pytest.raises(breaks.BaselineError, match="git fetch --unshallow"):
            breaks.recorded_release(path)


def make_breaks_cache(background: Background) -> Path:
    folder: Path = background.tmp.mktemp("breaks-cache")
    return folder


BREAKS_CACHE: tuple[Hashable, Work] = (("breaks-cache",), make_breaks_cache)


@pytest.fixture(scope="session")
def breaks_cache(background: Background) -> Path:
    """Fixtures synthesized by one break check, reused by the next over the same trees."""
    folder: Path = background.result(*BREAKS_CACHE)
    return folder


def check_breaks(repo: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(repo / "scripts" / "breaks.py"), "--cache", str(cache)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.mark.e2e
def test_the_repository_has_no_undeclared_break_since_the_last_release(
    background: Background,
) -> None:
    result: subprocess.CompletedProcess[str] = background.result(*REPOSITORY_BREAKS)
    assert result.returncode == 0, result.stdout + result.stderr
    # The tag when the clone has it, else the release recorded in release-baseline.json.
    assert re.search(
        r"against v\d+\.\d+\.\d+( \([0-9a-f]{12}, from release-baseline\.json\))?: "
        r"\d+ API break",
        result.stdout,
    ), result.stdout


def check_the_repository(background: Background) -> subprocess.CompletedProcess[str]:
    return check_breaks(ROOT, background.result(*BREAKS_CACHE))


REPOSITORY_BREAKS: tuple[Hashable, Work] = (("breaks", "repository"), check_the_repository)
BACKGROUND = [REPOSITORY_BREAKS]
"""The break check of this repository synthesizes the baseline's fixtures into the cache that
the scratch clones' checks then read."""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def commit(repo: Path, message: str) -> None:
    marker = repo / "changes.txt"
    marker.write_text(marker.read_text() + message + "\n" if marker.exists() else message + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    # Each test tags the releases it needs: start, as a clone of main does, with none.
    tags = git(repo, "tag").split()
    if tags:
        git(repo, "tag", "-d", *tags)
    return repo


def release(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(repo / "scripts" / "release.py"), "--date", "2026-12-01", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def version_of(repo: Path) -> tuple[str, str]:
    projenrc = re.search(r'^VERSION = "([^"]+)"', (repo / ".projenrc.py").read_text(), re.M)
    pyproject = re.search(r'^version = "([^"]+)"', (repo / "pyproject.toml").read_text(), re.M)
    assert projenrc is not None
    assert pyproject is not None
    return projenrc.group(1), pyproject.group(1)


release_script = load_script("release")


@pytest.mark.parametrize(
    ("line", "version", "expected"),
    [
        ("org-constructs>=0.1,<0.2", "0.2.0", "org-constructs>=0.2,<0.3"),
        ("org-constructs[validate]>=0.1,<0.2", "0.1.1", "org-constructs[validate]>=0.1,<0.2"),
        ("org-constructs>=0.9,<0.10", "1.0.0", "org-constructs>=1.0,<2"),
        ("org-constructs>=1.4,<2", "2.0.0", "org-constructs>=2.0,<3"),
        ("aws-cdk-lib>=2.100,<3", "0.2.0", "aws-cdk-lib>=2.100,<3"),
    ],
)
def test_example_pins_move_with_the_release(line: str, version: str, expected: str) -> None:
    text = f"# a comment\n{line}\n"
    assert release_script.repin(text, version) == f"# a comment\n{expected}\n"


def set_version(repo: Path, version: str) -> None:
    """Put ``version`` where a release puts it (.projenrc.py and pyproject.toml)."""
    for name, field in ((".projenrc.py", "VERSION = "), ("pyproject.toml", "version = ")):
        path = repo / name
        path.write_text(
            re.sub(rf'^{field}"[^"]+"', f'{field}"{version}"', path.read_text(), flags=re.M)
        )


def next_minor(version: str) -> str:
    major, minor, _ = (int(part) for part in version.split("."))
    return f"{major}.{minor + 1}.0"


@pytest.mark.e2e
class TestReleaseCommand:
    """Scratch clones at any version of this repository: each test sets the version it needs."""

    def test_features_and_fixes_make_a_minor_release(self, scratch: Path) -> None:
        git(scratch, "tag", "-a", "v0.2.0", "-m", "0.2.0")
        set_version(scratch, "0.2.0")
        commit(scratch, "chore: start 0.2.x")
        git(scratch, "tag", "-f", "-a", "v0.2.0", "-m", "0.2.0")
        commit(scratch, "feat(storage): lifecycle presets for logs")
        commit(scratch, "fix(network): refuse a /29 VPC")
        commit(scratch, "docs: typo in the runbook")
        result = release(scratch)
        assert result.returncode == 0, result.stdout + result.stderr
        assert version_of(scratch) == ("0.3.0", "0.3.0")
        changelog = (scratch / "CHANGELOG.md").read_text()
        section = changelog.split("## [0.3.0] - 2026-12-01", 1)[1].split("\n## [", 1)[0]
        assert "#### Feat\n\n- **storage**: lifecycle presets for logs" in section
        assert "#### Fix\n\n- **network**: refuse a /29 VPC" in section
        assert "typo in the runbook" not in section.split("#### Feat")[1].split("#### Fix")[0]
        assert changelog.index("## [Unreleased]") < changelog.index("## [0.3.0]")
        assert git(scratch, "describe", "--tags", "--exact-match", "HEAD").strip() == "v0.3.0"
        # The whole annotation: `git tag -n99` would stop at 99 lines of [Unreleased] notes.
        message = git(scratch, "tag", "-l", "--format=%(contents)", "v0.3.0")
        assert "lifecycle presets" in message
        assert git(scratch, "log", "-1", "--format=%s").strip() == "chore(release): 0.3.0"
        pins = {p.read_text() for p in (scratch / "examples").glob("*/requirements.txt")}
        assert any("org-constructs>=0.3,<0.4\n" in text for text in pins)
        assert not any("<0.2" in text or "<0.3" in text for text in pins)
        recorded = json.loads((scratch / "release-baseline.json").read_text())
        assert recorded == {
            "version": "0.3.0",
            "commit": git(scratch, "rev-parse", "HEAD~1").strip(),
        }

    def test_fixes_only_make_a_patch_release(self, scratch: Path) -> None:
        set_version(scratch, "0.1.0")
        commit(scratch, "chore: 0.1.0")
        git(scratch, "tag", "-a", "v0.1.0", "-m", "0.1.0")
        commit(scratch, "fix(config): clearer message for a bad CIDR")
        result = release(scratch)
        assert result.returncode == 0, result.stdout + result.stderr
        assert version_of(scratch) == ("0.1.1", "0.1.1")

    def test_a_breaking_change_makes_a_major_release(self, scratch: Path) -> None:
        set_version(scratch, "1.4.0")
        # What .projenrc.py writes from 1.0 on: breaking changes bump the major.
        pyproject = scratch / "pyproject.toml"
        pyproject.write_text(
            pyproject.read_text().replace("major_version_zero = true", "major_version_zero = false")
        )
        commit(scratch, "chore: 1.4.0")
        git(scratch, "tag", "-a", "v1.4.0", "-m", "1.4.0")
        commit(scratch, "feat(config)!: rename VpcConfig.max_azs to az_count")
        result = release(scratch)
        assert result.returncode == 0, result.stdout + result.stderr
        assert version_of(scratch) == ("2.0.0", "2.0.0")
        section = (scratch / "CHANGELOG.md").read_text().split("## [2.0.0] - 2026-12-01", 1)[1]
        assert "**config**: rename VpcConfig.max_azs to az_count" in section

    def test_dry_run_changes_nothing(self, scratch: Path) -> None:
        commit(scratch, "feat: something new")
        before = git(scratch, "status", "--porcelain"), git(scratch, "tag")
        result = release(scratch, "--dry-run")
        assert result.returncode == 0, result.stderr
        # No tag in the clone: commitizen reads every commit, features among them (0.x: minor).
        assert f"-> v{next_minor(version_of(scratch)[0])}" in result.stdout
        assert (git(scratch, "status", "--porcelain"), git(scratch, "tag")) == before


@pytest.mark.e2e
def test_a_renamed_stateful_child_fails_until_declared_with_its_migration(
    scratch: Path, breaks_cache: Path, background: Background
) -> None:
    """Renaming SecureBucket's ``AccessLogs`` child replaces every access-log bucket."""
    background.result(*REPOSITORY_BREAKS)  # the baseline's fixtures are in the cache now
    source = scratch / "src" / "org_constructs" / "storage" / "_secure_bucket.py"
    text = source.read_text()
    assert text.count('"AccessLogs",') == 1
    source.write_text(text.replace('"AccessLogs",', '"AccessLog",'))
    commit(scratch, "refactor(bucket): tidy names")

    undeclared = check_breaks(scratch, breaks_cache)
    assert undeclared.returncode == 1, undeclared.stdout + undeclared.stderr
    assert "breaking change not declared" in undeclared.stdout
    assert "FAIL: breaking changes need a major release" in undeclared.stdout
    # Each break names the fixture, the logical id, its type and the construct it came from.
    assert re.search(
        r"SecureBucket/SecureBucket-dev: (DataAccessLogs[0-9A-F]{8}) \(AWS::S3::Bucket, "
        r"construct SecureBucket-dev/Data/AccessLogs/Resource\) would be deleted",
        undeclared.stdout,
    ), undeclared.stdout
    replaced = sorted(set(re.findall(r"^  stateful: \S+: (\w+) ", undeclared.stdout, re.M)))
    assert replaced, undeclared.stdout

    git(
        scratch,
        "commit",
        "-q",
        "--amend",
        "-m",
        "refactor(bucket)!: tidy names\n\nBREAKING CHANGE: the access-log buckets are replaced",
    )
    without_migration = check_breaks(scratch, breaks_cache)
    assert without_migration.returncode == 1, without_migration.stdout
    assert "breaking change declared" in without_migration.stdout
    assert "must name each replaced resource with its migration step" in without_migration.stdout

    changelog = scratch / "CHANGELOG.md"
    note = (
        "### Changed\n\n- Access-log buckets are new resources. Migration: before deploying, "
        "copy the objects of " + ", ".join(f"`{lid}`" for lid in replaced) + " (retained).\n"
    )
    changelog.write_text(
        changelog.read_text().replace("## [Unreleased]\n", "## [Unreleased]\n\n" + note, 1)
    )
    commit(scratch, "docs(changelog): migration of the access-log buckets")
    declared = check_breaks(scratch, breaks_cache)
    assert declared.returncode == 0, declared.stdout + declared.stderr
    assert declared.stdout.rstrip().endswith("OK")
