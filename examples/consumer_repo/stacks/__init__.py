"""The service's stacks. app.py wires them; tests import them without running the app."""

from stacks.service import ServiceStack

__all__ = ["ServiceStack"]
