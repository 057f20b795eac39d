"""Build CDK apps in tests as ``cdk synth`` builds them: with the context of the app's files."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from org_constructs.errors import ValidationError

if TYPE_CHECKING:
    import aws_cdk as cdk

__all__ = ["CDK_CONTEXT_JSON", "CDK_JSON", "CdkAppFactory", "load_cdk_context"]

CDK_JSON = "cdk.json"
"""The CDK CLI's project file: the command that runs the app, and its ``context``."""
CDK_CONTEXT_JSON = "cdk.context.json"
"""Where the CDK CLI records what it looked up (Availability Zones, AMIs, VPC ids, ...)."""


def load_cdk_context(app_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The context ``cdk synth`` gives the app in ``app_dir``, read from the app's files.

    The values recorded in ``cdk.context.json`` (when it exists), then the ``context`` of
    ``cdk.json`` on top of them, as the CDK CLI ranks them. ``-c`` arguments and the user's
    ``~/.cdk.json`` are not read: a test sees what every checkout of the repo sees.

    Parameters
    ----------
    app_dir:
        The folder holding the app's ``cdk.json``.

    Raises
    ------
    ValidationError
        When ``app_dir`` holds no ``cdk.json``, when a file is not JSON, or when the context
        in it is not a mapping.

    Example
    -------
    ::

        import aws_cdk as cdk

        app = cdk.App(context=load_cdk_context("."))  # the folder of cdk.json
    """
    folder = Path(app_dir)
    project = folder / CDK_JSON
    if not project.is_file():
        raise ValidationError(
            "load_cdk_context",
            "app_dir",
            str(folder),
            f"must be the folder of a CDK app, holding its {CDK_JSON}",
        )
    context: dict[str, Any] = {}
    recorded = folder / CDK_CONTEXT_JSON
    if recorded.is_file():
        context.update(_mapping(_read_json(recorded), recorded.name, "(top level)"))
    settings = _mapping(_read_json(project), project.name, "(top level)")
    context.update(_mapping(settings.get("context", {}), project.name, "context"))
    return context


class CdkAppFactory(Protocol):
    """The ``cdk_app`` fixture of the pytest plugin: makes a new ``aws_cdk.App`` per call.

    The app gets the context of the app's ``cdk.json`` and ``cdk.context.json``
    (``load_cdk_context``), then ``context``, then the keyword arguments, as
    ``cdk synth -c key=value`` would add them::

        app = cdk_app()                        # as `cdk synth`
        app = cdk_app(stage="dev")             # as `cdk synth -c stage=dev`
        app = cdk_app({"@aws-cdk/core:newStyleStackSynthesis": True})
    """

    def __call__(self, context: Mapping[str, Any] | None = None, /, **values: Any) -> cdk.App:
        """A new ``aws_cdk.App`` with the app's context, ``context`` and ``values``."""
        ...


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValidationError(
            path.name,
            "(file)",
            str(path),
            f"is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
        ) from None


def _mapping(value: Any, source: str, prop: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(source, prop, value, "must be a JSON object of context values")
    return value
