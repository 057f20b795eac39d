"""aws-cdk-lib service modules imported on first use.

Importing one of aws-cdk-lib's Python service modules costs 10 to 300 ms (``aws_ecs`` is among
the largest); a service that uses none of the library's tables, caches, containers or state
machines should not pay for their modules. A module that needs one only in some code paths
writes::

    if TYPE_CHECKING:
        from aws_cdk import aws_dynamodb as dynamodb
    else:
        dynamodb = lazy_module("aws_cdk.aws_dynamodb")

and uses ``dynamodb.Table`` as before: the module is imported at the first attribute read.
A package whose names live in modules of their own imports each on first use with
``lazy_names``.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = [
    "DEFERRED_NAMES",
    "hint_namespace",
    "instance_of",
    "is_stand_in",
    "lazy_class",
    "lazy_module",
    "lazy_names",
    "resolved",
    "unloaded",
]

DEFERRED_NAMES = {
    "SecureApi": "org_constructs.api",
    "SecureDatabase": "org_constructs.database",
}
"""The library's classes that modules name in annotations only (imported under
``TYPE_CHECKING``), with the module that defines them: ``checks.type_hints`` imports them
when a check reads such an annotation."""


class _LazyModule(types.ModuleType):
    """A stand-in that imports the module it names at the first attribute read."""

    def __getattr__(self, attribute: str) -> Any:
        module = importlib.import_module(self.__name__)
        # The next reads find the module's names here, without this method.
        self.__dict__.update(vars(module))
        return getattr(module, attribute)


def lazy_module(name: str) -> types.ModuleType:
    """A module object for ``name`` that imports it when first read."""
    return _LazyModule(name)


def lazy_names(
    package: str, modules: Mapping[str, str], names: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` that import each of its ``names`` from its
    module in ``modules`` on first use, and keep it in the package (PEP 562)::

        __getattr__, __dir__ = lazy_names(__name__, {"SecureTable": "...._secure_table"}, __all__)
    """
    namespace = sys.modules[package].__dict__

    def get_attribute(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def list_names() -> list[str]:
        return sorted(names)

    return get_attribute, list_names


def unloaded(value: object) -> str | None:
    """The name of the module ``value`` stands for if it is a ``lazy_module`` not imported yet."""
    if isinstance(value, _LazyModule) and value.__name__ not in sys.modules:
        return value.__name__
    return None


class _HintNamespace:
    """What an annotation reads for a lazy module not imported yet: its names as ``lazy_class``
    stand-ins (the argument checks then import nothing for a hint that no value can meet)."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        module = sys.modules.get(self._module)
        if module is not None:
            return getattr(module, name)
        return lazy_class(f"{self._module}.{name}")


def hint_namespace(globals_: dict[str, Any]) -> dict[str, Any]:
    """Stand-ins for the lazy modules of ``globals_`` not imported yet, by their names there, to
    evaluate annotations with (``typing.get_type_hints``'s ``localns``)."""
    return {
        name: _HintNamespace(module)
        for name, value in globals_.items()
        if (module := unloaded(value)) is not None
    }


def resolved(stand_in: type) -> type | None:
    """The class a ``lazy_class`` stand-in names, or None while its module is not imported."""
    module_name, _, name = getattr(stand_in, "_path", "").rpartition(".")
    module = sys.modules.get(module_name)
    return None if module is None else getattr(module, name)


def is_stand_in(hint: object) -> bool:
    """Whether ``hint`` is a ``lazy_class`` stand-in."""
    return isinstance(hint, _LazyClass)


def instance_of(value: object, *paths: str) -> bool:
    """``isinstance(value, cls)`` for the class at any of ``paths``
    (``"aws_cdk.aws_ecs.BaseService"``), without importing a module: a class whose module
    nobody imported has no instances."""
    for path in paths:
        module_name, _, name = path.rpartition(".")
        module = sys.modules.get(module_name)
        if module is not None and isinstance(value, getattr(module, name)):
            return True
    return False


class _LazyClass(type):
    """The type of ``lazy_class``'s stand-ins: ``isinstance`` is ``instance_of`` their path."""

    _path: str

    def __instancecheck__(cls, value: object) -> bool:
        return instance_of(value, cls._path)


def lazy_class(path: str) -> type:
    """A stand-in for the class at ``path`` (``"aws_cdk.aws_apigateway.RestApi"``) in a type
    that the argument checks read at run time (a ``Union`` of targets): ``isinstance`` works
    as with the class, without importing its module."""
    module, _, name = path.rpartition(".")
    return _LazyClass(name, (), {"_path": path, "__module__": module, "__qualname__": name})
