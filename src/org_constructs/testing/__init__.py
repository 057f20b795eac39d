"""Test helpers for CDK apps, also registered as a pytest plugin.

Installing ``org-constructs[testing]`` gives any pytest suite the fixtures ``cdk_app`` (a
factory of ``aws_cdk.App`` objects with the context ``cdk synth`` gives the app: its
``cdk.json`` and ``cdk.context.json``), ``cdk_context``, ``cdk_app_dir`` and ``cfn_snapshot``
(normalized CloudFormation snapshots, one JSON file each), and these helpers::

    from org_constructs.testing import assert_no_open_ingress, assert_no_wildcard_iam, template_of

    @pytest.fixture(scope="session")
    def network_stack(cdk_app, cdk_app_dir):
        config = load_environments(cdk_app_dir / "environments.json")["dev"]
        return NetworkStack(cdk_app(), "Network-dev", config=config)

    def test_network(network_stack, cfn_snapshot):
        template = template_of(network_stack)
        assert_no_wildcard_iam(template)
        assert_no_open_ingress(template, allowed_ports=[443])
        assert template == cfn_snapshot
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from org_constructs.testing._app import CdkAppFactory, load_cdk_context
from org_constructs.testing._policy import (
    IamStatement,
    acknowledged_rules,
    assert_no_open_ingress,
    assert_no_wildcard_dimensions,
    assert_no_wildcard_iam,
    iam_statements,
)
from org_constructs.testing._template import (
    TemplateLike,
    find_resources,
    template_json,
    template_of,
)

if TYPE_CHECKING:
    from org_constructs.testing._snapshot import CloudFormationSnapshotExtension, normalize_template

__all__ = [
    "CdkAppFactory",
    "CloudFormationSnapshotExtension",
    "IamStatement",
    "TemplateLike",
    "acknowledged_rules",
    "assert_no_open_ingress",
    "assert_no_wildcard_dimensions",
    "assert_no_wildcard_iam",
    "find_resources",
    "iam_statements",
    "load_cdk_context",
    "normalize_template",
    "template_json",
    "template_of",
]


def __getattr__(name: str) -> Any:
    # The snapshot helpers need syrupy (the ``testing`` extra); load them on first use.
    if name in ("CloudFormationSnapshotExtension", "normalize_template"):
        from org_constructs.testing import _snapshot

        return getattr(_snapshot, name)
    raise AttributeError(f"module 'org_constructs.testing' has no attribute {name!r}")
