"""The org-constructs pytest plugin, registered through the ``pytest11`` entry point.

It adds one fixture, ``cfn_snapshot``: syrupy's ``snapshot`` with the CloudFormation
extension, so ``assert template == cfn_snapshot`` stores a normalized JSON file per test.
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["cfn_snapshot"]


@pytest.fixture
def cfn_snapshot(request: pytest.FixtureRequest) -> Any:
    """Syrupy's ``snapshot``, storing normalized CloudFormation templates as JSON files."""
    try:
        from org_constructs.testing._snapshot import CloudFormationSnapshotExtension
    except ImportError as error:  # pragma: no cover - depends on what the user installed
        pytest.fail(
            f"cfn_snapshot needs syrupy ({error}); install org-constructs[testing]",
            pytrace=False,
        )
    return request.getfixturevalue("snapshot").use_extension(CloudFormationSnapshotExtension)
