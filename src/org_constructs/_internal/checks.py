"""Checks shared by the configuration classes. Each raises ``ValidationError`` or returns."""

from __future__ import annotations

import difflib
import enum
import importlib
import inspect
import ipaddress
import math
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from org_constructs._internal.lazy import is_stand_in, resolved
from org_constructs._internal.nodes import path_of
from org_constructs._internal.tokens import STRING_TOKEN_MARK, TOKEN_DOUBLES, unresolved
from org_constructs.errors import ValidationError

if typing.TYPE_CHECKING:
    from aws_cdk import Duration

_ACCOUNT = re.compile(r"^\d{12}$")
_REGION_SHAPE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_TAG_CHARS = re.compile(r"^[\w\s.:/=+\-@]*$", re.UNICODE)


MIN_VPC_PREFIX = 16
MAX_VPC_PREFIX = 28
RESERVED_TAG_KEYS = frozenset({"Environment", "StackName", "ManagedBy"})


COMMON_REGIONS = frozenset(
    {
        "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
        "ap-southeast-4", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
        "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "il-central-1", "me-central-1", "me-south-1", "sa-east-1", "us-east-1", "us-east-2",
        "us-west-1", "us-west-2",
    }
)  # fmt: skip
"""Regions every aws-cdk-lib version the library supports knows: accepted without asking it
(a test holds them to ``Fact.regions``)."""


@cache
def known_regions() -> frozenset[str]:
    """Regions that the installed aws-cdk-lib knows (its ``Fact.regions``: one jsii call, and
    tens of milliseconds while aws-cdk-lib builds its facts)."""
    from aws_cdk import region_info

    return frozenset(region_info.Fact.regions)


def is_token(value: object) -> bool:
    """True for an unresolved CDK token (a ``CfnParameter``'s value, a resource attribute)."""
    # Answered here when it can be (no request to the jsii kernel): aws-cdk-lib encodes a
    # string token as "${Token[...]}" inside the text and a number token as a double near
    # -1.9e289; an int from Python is never one.
    if isinstance(value, str):
        if STRING_TOKEN_MARK not in value:
            return False
    elif not isinstance(value, float) or not math.isfinite(value) or abs(value) < TOKEN_DOUBLES:
        return False
    from aws_cdk import Tokenization

    try:
        if not unresolved(value):
            return False
        if isinstance(value, str):
            Tokenization.reverse_string(value)  # looks up each token the text holds
    except RuntimeError as error:
        # Text that looks like a token ("${Token[7]}") but is none this app made: not a token,
        # so the check that called this refuses it as the text it is.
        if "Unrecognized token" in str(error):
            return False
        raise
    return True


def check_bool(where: str, prop: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ValidationError(where, prop, value, "must be true or false")


def check_int(
    where: str, prop: str, value: object, low: int, high: int, *, tokens: bool = False
) -> None:
    """A whole number from ``low`` to ``high``; with ``tokens``, an unresolved token passes.

    Without ``tokens`` a token is refused: the library computes with the number.
    """
    if isinstance(value, float) and is_token(value):
        if tokens:
            return
        raise ValidationError(
            where, prop, value, "must be a literal number, not a token: it is computed with here"
        )
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(where, prop, value, f"must be a whole number from {low} to {high}")
    if not low <= value <= high:
        raise ValidationError(where, prop, value, f"must be between {low} and {high}")


def check_number(
    where: str, prop: str, value: object, low: float, high: float, *, tokens: bool = True
) -> None:
    """A number (whole or not) from ``low`` to ``high``; an unresolved token passes."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(where, prop, value, f"must be a number from {low:g} to {high:g}")
    if tokens and is_token(value):
        return
    if math.isnan(value) or not low <= value <= high:
        raise ValidationError(where, prop, value, f"must be between {low:g} and {high:g}")


@dataclass(frozen=True)
class Limit:
    """A bound of ``check_duration`` known in Python: no request to the jsii kernel."""

    milliseconds: float
    text: str


def seconds(value: float) -> Limit:
    """A ``check_duration`` bound of ``value`` seconds."""
    return Limit(value * 1000, f"{value:g} second{'' if value == 1 else 's'}")


def minutes(value: float) -> Limit:
    """A ``check_duration`` bound of ``value`` minutes."""
    return Limit(value * 60_000, f"{value:g} minute{'' if value == 1 else 's'}")


def hours(value: float) -> Limit:
    """A ``check_duration`` bound of ``value`` hours."""
    return Limit(value * 3_600_000, f"{value:g} hour{'' if value == 1 else 's'}")


def days(value: float) -> Limit:
    """A ``check_duration`` bound of ``value`` days."""
    return Limit(value * 86_400_000, f"{value:g} day{'' if value == 1 else 's'}")


def _limit(bound: Duration | Limit) -> Limit:
    if isinstance(bound, Limit):
        return bound
    return Limit(_milliseconds(bound), bound.to_human_string())


_KNOWN_DURATIONS: dict[str, float] = {}
"""Milliseconds by jsii object: a ``Duration`` never changes, and the same object (a module's
constant, an alarm default's period) is often checked many times."""


def _milliseconds(duration: Duration) -> float:
    ref = getattr(getattr(duration, "__jsii_ref__", None), "ref", None)
    known = _KNOWN_DURATIONS.get(ref) if isinstance(ref, str) else None
    if known is None:
        known = duration.to_milliseconds(integral=False)
        if isinstance(ref, str) and len(_KNOWN_DURATIONS) < 4096:
            _KNOWN_DURATIONS[ref] = known
    return known


def check_duration(
    where: str,
    prop: str,
    value: object,
    *,
    low: Duration | Limit,
    high: Duration | Limit,
    unit: str = "",
    tokens: bool = False,
) -> float | None:
    """A ``Duration`` from ``low`` to ``high``, a whole number of ``unit`` (``seconds``...);
    returns its milliseconds (None for an unresolved duration that ``tokens`` lets pass).

    An unresolved duration passes with ``tokens``; without, it is refused (the library
    computes with it). A literal duration costs one request to the jsii kernel (bounds given
    as ``Limit``, such as ``checks.minutes(5)``, none).
    """
    from aws_cdk import Duration

    if not isinstance(value, Duration):
        raise ValidationError(where, prop, value, "must be a Duration, such as Duration.minutes(5)")
    try:
        milliseconds = _milliseconds(value)
    except RuntimeError:  # an unresolved duration: aws-cdk-lib cannot convert it
        if not value.is_unresolved():
            raise
        if tokens:
            return None
        raise ValidationError(
            where,
            prop,
            value.to_human_string(),
            "must be a literal duration, not a token: it is computed with here",
        ) from None
    lowest, highest = _limit(low), _limit(high)
    if not lowest.milliseconds <= milliseconds <= highest.milliseconds:
        raise ValidationError(
            where,
            prop,
            value.to_human_string(),
            f"must be from {lowest.text} to {highest.text}",
        )
    step = {"": 0, "seconds": 1000, "minutes": 60_000}[unit]
    if step and milliseconds % step:
        raise ValidationError(
            where, prop, value.to_human_string(), f"must be a whole number of {unit}"
        )
    return milliseconds


def check_unique(where: str, prop: str, values: Iterable[object], what: str = "entry") -> None:
    """No value twice (values compared as they are; None values are skipped)."""
    seen: list[object] = []
    for value in values:
        if value is None:
            continue
        if value in seen:
            raise ValidationError(where, prop, value, f"is given twice: give each {what} once")
        seen.append(value)


def check_choice(where: str, prop: str, value: object, allowed: Iterable[object]) -> None:
    choices = tuple(allowed)
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise ValidationError(where, prop, value, f"must be one of {shown}")


def check_text(
    where: str,
    prop: str,
    value: object,
    pattern: re.Pattern[str],
    what: str,
    *,
    tokens: bool = False,
) -> str:
    """Text that matches ``pattern``; with ``tokens``, an unresolved token passes."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        if tokens and is_token(value):
            return typing.cast("str", value)
        raise ValidationError(where, prop, value, f"must be {what}")
    return value


def check_account(where: str, prop: str, value: object) -> None:
    check_text(where, prop, value, _ACCOUNT, "a 12-digit AWS account id, as a string")


def check_region(where: str, prop: str, value: object) -> None:
    if not isinstance(value, str) or not _REGION_SHAPE.fullmatch(value):
        raise ValidationError(where, prop, value, "must be an AWS region name such as 'eu-west-1'")
    if value not in COMMON_REGIONS and value not in known_regions():
        raise ValidationError(
            where,
            prop,
            value,
            "is not a region that aws-cdk-lib knows; check the spelling "
            "(for example 'us-east-1', 'eu-central-1') or upgrade aws-cdk-lib",
        )


def check_vpc_cidr(where: str, prop: str, value: object) -> None:
    expected = (
        f"must be an IPv4 network such as '10.0.0.0/16' with a prefix "
        f"from /{MIN_VPC_PREFIX} to /{MAX_VPC_PREFIX}"
    )
    if not isinstance(value, str):
        raise ValidationError(where, prop, value, expected)
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValidationError(where, prop, value, expected) from None
    if network.version != 4:
        raise ValidationError(where, prop, value, expected)
    if str(network) != value:
        raise ValidationError(
            where, prop, value, f"is not a network address (host bits set); use '{network}'"
        )
    if not MIN_VPC_PREFIX <= network.prefixlen <= MAX_VPC_PREFIX:
        raise ValidationError(where, prop, value, expected)


def check_allowed_ip(where: str, prop: str, value: object) -> None:
    expected = "must be a CIDR network such as '203.0.113.0/24' or '2001:db8::/32'"
    if not isinstance(value, str) or "/" not in value:
        raise ValidationError(where, prop, value, expected)
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValidationError(where, prop, value, expected) from None
    if network.prefixlen == 0:
        raise ValidationError(
            where,
            prop,
            value,
            "allows every address on the internet; list only the networks that need access",
        )


_INSTANCE_TYPE = re.compile(
    r"^(?P<family>[a-z]+\d{1,2}(?P<capabilities>[a-z-]*))\.[a-z0-9]+(-[a-z0-9]+)*$"
)
_INSTANCE_PREFIXES = ("db.", "ec2.", "cache.")
_GRAVITON = (
    "a Graviton (arm64) type written family.size, such as 't4g.nano', 't4g.small', "
    "'c6gn.medium' or 'c7g.large' (families with a g after their generation: t4g, c6g, c6gn, "
    "c7g, c7gn, m6g, m7g, ...)"
)


def check_graviton_instance_type(where: str, prop: str, value: object) -> str:
    """An EC2 instance type of a Graviton (arm64) family, as ``family.size`` (``'t4g.nano'``).

    Graviton families carry a ``g`` right after their generation: ``t4g``, ``c6g``, ``c6gn``,
    ``c7g``, ``c7gn``, ``m6g``, ``m7g``, ``r7g``... (the rule aws-cdk-lib's
    ``InstanceType.architecture`` reads). A token is refused: the machine image and the CPU
    credit setting are chosen from the type.
    """
    if not isinstance(value, str):
        raise ValidationError(where, prop, value, f"must be {_GRAVITON}")
    if is_token(value):
        raise ValidationError(
            where,
            prop,
            value,
            "must be a literal instance type, not a token: the machine image and the CPU "
            "credit setting are chosen from it",
        )
    for prefix in _INSTANCE_PREFIXES:
        if value.startswith(prefix):
            raise ValidationError(
                where, prop, value, f"leave out the {prefix!r} prefix: use {value[len(prefix) :]!r}"
            )
    match = _INSTANCE_TYPE.fullmatch(value)
    if match is None:
        raise ValidationError(where, prop, value, f"must be {_GRAVITON}")
    if not match["capabilities"].startswith("g"):
        raise ValidationError(
            where,
            prop,
            value,
            f"is not a Graviton type ({match['family']} is not a Graviton family); use {_GRAVITON}",
        )
    return value


def check_email(where: str, prop: str, value: object) -> None:
    check_text(where, prop, value, _EMAIL, "an e-mail address such as 'ops@example.com'")


def check_tags(where: str, prop: str, tags: Mapping[Any, Any]) -> None:
    for key, value in tags.items():
        key_prop = f"{prop}[{key!r}]"
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not _TAG_CHARS.match(key):
            raise ValidationError(
                where,
                key_prop,
                key,
                "tag keys must be 1 to 128 letters, digits, spaces or _ . : / = + - @",
            )
        if key.lower().startswith("aws:"):
            raise ValidationError(where, key_prop, key, "tag keys starting with 'aws:' are AWS's")
        if key in RESERVED_TAG_KEYS:
            raise ValidationError(
                where,
                key_prop,
                key,
                f"is set by AbstractStack on every resource; reserved keys are "
                f"{', '.join(sorted(RESERVED_TAG_KEYS))}",
            )
        if not isinstance(value, str) or len(value) > 256 or not _TAG_CHARS.match(value):
            raise ValidationError(
                where,
                key_prop,
                value,
                "tag values must be text of at most 256 letters, digits, spaces or _ . : / = + - @",
            )


def check_arguments(
    where: str, function: Callable[..., object], arguments: Mapping[str, Any]
) -> None:
    """Check each argument of ``function`` found in ``arguments`` against its type hint.

    Called first thing in a constructor with ``locals()``, so that a value of the wrong type
    raises ``ValidationError`` naming the parameter before anything is created, instead of a
    ``TypeError`` or a jsii error from deep inside aws-cdk-lib. Strict where Python is loose:
    ``True`` is not a number, a string is not a list of strings, an object must implement the
    jsii interface it is passed as. An unresolved number token passes where a number is expected.
    """
    for name, hint, fits in _checkers(function):
        if name in arguments and not fits(arguments[name]):
            problem = _problem(name, arguments[name], hint)
            if problem is not None:
                raise ValidationError(where, *problem)


def check_fields(where: str, instance: object) -> None:
    """``check_arguments`` for the fields of a dataclass instance."""
    check_arguments(where, type(instance), vars(instance))


@cache
def _hints(function: Callable[..., object]) -> dict[str, Any]:
    return type_hints(function)


@cache
def _checkers(
    function: Callable[..., object],
) -> tuple[tuple[str, Any, Callable[[object], bool]], ...]:
    """Each parameter of ``function`` with its hint and a test that answers, fast, whether a
    value fits the hint (``_problem`` is None): the message is written only for a misfit."""
    hints = _hints(function).items()
    return tuple((name, hint, _fits_hint(hint)) for name, hint in hints if name != "return")


def _fits_hint(hint: Any) -> Callable[[object], bool]:
    """``lambda value: _problem(prop, value, hint) is None``, with the hint read once."""
    try:
        return _cached_fits_hint(hint)
    except TypeError:  # an unhashable hint
        return _make_fits_hint(hint)


@cache
def _cached_fits_hint(hint: Any) -> Callable[[object], bool]:
    return _make_fits_hint(hint)


def _make_fits_hint(hint: Any) -> Callable[[object], bool]:
    if hint is Any or hint is object:
        return lambda value: True
    origin = typing.get_origin(hint)
    if origin in _UNIONS:
        options = tuple(_fits_hint(option) for option in typing.get_args(hint))
        return lambda value: any(fits(value) for fits in options)
    arguments = typing.get_args(hint)
    if _is_mapping(origin):
        key_hint, value_hint = arguments or (Any, Any)
        key_fits, value_fits = _fits_hint(key_hint), _fits_hint(value_hint)
        return lambda value: (
            _is_mapping_value(value)
            and all(key_fits(key) for key in value)
            and all(value_fits(element) for element in value.values())
        )
    if _is_sequence(origin):
        item_fits = _fits_hint(arguments[0] if arguments else Any)
        return lambda value: (
            _is_sequence_value(value) and all(item_fits(element) for element in value)
        )
    target = origin or hint
    simple = _SIMPLE.get(target) if isinstance(target, type) else None
    if simple is not None:
        return simple[0]
    return lambda value: _fits(value, target)


_SCALARS = (str, bytes, bytearray, int, float, bool, type(None))


def _is_mapping_value(value: object) -> typing.TypeGuard[Mapping[Any, Any]]:
    """``isinstance(value, Mapping)``, answered without the ABC's caches for a dict, a scalar or
    an aws-cdk-lib object (the ABC would remember each class checked in a cache of its own and
    of each of its subclasses)."""
    if isinstance(value, dict):
        return True
    if isinstance(value, _SCALARS) or hasattr(type(value), "__jsii_type__"):
        return False
    return isinstance(value, Mapping)


def _is_sequence_value(value: object) -> typing.TypeGuard[Sequence[Any]]:
    """``isinstance(value, Sequence)`` and not text, answered as ``_is_mapping_value``."""
    if isinstance(value, list | tuple):
        return True
    if isinstance(value, _SCALARS) or hasattr(type(value), "__jsii_type__"):
        return False
    return isinstance(value, Sequence)


def type_hints(
    function: Callable[..., object], localns: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``typing.get_type_hints(function)``, with the library's classes that a module imports
    for its annotations only (``DEFERRED_NAMES``: importing them would import aws-cdk-lib
    modules a service may not use) imported now, when a check first reads them."""
    from org_constructs._internal.lazy import DEFERRED_NAMES, hint_namespace

    # A lazy module not imported yet is read as stand-ins for its classes: no value can be an
    # instance of a class whose module nobody imported, and the check then imports nothing.
    globals_ = getattr(function, "__globals__", None)
    if globals_ is None and isinstance(function, type):
        home = sys.modules.get(function.__module__)
        globals_ = vars(home) if home is not None else None
    namespace = {**hint_namespace(globals_ or {}), **(localns or {})}
    while True:
        try:
            return typing.get_type_hints(function, localns=namespace)
        except NameError as error:
            name = error.name or ""
            module = DEFERRED_NAMES.get(name)
            globals_ = getattr(function, "__globals__", None)
            if module is None or globals_ is None or name in globals_:
                raise
            globals_[name] = getattr(importlib.import_module(module), name)


def _problem(prop: str, value: object, hint: Any) -> tuple[str, object, str] | None:
    """``(prop, value, expected)`` for the part of ``value`` that does not fit ``hint``."""
    if hint is Any or hint is object:
        return None
    origin = typing.get_origin(hint)
    if origin in _UNIONS:
        return _union_problem(prop, value, hint)
    if _is_sequence(origin) or _is_mapping(origin):
        if not _fits_outer(value, hint):
            return prop, value, f"must be {_describe(hint)}"
        return _item_problem(prop, value, hint)
    return None if _fits(value, origin or hint) else (prop, value, f"must be {_describe(hint)}")


def _union_problem(prop: str, value: object, hint: Any) -> tuple[str, object, str] | None:
    options = typing.get_args(hint)
    if any(_problem(prop, value, option) is None for option in options):
        return None
    for option in options:
        # A list with one wrong item: name the item, not the list.
        if _fits_outer(value, option):
            return _problem(prop, value, option)
    return prop, value, f"must be {_describe(hint)}"


def _item_problem(prop: str, value: Any, hint: Any) -> tuple[str, object, str] | None:
    arguments = typing.get_args(hint)
    if _is_mapping(typing.get_origin(hint)):
        key_hint, value_hint = arguments or (Any, Any)
        items = [(f"{prop}[{key!r}]", key, key_hint) for key in value] + [
            (f"{prop}[{key!r}]", element, value_hint) for key, element in value.items()
        ]
    else:
        item = arguments[0] if arguments else Any
        items = [(f"{prop}[{index}]", element, item) for index, element in enumerate(value)]
    for item_prop, element, item_hint in items:
        problem = _problem(item_prop, element, item_hint)
        if problem is not None:
            return problem
    return None


_UNIONS = (typing.Union, types.UnionType)


def _is_sequence(origin: Any) -> bool:
    return origin in (list, tuple, Sequence)


def _is_mapping(origin: Any) -> bool:
    return origin in (dict, Mapping)


def _fits_outer(value: object, hint: Any) -> bool:
    """Whether ``value`` is the container ``hint`` asks for (a string is not a list)."""
    origin = typing.get_origin(hint)
    if _is_sequence(origin):
        return _is_sequence_value(value)
    return _is_mapping(origin) and _is_mapping_value(value)


def _whole(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and is_token(value))


_SIMPLE: Mapping[Any, tuple[Callable[[object], bool], str]] = {
    type(None): (lambda value: value is None, "None"),
    bool: (lambda value: isinstance(value, bool), "True or False"),
    int: (_whole, "a whole number"),
    float: (
        lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
        "a number",
    ),
    str: (lambda value: isinstance(value, str), "a string"),
}


def _fits(value: object, hint: Any) -> bool:
    if is_stand_in(hint):
        real = resolved(hint)
        return real is not None and _fits(value, real)
    if hint in _SIMPLE:
        return _SIMPLE[hint][0](value)
    if _is_jsii_interface(hint):
        return _implements(value, hint)
    # A hint that is not a class (a TypeVar) has nothing to check.
    return not isinstance(hint, type) or isinstance(value, hint)


def _is_jsii_interface(hint: Any) -> bool:
    return (
        isinstance(hint, type)
        and bool(getattr(hint, "_is_protocol", False))
        and hasattr(hint, "__jsii_type__")
    )


def _implements(value: object, interface: type) -> bool:
    """Whether ``value`` implements the jsii interface ``interface``.

    jsii interfaces are protocols that ``isinstance`` refuses; classes list what they implement
    in ``__jsii_ifaces__``, and objects that aws-cdk-lib returns by interface (``from_*``
    imports) are proxies of it, or combine several (``_delegates``).
    """
    delegates = getattr(value, "_delegates", None)
    proxy = interface.__jsii_proxy_class__()  # type: ignore[attr-defined]
    for candidate in delegates if isinstance(delegates, list) else [value]:
        if isinstance(candidate, proxy):
            return True
        for klass in type(candidate).__mro__:
            declared = (klass, *klass.__dict__.get("__jsii_ifaces__", ()))
            if any(interface in getattr(d, "__mro__", ()) for d in declared):
                return True
    return False


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if origin in _UNIONS:
        text = " or ".join(_describe(option) for option in arguments)
    elif _is_sequence(origin):
        text = f"a list of {_name(arguments[0]) if arguments else 'values'}"
    elif _is_mapping(origin):
        key, value = arguments or (Any, Any)
        text = f"a mapping of {_name(key)} to {_name(value)}"
    elif hint in _SIMPLE:
        text = _SIMPLE[hint][1]
    elif isinstance(hint, type) and issubclass(hint, enum.Enum) and len(hint) <= 4:
        text = "one of " + ", ".join(f"{_name(hint)}.{member.name}" for member in hint)
    else:
        name = _name(hint)
        text = f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"
    return text


def _name(hint: Any) -> str:
    if hint is Any or hint is object:
        return "any value"
    if not isinstance(hint, type):
        return _describe(hint)
    module = hint.__module__
    if module.startswith("aws_cdk."):
        return f"{module.split('.')[1]}.{hint.__qualname__}"
    return hint.__qualname__


def check_scope(where: str, scope: object, construct_id: object, *, in_stack: bool = True) -> Any:
    """``scope`` can take a new child ``construct_id``: a construct (inside a stack), a free id.
    Returns the stack ``scope`` is in (None outside any, with ``in_stack=False``).

    Run before ``super().__init__``: aws-cdk-lib would refuse a used id only once the children
    of the half-made construct exist.
    """
    return _checked_scope(where, scope, construct_id, in_stack=in_stack, region=False)[0]


def check_scope_and_region(where: str, scope: object, construct_id: object) -> tuple[Any, Any]:
    """``check_scope``, and the region of the stack, read in the same request."""
    return _checked_scope(where, scope, construct_id, in_stack=True, region=True)


def _checked_scope(
    where: str, scope: object, construct_id: object, *, in_stack: bool, region: bool
) -> tuple[Any, Any]:
    from aws_cdk import Stack
    from constructs import Construct

    if not isinstance(scope, Construct):
        raise ValidationError(where, "scope", scope, "must be a construct, such as a Stack")
    if not isinstance(construct_id, str) or not construct_id:
        raise ValidationError(where, "construct_id", construct_id, "must be a non-empty string")
    # What it reads, in one request to the jsii kernel.
    from org_constructs._internal.kernel import Program

    program = Program()
    node = program.get(scope, "node")
    stack_slot = program.op("stackOf", scope)
    reads = [stack_slot, program.call(node, "tryFindChild", construct_id)]
    if region:
        reads.append(program.get(stack_slot, "region"))
    stack, existing, *rest = program.read(*reads)
    if in_stack and not isinstance(stack, Stack):
        raise ValidationError(
            where, "scope", path_of(scope) or "(app)", "must be a Stack or a construct in one"
        )
    if existing is not None:
        raise ValidationError(
            where,
            "construct_id",
            construct_id,
            f"is already used in {path_of(scope) or 'the app'}: give another id",
        )
    return stack, (rest[0] if rest else None)


def check_keywords(
    where: str,
    function: Callable[..., object],
    keywords: Mapping[str, object],
    *,
    taken: Iterable[str] = (),
) -> None:
    """``keywords`` are keyword arguments of ``function`` that the caller does not set itself.

    For ``from_config(**kwargs)``: an unknown name or one the config already gives raises
    ``ValidationError`` instead of Python's ``TypeError``; then ``check_arguments``.
    """
    fixed = set(taken)
    accepted = [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in fixed
    ]
    for name, value in keywords.items():
        if name in fixed:
            raise ValidationError(where, name, value, "comes from the config: do not pass it too")
        if name not in accepted:
            close = difflib.get_close_matches(name, accepted, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValidationError(
                where, name, value, f"is not a property; {hint}use {', '.join(accepted)}"
            )
    check_arguments(where, function, keywords)


def check_same_region(where: str, prop: str, resource: object, scope: object, fix: str) -> None:
    """``resource`` (a key, a VPC: an ``IResource``) is in the region of ``scope``'s stack.

    Skipped when either region is a token (an environment-agnostic stack or resource).
    ``fix`` says what to give instead; the message names both regions.
    """
    from aws_cdk import Stack

    env = getattr(resource, "env", None)
    theirs = getattr(env, "region", None)
    ours = Stack.of(scope).region  # type: ignore[arg-type]
    if not isinstance(theirs, str) or unresolved(theirs) or unresolved(ours):
        return
    if theirs != ours:
        node = getattr(resource, "node", None)
        raise ValidationError(
            where,
            prop,
            getattr(node, "path", resource),
            f"is in region {theirs}, the stack in {ours}: {fix}",
        )


def check_grantee(where: str, prop: str, grantee: object) -> None:
    """``grantee`` has a principal to grant to: not a resource imported without its role."""
    from aws_cdk import aws_iam as iam

    if isinstance(getattr(grantee, "grant_principal", None), iam.UnknownPrincipal):
        raise ValidationError(
            where,
            prop,
            getattr(getattr(grantee, "node", None), "path", grantee),
            "has no principal to grant to (it was imported without its role): import it with "
            "its role, or grant to the role",
        )


def check_part_of_config(where: str, prop: str, value: object, attribute: str) -> None:
    """``value`` is not a whole environment where its ``attribute`` part is expected.

    ``StandardVpc.from_config(self, "Network", self.config)`` is an easy slip for
    ``self.config.vpc``: name the fix instead of printing the whole environment.
    """
    part = getattr(value, attribute, None)
    if part is not None and hasattr(value, "account") and hasattr(value, "stage"):
        name = getattr(value, "name", "")
        raise ValidationError(
            where,
            prop,
            f"EnvironmentConfig({name!r})",
            f"is the whole environment: give its {attribute} settings, config.{attribute}",
        )
