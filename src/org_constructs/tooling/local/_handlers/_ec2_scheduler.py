"""CloudFormation handlers for security group egress rules and EventBridge Scheduler.

- ``AWS::EC2::SecurityGroupEgress``: ``AuthorizeSecurityGroupEgress`` of the rule (to a CIDR,
  a security group or a prefix list, with its description), ``RevokeSecurityGroupEgress`` on
  delete; any change replaces the rule, as CloudFormation does. What the CDK writes for each
  connection out of a security group (a load balancer's to its targets). Not enforced.
- ``AWS::Scheduler::ScheduleGroup``: ``CreateScheduleGroup`` with tags (updated in place),
  ``DeleteScheduleGroup``.
- ``AWS::Scheduler::Schedule``: ``CreateSchedule`` (expression and time zone, flexible window,
  target with its role and input, state, dates, KMS key, action after completion),
  ``UpdateSchedule``; a new group replaces it. No schedule ever runs its target.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.ec2.exceptions import InvalidPermissionNotFoundError, InvalidSecurityGroupNotFoundError
from moto.ec2.models import ec2_backends
from moto.scheduler.exceptions import ScheduleGroupNotFound, ScheduleNotFound
from moto.scheduler.models import scheduler_backends

from org_constructs.tooling.local._handlers._base import (
    Properties,
    _dropped_tags,
    _Handler,
    _tags,
)

__all__ = ["Schedule", "ScheduleGroup", "SecurityGroupEgress"]


# --- EC2 -----------------------------------------------------------------------------------


class SecurityGroupEgress(_Handler, CloudFormationModel):
    TYPE = "AWS::EC2::SecurityGroupEgress"
    REPLACED_BY = frozenset(
        {
            "GroupId",
            "IpProtocol",
            "FromPort",
            "ToPort",
            "CidrIp",
            "CidrIpv6",
            "DestinationSecurityGroupId",
            "DestinationPrefixListId",
            "Description",
        }
    )
    """Every property: CloudFormation replaces an egress rule on any change."""
    ATTRIBUTES = frozenset({"Id"})

    def _rule(self) -> dict[str, Any]:
        p = self.properties
        described = {"Description": p["Description"]} if "Description" in p else {}

        def targets(key: str, name: str) -> list[dict[str, Any]]:
            return [{name: p[key], **described}] if key in p else []

        return {
            "group_name_or_id": p["GroupId"],
            "ip_protocol": str(p["IpProtocol"]),
            "from_port": p.get("FromPort"),
            "to_port": p.get("ToPort"),
            "ip_ranges": targets("CidrIp", "CidrIp") + targets("CidrIpv6", "CidrIpv6"),
            "source_groups": targets("DestinationSecurityGroupId", "GroupId"),
            "prefix_list_ids": targets("DestinationPrefixListId", "PrefixListId"),
        }

    def create(self) -> None:
        backend = ec2_backends[self.account_id][self.region_name]
        rules, _ = backend.authorize_security_group_egress(**self._rule())
        self.physical_id = rules[0].id

    def update(self, previous: Properties) -> None:
        raise NotImplementedError  # every property replaces the rule

    def remove(self) -> None:
        backend = ec2_backends[self.account_id][self.region_name]
        with contextlib.suppress(InvalidSecurityGroupNotFoundError, InvalidPermissionNotFoundError):
            backend.revoke_security_group_egress(**self._rule())

    def attribute(self, name: str) -> Any:
        return self.physical_id


# --- EventBridge Scheduler -----------------------------------------------------------------


def _epoch(value: Any) -> Any:
    """A template's date (ISO 8601 text), as the Scheduler API takes it."""
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return value


class ScheduleGroup(_Handler, CloudFormationModel):
    TYPE = "AWS::Scheduler::ScheduleGroup"
    NAME = "Name"
    ATTRIBUTES = frozenset({"Arn", "CreationDate", "LastModificationDate", "State"})

    def _backend(self) -> Any:
        return scheduler_backends[self.account_id][self.region_name]

    def create(self) -> None:
        self._backend().create_schedule_group(self.name, _tags(self.properties))

    def update(self, previous: Properties) -> None:
        backend, arn = self._backend(), self.attribute("Arn")
        backend.untag_resource(arn, _dropped_tags(previous, self.properties))
        backend.tag_resource(arn, _tags(self.properties))

    def remove(self) -> None:
        with contextlib.suppress(KeyError):
            self._backend().delete_schedule_group(self.name)

    def attribute(self, name: str) -> Any:
        group = self._backend().get_schedule_group(self.name)
        return {
            "Arn": group.arn,
            "CreationDate": group.created_on,
            "LastModificationDate": group.last_modified,
            "State": "ACTIVE",
        }[name]


class Schedule(_Handler, CloudFormationModel):
    TYPE = "AWS::Scheduler::Schedule"
    NAME = "Name"
    REPLACED_BY = frozenset({"GroupName"})
    ATTRIBUTES = frozenset({"Arn"})

    def _backend(self) -> Any:
        return scheduler_backends[self.account_id][self.region_name]

    def _arguments(self) -> dict[str, Any]:
        p = self.properties
        return {
            "name": self.name,
            "group_name": p.get("GroupName"),
            "description": p.get("Description"),
            "schedule_expression": p["ScheduleExpression"],
            "schedule_expression_timezone": p.get("ScheduleExpressionTimezone"),
            "flexible_time_window": dict(p["FlexibleTimeWindow"]),
            "target": json.loads(json.dumps(p["Target"])),
            "state": p.get("State"),
            "kms_key_arn": p.get("KmsKeyArn"),
            "start_date": _epoch(p.get("StartDate")),
            "end_date": _epoch(p.get("EndDate")),
        }

    def create(self) -> None:
        action = self.properties.get("ActionAfterCompletion")
        self._backend().create_schedule(**self._arguments(), action_after_completion=action)

    def update(self, previous: Properties) -> None:
        self._backend().update_schedule(**self._arguments())

    def remove(self) -> None:
        with contextlib.suppress(ScheduleNotFound, ScheduleGroupNotFound):
            self._backend().delete_schedule(self.properties.get("GroupName"), self.name)

    def attribute(self, name: str) -> Any:
        return self._backend().get_schedule(self.properties.get("GroupName"), self.name).arn
