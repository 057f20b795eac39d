"""A construct's node, path and id, asked of the jsii kernel once per construct.

``construct.node.path`` is two requests to the jsii kernel (the node, then its path), and the
library names its constructs in every message and check (``SecureQueue('Orders/Queue')``), so
it asked for the same few values hundreds of times in one synthesis. A construct's node, its id
and its path never change once it exists: they are read once here and kept with the construct
(weakly: nothing is kept alive by being named).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from constructs import Node

__all__ = ["HasNode", "id_of", "node_of", "path_of"]


class HasNode(Protocol):
    """A construct, or a construct protocol of the library (``ReleasedFunction``...)."""

    @property
    def node(self) -> Node: ...


_NODES: weakref.WeakKeyDictionary[Any, Node] = weakref.WeakKeyDictionary()
_PATHS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def node_of(construct: HasNode) -> Node:
    """``construct.node``, read once."""
    try:
        return _NODES[construct]
    except KeyError:
        node = construct.node
    except TypeError:  # an object that cannot be referred to weakly: asked each time
        return construct.node
    _NODES[construct] = node
    return node


def path_of(construct: HasNode) -> str:
    """``construct.node.path``, read once: the ids from the app down, ``/`` between them."""
    try:
        return _PATHS[construct]
    except KeyError:
        path = node_of(construct).path
    except TypeError:
        return construct.node.path
    _PATHS[construct] = path
    return path


def id_of(construct: HasNode) -> str:
    """``construct.node.id``: the last part of its path (an id holds no ``/``: the constructs
    library writes ``--`` for it), ``""`` for the app."""
    return path_of(construct).rpartition("/")[2]
