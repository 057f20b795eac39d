"""The ``org-cdk`` command line: validation gate, cost report and operations wrappers."""

from org_constructs.cli._main import cli, main

__all__ = ["cli", "main"]
