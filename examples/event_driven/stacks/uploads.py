"""The uploads stack: customer uploads land in a bucket and notify a queue; a worker records
them in a table; an API reads the table; every night a workflow archives the old records to
the bucket. One ServiceMonitoring watches all of it."""

from pathlib import Path

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    ContainerService,
    MonitoredFunction,
    SecureBucket,
    SecureQueue,
    SecureStateMachine,
    SecureTable,
    ServiceMonitoring,
    StandardVpc,
)

HANDLER = Path(__file__).resolve().parent.parent / "handler"
STRING = dynamodb.AttributeType.STRING


class UploadsStack(AbstractStack):
    """Everything the uploads service runs on, with the library's defaults for the stage."""

    def initialize(self) -> None:
        network = StandardVpc.from_config(self, "Network", self.config.vpc)
        alarms = AlarmTopic.from_config(self, "Alarms", self.config)
        monitoring = ServiceMonitoring(
            self, "Monitoring", service_name="uploads", alarm_topic=alarms
        )
        # Encrypted, versioned, TLS only, access-logged; new files under incoming/ notify the
        # queue (encrypted, TLS only, dead letters after 5 receives).
        uploads = SecureBucket(self, "Uploads")
        received = SecureQueue.from_config(
            self, "Received", self.config.queue, visibility_timeout=Duration.minutes(3)
        )
        uploads.add_event_notification(
            s3.EventType.OBJECT_CREATED, received, s3.NotificationKeyFilter(prefix="incoming/")
        )
        # On demand, a rotating key, point-in-time recovery; records expire after 90 days.
        records = SecureTable.from_config(
            self,
            "Records",
            self.config.table,
            partition_key=dynamodb.Attribute(name="pk", type=STRING),
            time_to_live_attribute="expires",
        )
        # The worker reads the queue through its alias: each release is a canary.
        worker = MonitoredFunction(
            self,
            "Worker",
            code=lambda_.Code.from_asset(str(HANDLER)),
            handler="worker.handler",
            timeout=Duration.seconds(30),
            environment={"TABLE_NAME": records.table_name},
            alarm_topic=alarms,
            monitoring=monitoring,
        )
        worker.add_queue_source(received, batch_size=10, max_concurrency=5)
        records.grant_write_data(worker)
        # Every night at 02:00 UTC: the records older than a day go to archive/ in the bucket.
        find_old = tasks.CallAwsService(
            self,
            "FindOld",
            service="dynamodb",
            action="scan",
            parameters={
                "TableName": records.table_name,
                "FilterExpression": "uploaded < :cutoff",
                "ExpressionAttributeValues": {":cutoff": {"S.$": "$.cutoff"}},
            },
            iam_resources=[records.table_arn],
            result_path="$.old",
        )
        store = tasks.CallAwsService(
            self,
            "Store",
            service="s3",
            action="putObject",
            parameters={
                "Bucket": uploads.bucket_name,
                "Key.$": "States.Format('archive/{}.json', $$.Execution.Name)",
                "Body.$": "$.old.Items",
            },
            iam_resources=[uploads.bucket.arn_for_objects("archive/*")],
        )
        cutoff = sfn.Pass(self, "Cutoff", parameters={"cutoff.$": "$$.Execution.StartTime"})
        archive = SecureStateMachine.from_config(
            self,
            "Archive",
            self.config.state_machine,
            definition_body=sfn.DefinitionBody.from_chainable(cutoff.next(find_old).next(store)),
            timeout=Duration.minutes(30),
            monitoring=monitoring,
        )
        records.grant_read_data(archive.role)
        uploads.grant_put(archive.role, "archive/*")
        Validations.of(archive.role).acknowledge(
            Acknowledgment(
                id="cdk-nag::AwsSolutions-IAM5[Resource::<UploadsBucketC4B27CC7.Arn>/archive/*]",
                reason="Each night's archive is a new object under archive/, named by the run.",
            )
        )
        archive.add_schedule("Nightly", events.Schedule.cron(minute="0", hour="2"))
        # The API: Fargate tasks (ARM64, read-only root filesystem, not root) behind a load
        # balancer (HTTPS with settings.certificate_arn outside dev), released by canary and
        # rolled back on the new tasks' 5xx rate and p99 latency; 2+ tasks outside dev.
        api = ContainerService(
            self,
            "Api",
            vpc=network,
            image=ecs.ContainerImage.from_registry("public.ecr.aws/uploads/api:1.4.2"),
            environment={"TABLE_NAME": records.table_name},
            alarm_topic=alarms,
            monitoring=monitoring,
        )
        records.grant_read_data(api)
        # Objectives for the API: 99.9% of requests succeed, 99% are answered within 300 ms;
        # burn-rate alarms page through the alarm topic (outside dev).
        monitoring.add_availability_slo(api, objective=99.9)
        monitoring.add_latency_slo(api, threshold=Duration.millis(300), objective=99.0)
        self.create_output("UploadsBucket", uploads.bucket_name, description="Where files land")
