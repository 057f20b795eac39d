"""The access stack, in a module of its own so that tests import it without the app."""

from stacks.access import AccessStack

__all__ = ["AccessStack"]
