"""``unresolved`` answers as ``Token.is_unresolved`` does, asking the kernel only when needed."""

from __future__ import annotations

import math
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Token

from org_constructs._internal import tokens


def values() -> dict[str, Any]:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    number = cdk.CfnParameter(stack, "N", type="Number").value_as_number
    text = cdk.CfnParameter(stack, "T").value_as_string
    listed = cdk.CfnParameter(stack, "L", type="CommaDelimitedList").value_as_list
    return {
        "plain text": "orders-dev",
        "empty text": "",
        "text like a marker, no token": "${Token[",
        "a parameter's text": text,
        "text around a token": f"arn:aws:sns:{text}:topic",
        "a pseudo parameter": cdk.Aws.ACCOUNT_ID,
        "the stack's region": stack.region,
        "a joined string": cdk.Fn.join("-", [text, "x"]),
        "a number token": number,
        "a number token as text": str(number),
        "a number token in text": f"size {number}",
        "a number token, rendered": Token.as_string(number),
        "an int": 7,
        "a large int": 10**300,
        "a float": 1.5,
        "true": True,
        "none": None,
        "a list token": listed,
        "a plain list": ["a", "b"],
        "a duration": cdk.Duration.seconds(5),
        "a resolvable": cdk.Fn.ref("N"),
    }


VALUES = values()


@pytest.mark.parametrize("name", sorted(VALUES))
def test_the_answer_is_aws_cdk_libs(name: str) -> None:
    value = VALUES[name]
    assert tokens.unresolved(value) is Token.is_unresolved(value)


def test_a_number_json_cannot_carry_is_no_token() -> None:
    # jsii cannot send these to the kernel at all (its process stops): answered here.
    assert tokens.unresolved(math.inf) is False
    assert tokens.unresolved(math.nan) is False


def test_plain_values_cost_no_request(monkeypatch: pytest.MonkeyPatch) -> None:
    def asked(value: object) -> bool:
        raise AssertionError(f"asked the kernel about {value!r}")

    monkeypatch.setattr(Token, "is_unresolved", asked)
    tokens._unresolved_text.cache_clear()
    for value in ("orders-dev", "", "a/b:c", 7, 1.5, math.inf, None, False):
        assert tokens.unresolved(value) is False
