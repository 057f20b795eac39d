"""Snapshots of CloudFormation templates that change only when the template really changes."""

from __future__ import annotations

import json
import re
from typing import Any

from syrupy.extensions.json import JSONSnapshotExtension

from org_constructs.contract import DOCS_SOURCE
from org_constructs.testing._template import TemplateLike, template_json

__all__ = ["CloudFormationSnapshotExtension", "normalize_template"]

ASSET_HASH = "<asset-hash>"
CDK_VERSION_DEPENDENT = "<cdk-version-dependent>"
LIBRARY_VERSION = "<org-constructs-version>"

_HASH = re.compile(r"[0-9a-f]{64}")
# The library's docs at the installed version (``.../blob/v0.5.0/docs/alarms.md``), which alarm
# descriptions link: the link follows each release, not the code under test.
_DOCS_VERSION = re.compile(rf"(?<={re.escape(DOCS_SOURCE)}/)(?:v[0-9][^/\s\"]*|main)(?=/)")
# Mappings aws-cdk-lib adds whose values follow its own release (such as the newest Node.js
# runtime for its custom resources), not the code under test.
_VERSION_MAPPINGS = re.compile(r"^(Latest\w*RuntimeMap|AWSCDK\w*)$")


def normalize_template(template: TemplateLike) -> dict[str, Any]:
    """Return a copy of ``template`` without what changes between aws-cdk-lib releases.

    Removes the bootstrap version parameter and rule and the ``AWS::CDK::Metadata`` resource
    and its condition; replaces asset hashes with ``<asset-hash>``, and the values of
    version-dependent mappings (``LatestNodeRuntimeMap``) and the runtime of aws-cdk-lib's own
    custom resource providers with ``<cdk-version-dependent>``, and the library version in links
    to its documentation (the runbook link of every alarm) with ``<org-constructs-version>``.
    Everything the code under test decides is kept.
    """
    data = template_json(template)
    data.get("Parameters", {}).pop("BootstrapVersion", None)
    data.get("Rules", {}).pop("CheckBootstrapVersion", None)
    data.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    resources = data.get("Resources", {})
    for logical_id in [k for k, v in resources.items() if v.get("Type") == "AWS::CDK::Metadata"]:
        del resources[logical_id]
    for logical_id, resource in resources.items():
        # aws-cdk-lib's own custom resource providers run on the Node.js version it chooses.
        if "CustomResourceProvider" in logical_id and "Runtime" in resource.get("Properties", {}):
            resource["Properties"]["Runtime"] = CDK_VERSION_DEPENDENT
    mappings = data.get("Mappings", {})
    for name in mappings:
        if _VERSION_MAPPINGS.match(name):
            mappings[name] = CDK_VERSION_DEPENDENT
    for section in ("Parameters", "Rules", "Conditions", "Mappings"):
        if section in data and not data[section]:
            del data[section]
    masked: dict[str, Any] = _mask_hashes(data)
    return masked


def _mask_hashes(value: Any) -> Any:
    if isinstance(value, str):
        return _DOCS_VERSION.sub(LIBRARY_VERSION, _HASH.sub(ASSET_HASH, value))
    if isinstance(value, list):
        return [_mask_hashes(item) for item in value]
    if isinstance(value, dict):
        return {_HASH.sub(ASSET_HASH, k): _mask_hashes(v) for k, v in value.items()}
    return value


class CloudFormationSnapshotExtension(JSONSnapshotExtension):
    """A syrupy extension: one ``.json`` file per snapshot, normalized, keys sorted.

    Compare a ``Template`` (or its JSON) with ``assert template == cfn_snapshot``; the
    ``cfn_snapshot`` fixture of the org-constructs pytest plugin uses this extension.
    """

    def serialize(self, data: Any, **kwargs: Any) -> str:
        if not isinstance(data, dict):
            data = data.to_json() if hasattr(data, "to_json") else data
        if isinstance(data, dict) and "Resources" in data:
            data = normalize_template(data)
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
