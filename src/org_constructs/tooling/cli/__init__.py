"""The ``org-cdk`` command line: validation gate, cost report and operations wrappers."""

from org_constructs.tooling.cli._app import cli, main

__all__ = ["cli", "main"]
