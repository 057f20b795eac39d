"""The jobs stack: a SecureQueue from the environment's config, one producer, one consumer."""

from aws_cdk import Duration
from aws_cdk import aws_iam as iam

from org_constructs import AbstractStack, SecureQueue


class JobsStack(AbstractStack):
    """Jobs: encrypted, TLS-only, with a dead-letter queue; sent by one role, consumed by one."""

    def initialize(self) -> None:
        # Retention and receive count from the environment (config.queue): 4 days in dev,
        # 7 in staging, 14 in production.
        jobs = SecureQueue.from_config(
            self, "Jobs", self.config.queue, visibility_timeout=Duration.minutes(3)
        )
        # A consumer with a 30-second timeout fits a 3-minute visibility timeout (6 x 30 s).
        jobs.check_consumer_timeout(Duration.seconds(30))
        producer = iam.Role(
            self,
            "JobProducer",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Sends jobs",
        )
        worker = iam.Role(
            self,
            "JobWorker",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Processes jobs",
        )
        # Each grant acknowledges its own wildcard findings (the key's action families),
        # naming itself; org-cdk validate lists them as acknowledged.
        jobs.grant_send_messages(producer)
        jobs.grant_consume_messages(worker)
        self.create_output("JobsQueueUrl", jobs.queue_url, description="Jobs queue")
