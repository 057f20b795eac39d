"""The web stack, in a module of its own so that tests import it without the app."""

from stacks.web import WebStack

__all__ = ["WebStack"]
