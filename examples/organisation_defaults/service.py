"""A service stack made of plain aws-cdk-lib resources: the organisation defaults harden them.

Nothing here sets a retention, a key, a TLS policy or a dead-letter queue, and nothing is
acknowledged: ``AbstractStack`` registers the organisation defaults before ``initialize()``
runs, so every stage passes ``org-cdk validate`` as it is.
"""

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from org_constructs import AbstractStack
from org_constructs.compute import latest_python_runtime


class PlainService(AbstractStack):
    """A log group, a queue, a topic, a bucket, two tables and a function, all plain L2s."""

    def initialize(self) -> None:
        logs.LogGroup(self, "AppLogs")  # the stage's retention, the stack's key
        sqs.Queue(self, "Jobs")  # the key, TLS only, a dead-letter queue beside it
        sns.Topic(self, "Events")  # the key, TLS only
        s3.Bucket(self, "Files")  # private, TLS only, versioned, the key, access logs
        key = dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
        dynamodb.TableV2(self, "Orders", partition_key=key)  # recovery, protected outside dev
        dynamodb.Table(self, "Legacy", partition_key=key)
        lambda_.Function(  # traced, on ARM64, its memory and timeout written out
            self,
            "Handler",
            runtime=latest_python_runtime(),
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
        )
        # An explicit setting always wins: this one keeps a week in every stage, and its
        # short retention stays a finding for the team to fix or acknowledge.
        # logs.LogGroup(self, "DebugLogs", retention=logs.RetentionDays.ONE_WEEK)
