"""OrgPipeline: source, synth step, waves, checks and approvals, notifications, validation."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Environment, Stack
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from constructs import Construct

from org_constructs import (
    AbstractStack,
    DeploymentNotifications,
    EnvironmentConfig,
    OrgPipeline,
    SecureBucket,
    Stage,
    ValidationError,
)
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.contract import CHECKOV_VERSION
from org_constructs.testing import assert_no_wildcard_iam, find_resources, template_of
from tests.support import Background, CheckovReport, checkov_report, templates_for_checkov

PIPELINE_ACCOUNT = "999999999999"
PIPELINE_ENV = Environment(account=PIPELINE_ACCOUNT, region="us-east-1")
CONNECTION = (
    "arn:aws:codeconnections:us-east-1:999999999999:connection/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)
ACCOUNTS = {
    "dev": "111111111111",
    "staging": "222222222222",
    "qa": "444444444444",
    "production": "333333333333",
}


def environments() -> dict[str, EnvironmentConfig]:
    """dev, then staging and qa together, then production: each in an account of its own."""
    return {
        "dev": EnvironmentConfig(
            account=ACCOUNTS["dev"], region="us-east-1", stage=Stage.DEV, wave=1
        ),
        "staging": EnvironmentConfig(
            account=ACCOUNTS["staging"], region="us-east-1", stage=Stage.STAGING, wave=2
        ),
        "qa": EnvironmentConfig(
            account=ACCOUNTS["qa"], region="us-east-1", stage=Stage.STAGING, name="qa", wave=2
        ),
        "production": EnvironmentConfig(
            account=ACCOUNTS["production"], region="us-east-1", stage=Stage.PRODUCTION, wave=3
        ),
    }


CALLS: list[tuple[str, str, str]] = []
"""(stage path, name, config name) of every call of ``service``."""


def service(scope: Construct, name: str, config: EnvironmentConfig) -> None:
    """The app: one stack with a bucket."""
    CALLS.append((scope.node.path, name, config.name))
    SecureBucket(Stack(scope, "Service"), "Data")


def required(stack: Stack) -> dict[str, Any]:
    return {
        "environments": environments(),
        "stage": service,
        "connection_arn": CONNECTION,
        "repository": "acme/orders",
    }


def all_options(stack: Stack, assets: Path) -> dict[str, Any]:
    """Every option: CodeCommit, another branch and folder, explicit waves, Docker."""

    def service_with_assets(scope: Construct, name: str, config: EnvironmentConfig) -> None:
        app_stack = Stack(scope, "Service")
        s3_assets.Asset(app_stack, "Handler", path=str(assets / "handler.py"))
        ecr_assets.DockerImageAsset(app_stack, "Image", directory=str(assets))

    return {
        "environments": environments(),
        "stage": service_with_assets,
        "codecommit_repository": codecommit.Repository.from_repository_name(
            stack, "Repository", "orders"
        ),
        "branch": "release/2024",
        "app_dir": "services/orders",
        "install_commands": ["npm ci --prefix ../..", "pip install -r requirements.txt"],
        "test_command": None,
        "notification_topic": DeploymentNotifications(stack, "Deployments").topic,
        "order": [["dev"], ["staging", "qa", "production"]],
        "self_mutation": False,
        "docker_enabled_for_synth": True,
    }


def default_pipeline(stack: Stack) -> OrgPipeline:
    """The defaults, for the matrices of other modules (feature flags, bad input)."""
    return OrgPipeline(stack, "Delivery", **required(stack))


def full_pipeline(stack: Stack) -> OrgPipeline:
    """Every option, without assets (they need files), for the same matrices."""
    options = {**all_options(stack, Path(__file__).parent), "stage": service}
    return OrgPipeline(stack, "Delivery", **options)


def build(name: str, options: Callable[[Stack], dict[str, Any]]) -> tuple[Stack, OrgPipeline]:
    stack = Stack(cdk.App(), name, env=PIPELINE_ENV)
    return stack, OrgPipeline(stack, "Delivery", **options(stack))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Stack, OrgPipeline]]:
    assets = tmp_path_factory.mktemp("assets")
    (assets / "handler.py").write_text("def handler(event, context):\n    return event\n")
    (assets / "Dockerfile").write_text("FROM public.ecr.aws/lambda/python:3.13\n")
    return {
        "default": build("Delivery-default", required),
        "all": build("Delivery-all", lambda stack: all_options(stack, assets)),
    }


@pytest.fixture(scope="session")
def templates(
    built: dict[str, tuple[Stack, OrgPipeline]],
    background: Background,
    request: pytest.FixtureRequest,
) -> dict[str, Template]:
    """Session-scoped: the end-to-end checkov test reads them after the fast tests."""
    stacks = {name: stack for name, (stack, _) in built.items()}
    return templates_for_checkov(stacks, background, request, __file__, "org_pipeline")


def resources(template: Template, kind: str) -> dict[str, Any]:
    found: dict[str, Any] = find_resources(template, kind)
    return found


def the_pipeline(template: Template) -> dict[str, Any]:
    (pipeline,) = resources(template, "AWS::CodePipeline::Pipeline").values()
    properties: dict[str, Any] = pipeline["Properties"]
    return properties


def stages(template: Template) -> dict[str, list[dict[str, Any]]]:
    """The pipeline's stages by name, each its actions."""
    return {s["Name"]: s["Actions"] for s in the_pipeline(template)["Stages"]}


def action(template: Template, stage: str, name: str) -> dict[str, Any]:
    (found,) = [a for a in stages(template)[stage] if a["Name"] == name]
    return found


def buildspec(template: Template, path_part: str) -> dict[str, Any]:
    (project,) = [
        p
        for logical_id, p in resources(template, "AWS::CodeBuild::Project").items()
        if path_part in logical_id
    ]
    spec: dict[str, Any] = json.loads(project["Properties"]["Source"]["BuildSpec"])
    return spec


def logical_id(stack: Stack, construct: Any) -> str:
    return stack.get_logical_id(construct.node.default_child)


# ----------------------------------------------------------------------------- source and synth


def test_source_is_the_connection_on_main(templates: dict[str, Template]) -> None:
    (source,) = stages(templates["default"])["Source"]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"]["ConnectionArn"] == CONNECTION
    assert source["Configuration"]["FullRepositoryId"] == "acme/orders"
    assert source["Configuration"]["BranchName"] == "main"


def test_source_may_be_a_codecommit_repository(templates: dict[str, Template]) -> None:
    (source,) = stages(templates["all"])["Source"]
    assert source["ActionTypeId"]["Provider"] == "CodeCommit"
    assert source["Configuration"]["RepositoryName"] == "orders"
    assert source["Configuration"]["BranchName"] == "release/2024"


def test_synth_installs_tests_validates_and_synthesizes(templates: dict[str, Template]) -> None:
    spec = buildspec(templates["default"], "Synth")
    install = spec["phases"]["install"]["commands"]
    build_commands = spec["phases"]["build"]["commands"]
    assert install[:3] == ['cd "$CODEBUILD_SRC_DIR"', "npm ci", "pip install -r requirements.txt"]
    assert install[3:] == [
        'python -m venv "$HOME/.org-cdk/checkov"',
        f'"$HOME/.org-cdk/checkov/bin/pip" install --quiet "checkov=={CHECKOV_VERSION}"',
    ]
    assert build_commands[0] == 'cd "$CODEBUILD_SRC_DIR"'
    # checkov last on PATH: the gate finds it, and its venv's python never shadows the app's.
    assert build_commands[1].endswith(':$PATH:$HOME/.org-cdk/checkov/bin"')
    assert build_commands[2:] == [
        "python -m pytest",
        'org-cdk validate . --output "$HOME/.org-cdk/validate"',
        "cdk synth --quiet --no-notices --output cdk.out",
    ]
    assert spec["artifacts"]["base-directory"] == "cdk.out"


def test_synth_runs_in_app_dir(templates: dict[str, Template]) -> None:
    spec = buildspec(templates["all"], "Synth")
    install = spec["phases"]["install"]["commands"]
    build_commands = spec["phases"]["build"]["commands"]
    folder = 'cd "$CODEBUILD_SRC_DIR/services/orders"'
    assert install[:3] == [folder, "npm ci --prefix ../..", "pip install -r requirements.txt"]
    assert build_commands[0] == folder
    assert not any("pytest" in c for c in build_commands), "test_command=None runs no tests"
    assert build_commands[-1] == "cdk synth --quiet --no-notices --output cdk.out"
    assert spec["artifacts"]["base-directory"] == "services/orders/cdk.out"


def test_projects_are_not_privileged_unless_docker_is_asked_for(
    templates: dict[str, Template],
) -> None:
    for project in resources(templates["default"], "AWS::CodeBuild::Project").values():
        assert project["Properties"]["Environment"]["PrivilegedMode"] is False
    privileged = {
        logical_id
        for logical_id, project in resources(templates["all"], "AWS::CodeBuild::Project").items()
        if project["Properties"]["Environment"]["PrivilegedMode"]
    }
    assert {p for p in privileged if "Synth" in p or "DockerAsset" in p} == privileged
    assert any("Synth" in p for p in privileged)


# ----------------------------------------------------------------------------- waves


def test_environments_deploy_wave_by_wave(templates: dict[str, Template]) -> None:
    """A wave of one environment is named after it; staging and qa deploy in parallel."""
    names = list(stages(templates["default"]))
    assert names == ["Source", "Build", "UpdatePipeline", "dev", "Wave2", "production"]
    wave = stages(templates["default"])["Wave2"]
    deploys = {a["Name"]: a["RunOrder"] for a in wave if a["Name"].endswith(".Deploy")}
    assert deploys == {"staging.Service.Deploy": 4, "qa.Service.Deploy": 4}


def test_every_environment_deploys_into_its_own_account(templates: dict[str, Template]) -> None:
    """Through the CDK bootstrap deploy role of its account (``cdk bootstrap --trust``)."""
    prepares = {}
    for stage, stage_actions in stages(templates["default"]).items():
        for found in stage_actions:
            if found["Name"].endswith("Service.Prepare"):
                prepares[found["Name"].split(".")[0] if stage == "Wave2" else stage] = found
    assert sorted(prepares) == sorted(ACCOUNTS)
    for name, prepare in prepares.items():
        account = ACCOUNTS[name]
        role = f"iam::{account}:role/cdk-hnb659fds-deploy-role-{account}-us-east-1"
        assert role in json.dumps(prepare["RoleArn"])
        assert prepare["Configuration"]["StackName"] == f"{name}-Service"


def run_orders(template: Template, stage: str, prefix: str = "") -> dict[str, int]:
    return {
        a["Name"].removeprefix(prefix): a["RunOrder"]
        for a in stages(template)[stage]
        if a["Name"].startswith(prefix)
    }


def test_permissions_are_confirmed_before_every_environment(
    templates: dict[str, Template],
) -> None:
    template = templates["default"]
    for stage, prefix in (("dev", ""), ("Wave2", "staging."), ("Wave2", "qa.")):
        assert run_orders(template, stage, prefix) == {
            "ConfirmPermissions.Check": 1,
            "ConfirmPermissions.Confirm": 2,
            "Service.Prepare": 3,
            "Service.Deploy": 4,
        }
    check = action(template, "dev", "ConfirmPermissions.Check")
    assert check["ActionTypeId"]["Provider"] == "CodeBuild"
    confirm = action(template, "dev", "ConfirmPermissions.Confirm")
    assert confirm["ActionTypeId"]["Provider"] == "Manual"


def test_production_is_promoted_by_hand_first(templates: dict[str, Template]) -> None:
    template = templates["default"]
    assert run_orders(template, "production") == {
        "Promote": 1,
        "ConfirmPermissions.Check": 2,
        "ConfirmPermissions.Confirm": 3,
        "Service.Prepare": 4,
        "Service.Deploy": 5,
    }
    promote = action(template, "production", "Promote")
    assert promote["ActionTypeId"]["Provider"] == "Manual"
    assert promote["Configuration"]["CustomData"] == "Promote to production"
    manual = [
        a["Name"]
        for stage, stage_actions in stages(template).items()
        for a in stage_actions
        if a["ActionTypeId"]["Provider"] == "Manual" and not a["Name"].endswith(".Confirm")
    ]
    assert manual == ["Promote"], "only production waits for a promotion"


def test_explicit_order_puts_production_in_a_wave_with_others(
    templates: dict[str, Template],
) -> None:
    template = templates["all"]
    assert list(stages(template)) == ["Source", "Build", "Assets", "dev", "Wave2"]
    orders = run_orders(template, "Wave2", "production.")
    steps = ["Promote", "ConfirmPermissions.Check", "ConfirmPermissions.Confirm"]
    steps += ["Service.Prepare", "Service.Deploy"]
    assert sorted(orders, key=orders.__getitem__) == steps
    assert len(set(orders.values())) == len(steps), "one after another"
    assert "Promote" not in run_orders(template, "Wave2", "staging.")


def test_stages_are_beside_the_pipeline_stack(built: dict[str, tuple[Stack, OrgPipeline]]) -> None:
    stack, pipeline = built["default"]
    app = stack.node.scope
    assert app is not None
    assert list(pipeline.stages) == ["dev", "staging", "qa", "production"]
    for name, stage in pipeline.stages.items():
        assert app.node.try_find_child(name) is stage
        assert stage.account == environments()[name].account
        assert stage.region == "us-east-1"
        (app_stack,) = (c for c in stage.node.children if isinstance(c, Stack))
        assert app_stack.stack_name == f"{name}-Service"
    assert ("qa", "qa", "qa") in CALLS


def test_attributes(built: dict[str, tuple[Stack, OrgPipeline]]) -> None:
    _, pipeline = built["default"]
    assert pipeline.code_pipeline.node.path == pipeline.pipeline.pipeline.node.path
    assert [w.id for w in pipeline.waves] == ["Wave1", "Wave2", "Wave3"]
    assert [s.stage_name for s in pipeline.waves[1].stages] == ["staging", "qa"]
    artifacts = pipeline.code_pipeline.artifact_bucket.node.path
    assert artifacts == pipeline.artifact_bucket.bucket.node.path
    assert pipeline.log_group.node.path == "Delivery-default/Delivery/Logs"


# ----------------------------------------------------------------------------- security


def test_artifacts_are_encrypted_with_a_rotating_key(
    built: dict[str, tuple[Stack, OrgPipeline]], templates: dict[str, Template]
) -> None:
    stack, pipeline = built["default"]
    template = templates["default"]
    encryption_key = pipeline.artifact_bucket.encryption_key
    assert encryption_key is not None
    key_id = logical_id(stack, encryption_key)
    key = resources(template, "AWS::KMS::Key")[key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    store = the_pipeline(template)["ArtifactStore"]
    assert store["EncryptionKey"] == {"Id": {"Fn::GetAtt": [key_id, "Arn"]}, "Type": "KMS"}
    bucket = resources(template, "AWS::S3::Bucket")[
        logical_id(stack, pipeline.artifact_bucket.bucket)
    ]
    assert store["Location"] == {"Ref": logical_id(stack, pipeline.artifact_bucket.bucket)}
    properties = bucket["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "LoggingConfiguration" in properties
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 90
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    for project in resources(template, "AWS::CodeBuild::Project").values():
        assert project["Properties"]["EncryptionKey"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_build_logs_go_to_an_encrypted_log_group(
    built: dict[str, tuple[Stack, OrgPipeline]], templates: dict[str, Template]
) -> None:
    stack, pipeline = built["default"]
    template = templates["default"]
    group_id = logical_id(stack, pipeline.log_group)
    (group,) = resources(template, "AWS::Logs::LogGroup").values()
    assert "KmsKeyId" in group["Properties"]
    assert group["Properties"]["RetentionInDays"] == 365
    projects = resources(template, "AWS::CodeBuild::Project").values()
    assert len(projects) == 3  # synth, self-mutation, permissions check
    for project in projects:
        assert project["Properties"]["LogsConfig"]["CloudWatchLogs"] == {
            "GroupName": {"Ref": group_id},
            "Status": "ENABLED",
        }
    (function,) = resources(template, "AWS::Lambda::Function").values()
    assert function["Properties"]["LoggingConfig"] == {"LogGroup": {"Ref": group_id}}
    assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}
    assert function["Properties"]["MemorySize"] == 128


def test_roles_trust_only_their_services(templates: dict[str, Template]) -> None:
    """No role of the pipeline trusts the account root (flags pinned in any app)."""
    for template in templates.values():
        for role in resources(template, "AWS::IAM::Role").values():
            trust = json.dumps(role["Properties"]["AssumeRolePolicyDocument"])
            assert ":root" not in trust, trust


def test_notifications_go_to_the_topic(
    built: dict[str, tuple[Stack, OrgPipeline]], templates: dict[str, Template]
) -> None:
    _, pipeline = built["all"]
    template = templates["all"]
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    (rule,) = resources(template, "AWS::CodeStarNotifications::NotificationRule").values()
    properties = rule["Properties"]
    assert properties["Targets"] == [{"TargetAddress": {"Ref": topic_id}, "TargetType": "SNS"}]
    assert sorted(properties["EventTypeIds"]) == sorted(
        f"codepipeline-pipeline-pipeline-execution-{event}"
        for event in ("started", "succeeded", "failed", "canceled", "superseded", "resumed")
    )
    assert properties["DetailType"] == "FULL"
    (topic_policy,) = resources(template, "AWS::SNS::TopicPolicy").values()
    assert "codestar-notifications.amazonaws.com" in json.dumps(topic_policy)
    check = json.dumps(action(template, "Wave2", "staging.ConfirmPermissions.Check"))
    assert "NOTIFICATION_ARN" in check
    assert json.dumps({"Ref": topic_id}) in check
    promote = action(template, "Wave2", "production.Promote")
    assert promote["Configuration"]["NotificationArn"] == {"Ref": topic_id}
    assert pipeline.node.try_find_child("Notifications") is not None


def test_without_a_topic_nothing_is_notified_but_every_check_stays(
    templates: dict[str, Template],
) -> None:
    template = templates["default"]
    assert resources(template, "AWS::CodeStarNotifications::NotificationRule") == {}
    assert "NotificationArn" not in action(template, "production", "Promote")["Configuration"]


@pytest.mark.parametrize("name", ["default", "all"])
def test_every_nag_pack_is_clean(built: dict[str, tuple[Stack, OrgPipeline]], name: str) -> None:
    """The regulated packs too: what aws-cdk-lib creates for CDK Pipelines is acknowledged."""
    stack, _ = built[name]
    assert nag_findings(stack, NAG_PACKS) == []


@pytest.mark.parametrize("name", ["default", "all"])
def test_no_unacknowledged_wildcard_permissions(templates: dict[str, Template], name: str) -> None:
    assert_no_wildcard_iam(templates[name])


def test_an_unknown_wildcard_is_still_reported() -> None:
    """The acknowledgements match aws-cdk-lib's statements one by one, not the roles."""
    stack, pipeline = build("Delivery-extra", required)
    pipeline.pipeline.synth_project.add_to_role_policy(
        cdk.aws_iam.PolicyStatement(actions=["dynamodb:*"], resources=["*"])
    )
    found = {f.rule_id for f in nag_findings(stack, ["AwsSolutions"])}
    assert found == {"AwsSolutions-IAM5[Action::dynamodb:*]", "AwsSolutions-IAM5[Resource::*]"}


@pytest.mark.e2e
def test_checkov_passes_with_documented_skips(
    templates: dict[str, Template], background: Background
) -> None:
    report: CheckovReport = checkov_report(background, "org_pipeline", templates)
    assert report.failed == []
    skipped = {(name, check) for name, check, _ in report.skipped}
    approval = {
        (name, c) for name in templates for c in ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117")
    }
    assets = {("all", "CKV_AWS_111")}  # the file and the Docker asset publishing roles
    assert skipped == approval | assets | {(name, "CKV_AWS_18") for name in templates}


def test_snapshot(templates: dict[str, Template], cfn_snapshot: Any) -> None:
    assert templates["default"] == cfn_snapshot


# ----------------------------------------------------------------------------- validation


class ServiceStack(Stack):
    """A stack class, which a newcomer passes as ``stage`` instead of a function."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        SecureBucket(self, "Data")


class ServiceAbstractStack(AbstractStack):
    """The same, as an ``AbstractStack`` built from an environment's config."""

    def initialize(self) -> None:
        SecureBucket(self, "Data")


class ServiceStage(cdk.Stage):
    """A ``cdk.Stage`` of the app, which CDK Pipelines users pass to ``add_stage``."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        ServiceStack(self, "Service")


def stage_making(make: Callable[[Construct, EnvironmentConfig], object]) -> Any:
    """A stage function that makes what ``make(scope, config)`` makes."""

    def stage(scope: Construct, name: str, config: EnvironmentConfig) -> None:
        make(scope, config)

    return stage


DEV = environments()["dev"]
STAGING_BESIDE_DEV = EnvironmentConfig(
    account=ACCOUNTS["dev"], region="us-east-1", stage=Stage.STAGING, wave=2
)
STAGE_FIX = r"def stage\(scope: Construct, name: str, config: EnvironmentConfig\) -> None"

OTHER_REGION = EnvironmentConfig(
    account="555555555555", region="eu-west-1", stage=Stage.PRODUCTION, name="production-eu"
)
DEV_AGAIN = EnvironmentConfig(account="666666666666", region="us-east-1", stage=Stage.DEV)
DEV_TWIN = EnvironmentConfig(
    account=ACCOUNTS["dev"], region="us-east-1", stage=Stage.DEV, name="sandbox"
)

INVALID: dict[str, tuple[Callable[[Stack], Mapping[str, Any]], str]] = {
    "both sources": (
        lambda stack: {
            "codecommit_repository": codecommit.Repository.from_repository_name(
                stack, "Repo", "orders"
            )
        },
        r"connection_arn='arn:aws:codeconnections:.*': cannot be given with "
        r"codecommit_repository",
    ),
    "no source": (
        lambda stack: {"connection_arn": None, "repository": None},
        r"connection_arn=None: is required, with repository, unless codecommit_repository",
    ),
    "repository without connection": (
        lambda stack: {"connection_arn": None},
        r"connection_arn=None: is required with repository='acme/orders'",
    ),
    "connection without repository": (
        lambda stack: {"repository": None},
        r"repository=None: is required with connection_arn",
    ),
    "not a connection": (
        lambda stack: {"connection_arn": "arn:aws:codecommit:us-east-1:999999999999:orders"},
        r"connection_arn='arn:aws:codecommit:.*': must be a connection ARN",
    ),
    "connection id": (
        lambda stack: {"connection_arn": CONNECTION.replace("0a1b2c3d-", "")},
        r"connection_arn=.*: must be a connection ARN",
    ),
    "repository without owner": (
        lambda stack: {"repository": "orders"},
        r"repository='orders': must be the repository as 'owner/name'",
    ),
    "repository with an empty part": (
        lambda stack: {"repository": "acme//orders"},
        r"repository='acme//orders': must be",
    ),
    "empty branch": (lambda stack: {"branch": ""}, r"branch='': must name a branch"),
    "branch with a space": (
        lambda stack: {"branch": "my branch"},
        r"branch='my branch': is not a branch name git accepts",
    ),
    "branch with two dots": (lambda stack: {"branch": "a..b"}, r"branch='a..b': is not a"),
    "absolute app_dir": (
        lambda stack: {"app_dir": "/srv/orders"},
        r"app_dir='/srv/orders': must be a folder of the repository",
    ),
    "app_dir outside": (lambda stack: {"app_dir": "../orders"}, r"app_dir='../orders': must"),
    "empty install command": (
        lambda stack: {"install_commands": ["npm ci", " "]},
        r"install_commands\[1\]=' ': must be a shell command",
    ),
    "empty test command": (
        lambda stack: {"test_command": ""},
        r"test_command='': must be a shell command .*None runs no tests",
    ),
    "no environment": (
        lambda stack: {"environments": {}},
        r"environments=\{\}: must name at least one environment",
    ),
    "not an environment": (
        lambda stack: {"environments": {"dev": {"account": "111111111111"}}},
        r"environments\['dev'\]=\{'account': '111111111111'\}: must be an EnvironmentConfig",
    ),
    "two with one name": (
        lambda stack: {"environments": {**environments(), "dev2": DEV_AGAIN}},
        r"dev2\.name='dev': is also the name of 'dev'",
    ),
    "two with one target": (
        lambda stack: {"environments": {**environments(), "sandbox": DEV_TWIN}},
        r"sandbox='sandbox': deploys to the account, region and stage of 'dev'",
    ),
    "unknown name in order": (
        lambda stack: {"order": [["dev"], ["staging", "qa"], ["prod"]]},
        r"order\[2\]='prod': is not a stage of the environments file",
    ),
    "environment in no wave": (
        lambda stack: {"order": [["dev"], ["staging", "qa"]]},
        r"order=\['production'\]: are stages of the environments file in no wave",
    ),
    "another region": (
        lambda stack: {"environments": {**environments(), "production-eu": OTHER_REGION}},
        r"environments\.production-eu\.region='eu-west-1': must be the pipeline stack's "
        r"region 'us-east-1'",
    ),
    "stage not callable": (
        lambda stack: {"stage": "ServiceStack"},
        r"stage='ServiceStack': must be a function stage\(scope, name, config\)",
    ),
    "topic by ARN": (
        lambda stack: {"notification_topic": "arn:aws:sns:us-east-1:999999999999:deployments"},
        r"notification_topic='arn:aws:sns:.*': must be an aws_sns.ITopic or None",
    ),
    "self_mutation as text": (
        lambda stack: {"self_mutation": "false"},
        r"self_mutation='false': must be True or False",
    ),
    "a stage that adds no stack": (
        lambda stack: {"stage": lambda scope, name, config: None},
        r"stage='.*<lambda>': added no stack for environment 'dev': create the app's stacks",
    ),
    # ``stage``: what it is, and what it makes against each environment's config.
    "stage is a Stack class": (
        lambda stack: {"stage": ServiceStack},
        r"stage='ServiceStack': is a Stack: the pipeline calls stage once per environment, "
        r"with its cdk.Stage; pass a function .*" + STAGE_FIX,
    ),
    "stage is an AbstractStack class": (
        lambda stack: {"stage": ServiceAbstractStack},
        r"stage='ServiceAbstractStack': is a Stack: .*" + STAGE_FIX,
    ),
    "stage is a cdk.Stage class": (
        lambda stack: {"stage": ServiceStage},
        r"stage='ServiceStage': is a cdk.Stage: the pipeline makes each environment's "
        r"cdk.Stage itself; .*" + STAGE_FIX,
    ),
    "stage is None": (lambda stack: {"stage": None}, r"stage=None: must be a function"),
    "stage of two parameters": (
        lambda stack: {"stage": lambda scope, config: None},
        r"stage='.*<lambda>\(scope, config\)': cannot be called as stage\(scope, name, "
        r"config\), three positional arguments: " + STAGE_FIX,
    ),
    "stage with a keyword-only config": (
        lambda stack: {"stage": lambda scope, name, *, config: None},
        r"stage='.*<lambda>\(scope, name, \*, config\)': cannot be called as stage",
    ),
    "stage ignores its config: every environment into dev's account": (
        lambda stack: {
            "stage": stage_making(
                lambda scope, config: ServiceStack(
                    scope, "Service", env=Environment(account=DEV.account, region=DEV.region)
                )
            )
        },
        r"stage\('staging'\)='staging/Service': deploys to account 111111111111 in us-east-1, "
        r"while environment 'staging' is account 222222222222 in us-east-1: build each stack "
        r"from the config the stage function receives",
    ),
    "stage builds every AbstractStack from dev's config": (
        lambda stack: {
            "stage": stage_making(
                lambda scope, config: ServiceAbstractStack(scope, "Service", config=DEV)
            )
        },
        r"stage\('staging'\)='staging/Service': deploys to account 111111111111 in us-east-1, "
        r"while environment 'staging' is account 222222222222",
    ),
    "stage builds staging from dev's config in the same account": (
        lambda stack: {
            "environments": {"dev": DEV, "staging": STAGING_BESIDE_DEV},
            "stage": stage_making(
                lambda scope, config: ServiceAbstractStack(scope, "Service", config=DEV)
            ),
        },
        r"stage\('staging'\)='staging/Service': is built from environment 'dev' \(dev\), "
        r"while the pipeline deploys it as 'staging' \(staging\): pass the config",
    ),
    "stage makes an environment-agnostic stack": (
        lambda stack: {
            "stage": stage_making(
                lambda scope, config: ServiceStack(
                    scope,
                    "Service",
                    env=Environment(account=cdk.Aws.ACCOUNT_ID, region=cdk.Aws.REGION),
                )
            )
        },
        r"stage\('dev'\)='dev/Service': is environment-agnostic \(account unresolved, region "
        r"unresolved\): the pipeline deploys it to environment 'dev', account 111111111111 in "
        r"us-east-1",
    ),
    "stage puts a stack in another region": (
        lambda stack: {
            "stage": stage_making(
                lambda scope, config: ServiceStack(
                    scope, "Service", env=Environment(account=config.account, region="eu-west-1")
                )
            )
        },
        r"stage\('dev'\)='dev/Service': deploys to account 111111111111 in eu-west-1, while "
        r"environment 'dev' is account 111111111111 in us-east-1",
    ),
    "stage makes a stack outside its scope": (
        lambda stack: {
            "stage": stage_making(
                lambda scope, config: (
                    ServiceStack(scope, "Service"),
                    ServiceStack(cdk.App.of(scope) or scope, f"Extra-{config.name}"),
                )
            )
        },
        r"stage\('dev'\)='Extra-dev': is outside the environment's cdk.Stage 'dev', so the "
        r"pipeline would not deploy it",
    ),
    "stage nests a cdk.Stage": (
        lambda stack: {"stage": stage_making(lambda scope, config: ServiceStage(scope, "App"))},
        r"stage\('dev'\)='dev/App/Service': is in a cdk.Stage of its own inside the "
        r"environment's, which CDK Pipelines does not deploy",
    ),
    # the source
    "repository with .git": (
        lambda stack: {"repository": "acme/orders.git"},
        r"repository='acme/orders.git': is a clone address's end: .* \('acme/orders'\)",
    ),
    "repository as a URL": (
        lambda stack: {"repository": "https://github.com/acme/orders"},
        r"repository='https://github.com/acme/orders': must be the repository as 'owner/name'",
    ),
    "repository empty": (lambda stack: {"repository": ""}, r"repository='': must be"),
    "repository as a list": (
        lambda stack: {"repository": ["acme/orders"]},
        r"repository=\['acme/orders'\]: must be a string or None",
    ),
    "connection as a repository URL": (
        lambda stack: {"connection_arn": "https://github.com/acme/orders"},
        r"connection_arn='https://github.com/acme/orders': must be a connection ARN",
    ),
    "codecommit repository by name": (
        lambda stack: {
            "connection_arn": None,
            "repository": None,
            "codecommit_repository": "orders",
        },
        r"codecommit_repository='orders': must be an aws_codecommit.IRepository or None",
    ),
    "branch as a full ref": (
        lambda stack: {"branch": "refs/heads/main"},
        r"branch='refs/heads/main': is a full ref: give the branch's name alone, such as 'main'",
    ),
    "branch pattern": (lambda stack: {"branch": "release/*"}, r"branch='release/\*': is not a"),
    "branch None": (lambda stack: {"branch": None}, r"branch=None: must be a string"),
    # the synth step
    "no install command": (
        lambda stack: {"install_commands": []},
        r"install_commands=\[\]: must name at least one command: they install the CDK CLI",
    ),
    "install commands as one string": (
        lambda stack: {"install_commands": "npm ci"},
        r"install_commands='npm ci': must be a list of str or None",
    ),
    "test command as a list": (
        lambda stack: {"test_command": ["pytest"]},
        r"test_command=\['pytest'\]: must be a string or None",
    ),
    "empty app_dir": (lambda stack: {"app_dir": ""}, r"app_dir='': must be a folder"),
    # the environments and their order
    "environments as a list": (
        lambda stack: {"environments": [DEV]},
        r"environments=\[EnvironmentConfig\(.*\)\]: must be a mapping of str to "
        r"EnvironmentConfig",
    ),
    "environments as a file name": (
        lambda stack: {"environments": "environments.json"},
        r"environments='environments.json': must be a mapping",
    ),
    "order as flat names": (
        lambda stack: {"order": ["dev", "staging", "qa", "production"]},
        r"order\[0\]='dev': must be a list of str",
    ),
    "order with an empty wave": (
        lambda stack: {"order": [["dev"], [], ["staging", "qa", "production"]]},
        r"order\[1\]=\[\]: must be a non-empty list of stage names",
    ),
    "order repeats an environment": (
        lambda stack: {"order": [["dev"], ["dev", "staging", "qa", "production"]]},
        r"order\[1\]='dev': is already in wave 1",
    ),
    "docker as text": (
        lambda stack: {"docker_enabled_for_synth": "yes"},
        r"docker_enabled_for_synth='yes': must be True or False",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused_and_nothing_is_left(case: str) -> None:
    overrides, pattern = INVALID[case]
    app = cdk.App()
    stack = Stack(app, "Invalid", env=PIPELINE_ENV)
    options = {**required(stack), **overrides(stack)}
    before = len(app.node.find_all())
    with pytest.raises(ValidationError, match=r"^OrgPipeline\('Delivery'\): ") as error:
        OrgPipeline(stack, "Delivery", **options)
    assert error.match(pattern)
    assert len(app.node.find_all()) == before, "a refused pipeline left constructs behind"
    assert [c.node.id for c in app.node.children] == ["Invalid"]


def test_a_stack_without_account_and_region_is_refused() -> None:
    stack = Stack(cdk.App(), "Agnostic")
    with pytest.raises(
        ValidationError,
        match=r"OrgPipeline\('Delivery'\): scope='Agnostic': is in a stack without an account "
        r"and a region: cross-account deployments need them",
    ):
        OrgPipeline(stack, "Delivery", **required(stack))


def test_an_environment_named_like_a_construct_of_the_app_is_refused() -> None:
    app = cdk.App()
    stack = Stack(app, "Pipeline", env=PIPELINE_ENV)
    Stack(app, "staging")
    with pytest.raises(
        ValidationError,
        match=r"environments='staging': is already the id of a construct in the app",
    ):
        OrgPipeline(stack, "Delivery", **required(stack))
    assert stack.node.try_find_child("Delivery") is None
    assert app.node.try_find_child("dev") is None


def test_an_error_in_the_stage_function_leaves_nothing() -> None:
    app = cdk.App()
    stack = Stack(app, "Pipeline", env=PIPELINE_ENV)

    def broken(scope: Construct, name: str, config: EnvironmentConfig) -> None:
        service(scope, name, config)
        if config.is_production:
            raise RuntimeError("no production yet")

    with pytest.raises(RuntimeError, match="no production yet"):
        OrgPipeline(stack, "Delivery", **{**required(stack), "stage": broken})
    assert [c.node.id for c in app.node.children] == ["Pipeline"]
    assert stack.node.try_find_child("Delivery") is None


def test_codestar_connections_arns_and_group_repositories_are_accepted() -> None:
    stack = Stack(cdk.App(), "Accepted", env=PIPELINE_ENV)
    pipeline = OrgPipeline(
        stack,
        "Delivery",
        **{
            **required(stack),
            "environments": {"dev": environments()["dev"]},
            "connection_arn": CONNECTION.replace("codeconnections", "codestar-connections"),
            "repository": "acme/platform/orders",
            "notification_topic": sns.Topic.from_topic_arn(
                stack, "Topic", "arn:aws:sns:us-east-1:999999999999:deployments"
            ),
        },
    )
    (source,) = stages(template_of(stack))["Source"]
    assert source["Configuration"]["FullRepositoryId"] == "acme/platform/orders"
    assert list(pipeline.stages) == ["dev"]
