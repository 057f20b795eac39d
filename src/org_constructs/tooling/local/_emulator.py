"""The emulator process: started on 127.0.0.1 on a free port, stopped by its PID."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from org_constructs.errors import LocalError

__all__ = [
    "Emulator",
    "LocalError",
    "check_port",
    "free_port",
    "require_local_extra",
    "start_emulator",
]

HOST = "127.0.0.1"
"""The only address the emulator listens on."""
ACCESS_KEY = "testing"
"""The emulator accepts any credentials; these keep real ones out of its requests."""


@dataclass
class Emulator:
    """A running emulator: moto's server with the library's CloudFormation support."""

    process: subprocess.Popen[bytes] | None
    """The server process; None for an emulator started elsewhere (not stopped here)."""
    port: int
    account: str
    region: str
    log: Path
    folder: Path | None = None
    """The temporary folder ``start_emulator`` made for the log; removed when it stops."""
    _stopped: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @classmethod
    def running(cls, port: int, account: str, region: str) -> Emulator:
        """An emulator already listening on ``port`` (``local deploy --keep``); ``stop`` leaves
        it running."""
        return cls(None, port, account, region, Path(os.devnull), _stopped=True)

    @property
    def endpoint(self) -> str:
        """``http://localhost:PORT``: the CDK CLI needs ``localhost``, not the address."""
        return f"http://localhost:{self.port}"

    def environment(self) -> dict[str, str]:
        """The variables that point the AWS CLI, the CDK CLI and boto3 at the emulator."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": ACCESS_KEY,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }

    def client(self, service: str, region: str | None = None) -> object:
        """A boto3 client of the emulator (needs boto3), in ``region`` (default: its own)."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region or self.region,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=ACCESS_KEY,
        )

    def stop(self) -> None:
        """Stop the server by its PID (never by name) and remove the temporary folder made
        for it (with its log); idempotent."""
        if self._stopped or self.process is None:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Emulator:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def require_local_extra() -> None:
    """Refuse (``LocalError``) when moto, the ``local`` extra, is not installed."""
    try:
        import moto  # noqa: F401 - only checking that the extra is installed
    except ImportError:
        raise LocalError(
            "the emulator needs the local extra: pip install 'org-constructs[local]'"
        ) from None


def check_port(port: int) -> None:
    """Refuse a port outside 1024-65535 or one in use on 127.0.0.1 (``LocalError``)."""
    if not 1024 <= port <= 65535:
        raise LocalError(f"--port {port}: must be from 1024 to 65535")
    if _in_use(port):
        raise LocalError(
            f"--port {port}: the port is in use on {HOST}; choose another or leave out --port "
            "for a free one"
        )


def _in_use(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return True
    return False


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/moto-api/", timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def start_emulator(
    account: str,
    region: str,
    *,
    port: int | None = None,
    log: Path | None = None,
    timeout: float = 90,
    environment: Mapping[str, str] | None = None,
) -> Emulator:
    """Start the emulator for ``account`` and wait until it answers.

    ``port`` defaults to a free one; a port in use is refused. ``log`` defaults to a file in a
    new temporary folder (``Emulator.folder``), which ``stop`` removes; a ``log`` given is
    left where it is. ``environment`` is the server's (default: this process's), to which
    ``MOTO_ACCOUNT_ID`` is added.

    Raises
    ------
    LocalError
        For a port in use, a missing ``local`` extra, or a server that exits or does not
        answer in ``timeout`` seconds; the process is stopped before the error is raised.
    """
    require_local_extra()
    if port is not None:
        check_port(port)
    port = port or free_port()
    folder = None
    if log is None:
        folder = Path(tempfile.mkdtemp(prefix="org-cdk-local-"))
        log = folder / f"emulator-{port}.log"
    server_environment = {**(os.environ if environment is None else environment)}
    server_environment["MOTO_ACCOUNT_ID"] = account
    try:
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603 - this Python, this package's server
                [sys.executable, "-m", "org_constructs.tooling.local._server", "--port", str(port)],
                env=server_environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    emulator = Emulator(process, port, account, region, log, folder)
    deadline = time.monotonic() + timeout
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:]
            emulator.stop()
            raise LocalError(f"the emulator did not start on {HOST}:{port}:\n{tail}")
        time.sleep(0.3)
    return emulator
