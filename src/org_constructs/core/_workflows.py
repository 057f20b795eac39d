"""What the library knows of a state machine construct without importing it (no import cycles)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn
from constructs import Node

__all__ = ["StateMachineWithTimeout"]


@runtime_checkable
class StateMachineWithTimeout(Protocol):
    """A construct that owns a state machine and knows its timeout (``SecureStateMachine``)."""

    @property
    def node(self) -> Node:
        """Its place in the construct tree."""
        ...

    @property
    def state_machine(self) -> sfn.IStateMachine:
        """The state machine its callers start."""
        ...

    @property
    def timeout(self) -> Duration:
        """How long an execution may run before Step Functions stops it (timed out)."""
        ...
