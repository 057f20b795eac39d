"""The in-process emulator of the tests of ``org_constructs.tooling.local``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
Client = Callable[[str], Any]
Resources = dict[str, Any]


@functools.cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


@functools.cache
def moto_client(service: str, region: str = REGION) -> Any:
    """A boto3 client of the in-process moto, made once per process and service.

    ``mock_aws`` drops boto3's default session, so ``boto3.client`` made a session and a client
    anew in every test. A client holds no emulator state (each ``mock_aws`` starts the
    backends fresh), and the tests add no handlers to these: they are shared."""
    return _session().client(service, region_name=region)


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
        yield moto_client
