"""Helpers shared by the tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import aws_cdk as cdk

ROOT = Path(__file__).resolve().parent.parent


@cache
def recommended_context() -> dict[str, Any]:
    """The feature flags a new CDK app gets (``cdk init``), as the examples' cdk.json has them."""
    cdk_json = json.loads((ROOT / "examples" / "minimal_app" / "cdk.json").read_text())
    context: dict[str, Any] = cdk_json["context"]
    return context


def make_app(**context: Any) -> cdk.App:
    """An ``App`` with the recommended feature flags, as users' apps have."""
    return cdk.App(context={**recommended_context(), **context})
