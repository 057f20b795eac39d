"""CloudFormation support for the resource types moto's CloudFormation skips.

Each handler makes its resource through moto's own backend of the service, with the calls the
service's API offers, so what a template made reads back through that API (``DescribeAlarms``,
``GetAlias``, ``GetBucketPolicy``...). Updates change a resource in place where CloudFormation
does and replace it where CloudFormation replaces it (a new name, another parent); deletes
remove it from the backend. Importing this package defines the handlers; ``install()`` shows
them to moto's CloudFormation (which caches its registry of models) and applies the fixes they
depend on. The emulator's server process calls it before any stack is parsed.

One module per service, each describing what its handlers make and leave out:

- ``_cloudwatch``: ``AWS::CloudWatch::Alarm``, ``AWS::CloudWatch::CompositeAlarm``.
- ``_lambda``: ``AWS::Lambda::Alias``, ``AWS::CodeDeploy::Application``,
  ``AWS::CodeDeploy::DeploymentGroup``, and the fixes of moto's ``AWS::Lambda::Version`` and
  ``GetDeploymentGroup``.
- ``_s3_sns_sqs``: ``AWS::S3::BucketPolicy`` (and the bucket policy check over TLS),
  ``AWS::SNS::Subscription``, ``AWS::SNS::TopicPolicy``, ``AWS::SQS::QueuePolicy``.
- ``_secretsmanager``: ``AWS::SecretsManager::Secret``,
  ``AWS::SecretsManager::SecretTargetAttachment``, ``AWS::SecretsManager::ResourcePolicy``,
  ``AWS::SecretsManager::RotationSchedule`` (recorded on the secret, never run), and the fix of
  moto's ``DescribeSecret`` that shows every rotation rule.
- ``_apigateway``: ``AWS::ApiGateway::Stage``, ``AWS::ApiGateway::RequestValidator``.
- ``_ec2_scheduler``: ``AWS::EC2::SecurityGroupEgress``, ``AWS::Scheduler::ScheduleGroup``,
  ``AWS::Scheduler::Schedule``.
- ``_elasticache``: ``AWS::ElastiCache::SubnetGroup``, ``AWS::ElastiCache::User`` (passwords
  resolved from Secrets Manager dynamic references), ``AWS::ElastiCache::UserGroup`` (recorded
  by the handler: moto has no user groups), ``AWS::ElastiCache::ReplicationGroup`` (with its
  endpoint attributes). ``AWS::ElastiCache::ServerlessCache`` has no handler: moto has no
  serverless caches to make it with.
- ``_containers``: ``AWS::ECS::Cluster``, ``AWS::ECS::TaskDefinition``, ``AWS::ECS::Service``
  (in place of moto's models, which leave out most of their properties),
  ``AWS::ApplicationAutoScaling::ScalableTarget``, ``AWS::ApplicationAutoScaling::ScalingPolicy``,
  ``AWS::WAFv2::WebACL``, ``AWS::WAFv2::WebACLAssociation``,
  ``AWS::WAFv2::LoggingConfiguration``.

``_base`` holds the handlers' shared part, ``_registry`` the list of handlers and ``install()``.

Left out: ``AWS::CDK::Metadata``, the one type of the reference app's templates still skipped.
No service is behind it: CloudFormation only keeps the CDK version and construct analytics the
CDK writes there, and nothing refers to it. Custom resources are out of scope: moto hands
``Custom::`` types to its own model, which starts the provider function in Docker in the
background (nothing runs without Docker) and a change set is marked complete without waiting
for it; ``AWS::CloudFormation::CustomResource`` it skips like any unknown type.
"""

from org_constructs.tooling.local._handlers._lambda import (
    _create_version_with_arn as _create_version_with_arn,
)
from org_constructs.tooling.local._handlers._registry import HANDLERS, install

__all__ = ["HANDLERS", "install"]
