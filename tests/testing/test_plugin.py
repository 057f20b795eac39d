"""The pytest plugin, as a consuming repo's test suite sees it (entry point, no imports)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CONSUMER_TEST = """
import os

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from org_constructs.testing import assert_no_wildcard_iam, find_resources, template_of


def test_bucket(cfn_snapshot):
    stack = cdk.Stack(cdk.App(), "Consumer")
    s3.Bucket(stack, "Data", versioned=os.environ.get("CONSUMER_VERSIONED") == "1")
    template = template_of(stack)
    assert len(find_resources(template, "AWS::S3::Bucket")) == 1
    assert_no_wildcard_iam(template)
    assert template == cfn_snapshot
"""


@pytest.fixture
def consumer(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_consumer=CONSUMER_TEST)
    return pytester


def test_fixture_records_and_checks_a_snapshot(
    consumer: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONSUMER_VERSIONED", raising=False)
    consumer.runpytest_inprocess("--snapshot-update").assert_outcomes(passed=1)
    snapshot = consumer.path / "__snapshots__" / "test_consumer" / "test_bucket.json"
    assert snapshot.is_file()
    assert '"Type": "AWS::S3::Bucket"' in snapshot.read_text()
    assert "BootstrapVersion" not in snapshot.read_text()

    consumer.runpytest_inprocess().assert_outcomes(passed=1)

    monkeypatch.setenv("CONSUMER_VERSIONED", "1")
    changed = consumer.runpytest_inprocess()
    changed.assert_outcomes(failed=1)
    changed.stdout.fnmatch_lines(["*VersioningConfiguration*"])


CDK_JSON = {
    "app": "python app.py",
    "context": {"@aws-cdk/core:flag": True, "shared": "from cdk.json"},
}
RECORDED = {
    "availability-zones:account=111111111111:region=eu-west-1": ["eu-west-1a", "eu-west-1b"],
    "shared": "from cdk.context.json",
}

APP_TEST = """
import aws_cdk as cdk


def test_context_of_the_app_files(cdk_app, cdk_context, cdk_app_dir):
    assert (cdk_app_dir / "cdk.json").is_file()
    assert cdk_context["shared"] == "from cdk.json", "cdk.json wins, as with the CDK CLI"
    assert cdk_context["@aws-cdk/core:flag"] is True
    app = cdk_app()
    assert isinstance(app, cdk.App)
    assert app.node.try_get_context("@aws-cdk/core:flag") is True
    zones = "availability-zones:account=111111111111:region=eu-west-1"
    assert app.node.try_get_context(zones) == ["eu-west-1a", "eu-west-1b"]
    assert app.node.try_get_context("stage") is None


def test_extra_context_as_with_dash_c(cdk_app, cdk_context):
    app = cdk_app({"shared": "given", "@aws-cdk/core:flag": False}, stage="dev")
    assert app.node.try_get_context("stage") == "dev"
    assert app.node.try_get_context("shared") == "given"
    assert app.node.try_get_context("@aws-cdk/core:flag") is False
    assert cdk_context["shared"] == "from cdk.json", "the session's context is unchanged"
    assert cdk_app() is not cdk_app(), "a new app per call"
"""


def cdk_files(folder: Path, *, recorded: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cdk.json").write_text(json.dumps(CDK_JSON))
    if recorded:
        (folder / "cdk.context.json").write_text(json.dumps(RECORDED))


def test_cdk_app_builds_apps_with_the_context_of_cdk_synth(pytester: pytest.Pytester) -> None:
    cdk_files(pytester.path)
    pytester.makepyfile(test_app=APP_TEST)
    pytester.runpytest_inprocess().assert_outcomes(passed=2)


def test_cdk_context_json_is_optional(pytester: pytest.Pytester) -> None:
    cdk_files(pytester.path, recorded=False)
    pytester.makepyfile(
        test_app="""
        def test_context(cdk_context):
            assert cdk_context == {"@aws-cdk/core:flag": True, "shared": "from cdk.json"}
        """
    )
    pytester.runpytest_inprocess().assert_outcomes(passed=1)


def test_the_app_folder_comes_from_the_ini_option(pytester: pytest.Pytester) -> None:
    cdk_files(pytester.path / "infra")
    pytester.makeini("[pytest]\ncdk_app_dir = infra\n")
    pytester.makepyfile(
        test_app="""
        def test_folder(cdk_app_dir, cdk_context, pytestconfig):
            assert cdk_app_dir == pytestconfig.rootpath / "infra"
            assert cdk_context["shared"] == "from cdk.json"
        """
    )
    pytester.runpytest_inprocess().assert_outcomes(passed=1)


def test_a_folder_without_cdk_json_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ncdk_app_dir = infra\n")
    pytester.makepyfile(test_app="def test_app(cdk_app):\n    pass\n")
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*ValidationError: pytest ini option cdk_app_dir: cdk_app_dir='infra': must name the*"]
    )


def test_invalid_cdk_json_names_the_file(pytester: pytest.Pytester) -> None:
    (pytester.path / "cdk.json").write_text('{"app": "python app.py", "context": [1]}')
    pytester.makepyfile(test_app="def test_app(cdk_context):\n    pass\n")
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cdk.json: context=[[]1[]]: must be a JSON object*"])


CHECK_ENVIRONMENT = """
import os
import sys

# conftest.py runs after the plugin has loaded and before anything imports aws_cdk.
assert "aws_cdk" not in sys.modules, "the plugin must not import aws_cdk"
VALIDATION = os.environ.get("CDK_VALIDATION")
"""


@pytest.mark.e2e  # a fresh pytest process: the environment it starts with is the point
@pytest.mark.parametrize(("given", "seen"), [(None, "false"), ("true", "true")])
def test_validation_is_off_before_conftest_unless_set(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, given: str | None, seen: str
) -> None:
    if given is None:
        monkeypatch.delenv("CDK_VALIDATION", raising=False)
    else:
        monkeypatch.setenv("CDK_VALIDATION", given)
    pytester.makeconftest(CHECK_ENVIRONMENT)
    pytester.makepyfile(
        test_environment=f"""
        from conftest import VALIDATION

        def test_validation():
            assert VALIDATION == {seen!r}
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
