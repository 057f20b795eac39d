"""BucketLifecycleRule: the guide's rule, transitions, and one test per validation rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import Fn, Token
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
    BucketLifecycleRule(transitions=[BucketTransition(GLACIER, 1)])
    BucketLifecycleRule(transitions=[BucketTransition(IA, 30), BucketTransition(GLACIER, 60)])


def test_token_days_skip_the_checks_that_need_numbers() -> None:
    days: Any = Token.as_number(Fn.ref("RetentionDays"))
    rule = BucketLifecycleRule(expiration_days=days, transitions=[BucketTransition(IA, 30)])
    assert rule.expiration_days == days


def bad(value: object) -> Any:
    return value


INVALID: dict[str, tuple[Callable[[], Any], str]] = {
    "expiration zero": (
        lambda: BucketLifecycleRule(expiration_days=0),
        r"expiration_days=0: must be a whole number of days from 1 to 2147483647",
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
        r"BucketTransition: after_days=0: must be a whole number of days from 1",
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
    "expiration too far": (
        lambda: BucketLifecycleRule(expiration_days=2**31),
        r"expiration_days=2147483648: must be a whole number of days from 1",
    ),
    "transitions not a list": (
        lambda: BucketLifecycleRule(transitions=bad(BucketTransition(GLACIER, 30))),
        r"transitions=BucketTransition\(.*\): must be a list of BucketTransition",
    ),
    "id empty": (lambda: BucketLifecycleRule(id=""), r"id='': must be 1 to 255 characters"),
    "id too long": (lambda: BucketLifecycleRule(id="r" * 256), r"id='r+': must be 1 to 255"),
    "prefix not text": (lambda: BucketLifecycleRule(prefix=bad(5)), r"prefix=5: must be a string"),
    "two transitions to one class": (
        lambda: BucketLifecycleRule(
            transitions=[BucketTransition(GLACIER, 40), BucketTransition(GLACIER, 60)]
        ),
        r"transitions.storage_class='GLACIER': is given twice",
    ),
    "transition back to a warmer class": (
        lambda: BucketLifecycleRule(
            transitions=[BucketTransition(GLACIER, 1), BucketTransition(IA, 30)]
        ),
        r"transitions\[1\]='STANDARD_IA after 30 days': S3 cannot move objects from GLACIER",
    ),
    "two transitions on one day": (
        lambda: BucketLifecycleRule(
            transitions=[BucketTransition(IA, 30), BucketTransition(GLACIER, 30)]
        ),
        r"transitions\[1\].after_days=30: is also the day of the transition to STANDARD_IA",
    ),
    "transition class not a storage class": (
        lambda: BucketTransition(bad("GLACIER"), 30),
        r"BucketTransition: storage_class='GLACIER': must be an aws_s3.StorageClass",
    ),
    "transition days as text": (
        lambda: BucketTransition(GLACIER, bad("30")),
        r"BucketTransition: after_days='30': must be a whole number",
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
