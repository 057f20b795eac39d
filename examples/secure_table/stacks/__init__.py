"""The orders stack, in a module of its own so that tests import it without the app."""

from stacks.orders import OrdersStack

__all__ = ["OrdersStack"]
