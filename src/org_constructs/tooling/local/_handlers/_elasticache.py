"""CloudFormation handlers for ElastiCache: subnet groups, users, user groups and replication
groups.

- ``AWS::ElastiCache::SubnetGroup``: ``CreateCacheSubnetGroup`` (name, stored lowercase as
  ElastiCache does, description, subnets, tags); a new description or new subnets change the
  same group, a new name replaces it; deleted from the backend (moto has no
  ``DeleteCacheSubnetGroup``).
- ``AWS::ElastiCache::User``: ``CreateUser`` (engine, user id and name, access string,
  ``AuthenticationMode`` or the older ``Passwords`` and ``NoPasswordRequired``, tags). A
  password written as a dynamic reference to Secrets Manager
  (``{{resolve:secretsmanager:SECRET:SecretString:KEY:STAGE:VERSION}}``, what aws-cdk-lib's
  ``SecretValue`` writes) is resolved from the emulator's Secrets Manager, as CloudFormation
  resolves it; a reference it cannot resolve fails the resource. Passwords must be 16 to 128
  characters. A new access string, engine, passwords or authentication type change the same
  user (moto has no ``ModifyUser``: the user's record is changed); a new id or name replaces
  it. Nothing authenticates with it: no cache runs.
- ``AWS::ElastiCache::UserGroup``: moto has no user groups (no ``CreateUserGroup`` nor
  ``DescribeUserGroups``), so the group is recorded by this handler beside moto's ElastiCache
  backend: its id, engine, users (each must exist, as ElastiCache checks) and ARN, for ``Ref``
  and ``Fn::GetAtt``; the users' records list the group. No API of the emulator shows it:
  the deploy report lists it as recorded by the emulator's CloudFormation only, not verified.
- ``AWS::ElastiCache::ReplicationGroup``: ``CreateReplicationGroup`` with the template's
  properties (node type, engine and version, node count or shards and replicas, failover,
  Multi-AZ, port, subnet group and security groups, encryption at rest with its key and in
  transit with its mode, user groups, which must exist, snapshots, maintenance window,
  notification topic, log delivery, tags). ``ModifyReplicationGroup`` for what it changes
  (description, node type, engine, failover, Multi-AZ, snapshot retention); the other
  properties CloudFormation updates in place are set on the group's record (moto's
  ``ModifyReplicationGroup`` takes no more); the properties whose change replaces the group
  replace it. ``Fn::GetAtt`` answers ``PrimaryEndPoint.Address``/``.Port``,
  ``ReaderEndPoint.Address``/``.Port`` and ``ReadEndPoint.Addresses``/``.Ports`` (and their
  ``.List``) for a group with cluster mode disabled, ``ConfigurationEndPoint.Address``/``.Port``
  for one with cluster mode enabled; any other attribute, or one the group's mode does not
  have, fails, as CloudFormation fails. moto makes one node unless told the replicas, so
  ``NumCacheClusters`` is passed as one primary and its replicas. A change of the node layout
  (``NumCacheClusters``, ``NumNodeGroups``, ``ReplicasPerNodeGroup``,
  ``NodeGroupConfiguration``, ``ClusterMode``), which CloudFormation makes in place, fails the
  update: moto cannot add or remove nodes or shards. No node runs: the endpoints are names
  nothing answers on.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.core.common_models import CloudFormationModel
from moto.elasticache import models as elasticache_models
from moto.elasticache.exceptions import ReplicationGroupNotFound
from moto.secretsmanager.models import secretsmanager_backends
from moto.utilities.utils import get_partition

from org_constructs.tooling.local._handlers._base import (
    Properties,
    _bool,
    _dropped_tags,
    _Handler,
    _tags,
)

__all__ = [
    "USER_GROUPS",
    "ReplicationGroup",
    "SubnetGroup",
    "User",
    "UserGroup",
    "resolve_dynamic_references",
    "user_groups",
]

USER_GROUPS = "org_constructs_user_groups"
"""The attribute of moto's ElastiCache backend that keeps the user groups this module records
(moto resets it with the backend)."""

_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:([a-z-]+):(.*?)\}\}")
_PASSWORD_LENGTH = (16, 128)


def _backend(account_id: str, region_name: str) -> Any:
    return elasticache_models.elasticache_backends[account_id][region_name]


def _retag(backend: Any, arn: str, previous: Properties, properties: Properties) -> None:
    backend.remove_tags_from_resource(arn, _dropped_tags(previous, properties))
    backend.add_tags_to_resource(arn, _tags(properties))


# --- Dynamic references ----------------------------------------------------------------------


def _secret_value(reference: str, account_id: str, region_name: str) -> str:
    """The value a ``{{resolve:secretsmanager:...}}`` reference names (``reference`` is what
    follows ``secretsmanager:``), from the emulator's Secrets Manager."""
    parts = reference.split(":")
    if reference.startswith("arn:"):
        # arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME: seven parts.
        secret_id, rest = ":".join(parts[:7]), parts[7:]
        region_name, account_id = parts[3], parts[4]
    else:
        secret_id, rest = parts[0], parts[1:]
    rest += [""] * (4 - len(rest))
    field, key, stage, version = rest[:4]
    if field not in ("", "SecretString"):
        raise ValidationError(
            message=f"dynamic reference {{{{resolve:secretsmanager:{reference}}}}}: "
            f"{field!r} is not SecretString"
        )
    backend = secretsmanager_backends[account_id][region_name]
    try:
        found = backend.get_secret_value(secret_id, version, stage)
    except Exception as error:
        raise ValidationError(
            message=f"dynamic reference {{{{resolve:secretsmanager:{reference}}}}}: the secret "
            f"cannot be read ({type(error).__name__}: {error})"
        ) from None
    text = found.get("SecretString")
    if text is None:
        raise ValidationError(
            message=f"dynamic reference {{{{resolve:secretsmanager:{reference}}}}}: the secret "
            "has no SecretString"
        )
    if not key:
        return str(text)
    try:
        return str(json.loads(text)[key])
    except (ValueError, KeyError, TypeError):
        raise ValidationError(
            message=f"dynamic reference {{{{resolve:secretsmanager:{reference}}}}}: the "
            f"secret's value has no JSON key {key!r}"
        ) from None


def resolve_dynamic_references(value: str, account_id: str, region_name: str) -> str:
    """``value`` with each ``{{resolve:secretsmanager:...}}`` replaced by the secret's value,
    as CloudFormation resolves it; any other dynamic reference (``ssm``, ``ssm-secure``) is
    refused: the emulator does not resolve it."""

    def resolved(match: re.Match[str]) -> str:
        service, reference = match.group(1), match.group(2)
        if service != "secretsmanager":
            raise ValidationError(
                message=f"dynamic reference {match.group(0)}: the emulator resolves only "
                "{{resolve:secretsmanager:...}}"
            )
        return _secret_value(reference, account_id, region_name)

    return _DYNAMIC_REFERENCE.sub(resolved, value)


# --- Subnet groups ---------------------------------------------------------------------------


class SubnetGroup(_Handler, CloudFormationModel):
    TYPE = "AWS::ElastiCache::SubnetGroup"
    NAME = "CacheSubnetGroupName"

    def _group(self) -> elasticache_models.CacheSubnetGroup:
        p = self.properties
        return elasticache_models.CacheSubnetGroup(
            account_id=self.account_id,
            region_name=self.region_name,
            cache_subnet_group_name=self.physical_id,
            cache_subnet_group_description=str(p["Description"]),
            subnet_ids=list(p["SubnetIds"]),
            tags=_tags(p),
        )

    def create(self) -> None:
        p = self.properties
        self.physical_id = self.name.lower()  # ElastiCache keeps the name in lowercase
        _backend(self.account_id, self.region_name).create_cache_subnet_group(
            cache_subnet_group_name=self.physical_id,
            cache_subnet_group_description=str(p["Description"]),
            subnet_ids=list(p["SubnetIds"]),
            tags=_tags(p),
        )

    def update(self, previous: Properties) -> None:
        backend = _backend(self.account_id, self.region_name)
        group = self._group()  # what ModifyCacheSubnetGroup makes of it: subnets checked again
        backend.cache_subnet_groups[self.physical_id] = group
        _retag(backend, group.arn, previous, self.properties)

    def remove(self) -> None:
        _backend(self.account_id, self.region_name).cache_subnet_groups.pop(self.physical_id, None)


# --- Users -----------------------------------------------------------------------------------


class User(_Handler, CloudFormationModel):
    TYPE = "AWS::ElastiCache::User"
    NAME = "UserId"
    REPLACED_BY = frozenset({"UserName"})
    ATTRIBUTES = frozenset({"Arn", "Status"})

    def _authentication(self) -> tuple[str, list[str]]:
        """The authentication type and the passwords, resolved."""
        p = self.properties
        mode = dict(p.get("AuthenticationMode") or {})
        passwords = [str(x) for x in mode.get("Passwords") or p.get("Passwords") or []]
        if mode.get("Passwords") and p.get("Passwords"):
            raise ValidationError(
                message=f"{self.TYPE} {self.name}: give Passwords or AuthenticationMode's, not both"
            )
        if "Type" in mode:
            kind = str(mode["Type"])
        elif _bool(p.get("NoPasswordRequired")):
            kind = "no-password-required"
        else:
            kind = "password"
        resolved = [
            resolve_dynamic_references(x, self.account_id, self.region_name) for x in passwords
        ]
        low, high = _PASSWORD_LENGTH
        if any(not low <= len(x) <= high for x in resolved):
            raise ValidationError(
                message=f"{self.TYPE} {self.name}: passwords must be {low} to {high} characters"
            )
        return kind, resolved

    def create(self) -> None:
        p = self.properties
        kind, passwords = self._authentication()
        _backend(self.account_id, self.region_name).create_user(
            user_id=self.name,
            user_name=str(p["UserName"]),
            engine=str(p["Engine"]).lower(),
            passwords=passwords,
            access_string=str(p.get("AccessString", "")),
            no_password_required=kind == "no-password-required",
            authentication_type=kind,
            tags=_tags(p),
        )

    def update(self, previous: Properties) -> None:
        backend = _backend(self.account_id, self.region_name)
        user = backend.users[self.physical_id]
        kind, passwords = self._authentication()
        # What ModifyUser changes; moto has none, so the user's record is changed.
        user.engine = str(self.properties["Engine"]).lower()
        user.access_string = str(self.properties.get("AccessString", ""))
        user.authentication_type = kind
        user.no_password_required = kind == "no-password-required"
        user.passwords = passwords
        _retag(backend, user.arn, previous, self.properties)

    def remove(self) -> None:
        _backend(self.account_id, self.region_name).users.pop(self.physical_id, None)

    def attribute(self, name: str) -> Any:
        user = _backend(self.account_id, self.region_name).users[self.physical_id]
        return {"Arn": user.arn, "Status": user.status}[name]


# --- User groups -----------------------------------------------------------------------------


def user_groups(account_id: str, region_name: str) -> dict[str, dict[str, Any]]:
    """The user groups recorded in an account and region, by id (moto has none of its own)."""
    backend = _backend(account_id, region_name)
    if not hasattr(backend, USER_GROUPS):
        setattr(backend, USER_GROUPS, {})
    found: dict[str, dict[str, Any]] = getattr(backend, USER_GROUPS)
    return found


class UserGroup(_Handler, CloudFormationModel):
    TYPE = "AWS::ElastiCache::UserGroup"
    NAME = "UserGroupId"
    ATTRIBUTES = frozenset({"Arn", "Status"})

    def _users(self) -> list[str]:
        backend = _backend(self.account_id, self.region_name)
        users = [str(u) for u in self.properties.get("UserIds") or []]
        unknown = [u for u in users if u not in backend.users]
        if unknown:
            raise ValidationError(
                message=f"{self.TYPE} {self.name}: user(s) not found: {', '.join(unknown)}"
            )
        return users

    def _record(self) -> None:
        p = self.properties
        backend = _backend(self.account_id, self.region_name)
        users = self._users()
        groups = user_groups(self.account_id, self.region_name)
        previous = groups.get(self.physical_id, {}).get("UserIds", [])
        for user in previous:
            if user in backend.users and self.physical_id in backend.users[user].user_group_ids:
                backend.users[user].user_group_ids.remove(self.physical_id)
        for user in users:
            backend.users[user].user_group_ids.append(self.physical_id)
        arn = (
            f"arn:{get_partition(self.region_name)}:elasticache:{self.region_name}:"
            f"{self.account_id}:usergroup:{self.physical_id}"
        )
        groups[self.physical_id] = {
            "UserGroupId": self.physical_id,
            "Engine": str(p["Engine"]).lower(),
            "UserIds": users,
            "Status": "active",
            "ARN": arn,
            "Tags": _tags(p),
        }

    def create(self) -> None:
        if self.name in user_groups(self.account_id, self.region_name):
            raise ValidationError(message=f"{self.TYPE} {self.name}: the user group exists")
        self._record()

    def update(self, previous: Properties) -> None:
        self._record()

    def remove(self) -> None:
        backend = _backend(self.account_id, self.region_name)
        group = user_groups(self.account_id, self.region_name).pop(self.physical_id, None)
        for user in (group or {}).get("UserIds", []):
            if user in backend.users and self.physical_id in backend.users[user].user_group_ids:
                backend.users[user].user_group_ids.remove(self.physical_id)

    def attribute(self, name: str) -> Any:
        group = user_groups(self.account_id, self.region_name)[self.physical_id]
        return {"Arn": group["ARN"], "Status": group["Status"]}[name]


# --- Replication groups ----------------------------------------------------------------------

_LAYOUT = (
    "NumCacheClusters",
    "NumNodeGroups",
    "ReplicasPerNodeGroup",
    "NodeGroupConfiguration",
    "ClusterMode",
)
"""The node layout, which CloudFormation changes in place and the emulator cannot."""

_MODIFIED: dict[str, tuple[str, Callable[[Any], Any]]] = {
    # property: (ModifyReplicationGroup's argument, how the template's value is read)
    "ReplicationGroupDescription": ("replication_group_description", str),
    "CacheNodeType": ("cache_node_type", str),
    "Engine": ("engine", lambda v: str(v).lower()),
    "AutomaticFailoverEnabled": ("automatic_failover_enabled", _bool),
    "MultiAZEnabled": ("multi_az_enabled", _bool),
    "SnapshotRetentionLimit": ("snapshot_retention_limit", int),
}
"""What moto's ``ModifyReplicationGroup`` changes."""

_RECORDED = {
    # property: the group's attribute, set as ModifyReplicationGroup sets it on AWS
    "EngineVersion": "engine_version",
    "CacheParameterGroupName": "cache_parameter_group_name",
    "SecurityGroupIds": "security_group_ids",
    "CacheSecurityGroupNames": "cache_security_group_names",
    "PreferredMaintenanceWindow": "preferred_maintenance_window",
    "SnapshotWindow": "snapshot_window",
    "NotificationTopicArn": "notification_topic_arn",
    "AutoMinorVersionUpgrade": "auto_minor_version_upgrade",
    "TransitEncryptionEnabled": "transit_encryption_enabled",
    "TransitEncryptionMode": "transit_encryption_mode",
    "UserGroupIds": "user_group_ids",
    "IpDiscovery": "ip_discovery",
}
"""The other properties CloudFormation updates without replacing the group."""

_ENDPOINTS = frozenset(
    {
        "PrimaryEndPoint.Address",
        "PrimaryEndPoint.Port",
        "ReaderEndPoint.Address",
        "ReaderEndPoint.Port",
        "ReadEndPoint.Addresses",
        "ReadEndPoint.Addresses.List",
        "ReadEndPoint.Ports",
        "ReadEndPoint.Ports.List",
    }
)
"""The attributes of a group with cluster mode disabled."""
_CONFIGURATION = frozenset({"ConfigurationEndPoint.Address", "ConfigurationEndPoint.Port"})
"""The attributes of a group with cluster mode enabled."""


class ReplicationGroup(_Handler, CloudFormationModel):
    TYPE = "AWS::ElastiCache::ReplicationGroup"
    NAME = "ReplicationGroupId"
    REPLACED_BY = frozenset(
        {
            "AtRestEncryptionEnabled",
            "CacheSubnetGroupName",
            "DataTieringEnabled",
            "GlobalReplicationGroupId",
            "KmsKeyId",
            "NetworkType",
            "Port",
            "PreferredCacheClusterAZs",
            "PrimaryClusterId",
            "SnapshotArns",
            "SnapshotName",
        }
    )
    ATTRIBUTES = _ENDPOINTS | _CONFIGURATION

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> ReplicationGroup:
        """Refuse a new node layout before anything changes (moto's CloudFormation tries a
        failed update again, and the handler's properties are the new ones by then)."""
        properties = cloudformation_json.get("Properties") or {}
        previous = original_resource.properties
        relaid = sorted(k for k in _LAYOUT if properties.get(k) != previous.get(k))
        if relaid:
            raise ValidationError(
                message=f"{cls.TYPE} {original_resource.name}: the emulator cannot change "
                f"{', '.join(relaid)} of a replication group in place (moto has no "
                "IncreaseReplicaCount, DecreaseReplicaCount or "
                "ModifyReplicationGroupShardConfiguration)"
            )
        updated: ReplicationGroup = super().update_from_cloudformation_json(
            original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        return updated

    def _clustered(self) -> bool:
        p = self.properties
        if p.get("ClusterMode") is not None:
            return str(p["ClusterMode"]).lower() == "enabled"
        if int(p.get("NumNodeGroups") or 1) > 1:
            return True
        return "cluster.on" in str(p.get("CacheParameterGroupName") or "")

    def create(self) -> None:
        p = self.properties
        self.physical_id = self.name.lower()
        known = user_groups(self.account_id, self.region_name)
        unknown = [g for g in p.get("UserGroupIds") or [] if g not in known]
        if unknown:
            raise ValidationError(
                message=f"{self.TYPE} {self.name}: user group(s) not found: {', '.join(unknown)}"
            )
        backend = _backend(self.account_id, self.region_name)
        subnet_group = p.get("CacheSubnetGroupName")
        if (
            subnet_group is not None
            and str(subnet_group).lower() not in backend.cache_subnet_groups
        ):
            raise ValidationError(
                message=f"{self.TYPE} {self.name}: cache subnet group {subnet_group} not found"
            )
        clustered = self._clustered()
        replicas = p.get("ReplicasPerNodeGroup")
        if not clustered and replicas is None and p.get("NumCacheClusters") is not None:
            replicas = int(p["NumCacheClusters"]) - 1  # moto reads only the replicas
        backend.create_replication_group(
            replication_group_id=self.physical_id,
            replication_group_description=str(p["ReplicationGroupDescription"]),
            global_replication_group_id=p.get("GlobalReplicationGroupId"),
            primary_cluster_id=p.get("PrimaryClusterId"),
            automatic_failover_enabled=_bool(p.get("AutomaticFailoverEnabled")),
            multi_az_enabled=_bool(p.get("MultiAZEnabled")),
            num_cache_clusters=p.get("NumCacheClusters") and int(p["NumCacheClusters"]),
            preferred_cache_cluster_azs=list(p.get("PreferredCacheClusterAZs") or []),
            num_node_groups=p.get("NumNodeGroups") and int(p["NumNodeGroups"]),
            replicas_per_node_group=replicas and int(replicas),
            node_group_configuration=list(p.get("NodeGroupConfiguration") or []),
            cache_node_type=p.get("CacheNodeType"),
            engine=str(p.get("Engine") or "redis").lower(),
            engine_version=p.get("EngineVersion"),
            cache_parameter_group_name=p.get("CacheParameterGroupName"),
            cache_subnet_group_name=subnet_group and str(subnet_group).lower(),
            cache_security_group_names=list(p.get("CacheSecurityGroupNames") or []),
            security_group_ids=list(p.get("SecurityGroupIds") or []),
            tags=_tags(p),
            snapshot_arns=list(p.get("SnapshotArns") or []),
            snapshot_name=p.get("SnapshotName"),
            preferred_maintenance_window=p.get("PreferredMaintenanceWindow"),
            port=int(p["Port"]) if p.get("Port") is not None else None,
            notification_topic_arn=p.get("NotificationTopicArn"),
            auto_minor_version_upgrade=_bool(p.get("AutoMinorVersionUpgrade"), default=True),
            snapshot_retention_limit=int(p.get("SnapshotRetentionLimit") or 0),
            snapshot_window=p.get("SnapshotWindow"),
            auth_token=p.get("AuthToken")
            and resolve_dynamic_references(str(p["AuthToken"]), self.account_id, self.region_name),
            transit_encryption_enabled=_bool(p.get("TransitEncryptionEnabled")),
            at_rest_encryption_enabled=_bool(p.get("AtRestEncryptionEnabled")),
            kms_key_id=p.get("KmsKeyId"),
            user_group_ids=list(p.get("UserGroupIds") or []),
            log_delivery_configurations=list(p.get("LogDeliveryConfigurations") or []),
            data_tiering_enabled=_bool(p.get("DataTieringEnabled")),
            network_type=p.get("NetworkType"),
            ip_discovery=p.get("IpDiscovery"),
            transit_encryption_mode=p.get("TransitEncryptionMode"),
            cluster_mode="enabled" if clustered else "disabled",
            serverless_cache_snapshot_name=None,
        )

    def update(self, previous: Properties) -> None:
        p = self.properties
        backend = _backend(self.account_id, self.region_name)
        known = user_groups(self.account_id, self.region_name)
        unknown = [g for g in p.get("UserGroupIds") or [] if g not in known]
        if unknown:
            raise ValidationError(
                message=f"{self.TYPE} {self.name}: user group(s) not found: {', '.join(unknown)}"
            )
        changes = {
            argument: read(p[key]) if p.get(key) is not None else None
            for key, (argument, read) in _MODIFIED.items()
            if p.get(key) != previous.get(key)
        }
        arguments = {argument: None for argument, _ in _MODIFIED.values()}
        group = backend.modify_replication_group(
            replication_group_id=self.physical_id, **{**arguments, **changes}
        )
        for key, attribute in _RECORDED.items():
            if p.get(key) != previous.get(key):
                value = p.get(key)
                if key in ("AutoMinorVersionUpgrade", "TransitEncryptionEnabled"):
                    value = _bool(value, default=key == "AutoMinorVersionUpgrade")
                elif isinstance(value, list):
                    value = list(value)
                setattr(group, attribute, value)
        _retag(backend, group.arn, previous, p)

    def remove(self) -> None:
        backend = _backend(self.account_id, self.region_name)
        with contextlib.suppress(ReplicationGroupNotFound):
            backend.delete_replication_group(self.physical_id, retain_primary_cluster=False)
        # moto keeps a deleted group as "deleting"; ElastiCache lists it no more once deleted.
        backend.replication_groups.pop(self.physical_id, None)

    def attribute(self, name: str) -> Any:
        group = _backend(self.account_id, self.region_name).replication_groups[self.physical_id]
        clustered = group.cluster_mode == "enabled"
        if (name in _CONFIGURATION) != clustered:
            # CloudFormation fails for an endpoint the group's cluster mode does not have.
            raise UnformattedGetAttTemplateException()
        if clustered:
            endpoint = group.configuration_endpoint
            return {
                "ConfigurationEndPoint.Address": endpoint["address"],
                "ConfigurationEndPoint.Port": str(endpoint["port"]),
            }[name]
        (nodes,) = group.node_groups
        members = nodes["node_group_members"]
        addresses = [m["read_endpoint"]["address"] for m in members]
        ports = [str(m["read_endpoint"]["port"]) for m in members]
        return {
            "PrimaryEndPoint.Address": nodes["primary_endpoint_address"],
            "PrimaryEndPoint.Port": str(nodes["port"]),
            "ReaderEndPoint.Address": nodes["reader_endpoint_address"],
            "ReaderEndPoint.Port": str(nodes["port"]),
            "ReadEndPoint.Addresses": ",".join(addresses),
            "ReadEndPoint.Addresses.List": addresses,
            "ReadEndPoint.Ports": ",".join(ports),
            "ReadEndPoint.Ports.List": ports,
        }[name]
