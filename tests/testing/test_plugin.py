"""The pytest plugin, as a consuming repo's test suite sees it (entry point, no imports)."""

from __future__ import annotations

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
