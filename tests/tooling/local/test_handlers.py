"""The emulator's CloudFormation handlers, in-process: stacks created, updated and deleted
through CloudFormation's API (``moto.mock_aws``), what they made read back through each
service's own API.

Each test writes a small template: a created stack is checked through the values the service
reports; an update with a changed property must change the same resource in place (or replace
it, where CloudFormation does); a deleted stack, or a template without the resource, must leave
nothing behind. No server, no CDK: each test takes a second at most. The moto they run on has
the emulator's fixes too (the ``aws`` fixture of ``conftest.py``).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from botocore.exceptions import ClientError
from moto.awslambda.models import LambdaVersion
from moto.cloudformation.parsing import get_model_map, get_name_type_map

from org_constructs.tooling.local import _handlers
from tests.tooling.local.conftest import ACCOUNT, REGION, Client, Resources


class Stack:
    """A stack of resources written in a test, made through CloudFormation's API."""

    def __init__(self, aws: Client, name: str = "handlers") -> None:
        self.cloudformation = aws("cloudformation")
        self.name = name

    @staticmethod
    def _body(resources: Resources, outputs: dict[str, Any] | None) -> str:
        outputs = {key: {"Value": value} for key, value in (outputs or {}).items()}
        return json.dumps({"Resources": resources, **({"Outputs": outputs} if outputs else {})})

    def create(self, resources: Resources, outputs: dict[str, Any] | None = None) -> None:
        self.cloudformation.create_stack(
            StackName=self.name, TemplateBody=self._body(resources, outputs)
        )

    def update(self, resources: Resources, outputs: dict[str, Any] | None = None) -> None:
        self.cloudformation.update_stack(
            StackName=self.name, TemplateBody=self._body(resources, outputs)
        )

    def delete(self) -> None:
        self.cloudformation.delete_stack(StackName=self.name)

    def ids(self) -> dict[str, str]:
        """Each resource's physical id (what ``Ref`` gives), by logical id.

        moto lists some of its own resources without either (methods, deployments, and a
        resource it updated without an update of its own): those are left out.
        """
        found = self.cloudformation.describe_stack_resources(StackName=self.name)
        return {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in found["StackResources"]
            if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
        }

    def outputs(self) -> dict[str, str]:
        stack = self.cloudformation.describe_stacks(StackName=self.name)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def get_att(logical_id: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    code: str = error.value.response["Error"]["Code"]
    return code


TOPIC = {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alarms"}}}
TLS_ONLY = {
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "s3:*",
    "Resource": [
        {"Fn::GetAtt": ["Bucket", "Arn"]},
        {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]},
    ],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def role(service: str) -> dict[str, Any]:
    """A role the service may assume."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}
        },
    }


FUNCTION = {
    "Role": role("lambda.amazonaws.com"),
    "Function": {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": "orders",
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "Role": get_att("Role", "Arn"),
            "Code": {"ZipFile": "def handler(event, context):\n    return 1\n"},
        },
    },
}


class TestRegistry:
    def test_every_handler_is_what_moto_parses_its_type_with(self) -> None:
        _handlers.install()
        models = get_model_map()
        parsed_with = {t: f"{m.__module__}.{m.__qualname__}" for t, m in models.items()}
        assert {h.TYPE: parsed_with[h.TYPE] for h in _handlers.HANDLERS} == {
            h.TYPE: f"{h.__module__}.{h.__qualname__}" for h in _handlers.HANDLERS
        }
        assert all(h.__module__.startswith(f"{_handlers.__name__}.") for h in _handlers.HANDLERS)
        assert len({h.TYPE for h in _handlers.HANDLERS}) == len(_handlers.HANDLERS)
        assert get_name_type_map()["AWS::CloudWatch::Alarm"] == "AlarmName"
        assert get_name_type_map()["AWS::S3::BucketPolicy"] == ""

    def test_installing_twice_wraps_nothing_twice(self) -> None:
        _handlers.install()
        create = LambdaVersion.create_from_cloudformation_json
        _handlers.install()
        assert LambdaVersion.create_from_cloudformation_json == create
        assert create.__func__ is _handlers._create_version_with_arn  # type: ignore[attr-defined]


class TestAlarms:
    @staticmethod
    def resources(threshold: int = 5, name: str = "orders-errors") -> Resources:
        return {
            **TOPIC,
            "Errors": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": name,
                    "AlarmDescription": "[Critical] errors",
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Errors",
                    "Dimensions": [{"Name": "FunctionName", "Value": "orders"}],
                    "Statistic": "Sum",
                    "Period": 60,
                    "EvaluationPeriods": 3,
                    "DatapointsToAlarm": 2,
                    "Threshold": threshold,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "TreatMissingData": "notBreaching",
                    "AlarmActions": [ref("Topic")],
                    "OKActions": [ref("Topic")],
                    "Tags": [{"Key": "Service", "Value": "orders"}],
                },
            },
            "ErrorRate": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": "orders-error-rate",
                    "EvaluationPeriods": 1,
                    "Threshold": 5,
                    "ComparisonOperator": "GreaterThanThreshold",
                    "InsufficientDataActions": [ref("Topic")],
                    "Metrics": [
                        {
                            "Id": "rate",
                            "Expression": "100 * errors / invocations",
                            "Label": "Error rate (%)",
                            "ReturnData": True,
                        },
                        *(
                            {
                                "Id": metric.lower(),
                                "MetricStat": {
                                    "Metric": {
                                        "Namespace": "AWS/Lambda",
                                        "MetricName": metric,
                                        "Dimensions": [{"Name": "FunctionName", "Value": "orders"}],
                                    },
                                    "Period": 300,
                                    "Stat": "Sum",
                                },
                                "ReturnData": False,
                            }
                            for metric in ("Errors", "Invocations")
                        ),
                    ],
                },
            },
            "Unhealthy": {
                "Type": "AWS::CloudWatch::CompositeAlarm",
                "Properties": {
                    "AlarmName": "orders-unhealthy",
                    "AlarmRule": {
                        "Fn::Join": [
                            "",
                            ['ALARM("', ref("Errors"), '") OR ALARM("', ref("ErrorRate"), '")'],
                        ]
                    },
                    "AlarmActions": [ref("Topic")],
                },
            },
        }

    OUTPUTS: ClassVar[dict[str, Any]] = {
        "Name": ref("Errors"),
        "Arn": get_att("Errors", "Arn"),
        "Composite": ref("Unhealthy"),
    }

    def test_metric_alarm_math_alarm_and_composite_alarm(self, aws: Client) -> None:
        stack, cloudwatch = Stack(aws), aws("cloudwatch")
        stack.create(self.resources(), self.OUTPUTS)
        topic = stack.ids()["Topic"]

        errors, rate = cloudwatch.describe_alarms(
            AlarmNames=["orders-errors", "orders-error-rate"]
        )["MetricAlarms"]
        assert (errors["AlarmName"], rate["AlarmName"]) == ("orders-errors", "orders-error-rate")
        assert {key: errors[key] for key in ("Namespace", "MetricName", "Statistic", "Period")} == {
            "Namespace": "AWS/Lambda",
            "MetricName": "Errors",
            "Statistic": "Sum",
            "Period": 60,
        }
        assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": "orders"}]
        assert (errors["Threshold"], errors["EvaluationPeriods"], errors["DatapointsToAlarm"]) == (
            5.0,
            3,
            2,
        )
        assert errors["ComparisonOperator"] == "GreaterThanThreshold"
        assert errors["TreatMissingData"] == "notBreaching"
        assert (errors["AlarmActions"], errors["OKActions"]) == ([topic], [topic])
        assert rate["InsufficientDataActions"] == [topic]
        assert [(m["Id"], m["ReturnData"]) for m in rate["Metrics"]] == [
            ("rate", True),
            ("errors", False),
            ("invocations", False),
        ]
        assert rate["Metrics"][0]["Expression"] == "100 * errors / invocations"
        assert rate["Metrics"][2]["MetricStat"]["Metric"]["MetricName"] == "Invocations"
        tags = cloudwatch.list_tags_for_resource(ResourceARN=errors["AlarmArn"])["Tags"]
        assert tags == [{"Key": "Service", "Value": "orders"}]

        composite = cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
        assert [(c["AlarmName"], c["AlarmRule"], c["AlarmActions"]) for c in composite] == [
            ("orders-unhealthy", 'ALARM("orders-errors") OR ALARM("orders-error-rate")', [topic])
        ]
        assert stack.outputs() == {
            "Name": "orders-errors",
            "Arn": errors["AlarmArn"],
            "Composite": "orders-unhealthy",
        }

    def test_a_new_threshold_changes_the_same_alarm_and_keeps_its_state(self, aws: Client) -> None:
        stack, cloudwatch = Stack(aws), aws("cloudwatch")
        stack.create(self.resources(threshold=5))
        cloudwatch.set_alarm_state(
            AlarmName="orders-errors", StateValue="ALARM", StateReason="a test breach"
        )
        before = cloudwatch.describe_alarms(AlarmNames=["orders-errors"])["MetricAlarms"][0]

        stack.update(self.resources(threshold=10))

        after = cloudwatch.describe_alarms(AlarmNames=["orders-errors"])["MetricAlarms"][0]
        assert after["Threshold"] == 10.0
        assert after["AlarmArn"] == before["AlarmArn"]
        assert (after["StateValue"], after["StateReason"]) == ("ALARM", "a test breach")

    def test_a_new_name_replaces_the_alarm(self, aws: Client) -> None:
        stack, cloudwatch = Stack(aws), aws("cloudwatch")
        stack.create(self.resources(name="orders-errors"))
        stack.update(self.resources(name="orders-failures"))
        names = [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]]
        assert sorted(names) == ["orders-error-rate", "orders-failures"]

    def test_deleting_the_stack_deletes_the_alarms(self, aws: Client) -> None:
        stack, cloudwatch = Stack(aws), aws("cloudwatch")
        stack.create(self.resources())
        stack.delete()
        alarms = cloudwatch.describe_alarms()
        assert (alarms["MetricAlarms"], alarms["CompositeAlarms"]) == ([], [])


class TestAlias:
    @staticmethod
    def resources(version: Any, weights: list[dict[str, Any]] | None = None) -> Resources:
        alias: dict[str, Any] = {
            "FunctionName": ref("Function"),
            "FunctionVersion": version,
            "Name": "live",
        }
        if weights:
            alias["RoutingConfig"] = {"AdditionalVersionWeights": weights}
        return {
            **FUNCTION,
            "Version": {
                "Type": "AWS::Lambda::Version",
                "Properties": {"FunctionName": ref("Function")},
            },
            "Alias": {"Type": "AWS::Lambda::Alias", "Properties": alias},
        }

    OUTPUTS: ClassVar[dict[str, Any]] = {
        "Ref": ref("Alias"),
        "AliasArn": get_att("Alias", "AliasArn"),
        "Version": get_att("Version", "Version"),
        "VersionRef": ref("Version"),
    }

    def test_alias_on_the_version_then_on_a_new_one_with_weights(self, aws: Client) -> None:
        stack, lam = Stack(aws), aws("lambda")
        stack.create(self.resources(get_att("Version", "Version")), self.OUTPUTS)
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders:live"
        alias = lam.get_alias(FunctionName="orders", Name="live")
        assert (alias["AliasArn"], alias["FunctionVersion"]) == (arn, "1")
        assert stack.outputs() == {
            "Ref": arn,
            "AliasArn": arn,
            "Version": "1",
            "VersionRef": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders:1",
        }

        lam.update_function_configuration(FunctionName="orders", Description="second")
        assert lam.publish_version(FunctionName="orders")["Version"] == "2"
        weights = [{"FunctionVersion": get_att("Version", "Version"), "FunctionWeight": 0.25}]
        stack.update(self.resources("2", weights), self.OUTPUTS)

        updated = lam.get_alias(FunctionName="orders", Name="live")
        assert (updated["AliasArn"], updated["FunctionVersion"]) == (arn, "2")
        # moto keeps the revision of an alias it updates; a new alias would have another.
        assert updated["RevisionId"] == alias["RevisionId"]
        assert updated["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.25}}

        without_alias = self.resources("2")
        del without_alias["Alias"]
        stack.update(without_alias)
        with pytest.raises(ClientError) as gone:
            lam.get_alias(FunctionName="orders", Name="live")
        assert error_code(gone) == "ResourceNotFoundException"
        assert lam.get_function(FunctionName="orders")["Configuration"]["FunctionName"] == "orders"


class TestCodeDeploy:
    @staticmethod
    def resources(config: str) -> Resources:
        return {
            **TOPIC,
            "Role": role("codedeploy.amazonaws.com"),
            "Rollback": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": "orders-rollback",
                    "Namespace": "AWS/Lambda",
                    "MetricName": "Errors",
                    "Statistic": "Sum",
                    "Period": 60,
                    "EvaluationPeriods": 1,
                    "Threshold": 1,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                },
            },
            "Application": {
                "Type": "AWS::CodeDeploy::Application",
                "Properties": {"ApplicationName": "orders", "ComputePlatform": "Lambda"},
            },
            "Group": {
                "Type": "AWS::CodeDeploy::DeploymentGroup",
                "Properties": {
                    "ApplicationName": ref("Application"),
                    "ServiceRoleArn": get_att("Role", "Arn"),
                    "DeploymentConfigName": config,
                    "DeploymentStyle": {
                        "DeploymentType": "BLUE_GREEN",
                        "DeploymentOption": "WITH_TRAFFIC_CONTROL",
                    },
                    "AlarmConfiguration": {"Enabled": True, "Alarms": [{"Name": ref("Rollback")}]},
                    "AutoRollbackConfiguration": {
                        "Enabled": True,
                        "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
                    },
                    "TriggerConfigurations": [
                        {
                            "TriggerName": "deployments",
                            "TriggerTargetArn": ref("Topic"),
                            "TriggerEvents": ["DeploymentSuccess", "DeploymentFailure"],
                        }
                    ],
                },
            },
        }

    def test_lambda_application_and_deployment_group(self, aws: Client) -> None:
        stack, codedeploy = Stack(aws), aws("codedeploy")
        stack.create(self.resources("CodeDeployDefault.LambdaAllAtOnce"), {"Group": ref("Group")})
        ids = stack.ids()
        group_name = stack.outputs()["Group"]
        assert group_name == ids["Group"]
        assert group_name.startswith("handlers-Group-")  # generated, as CloudFormation does

        assert (
            codedeploy.get_application(applicationName="orders")["application"]["computePlatform"]
            == "Lambda"
        )
        group = codedeploy.get_deployment_group(
            applicationName="orders", deploymentGroupName=group_name
        )["deploymentGroupInfo"]
        assert group["computePlatform"] == "Lambda"
        assert group["deploymentConfigName"] == "CodeDeployDefault.LambdaAllAtOnce"
        assert group["serviceRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/{ids['Role']}"
        assert group["deploymentStyle"] == {
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        }
        assert group["alarmConfiguration"] == {
            "enabled": True,
            "ignorePollAlarmFailure": False,
            "alarms": [{"name": "orders-rollback"}],
        }
        assert group["autoRollbackConfiguration"] == {
            "enabled": True,
            "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        }
        assert group["triggerConfigurations"] == [
            {
                "triggerName": "deployments",
                "triggerTargetArn": ids["Topic"],
                "triggerEvents": ["DeploymentSuccess", "DeploymentFailure"],
            }
        ]

        stack.update(self.resources("CodeDeployDefault.LambdaCanary10Percent5Minutes"))
        updated = codedeploy.get_deployment_group(
            applicationName="orders", deploymentGroupName=group_name
        )["deploymentGroupInfo"]
        assert updated["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
        assert updated["deploymentGroupId"] == group["deploymentGroupId"]

        stack.delete()
        assert codedeploy.list_applications()["applications"] == []
        with pytest.raises(ClientError) as gone:
            codedeploy.get_deployment_group(
                applicationName="orders", deploymentGroupName=group_name
            )
        assert error_code(gone) == "ApplicationDoesNotExistException"


class TestBucketPolicy:
    @staticmethod
    def resources(*statements: dict[str, Any]) -> Resources:
        resources: Resources = {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "orders-data"}}
        }
        if statements:
            resources["Policy"] = {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": ref("Bucket"),
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)},
                },
            }
        return resources

    def test_tls_only_policy_is_kept_and_objects_are_still_reachable(self, aws: Client) -> None:
        stack, s3 = Stack(aws), aws("s3")
        stack.create(self.resources(TLS_ONLY), {"Policy": ref("Policy")})

        policy = json.loads(s3.get_bucket_policy(Bucket="orders-data")["Policy"])
        assert policy["Statement"] == [
            {
                **TLS_ONLY,
                "Resource": ["arn:aws:s3:::orders-data", "arn:aws:s3:::orders-data/*"],
            }
        ]
        assert stack.outputs() == {"Policy": "orders-data"}
        # The emulator's requests stand for requests over TLS: the Deny does not apply.
        s3.put_object(Bucket="orders-data", Key="order.json", Body=b"{}")
        assert s3.get_object(Bucket="orders-data", Key="order.json")["Body"].read() == b"{}"

    def test_a_new_document_applies_to_the_same_bucket(self, aws: Client) -> None:
        stack, s3 = Stack(aws), aws("s3")
        stack.create(self.resources(TLS_ONLY))
        s3.put_object(Bucket="orders-data", Key="order.json", Body=b"{}")
        deny_reads = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::orders-data/*",
        }
        # A condition the emulator knows nothing about never holds: that statement is left out.
        unknown = {
            **deny_reads,
            "Action": "s3:PutObject",
            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
        }

        stack.update(self.resources(TLS_ONLY, deny_reads, unknown))

        statements = json.loads(s3.get_bucket_policy(Bucket="orders-data")["Policy"])["Statement"]
        assert [s["Action"] for s in statements] == ["s3:*", "s3:GetObject", "s3:PutObject"]
        with pytest.raises(ClientError) as denied:
            s3.get_object(Bucket="orders-data", Key="order.json")
        assert error_code(denied) == "403"  # moto's denial: a bare 403
        s3.put_object(Bucket="orders-data", Key="other.json", Body=b"{}")

    def test_removing_the_policy_deletes_it_from_the_bucket(self, aws: Client) -> None:
        stack, s3 = Stack(aws), aws("s3")
        stack.create(self.resources(TLS_ONLY))
        stack.update(self.resources())
        with pytest.raises(ClientError) as gone:
            s3.get_bucket_policy(Bucket="orders-data")
        assert error_code(gone) == "NoSuchBucketPolicy"


class TestTopicAndQueuePolicies:
    @staticmethod
    def resources(
        filter_policy: dict[str, Any] | None, publisher: str = "events.amazonaws.com"
    ) -> Resources:
        subscription: dict[str, Any] = {
            "TopicArn": ref("Topic"),
            "Protocol": "sqs",
            "Endpoint": get_att("Queue", "Arn"),
            "RawMessageDelivery": True,
            "RedrivePolicy": {"deadLetterTargetArn": get_att("DeadLetters", "Arn")},
        }
        if filter_policy is not None:
            subscription["FilterPolicy"] = filter_policy
        return {
            **TOPIC,
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "orders"}},
            "DeadLetters": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "orders-dlq"}},
            "Subscription": {"Type": "AWS::SNS::Subscription", "Properties": subscription},
            "TopicPolicy": {
                "Type": "AWS::SNS::TopicPolicy",
                "Properties": {
                    "Topics": [ref("Topic")],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "Publishers",
                                "Effect": "Allow",
                                "Principal": {"Service": publisher},
                                "Action": "sns:Publish",
                                "Resource": ref("Topic"),
                            }
                        ],
                    },
                },
            },
            "QueuePolicy": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {
                    "Queues": [ref("Queue")],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "sns.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": get_att("Queue", "Arn"),
                                "Condition": {"ArnEquals": {"aws:SourceArn": ref("Topic")}},
                            }
                        ],
                    },
                },
            },
        }

    def test_subscription_topic_policy_and_queue_policy(self, aws: Client) -> None:
        stack, sns, sqs = Stack(aws), aws("sns"), aws("sqs")
        stack.create(self.resources({"kind": ["order"]}), {"Subscription": ref("Subscription")})
        ids = stack.ids()
        topic, queue = ids["Topic"], ids["Queue"]
        queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"

        (subscription,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        assert (subscription["Protocol"], subscription["Endpoint"]) == ("sqs", queue_arn)
        assert stack.outputs() == {"Subscription": subscription["SubscriptionArn"]}
        attributes = sns.get_subscription_attributes(
            SubscriptionArn=subscription["SubscriptionArn"]
        )["Attributes"]
        assert attributes["RawMessageDelivery"] == "true"
        assert json.loads(attributes["FilterPolicy"]) == {"kind": ["order"]}
        assert json.loads(attributes["RedrivePolicy"]) == {
            "deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-dlq"
        }

        topic_policy = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
        assert topic_policy["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}
        assert topic_policy["Statement"][0]["Resource"] == topic
        queue_policy = json.loads(
            sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"])["Attributes"][
                "Policy"
            ]
        )
        assert queue_policy["Statement"][0]["Condition"] == {"ArnEquals": {"aws:SourceArn": topic}}

        # Messages reach the queue through the subscription, filtered, undecorated (raw).
        sns.publish(
            TopicArn=topic,
            Message="order 1",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}},
        )
        sns.publish(
            TopicArn=topic,
            Message="refund 1",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "refund"}},
        )
        received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
        assert [m["Body"] for m in received] == ["order 1"]

    def test_updates_change_the_same_subscription_and_policies(self, aws: Client) -> None:
        stack, sns = Stack(aws), aws("sns")
        stack.create(self.resources({"kind": ["order"]}))
        arn = stack.ids()["Subscription"]

        stack.update(self.resources({"kind": ["refund"]}, publisher="s3.amazonaws.com"))

        topic = stack.ids()["Topic"]
        (subscription,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        assert subscription["SubscriptionArn"] == arn
        attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
        assert json.loads(attributes["FilterPolicy"]) == {"kind": ["refund"]}
        policy = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
        assert policy["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}

        stack.update(self.resources(None))
        attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
        assert attributes.get("FilterPolicy", "") == ""

    def test_removed_policies_give_the_defaults_back(self, aws: Client) -> None:
        stack, sns, sqs = Stack(aws), aws("sns"), aws("sqs")
        stack.create(self.resources(None))
        resources = self.resources(None)
        del resources["TopicPolicy"], resources["QueuePolicy"], resources["Subscription"]

        stack.update(resources)

        ids = stack.ids()
        assert sns.list_subscriptions_by_topic(TopicArn=ids["Topic"])["Subscriptions"] == []
        policy = json.loads(sns.get_topic_attributes(TopicArn=ids["Topic"])["Attributes"]["Policy"])
        assert [s["Sid"] for s in policy["Statement"]] == ["__default_statement_ID"]
        attributes = sqs.get_queue_attributes(QueueUrl=ids["Queue"], AttributeNames=["All"])
        assert "Policy" not in attributes["Attributes"]

    def test_each_topic_of_a_removed_policy_gets_its_own_default(self, aws: Client) -> None:
        stack, sns = Stack(aws), aws("sns")
        topics = {
            name: {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name.lower()}}
            for name in ("Alarms", "Deployments")
        }
        statement = {"Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": "*"}
        policy = {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [ref("Alarms"), ref("Deployments")],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
            },
        }
        stack.create({**topics, "Policy": policy})
        ids = stack.ids()

        def statements() -> dict[str, Any]:
            found = {}
            for name in topics:
                attributes = sns.get_topic_attributes(TopicArn=ids[name])["Attributes"]
                found[name] = json.loads(attributes["Policy"])["Statement"]
            return found

        assert statements() == {"Alarms": [statement], "Deployments": [statement]}
        stack.update(topics)
        assert {name: [s["Resource"] for s in found] for name, found in statements().items()} == {
            "Alarms": [ids["Alarms"]],
            "Deployments": [ids["Deployments"]],
        }

    def test_deleting_the_stack_leaves_no_subscription(self, aws: Client) -> None:
        stack, sns = Stack(aws), aws("sns")
        stack.create(self.resources({"kind": ["order"]}))
        stack.delete()
        assert sns.list_subscriptions()["Subscriptions"] == []


class TestSecrets:
    EXCLUDED = " %+~`#$&*()|[]{}:;<>?!'/@\"\\"

    def resources(self, length: int = 24, description: str = "orders database") -> Resources:
        return {
            "Key": {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "Description": "secrets",
                    "KeyPolicy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                "Action": "kms:*",
                                "Resource": "*",
                            }
                        ],
                    },
                },
            },
            "Secret": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "Description": description,
                    "KmsKeyId": get_att("Key", "Arn"),
                    "GenerateSecretString": {
                        "SecretStringTemplate": json.dumps({"username": "dbadmin"}),
                        "GenerateStringKey": "password",
                        "PasswordLength": length,
                        "ExcludeCharacters": self.EXCLUDED,
                    },
                    "Tags": [{"Key": "Service", "Value": "orders"}],
                },
            },
            "Named": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {"Name": "orders/api-token", "SecretString": "token-1"},
            },
        }

    @staticmethod
    def value(secrets: Any, secret_id: str) -> Any:
        return json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])

    def test_generated_secret_in_the_template(self, aws: Client) -> None:
        stack, secrets = Stack(aws), aws("secretsmanager")
        stack.create(self.resources(), {"Secret": ref("Secret"), "Id": get_att("Secret", "Id")})
        ids = stack.ids()
        arn = ids["Secret"]

        described = secrets.describe_secret(SecretId=arn)
        assert described["ARN"] == arn == stack.outputs()["Secret"] == stack.outputs()["Id"]
        assert described["Name"].startswith("handlers-Secret-")
        assert described["Description"] == "orders database"
        assert described["KmsKeyId"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{ids['Key']}"
        assert described["Tags"] == [{"Key": "Service", "Value": "orders"}]
        value = self.value(secrets, arn)
        assert sorted(value) == ["password", "username"]
        assert value["username"] == "dbadmin"
        assert len(value["password"]) == 24
        assert not set(value["password"]) & set(self.EXCLUDED)

        named = secrets.describe_secret(SecretId="orders/api-token")
        assert named["ARN"] == ids["Named"]
        assert secrets.get_secret_value(SecretId="orders/api-token")["SecretString"] == "token-1"

    def test_updates_keep_the_secret_and_regenerate_only_on_new_settings(self, aws: Client) -> None:
        stack, secrets = Stack(aws), aws("secretsmanager")
        stack.create(self.resources())
        arn = stack.ids()["Secret"]
        password = self.value(secrets, arn)["password"]

        stack.update(self.resources(description="orders database (primary)"))
        assert secrets.describe_secret(SecretId=arn)["Description"] == "orders database (primary)"
        assert self.value(secrets, arn)["password"] == password

        stack.update(self.resources(length=30, description="orders database (primary)"))
        assert stack.ids()["Secret"] == arn
        regenerated = self.value(secrets, arn)
        assert len(regenerated["password"]) == 30
        assert regenerated["username"] == "dbadmin"

    def test_deleting_the_stack_deletes_the_secrets_at_once(self, aws: Client) -> None:
        stack, secrets = Stack(aws), aws("secretsmanager")
        stack.create(self.resources())
        arn = stack.ids()["Secret"]
        stack.delete()
        for secret_id in (arn, "orders/api-token"):
            with pytest.raises(ClientError) as gone:
                secrets.describe_secret(SecretId=secret_id)
            assert error_code(gone) == "ResourceNotFoundException"


class TestSecretTargetAttachment:
    @staticmethod
    def database(identifier: str) -> dict[str, Any]:
        return {
            "Type": "AWS::RDS::DBInstance",
            "Properties": {
                "DBInstanceIdentifier": identifier,
                "Engine": "postgres",
                "EngineVersion": "16.3",
                "DBInstanceClass": "db.t4g.micro",
                "AllocatedStorage": "20",
                "Port": "5433",
                "MasterUsername": "dbadmin",
                "MasterUserPassword": "not-the-secret",
            },
        }

    def resources(
        self, target: str = "Primary", target_type: str = "AWS::RDS::DBInstance"
    ) -> Resources:
        return {
            "Primary": self.database("orders-primary"),
            "Replica": self.database("orders-replica"),
            "Secret": {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {
                    "GenerateSecretString": {
                        "SecretStringTemplate": json.dumps({"username": "dbadmin"}),
                        "GenerateStringKey": "password",
                    }
                },
            },
            "Attachment": {
                "Type": "AWS::SecretsManager::SecretTargetAttachment",
                "Properties": {
                    "SecretId": ref("Secret"),
                    "TargetId": ref(target),
                    "TargetType": target_type,
                },
            },
        }

    def test_the_secret_gets_the_database_connection(self, aws: Client) -> None:
        stack, secrets, rds = Stack(aws), aws("secretsmanager"), aws("rds")
        stack.create(self.resources(), {"Attachment": ref("Attachment")})
        arn = stack.ids()["Secret"]
        (instance,) = rds.describe_db_instances(DBInstanceIdentifier="orders-primary")[
            "DBInstances"
        ]

        value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
        assert {key: value[key] for key in ("engine", "host", "port", "dbInstanceIdentifier")} == {
            "engine": "postgres",
            "host": instance["Endpoint"]["Address"],
            "port": 5433,
            "dbInstanceIdentifier": "orders-primary",
        }
        assert value["username"] == "dbadmin"
        assert len(value["password"]) == 32
        assert stack.outputs() == {"Attachment": arn}

        stack.update(self.resources(target="Replica"))
        moved = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
        assert moved["dbInstanceIdentifier"] == "orders-replica"
        assert moved["host"].startswith("orders-replica.")
        assert moved["password"] == value["password"]

        stack.delete()
        with pytest.raises(ClientError) as gone:
            secrets.describe_secret(SecretId=arn)
        assert error_code(gone) == "ResourceNotFoundException"

    def test_a_target_the_emulator_cannot_read_fails_the_stack(self, aws: Client) -> None:
        resources = self.resources(target_type="AWS::Redshift::Cluster")
        with pytest.raises(
            ClientError, match=r"TargetType AWS::Redshift::Cluster is not supported"
        ):
            Stack(aws).create(resources)


class TestApiStage:
    @staticmethod
    def resources(
        tracing: bool = True,
        level: str = "ERROR",
        variables: dict[str, str] | None = None,
        validate_body: bool = True,
    ) -> Resources:
        return {
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "orders"}},
            "Method": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": ref("Api"),
                    "ResourceId": get_att("Api", "RootResourceId"),
                    "HttpMethod": "GET",
                    "AuthorizationType": "AWS_IAM",
                    "RequestValidatorId": ref("Validator"),
                    "Integration": {
                        "Type": "AWS_PROXY",
                        "IntegrationHttpMethod": "POST",
                        "Uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                        "arn:aws:lambda:us-east-1:123456789012:function:orders/invocations",
                    },
                },
            },
            "Validator": {
                "Type": "AWS::ApiGateway::RequestValidator",
                "Properties": {
                    "RestApiId": ref("Api"),
                    "Name": "body-and-parameters",
                    "ValidateRequestBody": validate_body,
                    "ValidateRequestParameters": True,
                },
            },
            "Deployment": {
                "Type": "AWS::ApiGateway::Deployment",
                "DependsOn": ["Method"],
                "Properties": {"RestApiId": ref("Api")},
            },
            "AccessLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "api"}},
            "Stage": {
                "Type": "AWS::ApiGateway::Stage",
                "Properties": {
                    "RestApiId": ref("Api"),
                    "DeploymentId": ref("Deployment"),
                    "StageName": "v1",
                    "TracingEnabled": tracing,
                    "CacheClusterEnabled": False,
                    "Variables": variables if variables is not None else {"table": "orders"},
                    "AccessLogSetting": {
                        "DestinationArn": {
                            "Fn::Join": [
                                "",
                                [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:", ref("AccessLogs")],
                            ]
                        },
                        "Format": '{"requestId":"$context.requestId"}',
                    },
                    "MethodSettings": [
                        {
                            "ResourcePath": "/*",
                            "HttpMethod": "*",
                            "LoggingLevel": level,
                            "MetricsEnabled": True,
                            "DataTraceEnabled": False,
                            "ThrottlingBurstLimit": 200,
                            "ThrottlingRateLimit": 100,
                        }
                    ],
                },
            },
        }

    OUTPUTS: ClassVar[dict[str, Any]] = {
        "Stage": ref("Stage"),
        "Validator": get_att("Validator", "RequestValidatorId"),
    }

    def test_stage_with_access_logs_tracing_and_method_settings(self, aws: Client) -> None:
        stack, apigateway = Stack(aws), aws("apigateway")
        stack.create(self.resources(), self.OUTPUTS)
        ids = stack.ids()
        api = ids["Api"]

        stage = apigateway.get_stage(restApiId=api, stageName="v1")
        (deployment,) = apigateway.get_deployments(restApiId=api)["items"]
        assert stage["deploymentId"] == deployment["id"]
        assert stage["tracingEnabled"] is True
        assert stage["cacheClusterEnabled"] is False
        assert stage["variables"] == {"table": "orders"}
        assert stage["accessLogSettings"] == {
            "destinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:api",
            "format": '{"requestId":"$context.requestId"}',
        }
        settings = stage["methodSettings"]["*/*"]
        assert {
            key: settings[key] for key in ("loggingLevel", "metricsEnabled", "dataTraceEnabled")
        } == {
            "loggingLevel": "ERROR",
            "metricsEnabled": True,
            "dataTraceEnabled": False,
        }
        assert (settings["throttlingBurstLimit"], settings["throttlingRateLimit"]) == (200, 100.0)

        (validator,) = apigateway.get_request_validators(restApiId=api)["items"]
        assert validator == {
            "id": ids["Validator"],
            "name": "body-and-parameters",
            "validateRequestBody": True,
            "validateRequestParameters": True,
        }
        assert stack.outputs() == {"Stage": "v1", "Validator": validator["id"]}

    def test_updates_patch_the_same_stage_and_validator(self, aws: Client) -> None:
        stack, apigateway = Stack(aws), aws("apigateway")
        stack.create(self.resources())
        ids = stack.ids()

        stack.update(
            self.resources(
                tracing=False, level="INFO", variables={"queue": "q"}, validate_body=False
            )
        )

        assert stack.ids()["Validator"] == ids["Validator"]
        stage = apigateway.get_stage(restApiId=ids["Api"], stageName="v1")
        assert stage["tracingEnabled"] is False
        assert stage["variables"] == {"queue": "q"}
        assert stage["methodSettings"]["*/*"]["loggingLevel"] == "INFO"
        validator = apigateway.get_request_validator(
            restApiId=ids["Api"], requestValidatorId=ids["Validator"]
        )
        assert (validator["validateRequestBody"], validator["validateRequestParameters"]) == (
            False,
            True,
        )

    def test_removing_the_stage_deletes_it(self, aws: Client) -> None:
        stack, apigateway = Stack(aws), aws("apigateway")
        stack.create(self.resources())
        resources = self.resources()
        del resources["Stage"], resources["Validator"]
        del resources["Method"]["Properties"]["RequestValidatorId"]

        stack.update(resources)

        api = stack.ids()["Api"]
        assert apigateway.get_stages(restApiId=api)["item"] == []
        assert apigateway.get_request_validators(restApiId=api)["items"] == []


class TestSecurityGroupEgress:
    """The rule a load balancer's security group gets to reach its targets' (CDK writes one
    ``AWS::EC2::SecurityGroupEgress`` per connection)."""

    @staticmethod
    def resources(port: int) -> Resources:
        def group(name: str) -> dict[str, Any]:
            return {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": name,
                    "VpcId": ref("Vpc"),
                    "SecurityGroupEgress": [{"IpProtocol": "-1", "CidrIp": "255.255.255.255/32"}],
                },
            }

        return {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Balancer": group("balancer"),
            "Service": group("service"),
            "ToService": {
                "Type": "AWS::EC2::SecurityGroupEgress",
                "Properties": {
                    "GroupId": get_att("Balancer", "GroupId"),
                    "IpProtocol": "tcp",
                    "FromPort": port,
                    "ToPort": port,
                    "DestinationSecurityGroupId": get_att("Service", "GroupId"),
                    "Description": "Load balancer to target",
                },
            },
            "ToTheWorld": {
                "Type": "AWS::EC2::SecurityGroupEgress",
                "Properties": {
                    "GroupId": get_att("Service", "GroupId"),
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "CidrIp": "0.0.0.0/0",
                },
            },
        }

    @staticmethod
    def egress(aws: Client, ids: dict[str, str], group: str) -> list[tuple[Any, ...]]:
        (found,) = aws("ec2").describe_security_groups(GroupIds=[ids[group]])["SecurityGroups"]
        return sorted(
            (
                p.get("FromPort"),
                tuple(g["GroupId"] for g in p.get("UserIdGroupPairs", [])),
                tuple(r["CidrIp"] for r in p.get("IpRanges", [])),
            )
            for p in found["IpPermissionsEgress"]
            if p["IpProtocol"] == "tcp"
        )

    def test_egress_rules_are_added_replaced_and_revoked(self, aws: Client) -> None:
        stack = Stack(aws)
        stack.create(self.resources(port=80))
        ids = stack.ids()
        assert ids["ToService"].startswith("sgr-")
        assert self.egress(aws, ids, "Balancer") == [(80, (ids["Service"],), ())]
        assert self.egress(aws, ids, "Service") == [(443, (), ("0.0.0.0/0",))]
        stack.update(self.resources(port=8080))
        assert self.egress(aws, ids, "Balancer") == [(8080, (ids["Service"],), ())]
        stack.update({k: v for k, v in self.resources(port=8080).items() if k != "ToService"})
        assert self.egress(aws, ids, "Balancer") == []
        stack.delete()
        assert (
            aws("ec2").describe_security_groups(
                Filters=[{"Name": "vpc-id", "Values": [ids["Vpc"]]}]
            )["SecurityGroups"]
            == []
        )


class TestScheduler:
    @staticmethod
    def resources(expression: str) -> Resources:
        return {
            **TOPIC,
            "Role": role("scheduler.amazonaws.com"),
            "Group": {
                "Type": "AWS::Scheduler::ScheduleGroup",
                "Properties": {"Name": "orders", "Tags": [{"Key": "Service", "Value": "orders"}]},
            },
            "Nightly": {
                "Type": "AWS::Scheduler::Schedule",
                "Properties": {
                    "Name": "nightly-report",
                    "GroupName": ref("Group"),
                    "ScheduleExpression": expression,
                    "ScheduleExpressionTimezone": "Europe/Berlin",
                    "FlexibleTimeWindow": {"Mode": "OFF"},
                    "Target": {
                        "Arn": ref("Topic"),
                        "RoleArn": get_att("Role", "Arn"),
                        "Input": '{"report": "orders"}',
                    },
                    "State": "ENABLED",
                },
            },
        }

    OUTPUTS: ClassVar[dict[str, Any]] = {
        "Schedule": get_att("Nightly", "Arn"),
        "Group": get_att("Group", "Arn"),
    }

    def test_a_schedule_in_its_group_is_made_updated_and_deleted(self, aws: Client) -> None:
        stack, scheduler = Stack(aws), aws("scheduler")
        stack.create(self.resources("cron(0 3 * * ? *)"), self.OUTPUTS)
        schedule = scheduler.get_schedule(GroupName="orders", Name="nightly-report")
        assert schedule["ScheduleExpression"] == "cron(0 3 * * ? *)"
        assert schedule["ScheduleExpressionTimezone"] == "Europe/Berlin"
        assert schedule["Target"]["Arn"] == stack.ids()["Topic"]
        assert stack.outputs() == {
            "Schedule": schedule["Arn"],
            "Group": scheduler.get_schedule_group(Name="orders")["Arn"],
        }
        stack.update(self.resources("rate(1 hour)"), self.OUTPUTS)
        schedule = scheduler.get_schedule(GroupName="orders", Name="nightly-report")
        assert schedule["ScheduleExpression"] == "rate(1 hour)"
        stack.delete()
        assert scheduler.list_schedules()["Schedules"] == []
        assert [g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]] == [
            "default"
        ]


def test_a_failed_update_keeps_the_old_properties() -> None:
    """An update that raises leaves the resource as it was: a retry fails again instead of
    comparing the new properties with themselves and passing as unchanged."""
    from org_constructs.tooling.local._handlers._base import _Handler

    class Refuses(_Handler):
        TYPE = "Test::Refuses::Update"

        def update(self, previous: dict[str, Any]) -> None:
            raise ValueError("cannot change Size in place")

    made = Refuses("Made", {"Size": 1}, ACCOUNT, REGION)
    with pytest.raises(ValueError, match="cannot change Size"):
        Refuses.update_from_cloudformation_json(
            made, "Made", {"Properties": {"Size": 2}}, ACCOUNT, REGION
        )
    assert made.properties == {"Size": 1}
