"""``SecureBucket``: an S3 bucket that is encrypted, private, versioned and logged by default."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from aws_cdk import Annotations, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.flags import S3_ACCESS_LOGS_BY_POLICY, pin_feature_flags
from org_constructs._internal.kms import rotating_key
from org_constructs._internal.nodes import id_of, path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_cdk_handler,
    acknowledge_grant,
    acknowledge_library_check,
    library_grantee,
    nag_resource,
    skip_checkov,
)
from org_constructs.config import Stage
from org_constructs.core import AbstractStack, removal_policy_for, stage_of
from org_constructs.core._defaults import library_construct
from org_constructs.errors import ValidationError
from org_constructs.storage._lifecycle import MAX_DAYS, BucketLifecycleRule
from org_constructs.storage._notifications import Destination, notification_destination

__all__ = ["SecureBucket"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_ENCRYPTIONS = (s3.BucketEncryption.KMS, s3.BucketEncryption.S3_MANAGED)

_LOG_BUCKET_REASON = (
    "This is the server access log bucket of a SecureBucket. Logging it to another bucket "
    "would need a log bucket for that one too, and so on; S3 delivers access logs only to "
    "buckets encrypted with SSE-S3 (SSE-KMS is not supported for log delivery)."
)
_NOTIFICATIONS_REASON = (
    "aws-cdk-lib creates this handler and its policy to configure bucket notifications during "
    "deployment; it runs only then, and its policy allows only s3:PutBucketNotification."
)
_NOTIFICATIONS_DEPENDS_ON_REASON = (
    "aws-cdk-lib makes the bucket's notifications resource depend on each destination's "
    "policy (and the handler's role), so that S3 can test the destination when it is set; "
    "some of them it also references, which cfn-lint reads as an extra DependsOn."
)
_LOG_BUCKET_RULES = (
    "HIPAA.Security-S3BucketLoggingEnabled",
    "NIST.800.53.R5-S3BucketLoggingEnabled",
    "PCI.DSS.321-S3BucketLoggingEnabled",
    "HIPAA.Security-S3DefaultEncryptionKMS",
    "NIST.800.53.R5-S3DefaultEncryptionKMS",
    "PCI.DSS.321-S3DefaultEncryptionKMS",
)


class SecureBucket(Construct):
    """An S3 bucket with the organisation's secure, cost-aware defaults.

    By default: SSE-KMS with a new customer-managed key that rotates yearly and an S3 bucket
    key (fewer KMS requests, lower cost); versioning; all public access blocked; requests
    without TLS 1.2 or newer refused; ACLs disabled (bucket owner enforced); server access logs
    to a dedicated log bucket; incomplete multipart uploads removed after 7 days; a removal
    policy from the stack's stage (RETAIN outside dev).

    Parameters
    ----------
    scope, construct_id:
        As for any construct. The ids ``Bucket``, ``Key`` and ``AccessLogs`` of the children
        are part of the public contract: they fix the CloudFormation logical ids.
    bucket_name:
        A physical name, checked against S3's naming rules. Default: - generated
    encryption:
        ``s3.BucketEncryption.KMS`` or ``s3.BucketEncryption.S3_MANAGED``.
        Default: KMS (S3_MANAGED is not allowed together with ``encryption_key``)
    encryption_key:
        An existing key for SSE-KMS. Default: - a new key with rotation
    bucket_key_enabled:
        Use an S3 bucket key with SSE-KMS. Default: True
    versioned:
        Default: True
    lifecycle_rules:
        Lifecycle rules; ``BucketLifecycleRule.guide_default()`` gives the guide's 365/90 days.
        Default: - one rule that removes incomplete multipart uploads after 7 days
    removal_policy:
        Default: - the stack's stage default: DESTROY in dev, RETAIN elsewhere (RETAIN
        outside an ``AbstractStack``)
    auto_delete_objects:
        Empty the bucket when it is destroyed (a custom resource does this). Only in dev, and
        only with a DESTROY removal policy. Default: False
    server_access_logs:
        Log requests to an access log bucket. Default: True
    access_log_bucket:
        Where access logs go. Default: - a dedicated log bucket is created (SSE-S3, versioned,
        private, TLS-only, logs expire after ``access_log_retention_days``)
    access_logs_prefix:
        Key prefix of the access logs. Default: ``'access-logs/'``
    access_log_retention_days:
        Days the created log bucket keeps logs. Default: - the environment's
        ``log_retention_days`` in an ``AbstractStack``, else 365
    replication_destination:
        Replicate every object to this bucket (in another region for disaster recovery).
        Required by the HIPAA, NIST 800-53 and PCI DSS packs. Default: - no replication
    replication_destination_key:
        The KMS key of the destination bucket, for SSE-KMS replicas. Default: - S3-managed
    event_bridge_enabled:
        Send S3 events to EventBridge. Default: False
    object_lock_enabled:
        Enable S3 Object Lock (write once, read many). Default: False
    object_lock_default_retention:
        Default retention for Object Lock. Default: - none
    cors:
        CORS rules. Default: - none
    minimum_tls_version:
        Default: 1.2

    Raises
    ------
    ValidationError
        For a bucket name S3 refuses, an unsupported encryption, an ``encryption_key`` of
        another region than the stack, ``encryption_key`` with
        S3-managed encryption, ``auto_delete_objects`` outside dev or without DESTROY, a TLS
        version other than 1.2 or 1.3, a log retention of less than a day, access log options
        with ``server_access_logs=False``, ``access_log_retention_days`` with
        ``access_log_bucket``, two lifecycle rules with one id, Object Lock without
        versioning, ``object_lock_default_retention`` without Object Lock,
        ``replication_destination_key`` without ``replication_destination``,
        ``RemovalPolicy.SNAPSHOT``, a value of the wrong type or an id already used in
        ``scope``; nothing is added to the tree.

    Example
    -------
    ::

        data = SecureBucket(stack, "Data", lifecycle_rules=[BucketLifecycleRule.guide_default()])
        data.grant_read(reader_role)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_name: str | None = None,
        encryption: s3.BucketEncryption = s3.BucketEncryption.KMS,
        encryption_key: kms.IKey | None = None,
        bucket_key_enabled: bool = True,
        versioned: bool = True,
        lifecycle_rules: Sequence[BucketLifecycleRule] | None = None,
        removal_policy: RemovalPolicy | None = None,
        auto_delete_objects: bool = False,
        server_access_logs: bool = True,
        access_log_bucket: s3.IBucket | None = None,
        access_logs_prefix: str = "access-logs/",
        access_log_retention_days: int | None = None,
        replication_destination: s3.IBucket | None = None,
        replication_destination_key: kms.IKey | None = None,
        event_bridge_enabled: bool = False,
        object_lock_enabled: bool = False,
        object_lock_default_retention: s3.ObjectLockRetention | None = None,
        cors: Sequence[s3.CorsRule] | None = None,
        minimum_tls_version: float = 1.2,
    ) -> None:
        where = f"SecureBucket({construct_id!r})"
        checks.check_arguments(where, SecureBucket.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        _check_bucket_name(where, bucket_name)
        if encryption not in _ENCRYPTIONS:
            raise ValidationError(
                where,
                "encryption",
                encryption,
                "must be BucketEncryption.KMS or BucketEncryption.S3_MANAGED",
            )
        if encryption_key is not None and encryption is not s3.BucketEncryption.KMS:
            raise ValidationError(
                where,
                "encryption",
                encryption,
                "must be BucketEncryption.KMS when encryption_key is given",
            )
        if encryption_key is not None:
            checks.check_same_region(
                where,
                "encryption_key",
                encryption_key,
                scope,
                "S3 encrypts only with keys of the bucket's region; give a key of the stack's "
                "region (a multi-Region replica key, for example), or leave encryption_key out",
            )
        _check_tls_version(where, minimum_tls_version)
        if removal_policy is RemovalPolicy.SNAPSHOT:
            raise ValidationError(
                where,
                "removal_policy",
                removal_policy,
                "S3 buckets have no snapshots (CloudFormation would delete the bucket): use "
                "RemovalPolicy.RETAIN or RemovalPolicy.DESTROY",
            )
        _check_logging(
            where,
            server_access_logs,
            access_log_bucket,
            access_logs_prefix,
            access_log_retention_days,
        )
        given_rules = list(lifecycle_rules or ())
        if len(given_rules) > _MAX_LIFECYCLE_RULES:
            raise ValidationError(
                where, "lifecycle_rules", f"{len(given_rules)} rules", "S3 allows at most 1000"
            )
        checks.check_unique(where, "lifecycle_rules", [r.id for r in given_rules], "rule id")
        if cors is not None and len(cors) > _MAX_CORS_RULES:
            raise ValidationError(where, "cors", f"{len(cors)} rules", "S3 allows at most 100")
        if object_lock_enabled and not versioned:
            raise ValidationError(
                where,
                "versioned",
                False,
                "must be True with object_lock_enabled: S3 Object Lock needs versioning",
            )
        if object_lock_default_retention is not None and not object_lock_enabled:
            raise ValidationError(
                where,
                "object_lock_default_retention",
                object_lock_default_retention,
                "needs object_lock_enabled=True",
            )
        if replication_destination_key is not None and replication_destination is None:
            raise ValidationError(
                where,
                "replication_destination_key",
                replication_destination_key,
                "needs replication_destination: it is the destination bucket's key",
            )

        stage = stage_of(scope)
        policy = removal_policy_for(scope, removal_policy)
        if auto_delete_objects:
            if stage not in (None, Stage.DEV):
                raise ValidationError(
                    where, "auto_delete_objects", True, f"is only allowed in dev, not in {stage}"
                )
            if policy != RemovalPolicy.DESTROY:
                raise ValidationError(
                    where, "auto_delete_objects", True, "needs removal_policy=RemovalPolicy.DESTROY"
                )
        if replication_destination is not None and not versioned:
            raise ValidationError(
                where, "versioned", False, "must be True when replication_destination is given"
            )

        super().__init__(scope, construct_id)
        library_construct(self, "SecureBucket")
        pin_feature_flags(self, S3_ACCESS_LOGS_BY_POLICY)
        if stage is Stage.PRODUCTION and policy == RemovalPolicy.DESTROY:
            Annotations.of(self).add_warning_v2(
                "org-constructs:SecureBucket:DestroyInProduction",
                f"{where}: removal_policy is DESTROY in production: deleting the stack or "
                "replacing the bucket deletes its data",
            )

        self._encryption_key: kms.IKey | None = None
        if encryption is s3.BucketEncryption.KMS:
            self._encryption_key = encryption_key or rotating_key(
                self, "Key", f"the objects of {path_of(self)}", policy
            )

        self._access_log_bucket: s3.IBucket | None = None
        if server_access_logs:
            self._access_log_bucket = access_log_bucket or self._create_log_bucket(
                policy, auto_delete_objects, access_log_retention_days, minimum_tls_version
            )

        rules = (
            lifecycle_rules
            if lifecycle_rules is not None
            else [BucketLifecycleRule(id="abort-incomplete-multipart-uploads")]
        )
        replication = None
        replication_role = None
        if replication_destination is not None:
            replication_role = iam.Role(
                self,
                "ReplicationRole",
                assumed_by=iam.ServicePrincipal("s3.amazonaws.com"),
                description=f"Replicates {path_of(self)} to its replication destination",
            )
            replication = [
                s3.ReplicationRule(
                    destination=replication_destination,
                    kms_key=replication_destination_key,
                    sse_kms_encrypted_objects=encryption is s3.BucketEncryption.KMS or None,
                    delete_marker_replication=True,
                    priority=0,
                )
            ]

        self._bucket = _Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            encryption=encryption,
            encryption_key=self._encryption_key,
            bucket_key_enabled=bucket_key_enabled if self._encryption_key else None,
            versioned=versioned,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=minimum_tls_version,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self._access_log_bucket,
            server_access_logs_prefix=access_logs_prefix if server_access_logs else None,
            lifecycle_rules=[rule.to_cdk() for rule in rules] or None,
            removal_policy=policy,
            auto_delete_objects=auto_delete_objects or None,
            replication_rules=replication,
            replication_role=replication_role,
            event_bridge_enabled=event_bridge_enabled or None,
            object_lock_enabled=object_lock_enabled or None,
            object_lock_default_retention=object_lock_default_retention,
            cors=list(cors) if cors else None,
        )
        if replication_role is not None and replication_destination is not None:
            self._grant_replication(
                replication_role, replication_destination, replication_destination_key
            )
        if event_bridge_enabled:
            self._bucket.acknowledge_notifications()

    def _grant_replication(
        self, role: iam.Role, destination: s3.IBucket, destination_key: kms.IKey | None
    ) -> None:
        """Give the replication role exactly what S3 replication needs, as a managed policy."""
        source_objects = self._bucket.arn_for_objects("*")
        destination_objects = destination.arn_for_objects("*")
        statements = [
            iam.PolicyStatement(
                actions=["s3:GetReplicationConfiguration", "s3:ListBucket"],
                resources=[self._bucket.bucket_arn],
            ),
            iam.PolicyStatement(
                actions=[
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                ],
                resources=[source_objects],
            ),
            iam.PolicyStatement(
                actions=[
                    "s3:ReplicateObject",
                    "s3:ReplicateDelete",
                    "s3:ReplicateTags",
                    "s3:ObjectOwnerOverrideToBucketOwner",
                ],
                resources=[destination_objects],
            ),
        ]
        if self._encryption_key is not None:
            statements.append(
                iam.PolicyStatement(
                    actions=["kms:Decrypt"], resources=[self._encryption_key.key_arn]
                )
            )
        if destination_key is not None:
            statements.append(
                iam.PolicyStatement(actions=["kms:Encrypt"], resources=[destination_key.key_arn])
            )
        policy = iam.ManagedPolicy(self, "ReplicationPolicy", statements=statements, roles=[role])
        stack = Stack.of(self)
        object_findings = [
            f"AwsSolutions-IAM5[Resource::{rendered}]"
            for rendered in (
                nag_resource(stack, source_objects),
                nag_resource(stack, destination_objects),
            )
            if rendered is not None
        ]
        if object_findings:
            acknowledge(
                policy,
                "S3 replication reads and writes every object version of the source and "
                "destination buckets, so the object-level actions need the bucket/* resource.",
                *object_findings,
            )

    def _create_log_bucket(
        self,
        policy: RemovalPolicy,
        auto_delete_objects: bool,
        retention_days: int | None,
        minimum_tls_version: float,
    ) -> s3.Bucket:
        if retention_days is None:
            stack = Stack.of(self)
            retention_days = (
                stack.config.log_retention_days if isinstance(stack, AbstractStack) else 365
            )
        log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=minimum_tls_version,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(retention_days),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=policy,
            auto_delete_objects=auto_delete_objects or None,
        )
        acknowledge(log_bucket, _LOG_BUCKET_REASON, *_LOG_BUCKET_RULES)
        for rule in ("CT.S3.PR.2", "CT.S3.PR.10"):
            acknowledge_library_check(log_bucket, "cfn-guard", rule, _LOG_BUCKET_REASON)
        skip_checkov(log_bucket, "CKV_AWS_18", _LOG_BUCKET_REASON)
        return log_bucket

    @property
    def bucket(self) -> s3.Bucket:
        """The bucket."""
        return self._bucket

    @property
    def encryption_key(self) -> kms.IKey | None:
        """The KMS key that encrypts the bucket; None with S3-managed encryption."""
        return self._encryption_key

    @property
    def access_log_bucket(self) -> s3.IBucket | None:
        """Where server access logs go; None when they are off."""
        return self._access_log_bucket

    @property
    def bucket_name(self) -> str:
        """The bucket's name."""
        return self._bucket.bucket_name

    @property
    def bucket_arn(self) -> str:
        """The bucket's ARN."""
        return self._bucket.bucket_arn

    def add_event_notification(
        self,
        event: s3.EventType,
        destination: Destination,
        *filters: s3.NotificationKeyFilter,
    ) -> None:
        """Send the bucket's ``event`` (``s3.EventType.OBJECT_CREATED``...) to a queue (a
        ``SecureQueue``), a topic (an ``AlarmTopic``) or a function (a ``MonitoredFunction``:
        its alias, where the release guards the events), for keys matching ``filters``
        (``s3.NotificationKeyFilter(prefix="uploads/", suffix=".csv")``).

        aws-cdk-lib's notifications handler and the bucket's handler policy that the first
        notification adds are acknowledged by the library; aws-cdk-lib lets S3 use the key
        of an encrypted queue or topic.

        Raises
        ------
        ValidationError
            A destination S3 cannot notify (a FIFO queue, the unversioned function of a
            ``MonitoredFunction``, another kind of value), an event or filter of the wrong type.
        """
        where = f"SecureBucket({id_of(self)!r}).add_event_notification"
        checks.check_arguments(
            where, SecureBucket.add_event_notification, {"event": event, "destination": destination}
        )
        for index, key_filter in enumerate(filters):
            if not isinstance(key_filter, s3.NotificationKeyFilter):
                raise ValidationError(
                    where,
                    f"filters[{index}]",
                    key_filter,
                    "must be an s3.NotificationKeyFilter(prefix=..., suffix=...)",
                )
        target = notification_destination(where, self._bucket, destination)
        self._bucket.add_event_notification(event, target, *filters)

    def grant_read(self, grantee: iam.IGrantable, objects_key_pattern: str = "*") -> iam.Grant:
        """Let ``grantee`` read objects (and decrypt them with the key).

        The grant's own cdk-nag findings (AwsSolutions-IAM5 on ``s3:GetObject*``,
        ``s3:List*``... and on ``bucket/<pattern>``) are acknowledged on the grantee, naming
        this grant; ``org-cdk validate`` lists them as acknowledged. So are those of the other
        ``grant_*`` methods.

        Raises
        ------
        ValidationError
            For a grantee without a principal, an ``objects_key_pattern`` that is empty,
            starts with ``/`` or has a ``.`` or ``..`` segment (S3 keys are not paths), or a
            value of the wrong type; the same for every ``grant_*`` method.
        """
        return self._grant("grant_read", grantee, objects_key_pattern, ())

    def grant_write(self, grantee: iam.IGrantable, objects_key_pattern: str = "*") -> iam.Grant:
        """Let ``grantee`` write and delete objects (and encrypt them with the key)."""
        return self._grant("grant_write", grantee, objects_key_pattern, _KEY_WRITE_WILDCARDS)

    def grant_read_write(
        self, grantee: iam.IGrantable, objects_key_pattern: str = "*"
    ) -> iam.Grant:
        """Let ``grantee`` read, write and delete objects."""
        return self._grant("grant_read_write", grantee, objects_key_pattern, _KEY_WRITE_WILDCARDS)

    def grant_put(self, grantee: iam.IGrantable, objects_key_pattern: str = "*") -> iam.Grant:
        """Let ``grantee`` put objects only."""
        return self._grant("grant_put", grantee, objects_key_pattern, _KEY_WRITE_WILDCARDS)

    def grant_delete(self, grantee: iam.IGrantable, objects_key_pattern: str = "*") -> iam.Grant:
        """Let ``grantee`` delete objects only."""
        return self._grant("grant_delete", grantee, objects_key_pattern, ())

    def _grant(
        self,
        method: str,
        grantee: iam.IGrantable,
        objects_key_pattern: str,
        key_actions: tuple[str, ...],
    ) -> iam.Grant:
        checks.check_arguments(
            f"SecureBucket({id_of(self)!r}).{method}",
            SecureBucket.grant_read,
            {"grantee": grantee, "objects_key_pattern": objects_key_pattern},
        )
        checks.check_grantee(f"SecureBucket({id_of(self)!r}).{method}", "grantee", grantee)
        _check_key_pattern(f"SecureBucket({id_of(self)!r}).{method}", objects_key_pattern)
        target = library_grantee(grantee)
        grant: iam.Grant = getattr(self._bucket, method)(target, objects_key_pattern)
        acknowledge_grant(
            target,
            f"SecureBucket({path_of(self)!r}).{method}({objects_key_pattern!r})",
            [grant],
            actions=key_actions if self._encryption_key is not None else (),
            owner=self,
        )
        return grant


def _check_key_pattern(where: str, pattern: str) -> None:
    """An object key pattern that matches the keys it seems to name (a token passes)."""
    if unresolved(pattern):
        return
    prop = "objects_key_pattern"
    if not pattern:
        raise ValidationError(
            where,
            prop,
            pattern,
            "matches no object: give '*' for every object or a prefix such as 'reports/*'",
        )
    if pattern.startswith("/"):
        raise ValidationError(
            where,
            prop,
            pattern,
            f"starts with '/', which S3 keys do not (a key is 'reports/2024.csv', not "
            f"'/reports/2024.csv'): use {pattern.lstrip('/') or '*'!r}",
        )
    if any(part in (".", "..") for part in pattern.split("/")):
        raise ValidationError(
            where,
            prop,
            pattern,
            "has a '.' or '..' segment, which S3 does not resolve: the grant would cover keys "
            "that contain those characters, not another folder; name the prefix itself, such "
            "as 'reports/*'",
        )


class _Bucket(s3.Bucket):
    """The bucket of a ``SecureBucket``: its event notifications carry their acknowledgements.

    The first notification of any kind (EventBridge, a queue, a topic, a function; added here,
    through ``add_object_created_notification`` or by an event source) makes aws-cdk-lib add
    its notifications handler to the stack and a handler policy to the bucket. aws-cdk-lib
    routes every notification through ``add_event_notification``, so the acknowledgements are
    written as soon as those resources exist, whoever adds the notification.
    """

    _notifications_acknowledged = False

    def add_event_notification(
        self,
        event: s3.EventType,
        dest: s3.IBucketNotificationDestination,
        *filters: s3.NotificationKeyFilter,
    ) -> None:
        super().add_event_notification(event, dest, *filters)
        self.acknowledge_notifications()

    def acknowledge_notifications(self) -> None:
        """Acknowledge aws-cdk-lib's notifications handler and this bucket's handler policy."""
        acknowledge_cdk_handler(
            Stack.of(self),
            "BucketNotificationsHandler",
            _NOTIFICATIONS_REASON,
            (
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
            ),
        )
        handler_policy = self.node.try_find_child("Notifications")
        if handler_policy is not None and not self._notifications_acknowledged:
            self._notifications_acknowledged = True
            resource = handler_policy.node.default_child
            if resource is not None:
                acknowledge_library_check(
                    resource, "cfn-lint", "W3005", _NOTIFICATIONS_DEPENDS_ON_REASON
                )
            acknowledge(
                handler_policy,
                _NOTIFICATIONS_REASON,
                "HIPAA.Security-IAMNoInlinePolicy",
                "NIST.800.53.R5-IAMNoInlinePolicy",
                "PCI.DSS.321-IAMNoInlinePolicy",
            )


_KEY_WRITE_WILDCARDS = ("kms:ReEncrypt*", "kms:GenerateDataKey*")
"""The wildcard key actions aws-cdk-lib grants with a bucket write (not in the returned grant)."""


_MAX_LIFECYCLE_RULES = 1000
_MAX_CORS_RULES = 100
_MAX_PREFIX = 1024
_DEFAULT_LOGS_PREFIX = "access-logs/"
_TLS_VERSIONS = (1.2, 1.3)


def _check_tls_version(where: str, version: float) -> None:
    if version in _TLS_VERSIONS or checks.is_token(version):
        return
    expected = (
        "must be 1.2 or newer"
        if version < min(_TLS_VERSIONS)
        else "must be 1.2 or 1.3: no newer TLS version exists, so the bucket would refuse "
        "every request"
    )
    raise ValidationError(where, "minimum_tls_version", version, expected)


def _check_logging(
    where: str,
    enabled: bool,
    bucket: s3.IBucket | None,
    prefix: str,
    retention_days: int | None,
) -> None:
    if not enabled:
        given = {
            "access_log_bucket": bucket,
            "access_log_retention_days": retention_days,
            "access_logs_prefix": None if prefix == _DEFAULT_LOGS_PREFIX else prefix,
        }
        for prop, value in given.items():
            if value is not None:
                raise ValidationError(
                    where,
                    prop,
                    value,
                    "cannot be given with server_access_logs=False: drop it, or turn access "
                    "logs on",
                )
    if retention_days is not None:
        if bucket is not None:
            raise ValidationError(
                where,
                "access_log_retention_days",
                retention_days,
                "applies to the log bucket SecureBucket creates, not to access_log_bucket: "
                "set the retention on that bucket",
            )
        checks.check_int(
            where, "access_log_retention_days", retention_days, 1, MAX_DAYS, tokens=True
        )
    if len(prefix) > _MAX_PREFIX:
        raise ValidationError(
            where, "access_logs_prefix", prefix, f"must be at most {_MAX_PREFIX} characters"
        )


def _check_bucket_name(where: str, name: str | None) -> None:
    if name is None or unresolved(name):
        return
    rules = (
        "must be 3 to 63 lowercase letters, digits, dots or hyphens, start and end with a "
        "letter or digit, have no '..', and not look like an IP address"
    )
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise ValidationError(where, "bucket_name", name, rules)
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        pass
    else:
        raise ValidationError(where, "bucket_name", name, rules)
    if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        raise ValidationError(
            where, "bucket_name", name, "uses a prefix or suffix that S3 reserves"
        )
