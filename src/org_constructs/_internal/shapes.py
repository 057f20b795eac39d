"""``isinstance`` against the library's construct protocols without asking the jsii kernel.

The protocols that name what a construct offers (``QueueWithDeadLetter``, ``ReleasedFunction``)
are runtime-checkable. Python 3.11 checks an instance against one by reading each member from
the instance: on an aws-cdk-lib object, reading ``node`` is a request to the jsii kernel, and
the member set is rebuilt at every check. ``Shape``, their metaclass, answers from the class
(properties are class attributes), once per class, as Python 3.12's ``getattr_static`` does;
only a member that the class lacks is looked for on the instance (an attribute set in
``__init__``), which reads no property.

``issubclass`` against one, which Python asks of every subclass of ``typing.Protocol`` when it
checks a class against ``Protocol`` (as jsii's serializer does once for each class it meets),
answers from the class's bases and keeps no cache; ``Nominal`` does the same for the
library's own ``abc`` classes (``ALARM_CATALOGUE``'s ``Mapping``). Without them, each class
checked would leave an entry in a cache of each such class: thousands of objects for the
garbage collector to walk.
"""

from __future__ import annotations

import typing
import weakref
from abc import ABCMeta
from typing import Any

__all__ = ["Nominal", "Shape"]

_ProtocolMeta: Any = type(typing.Protocol)


class Shape(_ProtocolMeta):  # type: ignore[misc]
    """The metaclass of the library's runtime-checkable construct protocols."""

    def __instancecheck__(cls, instance: object) -> bool:  # noqa: N805 - a metaclass
        members: frozenset[str] | None = cls.__dict__.get("_shape_members")
        if members is None or not getattr(cls, "_is_runtime_protocol", False):
            return bool(super().__instancecheck__(instance))
        kind = type(instance)
        missing = cls._shape_missing.get(kind)
        if missing is None:
            missing = frozenset(m for m in members if not hasattr(kind, m))
            cls._shape_missing[kind] = missing
        return all(hasattr(instance, member) for member in missing)

    def __subclasscheck__(cls, subclass: type) -> bool:  # noqa: N805 - a metaclass
        return cls in getattr(subclass, "__mro__", ())

    def __init__(cls, *args: Any, **kwargs: Any) -> None:  # noqa: N805 - a metaclass
        super().__init__(*args, **kwargs)
        if cls.__dict__.get("_is_protocol", False):
            cls._shape_members = frozenset(typing._get_protocol_attrs(cls))  # type: ignore[attr-defined]
            missing: weakref.WeakKeyDictionary[type, frozenset[str]] = weakref.WeakKeyDictionary()
            cls._shape_missing = missing


class Nominal(ABCMeta):
    """The metaclass of the library's ``abc`` classes: ``issubclass`` by the bases, uncached."""

    def __subclasscheck__(cls, subclass: type) -> bool:
        return cls in getattr(subclass, "__mro__", ())
