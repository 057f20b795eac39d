"""Exceptions raised by org-constructs: every one of them is defined here.

Every exception the library raises on purpose derives from ``OrgConstructsError``: a
``ValidationError`` for input it refuses, a ``ToolError`` for a program it runs that failed
(``LocalError`` for a local deploy), ``MissingExtraError`` and ``UnsupportedVersionError`` for
an installation it cannot work with, ``OpsError`` for an AWS call behind ``org-cdk``,
``PriceTableError`` for a cost estimate's price table. The test helpers of
``org_constructs.testing`` are the one exception: as assertions, they raise ``AssertionError``.
"""

from __future__ import annotations

__all__ = [
    "LocalError",
    "MissingExtraError",
    "OpsError",
    "OrgConstructsError",
    "PriceTableError",
    "ToolError",
    "UnsupportedVersionError",
    "ValidationError",
]


class OrgConstructsError(Exception):
    """Base class of every exception org-constructs raises on purpose."""


class ToolError(OrgConstructsError):
    """A program the library runs could not run: not installed, crashed, unreadable output.

    The validation gate's checkers (cfn-lint, checkov, cfn-guard, ruff), the CDK CLI and
    Graphviz raise it; the message names the program and what it printed.
    """


class LocalError(ToolError):
    """A local deploy that cannot start or finish; nothing is left running."""


class MissingExtraError(OrgConstructsError, ImportError):
    """A feature needs an optional extra that is not installed."""


class UnsupportedVersionError(OrgConstructsError, ImportError):
    """An installed dependency is older than the library supports."""


class OpsError(OrgConstructsError):
    """An operation could not be done; the message says why and what to do."""


class PriceTableError(OrgConstructsError, LookupError):
    """The price table lacks an entry a pricer needs, or a pricer reads one it does not declare."""


class ValidationError(OrgConstructsError, ValueError):
    """A property, a configuration value or a construct input is not allowed.

    The message names where the value came from, the property, the value received and what
    is allowed, for example::

        environments.json: dev.vpc.max_azs=9: must be between 1 and 6

    Parameters
    ----------
    where:
        What the value belongs to: a class (``VpcConfig``), a construct (``StandardVpc``) or a
        file (``environments.json``).
    prop:
        The property, as the user spells it; a dotted path inside a file (``dev.vpc.cidr``).
    value:
        The value received.
    expected:
        What is allowed, and how to fix it.

    Attributes
    ----------
    where, prop, value, expected:
        The parts of the message, for programs that report errors their own way.
    """

    def __init__(self, where: str, prop: str, value: object, expected: str) -> None:
        self.where = where
        self.prop = prop
        self.value = value
        self.expected = expected
        super().__init__(f"{where}: {prop}={value!r}: {expected}")

    def relocated(self, where: str, prefix: str = "") -> ValidationError:
        """Return the same error reported from another place.

        Used by loaders: a ``VpcConfig`` error becomes one that names the file and the key path.

        Parameters
        ----------
        where:
            The new owner, usually a file name.
        prefix:
            A key path to put in front of the property (``dev.vpc``).
        """
        prop = f"{prefix}.{self.prop}" if prefix else self.prop
        return ValidationError(where, prop, self.value, self.expected)
