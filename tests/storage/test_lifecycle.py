"""BucketLifecycleRule: the guide's rule, transitions, and one test per validation rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import aws_s3 as s3

from org_constructs import BucketLifecycleRule, BucketTransition, ValidationError

IA = s3.StorageClass.INFREQUENT_ACCESS
GLACIER = s3.StorageClass.GLACIER


def test_guide_default_expires_after_a_year() -> None:
    rule = BucketLifecycleRule.guide_default()
    assert rule.expiration_days == 365
    assert rule.noncurrent_expiration_days == 90
    assert rule.abort_incomplete_multipart_upload_days == 7


def test_transitions_become_tuples() -> None:
    rule = BucketLifecycleRule(transitions=[BucketTransition(GLACIER, 10)])
    assert rule.transitions == (BucketTransition(GLACIER, 10),)


def test_glacier_may_come_early_but_ia_waits_30_days() -> None:
    BucketLifecycleRule(transitions=[BucketTransition(GLACIER, 1), BucketTransition(IA, 30)])


def bad(value: object) -> Any:
    return value


INVALID: dict[str, tuple[Callable[[], Any], str]] = {
    "expiration zero": (
        lambda: BucketLifecycleRule(expiration_days=0),
        r"expiration_days=0: must be a whole number of days, 1 or more",
    ),
    "noncurrent negative": (
        lambda: BucketLifecycleRule(noncurrent_expiration_days=-5),
        r"noncurrent_expiration_days=-5",
    ),
    "abort as text": (
        lambda: BucketLifecycleRule(abort_incomplete_multipart_upload_days=bad("7")),
        r"abort_incomplete_multipart_upload_days='7'",
    ),
    "transition days zero": (
        lambda: BucketLifecycleRule(transitions=[BucketTransition(GLACIER, 0)]),
        r"transitions\[0\].after_days=0: must be a whole number of days",
    ),
    "ia before 30 days": (
        lambda: BucketLifecycleRule(transitions=[BucketTransition(IA, 10)]),
        r"transitions\[0\].after_days=10: S3 needs at least 30 days before STANDARD_IA",
    ),
    "transition after expiration": (
        lambda: BucketLifecycleRule(
            expiration_days=60,
            transitions=[BucketTransition(IA, 30), BucketTransition(GLACIER, 90)],
        ),
        r"transitions\[1\].after_days=90: must be less than expiration_days \(60\)",
    ),
    "noncurrent transition after expiration": (
        lambda: BucketLifecycleRule(
            noncurrent_expiration_days=30,
            noncurrent_transitions=[BucketTransition(GLACIER, 30)],
        ),
        r"noncurrent_transitions\[0\].after_days=30: must be less than noncurrent_expiration",
    ),
    "transition of wrong type": (
        lambda: BucketLifecycleRule(transitions=[bad(("GLACIER", 30))]),
        r"transitions\[0\]=\('GLACIER', 30\): must be a BucketTransition",
    ),
    "rule that does nothing": (
        lambda: BucketLifecycleRule(id="noop", abort_incomplete_multipart_upload_days=None),
        r"BucketLifecycleRule\(noop\): \(rule\)=None: does nothing",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_rules_are_refused(case: str) -> None:
    build, pattern = INVALID[case]
    with pytest.raises(ValidationError, match=pattern):
        build()
