"""org-cdk's operations commands against two local AWS emulators, one per stage account.

Each emulator is a moto server on 127.0.0.1 with its own account id; each stage's AWS profile
points at its emulator (``endpoint_url`` in the profile), as a real profile points at its
account. Stacks are created with boto3, as if deployed earlier.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk.assertions import Template

from org_constructs import DeploymentNotifications
from tests.support import (
    Background,
    EmulatorProcess,
    cli_env,
    emulator_work,
    make_app,
    org_cdk_in_process,
    recommended_context,
)

pytestmark = pytest.mark.e2e

ORG_CDK = Path(sys.executable).parent / "org-cdk"
REGION = "us-east-1"
ACCOUNTS = {"dev": "111111111111", "staging": "222222222222"}
SECRET = "emulator-secret"  # noqa: S105 - the emulator accepts any secret
QUEUE = '{"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}'


@dataclass
class Accounts:
    endpoints: dict[str, str]
    env: dict[str, str]
    folder: Path

    def client(self, stage: str, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoints[stage],
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key=SECRET,
        )

    def invoke(self, *arguments: str, monkeypatch: pytest.MonkeyPatch) -> Any:
        """``org-cdk ARGUMENTS`` in-process (click's runner), in this folder and environment:
        for tests of the command line rather than of the process."""
        monkeypatch.chdir(self.folder)
        return org_cdk_in_process(*arguments, env=self.env)

    def org_cdk(
        self, *arguments: str, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(ORG_CDK), *arguments],
            cwd=self.folder,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


EMULATORS = {stage: emulator_work("operations", account) for stage, account in ACCOUNTS.items()}
"""One emulator per stage account, started early by the background worker."""
BACKGROUND = list(EMULATORS.values())


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory, background: Background) -> Accounts:
    folder = tmp_path_factory.mktemp("operations")
    endpoints = {}
    for stage, work in EMULATORS.items():
        started: EmulatorProcess = background.result(*work)
        endpoints[stage] = started.endpoint
    config = "".join(
        f"[profile orders-{stage}]\nregion = {REGION}\nendpoint_url = {endpoint}\n\n"
        for stage, endpoint in endpoints.items()
    )
    credentials = "".join(
        f"[orders-{stage}]\naws_access_key_id = testing\naws_secret_access_key = {SECRET}\n\n"
        for stage in endpoints
    )
    (folder / "config").write_text(config)
    (folder / "credentials").write_text(credentials)
    environments = {
        stage: {"account": account, "region": REGION, "profile": f"orders-{stage}"}
        for stage, account in ACCOUNTS.items()
    }
    environments["production"] = {"account": "333333333333", "region": REGION}
    (folder / "environments.json").write_text(json.dumps(environments))
    env = cli_env(
        AWS_CONFIG_FILE=str(folder / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(folder / "credentials"),
    )
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        env.pop(key, None)
    return Accounts(endpoints, env, folder)


@pytest.fixture(scope="module")
def app(accounts: Accounts) -> Path:
    """An app that defines one stack per stage: Orders-<stage>-Keep."""
    folder = accounts.folder / "app"
    folder.mkdir()
    (folder / "app.py").write_text(
        "import aws_cdk as cdk\n"
        "app = cdk.App()\n"
        "for stage, account in (('dev', '111111111111'), ('staging', '222222222222')):\n"
        "    stack = cdk.Stack(app, f'Orders-{stage}-Keep',\n"
        "                      env=cdk.Environment(account=account, region='us-east-1'))\n"
        "    cdk.CfnOutput(stack, 'Stage', value=stage)\n"
        "app.synth()\n"
    )
    (folder / "cdk.json").write_text(
        json.dumps({"app": f"{sys.executable} app.py", "context": recommended_context()})
    )
    (folder / "environments.json").write_text((accounts.folder / "environments.json").read_text())
    return folder


@pytest.fixture(scope="module")
def deployed(accounts: Accounts) -> None:
    dev = accounts.client("dev", "cloudformation")
    for name in ("Orders-dev-Keep", "Orders-dev-Old", "Other-Thing"):
        dev.create_stack(StackName=name, TemplateBody=QUEUE)
    dev.create_stack(
        StackName="Orders-dev-Locked", TemplateBody=QUEUE, EnableTerminationProtection=True
    )
    staging = accounts.client("staging", "cloudformation")
    staging.create_stack(StackName="Orders-staging-Keep", TemplateBody=QUEUE)
    staging.create_stack(StackName="Orders-staging-Retired", TemplateBody=QUEUE)


def stack_names(accounts: Accounts, stage: str) -> set[str]:
    client = accounts.client(stage, "cloudformation")
    summaries = client.list_stacks()["StackSummaries"]
    return {s["StackName"] for s in summaries if s["StackStatus"] != "DELETE_COMPLETE"}


@pytest.fixture(scope="module")
def listed(accounts: Accounts, app: Path, deployed: None) -> subprocess.CompletedProcess[str]:
    """`org-cdk stacks obsolete` as a user runs it first: it synthesizes the app (into
    APP/cdk.out), then lists each stage's account."""
    return accounts.org_cdk(
        "stacks", "obsolete", str(app), "--prefix", "Orders-", "--format", "json"
    )


class TestObsoleteStacks:
    def test_lists_what_the_app_no_longer_defines(
        self, listed: subprocess.CompletedProcess[str]
    ) -> None:
        result = listed
        assert result.returncode == 0, result.stderr
        report = {r["stage"]: r for r in json.loads(result.stdout)}
        assert {s["name"] for s in report["dev"]["obsolete"]} == {
            "Orders-dev-Old",
            "Orders-dev-Locked",
        }
        assert [s["name"] for s in report["staging"]["obsolete"]] == ["Orders-staging-Retired"]
        locked = next(s for s in report["dev"]["obsolete"] if s["name"] == "Orders-dev-Locked")
        assert locked["termination_protection"] is True

    def test_delete_needs_confirmation_when_nobody_can_answer(
        self, accounts: Accounts, app: Path, deployed: None
    ) -> None:
        before = stack_names(accounts, "dev")
        result = accounts.org_cdk(
            "stacks", "obsolete", str(app), "--stage", "dev", "--prefix", "Orders-", "--delete"
        )
        assert result.returncode != 0
        assert "pass --yes when nobody can answer" in result.stderr
        assert "Traceback" not in result.stderr
        assert stack_names(accounts, "dev") == before

    def test_delete_respects_prefix_and_protection(
        self, accounts: Accounts, app: Path, listed: subprocess.CompletedProcess[str]
    ) -> None:
        # The stacks the app defines, from the assembly the listing synthesized.
        assembly = str(app / "cdk.out")
        result = accounts.org_cdk(
            "stacks",
            "obsolete",
            str(app),
            "--stage",
            "dev",
            "--prefix",
            "Orders-dev-O",
            "--delete",
            "--yes",
            "--assembly",
            assembly,
        )
        assert result.returncode == 0, result.stderr
        assert "deleting Orders-dev-Old" in result.stdout
        remaining = stack_names(accounts, "dev")
        assert "Orders-dev-Old" not in remaining
        assert {"Orders-dev-Keep", "Orders-dev-Locked", "Other-Thing"} <= remaining
        protected = accounts.org_cdk(
            "stacks",
            "obsolete",
            str(app),
            "--stage",
            "dev",
            "--prefix",
            "Orders-",
            "--delete",
            "--yes",
            "--assembly",
            assembly,
        )
        assert "not deleted: Orders-dev-Locked: termination protection is on" in protected.stdout
        assert "Orders-dev-Locked" in stack_names(accounts, "dev")


def test_find_resource_across_two_stages(accounts: Accounts, deployed: None) -> None:
    result = accounts.org_cdk(
        "find-resource",
        "AWS::SQS::Queue",
        "Keep",
        "--stage",
        "dev",
        "--stage",
        "staging",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    found = {(r["stage"], r["stack"], r["logical_id"]) for r in json.loads(result.stdout)}
    assert found == {
        ("dev", "Orders-dev-Keep", "Queue"),
        ("staging", "Orders-staging-Keep", "Queue"),
    }
    table = accounts.org_cdk("find-resource", "AWS::SQS::Queue", "--stage", "staging")
    assert "Orders-staging-Retired" in table.stdout
    assert table.stdout.splitlines()[0].split() == [
        "stage",
        "stack",
        "logical",
        "id",
        "physical",
        "id",
        "status",
    ]


def test_notification_is_published_and_received(accounts: Accounts, app: Path) -> None:
    stack = cdk.Stack(
        make_app(),
        "Orders-dev-Notifications",
        env=cdk.Environment(account=ACCOUNTS["dev"], region=REGION),
    )
    DeploymentNotifications(stack, "Deployments", emails=["ops@example.com"])
    template = json.dumps(Template.from_stack(stack).to_json())
    cloudformation = accounts.client("dev", "cloudformation")
    cloudformation.create_stack(StackName="Orders-dev-Notifications", TemplateBody=template)
    outputs = cloudformation.describe_stacks(StackName="Orders-dev-Notifications")["Stacks"][0]
    topic = next(
        o["OutputValue"] for o in outputs["Outputs"] if o["OutputKey"] == "DeploymentTopicArn"
    )
    sqs = accounts.client("dev", "sqs")
    queue = sqs.create_queue(QueueName="deployments-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    accounts.client("dev", "sns").subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    result = accounts.org_cdk(
        "notify",
        str(app),
        "--stage",
        "dev",
        "--status",
        "succeeded",
        "--stack",
        "Orders-dev-Keep",
        "--version-label",
        "1.4.0",
        "--seconds",
        "42",
        "--prefix",
        "Orders-dev",
    )
    assert result.returncode == 0, result.stderr
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"]
    body = json.loads(messages[0]["Body"])
    assert body["stage"] == "dev"
    assert body["status"] == "succeeded"
    assert body["stacks"] == ["Orders-dev-Keep"]
    assert body["version"] == "1.4.0"
    assert body["seconds"] == 42
    assert "as arn:aws:" in body["who"]


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (
            "dev",
            "deploy --context stage=dev --all --profile orders-dev --no-notices "
            "--require-approval never",
        ),
        (
            "staging",
            "deploy --context stage=staging --all --profile orders-staging --no-notices "
            "--require-approval never",
        ),
        (
            "production",
            "deploy --context stage=production --all --no-notices --require-approval never",
        ),
    ],
)
def test_deploy_command_line_per_stage(
    accounts: Accounts, app: Path, stage: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = accounts.invoke(
        "deploy", str(app), "--stage", stage, "--dry-run", "--yes", monkeypatch=monkeypatch
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip().endswith(expected)


@pytest.mark.parametrize(
    ("verb", "expected"),
    [
        ("ls", "ls --context stage=dev --profile orders-dev --no-notices"),
        ("synth", "synth --context stage=dev --profile orders-dev --no-notices"),
        ("diff", "diff --context stage=dev --all --profile orders-dev --no-notices"),
        (
            "bootstrap",
            "bootstrap aws://111111111111/us-east-1 --context stage=dev --profile orders-dev "
            "--no-notices --cloudformation-execution-policies "
            "arn:aws:iam::111111111111:policy/org-cdk-cfn-execution",
        ),
    ],
)
def test_wrapper_command_lines(
    accounts: Accounts, app: Path, verb: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = accounts.invoke(verb, str(app), "--stage", "dev", "--dry-run", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip().endswith(expected)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            ["--trust", "999999999999", "--trust", "888888888888"],
            "--no-notices --trust=999999999999 --trust=888888888888 "
            "--cloudformation-execution-policies "
            "arn:aws:iam::111111111111:policy/org-cdk-cfn-execution",
        ),
        (
            [
                "--execution-policy",
                "team-deploy",
                "--execution-policy",
                "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
            ],
            "--cloudformation-execution-policies arn:aws:iam::111111111111:policy/team-deploy,"
            "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
        ),
        (
            ["--administrator", "--qualifier", "orgq1"],
            "--cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess "
            "--qualifier orgq1",
        ),
    ],
    ids=["trust", "policies", "administrator"],
)
def test_bootstrap_trusts_the_pipeline_account_with_least_privilege(
    accounts: Accounts,
    app: Path,
    options: list[str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = accounts.invoke(
        "bootstrap", str(app), "--stage", "dev", *options, "--dry-run", monkeypatch=monkeypatch
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip().endswith(expected)
    assert ("AdministratorAccess" in result.stderr) == ("--administrator" in options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--trust", "12345"], "'12345' is not a 12-digit account"),
        (["--trust", "111111111111"], "111111111111 is the stage's own account"),
        (["--trust", "999999999999", "--trust", "999999999999"], "an account is given twice"),
        (
            ["--execution-policy", "arn:aws:iam::222222222222:policy/other"],
            "is neither a policy name nor the ARN of a managed policy of AWS or of account "
            "111111111111",
        ),
        (
            ["--execution-policy", "arn:aws:iam::aws:policy/AdministratorAccess"],
            "AdministratorAccess is chosen with --administrator, on purpose",
        ),
        (["--execution-policy", "a", "--administrator"], "give either --execution-policy or"),
        (["--qualifier", "Bad_Q"], "'Bad_Q': 1 to 10 lowercase letters and digits"),
    ],
)
def test_bootstrap_refuses_bad_options(
    accounts: Accounts,
    app: Path,
    options: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = accounts.invoke(
        "bootstrap", str(app), "--stage", "dev", *options, "--dry-run", monkeypatch=monkeypatch
    )
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr
    assert "$ " not in result.stderr, "nothing runs"


def test_bootstrap_stops_when_the_execution_policy_is_missing(
    accounts: Accounts, app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before `cdk bootstrap` runs: the account has no org-cdk-cfn-execution yet (no
    DeploymentAccess), so the command says what to do; once the policy exists, it runs."""
    from org_constructs.tooling.cli import _deploy

    ran: list[list[str]] = []

    def record(line: list[str], app_dir: Path, dry_run: bool) -> int:
        ran.append(line)
        return 0

    monkeypatch.setattr(_deploy, "_run_cdk", record)
    missing = accounts.invoke("bootstrap", str(app), "--stage", "dev", monkeypatch=monkeypatch)
    assert missing.exit_code == 1
    assert (
        "account 111111111111 has no policy "
        "arn:aws:iam::111111111111:policy/org-cdk-cfn-execution: deploy DeploymentAccess"
    ) in missing.stderr
    assert ran == []
    accounts.client("dev", "iam").create_policy(
        PolicyName="org-cdk-cfn-execution",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "s3:*", "Resource": "*"}]}',
    )
    present = accounts.invoke("bootstrap", str(app), "--stage", "dev", monkeypatch=monkeypatch)
    assert present.exit_code == 0, present.stderr
    (line,) = ran
    assert line[-2:] == [
        "--cloudformation-execution-policies",
        "arn:aws:iam::111111111111:policy/org-cdk-cfn-execution",
    ]


def test_ls_runs_the_cdk_cli_for_the_stage(accounts: Accounts, app: Path) -> None:
    result = accounts.org_cdk("ls", str(app), "--stage", "dev")
    assert result.returncode == 0, result.stderr
    assert "Orders-dev-Keep" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["deploy", "{app}", "--stage", "qa", "--dry-run"],
            "unknown stage 'qa' in environments.json: choose from dev, staging, production",
        ),
        (
            ["ls", "{app}", "--stage", "dev", "--environments", "missing.json"],
            "no environments file at missing.json",
        ),
        (
            ["find-resource", "AWS::SQS::Queue", "--stage", "production"],
            "stage 'production' has no profile",
        ),
        (
            ["deploy", "{app}", "--stage", "production", "--no-validate"],
            "needs --yes when nobody can answer",
        ),
        (["find-resource", "Queue"], "a CloudFormation type such as AWS::S3::Bucket"),
        (["stacks", "obsolete", "{app}", "--delete", "--yes"], "--delete needs --prefix"),
    ],
)
def test_bad_input_is_a_clear_error(
    accounts: Accounts,
    app: Path,
    arguments: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In-process (click's runner, no terminal): the command line, not the process."""
    result = accounts.invoke(*(a.format(app=app) for a in arguments), monkeypatch=monkeypatch)
    assert result.exit_code != 0
    assert message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
