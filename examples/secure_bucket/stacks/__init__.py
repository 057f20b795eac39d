"""The data stack, in a module of its own so that tests import it without the app."""

from stacks.data import DataStack

__all__ = ["DataStack"]
