"""``ServiceMonitoring``'s methods for container services and load balancers (a mixin, so that
the facade stays one readable module)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from org_constructs._internal.lazy import lazy_module
from org_constructs.core import LoadBalancedService
from org_constructs.monitoring._factory import MonitoredResource
from org_constructs.monitoring._packs import PackSpec
from org_constructs.monitoring._packs import container_service as container_service_pack
from org_constructs.monitoring._packs import load_balancer as load_balancer_pack
from org_constructs.monitoring._settings import AlarmLevels, AlarmSettings

if TYPE_CHECKING:
    from aws_cdk import aws_ecs as ecs
    from aws_cdk import aws_ecs_patterns as ecs_patterns
    from aws_cdk import aws_elasticloadbalancingv2 as elbv2
else:
    ecs = lazy_module("aws_cdk.aws_ecs")
    ecs_patterns = lazy_module("aws_cdk.aws_ecs_patterns")
    elbv2 = lazy_module("aws_cdk.aws_elasticloadbalancingv2")


__all__ = ["ContainerPacks"]


class ContainerPacks:
    """The ``monitor_*`` methods of container services; ``ServiceMonitoring`` runs them."""

    def _monitor(
        self, pack: PackSpec, arguments: Mapping[str, object]
    ) -> list[MonitoredResource]:  # pragma: no cover - ServiceMonitoring's
        raise NotImplementedError

    def monitor_container_service(
        self,
        service: ecs.IBaseService
        | ecs_patterns.ApplicationLoadBalancedFargateService
        | ecs_patterns.ApplicationLoadBalancedEc2Service
        | LoadBalancedService,
        *,
        label: str | None = None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> MonitoredResource:
        """Alarms and widgets for an ECS service and the Application Load Balancer in front
        of it.

        The ECS alarms watch CPU and memory (``AWS/ECS``) and running against desired tasks
        (``ECS/ContainerInsights``: the cluster needs Container Insights, which
        ``ContainerService`` turns on; without it that alarm has no data and never fires).
        Behind a load balancer, the target group's 5XX count and rate, response time p90 and
        p99 and unhealthy hosts are watched too, and the load balancer's own 5XX and rejected
        connections unless another call of this service watches that load balancer already
        (a load balancer shared by several services gets its own alarms once).

        Parameters
        ----------
        service:
            A ``ContainerService`` (or any ``LoadBalancedService``), an
            ``ApplicationLoadBalancedFargateService`` or ``ApplicationLoadBalancedEc2Service``
            (its service, load balancer and target group), or an ECS service alone (an
            ``ecs.FargateService``, ``ecs.Ec2Service`` or an imported ``ecs.IBaseService``: its
            ECS alarms only; the ``.service`` of a ``ContainerService`` or pattern is
            recognised as its own).
        label:
            The resource part of alarm names. Default: - the construct id (the
            ``ContainerService``'s or pattern's for one)
        alarms:
            Overrides by alarm key (see the alarm catalogue); the load balancer's keys exist
            for a service behind one only.

        Raises
        ------
        ValidationError
            For a target that is not a container service, of another region, or already
            monitored in this service (the service or its target group); an override of an
            alarm the service does not have (a load balancer's alarm for a bare service,
            ``running_tasks`` on a cluster with Container Insights turned off, the load
            balancer's own alarms when another call watches it). Nothing is created.
        """
        return self._monitor(container_service_pack.PACK, locals())[0]

    def monitor_load_balancer(
        self,
        load_balancer: elbv2.IApplicationLoadBalancer,
        *,
        target_group: elbv2.IApplicationTargetGroup | None = None,
        label: str | None = None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> MonitoredResource:
        """Alarms and widgets for an Application Load Balancer and, given one, a target group
        of it.

        For a load balancer in front of something other than a monitored container service
        (an EC2 fleet, Lambda targets, a service of another team). A load balancer that a
        ``monitor_container_service`` call of this service watches already is refused without
        ``target_group``; with one, only that target group's alarms are added.

        Parameters
        ----------
        load_balancer:
            Any ``elbv2.IApplicationLoadBalancer`` (an imported one's metrics come from its
            ARN).
        target_group:
            A target group attached to a listener of ``load_balancer``: its 5XX count and
            rate, response time p90 and p99 and unhealthy hosts are watched. Default: - the
            load balancer's own alarms only
        label:
            The resource part of alarm names. Default: - the load balancer's construct id
        alarms:
            Overrides by alarm key (see the alarm catalogue); the target group's keys exist
            with ``target_group`` only.

        Raises
        ------
        ValidationError
            For a load balancer or target group of another region, already monitored in this
            service; a target group not attached to this load balancer, or imported without
            its load balancer; an override of an alarm the call does not create. Nothing is
            created.
        """
        return self._monitor(load_balancer_pack.PACK, locals())[0]
