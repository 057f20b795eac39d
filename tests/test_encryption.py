"""rotating_key and log_group_key: the keys the constructs create, for users' own resources."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Environment, RemovalPolicy, Stack
from aws_cdk import aws_lambda as lambda_

from org_constructs import (
    AlarmTopic,
    DeploymentNotifications,
    MonitoredFunction,
    SecureBucket,
    StandardVpc,
    ValidationError,
    log_group_key,
    rotating_key,
)
from org_constructs.testing import find_resources, template_of
from tests.support import make_app

DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES = {
    "Sid": "DenyGrantsExceptForAwsServices",
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "kms:CreateGrant",
    "Resource": "*",
    "Condition": {
        "BoolIfExists": {
            "kms:GrantIsForAWSResource": "false",
            "aws:PrincipalIsAWSService": "false",
        }
    },
}
"""The statement both helpers add to every key policy (Control Tower CT.KMS.PR.3): nobody may
create a grant, unless the grant is for an AWS resource or an AWS service asks for it."""


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


@pytest.fixture(scope="module")
def key_policies() -> dict[str, list[dict[str, Any]]]:
    """The key policy statements of each helper's key, by description, in one template."""
    stack = Stack(make_app(), "Keys", env=Environment(account="111111111111", region="us-east-1"))
    rotating_key(stack, "Data", "the data")
    log_group_key(stack, "Logs", "the logs")
    return {
        key["Properties"]["Description"]: key["Properties"]["KeyPolicy"]["Statement"]
        for key in find_resources(template_of(stack), "AWS::KMS::Key").values()
    }


@pytest.mark.parametrize("description", ["Encrypts the data", "Encrypts the logs"])
def test_the_only_deny_is_on_grants_except_for_aws_services(
    key_policies: dict[str, list[dict[str, Any]]], description: str
) -> None:
    statements = key_policies[description]
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert denies == [DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES]


def test_the_account_administers_the_data_key_and_nobody_else_is_allowed(
    key_policies: dict[str, list[dict[str, Any]]],
) -> None:
    allows = [s for s in key_policies["Encrypts the data"] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]


def test_the_log_key_allows_only_the_regions_cloudwatch_logs_to_use_it(
    key_policies: dict[str, list[dict[str, Any]]],
) -> None:
    allows = [s for s in key_policies["Encrypts the logs"] if s["Effect"] == "Allow"]
    assert allows[1:] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            "Resource": "*",
        }
    ]


def test_every_key_the_constructs_create_denies_grants_except_for_aws_services() -> None:
    stack = Stack(make_app(), "Constructs")
    SecureBucket(stack, "Data")
    AlarmTopic(stack, "Alarms")
    DeploymentNotifications(stack, "Deployments")
    MonitoredFunction(
        stack, "Function", code=lambda_.Code.from_inline("def handler(e, c): pass"), handler="i.h"
    )
    StandardVpc(stack, "Network")
    keys = find_resources(template_of(stack), "AWS::KMS::Key")
    assert len(keys) == 6, sorted(keys)  # bucket, two topics, logs and dead letters, flow logs
    for logical_id, key in keys.items():
        statements = key["Properties"]["KeyPolicy"]["Statement"]
        denies = [s for s in statements if s["Effect"] == "Deny"]
        assert denies == [DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES], logical_id


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
