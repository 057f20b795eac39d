"""A construct's node, path and id, read once per construct."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from org_constructs._internal.nodes import id_of, node_of, path_of
from tests.internal.test_kernel import counted


def test_the_same_as_the_node_says() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Orders")
    nested = Construct(Construct(stack, "Api/Front"), "Handler")  # a "/" becomes "--"
    for construct in (app, stack, nested):
        assert path_of(construct) == construct.node.path
        assert id_of(construct) == construct.node.id
        assert node_of(construct).path == construct.node.path
    assert path_of(nested) == "Orders/Api--Front/Handler"
    assert (path_of(app), id_of(app)) == ("", "")


def test_asked_of_the_kernel_once() -> None:
    stack = cdk.Stack(cdk.App(), "Orders")
    construct = Construct(stack, "Queue")
    with counted() as first:
        path_of(construct)
    with counted() as again:
        assert (path_of(construct), id_of(construct)) == ("Orders/Queue", "Queue")
        node_of(construct)
    assert first[0] == 2  # the node, then its path
    assert again[0] == 0
