"""What the library knows of its container construct without importing it (no import cycles):
an ECS service behind an Application Load Balancer (``ContainerService``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from constructs import Node

from org_constructs._internal.shapes import Shape

if TYPE_CHECKING:  # not imported at run time: every construct imports this package
    from aws_cdk import aws_ecs as ecs
    from aws_cdk import aws_elasticloadbalancingv2 as elbv2

__all__ = ["LoadBalancedService"]


@runtime_checkable
class LoadBalancedService(Protocol, metaclass=Shape):
    """A construct that owns an ECS service and the load balancer in front of it
    (``ContainerService``)."""

    @property
    def node(self) -> Node:
        """Its place in the construct tree."""
        ...

    @property
    def service(self) -> ecs.BaseService:
        """The ECS service."""
        ...

    @property
    def load_balancer(self) -> elbv2.ApplicationLoadBalancer:
        """The Application Load Balancer."""
        ...

    @property
    def target_group(self) -> elbv2.ApplicationTargetGroup:
        """The target group the service's tasks are registered in (the production one)."""
        ...
