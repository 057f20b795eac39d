"""Local deploys: a stage of an app deployed to the emulator on this machine.

The emulator is moto's server (the ``local`` extra: ``pip install 'org-constructs[local]'``)
with the library's CloudFormation support for the types moto's own skips; it listens on
127.0.0.1 only, on a free port, and is stopped by its PID. ``org-cdk local deploy`` and
``org-cdk local destroy`` are its command line; tests use ``start_emulator`` and the steps.

Nothing the constructs synthesize depends on this package: it only makes what templates
describe.
"""

from org_constructs.tooling.local._deploy import (
    AVOIDED_BY,
    SynthesizedStage,
    bootstrap,
    deploy_stacks,
    destroy_stacks,
    synthesize_stage,
    unsupported_types,
)
from org_constructs.tooling.local._emulator import (
    Emulator,
    LocalError,
    check_port,
    free_port,
    require_local_extra,
    start_emulator,
)
from org_constructs.tooling.local._report import (
    DeployReport,
    Missing,
    deploy_report,
    supported_types,
)

__all__ = [
    "AVOIDED_BY",
    "DeployReport",
    "Emulator",
    "LocalError",
    "Missing",
    "SynthesizedStage",
    "bootstrap",
    "check_port",
    "deploy_report",
    "deploy_stacks",
    "destroy_stacks",
    "free_port",
    "require_local_extra",
    "start_emulator",
    "supported_types",
    "synthesize_stage",
    "unsupported_types",
]
