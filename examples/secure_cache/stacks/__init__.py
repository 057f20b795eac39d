"""The sessions stack, in a module of its own so that tests import it without the app."""

from stacks.sessions import SessionsStack

__all__ = ["SessionsStack"]
