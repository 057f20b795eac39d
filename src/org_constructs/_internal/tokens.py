"""Whether a value is an unresolved token, answered without the jsii kernel when it can be.

``Token.is_unresolved`` is a request to the kernel. Whether a string holds a token depends on
its characters only: aws-cdk-lib writes a string token as ``${Token[...]}`` in the text, and a
number token turned into text keeps its ``e+289`` exponent; a number token is a double near
-1.9e289. A value with none of these is answered here; any other is asked (a string once per
process). aws-cdk-lib is imported on the first question that needs it: the configuration
modules, which import this, load without it.
"""

from __future__ import annotations

import functools
import math

__all__ = ["STRING_TOKEN_MARK", "TOKEN_DOUBLES", "unresolved", "unresolved_text"]

STRING_TOKEN_MARK = "${Token["  # noqa: S105 - aws-cdk-lib's marker of a string token
"""What aws-cdk-lib writes into a text for each string token it holds."""
TOKEN_DOUBLES = 1e280
"""A number token is a double of at least this magnitude (near -1.9e289)."""
_TOKEN_MARKS = (STRING_TOKEN_MARK, "e+289")


def unresolved_text(value: str) -> bool:
    """``Token.is_unresolved`` of a string."""
    if not any(mark in value for mark in _TOKEN_MARKS):
        return False
    return _unresolved_text(value)


@functools.lru_cache(maxsize=1024)
def _unresolved_text(value: str) -> bool:
    from aws_cdk import Token

    return Token.is_unresolved(value)


def unresolved(value: object) -> bool:
    """``Token.is_unresolved(value)``: a string, a number or None without a request."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        return unresolved_text(value)
    if isinstance(value, int | float) and (not math.isfinite(value) or abs(value) < TOKEN_DOUBLES):
        return False
    from aws_cdk import Token

    return Token.is_unresolved(value)
