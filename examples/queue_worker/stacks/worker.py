"""The worker stack: jobs in a SecureQueue, a MonitoredFunction that works them off, and a
nightly workflow that archives what was done."""

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    MonitoredFunction,
    SecureQueue,
    SecureStateMachine,
    ServiceMonitoring,
    Trigger,
)

HANDLER = Path(__file__).parent.parent / "handler"


class WorkerStack(AbstractStack):
    """Jobs, their worker and a nightly archive, each watched and each failure kept."""

    def initialize(self) -> None:
        alarms = AlarmTopic.from_config(self, "Alarms", self.config)
        monitoring = ServiceMonitoring(self, "Monitoring", service_name="jobs", alarm_topic=alarms)
        # Retention and receive count from the environment (config.queue); the visibility
        # timeout covers six times the worker's timeout, as AWS advises.
        jobs = SecureQueue.from_config(
            self, "Jobs", self.config.queue, visibility_timeout=Duration.minutes(3)
        )
        worker = MonitoredFunction(
            self,
            "Worker",
            code=lambda_.Code.from_asset(str(HANDLER)),
            handler="worker.handler",
            timeout=Duration.seconds(30),
            monitoring=monitoring,
        )
        # The alias reads the queue (the canary guards each release's share of the jobs); the
        # queue and its dead letters join the worker's monitoring.
        worker.add_queue_source(jobs, batch_size=10, max_concurrency=5)
        archive = SecureStateMachine.from_config(
            self,
            "Archive",
            self.config.state_machine,
            definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(self, "Archived")),
            timeout=Duration.minutes(30),
            monitoring=monitoring,
        )
        # Every night at 03:00 UTC, retried twice, failures kept in a dead-letter queue.
        archive.add_schedule("Nightly", events.Schedule.cron(minute="0", hour="3"))
        # An event rule made directly: operators replay a job by putting an event.
        Trigger(
            self,
            "Replay",
            target=worker,
            event_pattern=events.EventPattern(source=["jobs.replay"]),
            retry_attempts=0,
            monitoring=monitoring,
        )
        self.create_output("JobsQueueUrl", jobs.queue_url, description="Where jobs are sent")
