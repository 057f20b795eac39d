"""ContainerService: stage defaults, the load balancer, the tasks, releases that roll back,
validation, pinned logical ids and the compliance packs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Duration, Environment, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Template
from constructs import Construct

from org_constructs import (
    AbstractStack,
    AlarmSettings,
    AlarmTopic,
    ContainerService,
    ContainerServiceConfig,
    EnvironmentConfig,
    MonitoredFunction,
    ReleaseStrategy,
    ServiceMonitoring,
    StandardVpc,
    ValidationError,
)
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.contract import ACKNOWLEDGED, TEMPLATE_KEY
from org_constructs.core import LoadBalancedService
from org_constructs.testing import find_resources, template_of
from tests.support import gate_findings, make_app

IMAGE_NAME = "public.ecr.aws/nginx/nginx:latest"
CERTIFICATE = "arn:aws:acm:us-east-1:333333333333:certificate/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"
LOG_GROUP, LOG_KEY = "WebLogGroup1664F270", "WebLogKey5BBC6EB6"
ACCESS_LOGS, ACCESS_LOGS_LOGS = "WebAccessLogsBucketB1042E04", "WebAccessLogs57F2E50D"
LOAD_BALANCER, TARGET_GROUP = "WebLoadBalancer8E8983B1", "WebTargetGroupFE6444AE"
WRITABLE_REASON = "nginx writes its pid file and cache under /var; no volume holds them."
ROOT_REASON = "The vendor's image binds port 80 and switches users itself at start."
Build = Callable[[Stack], ContainerService]


def image() -> ecs.ContainerImage:
    return ecs.ContainerImage.from_registry(IMAGE_NAME)


def certificate(scope: Construct) -> acm.ICertificate:
    return acm.Certificate.from_certificate_arn(scope, "Certificate", CERTIFICATE)


class ServiceStack(AbstractStack):
    """A stack holding what ``build`` makes."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, build: Build
    ) -> None:
        self._build = build
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        self.web = self._build(self)


def default_service(stack: Stack) -> ContainerService:
    """The docs' minimal call: dev serves plain HTTP."""
    return ContainerService(stack, "Web", vpc=StandardVpc(stack, "Network"), image=image())


def secured_service(stack: Stack) -> ContainerService:
    return ContainerService(
        stack,
        "Web",
        vpc=StandardVpc(stack, "Network"),
        image=image(),
        certificate=certificate(stack),
    )


def full_service(stack: Stack) -> ContainerService:
    """Every option."""
    network = StandardVpc(stack, "Network")
    hook = MonitoredFunction(
        stack,
        "Hook",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {}"),
        handler="index.handler",
    ).alias
    password = ssm.StringParameter.from_secure_string_parameter_attributes(
        stack, "DatabasePassword", parameter_name="/shop/database-password"
    )
    return ContainerService(
        stack,
        "Web",
        vpc=network,
        image=image(),
        container_port=8000,
        cpu=2048,
        memory_mib=8192,
        environment={"LOG_LEVEL": "info"},
        secrets={"DATABASE_PASSWORD": ecs.Secret.from_ssm_parameter(password)},
        command=["gunicorn", "app:app"],
        health_check=ecs.HealthCheck(command=["CMD-SHELL", "curl -f http://localhost:8000/"]),
        health_check_path="/health",
        internet_facing=False,
        certificate=certificate(stack),
        user="2000:2000",
        min_capacity=3,
        max_capacity=12,
        cpu_target_percent=50,
        requests_per_target=500,
        strategy=ReleaseStrategy.LINEAR,
        traffic_percent=20,
        step_bake_time=Duration.minutes(3),
        bake_time=Duration.minutes(15),
        lifecycle_hook=hook,
        lifecycle_stages=[ecs.DeploymentLifecycleStage.POST_SCALE_UP],
        rollback_alarms={"target_5xx_rate": AlarmSettings(threshold=2)},
        alarm_topic=AlarmTopic(stack, "Alarms"),
        service_name="shop",
        load_balancer_name="shop-web",
        deletion_protection=True,
        waf=True,
        waf_rate_limit=1000,
        log_retention=logs.RetentionDays.SIX_MONTHS,
    )


def blue_green_service(stack: Stack) -> ContainerService:
    return ContainerService(
        stack,
        "Web",
        vpc=StandardVpc(stack, "Network"),
        image=image(),
        certificate=certificate(stack),
        strategy="blue_green",
        bake_time=Duration.minutes(5),
    )


def opted_out_service(stack: Stack) -> ContainerService:
    return ContainerService(
        stack,
        "Web",
        vpc=StandardVpc(stack, "Network"),
        image=image(),
        container_port=80,
        read_only_root_filesystem=False,
        read_only_root_filesystem_reason=WRITABLE_REASON,
        run_as_root=True,
        run_as_root_reason=ROOT_REASON,
        waf=False,
    )


def from_setting(stack: Stack) -> ContainerService:
    """Production with the certificate from the environment's setting."""
    return ContainerService(stack, "Web", vpc=StandardVpc(stack, "Network"), image=image())


def monitored_service(stack: Stack) -> ContainerService:
    monitoring = ServiceMonitoring(
        stack, "Monitoring", service_name="shop", alarm_topic=AlarmTopic(stack, "Alarms")
    )
    return ContainerService(
        stack,
        "Web",
        vpc=StandardVpc(stack, "Network"),
        image=image(),
        certificate=certificate(stack),
        monitoring=monitoring,
    )


VARIANTS: dict[str, tuple[str, Build]] = {
    "dev": ("dev", default_service),
    "staging": ("staging", secured_service),
    "production": ("production", secured_service),
    "full": ("production", full_service),
    "blue-green": ("staging", blue_green_service),
    "opt-outs": ("dev", opted_out_service),
    "setting": ("production-setting", from_setting),
    "monitored": ("staging", monitored_service),
}


@pytest.fixture(scope="module")
def configs(environments: dict[str, EnvironmentConfig]) -> dict[str, EnvironmentConfig]:
    production = environments["production"]
    with_setting = dataclasses.replace(production, settings={"certificate_arn": CERTIFICATE})
    return {**environments, "production-setting": with_setting}


@pytest.fixture(scope="module")
def stacks(configs: dict[str, EnvironmentConfig]) -> dict[str, ServiceStack]:
    return {
        name: ServiceStack(make_app(), f"Web-{name}", config=configs[env], build=build)
        for name, (env, build) in VARIANTS.items()
    }


@pytest.fixture(scope="module")
def templates(stacks: dict[str, ServiceStack]) -> dict[str, Template]:
    return {name: template_of(stack) for name, stack in stacks.items()}


def one(template: Template, kind: str) -> dict[str, Any]:
    (found,) = find_resources(template, kind).values()
    return dict(found["Properties"])


def service_of(template: Template) -> dict[str, Any]:
    return one(template, "AWS::ECS::Service")


def container_of(template: Template) -> dict[str, Any]:
    (container,) = one(template, "AWS::ECS::TaskDefinition")["ContainerDefinitions"]
    return dict(container)


def listeners(template: Template) -> dict[int, dict[str, Any]]:
    return {
        resource["Properties"]["Port"]: resource["Properties"]
        for resource in find_resources(template, "AWS::ElasticLoadBalancingV2::Listener").values()
    }


def mine(path: str) -> bool:
    return "/Web/" in path or path.endswith("/Web")


class TestStageDefaults:
    def test_dev_is_cheap_and_serves_plain_http(self, templates: dict[str, Template]) -> None:
        template = templates["dev"]
        service = service_of(template)
        assert service["DesiredCount"] == 1
        assert service["DeploymentConfiguration"]["Strategy"] == "ROLLING"
        assert service["DeploymentConfiguration"]["MinimumHealthyPercent"] == 100
        assert service["DeploymentConfiguration"]["MaximumPercent"] == 200
        definition = one(template, "AWS::ECS::TaskDefinition")
        assert (definition["Cpu"], definition["Memory"]) == ("256", "512")
        assert list(listeners(template)) == [80]
        assert listeners(template)[80]["Protocol"] == "HTTP"
        attributes = {
            a["Key"]: a["Value"]
            for a in one(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")[
                "LoadBalancerAttributes"
            ]
        }
        assert attributes["deletion_protection.enabled"] == "false"
        assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
        assert attributes["access_logs.s3.enabled"] == "true"
        assert not find_resources(template, "AWS::ElasticLoadBalancingV2::ListenerRule")

    @pytest.mark.parametrize("name", ["staging", "production"])
    def test_staging_and_production_run_a_canary_behind_https(
        self, templates: dict[str, Template], name: str
    ) -> None:
        template = templates[name]
        service = service_of(template)
        deployment = service["DeploymentConfiguration"]
        assert service["DesiredCount"] == 2
        assert deployment["Strategy"] == "CANARY"
        assert deployment["CanaryConfiguration"] == {
            "CanaryPercent": 10,
            "CanaryBakeTimeInMinutes": 5,
        }
        assert deployment["BakeTimeInMinutes"] == 10
        assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
        found = listeners(template)
        assert sorted(found) == [80, 443]
        assert found[443]["Protocol"] == "HTTPS"
        assert found[443]["Certificates"] == [{"CertificateArn": CERTIFICATE}]
        assert found[443]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
        assert found[80]["DefaultActions"] == [
            {
                "Type": "redirect",
                "RedirectConfig": {"Port": "443", "Protocol": "HTTPS", "StatusCode": "HTTP_301"},
            }
        ]
        attributes = {
            a["Key"]: a["Value"]
            for a in one(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")[
                "LoadBalancerAttributes"
            ]
        }
        assert attributes["deletion_protection.enabled"] == "true"

    def test_production_retains_the_logs_and_the_access_logs(
        self, templates: dict[str, Template]
    ) -> None:
        resources = templates["production"].to_json()["Resources"]
        assert resources[LOG_GROUP]["DeletionPolicy"] == "Retain"
        assert resources[ACCESS_LOGS]["DeletionPolicy"] == "Retain"
        dev = templates["dev"].to_json()["Resources"]
        assert dev[LOG_GROUP]["DeletionPolicy"] == "Delete"

    def test_the_certificate_comes_from_the_environment_setting(
        self, templates: dict[str, Template]
    ) -> None:
        assert listeners(templates["setting"])[443]["Certificates"] == [
            {"CertificateArn": CERTIFICATE}
        ]

    def test_the_config_model_gives_the_stage_defaults(self) -> None:
        assert ContainerServiceConfig.for_stage("dev").strategy is ReleaseStrategy.ROLLING
        assert ContainerServiceConfig.for_stage("production").min_capacity == 2
        assert ContainerServiceConfig.for_stage("staging", cpu=1024, memory_mib=3072).cpu == 1024


class TestTasks:
    def test_private_subnets_without_public_addresses(self, templates: dict[str, Template]) -> None:
        network = service_of(templates["dev"])["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert network["AssignPublicIp"] == "DISABLED"
        subnets = {s["Ref"] for s in network["Subnets"]}
        assert all("Private" in subnet for subnet in subnets)

    def test_arm64_read_only_non_root(self, templates: dict[str, Template]) -> None:
        definition = one(templates["production"], "AWS::ECS::TaskDefinition")
        assert definition["RuntimePlatform"] == {
            "CpuArchitecture": "ARM64",
            "OperatingSystemFamily": "LINUX",
        }
        container = container_of(templates["production"])
        assert container["ReadonlyRootFilesystem"] is True
        assert container["User"] == "1000:1000"
        assert container["PortMappings"][0]["ContainerPort"] == 8080

    def test_logs_go_to_an_encrypted_group_named_after_the_service(
        self, templates: dict[str, Template]
    ) -> None:
        groups = find_resources(templates["dev"], "AWS::Logs::LogGroup")
        properties = groups[LOG_GROUP]["Properties"]
        assert properties["LogGroupName"] == "/ecs/Web-dev/Web"
        assert properties["KmsKeyId"] == {"Fn::GetAtt": [LOG_KEY, "Arn"]}
        assert properties["RetentionInDays"] == 7
        options = container_of(templates["dev"])["LogConfiguration"]["Options"]
        assert options["awslogs-group"] == {"Ref": LOG_GROUP}

    def test_container_insights_enhanced(self, templates: dict[str, Template]) -> None:
        cluster = one(templates["dev"], "AWS::ECS::Cluster")
        assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enhanced"}]

    def test_every_option_reaches_the_template(self, templates: dict[str, Template]) -> None:
        template = templates["full"]
        container = container_of(template)
        assert container["User"] == "2000:2000"
        assert container["Command"] == ["gunicorn", "app:app"]
        assert container["Environment"] == [{"Name": "LOG_LEVEL", "Value": "info"}]
        assert [s["Name"] for s in container["Secrets"]] == ["DATABASE_PASSWORD"]
        assert container["HealthCheck"]["Command"][0] == "CMD-SHELL"
        definition = one(template, "AWS::ECS::TaskDefinition")
        assert (definition["Cpu"], definition["Memory"]) == ("2048", "8192")
        balancer = one(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        assert balancer["Scheme"] == "internal"
        assert balancer["Name"] == "shop-web"
        deployment = service_of(template)["DeploymentConfiguration"]
        assert deployment["Strategy"] == "LINEAR"
        assert deployment["LinearConfiguration"] == {
            "StepPercent": 20,
            "StepBakeTimeInMinutes": 3,
        }
        assert deployment["BakeTimeInMinutes"] == 15
        assert deployment["LifecycleHooks"][0]["LifecycleStages"] == ["POST_SCALE_UP"]
        scaling = one(template, "AWS::ApplicationAutoScaling::ScalableTarget")
        assert (scaling["MinCapacity"], scaling["MaxCapacity"]) == (3, 12)
        groups = find_resources(template, "AWS::Logs::LogGroup")
        assert groups[LOG_GROUP]["Properties"]["LogGroupName"] == "/ecs/shop/Web"

    def test_the_opt_outs_carry_the_apps_reasons(self, templates: dict[str, Template]) -> None:
        container = container_of(templates["opt-outs"])
        assert container["ReadonlyRootFilesystem"] is False
        assert "User" not in container
        definition = next(
            iter(find_resources(templates["opt-outs"], "AWS::ECS::TaskDefinition").values())
        )
        recorded = definition["Metadata"][TEMPLATE_KEY][ACKNOWLEDGED]
        reasons = {a["reason"] for a in recorded}
        assert reasons == {WRITABLE_REASON, ROOT_REASON}


class TestReleases:
    def test_the_rollback_alarms_roll_back_and_carry_the_service_name(
        self, templates: dict[str, Template]
    ) -> None:
        template = templates["production"]
        alarms = find_resources(template, "AWS::CloudWatch::Alarm")
        names = sorted(a["Properties"]["AlarmName"] for a in alarms.values())
        assert names == [
            "production-Web-production-Web-rollback-response-time-p99",
            "production-Web-production-Web-rollback-target-5xx-rate",
        ]
        deployment = service_of(template)["DeploymentConfiguration"]
        watched = deployment["Alarms"]
        assert (watched["Enable"], watched["Rollback"]) == (True, True)
        assert (
            sorted(alarms[ref["Ref"]]["Properties"]["AlarmName"] for ref in watched["AlarmNames"])
            == names
        )

    def test_the_alarms_watch_the_alternate_target_group(
        self, templates: dict[str, Template]
    ) -> None:
        template = templates["production"]
        groups = find_resources(template, "AWS::ElasticLoadBalancingV2::TargetGroup")
        assert len(groups) == 2
        for alarm in find_resources(template, "AWS::CloudWatch::Alarm").values():
            watched = {
                str(m["MetricStat"]["Metric"]["Dimensions"])
                for m in alarm["Properties"]["Metrics"]
                if "MetricStat" in m
            }
            for logical_id in groups:
                assert any(logical_id in w for w in watched), logical_id

    def test_the_production_rule_forwards_to_both_target_groups(
        self, templates: dict[str, Template]
    ) -> None:
        rule = one(templates["production"], "AWS::ElasticLoadBalancingV2::ListenerRule")
        (action,) = rule["Actions"]
        weights = [g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]]
        assert weights == [100, 0]
        (load_balancer,) = service_of(templates["production"])["LoadBalancers"]
        advanced = load_balancer["AdvancedConfiguration"]
        assert "AlternateTargetGroupArn" in advanced
        assert "ProductionListenerRule" in advanced

    def test_blue_green_has_a_bake_time_and_no_canary(self, templates: dict[str, Template]) -> None:
        deployment = service_of(templates["blue-green"])["DeploymentConfiguration"]
        assert deployment["Strategy"] == "BLUE_GREEN"
        assert deployment["BakeTimeInMinutes"] == 5
        assert "CanaryConfiguration" not in deployment

    def test_deployment_events_go_to_the_alarm_topic(self, templates: dict[str, Template]) -> None:
        rule = one(templates["full"], "AWS::Events::Rule")
        assert rule["EventPattern"]["detail-type"] == ["ECS Deployment State Change"]
        assert rule["EventPattern"]["source"] == ["aws.ecs"]
        (target,) = rule["Targets"]
        assert "DeadLetterConfig" in target

    def test_autoscaling_on_cpu_and_requests(self, templates: dict[str, Template]) -> None:
        policies = find_resources(
            templates["production"], "AWS::ApplicationAutoScaling::ScalingPolicy"
        )
        metrics = sorted(
            p["Properties"]["TargetTrackingScalingPolicyConfiguration"][
                "PredefinedMetricSpecification"
            ]["PredefinedMetricType"]
            for p in policies.values()
        )
        assert metrics == ["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization"]


class TestMonitoring:
    def test_the_monitoring_watches_the_service_and_names_it(
        self, templates: dict[str, Template]
    ) -> None:
        names = {
            a["Properties"]["AlarmName"]
            for a in find_resources(templates["monitored"], "AWS::CloudWatch::Alarm").values()
        }
        rollback = {n for n in names if "-rollback-" in n}
        assert rollback == {
            "staging-shop-Web-rollback-target-5xx-rate",
            "staging-shop-Web-rollback-response-time-p99",
        }
        watched = {n for n in names - rollback if n.startswith("staging-shop-Web-")}
        assert {"staging-shop-Web-cpu", "staging-shop-Web-memory"} <= watched, watched

    def test_a_label_the_monitoring_has_is_refused_before_anything(
        self, environments: dict[str, EnvironmentConfig]
    ) -> None:
        def twice(stack: Stack) -> ContainerService:
            first = monitored_service(stack)
            nested = Construct(stack, "Nested")
            with pytest.raises(ValidationError, match=r"'Web'"):
                ContainerService(
                    nested,
                    "Web",
                    vpc=first.cluster.vpc,
                    image=image(),
                    certificate=certificate(nested),
                    monitoring=stack.node.find_child("Monitoring"),  # type: ignore[arg-type]
                )
            assert nested.node.try_find_child("Web") is None
            return first

        ServiceStack(make_app(), "Twice", config=environments["staging"], build=twice)


class TestAttributes:
    def test_the_protocol_and_the_properties(self, stacks: dict[str, ServiceStack]) -> None:
        web = stacks["production"].web
        assert isinstance(web, LoadBalancedService)
        assert isinstance(web.service, ecs.FargateService)
        assert web.alternate_target_group is not None
        assert web.grant_principal is web.task_role
        assert web.connections.security_groups
        assert web.strategy is ReleaseStrategy.CANARY
        assert set(web.rollback_alarms) == {"target_5xx_rate", "response_time_p99"}

    def test_grants_land_in_the_task_roles_customer_managed_policy(self) -> None:
        stack = Stack(make_app(), "Grants")
        web = secured_service(stack)
        assert web.task_role.node.try_find_child("Policy") is None, "no grant, no policy"
        secretsmanager.Secret(stack, "Token").grant_read(web)
        template = Template.from_stack(stack).to_json()["Resources"]
        (policy,) = (
            r["Properties"]
            for r in template.values()
            if r["Type"] == "AWS::IAM::ManagedPolicy"
            and r["Properties"]["Description"].startswith("Permissions of Grants/Web/TaskRole")
        )
        actions = {a for s in policy["PolicyDocument"]["Statement"] for a in s["Action"]}
        assert "secretsmanager:GetSecretValue" in actions
        assert not [r for r in template.values() if r["Type"] == "AWS::IAM::Policy"]

    def test_allow_from_admits_a_peer_on_the_listener_ports(self) -> None:
        stack = Stack(make_app(), "Ingress")
        web = full_service(stack)
        client = ec2.SecurityGroup(stack, "Client", vpc=web.cluster.vpc)
        web.allow_from(client, "The orders service")
        ingress = [
            r["Properties"]
            for r in Template.from_stack(stack).to_json()["Resources"].values()
            if r["Type"] == "AWS::EC2::SecurityGroupIngress"
            and r["Properties"].get("Description") == "The orders service"
        ]
        assert sorted(i["FromPort"] for i in ingress) == [80, 443]
        with pytest.raises(ValidationError, match=r"allow_from: peer='0.0.0.0/0'"):
            web.allow_from(ec2.Peer.any_ipv4())


class TestPinnedLogicalIds:
    def test_stateful_resources_keep_their_ids(self, templates: dict[str, Template]) -> None:
        template = templates["dev"]
        assert LOG_GROUP in find_resources(template, "AWS::Logs::LogGroup")
        assert LOG_KEY in find_resources(template, "AWS::KMS::Key")
        assert set(find_resources(template, "AWS::S3::Bucket")) == {ACCESS_LOGS, ACCESS_LOGS_LOGS}
        assert LOAD_BALANCER in find_resources(
            template, "AWS::ElasticLoadBalancingV2::LoadBalancer"
        )
        assert TARGET_GROUP in find_resources(template, "AWS::ElasticLoadBalancingV2::TargetGroup")


def env(account: str = "333333333333") -> Environment:
    return Environment(account=account, region="us-east-1")


def _production(build: Callable[[Stack, StandardVpc], Any]) -> Callable[[Stack], Any]:
    def run(stack: Stack) -> Any:
        return build(stack, StandardVpc(stack, "Network"))

    return run


INVALID: dict[str, tuple[str, Callable[[Stack, StandardVpc], Any], str]] = {
    "no certificate in production": (
        "production",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image()),
        r"certificate=None: is required in production: .*'certificate_arn'",
    ),
    "plain http in staging": (
        "staging",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), allow_http=True),
        r"allow_http=True: serves plain HTTP in staging",
    ),
    "http with a certificate": (
        "dev",
        lambda s, v: ContainerService(
            s, "Q", vpc=v, image=image(), certificate=certificate(s), allow_http=True
        ),
        r"allow_http=True: contradicts the certificate",
    ),
    "fargate size": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), cpu=256, memory_mib=4096),
        r"memory_mib=4096: is not a size Fargate runs with cpu=256",
    ),
    "unknown cpu": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), cpu=300),
        r"cpu=300: must be one of",
    ),
    "writable without a reason": (
        "dev",
        lambda s, v: ContainerService(
            s, "Q", vpc=v, image=image(), read_only_root_filesystem=False
        ),
        r"read_only_root_filesystem=False: needs read_only_root_filesystem_reason",
    ),
    "a reason without the opt-out": (
        "dev",
        lambda s, v: ContainerService(
            s, "Q", vpc=v, image=image(), read_only_root_filesystem_reason=WRITABLE_REASON
        ),
        r"read_only_root_filesystem_reason=.*: is the reason for opting out",
    ),
    "short reason": (
        "dev",
        lambda s, v: ContainerService(
            s, "Q", vpc=v, image=image(), run_as_root=True, run_as_root_reason="needs it"
        ),
        r"run_as_root_reason='needs it': must explain in at least 20",
    ),
    "root without a reason": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), run_as_root=True),
        r"run_as_root=True: needs run_as_root_reason",
    ),
    "root user": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), user="0"),
        r"user='0': is root",
    ),
    "one task in production": (
        "production",
        lambda s, v: ContainerService(
            s, "Q", vpc=v, image=image(), certificate=certificate(s), min_capacity=1
        ),
        r"min_capacity=1: must be at least 2 in production",
    ),
    "max below min": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), min_capacity=3, max_capacity=2),
        r"max_capacity=2: is below min_capacity \(3\)",
    ),
    "canary over half": (
        "production",
        lambda s, v: ContainerService(
            s, "Q", vpc=v, image=image(), certificate=certificate(s), traffic_percent=60
        ),
        r"traffic_percent=60: must be between 0.1 and 50, with strategy=canary",
    ),
    "bake time under a minute": (
        "production",
        lambda s, v: ContainerService(
            s,
            "Q",
            vpc=v,
            image=image(),
            certificate=certificate(s),
            step_bake_time=Duration.seconds(30),
        ),
        r"step_bake_time='30 seconds': must be from 1 minute .* with strategy=canary",
    ),
    "traffic share when rolling": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), traffic_percent=10),
        r"traffic_percent=10: applies to the canary and linear strategies, and strategy is "
        r"rolling",
    ),
    "bake time when rolling": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), bake_time=Duration.minutes(5)),
        r"bake_time='5 minutes': applies when the new release has its own target group",
    ),
    "rollback alarm off in production": (
        "production",
        lambda s, v: ContainerService(
            s,
            "Q",
            vpc=v,
            image=image(),
            certificate=certificate(s),
            rollback_alarms={"target_5xx_rate": AlarmSettings(enabled=False)},
        ),
        r"rollback_alarms\['target_5xx_rate'\]=.*in production with strategy=canary",
    ),
    "unknown rollback alarm": (
        "dev",
        lambda s, v: ContainerService(
            s, "Q", vpc=v, image=image(), rollback_alarms={"errors": AlarmSettings()}
        ),
        r"rollback_alarms\['errors'\]=.*: is not a rollback alarm",
    ),
    "hook when rolling": (
        "dev",
        lambda s, v: ContainerService(
            s,
            "Q",
            vpc=v,
            image=image(),
            lifecycle_hook=lambda_.Function(
                s,
                "Hook",
                code=lambda_.Code.from_inline("x"),
                handler="index.handler",
                runtime=lambda_.Runtime.PYTHON_3_13,
            ),
        ),
        r"lifecycle_hook=.*: runs in the stages of a canary",
    ),
    "stages without a hook": (
        "dev",
        lambda s, v: ContainerService(
            s,
            "Q",
            vpc=v,
            image=image(),
            lifecycle_stages=[ecs.DeploymentLifecycleStage.POST_SCALE_UP],
        ),
        r"lifecycle_stages=.*: are the stages of lifecycle_hook",
    ),
    "no deletion protection in production": (
        "production",
        lambda s, v: ContainerService(
            s,
            "Q",
            vpc=v,
            image=image(),
            certificate=certificate(s),
            deletion_protection=False,
        ),
        r"deletion_protection=False: is required in production",
    ),
    "waf rate without waf": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), waf=False, waf_rate_limit=100),
        r"waf_rate_limit=100: cannot be given without WAF",
    ),
    "environment name": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), environment={"1X": "y"}),
        r"environment\['1X'\]='1X': must be a variable name",
    ),
    "variable in both": (
        "dev",
        lambda s, v: ContainerService(
            s,
            "Q",
            vpc=v,
            image=image(),
            environment={"TOKEN": "x"},
            secrets={"TOKEN": ecs.Secret.from_secrets_manager(secretsmanager.Secret(s, "T"))},
        ),
        r"secrets='TOKEN': is also in environment",
    ),
    "port": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), container_port=0),
        r"container_port=0: must be between 1 and 65535",
    ),
    "strategy name": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), strategy="all_at_once"),
        r"strategy='all_at_once': must be one of",
    ),
    "load balancer name": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), load_balancer_name="-bad"),
        r"load_balancer_name='-bad': must be 1 to 32",
    ),
    "health check path": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), health_check_path="health"),
        r"health_check_path='health': must be a path starting with '/'",
    ),
    "empty command": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), command=[]),
        r"command=\[\]: must hold the executable",
    ),
    "cpu target": (
        "dev",
        lambda s, v: ContainerService(s, "Q", vpc=v, image=image(), cpu_target_percent=95),
        r"cpu_target_percent=95: must be between 10 and 90",
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_props_are_refused(case: str, environments: dict[str, EnvironmentConfig]) -> None:
    stage, build, pattern = INVALID[case]
    built: dict[str, Any] = {}

    def attempt(stack: Stack) -> Any:
        built["stack"] = stack
        with pytest.raises(ValidationError, match=pattern):
            build(stack, StandardVpc(stack, "Network"))
        assert stack.node.try_find_child("Q") is None, "nothing half-made"
        return None

    ServiceStack(make_app(), "Invalid", config=environments[stage], build=attempt)
    assert "stack" in built


def test_a_vpc_without_private_subnets_is_refused() -> None:
    stack = Stack(make_app(), "Isolated", env=env())
    network = StandardVpc(stack, "Network", nat_gateways=0)
    with pytest.raises(ValidationError, match=r"vpc='Isolated/Network/Vpc': has no private"):
        ContainerService(stack, "Q", vpc=network, image=image(), certificate=certificate(stack))
    assert stack.node.try_find_child("Q") is None


def test_a_certificate_of_another_region_is_refused() -> None:
    stack = Stack(make_app(), "Regions", env=env())
    other = acm.Certificate.from_certificate_arn(
        stack, "Other", CERTIFICATE.replace("us-east-1", "eu-west-1")
    )
    with pytest.raises(ValidationError, match=r"certificate='arn:aws:acm:eu-west-1.*is in region"):
        ContainerService(
            stack, "Q", vpc=StandardVpc(stack, "Network"), image=image(), certificate=other
        )


class TestCompliance:
    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_every_pack_is_clean(self, stacks: dict[str, ServiceStack], name: str) -> None:
        assert [f for f in nag_findings(stacks[name], NAG_PACKS) if mine(f.construct_path)] == []

    @pytest.mark.e2e
    def test_the_gate_passes(
        self, configs: dict[str, EnvironmentConfig], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """cfn-guard, cfn-lint and checkov over the variants, as ``org-cdk validate`` runs
        them (a checkov process: in the whole run, not the fast lane)."""

        def add_stacks(app: cdk.App) -> None:
            for name in ("dev", "full", "opt-outs"):
                environment, build = VARIANTS[name]
                ServiceStack(app, f"Web-{name}", config=configs[environment], build=build)

        findings = gate_findings(add_stacks, monkeypatch)
        assert [f for f in findings if f.blocking] == []
        reasons = {(f.rule, f.acknowledged) for f in findings if f.stack == "Web-opt-outs"}
        assert ("CT.ECS.PR.6", WRITABLE_REASON) in reasons
        assert ("CT.ECS.PR.3", ROOT_REASON) in reasons


def test_a_bare_app_with_a_plain_stack() -> None:
    """A consumer's check: ``cdk.App()`` with no context and a plain ``Stack`` of no
    environment (production's defaults: a certificate is needed)."""
    app = cdk.App()
    stack = Stack(app, "Bare")
    with pytest.raises(ValidationError, match=r"certificate=None: is required in production"):
        ContainerService(stack, "Web", vpc=StandardVpc(stack, "Network"), image=image())
    web = ContainerService(
        stack,
        "Web",
        vpc=stack.node.find_child("Network"),  # type: ignore[arg-type]
        image=image(),
        certificate=certificate(stack),
    )
    template = app.synth().get_stack_by_name(stack.stack_name).template
    assert LOG_GROUP in template["Resources"]
    assert web.strategy is ReleaseStrategy.CANARY
    assert [f for f in nag_findings(stack, NAG_PACKS) if mine(f.construct_path)] == []


@pytest.mark.parametrize("stage", ["dev", "production"])
def test_a_bare_app_with_an_abstract_stack(
    stage: str, environments: dict[str, EnvironmentConfig]
) -> None:
    """The docs' minimal call in ``cdk.App()``: dev builds it; production refuses it without a
    certificate, naming the option and the setting."""
    app = cdk.App()
    if stage == "production":
        with pytest.raises(ValidationError, match=r"certificate=None.*'certificate_arn'"):
            ServiceStack(app, "Bare", config=environments[stage], build=default_service)
        return
    stack = ServiceStack(app, "Bare", config=environments[stage], build=default_service)
    template = app.synth().get_stack_by_name(stack.stack_name).template
    assert LOG_GROUP in template["Resources"]
    assert [f for f in nag_findings(stack, NAG_PACKS) if mine(f.construct_path)] == []


CONFIG_INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "memory for the cpu": ({"cpu": 1024, "memory_mib": 1024}, r"memory_mib=1024: .*cpu=1024"),
    "unknown cpu": ({"cpu": 3000}, r"cpu=3000: must be one of"),
    "max below min": ({"min_capacity": 4, "max_capacity": 3}, r"max_capacity=3: is below"),
    "strategy": ({"strategy": "big_bang"}, r"strategy='big_bang': must be one of"),
    "percent": ({"traffic_percent": 75}, r"traffic_percent=75: must be between 0.1 and 50"),
    "linear floor": (
        {"strategy": "linear", "traffic_percent": 2},
        r"traffic_percent=2: must be between 3 and 50",
    ),
    "bake": ({"bake_time_minutes": 0}, r"bake_time_minutes=0: must be between 1 and 1440"),
    "flag": ({"allow_http": "yes"}, r"allow_http='yes': must be true or false"),
}


@pytest.mark.parametrize("case", list(CONFIG_INVALID))
def test_the_config_refuses_what_the_service_would(case: str) -> None:
    values, pattern = CONFIG_INVALID[case]
    with pytest.raises(ValidationError, match=rf"ContainerServiceConfig: {pattern}"):
        ContainerServiceConfig(**values)


def test_the_config_takes_fargates_sizes() -> None:
    assert ContainerServiceConfig(cpu=256, memory_mib=2048).memory_mib == 2048
    with pytest.raises(ValidationError, match=r"give 512, 1024 or 2048 MiB"):
        ContainerServiceConfig(cpu=256, memory_mib=1536)
    assert ContainerServiceConfig(cpu=16384, memory_mib=122880).cpu == 16384
    with pytest.raises(ValidationError, match=r"32768 to 122880 MiB in steps of 8192"):
        ContainerServiceConfig(cpu=16384, memory_mib=36864)


def test_from_config_builds_what_the_constructor_does(
    environments: dict[str, EnvironmentConfig],
) -> None:
    def build(use_config: bool) -> Any:
        def make(stack: Stack) -> ContainerService:
            network = StandardVpc(stack, "Network")
            if use_config:
                return ContainerService.from_config(
                    stack,
                    "Web",
                    ContainerServiceConfig.for_stage("staging"),
                    vpc=network,
                    image=image(),
                    certificate=certificate(stack),
                )
            return ContainerService(
                stack, "Web", vpc=network, image=image(), certificate=certificate(stack)
            )

        stack = ServiceStack(make_app(), "Same", config=environments["staging"], build=make)
        return template_of(stack).to_json()

    assert build(True) == build(False)


def test_from_config_refuses_what_the_config_gives(
    environments: dict[str, EnvironmentConfig],
) -> None:
    def make(stack: Stack) -> None:
        with pytest.raises(ValidationError, match=r"cpu"):
            ContainerService.from_config(
                stack,
                "Web",
                ContainerServiceConfig.for_stage("dev"),
                vpc=StandardVpc(stack, "Network"),
                image=image(),
                cpu=512,
            )

    ServiceStack(make_app(), "Taken", config=environments["dev"], build=make)  # type: ignore[arg-type]


def test_the_web_acl_protects_the_load_balancer(templates: dict[str, Template]) -> None:
    association = one(templates["production"], "AWS::WAFv2::WebACLAssociation")
    assert association["ResourceArn"] == {"Ref": LOAD_BALANCER}
    group = find_resources(templates["production"], "AWS::Logs::LogGroup")
    names = {g["Properties"].get("LogGroupName") for g in group.values()}
    assert "aws-waf-logs-Web-production-Web" in names
    assert not find_resources(templates["dev"], "AWS::WAFv2::WebACL"), "WAF off in dev"


def test_the_load_balancer_account_fact_is_aws_cdk_libs() -> None:
    """The access-log bucket's policy names the region's load balancer account by aws-cdk-lib's
    fact, written as text so that the library need not import ``region_info``."""
    from aws_cdk.region_info import FactName

    from org_constructs.containers._load_balancer import ELBV2_ACCOUNT_FACT

    assert FactName.ELBV2_ACCOUNT == ELBV2_ACCOUNT_FACT
