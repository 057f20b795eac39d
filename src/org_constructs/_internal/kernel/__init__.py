"""Many aws-cdk-lib calls in one round trip to the jsii kernel.

Every object a Python program creates through aws-cdk-lib (a metric, an alarm, a widget) and
every method it calls on one is a request to the jsii kernel, the Node.js process that runs
aws-cdk-lib: a monitored service of hundreds of alarms spends most of its synthesis waiting on
them. A ``Program`` records the same constructor and method calls as plain data and runs them
all in one request, inside the kernel, where a small JavaScript interpreter (``program.js``,
shipped with the library and loaded into the kernel on first use as a jsii assembly of its own)
makes exactly the calls the Python code would have made. The objects it returns are the usual
aws-cdk-lib objects, and the templates are the same.

Only aws-cdk-lib's and constructs' own public constructors, methods and properties can be
named (``aws_cloudwatch.Alarm``, ``constructs.Construct``, ``addAlarmAction``): the program is
data, never code.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from aws_cdk import Duration

__all__ = ["Enum", "Program", "Seconds", "Slot", "enum", "seconds"]

NAME = "org-constructs-kernel"
VERSION = "1.5.0"
FQN = f"{NAME}.Program"

_KINDS = {"aws_cloudwatch.Metric": "metric", "aws_cloudwatch.MathExpression": "math"}

_LOADED: set[str] = set()
"""The assemblies loaded into this process's kernel (one: this one)."""
_LOCK = threading.Lock()


def _assembly() -> dict[str, Any]:
    """The jsii assembly (``.jsii``) that declares ``Program.run`` to the kernel."""
    return {
        "schema": "jsii/0.10.0",
        "name": NAME,
        "version": VERSION,
        "license": "Apache-2.0",
        "author": {"name": "org-constructs", "roles": ["author"]},
        "description": "Runs org-constructs' batched aws-cdk-lib calls inside the jsii kernel.",
        "homepage": "https://pypi.org/project/org-constructs/",
        "repository": {"type": "git", "url": "https://pypi.org/project/org-constructs/"},
        "jsiiVersion": "5.0.0",
        "fingerprint": f"{NAME}@{VERSION}",
        "dependencies": {"aws-cdk-lib": "^2.0.0", "constructs": "^10.0.0"},
        "targets": {"js": {"npm": NAME}},
        "types": {
            FQN: {
                "assembly": NAME,
                "fqn": FQN,
                "kind": "class",
                "name": "Program",
                "methods": [
                    {
                        "name": "run",
                        "static": True,
                        "parameters": [
                            {
                                "name": "refs",
                                "type": {
                                    "collection": {
                                        "kind": "array",
                                        "elementtype": {"primitive": "any"},
                                    }
                                },
                            },
                            {"name": "text", "type": {"primitive": "string"}},
                        ],
                        "returns": {
                            "type": {
                                "collection": {
                                    "kind": "array",
                                    "elementtype": {"primitive": "any"},
                                }
                            }
                        },
                    }
                ],
            }
        },
    }


def _tarball() -> bytes:
    """The npm package the kernel loads: ``package.json``, ``.jsii`` and ``program.js``.

    Built the same, byte for byte, every time (fixed times and owners), so that the kernel's
    package cache keeps one copy.
    """
    source = resources.files(__name__).joinpath("program.js").read_bytes()
    files = {
        "package/package.json": json.dumps(
            {
                "name": NAME,
                "version": VERSION,
                "main": "program.js",
                "license": "Apache-2.0",
                "peerDependencies": {"aws-cdk-lib": "^2.0.0", "constructs": "^10.0.0"},
            },
            sort_keys=True,
        ).encode(),
        "package/.jsii": json.dumps(_assembly(), sort_keys=True).encode(),
        "package/program.js": source,
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def _load() -> None:
    """Load the interpreter into this process's jsii kernel, once."""
    if NAME in _LOADED:
        return
    with _LOCK:
        if NAME in _LOADED:
            return
        from jsii._runtime import kernel

        with tempfile.TemporaryDirectory(prefix="org-constructs-kernel-") as folder:
            path = Path(folder, f"{NAME}@{VERSION}.jsii.tgz")
            path.write_bytes(_tarball())
            kernel.load(NAME, VERSION, str(path))
        _LOADED.add(NAME)


class Slot:
    """The value of one step of a ``Program``: an argument of later steps or a result."""

    __slots__ = ("index", "kind", "program")

    def __init__(self, program: Program, index: int, kind: str | None) -> None:
        self.program = program
        self.index = index
        self.kind = kind
        """``metric`` for a single metric (``Metric``, ``metricErrors()``...), ``math`` for a
        ``MathExpression``, else None."""


class Enum:
    """An aws-cdk-lib enum member by path: ``enum("aws_cloudwatch.TreatMissingData.BREACHING")``."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


def enum(path: str) -> Enum:
    return Enum(path)


class Seconds:
    """A ``Duration`` of whole seconds, made in the kernel (no round trip to make it here)."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value


def seconds(value: float) -> Seconds:
    return Seconds(value)


class Program:
    """Constructor and method calls of aws-cdk-lib recorded now, run together by ``run()``.

    Arguments may be JSON values, ``Slot``\\s of earlier steps, aws-cdk-lib objects (passed by
    reference), ``seconds(n)``, ``enum(path)``, and lists and dicts of them; dict keys are
    aws-cdk-lib's (JavaScript) property names: ``alarmName``, ``evaluationPeriods``.
    """

    def __init__(self) -> None:
        self._steps: list[dict[str, Any]] = []
        self._refs: list[Any] = []
        self._ref_index: dict[int | str, int] = {}
        self._results: list[int] = []

    def __bool__(self) -> bool:
        return bool(self._steps)

    def new(self, type_path: str, *args: Any) -> Slot:
        """``new aws_cdk.<type_path>(*args)``: ``new("aws_cloudwatch.Alarm", scope, id, props)``."""
        self._steps.append({"new": type_path, "args": [self._encode(a) for a in args]})
        kind = _KINDS.get(type_path)
        return Slot(self, len(self._steps) - 1, kind)

    def call(self, target: Any, method: str, *args: Any) -> Slot:
        """``target.<method>(*args)``, ``method`` in aws-cdk-lib's spelling (``addOkAction``).

        A method named ``metric...`` returns a single metric (aws-cdk-lib's convention)."""
        self._steps.append(
            {"on": self._encode(target), "call": method, "args": [self._encode(a) for a in args]}
        )
        metric = method.startswith("metric") or (
            method == "with" and isinstance(target, Slot) and target.kind == "metric"
        )
        kind = "metric" if metric else None
        return Slot(self, len(self._steps) - 1, kind)

    def get(self, target: Any, prop: str) -> Slot:
        """``target.<prop>`` (aws-cdk-lib's spelling: ``functionArn``); None when ``target``
        is None: ``get(get(fn, "node"), "id")``."""
        self._steps.append({"on": self._encode(target), "get": prop})
        return Slot(self, len(self._steps) - 1, None)

    def op(self, name: str, target: Any, *args: Any) -> Slot:
        """One of ``program.js``'s own operations on ``target``: ``stackOf`` (the nearest
        stack, or None), ``cfnOf`` (the resource or its default child, or None), ``cfnUnder``
        (every CloudFormation resource at or under it, of one type if given), ``append``
        (entries appended to a list in each resource's metadata: ``key``, ``list``,
        ``entries``, ``unique`` fields), ``standIn`` (a policy given a principal's members,
        for aws-cdk-lib's grants to write into it), ``library`` (marks a construct of the
        library), ``pinUnset`` (a context value, set when unset and still settable),
        ``defaults`` (the organisation defaults' injectors, which leave what is made inside a
        marked construct to it without asking Python) and ``defaultsReplaced`` (the classes
        whose defaults' injector another has replaced)."""
        self._steps.append(
            {"on": self._encode(target), "op": name, "args": [self._encode(a) for a in args]}
        )
        return Slot(self, len(self._steps) - 1, None)

    def call_if(self, target: Any, method: str, *args: Any) -> Slot:
        """``call``, or None when ``target`` is None: ``call_if(get(fn, "timeout"), ...)``."""
        slot = self.call(target, method, *args)
        self._steps[-1]["optional"] = True
        return slot

    def read(self, *slots: Slot) -> list[Any]:
        """Ask for ``slots`` and run: their values, in order (a batch of reads)."""
        for slot in slots:
            self.result(slot)
        return self.run()

    def result(self, slot: Slot) -> int:
        """Ask for ``slot``'s value back from ``run()``; its position in the list returned."""
        self._results.append(slot.index)
        return len(self._results) - 1

    def run(self) -> list[Any]:
        """Make every call recorded, in order, in one request; the values asked for."""
        if not self._steps:
            return []
        _load()
        import jsii

        text = json.dumps({"steps": self._steps, "results": self._results})
        values = jsii.sinvoke(_ProgramType, "run", [self._refs, text])
        self._steps, self._refs, self._ref_index, self._results = [], [], {}, []
        return list(values)

    def _encode(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, list | tuple):
            return [self._encode(item) for item in value]
        if isinstance(value, dict):
            # As jsii passes props: a None value is a property left out.
            return {str(key): self._encode(item) for key, item in value.items() if item is not None}
        return self._special(value)

    def _special(self, value: Any) -> dict[str, Any]:
        if isinstance(value, Slot):
            if value.program is not self:
                raise ValueError("a Slot of another Program")
            return {"$s": value.index}
        if isinstance(value, Seconds):
            return {"$d": value.value}
        if isinstance(value, Enum):
            return {"$e": value.path}
        if (
            isinstance(value, Duration)
            or hasattr(value, "__jsii_ref__")
            or getattr(type(value), "__jsii_ifaces__", None)  # Python that implements one
        ):
            return self._reference(value)
        raise TypeError(f"cannot pass {type(value).__name__} to the kernel")

    def _reference(self, value: Any) -> dict[str, int]:
        # An object the kernel knows goes as its reference alone (``_Ref``), known by the
        # kernel's id: jsii's serializer then meets one class, not each class of the objects
        # passed, each of which it would inspect once. A Python object not yet known to the
        # kernel goes as itself (kept in ``_refs``, so its ``id`` stays its own).
        ref = getattr(value, "__jsii_ref__", None)
        key: int | str = id(value) if ref is None else ref.ref
        index = self._ref_index.get(key)
        if index is None:
            index = len(self._refs)
            self._refs.append(value if ref is None else _Ref(ref))
            self._ref_index[key] = index
        return {"$r": index}


class _Ref:
    """An object of the jsii kernel passed by its reference only (``{"$jsii.byref": ...}``)."""

    __slots__ = ("__jsii_ref__",)
    __jsii_type__ = "Object"

    def __init__(self, ref: Any) -> None:
        self.__jsii_ref__ = ref


class _ProgramType:
    """The kernel's ``org-constructs-kernel.Program`` (only its static ``run``)."""

    __jsii_type__ = FQN
