"""The uploads service's stack, in a module of its own so that tests import it without the app."""

from stacks.uploads import UploadsStack

__all__ = ["UploadsStack"]
