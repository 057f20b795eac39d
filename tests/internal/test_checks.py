"""The argument checks' own facts."""

from __future__ import annotations

import pytest

from org_constructs._internal import checks
from org_constructs.errors import ValidationError


def test_the_regions_accepted_without_asking_are_regions_aws_cdk_lib_knows() -> None:
    assert checks.known_regions() >= checks.COMMON_REGIONS


@pytest.mark.parametrize("region", ["eu-west-1", "us-isob-east-1"])
def test_a_region_aws_cdk_lib_knows_is_accepted(region: str) -> None:
    checks.check_region("where", "region", region)


def test_a_region_nobody_knows_is_refused() -> None:
    with pytest.raises(ValidationError, match="is not a region that aws-cdk-lib knows"):
        checks.check_region("where", "region", "eu-wset-1")


def _hints_and_values() -> tuple[list[object], list[object]]:
    import collections
    import types
    from collections.abc import Mapping, Sequence
    from typing import Any

    from aws_cdk import Duration, Stack
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_sqs as sqs

    hints: list[object] = [
        int,
        float,
        bool,
        str,
        type(None),
        Any,
        object,
        int | None,
        str | int,
        list[str],
        Sequence[str],
        tuple[str, ...],
        Sequence[int] | None,
        dict[str, int],
        Mapping[str, str | None],
        Mapping[str, Sequence[str]],
        Duration,
        Duration | None,
        sqs.IQueue,
        sqs.IQueue | None,
        Sequence[iam.IGrantable],
        Stack,
    ]
    duration = Duration.minutes(1)
    values: list[object] = [
        None,
        True,
        0,
        1,
        1.5,
        float("inf"),
        "text",
        "",
        b"bytes",
        [],
        ["a", "b"],
        ["a", 1],
        [1, 2],
        ("a",),
        {},
        {"a": 1},
        {"a": "b"},
        {"a": None},
        {"a": ["b"]},
        {1: "a"},
        duration,
        [duration],
        Duration.seconds(duration.to_seconds()),
        object(),
        types.MappingProxyType({"a": "b"}),
        collections.UserList(["a"]),
        collections.UserDict({"a": 1}),
        range(3),
        bytearray(b"x"),
    ]
    return hints, values


def test_the_fast_test_of_a_hint_agrees_with_the_full_check() -> None:
    """``check_arguments`` tests each value with ``_fits_hint`` and writes the message with
    ``_problem`` only for a misfit: the two must agree on every value."""
    hints, values = _hints_and_values()
    disagreements = [
        (hint, value)
        for hint in hints
        for value in values
        if checks._fits_hint(hint)(value) != (checks._problem("x", value, hint) is None)
    ]
    assert disagreements == []
    # Neither side is trivially true or false.
    assert not checks._fits_hint(int | None)("text")
    assert checks._fits_hint(dict[str, list[str]])({"a": ["b"]})
    assert not checks._fits_hint(dict[str, list[str]])({"a": "b"})


def test_a_misfit_argument_still_names_the_parameter() -> None:
    def function(*, count: int | None = None, names: list[str] | None = None) -> None:
        pass

    checks.check_arguments("f()", function, {"count": 3, "names": ["a"]})
    with pytest.raises(ValidationError, match=r"names\[1\]"):
        checks.check_arguments("f()", function, {"count": 3, "names": ["a", 2]})
    with pytest.raises(ValidationError, match="count"):
        checks.check_arguments("f()", function, {"count": True})


def test_a_hint_on_a_lazy_module_not_imported_yet_is_checked_without_importing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A parameter typed with a class of a ``lazy_module`` (``acm.ICertificate``,
    ``ecs_patterns.ApplicationLoadBalancedFargateService``): no value can be of a class whose
    module nobody imported, so the check refuses it without importing the module; once the
    module is imported, its instances pass."""
    import sys
    import types

    from org_constructs._internal.lazy import lazy_module

    name = "org_constructs_tests_lazy_hint_module"
    namespace: dict[str, object] = {"fake": lazy_module(name), "__name__": name + "_user"}
    exec(  # noqa: S102 - a function whose module has a lazy module, as the library's have
        "from __future__ import annotations\n"
        "def function(*, thing: fake.Thing | None = None) -> None: ...\n",
        namespace,
    )
    function = namespace["function"]
    checks.check_arguments("f()", function, {"thing": None})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="must be a Thing or None"):
        checks.check_arguments("f()", function, {"thing": object()})  # type: ignore[arg-type]
    assert name not in sys.modules

    module = types.ModuleType(name)
    thing = type("Thing", (), {"__module__": name})
    module.Thing = thing  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)
    checks.check_arguments("f()", function, {"thing": thing()})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="must be a Thing or None"):
        checks.check_arguments("f()", function, {"thing": "text"})  # type: ignore[arg-type]


def test_the_library_imports_no_certificate_waf_or_patterns_module_it_does_not_use() -> None:
    """A service without HTTPS, a web ACL, Application Signals or ecs_patterns does not pay
    for their aws-cdk-lib modules (each thousands of objects the garbage collector walks)."""
    import subprocess
    import sys

    program = (
        "import sys\n"
        "import org_constructs.containers, org_constructs.monitoring, org_constructs.data\n"
        "from org_constructs import ContainerService, SecureTable, ServiceMonitoring\n"
        "print(sorted(m for m in ('aws_cdk.aws_certificatemanager', 'aws_cdk.aws_wafv2',\n"
        "    'aws_cdk.aws_applicationsignals', 'aws_cdk.aws_ecs_patterns',\n"
        "    'org_constructs.data._secure_cache') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_construct_protocol_is_checked_without_asking_the_kernel() -> None:
    """``isinstance`` against the library's construct protocols reads the class, not the
    object's properties (each a request to the jsii kernel), and answers as before."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_sqs as sqs
    from jsii._kernel.providers import process

    from org_constructs import SecureQueue
    from org_constructs.core import QueueWithDeadLetter

    stack = Stack(App(), "Shapes")
    secure = SecureQueue(stack, "Orders")
    plain = sqs.Queue(stack, "Plain")

    class Attributes:
        def __init__(self) -> None:
            self.node = stack.node
            self.queue = plain
            self.dead_letter_queue = None

    values = (secure, plain, Attributes(), 3)
    requests = [0]
    send = process._NodeProcess.send

    def counted(self: object, *args: object, **kwargs: object) -> object:
        requests[0] += 1
        return send(self, *args, **kwargs)  # type: ignore[arg-type]

    process._NodeProcess.send = counted  # type: ignore[method-assign,assignment]
    try:
        answers = [isinstance(value, QueueWithDeadLetter) for value in values]
    finally:
        process._NodeProcess.send = send  # type: ignore[method-assign]
    assert answers == [True, False, True, False]
    assert requests[0] == 0


def test_checking_a_class_against_protocol_leaves_nothing_in_the_librarys_classes() -> None:
    """jsii's serializer checks each class it meets against ``typing.Protocol`` and
    ``Mapping``, which asks every subclass of them: the library's answer from the bases and
    keep no cache entry (each would be objects for the garbage collector to walk)."""
    import _abc  # type: ignore[import-not-found]
    import typing
    from collections.abc import Mapping

    from org_constructs.core import QueueWithDeadLetter, ReleasedFunction
    from org_constructs.monitoring._packs import ALARM_CATALOGUE

    class Fresh:
        pass

    assert not issubclass(Fresh, typing.Protocol)
    assert not isinstance(Fresh(), Mapping)
    assert isinstance(ALARM_CATALOGUE, Mapping)
    for cls in (QueueWithDeadLetter, ReleasedFunction, type(ALARM_CATALOGUE)):
        _, cache, negative, _ = _abc._get_dump(cls)
        assert Fresh not in {ref() for ref in (*cache, *negative)}
        assert not issubclass(Fresh, cls)
