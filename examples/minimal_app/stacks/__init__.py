"""The minimal app's stack, in a module of its own so that tests import it without the app."""

from stacks.service import ServiceStack

__all__ = ["ServiceStack"]
