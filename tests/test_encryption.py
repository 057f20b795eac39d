"""rotating_key and log_group_key: the keys the constructs create, for users' own resources."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import RemovalPolicy, Stack

from org_constructs import ValidationError, log_group_key, rotating_key
from org_constructs.testing import find_resources, template_of
from tests.support import make_app


def test_keys_rotate_and_follow_the_removal_policy() -> None:
    stack = Stack(make_app(), "Keys")
    rotating_key(stack, "Data", "the data")
    log_group_key(stack, "Logs", "the logs", RemovalPolicy.DESTROY)
    keys = find_resources(template_of(stack), "AWS::KMS::Key")
    by_description = {k["Properties"]["Description"]: k for k in keys.values()}
    assert set(by_description) == {"Encrypts the data", "Encrypts the logs"}
    assert all(k["Properties"]["EnableKeyRotation"] for k in keys.values())
    assert by_description["Encrypts the data"]["DeletionPolicy"] == "Retain"
    assert by_description["Encrypts the logs"]["DeletionPolicy"] == "Delete"
    statements = by_description["Encrypts the logs"]["Properties"]["KeyPolicy"]["Statement"]
    assert any("logs." in str(s.get("Principal")) for s in statements)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda s: rotating_key(s, "Data", "the data", RemovalPolicy.SNAPSHOT),
            r"rotating_key: removal_policy=.*: KMS keys have no snapshots",
        ),
        (lambda s: log_group_key(s, "Logs", bad(5)), r"log_group_key: purpose=5: must be a string"),
        (lambda s: rotating_key(s, "", "the data"), r"construct_id='': must be a non-empty"),
        (
            lambda s: [rotating_key(s, "Data", "a"), rotating_key(s, "Data", "b")],
            r"construct_id='Data': is already used in Keys",
        ),
    ],
)
def test_bad_arguments_are_refused(call: Any, pattern: str) -> None:
    with pytest.raises(ValidationError, match=pattern):
        call(Stack(make_app(), "Keys"))


def bad(value: object) -> Any:
    return value
