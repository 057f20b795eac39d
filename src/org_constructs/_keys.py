"""Names shared by the code that writes acknowledgements and the code that reads them.

Import-free, so the pytest plugin, the test helpers and ``org-cdk`` read the record without
loading aws-cdk-lib.
"""

from __future__ import annotations

__all__ = [
    "ACKNOWLEDGED",
    "AUDIT_METADATA",
    "LIBRARY_SOURCE",
    "NAG_TOOL",
    "TEMPLATE_KEY",
]

TEMPLATE_KEY = "org-constructs"
"""A resource's template ``Metadata`` key holding ``{"acknowledged": [...]}``."""
ACKNOWLEDGED = "acknowledged"
"""The list of acknowledgements under ``TEMPLATE_KEY``: ``{tool, rule, reason, source}`` each."""
NAG_TOOL = "cdk-nag"
"""The tool of cdk-nag acknowledgements; in a template they copy the construct tree's record."""
LIBRARY_SOURCE = "org-constructs"
"""The ``source`` of acknowledgements the library makes for its own resources."""
AUDIT_METADATA = "org-constructs:acknowledged-rules"
"""Construct metadata type holding cdk-nag acknowledgements while ``org-cdk validate`` audits."""
