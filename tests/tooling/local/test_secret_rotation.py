"""The emulator's handlers of a secret's resource policy and rotation schedule, in-process, as
``SecureDatabase`` declares them (hosted rotation, a policy denying ``DeleteSecret``): made,
changed in place and removed, each read back through Secrets Manager's API; and the deploy
report, which says that a rotation is recorded, not run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.tooling.local.conftest import ACCOUNT, Client, Resources
from tests.tooling.local.test_handlers import Stack, ref
from tests.tooling.local.test_patches import ChangeSetStack
from tests.tooling.local.test_report import deployed, report_of

TRANSFORM = "AWS::SecretsManager-2024-09-16"
"""What a template with a hosted rotation declares (AWS turns it into a rotation function)."""
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:rotate-orders"


def deny(action: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": action,
                "Resource": "*",
            }
        ],
    }


def hosted(rotation_type: str = "PostgreSQLSingleUser") -> dict[str, Any]:
    return {
        "RotationType": rotation_type,
        "ExcludeCharacters": " %+~`#$&*()|[]{}:;<>?!'/@\"\\",
        "VpcSubnetIds": "subnet-1,subnet-2",
        "VpcSecurityGroupIds": "sg-1",
    }


def resources(
    *,
    policy: dict[str, Any] | None = None,
    rotation: dict[str, Any] | None = None,
    on: str = "Secret",
) -> Resources:
    """Two secrets; the policy and rotation of the one named ``on`` (each left out when None)."""
    found: Resources = {
        name: {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "GenerateSecretString": {
                    "SecretStringTemplate": json.dumps({"username": "dbadmin"}),
                    "GenerateStringKey": "password",
                }
            },
        }
        for name in ("Secret", "Other")
    }
    if policy is not None:
        found["Policy"] = {
            "Type": "AWS::SecretsManager::ResourcePolicy",
            "Properties": {"SecretId": ref(on), "ResourcePolicy": policy},
        }
    if rotation is not None:
        found["Rotation"] = {
            "Type": "AWS::SecretsManager::RotationSchedule",
            "Properties": {"SecretId": ref(on), **rotation},
        }
    return found


def policy_of(aws: Client, secret_id: str) -> Any:
    found = aws("secretsmanager").get_resource_policy(SecretId=secret_id)
    return json.loads(found["ResourcePolicy"]) if "ResourcePolicy" in found else None


def value_of(aws: Client, secret_id: str) -> str:
    return str(aws("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])


class TestResourcePolicy:
    def test_made_changed_in_place_moved_and_removed(self, aws: Client) -> None:
        stack = Stack(aws)
        stack.create(resources(policy=deny("secretsmanager:DeleteSecret")), {"P": ref("Policy")})
        ids = stack.ids()
        assert stack.outputs() == {"P": ids["Secret"]}, "Ref: the secret's ARN, as AWS gives"
        assert policy_of(aws, ids["Secret"]) == deny("secretsmanager:DeleteSecret")
        assert policy_of(aws, ids["Other"]) is None

        stack.update(resources(policy=deny("secretsmanager:PutSecretValue")))
        assert policy_of(aws, ids["Secret"]) == deny("secretsmanager:PutSecretValue")

        stack.update(resources(policy=deny("secretsmanager:PutSecretValue"), on="Other"))
        assert policy_of(aws, ids["Other"]) == deny("secretsmanager:PutSecretValue")
        assert policy_of(aws, ids["Secret"]) is None, "replaced: the old secret's policy went"

        stack.update(resources())
        assert policy_of(aws, ids["Other"]) is None

    def test_a_document_as_text_and_block_public_policy_are_accepted(self, aws: Client) -> None:
        found = resources(policy={})
        found["Policy"]["Properties"] = {
            "SecretId": ref("Secret"),
            "ResourcePolicy": json.dumps(deny("secretsmanager:DeleteSecret")),
            "BlockPublicPolicy": "true",
        }
        stack = Stack(aws)
        stack.create(found)
        assert policy_of(aws, stack.ids()["Secret"]) == deny("secretsmanager:DeleteSecret")
        stack.delete()


class TestRotationSchedule:
    def test_a_hosted_rotation_is_recorded_and_nothing_runs(self, aws: Client) -> None:
        stack = ChangeSetStack(aws, "rotation")
        rotation = {
            "HostedRotationLambda": hosted(),
            "RotationRules": {"ScheduleExpression": "rate(30 days)"},
        }
        status = stack.deploy(
            resources(rotation=rotation), {"R": ref("Rotation")}, Transform=TRANSFORM
        )
        assert status == "CREATE_COMPLETE"
        arn = stack.held()["Secret"]
        assert stack.describe()["Outputs"][0]["OutputValue"] == arn
        secrets = aws("secretsmanager")
        described = secrets.describe_secret(SecretId=arn)
        assert described["RotationEnabled"] is True
        assert described["RotationLambdaARN"] == "", "no function is made for a hosted rotation"
        assert described["RotationRules"] == {
            "AutomaticallyAfterDays": 30,
            "ScheduleExpression": "rate(30 days)",
        }
        assert "NextRotationDate" in described
        assert "RotationEnabled" not in secrets.describe_secret(SecretId=stack.held()["Other"])
        versions = secrets.list_secret_version_ids(SecretId=arn)["Versions"]
        assert [v["VersionStages"] for v in versions] == [["AWSCURRENT"]], "nothing rotated"

        from moto.secretsmanager.models import secretsmanager_backends

        kept = secretsmanager_backends[ACCOUNT]["us-east-1"].describe_secret(arn)
        assert getattr(kept, "hosted_rotation_lambda", None) == hosted()

    def test_changed_in_place_then_turned_off_on_delete(self, aws: Client) -> None:
        stack = Stack(aws)
        stack.create(
            resources(
                rotation={
                    "HostedRotationLambda": hosted(),
                    "RotationRules": {"AutomaticallyAfterDays": 7},
                }
            )
        )
        arn = stack.ids()["Secret"]
        value = value_of(aws, arn)
        by_function = {
            "RotationLambdaARN": FUNCTION_ARN,
            "RotationRules": {"ScheduleExpression": "cron(0 4 ? * SUN *)", "Duration": "2h"},
        }
        stack.update(resources(rotation=by_function))
        described = aws("secretsmanager").describe_secret(SecretId=arn)
        assert stack.ids()["Secret"] == arn
        assert described["RotationEnabled"] is True
        assert described["RotationLambdaARN"] == FUNCTION_ARN, "recorded, never invoked"
        assert described["RotationRules"] == {
            "ScheduleExpression": "cron(0 4 ? * SUN *)",
            "Duration": "2h",
        }
        assert value_of(aws, arn) == value

        stack.update(resources())
        assert aws("secretsmanager").describe_secret(SecretId=arn)["RotationEnabled"] is False
        assert value_of(aws, arn) == value

    def test_a_new_secret_replaces_the_schedule(self, aws: Client) -> None:
        stack = Stack(aws)
        rotation = {
            "RotationLambdaARN": FUNCTION_ARN,
            "RotationRules": {"AutomaticallyAfterDays": 30},
        }
        stack.create(resources(rotation=rotation))
        ids = stack.ids()
        stack.update(resources(rotation=rotation, on="Other"))
        secrets = aws("secretsmanager")
        assert secrets.describe_secret(SecretId=ids["Other"])["RotationEnabled"] is True
        assert secrets.describe_secret(SecretId=ids["Secret"])["RotationEnabled"] is False

    @pytest.mark.parametrize(
        ("rotation", "message"),
        [
            (
                {"RotationLambdaARN": FUNCTION_ARN, "HostedRotationLambda": hosted()},
                r"give RotationLambdaARN or HostedRotationLambda, not both",
            ),
            (
                {"HostedRotationLambda": hosted(), "RotationRules": {"AutomaticallyAfterDays": 0}},
                r"AutomaticallyAfterDays 0 must be from 1 to 1000",
            ),
        ],
    )
    def test_what_aws_refuses_fails_the_stack(
        self, aws: Client, rotation: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(ClientError, match=message):
            Stack(aws).create(resources(rotation=rotation))


def test_the_report_finds_the_policy_and_says_the_rotation_is_not_run(
    aws: Client, tmp_path: Path
) -> None:
    found = resources(
        policy=deny("secretsmanager:DeleteSecret"),
        rotation={
            "HostedRotationLambda": hosted(),
            "RotationRules": {"ScheduleExpression": "rate(30 days)"},
        },
    )
    _, assembly = deployed(aws, tmp_path, found, Transform=TRANSFORM)
    report = report_of(assembly)
    assert report.complete, report.failure()
    assert (report.resources, report.made) == (4, 4)
    text = report.text
    assert re.search(
        r"1 x AWS::SecretsManager::ResourcePolicy +created; GetResourcePolicy lists 1 of 1", text
    )
    assert re.search(
        r"1 x AWS::SecretsManager::RotationSchedule +created; DescribeSecret lists 1 of 1", text
    )
    assert re.search(r"2 x AWS::SecretsManager::Secret +created; ListSecrets lists 2 of 2", text)
    assert (
        "(rate(30 days) by a hosted rotation function: recorded, not run; the emulator runs no "
        "code)" in text
    )


def test_a_policy_or_rotation_on_a_secret_the_service_does_not_list_is_missing(
    aws: Client, tmp_path: Path
) -> None:
    found = resources(
        policy=deny("secretsmanager:DeleteSecret"),
        rotation={"RotationLambdaARN": FUNCTION_ARN},
    )
    stack, assembly = deployed(aws, tmp_path, found)
    secrets = aws("secretsmanager")
    arn = stack.held()["Secret"]
    secrets.delete_resource_policy(SecretId=arn)
    secrets.cancel_rotate_secret(SecretId=arn)
    report = report_of(assembly)
    assert sorted(m.resource_type for m in report.missing) == [
        "AWS::SecretsManager::ResourcePolicy",
        "AWS::SecretsManager::RotationSchedule",
    ]
