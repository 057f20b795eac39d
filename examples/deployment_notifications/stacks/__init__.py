"""The notifications stack, in a module of its own so that tests import it without the app."""

from stacks.notifications import NotificationsStack

__all__ = ["NotificationsStack"]
