"""The emulator's server process: moto's server with the library's CloudFormation support.

Run by ``org_constructs.tooling.local`` as ``python -m org_constructs.tooling.local._server
--port PORT``; it binds to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="org-cdk local server")
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args(argv)
    # Imported here: patching moto is what this process is for, and nothing else should do it.
    from moto.server import main as moto_main

    from org_constructs.tooling.local import _handlers, _patches

    del _patches
    _handlers.install()
    moto_main(["-H", "127.0.0.1", "-p", str(arguments.port)])


if __name__ == "__main__":
    main()
