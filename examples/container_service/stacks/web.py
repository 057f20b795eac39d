"""The web stack: a ContainerService in a StandardVpc, its alarms, dashboard and deployment
events."""

from aws_cdk import aws_ecs as ecs

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    ContainerService,
    ServiceMonitoring,
    StandardVpc,
)


class WebStack(AbstractStack):
    """Web: nginx on Fargate behind an Application Load Balancer; one task released all at
    once in dev, a canary with rollback alarms in staging and production (HTTPS with the
    environment's certificate, settings.certificate_arn)."""

    def initialize(self) -> None:
        network = StandardVpc.from_config(self, "Network", self.config.vpc)
        alarms = AlarmTopic.from_config(self, "Alarms", self.config)
        monitoring = ServiceMonitoring(self, "Monitoring", service_name="web", alarm_topic=alarms)
        ContainerService(
            self,
            "Web",
            vpc=network,
            image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:latest"),
            container_port=80,
            health_check_path="/",
            # The stock nginx image starts as root (to bind port 80) and writes its pid and
            # cache files under /var: both opt-outs carry the team's reason.
            run_as_root=True,
            run_as_root_reason=(
                "The stock nginx image starts as root to bind port 80, then serves requests "
                "from its unprivileged nginx worker processes."
            ),
            read_only_root_filesystem=False,
            read_only_root_filesystem_reason=(
                "nginx writes its pid file and its proxy cache under /var/run and /var/cache."
            ),
            alarm_topic=alarms,  # rollback alarms and ECS deployment events
            monitoring=monitoring,  # CPU, memory, tasks, 5xx, latency: alarms and dashboard
        )
