"""``ReleasedFunction``: what the constructs that take a function know of ``MonitoredFunction``.

The constructs that invoke a function (``SecureApi``) sit below the compute package, which
imports the monitoring that watches them; they recognise a released function by its shape.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aws_cdk import aws_lambda as lambda_
from constructs import Node

from org_constructs._internal.shapes import Shape

__all__ = ["ReleasedFunction", "serving_function"]


@runtime_checkable
class ReleasedFunction(Protocol, metaclass=Shape):
    """A function whose traffic goes through an alias that each release moves."""

    @property
    def node(self) -> Node:
        """Its place in the construct tree."""
        ...

    @property
    def alias(self) -> lambda_.Alias:
        """The alias that serves traffic."""
        ...

    @property
    def function(self) -> lambda_.Function:
        """The unversioned function: traffic sent to it skips the release's safeguards."""
        ...


def serving_function(
    handler: lambda_.IFunction | ReleasedFunction,
) -> tuple[lambda_.IFunction, ReleasedFunction | None]:
    """The function to invoke for ``handler``, and the released function it bypasses, if any.

    A released function serves through its alias. Its unversioned ``function`` is returned
    with its owner, so that the caller can refuse it.
    """
    if isinstance(handler, ReleasedFunction):
        return handler.alias, None
    owner: object = handler.node.scope
    if isinstance(owner, ReleasedFunction) and owner.function is handler:
        return handler, owner
    return handler, None
