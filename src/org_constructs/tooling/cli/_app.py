"""The ``org-cdk`` group: every command, from the module of its group."""

from __future__ import annotations

import click

from org_constructs.tooling.cli._cost import cost
from org_constructs.tooling.cli._deploy import CDK_WRAPPERS, bootstrap, deploy, notify_command
from org_constructs.tooling.cli._docs import docs_command
from org_constructs.tooling.cli._local import local
from org_constructs.tooling.cli._new import new
from org_constructs.tooling.cli._pipeline import change_set, pipeline
from org_constructs.tooling.cli._stacks import find_resource, stacks
from org_constructs.tooling.cli._validate import pre_deploy, validate

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="org-constructs", prog_name="org-cdk")
def cli() -> None:
    """Validate, price and operate AWS CDK apps built with org-constructs."""


for command in (
    validate,
    cost,
    pre_deploy,
    *CDK_WRAPPERS,
    bootstrap,
    deploy,
    notify_command,
    stacks,
    find_resource,
    docs_command,
    local,
    pipeline,
    change_set,
    new,
):
    cli.add_command(command)


def main() -> None:
    """Console entry point."""
    cli(prog_name="org-cdk")
