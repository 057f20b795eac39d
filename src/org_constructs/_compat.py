"""The oldest releases of aws-cdk-lib and cdk-nag the library works with, checked on use.

pip keeps the declared ranges, but a consuming repo can still end up below them (a
``--no-deps`` install, a pinned constraints file, an environment assembled by hand). Below the
floor the first construct would fail deep inside jsii (``InvalidValidationId`` for the
acknowledgements cdk-nag reads, on aws-cdk-lib before 2.269); this says so in one sentence.
"""

from __future__ import annotations

import importlib.metadata
import re
from functools import cache

from org_constructs.errors import UnsupportedVersionError

__all__ = ["FLOORS", "UnsupportedVersionError", "require"]

FLOORS: dict[str, tuple[tuple[int, ...], str]] = {
    "aws-cdk-lib": (
        (2, 269, 0),
        "acknowledgements with rule details (AwsSolutions-IAM4[Policy::...]), which every "
        "construct records for cdk-nag",
    ),
    "cdk-nag": (
        (3, 0, 2),
        "cdk-nag before 3.0.2 ignores acknowledgements made through aws-cdk-lib's Validations",
    ),
}
"""Package -> (lowest working release, what needs it). Kept equal to pyproject.toml's floors."""


def _parse(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


@cache
def require(package: str) -> None:
    """Raise ``UnsupportedVersionError`` when ``package`` is installed below its floor."""
    minimum, needed_for = FLOORS[package]
    try:
        installed = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return  # not installed: the import that needs it says so
    if _parse(installed) < minimum:
        floor = ".".join(map(str, minimum))
        raise UnsupportedVersionError(
            f"org-constructs needs {package}>={floor} ({needed_for}); {installed} is installed. "
            f"Upgrade it: pip install '{package}>={floor}'"
        )
