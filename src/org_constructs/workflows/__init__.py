"""Workflows: ``SecureStateMachine``, a Step Functions state machine that logs to an encrypted
log group, traces with X-Ray, times out and runs with a role of its own."""

from org_constructs.workflows._state_machine import SecureStateMachine

__all__ = ["SecureStateMachine"]
