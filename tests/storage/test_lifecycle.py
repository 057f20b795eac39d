"""BucketLifecycleRule: the guide's rule, transitions, what ``to_cdk()`` and the synthesized
bucket carry, and one test per validation rule."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import Duration, Fn, Stack, Token
from aws_cdk import aws_s3 as s3

from org_constructs import BucketLifecycleRule, BucketTransition, SecureBucket, ValidationError
from org_constructs.testing import find_resources, template_of
from tests.support import make_app

IA = s3.StorageClass.INFREQUENT_ACCESS
GLACIER = s3.StorageClass.GLACIER
DEEP_ARCHIVE = s3.StorageClass.DEEP_ARCHIVE


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


# ------------------------------------------------------------------------------- to_cdk()

EVERY_FIELD = BucketLifecycleRule(
    id="archive-reports",
    prefix="reports/",
    expiration_days=400,
    noncurrent_expiration_days=200,
    transitions=[
        BucketTransition(IA, 30),
        BucketTransition(GLACIER, 120),
        BucketTransition(DEEP_ARCHIVE, 300),
    ],
    noncurrent_transitions=[BucketTransition(IA, 30), BucketTransition(GLACIER, 60)],
    abort_incomplete_multipart_upload_days=3,
)
"""A rule that sets every field of ``BucketLifecycleRule``."""
EXPIRATION_ONLY = BucketLifecycleRule(id="expire", expiration_days=30)
"""A rule that sets one action: the multipart default comes with it, nothing else."""
LIFECYCLE_RULE_FIELDS = tuple(inspect.signature(s3.LifecycleRule).parameters)
"""Every field of ``aws_s3.LifecycleRule`` (the ones ``to_cdk()`` leaves unset included)."""


def plain(value: Any) -> Any:
    """A ``LifecycleRule`` field as plain data: durations in days, storage classes by name,
    transitions as dicts of their own fields."""
    if isinstance(value, Duration):
        return ("days", value.to_days())
    if isinstance(value, s3.StorageClass):
        return value.value
    if isinstance(value, s3.Transition | s3.NoncurrentVersionTransition):
        fields = inspect.signature(type(value)).parameters
        return {name: plain(getattr(value, name)) for name in fields}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def cdk_fields(rule: s3.LifecycleRule) -> dict[str, Any]:
    return {name: plain(getattr(rule, name)) for name in LIFECYCLE_RULE_FIELDS}


UNSET: dict[str, Any] = dict.fromkeys(LIFECYCLE_RULE_FIELDS)


def test_to_cdk_carries_every_field() -> None:
    rule = EVERY_FIELD.to_cdk()
    assert isinstance(rule, s3.LifecycleRule)
    expected = {
        **UNSET,
        "id": "archive-reports",
        "prefix": "reports/",
        "expiration": ("days", 400),
        "noncurrent_version_expiration": ("days", 200),
        "transitions": [
            {
                "storage_class": "STANDARD_IA",
                "transition_after": ("days", 30),
                "transition_date": None,
            },
            {
                "storage_class": "GLACIER",
                "transition_after": ("days", 120),
                "transition_date": None,
            },
            {
                "storage_class": "DEEP_ARCHIVE",
                "transition_after": ("days", 300),
                "transition_date": None,
            },
        ],
        "noncurrent_version_transitions": [
            {
                "storage_class": "STANDARD_IA",
                "transition_after": ("days", 30),
                "noncurrent_versions_to_retain": None,
            },
            {
                "storage_class": "GLACIER",
                "transition_after": ("days", 60),
                "noncurrent_versions_to_retain": None,
            },
        ],
        "abort_incomplete_multipart_upload_after": ("days", 3),
    }
    actual = cdk_fields(rule)
    for name in LIFECYCLE_RULE_FIELDS:
        assert actual[name] == expected[name], name


def test_to_cdk_leaves_out_what_is_not_given() -> None:
    assert cdk_fields(EXPIRATION_ONLY.to_cdk()) == {
        **UNSET,
        "id": "expire",
        "expiration": ("days", 30),
        "abort_incomplete_multipart_upload_after": ("days", 7),
    }
    without_abort = BucketLifecycleRule(
        noncurrent_expiration_days=10, abort_incomplete_multipart_upload_days=None
    )
    assert cdk_fields(without_abort.to_cdk()) == {
        **UNSET,
        "noncurrent_version_expiration": ("days", 10),
    }


def test_to_cdk_keeps_token_days() -> None:
    days: Any = Token.as_number(Fn.ref("RetentionDays"))
    rule = BucketLifecycleRule(expiration_days=days).to_cdk()
    assert rule.expiration is not None
    stack = Stack(make_app(), "Tokens")
    assert stack.resolve(rule.expiration.to_days()) == {"Ref": "RetentionDays"}


@pytest.fixture(scope="module")
def synthesized_rules() -> list[dict[str, Any]]:
    """The ``LifecycleConfiguration.Rules`` of a ``SecureBucket`` given both rules."""
    stack = Stack(make_app(), "Lifecycle")
    SecureBucket(stack, "Data", lifecycle_rules=[EVERY_FIELD, EXPIRATION_ONLY])
    (bucket,) = [
        resource
        for logical_id, resource in find_resources(template_of(stack), "AWS::S3::Bucket").items()
        if logical_id.startswith("DataBucket")
    ]
    rules: list[dict[str, Any]] = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    return rules


SYNTHESIZED: dict[str, dict[str, Any]] = {
    "archive-reports": {
        "Id": "archive-reports",
        "Prefix": "reports/",
        "Status": "Enabled",
        "ExpirationInDays": 400,
        "NoncurrentVersionExpiration": {"NoncurrentDays": 200},
        "Transitions": [
            {"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
            {"StorageClass": "GLACIER", "TransitionInDays": 120},
            {"StorageClass": "DEEP_ARCHIVE", "TransitionInDays": 300},
        ],
        "NoncurrentVersionTransitions": [
            {"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
            {"StorageClass": "GLACIER", "TransitionInDays": 60},
        ],
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3},
    },
    "expire": {
        "Id": "expire",
        "Status": "Enabled",
        "ExpirationInDays": 30,
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    },
}


def test_synthesized_rules_are_the_given_ones_in_order(
    synthesized_rules: list[dict[str, Any]],
) -> None:
    assert [rule.get("Id") for rule in synthesized_rules] == list(SYNTHESIZED)


@pytest.mark.parametrize("rule_id", SYNTHESIZED)
def test_synthesized_rule_matches_field_by_field(
    synthesized_rules: list[dict[str, Any]], rule_id: str
) -> None:
    (rule,) = [r for r in synthesized_rules if r.get("Id") == rule_id]
    expected = SYNTHESIZED[rule_id]
    assert sorted(rule) == sorted(expected), "the rule has other fields than expected"
    for name, value in expected.items():
        assert rule[name] == value, name


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
