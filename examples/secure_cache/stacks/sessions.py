"""The sessions stack: a SecureCache from the environment's config, one client, its alarms."""

from aws_cdk import aws_ec2 as ec2

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    SecureCache,
    ServiceMonitoring,
    StandardVpc,
)


class SessionsStack(AbstractStack):
    """Sessions: Valkey in the isolated subnets, TLS, encrypted, RBAC; one small node in dev,
    a primary and replicas with automatic failover elsewhere."""

    def initialize(self) -> None:
        network = StandardVpc.from_config(self, "Network", self.config.vpc)
        alarms = AlarmTopic.from_config(self, "Alarms", self.config)
        monitoring = ServiceMonitoring(
            self, "Monitoring", service_name="sessions", alarm_topic=alarms
        )
        # Node type, replicas, failover and snapshots from the environment (config.cache).
        sessions = SecureCache.from_config(
            self, "Sessions", network, self.config.cache, monitoring=monitoring
        )
        web = ec2.SecurityGroup(
            self,
            "Web",
            vpc=network.vpc,
            description="The web tier",
            allow_all_outbound=False,
        )
        sessions.allow_from(web, "The web tier reads and writes sessions")  # the cache port only
        self.create_output(
            "SessionsEndpoint", sessions.endpoint_address, description="Sessions cache"
        )
