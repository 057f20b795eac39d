"""Every public construct under any app context: a bare App, `cdk init`'s flags, every flag.

A consumer's unit test builds a bare ``cdk.App()``, with no feature flags; an older repo has the
flags of the ``cdk init`` it started from; a new one may set every flag aws-cdk-lib knows. The
constructs must synthesize in each, with the same security properties: the same resources with
the same settings and permissions, once what flags only spell differently (the partition as a
literal or a ``Ref``, statements merged or sorted, the hash in a Lambda version's id) is
written one way. To cover a new construct, add its defaults and its all-options case to
``CASES`` (a test fails until every public construct has both).
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import aws_cdk as cdk
import pytest
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_iam as iam
from constructs import Construct

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    DeploymentAccess,
    DeploymentNotifications,
    EnvironmentConfig,
    SecureApi,
    SecureBucket,
    SecureCache,
    SecureDatabase,
    SecureQueue,
    SecureStateMachine,
    SecureTable,
    ServiceMonitoring,
    StandardVpc,
    Trigger,
)
from org_constructs.compliance import acknowledge_finding, nag_findings
from org_constructs.config import load_environments
from org_constructs.testing import assert_no_open_ingress, assert_no_wildcard_iam
from tests.compute.test_monitored_function import default_function, full_function
from tests.containers.test_container_service import full_service, secured_service
from tests.data.test_secure_cache import full_cache
from tests.data.test_secure_table import PK, full_table, granted_table
from tests.database.test_secure_database import full_database, network
from tests.delivery.test_pipeline import default_pipeline, full_pipeline
from tests.events.test_trigger import full_trigger
from tests.messaging.test_secure_queue import full_queue, granted_queue
from tests.network.test_standard_vpc import full_vpc
from tests.storage.test_secure_bucket import full_bucket
from tests.support import CDK, ROOT, availability_zone_context, cli_env, load_script
from tests.test_docs import is_stack, public_constructs
from tests.workflows.test_secure_state_machine import (
    definition,
    express_state_machine,
    full_state_machine,
    granted_state_machine,
)

Build = Callable[[AbstractStack], Any]

WORKSPACE, CHANNEL = "T0123ABCD", "C0123ABCD"


def full_topic(stack: AbstractStack) -> Any:
    return AlarmTopic(
        stack,
        "Alarms",
        emails=["oncall@example.com", "team@example.com"],
        slack_workspace_id=WORKSPACE,
        slack_channel_id=CHANNEL,
    )


def monitoring_defaults(stack: AbstractStack) -> Any:
    function = default_function(stack)
    topic = AlarmTopic(stack, "Oncall")
    monitoring = ServiceMonitoring(stack, "Monitoring", service_name="orders", alarm_topic=topic)
    monitoring.monitor_lambda_function(function.function)
    return monitoring


def monitoring_everything(stack: AbstractStack) -> Any:
    network = StandardVpc(stack, "Network")
    function = default_function(stack)
    critical = AlarmTopic(stack, "Oncall", emails=["oncall@example.com"])
    warning = AlarmTopic(stack, "Warnings", emails=["team@example.com"])
    monitoring = ServiceMonitoring(
        stack, "Monitoring", service_name="orders", critical_topic=critical, warning_topic=warning
    )
    monitoring.monitor_lambda_function(function.alias, label="Live", reserved_concurrency=20)
    monitoring.monitor_nat_gateways(network)
    monitoring.monitor_metric(
        function.function.metric_invocations(), label="traffic", threshold=1000
    )
    monitoring.add_fleet_search(
        "All functions: errors", '{AWS/Lambda,FunctionName} MetricName="Errors"'
    )
    return monitoring


def notifications_everything(stack: AbstractStack) -> Any:
    role = iam.Role(stack, "ReleaseRole", assumed_by=iam.AccountPrincipal("111111111111"))
    return DeploymentNotifications(
        stack,
        "Deployments",
        emails=["ops@example.com"],
        slack_workspace_id=WORKSPACE,
        slack_channel_id=CHANNEL,
        publishers=[role],
    )


def access_everything(stack: AbstractStack) -> Any:
    access = DeploymentAccess(
        stack,
        "Access",
        repository="acme/orders",
        environments=["staging", "production"],
        role_name="orders-deploy",
        role_path="/delivery/",
        oidc_provider_arn="arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com",
        qualifier="orgcdk",
        regions=["us-east-1", "eu-west-1"],
        max_session_duration=cdk.Duration.hours(2),
        execution_policy_name="orders-cfn-execution",
        extra_actions=["dynamodb:CreateTable", "dynamodb:DeleteTable"],
    )
    # The team's own extra actions: the library acknowledges nothing of them.
    assert access.extra_execution_policy is not None
    acknowledge_finding(
        access.extra_execution_policy,
        "AwsSolutions-IAM5",
        "CloudFormation creates and deletes this service's tables, whose names it generates.",
        applies_to=["Resource::*"],
    )
    return access


def service_with_grants(stack: AbstractStack) -> Any:
    """What a service writes first: a bucket its function reads."""
    bucket = SecureBucket(stack, "Data")
    function = default_function(stack)
    bucket.grant_read(function)
    bucket.grant_put(function, "uploads/*")
    return function


def api_defaults(stack: AbstractStack) -> Any:
    return SecureApi(stack, "Api", handler=default_function(stack).alias)


def api_everything(stack: AbstractStack) -> Any:
    certificate = acm.Certificate.from_certificate_arn(
        stack, "Certificate", "arn:aws:acm:us-east-1:111111111111:certificate/orders"
    )
    return SecureApi(
        stack,
        "Api",
        handler=default_function(stack).alias,
        api_name="orders-public",
        stage_name="prod",
        throttling_rate_limit=500,
        throttling_burst_limit=1000,
        waf=True,
        waf_rate_limit=500,
        regulated=True,
        domain_name="orders.example.com",
        certificate=certificate,
        cloud_watch_role=False,
    )


CASES: dict[str, Build] = {
    "StandardVpc": lambda stack: StandardVpc(stack, "Network"),
    "StandardVpc all options": full_vpc,
    "StandardVpc NAT instances": lambda stack: StandardVpc(
        stack, "Network", nat_instance_type="t4g.nano"
    ),
    "SecureBucket": lambda stack: SecureBucket(stack, "Data"),
    "SecureBucket all options": full_bucket,
    "SecureQueue": lambda stack: SecureQueue(stack, "Jobs"),
    "SecureQueue all options": full_queue,
    "SecureQueue grants": granted_queue,
    "SecureStateMachine": lambda stack: SecureStateMachine(
        stack, "Flow", definition_body=definition(stack)
    ),
    "SecureStateMachine all options": full_state_machine,
    "SecureStateMachine express": express_state_machine,
    "SecureStateMachine grants": granted_state_machine,
    "SecureCache": lambda stack: SecureCache(stack, "Sessions", vpc=StandardVpc(stack, "Network")),
    "SecureCache all options": full_cache,
    "ContainerService": secured_service,
    "ContainerService all options": full_service,
    "SecureTable": lambda stack: SecureTable(stack, "Orders", partition_key=PK),
    "SecureTable all options": full_table,
    "SecureTable grants": granted_table,
    "Trigger": lambda stack: Trigger(
        stack,
        "Nightly",
        target=default_function(stack),
        schedule=cdk.aws_events.Schedule.cron(minute="0", hour="3"),
    ),
    "Trigger all options": full_trigger,
    "SecureDatabase": lambda stack: SecureDatabase(stack, "Orders", vpc=network(stack)),
    "SecureDatabase all options": full_database,
    "SecureApi": api_defaults,
    "SecureApi all options": api_everything,
    "AlarmTopic": lambda stack: AlarmTopic(stack, "Alarms"),
    "AlarmTopic all options": full_topic,
    "MonitoredFunction": default_function,
    "MonitoredFunction all options": full_function,
    "ServiceMonitoring": monitoring_defaults,
    "ServiceMonitoring all options": monitoring_everything,
    "DeploymentNotifications": lambda stack: DeploymentNotifications(stack, "Deployments"),
    "DeploymentNotifications all options": notifications_everything,
    "DeploymentAccess": lambda stack: DeploymentAccess(
        stack, "Access", repository="acme/orders", environments="production"
    ),
    "DeploymentAccess all options": access_everything,
    "OrgPipeline": default_pipeline,
    "OrgPipeline all options": full_pipeline,
    "grants": service_with_grants,
}


@pytest.fixture(scope="session")
def cdk_init_context(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The context ``cdk init app --language python`` writes, from the project's CDK CLI."""
    folder = tmp_path_factory.mktemp("cdk-init")
    subprocess.run(
        [str(CDK), "init", "app", "--language", "python", "--generate-only", "--no-notices"],
        cwd=folder,
        env=cli_env(),
        capture_output=True,
        check=True,
        timeout=120,
    )
    context: dict[str, Any] = json.loads((folder / "cdk.json").read_text())["context"]
    return context


@pytest.fixture(scope="session")
def every_flag_context(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every feature flag of the installed aws-cdk-lib (v2), at its recommended value.

    Read from aws-cdk-lib's own flag table (``cx-api/lib/features.js`` in the jsii bundle).
    """
    bundle = next((Path(cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz"))
    folder = tmp_path_factory.mktemp("aws-cdk-lib")
    with tarfile.open(bundle) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/cx-api/lib/")]
        tar.extractall(folder, members=members, filter="data")
    script = (
        "const {FLAGS} = require(process.argv[1]); const flags = {};"
        "for (const [name, flag] of Object.entries(FLAGS)) {"
        "  if ('recommendedValue' in flag && flag.introducedIn.v2) {"
        "    flags[name] = flag.recommendedValue; } }"
        "console.log(JSON.stringify(flags));"
    )
    node = ROOT / "node_modules" / ".bin" / "node"
    features = folder / "package" / "cx-api" / "lib" / "features.js"
    result = subprocess.run(
        [str(node), "-e", script, str(features)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    flags: dict[str, Any] = json.loads(result.stdout)
    assert len(flags) > 50, flags  # aws-cdk-lib 2.275 has about 100
    return flags


CONTEXTS = ("bare", "cdk init", "every flag")


CONTEXT_FIXTURES = {"cdk init": "cdk_init_context", "every flag": "every_flag_context"}
"""The fixture that makes each context but the bare App's: made when a test first needs it
(``cdk init``'s is end to end: the fast lane never runs the CDK CLI for it)."""


def context_of(name: str, request: pytest.FixtureRequest | None) -> dict[str, Any]:
    if name == "bare":
        return {}
    assert request is not None, f"the {name!r} context needs the test's request"
    made: dict[str, Any] = request.getfixturevalue(CONTEXT_FIXTURES[name])
    return made


class CaseStack(AbstractStack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, build: Build
    ) -> None:
        self._build = build
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        self._build(self)


class Built(Protocol):
    def __call__(
        self, case: str, context: str, request: pytest.FixtureRequest | None = None, /
    ) -> tuple[CaseStack, dict[str, Any]]: ...


@pytest.fixture(scope="module")
def production() -> EnvironmentConfig:
    return load_environments(ROOT / "tests" / "fixtures" / "environments.json")["production"]


@pytest.fixture(scope="module")
def built(production: EnvironmentConfig) -> Built:
    """(stack, template) of a case under a context, built once."""
    cache: dict[tuple[str, str], tuple[CaseStack, dict[str, Any]]] = {}

    def build(
        case: str, context: str, request: pytest.FixtureRequest | None = None
    ) -> tuple[CaseStack, dict[str, Any]]:
        if (case, context) not in cache:
            # The AZs a committed cdk.context.json holds: no lookup, in any context.
            values = context_of(context, request)
            app = cdk.App(context={**values, **availability_zone_context()})
            stack = CaseStack(app, "Case", config=production, build=CASES[case])
            template = app.synth().get_stack_by_name(stack.stack_name).template
            cache[(case, context)] = (stack, template)
        return cache[(case, context)]

    return build


@pytest.mark.parametrize(
    "context",
    # `cdk init`'s flags come from the CDK CLI (a subprocess): that third is end to end.
    [pytest.param(c, marks=pytest.mark.e2e) if c == "cdk init" else c for c in CONTEXTS],
)
@pytest.mark.parametrize("case", CASES)
def test_synthesizes_with_the_same_security_properties(
    built: Built, case: str, context: str, request: pytest.FixtureRequest
) -> None:
    stack, template = built(case, context, request)
    assert_no_wildcard_iam(template)
    assert_no_open_ingress(template)
    if context == "every flag":
        assert nag_findings(stack, ("AwsSolutions", "Serverless")) == []
    else:
        _, reference = built(case, "every flag", request)
        ours, theirs = canonical(template), canonical(reference)
        assert ours == theirs, difference(ours, theirs)


def test_every_public_construct_has_its_defaults_and_all_options_cases() -> None:
    """Stack bases (``AbstractStack``) are in every case: each is built in a ``CaseStack``."""
    constructs = {n: c for n, c in public_constructs().items() if not is_stack(c)}
    assert constructs, "discovery found no construct"
    missing = [
        case
        for name in sorted(constructs)
        for case in (name, f"{name} all options")
        if case not in CASES
    ]
    assert missing == [], "add them to CASES in tests/test_feature_flags.py"


def stateful_children(stack: cdk.Stack, construct: type[Construct]) -> list[str]:
    """Paths of the resources of the types ``scripts/breaks.py`` guards (buckets, keys, log
    groups, VPCs...) that instances of ``construct`` in ``stack`` create."""
    stateful = load_script("breaks").STATEFUL
    return [
        child.node.path
        for instance in stack.node.find_all()
        if isinstance(instance, construct)
        for child in instance.node.find_all()
        if isinstance(child, cdk.CfnResource) and child.cfn_resource_type in stateful
    ]


def test_every_construct_with_stateful_resources_has_a_break_check_fixture(
    built: Built,
) -> None:
    """``scripts/breaks.py`` compares the stateful resources of the constructs that
    ``scripts/stateful_fixtures.py`` synthesizes: a construct whose defaults create one (read
    from this matrix's defaults case) must have a fixture there, or a renamed child id that
    replaces a bucket goes unnoticed."""
    fixtures = set(load_script("stateful_fixtures")._construct_fixtures())
    constructs = {n: c for n, c in public_constructs().items() if not is_stack(c)}
    assert fixtures <= set(constructs), "a fixture of a construct that is not public"
    missing: dict[str, list[str]] = {}
    for name, construct in sorted(constructs.items()):
        stack, _ = built(name, "bare")
        resources = stateful_children(stack, construct)
        if resources and name not in fixtures:
            missing[name] = resources
    assert missing == {}, "add them to _construct_fixtures() in scripts/stateful_fixtures.py"


def test_stateful_children_are_the_constructs_own(production: EnvironmentConfig) -> None:
    """The monitoring case builds a function and a topic beside ``ServiceMonitoring``: their
    keys and log groups are theirs, not its own."""
    app = cdk.App(context=availability_zone_context())
    stack = CaseStack(app, "Case", config=production, build=monitoring_defaults)
    assert stateful_children(stack, ServiceMonitoring) == []
    assert "Case/Oncall/Key/Resource" in stateful_children(stack, AlarmTopic)


def test_canonical_form_keeps_what_matters() -> None:
    """What the comparison writes one way, and what it still tells apart."""
    partition = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::1:root"]]}
    merged = {
        "Statement": [
            {"Action": ["kms:Decrypt", "kms:Encrypt"], "Effect": "Allow", "Resource": "*"}
        ]
    }
    split = {
        "Statement": [
            {"Action": "kms:Encrypt", "Effect": "Allow", "Resource": "*"},
            {"Action": "kms:Decrypt", "Effect": "Allow", "Resource": "*"},
        ]
    }
    assert canonical(partition) == "arn:aws:iam::1:root"
    assert canonical({"PolicyDocument": merged}) == canonical({"PolicyDocument": split})
    wider = {"Statement": [{"Action": "kms:*", "Effect": "Allow", "Resource": "*"}]}
    assert canonical({"PolicyDocument": merged}) != canonical({"PolicyDocument": wider})
    version = "FunctionCurrentVersionA60187F024e8547f72e919a6fa30d8058cb48f1f"
    assert canonical({version: 1}) == canonical({version.replace("24e8", "ba77"): 1})


def difference(ours: Any, theirs: Any) -> str:
    """A unified diff of two canonical templates, for the failure message."""
    before, after = (json.dumps(x, indent=1, sort_keys=True).splitlines() for x in (ours, theirs))
    diff = difflib.unified_diff(before, after, "this context", "every flag", lineterm="", n=3)
    return "\n".join(diff)


_VERSION_HASH = re.compile(r"((?:CurrentVersion|Deployment)[0-9A-F]{8})[0-9a-f]{32}")
"""A Lambda version's or an API deployment's hash of its configuration: flags that change
logical ids (never pinned) change it; neither resource holds data."""
_DOCUMENTS = ("PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument")


def canonical(value: Any) -> Any:
    """``value`` (a template or part of one) with flag-only spellings written one way."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            rendered: list[Any] = []
            for part in (canonical(part) for part in parts):
                if separator == "" and isinstance(part, str) and rendered:
                    previous = rendered[-1]
                    if isinstance(previous, str):
                        rendered[-1] = previous + part
                        continue
                rendered.append(part)
            if all(isinstance(part, str) for part in rendered):
                return separator.join(rendered)
            return {"Fn::Join": [separator, rendered]}
        if value == {"Ref": "AWS::Partition"}:
            return "aws"
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in ("Rules", "Parameters", "CDKMetadata", "Metadata"):
                continue
            name = _VERSION_HASH.sub(r"\1", key)
            out[name] = _statements(item) if key in _DOCUMENTS else canonical(item)
        return out
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if isinstance(value, str):
        return _VERSION_HASH.sub(r"\1", value)
    return value


def _statements(document: Any) -> Any:
    """A policy document as the sorted set of its single-action, single-resource grants."""
    if not isinstance(document, dict) or "Statement" not in document:
        return canonical(document)
    atoms = set()
    for raw in document["Statement"]:
        statement = canonical(raw)
        rest = {k: v for k, v in statement.items() if k not in ("Action", "Resource", "Principal")}
        principals = statement.get("Principal", {})
        principal_atoms = (
            [json.dumps(principals)]
            if not isinstance(principals, dict)
            else [
                json.dumps({kind: one})
                for kind, who in principals.items()
                for one in (who if isinstance(who, list) else [who])
            ]
            or ["{}"]
        )
        for action in _as_list(statement.get("Action", [])):
            for resource in _as_list(statement.get("Resource", [])) or [None]:
                for principal in principal_atoms:
                    atoms.add(json.dumps([rest, action, resource, principal], sort_keys=True))
    return sorted(atoms)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
