"""The fulfilment stack, in a module of its own so that tests import it without the app."""

from stacks.fulfilment import FulfilmentStack

__all__ = ["FulfilmentStack"]
