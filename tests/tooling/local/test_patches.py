"""The emulator's fixes of moto's CloudFormation, in-process: stacks deployed through change
sets (as the CDK CLI deploys them) on ``moto.mock_aws``, what they made read back through each
service's own API.

The ``aws`` fixture (``conftest.py``) imports ``_patches``, which patches moto in this process
for the rest of the session, as the emulator's server does for its own. Each test takes a
second at most.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.tooling.local.conftest import ACCOUNT, REGION, Client, Resources
from tests.tooling.local.test_handlers import get_att, ref

CERTIFICATE_ARN = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0a1b2c3d-1111-2222-3333-444455556666"


class ChangeSetStack:
    """A stack deployed as the CDK CLI deploys one: a change set, created then executed."""

    def __init__(self, aws: Client, name: str = "patched") -> None:
        self.cloudformation = aws("cloudformation")
        self.name = name
        self.deployments = 0

    def deploy(
        self, resources: Resources, outputs: dict[str, Any] | None = None, **sections: Any
    ) -> str:
        """Create and execute a change set (the template's other ``sections`` too, such as
        ``Parameters``); the stack's status after it."""
        body = {"Resources": resources, **sections}
        if outputs:
            body["Outputs"] = {key: {"Value": value} for key, value in outputs.items()}
        self.deployments += 1
        change_set = f"deploy-{self.deployments}"
        self.cloudformation.create_change_set(
            StackName=self.name,
            ChangeSetName=change_set,
            TemplateBody=json.dumps(body),
            ChangeSetType="CREATE" if self.deployments == 1 else "UPDATE",
        )
        self.cloudformation.execute_change_set(StackName=self.name, ChangeSetName=change_set)
        return self.status()

    def status(self) -> str:
        return str(self.describe()["StackStatus"])

    def describe(self) -> dict[str, Any]:
        stack: dict[str, Any] = self.cloudformation.describe_stacks(StackName=self.name)["Stacks"][
            0
        ]
        return stack

    def held(self) -> dict[str, str]:
        """The physical id of each resource the stack holds, by logical id."""
        found = self.cloudformation.list_stack_resources(StackName=self.name)
        return {
            r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
            for r in found["StackResourceSummaries"]
        }

    def outputs(self) -> dict[str, str]:
        return {o["OutputKey"]: o["OutputValue"] for o in self.describe().get("Outputs", [])}

    def failed_events(self) -> list[tuple[str, str, str]]:
        events = self.cloudformation.describe_stack_events(StackName=self.name)["StackEvents"]
        return [
            (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
            for e in events
            if e["ResourceStatus"].endswith("_FAILED")
        ]


def queue(name: str) -> dict[str, Any]:
    return {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name}}


def alarm(metric: str, namespace: str, dimensions: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            "Statistic": "Sum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        },
    }


NETWORK: Resources = {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
    **{
        f"Subnet{zone.upper()}": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": ref("Vpc"),
                "CidrBlock": f"10.0.{index}.0/24",
                "AvailabilityZone": f"{REGION}{zone}",
            },
        }
        for index, zone in enumerate("ab")
    },
}


def load_balancer(kind: str) -> Resources:
    """A load balancer of ``kind`` (application or network) forwarding to a target group."""
    protocol = {"application": "HTTPS", "network": "TLS"}[kind]
    return {
        **NETWORK,
        "Balancer": {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Properties": {"Type": kind, "Subnets": [ref("SubnetA"), ref("SubnetB")]},
        },
        "Targets": {
            "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
            "Properties": {
                "VpcId": ref("Vpc"),
                "Port": 80,
                "Protocol": "HTTP" if kind == "application" else "TCP",
                "TargetType": "ip",
            },
        },
        "Listener": {
            "Type": "AWS::ElasticLoadBalancingV2::Listener",
            "Properties": {
                "LoadBalancerArn": ref("Balancer"),
                "Port": 443,
                "Protocol": protocol,
                "Certificates": [{"CertificateArn": CERTIFICATE_ARN}],
                "DefaultActions": [{"Type": "forward", "TargetGroupArn": ref("Targets")}],
            },
        },
    }


class TestLoadBalancerAttributes:
    """The crash of the issue: an alarm on a target group's metric, by ``Fn::GetAtt``."""

    def test_alarms_name_the_target_group_and_balancer_the_service_lists(self, aws: Client) -> None:
        stack = ChangeSetStack(aws)
        dimensions = {
            "TargetGroup": get_att("Targets", "TargetGroupFullName"),
            "LoadBalancer": get_att("Balancer", "LoadBalancerFullName"),
        }
        status = stack.deploy(
            {
                **load_balancer("application"),
                "Target5xx": alarm("HTTPCode_Target_5XX_Count", "AWS/ApplicationELB", dimensions),
                "Unhealthy": alarm("UnHealthyHostCount", "AWS/ApplicationELB", dimensions),
            },
            outputs={
                "TargetGroupName": get_att("Targets", "TargetGroupName"),
                "LoadBalancers": {"Fn::Join": [",", get_att("Targets", "LoadBalancerArns")]},
                "Zone": get_att("Balancer", "CanonicalHostedZoneID"),
                "ListenerArn": get_att("Listener", "ListenerArn"),
            },
        )
        assert status == "CREATE_COMPLETE"
        elbv2 = aws("elbv2")
        (group,) = elbv2.describe_target_groups()["TargetGroups"]
        (balancer,) = elbv2.describe_load_balancers()["LoadBalancers"]
        expected = [
            {"Name": "TargetGroup", "Value": group["TargetGroupArn"].split(":")[-1]},
            {
                "Name": "LoadBalancer",
                "Value": balancer["LoadBalancerArn"].split("loadbalancer/")[1],
            },
        ]
        alarms = aws("cloudwatch").describe_alarms()["MetricAlarms"]
        assert [a["Dimensions"] for a in alarms] == [expected, expected]
        assert expected[0]["Value"].startswith("targetgroup/")
        assert expected[1]["Value"].startswith("app/")
        (listener,) = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])[
            "Listeners"
        ]
        assert stack.outputs() == {
            "TargetGroupName": group["TargetGroupName"],
            "LoadBalancers": balancer["LoadBalancerArn"],
            "Zone": balancer["CanonicalHostedZoneId"],
            "ListenerArn": listener["ListenerArn"],
        }

    def test_a_network_load_balancer_is_one_and_takes_a_tls_listener(self, aws: Client) -> None:
        stack = ChangeSetStack(aws)
        assert stack.deploy(load_balancer("network")) == "CREATE_COMPLETE"
        elbv2 = aws("elbv2")
        (balancer,) = elbv2.describe_load_balancers()["LoadBalancers"]
        assert balancer["Type"] == "network"
        (listener,) = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])[
            "Listeners"
        ]
        assert (listener["Protocol"], listener["Certificates"]) == (
            "TLS",
            [{"CertificateArn": CERTIFICATE_ARN}],
        )


class TestSiblingAttributes:
    """``Fn::GetAtt`` and ``Ref`` of the ECS, Step Functions and EventBridge types."""

    def test_ecs_step_functions_and_event_bus_answer_as_cloudformation_does(
        self, aws: Client
    ) -> None:
        stack = ChangeSetStack(aws)
        status = stack.deploy(
            {
                "Cluster": {"Type": "AWS::ECS::Cluster"},
                "Task": {
                    "Type": "AWS::ECS::TaskDefinition",
                    "Properties": {
                        "Family": "orders",
                        "Memory": "512",
                        "ContainerDefinitions": [{"Name": "app", "Image": "nginx"}],
                    },
                },
                "Service": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "Cluster": ref("Cluster"),
                        "TaskDefinition": ref("Task"),
                        "DesiredCount": 1,
                    },
                },
                "Machine": {
                    "Type": "AWS::StepFunctions::StateMachine",
                    "Properties": {
                        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/machine",
                        "DefinitionString": json.dumps(
                            {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
                        ),
                    },
                },
                "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
                "OnBus": {
                    "Type": "AWS::Events::Rule",
                    "Properties": {
                        "EventBusName": ref("Bus"),
                        "EventPattern": {"source": ["orders"]},
                    },
                },
            },
            outputs={
                "ServiceArn": get_att("Service", "ServiceArn"),
                "ServiceName": get_att("Service", "Name"),
                "TaskDefinitionArn": get_att("Task", "TaskDefinitionArn"),
                "MachineArn": get_att("Machine", "Arn"),
                "MachineName": get_att("Machine", "Name"),
                "Bus": ref("Bus"),
                "RuleArn": get_att("OnBus", "Arn"),
            },
        )
        assert status == "CREATE_COMPLETE"
        ecs, sfn = aws("ecs"), aws("stepfunctions")
        (cluster,) = ecs.list_clusters()["clusterArns"]
        (service,) = ecs.list_services(cluster=cluster)["serviceArns"]
        (machine,) = sfn.list_state_machines()["stateMachines"]
        (rule,) = aws("events").list_rules(EventBusName="orders")["Rules"]
        assert stack.outputs() == {
            "ServiceArn": service,
            "ServiceName": service.rsplit("/", 1)[1],
            "TaskDefinitionArn": ecs.list_task_definitions()["taskDefinitionArns"][0],
            "MachineArn": machine["stateMachineArn"],
            "MachineName": machine["name"],
            "Bus": "orders",
            "RuleArn": rule["Arn"],
        }


HALF_MADE: Resources = {
    "First": queue("first"),
    "Broken": {
        "Type": "AWS::SNS::Topic",
        "Properties": {"DisplayName": get_att("First", "NoSuchAttribute")},
    },
    "Later": queue("later"),
}
"""A template the emulator makes only the first resource of (its second fails)."""


class TestFailedChangeSets:
    """A change set that cannot be applied fails its stack, naming the resource and why,
    instead of being reported complete with the rest left out."""

    def test_the_stack_fails_and_its_events_name_the_resource(self, aws: Client) -> None:
        stack = ChangeSetStack(aws)
        assert stack.deploy(HALF_MADE) == "CREATE_FAILED"
        reason = "resource First does not support attribute type NoSuchAttribute in Fn::GetAtt"
        events = stack.failed_events()
        assert ("Broken", "CREATE_FAILED") in [(name, status) for name, status, _ in events]
        assert all(reason in why for _, _, why in events), events
        assert "failed to create: [Broken]" in stack.describe()["StackStatusReason"]

    def test_what_was_not_made_is_not_listed_and_listing_makes_nothing(self, aws: Client) -> None:
        stack = ChangeSetStack(aws)
        stack.deploy(HALF_MADE)
        assert set(stack.held()) == {"First"}, "made in the template's order, up to Broken"
        assert set(stack.held()) == {"First"}, "reading the stack made nothing"
        queues = [url.rsplit("/", 1)[1] for url in aws("sqs").list_queues()["QueueUrls"]]
        assert queues == ["first"]

    def test_a_failed_change_set_cannot_be_executed_again(self, aws: Client) -> None:
        stack = ChangeSetStack(aws)
        stack.deploy(HALF_MADE)
        with pytest.raises(ClientError, match="InvalidChangeSetStatus"):
            stack.cloudformation.execute_change_set(StackName=stack.name, ChangeSetName="deploy-1")
        assert stack.status() == "CREATE_FAILED"

    def test_an_output_that_cannot_be_resolved_fails_the_stack(self, aws: Client) -> None:
        stack = ChangeSetStack(aws)
        status = stack.deploy({"First": queue("first")}, {"Name": get_att("First", "Nothing")})
        assert status == "CREATE_FAILED"
        assert stack.describe()["StackStatusReason"].startswith("Output Name could not be")
        assert stack.outputs() == {}

    def test_a_function_the_emulator_does_not_resolve_fails_the_stack(self, aws: Client) -> None:
        """Not kept as it is in the value (moto keeps the function's object there)."""
        stack = ChangeSetStack(aws)
        cidr = {"Fn::Select": [0, {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}]}
        assert stack.deploy({"First": queue("first")}, {"Block": cidr}) == "CREATE_FAILED"
        assert "the emulator does not resolve Fn::Cidr" in stack.describe()["StackStatusReason"]

    def test_a_failed_update_is_update_failed_and_the_next_deploy_makes_the_rest(
        self, aws: Client
    ) -> None:
        stack = ChangeSetStack(aws)
        assert stack.deploy({"First": queue("first")}) == "CREATE_COMPLETE"
        assert stack.deploy({**HALF_MADE, "Later": queue("later")}) == "UPDATE_FAILED"
        fixed = {**HALF_MADE, "Broken": {"Type": "AWS::SNS::Topic"}}
        assert stack.deploy(fixed) == "UPDATE_COMPLETE"
        assert {"First", "Broken", "Later"} <= set(stack.held())

    def test_a_change_a_failed_update_did_not_make_is_made_by_the_next(self, aws: Client) -> None:
        def watching(threshold: int) -> dict[str, Any]:
            made = alarm("ApproximateAgeOfOldestMessage", "AWS/SQS", {"QueueName": "first"})
            made["Properties"] |= {"AlarmName": "first-age", "Threshold": threshold}
            return made

        stack, cloudwatch = ChangeSetStack(aws), aws("cloudwatch")
        stack.deploy({"First": queue("first"), "Age": watching(60)})
        assert stack.deploy({**HALF_MADE, "Age": watching(300)}) == "UPDATE_FAILED"
        (age,) = cloudwatch.describe_alarms(AlarmNames=["first-age"])["MetricAlarms"]
        assert age["Threshold"] == 60, "the new resource failed before the change was made"
        fixed = {**HALF_MADE, "Broken": {"Type": "AWS::SNS::Topic"}, "Age": watching(300)}
        assert stack.deploy(fixed) == "UPDATE_COMPLETE"
        (age,) = cloudwatch.describe_alarms(AlarmNames=["first-age"])["MetricAlarms"]
        assert age["Threshold"] == 300


class TestImports:
    """What a template names by ARN or id but does not make exists in the emulator."""

    def test_an_imported_certificate_and_hosted_zone_are_made_under_their_ids(
        self, aws: Client
    ) -> None:
        stack = ChangeSetStack(aws)
        status = stack.deploy(
            {
                **load_balancer("application"),
                "Www": {
                    "Type": "AWS::Route53::RecordSet",
                    "Properties": {
                        "HostedZoneId": "Z0EXAMPLE12345",
                        "Name": "www.example.com.",
                        "Type": "A",
                        "AliasTarget": {
                            "DNSName": get_att("Balancer", "DNSName"),
                            "HostedZoneId": get_att("Balancer", "CanonicalHostedZoneID"),
                        },
                    },
                },
                "Api": {
                    "Type": "AWS::Route53::RecordSet",
                    "Properties": {
                        "HostedZoneName": "example.org.",
                        "Name": "api.example.org.",
                        "Type": "CNAME",
                        "TTL": "300",
                        "ResourceRecords": ["api.example.net"],
                    },
                },
            }
        )
        assert status == "CREATE_COMPLETE"
        certificate = aws("acm").describe_certificate(CertificateArn=CERTIFICATE_ARN)
        assert certificate["Certificate"]["Status"] == "ISSUED"
        route53 = aws("route53")
        zone = route53.get_hosted_zone(Id="Z0EXAMPLE12345")["HostedZone"]
        records = route53.list_resource_record_sets(HostedZoneId="Z0EXAMPLE12345")
        assert ("www.example.com.", "A") in [
            (r["Name"], r["Type"]) for r in records["ResourceRecordSets"]
        ]
        assert zone["Name"] == "www.example.com."
        by_name = route53.list_hosted_zones_by_name(DNSName="example.org.")["HostedZones"]
        assert [z["Name"] for z in by_name][:1] == ["example.org."]

    def test_a_held_import_is_not_made_again(self, aws: Client) -> None:
        zone = aws("route53").create_hosted_zone(Name="example.org.", CallerReference="mine")
        stack = ChangeSetStack(aws)
        record = {
            "Type": "AWS::Route53::RecordSet",
            "Properties": {
                "HostedZoneName": "example.org.",
                "Name": "api.example.org.",
                "Type": "CNAME",
                "TTL": "300",
                "ResourceRecords": ["api.example.net"],
            },
        }
        assert stack.deploy({"Api": record}) == "CREATE_COMPLETE"
        zones = aws("route53").list_hosted_zones()["HostedZones"]
        assert [z["Id"] for z in zones] == [zone["HostedZone"]["Id"]]
