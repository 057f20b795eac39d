"""The in-process emulator of the tests of ``org_constructs.tooling.local``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
Client = Callable[[str], Any]
Resources = dict[str, Any]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """boto3 clients of a fresh in-process moto in its default account, with the emulator's
    handlers and its fixes of moto.

    Importing ``_patches`` patches moto in this process for the rest of the session, as the
    emulator's server does for its own (``test_handlers`` runs on that moto then too).
    """
    from org_constructs.tooling.local import _handlers, _patches

    del _patches
    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
    _handlers.install()
    with mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)
