"""Container services: ``ContainerService``, an ECS service on Fargate behind an Application Load
Balancer whose bad releases roll themselves back."""

from org_constructs.containers._container_service import ContainerService

__all__ = ["ContainerService"]
