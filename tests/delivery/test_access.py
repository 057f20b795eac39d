"""DeploymentAccess: the OIDC provider, the deploy role's trust and permission, the execution
policy (allows, denies, size), outputs, from_config, a second access, validation, compliance."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Duration, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from constructs import Construct

from org_constructs import AbstractStack, DeploymentAccess, EnvironmentConfig, ValidationError
from org_constructs.compliance import (
    NAG_PACKS,
    acknowledge_check,
    acknowledge_finding,
    nag_findings,
)
from org_constructs.config import SecurityConfig
from org_constructs.contract import ACKNOWLEDGED, APP_SOURCE, TEMPLATE_KEY
from org_constructs.delivery._access import (
    CHECKOV_ACKNOWLEDGEMENTS,
    MAX_MANAGED_POLICY_SIZE,
    SERVICE_ACTIONS,
    policy_size,
)
from org_constructs.testing import acknowledged_rules, assert_no_wildcard_iam, find_resources
from tests.support import Background, checkov_report, templates_for_checkov

ACCOUNT, REGION = "111111111111", "us-east-1"
GITHUB = "token.actions.githubusercontent.com"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"
PARTITION = "${AWS::Partition}"
"""How ``render`` writes the partition of a bare ``cdk.App()`` (a ``Ref``)."""


def new_stack(name: str = "Access", **kwargs: Any) -> Stack:
    """A stack of a bare ``cdk.App()`` in the test account, as a consumer's unit test has."""
    return Stack(cdk.App(), name, env=Environment(account=ACCOUNT, region=REGION), **kwargs)


EXTRAS_REASON = (
    "The orders service's stacks create DynamoDB tables, whose names CloudFormation generates: "
    "the table actions cannot name them in advance."
)


def full_access(stack: Stack) -> DeploymentAccess:
    """Every option: an existing provider, two environments and regions, names, extras; the
    team acknowledges what its extra actions cause, on the extra execution policy."""
    access = DeploymentAccess(
        stack,
        "Access",
        repository="acme/orders",
        environments=["staging", "production"],
        role_name="orders-deploy",
        role_path="/delivery/",
        oidc_provider_arn=PROVIDER_ARN,
        qualifier="orgcdk",
        regions=["us-east-1", "eu-west-1"],
        max_session_duration=Duration.hours(2),
        execution_policy_name="orders-cfn-execution",
        extra_actions=["dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeTable"],
    )
    extra = access.extra_execution_policy
    assert extra is not None
    acknowledge_finding(extra, "AwsSolutions-IAM5", EXTRAS_REASON, applies_to=["Resource::*"])
    acknowledge_check(extra, "checkov", "CKV_AWS_111", EXTRAS_REASON)
    return access


class RegulatedStack(AbstractStack):
    """A stage held to all five packs, its access made from its environment."""

    def initialize(self) -> None:
        self.access = DeploymentAccess.from_config(
            self, "Access", self.config, repository="acme/orders"
        )


def regulated_config(production_config: EnvironmentConfig) -> EnvironmentConfig:
    return dataclasses.replace(
        production_config,
        deploy_role_arn=f"arn:aws:iam::{production_config.account}:role/delivery/org-cdk-deploy",
        security=SecurityConfig.for_stage("production", nag_packs=tuple(NAG_PACKS)),
    )


@pytest.fixture(scope="session")
def stacks(production_config: EnvironmentConfig) -> dict[str, Stack]:
    default = new_stack("Access-default")
    DeploymentAccess(default, "Access", repository="acme/orders", environments="production")
    everything = new_stack("Access-all")
    full_access(everything)
    regulated = RegulatedStack(
        cdk.App(), "Access-regulated", config=regulated_config(production_config)
    )
    return {"default": default, "all": everything, "regulated": regulated}


@pytest.fixture(scope="session")
def templates(
    stacks: dict[str, Stack], background: Background, request: pytest.FixtureRequest
) -> dict[str, Template]:
    """Session-scoped: the end-to-end checkov test reads them after the fast tests."""
    return templates_for_checkov(stacks, background, request, __file__, "deployment_access")


def access_of(stack: Stack) -> DeploymentAccess:
    found = stack.node.find_child("Access")
    assert isinstance(found, DeploymentAccess)
    return found


def render(value: Any, partition: str = PARTITION) -> Any:
    """``value`` with ``Fn::Join`` joined and pseudo parameters written ``${AWS::...}``."""
    if isinstance(value, list):
        return [render(v, partition) for v in value]
    if isinstance(value, dict):
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(render(p, partition) for p in parts)
        if set(value) == {"Ref"} and value["Ref"] == "AWS::Partition":
            return partition
        if set(value) == {"Ref"} and str(value["Ref"]).startswith("AWS::"):
            return "${" + value["Ref"] + "}"
        return {k: render(v, partition) for k, v in value.items()}
    return value


def roles_of(template: Template) -> dict[str, dict[str, Any]]:
    """The roles by logical id."""
    return dict(find_resources(template, "AWS::IAM::Role"))


def deploy_role(template: Template) -> dict[str, Any]:
    """The one deploy role (the review role is the other)."""
    (role,) = [r for i, r in roles_of(template).items() if "ReviewRole" not in i]
    return role


def review_role(template: Template) -> dict[str, Any]:
    (role,) = [r for i, r in roles_of(template).items() if "ReviewRole" in i]
    return role


def policy_named(template: Template, name: str) -> dict[str, Any]:
    (policy,) = [
        p
        for p in find_resources(template, "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["ManagedPolicyName"] == name
    ]
    return policy


def statements_of(template: Template, name: str) -> dict[str, dict[str, Any]]:
    """The policy's statements by Sid, rendered."""
    document = render(policy_named(template, name)["Properties"]["PolicyDocument"])
    return {s["Sid"]: s for s in document["Statement"]}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ----------------------------------------------------------------------------- the review role


def test_the_review_role_is_trusted_by_the_review_environments_only(
    templates: dict[str, Template],
) -> None:
    """The prepare jobs run in `<stage>-review`: their token may assume the review role, and
    only the stage's own environment (its approval rules) may assume the deploy role."""
    default = review_role(templates["default"])["Properties"]
    assert default["RoleName"] == "org-cdk-deploy-review"
    (statement,) = default["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"]["StringEquals"] == {
        f"{GITHUB}:aud": "sts.amazonaws.com",
        f"{GITHUB}:sub": "repo:acme/orders:environment:production-review",
    }
    full = review_role(templates["all"])["Properties"]
    assert (full["RoleName"], full["Path"]) == ("orders-deploy-review", "/delivery/")
    assert full["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"][
        f"{GITHUB}:sub"
    ] == [
        "repo:acme/orders:environment:staging-review",
        "repo:acme/orders:environment:production-review",
    ]
    deploy_subjects = deploy_role(templates["all"])["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ][0]["Condition"]["StringEquals"][f"{GITHUB}:sub"]
    assert not [s for s in deploy_subjects if s.endswith("-review")]


def test_the_review_role_prepares_change_sets_and_can_never_execute_them(
    templates: dict[str, Template],
) -> None:
    statements = statements_of(templates["default"], "org-cdk-deploy-review")
    role = f"arn:{PARTITION}:iam::{ACCOUNT}:role"
    assert statements["PublishAndLookUp"]["Resource"] == [
        f"{role}/cdk-hnb659fds-{kind}-role-{ACCOUNT}-{REGION}"
        for kind in ("file-publishing", "image-publishing", "lookup")
    ], "not the bootstrap deploy role: it could execute change sets"
    assert "cloudformation:ExecuteChangeSet" not in json.dumps(
        {k: v for k, v in statements.items() if v["Effect"] == "Allow"}
    )
    assert statements["ChangeSets"]["Action"] == [
        "cloudformation:CreateChangeSet",
        "cloudformation:DeleteChangeSet",
        "cloudformation:DescribeChangeSet",
        "cloudformation:DescribeStackEvents",
        "cloudformation:DescribeStacks",
        "cloudformation:GetTemplate",
        "cloudformation:GetTemplateSummary",
        "cloudformation:ListChangeSets",
    ]
    assert statements["ChangeSets"]["Resource"] == (
        f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/*"
    )
    assert statements["PassTheExecutionRole"] == {
        "Sid": "PassTheExecutionRole",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": f"{role}/cdk-hnb659fds-cfn-exec-role-{ACCOUNT}-{REGION}",
        "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
    }
    never = statements["NeverChangeAStack"]
    assert (never["Effect"], never["Resource"]) == ("Deny", "*")
    assert set(never["Action"]) >= {
        "cloudformation:ExecuteChangeSet",
        "cloudformation:CreateStack",
        "cloudformation:UpdateStack",
        "cloudformation:DeleteStack",
    }


def test_review_role_false_leaves_it_out_and_a_long_name_is_refused() -> None:
    stack = new_stack()
    access = DeploymentAccess(
        stack, "Access", repository="a/b", environments="dev", review_role=False
    )
    assert (access.review_role, access.review_role_arn) == (None, None)
    assert [r["Properties"]["RoleName"] for r in roles_of(Template.from_stack(stack)).values()] == [
        "org-cdk-deploy"
    ]
    with pytest.raises(ValidationError, match=r"role_name='x{58}': is too long for its review"):
        DeploymentAccess(
            new_stack(), "Access", repository="a/b", environments="dev", role_name="x" * 58
        )
    DeploymentAccess(
        new_stack(), "Access", repository="a/b", environments="dev", role_name="x" * 58,
        review_role=False,
    )  # fmt: skip


# ----------------------------------------------------------------------------- the provider


def test_provider_is_githubs_and_cloudformation_native(templates: dict[str, Template]) -> None:
    template = templates["default"]
    (provider,) = find_resources(template, "AWS::IAM::OIDCProvider").values()
    assert provider["Properties"] == {
        "ClientIdList": ["sts.amazonaws.com"],
        "Url": "https://token.actions.githubusercontent.com",
    }
    types = {r["Type"] for r in template.to_json()["Resources"].values()}
    assert types == {"AWS::IAM::OIDCProvider", "AWS::IAM::Role", "AWS::IAM::ManagedPolicy"}, (
        "no custom resource, no Lambda function"
    )


def test_logical_ids_are_pinned(templates: dict[str, Template]) -> None:
    assert set(templates["default"].to_json()["Resources"]) == {
        "AccessProvider44B6B7DD",
        "AccessRoleE6825E38",
        "AccessRolePolicyD2523FBB",
        "AccessReviewRole8B38ECA5",
        "AccessReviewRolePolicy5FEEAF71",
        "AccessExecutionPolicy0D593E54",
    }


# ----------------------------------------------------------------------------- the role


def test_only_the_repositorys_environment_may_assume_the_role(
    templates: dict[str, Template],
) -> None:
    role = deploy_role(templates["default"])
    assert role["Properties"]["AssumeRolePolicyDocument"] == {
        "Statement": [
            {
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB}:aud": "sts.amazonaws.com",
                        f"{GITHUB}:sub": "repo:acme/orders:environment:production",
                    }
                },
                "Effect": "Allow",
                "Principal": {"Federated": {"Ref": "AccessProvider44B6B7DD"}},
            }
        ],
        "Version": "2012-10-17",
    }


def test_each_environment_is_a_subject_and_a_given_provider_is_trusted(
    templates: dict[str, Template],
) -> None:
    role = deploy_role(templates["all"])
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Federated": PROVIDER_ARN}
    assert statement["Condition"] == {
        "StringEquals": {
            f"{GITHUB}:aud": "sts.amazonaws.com",
            f"{GITHUB}:sub": [
                "repo:acme/orders:environment:staging",
                "repo:acme/orders:environment:production",
            ],
        }
    }
    assert find_resources(templates["all"], "AWS::IAM::OIDCProvider") == {}


def test_role_name_path_and_session(templates: dict[str, Template]) -> None:
    default = deploy_role(templates["default"])
    assert default["Properties"]["RoleName"] == "org-cdk-deploy"
    assert default["Properties"]["MaxSessionDuration"] == 3600
    assert "Path" not in default["Properties"] or default["Properties"]["Path"] == "/"
    full = deploy_role(templates["all"])
    assert full["Properties"]["RoleName"] == "orders-deploy"
    assert full["Properties"]["Path"] == "/delivery/"
    assert full["Properties"]["MaxSessionDuration"] == 7200
    for role in (default, full):
        assert "Policies" not in role["Properties"], "no inline policy"
        assert "ManagedPolicyArns" not in role["Properties"]


def bootstrap_roles(qualifier: str, regions: list[str], account: str = ACCOUNT) -> list[str]:
    return [
        f"arn:{PARTITION}:iam::{account}:role/cdk-{qualifier}-{kind}-role-{account}-{region}"
        for region in regions
        for kind in ("deploy", "file-publishing", "image-publishing", "lookup")
    ]


def test_the_role_may_only_assume_the_bootstrap_roles(templates: dict[str, Template]) -> None:
    policy = policy_named(templates["default"], "org-cdk-deploy")
    assert policy["Properties"]["Roles"] == [{"Ref": "AccessRoleE6825E38"}]
    assert render(policy["Properties"]["PolicyDocument"]) == {
        "Statement": [
            {
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Effect": "Allow",
                "Resource": bootstrap_roles("hnb659fds", ["us-east-1"]),
                "Sid": "BootstrapRoles",
            }
        ],
        "Version": "2012-10-17",
    }


def test_the_bootstrap_roles_of_each_region_and_qualifier(templates: dict[str, Template]) -> None:
    policy = policy_named(templates["all"], "orders-deploy")
    assert policy["Properties"]["Path"] == "/delivery/"
    (statement,) = render(policy["Properties"]["PolicyDocument"])["Statement"]
    assert statement["Resource"] == bootstrap_roles("orgcdk", ["us-east-1", "eu-west-1"])
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]


# ----------------------------------------------------------------------------- execution policy


def test_execution_policy_allows_the_librarys_services_by_action_family(
    templates: dict[str, Template],
) -> None:
    statements = statements_of(templates["default"], "org-cdk-cfn-execution")
    services = statements["Services"]
    assert services["Effect"] == "Allow"
    assert services["Resource"] == "*"
    assert sorted(services["Action"]) == sorted(
        f"{service}:{action}" for service, actions in SERVICE_ACTIONS.items() for action in actions
    )
    assert {a.split(":")[0] for a in services["Action"]} >= {
        "cloudformation", "ec2", "s3", "kms", "lambda", "logs", "cloudwatch", "sns", "sqs",
        "codedeploy", "rds", "secretsmanager", "apigateway", "ssm", "events", "chatbot",
        "wafv2", "backup",
    }  # fmt: skip
    for statement in statements.values():
        if statement["Effect"] == "Allow":
            for action in as_list(statement["Action"]):
                assert action != "*"
                assert not action.endswith(":*"), "no whole service"
                assert not action.startswith(("iam:CreateUser", "organizations:", "account:"))
    assert statements["RolesAndPolicies"] == {
        "Sid": "RolesAndPolicies",
        "Effect": "Allow",
        "Action": [
            "iam:Get*", "iam:List*", "iam:Add*", "iam:Attach*", "iam:Create*", "iam:Delete*",
            "iam:Detach*", "iam:PassRole", "iam:Put*", "iam:Remove*", "iam:Set*", "iam:Tag*",
            "iam:Untag*", "iam:Update*",
        ],
        "Resource": [
            f"arn:{PARTITION}:iam::{ACCOUNT}:role/*",
            f"arn:{PARTITION}:iam::{ACCOUNT}:policy/*",
            f"arn:{PARTITION}:iam::{ACCOUNT}:instance-profile/*",
        ],
    }  # fmt: skip


def test_no_data_plane_beyond_what_deployments_read(templates: dict[str, Template]) -> None:
    actions = statements_of(templates["default"], "org-cdk-cfn-execution")["Services"]["Action"]
    for absent in ("sns:Publish", "sqs:SendMessage", "sqs:ReceiveMessage", "s3:PutObject"):
        assert absent not in actions
    assert "ec2:GetPasswordData" not in actions
    assert "ec2:Get*" not in actions


IAM_WRITES = [
    "iam:Add*", "iam:Attach*", "iam:Create*", "iam:Delete*", "iam:Detach*", "iam:PassRole",
    "iam:Put*", "iam:Remove*", "iam:Set*", "iam:Tag*", "iam:Untag*", "iam:Update*",
]  # fmt: skip


def test_execution_policy_denies(templates: dict[str, Template]) -> None:
    statements = statements_of(templates["default"], "org-cdk-cfn-execution")
    iam_arn = f"arn:{PARTITION}:iam::{ACCOUNT}"
    denies = {sid: s for sid, s in statements.items() if s["Effect"] == "Deny"}
    assert denies == {
        "DeploymentAccess": {
            "Sid": "DeploymentAccess",
            "Effect": "Deny",
            "Action": IAM_WRITES,
            "Resource": [
                f"{iam_arn}:role/org-cdk-deploy",
                f"{iam_arn}:policy/org-cdk-deploy",
                f"{iam_arn}:role/org-cdk-deploy-review",
                f"{iam_arn}:policy/org-cdk-deploy-review",
                f"{iam_arn}:oidc-provider/{GITHUB}",
                f"{iam_arn}:role/cdk-hnb659fds-*",
                f"{iam_arn}:policy/org-cdk-cfn-execution",
            ],
        },
        "Bootstrap": {
            "Sid": "Bootstrap",
            "Effect": "Deny",
            "Action": [
                "s3:DeleteBucket*",
                "s3:Put*Configuration",
                "s3:PutBucket*",
                "ssm:DeleteParameter*",
                "ssm:PutParameter",
            ],
            "Resource": [
                f"arn:{PARTITION}:s3:::cdk-hnb659fds-assets-{ACCOUNT}-*",
                f"arn:{PARTITION}:ssm:*:{ACCOUNT}:parameter/cdk-bootstrap/hnb659fds/*",
            ],
        },
        "Identities": {
            "Sid": "Identities",
            "Effect": "Deny",
            "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"],
            "Resource": "*",
        },
        "Organization": {
            "Sid": "Organization",
            "Effect": "Deny",
            "Action": ["organizations:*", "account:*"],
            "Resource": "*",
        },
    }
    effects = [s["Effect"] for s in statements.values()]
    assert effects == sorted(effects), "every deny after every allow (cdk-nag reads text)"


def test_the_denies_follow_the_names_and_the_qualifier(templates: dict[str, Template]) -> None:
    statements = statements_of(templates["all"], "orders-cfn-execution")
    iam_arn = f"arn:{PARTITION}:iam::{ACCOUNT}"
    assert statements["DeploymentAccess"]["Resource"] == [
        f"{iam_arn}:role/delivery/orders-deploy",
        f"{iam_arn}:policy/delivery/orders-deploy",
        f"{iam_arn}:role/delivery/orders-deploy-review",
        f"{iam_arn}:policy/delivery/orders-deploy-review",
        f"{iam_arn}:oidc-provider/{GITHUB}",
        f"{iam_arn}:role/cdk-orgcdk-*",
        f"{iam_arn}:policy/orders-cfn-execution",
        f"{iam_arn}:policy/orders-cfn-execution-extra",
    ]
    assert statements["Bootstrap"]["Resource"][0] == (
        f"arn:{PARTITION}:s3:::cdk-orgcdk-assets-{ACCOUNT}-*"
    )
    assert "Extra" not in statements, "extra_actions are in a policy of their own"


def test_extra_actions_are_a_policy_of_their_own_the_library_acknowledges_nothing_of(
    stacks: dict[str, Stack], templates: dict[str, Template]
) -> None:
    """The library's acknowledgements (checkov's privilege escalation and write checks among
    them) hold for the statements it wrote; the team's actions reach the team's gate."""
    template = templates["all"]
    extra = policy_named(template, "orders-cfn-execution-extra")
    assert render(extra["Properties"]["PolicyDocument"]) == {
        "Statement": [
            {
                "Sid": "Extra",
                "Effect": "Allow",
                "Action": [
                    "dynamodb:CreateTable",
                    "dynamodb:DeleteTable",
                    "dynamodb:DescribeTable",
                ],
                "Resource": "*",
            }
        ],
        "Version": "2012-10-17",
    }
    assert "Roles" not in extra["Properties"], "attached by cdk bootstrap, as the other"
    entries = extra["Metadata"][TEMPLATE_KEY][ACKNOWLEDGED]
    assert [(e["rule"], e["source"]) for e in entries] == [
        ("AwsSolutions-IAM5[Resource::*]", APP_SOURCE)
    ], "the library acknowledges nothing of the team's actions"
    skips = extra.get("Metadata", {}).get("checkov", {}).get("skip", [])
    assert [s["id"] for s in skips] == ["CKV_AWS_111"], "the team's own acknowledgement"
    main = policy_named(template, "orders-cfn-execution")
    assert "dynamodb" not in json.dumps(main["Properties"]["PolicyDocument"])
    access = access_of(stacks["all"])
    assert access.extra_execution_policy is not None
    assert stacks["all"].resolve(access.extra_execution_policy_arn) == {
        "Ref": "AccessExtraExecutionPolicy61728C0C"
    }
    outputs = template.to_json()["Outputs"]
    assert outputs["ExtraExecutionPolicyArn"]["Value"] == {
        "Ref": "AccessExtraExecutionPolicy61728C0C"
    }
    default = access_of(stacks["default"])
    assert (default.extra_execution_policy, default.extra_execution_policy_arn) == (None, None)
    assert "ExtraExecutionPolicyArn" not in templates["default"].to_json()["Outputs"]


def test_the_teams_extra_actions_are_reported_until_the_team_acknowledges_them() -> None:
    stack = new_stack()
    DeploymentAccess(
        stack,
        "Access",
        repository="a/b",
        environments="dev",
        extra_actions=["dynamodb:CreateTable"],
    )
    findings = {f.rule_id for f in nag_findings(stack, ("AwsSolutions",))}
    assert findings == {"AwsSolutions-IAM5[Resource::*]"}


def size_of(template: Template, name: str) -> int:
    """The document's size once CloudFormation resolves it, in the longest partition."""
    document = render(policy_named(template, name)["Properties"]["PolicyDocument"], "aws-us-gov")
    return len(json.dumps(document, separators=(",", ":")))


def test_execution_policy_fits_a_managed_policy(templates: dict[str, Template]) -> None:
    size = size_of(templates["default"], "org-cdk-cfn-execution")
    assert size <= MAX_MANAGED_POLICY_SIZE
    assert size < 5400, f"{size}: leave room for extra_actions"
    assert size_of(templates["all"], "orders-cfn-execution") <= MAX_MANAGED_POLICY_SIZE


def test_an_extra_execution_policy_over_the_limit_is_refused() -> None:
    stack = new_stack()
    many = [f"dynamodb:Action{n:04d}" for n in range(300)]
    with pytest.raises(
        ValidationError,
        match=r"extra_actions=\[.*\]: make the extra execution policy 6\d{3} characters, over "
        r"IAM's 6144",
    ):
        DeploymentAccess(stack, "Access", repository="a/b", environments="dev", extra_actions=many)
    assert stack.node.try_find_child("Access") is None


def test_policy_size_counts_without_whitespace() -> None:
    statement = {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    text = '{"Version":"2012-10-17","Statement":[' + json.dumps(statement, separators=(",", ":"))
    assert policy_size([statement]) == len(text + "]}")


# ----------------------------------------------------------------------------- outputs


def test_outputs(templates: dict[str, Template]) -> None:
    outputs = templates["default"].to_json()["Outputs"]
    assert outputs["DeployRoleArn"]["Value"] == {"Fn::GetAtt": ["AccessRoleE6825E38", "Arn"]}
    assert outputs["ExecutionPolicyArn"]["Value"] == {"Ref": "AccessExecutionPolicy0D593E54"}
    assert outputs["ReviewRoleArn"]["Value"] == {"Fn::GetAtt": ["AccessReviewRole8B38ECA5", "Arn"]}
    assert set(outputs) == {"DeployRoleArn", "ExecutionPolicyArn", "ReviewRoleArn"}


def test_attributes(stacks: dict[str, Stack]) -> None:
    stack = stacks["default"]
    access = access_of(stack)
    assert isinstance(access.role, iam.Role)
    assert stack.resolve(access.role_arn) == {"Fn::GetAtt": ["AccessRoleE6825E38", "Arn"]}
    assert isinstance(access.provider, iam.OidcProviderNative)
    assert stack.resolve(access.provider.oidc_provider_arn) == {"Ref": "AccessProvider44B6B7DD"}
    assert isinstance(access.execution_policy, iam.ManagedPolicy)
    assert access.execution_policy_arn is not None
    assert stack.resolve(access.execution_policy_arn) == {"Ref": "AccessExecutionPolicy0D593E54"}
    given = access_of(stacks["all"])
    assert stacks["all"].resolve(given.provider.oidc_provider_arn) == PROVIDER_ARN


def test_without_execution_policy() -> None:
    stack = new_stack()
    access = DeploymentAccess(
        stack, "Access", repository="a/b", environments="dev", execution_policy=False
    )
    assert access.execution_policy is None
    assert access.execution_policy_arn is None
    template = Template.from_stack(stack).to_json()
    assert [p["Properties"]["ManagedPolicyName"] for p in find_resources(
        template, "AWS::IAM::ManagedPolicy"
    ).values()] == ["org-cdk-deploy", "org-cdk-deploy-review"]  # fmt: skip
    assert set(template["Outputs"]) == {"DeployRoleArn", "ReviewRoleArn"}


# ----------------------------------------------------------------------------- several


def test_a_second_access_must_use_the_first_provider() -> None:
    stack = new_stack()
    DeploymentAccess(stack, "Orders", repository="acme/orders", environments="production")
    with pytest.raises(
        ValidationError,
        match=r"DeploymentAccess\('Payments'\): oidc_provider_arn=None: is required: "
        r"Access/Orders makes the account's GitHub OIDC provider \(one per account\); pass "
        r"oidc_provider_arn=<that construct>\.provider\.oidc_provider_arn",
    ):
        DeploymentAccess(stack, "Payments", repository="acme/payments", environments="production")
    assert stack.node.try_find_child("Payments") is None


def test_a_second_access_with_the_provider_its_own_role_and_prefixed_outputs() -> None:
    stack = new_stack()
    orders = DeploymentAccess(stack, "Orders", repository="acme/orders", environments="dev")
    DeploymentAccess(
        stack,
        "Payments",
        repository="acme/payments",
        environments="dev",
        role_name="payments-deploy",
        oidc_provider_arn=orders.provider.oidc_provider_arn,
        execution_policy=False,
    )
    template = Template.from_stack(stack).to_json()
    assert len(find_resources(template, "AWS::IAM::OIDCProvider")) == 1
    roles = find_resources(template, "AWS::IAM::Role").values()
    assert sorted(r["Properties"]["RoleName"] for r in roles) == [
        "org-cdk-deploy",
        "org-cdk-deploy-review",
        "payments-deploy",
        "payments-deploy-review",
    ]
    principals = [
        r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] for r in roles
    ]
    assert principals == [{"Federated": {"Ref": "OrdersProvider2EAE0C73"}}] * 4
    assert set(template["Outputs"]) == {
        "DeployRoleArn",
        "ExecutionPolicyArn",
        "ReviewRoleArn",
        "PaymentsDeployRoleArn",
        "PaymentsReviewRoleArn",
    }


def test_the_same_role_or_execution_policy_twice_is_refused() -> None:
    stack = new_stack()
    DeploymentAccess(stack, "Orders", repository="acme/orders", environments="dev")
    with pytest.raises(ValidationError, match=r"role_name='org-cdk-deploy': is the role name of"):
        DeploymentAccess(
            stack, "Again", repository="a/b", environments="dev", oidc_provider_arn=PROVIDER_ARN
        )
    with pytest.raises(
        ValidationError,
        match=r"execution_policy=True: Access/Orders makes the execution policy "
        r"'org-cdk-cfn-execution' \(one per account\): pass execution_policy=False",
    ):
        DeploymentAccess(
            stack,
            "Again",
            repository="a/b",
            environments="dev",
            oidc_provider_arn=PROVIDER_ARN,
            role_name="other",
        )
    assert stack.node.try_find_child("Again") is None


def test_names_of_the_other_access_policies_are_refused() -> None:
    stack = new_stack()
    DeploymentAccess(stack, "Orders", repository="acme/orders", environments="dev")
    shared: dict[str, Any] = {
        "repository": "a/b",
        "environments": "dev",
        "oidc_provider_arn": PROVIDER_ARN,
    }
    with pytest.raises(
        ValidationError,
        match=r"role_name='org-cdk-cfn-execution': is the name of the execution policy of "
        r"Access/Orders",
    ):
        DeploymentAccess(
            stack, "Again", role_name="org-cdk-cfn-execution", execution_policy=False, **shared
        )
    with pytest.raises(
        ValidationError,
        match=r"execution_policy_name='org-cdk-deploy': is the name of the role policy of "
        r"Access/Orders",
    ):
        DeploymentAccess(
            stack, "Again", role_name="other", execution_policy_name="org-cdk-deploy", **shared
        )
    assert stack.node.try_find_child("Again") is None


def test_a_second_provider_in_another_stack_of_the_account_is_refused() -> None:
    app = cdk.App()
    env = Environment(account=ACCOUNT, region=REGION)
    DeploymentAccess(Stack(app, "One", env=env), "Access", repository="a/b", environments="dev")
    other = Stack(app, "Two", env=Environment(account=ACCOUNT, region="eu-west-1"))
    with pytest.raises(ValidationError, match=r"oidc_provider_arn=None: is required: One/Access"):
        DeploymentAccess(other, "Access", repository="a/c", environments="dev", role_name="c")
    elsewhere = Stack(app, "Three", env=Environment(account="222222222222", region=REGION))
    DeploymentAccess(elsewhere, "Access", repository="a/b", environments="dev")


# ----------------------------------------------------------------------------- from_config


def test_from_config(stacks: dict[str, Stack], templates: dict[str, Template]) -> None:
    stack = stacks["regulated"]
    template = templates["regulated"]
    role = deploy_role(template)
    assert role["Properties"]["RoleName"] == "org-cdk-deploy"
    assert role["Properties"]["Path"] == "/delivery/"
    condition = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["StringEquals"][f"{GITHUB}:sub"] == ("repo:acme/orders:environment:production")
    statements = statements_of(template, "org-cdk-deploy")
    assert statements["BootstrapRoles"]["Resource"] == bootstrap_roles(
        "hnb659fds", [REGION], "333333333333"
    )
    assert isinstance(stack, RegulatedStack)
    assert stack.resolve(stack.access.role_arn) == {"Fn::GetAtt": ["AccessRoleE6825E38", "Arn"]}


def test_from_config_passes_the_other_options(production_config: EnvironmentConfig) -> None:
    config = regulated_config(production_config)
    stack = Stack(cdk.App(), "S", env=Environment(account=config.account, region=REGION))
    access = DeploymentAccess.from_config(
        stack, "Access", config, repository="acme/orders", execution_policy=False
    )
    assert access.execution_policy is None


FROM_CONFIG_INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "no role": (
        {"deploy_role_arn": None},
        r"config\.deploy_role_arn=None: is required: it names the deploy role; set "
        r"deploy_role_arn of environment 'production' to "
        r"arn:aws:iam::333333333333:role/org-cdk-deploy",
    ),
    "a taken option": (
        {"regions": ["eu-west-1"]},
        r"regions=\['eu-west-1'\]: comes from the config",
    ),
    "an unknown option": (
        {"qualifer": "x"},
        r"qualifer='x': is not a property; did you mean 'qualifier'\?",
    ),
}


@pytest.mark.parametrize("case", sorted(FROM_CONFIG_INVALID))
def test_from_config_refuses(case: str, production_config: EnvironmentConfig) -> None:
    change, pattern = FROM_CONFIG_INVALID[case]
    config = regulated_config(production_config)
    if "deploy_role_arn" in change:
        config = dataclasses.replace(config, deploy_role_arn=None)
        change = {}
    stack = Stack(cdk.App(), "S", env=Environment(account=config.account, region=REGION))
    with pytest.raises(ValidationError, match=r"DeploymentAccess\('Access'\): " + pattern):
        DeploymentAccess.from_config(stack, "Access", config, repository="a/b", **change)
    assert stack.node.try_find_child("Access") is None


def test_from_config_refuses_a_role_of_another_account(
    production_config: EnvironmentConfig,
) -> None:
    config = regulated_config(production_config)
    stack = new_stack()  # account 111111111111, the role's is 333333333333
    with pytest.raises(
        ValidationError,
        match=r"config\.deploy_role_arn='arn:aws:iam::333333333333:role/delivery/org-cdk-deploy'"
        r": is a role of account 333333333333, not of the stack's account 111111111111",
    ):
        DeploymentAccess.from_config(stack, "Access", config, repository="a/b")
    assert stack.node.try_find_child("Access") is None


# ----------------------------------------------------------------------------- context


def test_a_stack_without_region_needs_regions() -> None:
    app = cdk.App()
    agnostic = Stack(app, "Agnostic")
    with pytest.raises(
        ValidationError,
        match=r"regions=None: is required in a stack without a region \(environment-agnostic\)",
    ):
        DeploymentAccess(agnostic, "Access", repository="a/b", environments="dev")
    assert agnostic.node.try_find_child("Access") is None
    DeploymentAccess(agnostic, "Access", repository="a/b", environments="dev", regions=[REGION])
    statements = statements_of(Template.from_stack(agnostic), "org-cdk-deploy")
    assert statements["BootstrapRoles"]["Resource"][0] == (
        f"arn:{PARTITION}:iam::${{AWS::AccountId}}:role/cdk-hnb659fds-deploy-role-"
        f"${{AWS::AccountId}}-us-east-1"
    )


def test_the_qualifier_comes_from_the_apps_context() -> None:
    app = cdk.App(context={"@aws-cdk/core:bootstrapQualifier": "orgcdk"})
    stack = Stack(app, "S", env=Environment(account=ACCOUNT, region=REGION))
    DeploymentAccess(stack, "Access", repository="a/b", environments="dev")
    statements = statements_of(Template.from_stack(stack), "org-cdk-deploy")
    assert statements["BootstrapRoles"]["Resource"] == bootstrap_roles("orgcdk", [REGION])
    bad = cdk.App(context={"@aws-cdk/core:bootstrapQualifier": "Org_CDK"})
    with pytest.raises(
        ValidationError,
        match=r"qualifier \(context @aws-cdk/core:bootstrapQualifier\)='Org_CDK': must be a "
        r"CDK bootstrap qualifier",
    ):
        DeploymentAccess(
            Stack(bad, "S", env=Environment(account=ACCOUNT, region=REGION)),
            "Access",
            repository="a/b",
            environments="dev",
        )


# ----------------------------------------------------------------------------- validation


def access(**props: Any) -> Callable[[Stack], Any]:
    options = {"repository": "acme/orders", "environments": "dev", **props}
    return lambda stack: DeploymentAccess(stack, "Access", **options)


INVALID: dict[str, tuple[Callable[[Stack], Any], str]] = {
    "repository without owner": (
        access(repository="orders"),
        r"repository='orders': must be a GitHub repository OWNER/NAME",
    ),
    "repository with a bad owner": (access(repository="-acme/orders"), r"repository='-acme/"),
    "repository owner too long": (access(repository=f"{'a' * 40}/orders"), r"repository='a{40}"),
    "repository name with a space": (access(repository="acme/my repo"), r"repository='acme/my"),
    "repository name '..'": (access(repository="acme/.."), r"repository='acme/\.\.'"),
    "repository with a path": (access(repository="acme/orders/x"), r"repository='acme/orders/x'"),
    "repository wildcard": (access(repository="acme/*"), r"repository='acme/\*'"),
    "no environment": (
        access(environments=[]),
        r"environments=\[\]: must name at least one GitHub environment",
    ),
    "environment wildcard": (
        access(environments="prod*"),
        r"environments='prod\*': must be a GitHub environment's name, not a pattern: a "
        r"wildcard would let the jobs of other environments assume the role",
    ),
    "environment question mark": (
        access(environments=["dev", "st?ging"]),
        r"environments\[1\]='st\?ging': must be a GitHub environment's name, not a pattern",
    ),
    "environment with a colon": (
        access(environments="prod:eu"),
        r"environments='prod:eu': must be a GitHub environment name: 1 to 255 characters",
    ),
    "environment with a comma": (access(environments=["a,b"]), r"environments\[0\]='a,b'"),
    "environment of spaces": (access(environments="  "), r"environments='  ': must be a GitHub"),
    "environment too long": (access(environments="e" * 256), r"environments='e{256}'"),
    "environment token": (
        access(environments=cdk.Aws.STACK_NAME),
        r"environments='\$\{Token\[AWS\.StackName\.\d+\]\}': must be a GitHub environment name",
    ),
    "environment twice": (
        access(environments=["dev", "dev"]),
        r"environments='dev': is given twice: give each environment once",
    ),
    "role name too long": (access(role_name="r" * 65), r"role_name='r{65}': must be an IAM role"),
    "role name character": (access(role_name="deploy/role"), r"role_name='deploy/role'"),
    "role path": (access(role_path="delivery"), r"role_path='delivery': must be an IAM path"),
    "role path double slash": (access(role_path="/a//"), r"role_path='/a//'"),
    "provider of another url": (
        access(oidc_provider_arn=f"arn:aws:iam::{ACCOUNT}:oidc-provider/gitlab.com"),
        r"oidc_provider_arn='arn:aws:iam::111111111111:oidc-provider/gitlab\.com': must be the "
        r"ARN of the account's GitHub OIDC provider",
    ),
    "provider of another account": (
        access(oidc_provider_arn=PROVIDER_ARN.replace(ACCOUNT, "222222222222")),
        r"oidc_provider_arn='arn:aws:iam::222222222222:oidc-provider/token\.actions\."
        r"githubusercontent\.com': is a provider of account 222222222222: the role trusts a "
        r"provider of its own account, 111111111111",
    ),
    "qualifier uppercase": (
        access(qualifier="HNB659FDS"),
        r"qualifier='HNB659FDS': must be a CDK bootstrap qualifier: 1 to 10 lowercase",
    ),
    "qualifier too long": (access(qualifier="q" * 11), r"qualifier='q{11}'"),
    "no region": (access(regions=[]), r"regions=\[\]: must name at least one region"),
    "unknown region": (access(regions=["us-east-9"]), r"regions\[0\]='us-east-9': is not a region"),
    "malformed region": (access(regions=["useast1"]), r"regions\[0\]='useast1': must be an AWS"),
    "region twice": (access(regions=[REGION, REGION]), r"regions='us-east-1': is given twice"),
    "session too short": (
        access(max_session_duration=Duration.minutes(30)),
        r"max_session_duration='30 minutes': must be from 1 hour to 12 hours",
    ),
    "session too long": (
        access(max_session_duration=Duration.hours(13)),
        r"max_session_duration='13 hours'",
    ),
    "policy name": (
        access(execution_policy_name="cfn execution"),
        r"execution_policy_name='cfn execution': must be an IAM policy name",
    ),
    "policy named as the role": (
        access(execution_policy_name="org-cdk-deploy"),
        r"execution_policy_name='org-cdk-deploy': is the name of the deploy role's own policy",
    ),
    "extra action star": (
        access(extra_actions=["*"]),
        r"extra_actions\[0\]='\*': would allow everything, as AdministratorAccess does",
    ),
    "extra action without service": (
        access(extra_actions=["CreateTable"]),
        r"extra_actions\[0\]='CreateTable': must be an IAM action, service:Action",
    ),
    "extra action twice": (
        access(extra_actions=["ecr:*", "ecr:*"]),
        r"extra_actions='ecr:\*': is given twice",
    ),
    "extra actions without the policy": (
        access(extra_actions=["ecr:*"], execution_policy=False),
        r"extra_actions=\['ecr:\*'\]: are actions of the execution policy: leave them out",
    ),
    "environments of the wrong type": (
        access(environments=[1]),
        r"environments\[0\]=1: must be a string",
    ),
    "regions as one string": (access(regions=REGION), r"regions='us-east-1': must be a list"),
    "execution policy not a bool": (
        access(execution_policy="yes"),
        r"execution_policy='yes': must be True or False",
    ),
    "session as a number": (
        access(max_session_duration=3600),
        r"max_session_duration=3600: must be a Duration",
    ),
    "scope not a stack": (
        lambda stack: DeploymentAccess(cdk.App(), "Access", repository="a/b", environments="dev"),
        r"scope='\(app\)': must be a Stack or a construct in one",
    ),
    # extra_actions that reopen what the execution policy denies, or escalate privilege
    "extra iam:*": (
        access(extra_actions=["iam:*"]),
        r"extra_actions\[0\]='iam:\*': would reopen IAM on every resource \(users, groups, "
        r"identity providers, account settings, other teams' roles\) \(iam:CreateUser, "
        r"iam:CreateAccessKey, iam:CreateLoginProfile: denied by the Identities statement",
    ),
    "extra iam:Create*": (
        access(extra_actions=["iam:Create*"]),
        r"extra_actions\[0\]='iam:Create\*': would reopen IAM on every resource",
    ),
    "extra iam:Put*Policy": (
        access(extra_actions=["iam:Put*Policy"]),
        r"extra_actions\[0\]='iam:Put\*Policy': would reopen IAM .*: the execution policy "
        r"allows IAM changes .* on the account's roles, policies and instance profiles only",
    ),
    "extra iam:Attach*": (
        access(extra_actions=["iam:Attach*"]),
        r"extra_actions\[0\]='iam:Attach\*': would reopen IAM",
    ),
    "extra iam:PassRole": (
        access(extra_actions=["iam:PassRole"]),
        r"extra_actions\[0\]='iam:PassRole': would reopen IAM",
    ),
    "extra iam:CreateUser": (
        access(extra_actions=["iam:CreateUser"]),
        r"extra_actions\[0\]='iam:CreateUser': .*\(iam:CreateUser: denied by the Identities",
    ),
    "extra IAM action in second place": (
        access(extra_actions=["ecr:*", "iam:UpdateAssumeRolePolicy"]),
        r"extra_actions\[1\]='iam:UpdateAssumeRolePolicy': would reopen IAM",
    ),
    "extra sts:AssumeRole": (
        access(extra_actions=["sts:AssumeRole"]),
        r"extra_actions\[0\]='sts:AssumeRole': covers sts:AssumeRole: CloudFormation could take "
        r"on any role that trusts the account",
    ),
    "extra sts:*": (
        access(extra_actions=["sts:*"]),
        r"extra_actions\[0\]='sts:\*': covers sts:AssumeRole, sts:AssumeRoleWithSAML, "
        r"sts:AssumeRoleWithWebIdentity, sts:AssumeRoot, sts:GetFederationToken",
    ),
    "extra organizations:*": (
        access(extra_actions=["organizations:*"]),
        r"extra_actions\[0\]='organizations:\*': is denied by the execution policy \(the "
        r"Organization statement denies organizations:\* and account:\*\): an allow cannot work",
    ),
    "extra account action": (
        access(extra_actions=["account:PutAlternateContact"]),
        r"extra_actions\[0\]='account:PutAlternateContact': is denied by the execution policy",
    ),
    "extra identity center": (
        access(extra_actions=["sso:CreatePermissionSet"]),
        r"extra_actions\[0\]='sso:CreatePermissionSet': gives people access to accounts",
    ),
    "extra action with ?": (
        access(extra_actions=["iam:?assRole"]),
        r"extra_actions\[0\]='iam:\?assRole': must be an IAM action",
    ),
    "extra action empty": (access(extra_actions=[""]), r"extra_actions\[0\]='': must be an IAM"),
    "extra actions as one string": (
        access(extra_actions="ecr:*"),
        r"extra_actions='ecr:\*': must be a list of str",
    ),
    "extra policy name too long": (
        access(execution_policy_name="p" * 125, extra_actions=["ecr:*"]),
        r"execution_policy_name='p{125}': is too long for the policy of extra_actions, "
        r"p{125}-extra \(IAM allows 128 characters\): at most 122",
    ),
    # names and repositories that contradict another value
    "repository with .git": (
        access(repository="acme/orders.git"),
        r"repository='acme/orders.git': is a clone address's end: .*\('acme/orders'\)",
    ),
    "repository as a URL": (
        access(repository="https://github.com/acme/orders"),
        r"repository='https://github.com/acme/orders': must be a GitHub repository OWNER/NAME",
    ),
    "repository None": (access(repository=None), r"repository=None: must be a string"),
    "environments None": (
        access(environments=None),
        r"environments=None: must be a string or a list of str",
    ),
    "a review environment listed": (
        access(environments=["production", "production-review"]),
        r"environments\[1\]='production-review': is the review environment of 'production', "
        r"whose prepare jobs run before the approval and may assume the review role only",
    ),
    "execution policy named as the review role's policy": (
        access(execution_policy_name="org-cdk-deploy-review"),
        r"execution_policy_name='org-cdk-deploy-review': names the execution policy "
        r"'org-cdk-deploy-review', which is also the name of the review role's policy",
    ),
    "role named as the extra policy": (
        access(role_name="org-cdk-cfn-execution-extra", extra_actions=["ecr:*"]),
        r"execution_policy_name='org-cdk-cfn-execution': names the extra execution policy "
        r"'org-cdk-cfn-execution-extra', which is also the name of the deploy role's policy",
    ),
    "role named as a bootstrap role": (
        access(role_name="cdk-hnb659fds-deploy-role-111111111111-us-east-1"),
        r"role_name='cdk-hnb659fds-deploy-role-111111111111-us-east-1': is named like the CDK "
        r"bootstrap's roles \(cdk-hnb659fds-\*\)",
    ),
    "role name None": (access(role_name=None), r"role_name=None: must be a string"),
    "role path None": (access(role_path=None), r"role_path=None: must be a string"),
    "review_role as text": (access(review_role="no"), r"review_role='no': must be True or False"),
    "qualifier as a number": (access(qualifier=123), r"qualifier=123: must be a string or None"),
    "provider ARN empty": (
        access(oidc_provider_arn=""),
        r"oidc_provider_arn='': must be the ARN of the account's GitHub OIDC provider",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused_before_anything_is_made(case: str) -> None:
    build, pattern = INVALID[case]
    stack = new_stack()
    with pytest.raises(ValidationError, match=r"DeploymentAccess\('Access'\): " + pattern):
        build(stack)
    assert stack.node.try_find_child("Access") is None, "nothing half-made"
    assert stack.node.try_find_child("DeployRoleArn") is None


def test_reads_and_other_services_are_accepted_as_extra_actions() -> None:
    stack = new_stack()
    extras = ["iam:GetRole", "iam:List*", "sts:GetCallerIdentity", "ecr:*", "dynamodb:*"]
    access = DeploymentAccess(
        stack, "Access", repository="a/b", environments="dev", extra_actions=extras
    )
    assert access.extra_execution_policy is not None
    document = Template.from_stack(stack).to_json()["Resources"][
        "AccessExtraExecutionPolicy61728C0C"
    ]
    assert document["Properties"]["PolicyDocument"]["Statement"][0]["Action"] == extras


def test_a_provider_arn_token_is_accepted() -> None:
    stack = new_stack()
    arn = cdk.Fn.import_value("GitHubOidcProviderArn")
    DeploymentAccess(stack, "Access", repository="a/b", environments="dev", oidc_provider_arn=arn)
    role = deploy_role(Template.from_stack(stack))
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Federated": {"Fn::ImportValue": "GitHubOidcProviderArn"}}


# ----------------------------------------------------------------------------- compliance


@pytest.mark.parametrize("name", ["default", "all", "regulated"])
def test_every_nag_pack_is_clean(stacks: dict[str, Stack], name: str) -> None:
    assert nag_findings(stacks[name], NAG_PACKS) == []


def test_the_library_acknowledges_its_own_wildcards_only(templates: dict[str, Template]) -> None:
    policy = policy_named(templates["all"], "orders-cfn-execution")
    rules = acknowledged_rules(policy)
    assert "AwsSolutions-IAM5" not in rules, "by finding, never the rule as a whole"
    assert "AwsSolutions-IAM5[Action::ec2:Create*]" in rules
    assert "AwsSolutions-IAM5[Resource::*]" in rules
    assert not [r for r in rules if "dynamodb" in r], "extra_actions are the user's"
    assert_no_wildcard_iam(templates["default"])
    for template in templates.values():
        for policy in find_resources(template, "AWS::IAM::ManagedPolicy").values():
            if "Statement" in policy["Properties"]["PolicyDocument"] and policy["Properties"][
                "ManagedPolicyName"
            ] in ("org-cdk-deploy", "orders-deploy"):
                assert acknowledged_rules(policy) == {}, "the role's policy needs none"


def test_a_users_wildcard_is_the_users_to_acknowledge() -> None:
    stack = new_stack()
    DeploymentAccess(stack, "Access", repository="a/b", environments="dev", extra_actions=["ecr:*"])
    findings = nag_findings(stack, ("AwsSolutions",))
    assert [f for f in findings if "ecr:*" in str(f)], findings


@pytest.mark.e2e
def test_checkov_is_clean(templates: dict[str, Template], background: Background) -> None:
    report = checkov_report(background, "deployment_access", templates)
    assert report.failed == []
    skipped = {(name, check) for name, check, _ in report.skipped}
    assert skipped == {
        (name, check)
        for name in ("default", "all", "regulated")
        for check in CHECKOV_ACKNOWLEDGEMENTS
    }
    assert report.passed > 10


@pytest.mark.parametrize("name", ["default", "all"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot


def test_an_id_taken_in_the_scope_is_refused() -> None:
    stack = new_stack()
    iam.Role(stack, "Access", assumed_by=iam.AccountRootPrincipal())
    with pytest.raises(ValidationError, match=r"construct_id='Access': is already used"):
        DeploymentAccess(stack, "Access", repository="a/b", environments="dev")


def test_scope_may_be_a_construct_in_a_stack() -> None:
    stack = new_stack()
    group = Construct(stack, "Delivery")
    DeploymentAccess(group, "Access", repository="a/b", environments="dev")
    assert set(Template.from_stack(stack).to_json()["Outputs"]) == {
        "DeployRoleArn",
        "ExecutionPolicyArn",
        "ReviewRoleArn",
    }
