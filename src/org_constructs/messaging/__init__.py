"""Messaging: ``SecureQueue``, an SQS queue with a dead-letter queue, encrypted and TLS-only."""

from org_constructs.messaging._secure_queue import SecureQueue

__all__ = ["SecureQueue"]
