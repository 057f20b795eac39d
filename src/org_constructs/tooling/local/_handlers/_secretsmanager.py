"""CloudFormation handlers for Secrets Manager secrets, their attachment to a database, their
resource policy and their rotation schedule.

- ``AWS::SecretsManager::Secret``: ``CreateSecret`` with ``SecretString``, or with a password
  from ``GetRandomPassword`` (``GenerateSecretString``: length, exclusions, placed under
  ``GenerateStringKey`` in ``SecretStringTemplate``), description, KMS key and tags;
  ``UpdateSecret`` when the value (a new string or new generation settings), description or
  key changes; ``DeleteSecret`` without a recovery window. No rotation; replica regions are
  left out.
- ``AWS::SecretsManager::SecretTargetAttachment``: ``UpdateSecret`` with ``engine``,
  ``host``, ``port`` and ``dbInstanceIdentifier`` (``dbClusterIdentifier`` for a cluster) of
  the RDS instance or cluster added to the secret's JSON, as AWS does; other target types are
  refused. A delete leaves the secret's value as it is.
- ``AWS::SecretsManager::ResourcePolicy``: ``PutResourcePolicy`` with the document (a new
  document changes the same policy), ``DeleteResourcePolicy`` on delete. ``BlockPublicPolicy``
  is accepted; the emulator does not check that a policy is public.
- ``AWS::SecretsManager::RotationSchedule``: the rotation is recorded on the secret, as
  ``DescribeSecret`` shows it (``RotationEnabled``, ``RotationLambdaARN``, ``RotationRules``
  with ``AutomaticallyAfterDays``, ``ScheduleExpression`` and ``Duration``, the next rotation
  date), and nothing is run: no rotation function is invoked and the secret's value stays as
  it is (moto's ``RotateSecret`` would invoke the function, so the handler does not call it).
  With ``HostedRotationLambda`` (which AWS's Secrets Manager transform turns into a rotation
  function deployed from the Serverless Application Repository) no function is made and
  ``RotationLambdaARN`` stays empty; its settings are kept on the secret. A delete turns the
  rotation off, as ``CancelRotateSecret`` does.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import uuid
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel
from moto.rds.models import rds_backends
from moto.secretsmanager.exceptions import SecretNotFoundException
from moto.secretsmanager.models import FakeSecret, secretsmanager_backends

from org_constructs.tooling.local._handlers._base import (
    Properties,
    _bool,
    _dropped_tags,
    _Handler,
    _tag_map,
    _tags,
)

__all__ = [
    "ResourcePolicy",
    "RotationSchedule",
    "Secret",
    "SecretTargetAttachment",
    "_secret_with_rotation_rules",
]


def _generated_secret(backend: Any, spec: Properties) -> str:
    """What ``GenerateSecretString`` makes: a password, alone or in the template's JSON."""
    password: str = json.loads(
        backend.get_random_password(
            password_length=int(spec.get("PasswordLength", 32)),
            exclude_characters=spec.get("ExcludeCharacters", ""),
            exclude_numbers=_bool(spec.get("ExcludeNumbers")),
            exclude_punctuation=_bool(spec.get("ExcludePunctuation")),
            exclude_uppercase=_bool(spec.get("ExcludeUppercase")),
            exclude_lowercase=_bool(spec.get("ExcludeLowercase")),
            include_space=_bool(spec.get("IncludeSpace")),
            require_each_included_type=_bool(spec.get("RequireEachIncludedType"), default=True),
        )
    )["RandomPassword"]
    if "SecretStringTemplate" not in spec:
        return password
    value = json.loads(spec["SecretStringTemplate"])
    value[spec["GenerateStringKey"]] = password
    return json.dumps(value)


class Secret(_Handler, CloudFormationModel):
    TYPE = "AWS::SecretsManager::Secret"
    NAME = "Name"
    ATTRIBUTES = frozenset({"Id"})

    def _backend(self) -> Any:
        return secretsmanager_backends[self.account_id][self.region_name]

    def _value(self) -> str | None:
        p = self.properties
        if "SecretString" in p:
            return str(p["SecretString"])
        if "GenerateSecretString" in p:
            return _generated_secret(self._backend(), p["GenerateSecretString"])
        return None

    def create(self) -> None:
        p = self.properties
        backend = self._backend()
        backend.create_secret(
            name=self.name,
            secret_string=self._value(),
            secret_binary=None,
            description=p.get("Description"),
            tags=_tags(p),
            kms_key_id=p.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        self.physical_id = backend.describe_secret(self.name).arn

    def update(self, previous: Properties) -> None:
        p = self.properties
        backend = self._backend()
        value_changed = any(
            p.get(key) != previous.get(key) for key in ("SecretString", "GenerateSecretString")
        )
        backend.update_secret(
            self.physical_id,
            secret_string=self._value() if value_changed else None,
            client_request_token=str(uuid.uuid4()),  # the API's clients always send one
            description=p.get("Description"),
            kms_key_id=p.get("KmsKeyId"),
        )
        backend.untag_resource(self.physical_id, _dropped_tags(previous, p))
        backend.tag_resource(self.physical_id, _tag_map(p))

    def remove(self) -> None:
        self._backend().delete_secret(
            self.physical_id, recovery_window_in_days=None, force_delete_without_recovery=True
        )

    def attribute(self, name: str) -> Any:
        return self.physical_id


def _connection(account_id: str, region_name: str, target_type: str, target_id: str) -> Properties:
    """What an attachment adds to the secret: how to reach the database, as AWS writes it."""
    backend = rds_backends[account_id][region_name]
    if target_type == "AWS::RDS::DBInstance":
        instance = backend.describe_db_instances(target_id)[0]
        return {
            "engine": instance.engine,
            "host": instance.address,
            "port": int(instance.port),  # type: ignore[arg-type]
            "dbInstanceIdentifier": instance.db_instance_identifier,
        }
    if target_type == "AWS::RDS::DBCluster":
        cluster = backend.describe_db_clusters(target_id)[0]
        return {
            "engine": cluster.engine,
            "host": cluster.endpoint,
            "port": int(cluster.port),
            "dbClusterIdentifier": cluster.db_cluster_identifier,
        }
    raise ValidationError(
        message=f"SecretTargetAttachment: TargetType {target_type} is not supported by the "
        "emulator (AWS::RDS::DBInstance, AWS::RDS::DBCluster)"
    )


class SecretTargetAttachment(_Handler, CloudFormationModel):
    TYPE = "AWS::SecretsManager::SecretTargetAttachment"
    REPLACED_BY = frozenset({"SecretId"})
    ATTRIBUTES = frozenset({"Id"})

    def create(self) -> None:
        self.update({})

    def update(self, previous: Properties) -> None:
        p = self.properties
        backend = secretsmanager_backends[self.account_id][self.region_name]
        secret_id = p["SecretId"]
        self.physical_id = backend.describe_secret(secret_id).arn
        current = backend.get_secret_value(secret_id, "", "").get("SecretString") or "{}"
        value = {
            **json.loads(current),
            **_connection(self.account_id, self.region_name, p["TargetType"], p["TargetId"]),
        }
        backend.update_secret(
            secret_id, secret_string=json.dumps(value), client_request_token=str(uuid.uuid4())
        )

    def remove(self) -> None:
        """Nothing to undo: the secret keeps the connection details it was given."""

    def attribute(self, name: str) -> Any:
        return self.physical_id


class ResourcePolicy(_Handler, CloudFormationModel):
    TYPE = "AWS::SecretsManager::ResourcePolicy"
    REPLACED_BY = frozenset({"SecretId"})
    ATTRIBUTES = frozenset({"Id"})

    def _backend(self) -> Any:
        return secretsmanager_backends[self.account_id][self.region_name]

    def create(self) -> None:
        self.update({})

    def update(self, previous: Properties) -> None:
        p = self.properties
        document = p["ResourcePolicy"]
        if not isinstance(document, str):
            document = json.dumps(document)
        _bool(p.get("BlockPublicPolicy"))  # accepted; nothing checks that a policy is public
        arn, _ = self._backend().put_resource_policy(p["SecretId"], document)
        self.physical_id = arn  # CloudFormation's Ref: the secret's ARN

    def remove(self) -> None:
        with contextlib.suppress(SecretNotFoundException):  # the secret went first, with it
            self._backend().delete_resource_policy(self.properties["SecretId"])

    def attribute(self, name: str) -> Any:
        return self.physical_id


_RATE_IN_DAYS = re.compile(r"rate\(\s*(\d+)\s+days?\s*\)")
HOSTED_ROTATION = "hosted_rotation_lambda"
"""The attribute of moto's secret that keeps a ``HostedRotationLambda``'s settings."""
ROTATION_RULES = "rotation_rules"
"""The attribute of moto's secret that keeps the ``RotationRules`` as the template gives them."""


def _rotation_rules(rules: Properties) -> tuple[dict[str, Any], int]:
    """``RotationRules`` as ``DescribeSecret`` shows them, and the days between rotations (0
    when a schedule is not in whole days, such as a ``cron`` or ``rate(N hours)``)."""
    shown: dict[str, Any] = {}
    days = 0
    if rules.get("AutomaticallyAfterDays") is not None:
        days = int(rules["AutomaticallyAfterDays"])
        if not 1 <= days <= 1000:
            raise ValidationError(
                message=f"RotationSchedule: RotationRules.AutomaticallyAfterDays {days} must be "
                "from 1 to 1000"
            )
    expression = rules.get("ScheduleExpression")
    if expression:
        shown["ScheduleExpression"] = str(expression)
        rate = _RATE_IN_DAYS.fullmatch(str(expression).strip())
        days = days or (int(rate.group(1)) if rate else 0)
    if days:
        shown["AutomaticallyAfterDays"] = days
    if rules.get("Duration"):
        shown["Duration"] = str(rules["Duration"])
    return shown, days


class RotationSchedule(_Handler, CloudFormationModel):
    TYPE = "AWS::SecretsManager::RotationSchedule"
    REPLACED_BY = frozenset({"SecretId"})
    ATTRIBUTES = frozenset({"Id"})

    def _secret(self) -> Any:
        backend = secretsmanager_backends[self.account_id][self.region_name]
        return backend.describe_secret(self.properties["SecretId"])

    def create(self) -> None:
        self.update({})

    def update(self, previous: Properties) -> None:
        p = self.properties
        if p.get("RotationLambdaARN") and p.get("HostedRotationLambda"):
            raise ValidationError(
                message="RotationSchedule: give RotationLambdaARN or HostedRotationLambda, not both"
            )
        rules, days = _rotation_rules(p.get("RotationRules") or {})
        secret = self._secret()
        # Recorded as RotateSecret records it, without invoking any function: nothing runs.
        secret.rotation_requested = True
        secret.rotation_enabled = True
        secret.rotation_lambda_arn = str(p.get("RotationLambdaARN") or "")
        secret.auto_rotate_after_days = days
        secret.next_rotation_date = int(time.time()) + days * 86400 if days else None
        setattr(secret, ROTATION_RULES, rules)
        setattr(secret, HOSTED_ROTATION, dict(p.get("HostedRotationLambda") or {}) or None)
        self.physical_id = secret.arn  # CloudFormation's Ref: the secret's ARN

    def remove(self) -> None:
        try:
            secret = self._secret()
        except SecretNotFoundException:
            return  # the secret went first: its rotation with it
        secret.rotation_enabled = False  # as CancelRotateSecret does
        secret.next_rotation_date = None

    def attribute(self, name: str) -> Any:
        return self.physical_id


def _secret_with_rotation_rules(self: FakeSecret) -> dict[str, Any]:
    """moto's ``DescribeSecret`` and ``ListSecrets`` answer, with every rotation rule the
    secret's rotation schedule gave (moto shows ``AutomaticallyAfterDays`` only)."""
    found = _MOTO_SECRET_TO_DICT(self)
    rules = getattr(self, ROTATION_RULES, None)
    if rules is not None and "RotationRules" in found:
        found["RotationRules"] = dict(rules)
    return found


_MOTO_SECRET_TO_DICT = FakeSecret.to_dict
