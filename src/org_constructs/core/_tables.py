"""What the library knows of its table construct without importing it (no import cycles): a
DynamoDB table and how it is billed (``SecureTable``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from constructs import Node

from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.shapes import Shape

if TYPE_CHECKING:
    from aws_cdk import aws_dynamodb as dynamodb
else:
    dynamodb = lazy_module("aws_cdk.aws_dynamodb")


__all__ = ["TableWithBilling"]


@runtime_checkable
class TableWithBilling(Protocol, metaclass=Shape):
    """A construct that owns a DynamoDB table and knows how it is billed (``SecureTable``)."""

    @property
    def node(self) -> Node:
        """Its place in the construct tree."""
        ...

    @property
    def table(self) -> dynamodb.ITable:
        """The table."""
        ...

    @property
    def provisioned(self) -> bool:
        """True when the table is billed by provisioned capacity (``BillingMode.PROVISIONED``),
        False when on demand."""
        ...
