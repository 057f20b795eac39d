"""The pipeline and service stacks, in modules of their own so that tests import them."""

from stacks.pipeline import PipelineStack
from stacks.service import ServiceStack

__all__ = ["PipelineStack", "ServiceStack"]
