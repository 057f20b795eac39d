"""The jobs stack, in a module of its own so that tests import it without the app."""

from stacks.jobs import JobsStack

__all__ = ["JobsStack"]
