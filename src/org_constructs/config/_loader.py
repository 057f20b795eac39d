"""Load every environment of an app from a file or from CDK context."""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from org_constructs.config._model import (
    DatabaseConfig,
    EnvironmentConfig,
    SecurityConfig,
    StageDefaults,
    VpcConfig,
)
from org_constructs.config._services import (
    CacheConfig,
    QueueConfig,
    StateMachineConfig,
    TableConfig,
)
from org_constructs.config._stage import Stage
from org_constructs.errors import MissingExtraError, ValidationError

if TYPE_CHECKING:
    from constructs import Construct

__all__ = [
    "MissingExtraError",
    "environment_from_context",
    "environments_from_context",
    "environments_from_mapping",
    "load_environments",
    "selected_environments",
]

_NESTED: Mapping[
    str,
    type[VpcConfig]
    | type[DatabaseConfig]
    | type[SecurityConfig]
    | type[QueueConfig]
    | type[StateMachineConfig]
    | type[CacheConfig]
    | type[TableConfig],
] = {
    "vpc": VpcConfig,
    "database": DatabaseConfig,
    "security": SecurityConfig,
    "queue": QueueConfig,
    "state_machine": StateMachineConfig,
    "cache": CacheConfig,
    "table": TableConfig,
}
_ENVIRONMENT_KEYS = tuple(f.name for f in dataclasses.fields(EnvironmentConfig))
_REQUIRED_KEYS = ("account", "region")


def load_environments(path: str | os.PathLike[str]) -> dict[str, EnvironmentConfig]:
    """Load every environment from a JSON or YAML file.

    The file maps environment names to their settings. A name that is a stage (``dev``,
    ``staging``, ``production``) sets the stage; other names must give ``stage``. Every key
    left out takes the stage's default::

        {
          "dev": {"account": "111111111111", "region": "us-east-1"},
          "production": {
            "account": "333333333333", "region": "us-east-1",
            "vpc": {"cidr": "10.2.0.0/16"}, "alarm_email": "ops@example.com"
          }
        }

    YAML files (``.yaml``, ``.yml``) need ``pip install 'org-constructs[yaml]'``.

    Parameters
    ----------
    path:
        The file.

    Returns
    -------
    dict[str, EnvironmentConfig]
        The environments by name, in the file's order.

    Raises
    ------
    ValidationError
        When the file cannot be read, is not valid JSON/YAML, gives a key twice or any value is
        invalid; the message names the file and the key. Nothing is returned in part.
    MissingExtraError
        For a YAML file when PyYAML is not installed.
    """
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise ValidationError("load_environments", "path", path, "must be a file path")
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(file.name, "(file)", str(path), "is not UTF-8 text") from None
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise ValidationError(
            file.name or str(path), "(file)", str(path), f"cannot be read: {reason}"
        ) from None
    if file.suffix.lower() in (".yaml", ".yml"):
        data = _parse_yaml(text, file.name)
    else:
        data = _parse_json(text, file.name)
    return environments_from_mapping(data, source=file.name)


def environments_from_mapping(data: object, *, source: str) -> dict[str, EnvironmentConfig]:
    """Build every environment from already-parsed data, as ``load_environments`` does.

    Parameters
    ----------
    data:
        A mapping of environment name to settings.
    source:
        Where the data came from, for error messages (a file name, ``"context 'environments'"``).
    """
    if not isinstance(source, str):
        raise ValidationError("environments_from_mapping", "source", source, "must be a string")
    if not isinstance(data, Mapping) or not data:
        raise ValidationError(
            source,
            "(top level)",
            data,
            "must map environment names (dev, staging, ...) to settings",
        )
    environments: dict[str, EnvironmentConfig] = {}
    named: dict[str, str] = {}
    for name, settings in data.items():
        config = _environment(str(name), settings, source)
        if config.name in named:
            raise ValidationError(
                source,
                f"{name}.name",
                config.name,
                f"is also the name of environment {named[config.name]!r}: stack names, alarm "
                "names and the delivery workflow's jobs are made from it; give each environment "
                "its own name",
            )
        named[config.name] = str(name)
        environments[str(name)] = config
    return environments


def environments_from_context(
    scope: Construct, key: str = "environments"
) -> dict[str, EnvironmentConfig]:
    """Load every environment from CDK context (``cdk.json`` or ``-c``).

    The context value may be the mapping itself (in ``cdk.json``), a JSON text, or the path of a
    JSON/YAML file (handy with ``-c environments=config/environments.json``).

    Parameters
    ----------
    scope:
        Any construct of the app, usually the ``App``.
    key:
        The context key. Default: ``'environments'``

    Raises
    ------
    ValidationError
        When the context key is missing or its value is invalid.
    """
    _check_context_arguments("environments_from_context", scope, key)
    value = scope.node.try_get_context(key)
    source = f"context {key!r}"
    if value is None:
        raise ValidationError(
            source, key, None, "is not set; add it to cdk.json or pass -c environments=FILE"
        )
    if isinstance(value, str):
        if value.lstrip().startswith("{"):
            return environments_from_mapping(_parse_json(value, source), source=source)
        return load_environments(value)
    return environments_from_mapping(value, source=source)


def environment_from_context(
    scope: Construct,
    environments: Mapping[str, EnvironmentConfig],
    *,
    key: str = "stage",
    default: str | None = None,
) -> EnvironmentConfig:
    """Pick the environment named by a context value, as in ``cdk synth -c stage=dev``.

    Parameters
    ----------
    scope:
        Any construct of the app, usually the ``App``.
    environments:
        The environments, from ``load_environments`` or ``environments_from_context``.
    key:
        The context key that names the environment. Default: ``'stage'``
    default:
        The name to use when the context key is not set. Default: none (the key is required)

    Raises
    ------
    ValidationError
        When no name is given or the name is not one of ``environments``.
    """
    _check_context_arguments("environment_from_context", scope, key)
    _check_environments("environment_from_context", environments)
    if default is not None and not isinstance(default, str):
        raise ValidationError("environment_from_context", "default", default, "must be a string")
    name = scope.node.try_get_context(key)
    if name is None:
        name = default
    if not isinstance(name, str) or name not in environments:
        raise ValidationError(
            f"context {key!r}",
            key,
            name,
            f"must name one of the environments: {', '.join(environments)} (pass -c {key}=NAME)",
        )
    return environments[name]


def selected_environments(
    scope: Construct, environments: Mapping[str, EnvironmentConfig], *, key: str = "stage"
) -> dict[str, EnvironmentConfig]:
    """The environments to synthesize: the one named by ``-c stage=NAME``, or all of them.

    Lets one app serve every environment while ``cdk deploy -c stage=dev`` builds only dev::

        for name, config in selected_environments(app, load_environments(path)).items():
            ServiceStack(app, f"Service-{name}", config=config)

    Raises
    ------
    ValidationError
        When the context names no environment of ``environments``.
    """
    _check_context_arguments("selected_environments", scope, key)
    _check_environments("selected_environments", environments)
    if scope.node.try_get_context(key) is None:
        return dict(environments)
    chosen = environment_from_context(scope, environments, key=key)
    return {chosen.name: chosen}


def _check_context_arguments(where: str, scope: object, key: object) -> None:
    from constructs import Construct

    if not isinstance(scope, Construct):
        raise ValidationError(where, "scope", scope, "must be a construct, usually the App")
    if not isinstance(key, str) or not key:
        raise ValidationError(where, "key", key, "must be a context key such as 'stage'")


def _check_environments(where: str, environments: object) -> None:
    if not (
        isinstance(environments, Mapping)
        and all(isinstance(e, EnvironmentConfig) for e in environments.values())
    ):
        raise ValidationError(
            where,
            "environments",
            environments,
            "must map names to EnvironmentConfig, as load_environments returns",
        )


def _unique_keys(source: str) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """A JSON object hook that refuses a key given twice (``json`` keeps the last silently)."""

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        for key, value in pairs:
            if key in mapping:
                raise ValidationError(
                    source, key, value, "is given twice in one mapping: keep one of them"
                )
            mapping[key] = value
        return mapping

    return build


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_keys(source))
    except json.JSONDecodeError as error:
        raise ValidationError(
            source,
            "(file)",
            text[:40] + ("..." if len(text) > 40 else ""),
            f"is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
        ) from None


def _parse_yaml(text: str, source: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise MissingExtraError(
            f"{source}: reading YAML needs PyYAML; install it with "
            "pip install 'org-constructs[yaml]', or use a JSON file"
        ) from None

    class UniqueKeyLoader(yaml.SafeLoader):
        """PyYAML's safe loader, refusing a key given twice (it keeps the last silently)."""

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: list[Any] = []
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"found {key!r} twice in one mapping", key_node.start_mark
                    )
                seen.append(key)
            return super().construct_mapping(node, deep=deep)

    try:
        return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        raise ValidationError(source, "(file)", source, f"is not valid YAML: {error}") from None


def _environment(name: str, settings: object, source: str) -> EnvironmentConfig:
    if not isinstance(settings, Mapping):
        raise ValidationError(source, name, settings, "must be a mapping of settings")
    _check_keys(settings, _ENVIRONMENT_KEYS, source, name)
    for required in _REQUIRED_KEYS:
        if required not in settings:
            raise ValidationError(source, f"{name}.{required}", None, "is required")
    stage_value = settings.get("stage", name)
    stage_names = {s.value for s in Stage}
    if "stage" not in settings and name not in stage_names:
        raise ValidationError(
            source, f"{name}.stage", None, "is required when the name is not a stage's name"
        )
    if name in stage_names and stage_value != name:
        raise ValidationError(
            source,
            f"{name}.stage",
            stage_value,
            f"contradicts the environment name {name!r}; remove it or rename the environment",
        )
    stage = _relocate(source, name, lambda: Stage.parse(stage_value))
    if settings.get("log_retention_days") == 0 and type(settings["log_retention_days"]) is int:
        raise ValidationError(
            source,
            f"{name}.log_retention_days",
            0,
            "is not a retention CloudWatch Logs keeps (at least 1 day); leave the key out for "
            f"the stage's default ({StageDefaults.for_stage(stage).log_retention_days} days in "
            f"{stage.value})",
        )
    values: dict[str, Any] = {k: v for k, v in settings.items() if k not in _NESTED}
    values["stage"] = stage
    values.setdefault("name", name)
    for key, kind in _NESTED.items():
        nested = settings.get(key, {})
        if not isinstance(nested, Mapping):
            raise ValidationError(source, f"{name}.{key}", nested, "must be a mapping of settings")
        fields = tuple(f.name for f in dataclasses.fields(kind))
        _check_keys(nested, fields, source, f"{name}.{key}")
        values[key] = _relocate(source, f"{name}.{key}", partial(kind.for_stage, stage, **nested))
    return _relocate(source, name, lambda: EnvironmentConfig(**values))


def _check_keys(data: Mapping[Any, Any], allowed: tuple[str, ...], source: str, path: str) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValidationError(
                source,
                f"{path}.{key}",
                data[key],
                f"is not a known key; {hint}allowed keys are {', '.join(allowed)}",
            )


_T = TypeVar("_T")


def _relocate(source: str, prefix: str, build: Callable[[], _T]) -> _T:
    try:
        return build()
    except ValidationError as error:
        raise error.relocated(source, prefix) from None
