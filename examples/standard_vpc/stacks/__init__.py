"""The network stack, in a module of its own so that tests import it without the app."""

from stacks.network import NetworkStack

__all__ = ["NetworkStack"]
