"""The emulator's container handlers, in-process (``moto.mock_aws`` with the emulator's
handlers and fixes): a Fargate service behind an Application Load Balancer, as aws-cdk-lib
synthesizes it (``tests/tooling/container_service_app.py``), deployed through a change set
and read back through ECS, Elastic Load Balancing, Application Auto Scaling and WAF; updated,
deleted, and what the deploy report says of it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.tooling.container_service_app import container_service_template
from tests.tooling.local.conftest import ACCOUNT, Client, Resources
from tests.tooling.local.test_patches import ChangeSetStack
from tests.tooling.local.test_report import deployed, report_of

CONTAINER_TYPES = (
    "AWS::ECS::Cluster",
    "AWS::ECS::TaskDefinition",
    "AWS::ECS::Service",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
    "AWS::WAFv2::LoggingConfiguration",
)


def service_resources() -> tuple[Resources, dict[str, Any]]:
    """The service's resources, and its outputs as values."""
    template = container_service_template(account=ACCOUNT)
    outputs = {key: output["Value"] for key, output in template.get("Outputs", {}).items()}
    return template["Resources"], outputs


def of_type(resources: Resources, kind: str) -> list[str]:
    return [logical_id for logical_id, r in resources.items() if r["Type"] == kind]


def the_service(aws: Client) -> dict[str, Any]:
    ecs = aws("ecs")
    (cluster,) = ecs.list_clusters()["clusterArns"]
    (arn,) = ecs.list_services(cluster=cluster)["serviceArns"]
    (service,) = ecs.describe_services(cluster=cluster, services=[arn])["services"]
    return dict(service)


def test_the_service_is_made_as_the_template_declares_it(aws: Client, tmp_path: Path) -> None:
    resources, outputs = service_resources()
    assert {r["Type"] for r in resources.values()} >= set(CONTAINER_TYPES)
    stack, assembly = deployed(aws, tmp_path, resources, outputs)
    assert stack.status() == "CREATE_COMPLETE", stack.describe().get("StackStatusReason")

    ecs, elbv2 = aws("ecs"), aws("elbv2")
    (cluster,) = ecs.describe_clusters(
        clusters=ecs.list_clusters()["clusterArns"], include=["SETTINGS"]
    )["clusters"]
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    service = the_service(aws)
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])[
        "taskDefinition"
    ]
    assert (definition["cpu"], definition["memory"], definition["networkMode"]) == (
        "512",
        "1024",
        "awsvpc",
    )
    assert definition["runtimePlatform"]["cpuArchitecture"] == "ARM64"
    assert definition["requiresCompatibilities"] == ["FARGATE"]
    assert definition["containerDefinitions"][0]["image"] == "public.ecr.aws/nginx/nginx:latest"
    assert (service["launchType"], service["desiredCount"]) == ("FARGATE", 2)
    (group,) = elbv2.describe_target_groups()["TargetGroups"]
    assert [b["targetGroupArn"] for b in service["loadBalancers"]] == [group["TargetGroupArn"]]
    subnets = service["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    assert len(subnets) == 2
    assert service["deploymentConfiguration"]["alarms"] == {
        "alarmNames": ["web-5xx"],
        "enable": True,
        "rollback": True,
    }

    (balancer,) = elbv2.describe_load_balancers()["LoadBalancers"]
    assert (balancer["Type"], balancer["Scheme"]) == ("application", "internet-facing")
    attributes = {
        pair["Key"]: pair["Value"]
        for pair in elbv2.describe_load_balancer_attributes(
            LoadBalancerArn=balancer["LoadBalancerArn"]
        )["Attributes"]
    }
    (bucket,) = [
        b["Name"] for b in aws("s3").list_buckets()["Buckets"] if "accesslogs" in b["Name"]
    ]
    assert (attributes["access_logs.s3.enabled"], attributes["access_logs.s3.bucket"]) == (
        "true",
        bucket,
    )
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    assert sorted((item["Protocol"], item["Port"]) for item in listeners) == [
        ("HTTP", 80),
        ("HTTPS", 443),
    ]
    (https,) = [item for item in listeners if item["Port"] == 443]
    rules = elbv2.describe_rules(ListenerArn=https["ListenerArn"])["Rules"]
    assert [
        (condition["Field"], condition["PathPatternConfig"]["Values"])
        for rule in rules
        if not rule["IsDefault"]
        for condition in rule["Conditions"]
    ] == [("path-pattern", ["/health"])]

    autoscaling = aws("application-autoscaling")
    (target,) = autoscaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert target["ResourceId"] == f"service/{cluster['clusterName']}/{service['serviceName']}"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)
    policies = autoscaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    assert sorted(
        p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
            "PredefinedMetricType"
        ]
        for p in policies
    ) == ["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization"]

    acl = aws("wafv2").get_web_acl_for_resource(ResourceArn=balancer["LoadBalancerArn"])["WebACL"]
    assert [rule["Name"] for rule in acl["Rules"]] == ["common"]
    logging = aws("wafv2").get_logging_configuration(ResourceArn=acl["ARN"])
    assert logging["LoggingConfiguration"]["LogDestinationConfigs"][0].endswith(
        ":log-group:aws-waf-logs-web"
    )

    report = report_of(assembly)
    assert report.complete, report.failure()
    assert report.made == report.resources
    assert "skipped by the emulator (no CloudFormation support; nothing was made): none" in (
        report.text
    )
    for kind in CONTAINER_TYPES:
        count = len(of_type(resources, kind))
        assert f"lists {count} of {count}" in next(
            line for line in report.text.splitlines() if f" x {kind} " in line
        ), kind


def test_a_new_task_size_and_minimum_change_the_same_service(aws: Client) -> None:
    resources, _ = service_resources()
    stack = ChangeSetStack(aws, "containers")
    assert stack.deploy(resources) == "CREATE_COMPLETE", stack.failed_events()
    before = the_service(aws)
    changed = copy.deepcopy(resources)
    (task,) = of_type(changed, "AWS::ECS::TaskDefinition")
    changed[task]["Properties"]["Cpu"] = "1024"
    changed[task]["Properties"]["Memory"] = "2048"
    (target,) = of_type(changed, "AWS::ApplicationAutoScaling::ScalableTarget")
    changed[target]["Properties"]["MinCapacity"] = 3
    assert stack.deploy(changed) == "UPDATE_COMPLETE", stack.failed_events()
    after = the_service(aws)
    assert after["serviceArn"] == before["serviceArn"]
    assert after["taskDefinition"] != before["taskDefinition"]
    ecs = aws("ecs")
    definition = ecs.describe_task_definition(taskDefinition=after["taskDefinition"])
    assert (definition["taskDefinition"]["cpu"], definition["taskDefinition"]["memory"]) == (
        "1024",
        "2048",
    )
    old = ecs.describe_task_definition(taskDefinition=before["taskDefinition"])
    assert old["taskDefinition"]["status"] == "INACTIVE"
    (scalable,) = aws("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")[
        "ScalableTargets"
    ]
    assert scalable["MinCapacity"] == 3


def test_deleting_the_stack_removes_what_it_made(aws: Client) -> None:
    resources, _ = service_resources()
    stack = ChangeSetStack(aws, "containers")
    assert stack.deploy(resources) == "CREATE_COMPLETE", stack.failed_events()
    (balancer,) = aws("elbv2").describe_load_balancers()["LoadBalancers"]
    stack.cloudformation.delete_stack(StackName=stack.name)
    autoscaling = aws("application-autoscaling")
    assert autoscaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []
    assert autoscaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"] == []
    assert aws("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"] == []
    assert aws("wafv2").list_logging_configurations(Scope="REGIONAL")["LoggingConfigurations"] == []
    association = aws("wafv2").get_web_acl_for_resource(ResourceArn=balancer["LoadBalancerArn"])
    assert association.get("WebACL") is None
    ecs = aws("ecs")
    services = [
        service
        for cluster in ecs.list_clusters()["clusterArns"]
        for service in ecs.describe_services(
            cluster=cluster, services=ecs.list_services(cluster=cluster)["serviceArns"] or ["x"]
        )["services"]
    ]
    assert all(service["status"] == "INACTIVE" for service in services)


@pytest.mark.parametrize(
    ("kind", "call"),
    [
        ("AWS::ApplicationAutoScaling::ScalableTarget", "DescribeScalableTargets"),
        ("AWS::WAFv2::WebACLAssociation", "GetWebACLForResource"),
    ],
)
def test_the_report_says_what_the_service_api_no_longer_lists(
    aws: Client, tmp_path: Path, kind: str, call: str
) -> None:
    """A resource the stack holds that its service's API does not list is missing: the report
    asks the API, it does not take the stack's word."""
    resources, outputs = service_resources()
    _, assembly = deployed(aws, tmp_path, resources, outputs)
    if kind == "AWS::WAFv2::WebACLAssociation":
        (balancer,) = aws("elbv2").describe_load_balancers()["LoadBalancers"]
        aws("wafv2").disassociate_web_acl(ResourceArn=balancer["LoadBalancerArn"])
    else:
        (target,) = aws("application-autoscaling").describe_scalable_targets(
            ServiceNamespace="ecs"
        )["ScalableTargets"]
        aws("application-autoscaling").deregister_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=target["ResourceId"],
            ScalableDimension=target["ScalableDimension"],
        )
    report = report_of(assembly)
    assert not report.complete
    (missing,) = report.missing
    assert missing.resource_type == kind
    assert f"but {call} does not list it" in missing.why


@pytest.mark.e2e
def test_local_deploy_of_a_container_service_makes_and_verifies_it_whole(tmp_path: Path) -> None:
    """``org-cdk local deploy`` of an app with the container service: the CDK CLI deploys it
    to the emulator, nothing is skipped, and each container resource is listed by its
    service's API."""
    from tests.support import ROOT, org_cdk_in_process
    from tests.tooling.local.test_cli import small_app

    app = small_app(
        tmp_path / "app",
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from tests.tooling.container_service_app import container_service\n"
        'container_service(cdk.Stack(app, "Web-dev", env=env))\n',
    )
    result = org_cdk_in_process(
        "local", "deploy", str(app), "--stage", "dev", "--output", str(tmp_path / "cdk.out")
    )
    assert result.exit_code == 0, result.output
    assert "stack Web-dev: CREATE_COMPLETE" in result.stdout
    assert "skipped by the emulator (no CloudFormation support; nothing was made): none" in (
        result.stdout
    )
    for kind, call, count in (
        ("AWS::ECS::Service", "ListServices", 1),
        ("AWS::ECS::TaskDefinition", "ListTaskDefinitions", 1),
        ("AWS::ElasticLoadBalancingV2::ListenerRule", "DescribeRules", 1),
        ("AWS::ApplicationAutoScaling::ScalableTarget", "DescribeScalableTargets", 1),
        ("AWS::ApplicationAutoScaling::ScalingPolicy", "DescribeScalingPolicies", 2),
        ("AWS::WAFv2::WebACLAssociation", "GetWebACLForResource", 1),
    ):
        assert f"{kind:45s} created; {call} lists {count} of {count}" in result.stdout, kind
    assert "deployment alarms web-5xx" in result.stdout
