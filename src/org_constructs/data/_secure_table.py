"""``SecureTable``: a DynamoDB table that is encrypted with a customer-managed key, recoverable
to any second of the last 35 days, protected from deletion outside dev and billed on demand.

The properties are checked into one frozen settings value first (``_table_settings.py``), with
the stage's defaults from the config model (``TableConfig.for_stage``); the construct then
builds from it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import Annotations, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.kms import rotating_key
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import path_of
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_check,
    acknowledge_grant,
    library_grantee,
)
from org_constructs.config import Stage, TableConfig
from org_constructs.core import fit_name, name_part_of, service_name_of
from org_constructs.core._defaults import library_construct
from org_constructs.data._table_settings import MAX_NAME, TableSettings, checked
from org_constructs.errors import ValidationError
from org_constructs.monitoring import ServiceMonitoring

if TYPE_CHECKING:
    from aws_cdk import aws_backup as backup
else:
    backup = lazy_module("aws_cdk.aws_backup")


__all__ = ["SecureTable"]

_FROM_CONFIG = ("deletion_protection", "point_in_time_recovery_days")
"""The constructor's keywords that ``from_config`` takes from the ``TableConfig``."""
_KEY_WRITE_WILDCARDS = ("kms:ReEncrypt*", "kms:GenerateDataKey*")
"""The wildcard key actions aws-cdk-lib grants with a write (not in the returned grant)."""
_INDEX_FIELDS = (
    "index_name",
    "partition_key",
    "sort_key",
    "partition_keys",
    "sort_keys",
    "projection_type",
    "non_key_attributes",
    "contributor_insights_enabled",
    "contributor_insights_specification",
    "max_read_request_units",
    "max_write_request_units",
    "warm_throughput",
)
"""What ``add_global_secondary_index`` takes of an index's props (capacity is the table's)."""

_BACKUP_ROLE_REASON = (
    "AWS Backup's service role uses the AWS managed AWSBackupServiceRolePolicyForBackup "
    "policy, which AWS keeps in step with the resources Backup supports."
)
_AWS_KEY_CHECKS = (("checkov", "CKV_AWS_119"), ("cfn-guard", "CT.DYNAMODB.PR.2"))
"""The template checks a table without a customer-managed key fails: the team's to accept."""


class SecureTable(Construct):
    """A DynamoDB table with the organisation's secure, cost-aware defaults.

    By default: billed on demand (``PAY_PER_REQUEST``: no capacity to plan, nothing paid while
    idle); encrypted with a new customer-managed key that rotates yearly; point-in-time
    recovery on, 35 days back; a name of its own, ``<stack name>-<path in the stack>`` (so that
    a change that would replace the table fails instead of creating an empty one);
    with ``regulated`` (the default where the environment holds a regulated cdk-nag pack) a
    daily AWS Backup plan kept 35 days in a vault encrypted with a rotating key of its own.

    Per stage, from the config model (``TableConfig.for_stage``), the defaults that
    ``from_config`` gets from an environment's ``config.table`` too (outside an
    ``AbstractStack`` the production values): deletion protection off in dev, on in staging
    and production; the removal policy of the table and its keys is DESTROY in dev and RETAIN
    elsewhere (``removal_policy_for``).

    Parameters
    ----------
    scope, construct_id:
        As for any construct. The child ids ``Table``, ``Key``, ``BackupKey``,
        ``BackupVault`` and ``BackupPlan`` fix the CloudFormation logical ids; they are public
        contract, as is the derived table name.
    partition_key:
        The partition key attribute, ``dynamodb.Attribute(name="pk",
        type=dynamodb.AttributeType.STRING)``.
    sort_key:
        The sort key attribute, another attribute than the partition key's. Default: - none
    table_name:
        3 to 255 letters, digits, ``_``, ``-`` and ``.``; a name of your own should carry your
        service's, as the derived one does. Default: - ``<stack name>-<path in the stack>``,
        shortened with a hash when too long
    billing_mode:
        ``BillingMode.PAY_PER_REQUEST`` or ``PROVISIONED`` (with auto scaling between the
        capacities below, for the table and each index). Default: ``PAY_PER_REQUEST``
    min_read_capacity, max_read_capacity, min_write_capacity, max_write_capacity:
        Provisioned capacity units auto scaling keeps the table (and each index) between,
        1 to 40,000, min at most max. Only with ``PROVISIONED``. Default: 5 and 50
    target_utilization_percent:
        The share of provisioned capacity auto scaling aims to consume, 20 to 90. Only with
        ``PROVISIONED``. Default: 70
    encryption:
        ``TableEncryption.CUSTOMER_MANAGED``, or ``DEFAULT`` (a key AWS owns) or
        ``AWS_MANAGED`` (``aws/dynamodb``), which need ``encryption_reason``.
        Default: ``CUSTOMER_MANAGED``
    encryption_key:
        A key of the stack's region. Only with customer-managed encryption. Default: - a new
        key with rotation
    encryption_reason:
        Why the table needs no customer-managed key (at least 20 characters): recorded as your
        acknowledgement of the findings that raises (checkov CKV_AWS_119, Control Tower
        CT.DYNAMODB.PR.2). Only with ``DEFAULT`` or ``AWS_MANAGED``. Default: - none
    point_in_time_recovery_days:
        How far back point-in-time recovery restores, 1 to 35 days. Default: - the stage's
        (``TableConfig.point_in_time_recovery_days``: 35)
    deletion_protection:
        Default: - the stage's (``TableConfig.deletion_protection``: off in dev, on elsewhere)
    removal_policy:
        Of the table and its keys. Default: - the stage's (DESTROY in dev, RETAIN elsewhere,
        RETAIN outside an ``AbstractStack``)
    time_to_live_attribute:
        The attribute holding each item's expiry (epoch seconds). Default: - none
    stream:
        What the table's stream holds (``StreamViewType.NEW_IMAGE``...). Default: - no stream
    global_secondary_indexes:
        Up to 20 ``dynamodb.GlobalSecondaryIndexProps``, each named once, without capacity of
        their own (they scale with the table). Default: - none
    contributor_insights:
        CloudWatch Contributor Insights (the most accessed and throttled keys; charged per
        event). Default: False
    regulated:
        Add the AWS Backup plan. Default: - True where the environment holds a regulated pack
        (``is_regulated``), as for ``SecureDatabase``
    monitoring:
        Monitor the table with this ``ServiceMonitoring`` once it is built
        (``monitor_table``: throttles, system errors, latency, capacity). Default: - none

    Raises
    ------
    ValidationError
        For a key that is no ``dynamodb.Attribute`` or a sort key on the partition key's
        attribute, a table name DynamoDB refuses, capacity options without ``PROVISIONED``,
        capacities outside 1-40,000 or a min above its max, a target utilization outside
        20-90%, AWS-owned or AWS-managed encryption without a reason (or a reason or a key
        with customer-managed encryption... and the reverse), a key of another region, a
        recovery period outside 1-35 days, ``RemovalPolicy.SNAPSHOT``, more than 20 indexes,
        two indexes of one name, an index without a partition key or with capacity of its
        own, a key attribute given two types, a ``monitoring`` of another region or whose
        label it already monitors, a value of the wrong type or an id already used in
        ``scope``; nothing is added to the tree.

    Example
    -------
    ::

        orders = SecureTable(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
        )
        orders.grant_read_write_data(api_handler)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        partition_key: dynamodb.Attribute,
        sort_key: dynamodb.Attribute | None = None,
        table_name: str | None = None,
        billing_mode: dynamodb.BillingMode | None = None,
        min_read_capacity: int | None = None,
        max_read_capacity: int | None = None,
        min_write_capacity: int | None = None,
        max_write_capacity: int | None = None,
        target_utilization_percent: int | None = None,
        encryption: dynamodb.TableEncryption | None = None,
        encryption_key: kms.IKey | None = None,
        encryption_reason: str | None = None,
        point_in_time_recovery_days: int | None = None,
        deletion_protection: bool | None = None,
        removal_policy: RemovalPolicy | None = None,
        time_to_live_attribute: str | None = None,
        stream: dynamodb.StreamViewType | None = None,
        global_secondary_indexes: Sequence[dynamodb.GlobalSecondaryIndexProps] | None = None,
        contributor_insights: bool = False,
        regulated: bool | None = None,
        monitoring: ServiceMonitoring | None = None,
    ) -> None:
        where = f"SecureTable({construct_id!r})"
        checks.check_arguments(where, SecureTable.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        settings = checked(
            where,
            scope,
            partition_key=partition_key,
            sort_key=sort_key,
            table_name=table_name,
            billing_mode=billing_mode,
            min_read_capacity=min_read_capacity,
            max_read_capacity=max_read_capacity,
            min_write_capacity=min_write_capacity,
            max_write_capacity=max_write_capacity,
            target_utilization_percent=target_utilization_percent,
            encryption=encryption,
            encryption_key=encryption_key,
            encryption_reason=encryption_reason,
            point_in_time_recovery_days=point_in_time_recovery_days,
            deletion_protection=deletion_protection,
            removal_policy=removal_policy,
            time_to_live_attribute=time_to_live_attribute,
            stream=stream,
            global_secondary_indexes=global_secondary_indexes,
            contributor_insights=contributor_insights,
            regulated=regulated,
        )
        if monitoring is not None:
            # What monitor_table(self) at the end would refuse, refused now.
            monitoring.check_region("monitoring", scope)
            monitoring.check_label(construct_id, method="monitor_table")
        super().__init__(scope, construct_id)
        library_construct(self, "SecureTable")
        self._where = where
        self._settings = settings
        self._build(settings)
        if monitoring is not None:
            monitoring.monitor_table(self)

    def _build(self, settings: TableSettings) -> None:
        """Create the key, the table, its auto scaling and its backup plan, in this order."""
        policy = settings.removal_policy
        if settings.stage is Stage.PRODUCTION and policy is RemovalPolicy.DESTROY:
            Annotations.of(self).add_warning_v2(
                "org-constructs:SecureTable:DestroyInProduction",
                f"{settings.where}: removal_policy is DESTROY in production: deleting the stack "
                "or replacing the table deletes its items",
            )
        self._encryption_key: kms.IKey | None = None
        if settings.customer_managed:
            self._encryption_key = settings.encryption_key or rotating_key(
                self, "Key", f"the items of the table {path_of(self)}", policy
            )
        capacity = settings.capacity
        insights = (
            dynamodb.ContributorInsightsSpecification(enabled=True)
            if settings.contributor_insights
            else None
        )
        self._table = dynamodb.Table(
            self,
            "Table",
            partition_key=settings.partition_key,
            sort_key=settings.sort_key,
            table_name=settings.table_name or self._derived_name(),
            billing_mode=(
                dynamodb.BillingMode.PROVISIONED
                if capacity is not None
                else dynamodb.BillingMode.PAY_PER_REQUEST
            ),
            read_capacity=capacity.min_read if capacity is not None else None,
            write_capacity=capacity.min_write if capacity is not None else None,
            encryption=settings.encryption,
            encryption_key=self._encryption_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True,
                recovery_period_in_days=settings.point_in_time_recovery_days,
            ),
            deletion_protection=settings.deletion_protection,
            removal_policy=policy,
            time_to_live_attribute=settings.time_to_live_attribute,
            stream=settings.stream,
            contributor_insights_specification=insights,
        )
        for index in settings.global_secondary_indexes:
            props = {name: getattr(index, name, None) for name in _INDEX_FIELDS}
            if capacity is not None:
                props["read_capacity"] = capacity.min_read
                props["write_capacity"] = capacity.min_write
            self._table.add_global_secondary_index(
                **{name: value for name, value in props.items() if value is not None}
            )
        if capacity is not None:
            self._auto_scale(settings)
        reason = settings.encryption_reason
        if reason is not None:
            # The team's decision, with the team's reason: recorded as the app's own.
            for tool, rule in _AWS_KEY_CHECKS:
                acknowledge_check(self._table, tool, rule, reason)
        self._backup_plan: backup.BackupPlan | None = None
        if settings.regulated:
            self._backup_plan = self._add_backup_plan(policy)

    def _auto_scale(self, settings: TableSettings) -> None:
        """Auto scaling of the table's and each index's read and write capacity."""
        capacity = settings.capacity
        if capacity is None:  # pragma: no cover - called for provisioned tables only
            return
        target = capacity.target_utilization_percent
        table = self._table
        scalers: list[dynamodb.IScalableTableAttribute] = [
            table.auto_scale_read_capacity(
                min_capacity=capacity.min_read, max_capacity=capacity.max_read
            ),
            table.auto_scale_write_capacity(
                min_capacity=capacity.min_write, max_capacity=capacity.max_write
            ),
        ]
        for index in settings.global_secondary_indexes:
            scalers += [
                table.auto_scale_global_secondary_index_read_capacity(
                    index.index_name,
                    min_capacity=capacity.min_read,
                    max_capacity=capacity.max_read,
                ),
                table.auto_scale_global_secondary_index_write_capacity(
                    index.index_name,
                    min_capacity=capacity.min_write,
                    max_capacity=capacity.max_write,
                ),
            ]
        for scaler in scalers:
            scaler.scale_on_utilization(target_utilization_percent=target)

    def _add_backup_plan(self, policy: RemovalPolicy) -> backup.BackupPlan:
        """A daily AWS Backup plan kept 35 days, in a vault encrypted with a rotating key."""
        vault = backup.BackupVault(
            self,
            "BackupVault",
            encryption_key=rotating_key(
                self, "BackupKey", f"the backups of the table {path_of(self)}", policy
            ),
            removal_policy=policy,
        )
        plan = backup.BackupPlan.daily35_day_retention(self, "BackupPlan", vault)
        selection = plan.add_selection(
            "Table", resources=[backup.BackupResource.from_dynamo_db_table(self._table)]
        )
        acknowledge(
            selection,
            _BACKUP_ROLE_REASON,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSBackupServiceRolePolicyForBackup]",
        )
        return plan

    def _derived_name(self) -> str:
        """``<stack name>-<path in the stack>``: unique in the account and region (the stack's
        name is)."""
        stack = Stack.of(self)
        inside = path_of(self).removeprefix(path_of(stack)).strip("/")
        return fit_name(f"{service_name_of(self)}-{name_part_of(inside)}", MAX_NAME)

    @classmethod
    def from_config(
        cls, scope: Construct, construct_id: str, config: TableConfig, **kwargs: Any
    ) -> SecureTable:
        """A ``SecureTable`` with its deletion protection and recovery period from ``config``.

        ``kwargs`` are the other keyword arguments of the constructor (``partition_key``
        among them).

        Raises
        ------
        ValidationError
            For a keyword the config already gives (``deletion_protection``,
            ``point_in_time_recovery_days``) or that is no property, without
            ``partition_key``, and as the constructor.
        """
        where = f"SecureTable({construct_id!r})"
        checks.check_part_of_config(where, "config", config, "table")
        checks.check_arguments(where, cls.from_config, locals())
        checks.check_keywords(where, cls.__init__, kwargs, taken=_FROM_CONFIG)
        if "partition_key" not in kwargs:
            raise ValidationError(
                where,
                "partition_key",
                None,
                "is required: give the partition key, dynamodb.Attribute(name=..., type=...)",
            )
        return cls(
            scope,
            construct_id,
            deletion_protection=config.deletion_protection,
            point_in_time_recovery_days=config.point_in_time_recovery_days,
            **kwargs,
        )

    # ----------------------------------------------------------------------------- attributes

    @property
    def table(self) -> dynamodb.Table:
        """The table."""
        return self._table

    @property
    def table_name(self) -> str:
        """The table's name."""
        return self._table.table_name

    @property
    def table_arn(self) -> str:
        """The table's ARN."""
        return self._table.table_arn

    @property
    def table_stream_arn(self) -> str | None:
        """The ARN of the table's stream; None without ``stream``."""
        return self._table.table_stream_arn if self._settings.stream is not None else None

    @property
    def encryption_key(self) -> kms.IKey | None:
        """The customer-managed key of the table; None with AWS-owned or AWS-managed
        encryption."""
        return self._encryption_key

    @property
    def provisioned(self) -> bool:
        """True when the table is billed by provisioned capacity (with auto scaling)."""
        return self._settings.capacity is not None

    @property
    def backup_plan(self) -> backup.BackupPlan | None:
        """The AWS Backup plan; None without ``regulated``."""
        return self._backup_plan

    # ----------------------------------------------------------------------------- grants

    def grant_read_data(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read items (get, query, scan; and decrypt them with the key).

        Written into the library's policy on the grantee (``OrgConstructsGrants``); the
        grant's own cdk-nag findings (``<table ARN>/index/*`` with indexes, the key's action
        families for a write) are acknowledged there naming this grant; the same for every
        ``grant_*`` method.

        Raises
        ------
        ValidationError
            For a grantee without a principal or a value of the wrong type; the same for
            every ``grant_*`` method.
        """
        return self._grant("grant_read_data", grantee)

    def grant_write_data(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` put, update and delete items (and encrypt them with the key)."""
        return self._grant("grant_write_data", grantee)

    def grant_read_write_data(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read and write items (and use the key for both)."""
        return self._grant("grant_read_write_data", grantee)

    def grant_stream_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the table's stream (and decrypt it with the key).

        aws-cdk-lib also grants ``dynamodb:ListStreams``, which supports no resource-level
        permission (``Resource: '*'``): acknowledged with the grant.

        Raises
        ------
        ValidationError
            For a table without ``stream``, and as ``grant_read_data``.
        """
        if self._settings.stream is None:
            where = f"{self._where}.grant_stream_read"
            checks.check_arguments(where, SecureTable.grant_stream_read, {"grantee": grantee})
            raise ValidationError(
                where,
                "grantee",
                getattr(getattr(grantee, "node", None), "path", grantee),
                "cannot read a stream: the table has none; give SecureTable(stream="
                "StreamViewType.NEW_IMAGE) or another view type",
            )
        return self._grant("grant_stream_read", grantee)

    def _grant(self, method: str, grantee: iam.IGrantable) -> iam.Grant:
        where = f"{self._where}.{method}"
        checks.check_arguments(where, SecureTable.grant_read_data, {"grantee": grantee})
        checks.check_grantee(where, "grantee", grantee)
        target = library_grantee(grantee)
        grant: iam.Grant = getattr(self._table, method)(target)
        writes = method in ("grant_write_data", "grant_read_write_data")
        resources: list[str] = []
        if method == "grant_stream_read":
            resources.append("*")  # dynamodb:ListStreams, not in the returned grant
        elif self._settings.global_secondary_indexes:
            # aws-cdk-lib names the indexes lazily: the returned statement holds a token.
            resources.append(f"{self._table.table_arn}/index/*")
        acknowledge_grant(
            target,
            f"SecureTable({path_of(self)!r}).{method}",
            [grant],
            actions=_KEY_WRITE_WILDCARDS if writes and self._encryption_key else (),
            resources=resources,
            owner=self,
        )
        return grant
