"""nag_findings and the acknowledgement helpers the constructs use."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from aws_cdk import CfnResource, Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from constructs import Construct

from org_constructs import AbstractStack, EnvironmentConfig, ValidationError
from org_constructs.compliance import (
    AUDIT_CONTEXT,
    AUDIT_METADATA,
    NAG_PACKS,
    PACKS_CONTEXT,
    NagFinding,
    acknowledge_check,
    acknowledge_finding,
    apply_nag_packs,
    nag_findings,
)
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_library_check,
    acknowledge_library_finding,
    nag_resource,
    skip_checkov,
)
from org_constructs.config import MissingExtraError
from org_constructs.contract import MIN_REASON, TEMPLATE_KEY
from tests.support import make_app


class BucketOnlyStack(AbstractStack):
    def initialize(self) -> None:
        s3.Bucket(self, "Plain")


@pytest.fixture(scope="module")
def careless_stack() -> Stack:
    """Deliberately non-compliant: a plain bucket (no logs, no KMS, no SSL-only policy) and a
    plain function (no DLQ, no tracing) whose role may do anything to S3, on any resource."""
    stack = Stack(make_app(), "Careless")
    s3.Bucket(stack, "Plain")
    handler = lambda_.Function(
        stack,
        "Handler",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return 1\n"),
    )
    handler.add_to_role_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
    return stack


BUCKET = "Careless/Plain/Resource"
FUNCTION = "Careless/Handler/Resource"
POLICY = "Careless/Handler/ServiceRole/DefaultPolicy/Resource"
KNOWN_FINDINGS: dict[str, set[tuple[str, str]]] = {
    "AwsSolutions": {
        ("AwsSolutions-S1", BUCKET),
        ("AwsSolutions-IAM5[Action::s3:*]", POLICY),
        ("AwsSolutions-IAM5[Resource::*]", POLICY),
    },
    "Serverless": {("Serverless-LambdaDLQ", FUNCTION), ("Serverless-LambdaTracing", FUNCTION)},
    **{
        pack: {
            (f"{pack}-S3BucketLoggingEnabled", BUCKET),
            (f"{pack}-S3DefaultEncryptionKMS", BUCKET),
            (f"{pack}-IAMPolicyNoStatementsWithFullAccess", POLICY),
        }
        for pack in ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321")
    },
}
"""(rule id, construct path) that each pack must report on ``careless_stack``."""


def test_findings_name_pack_rule_and_path(careless_stack: Stack) -> None:
    findings = nag_findings(careless_stack)
    rules = {f.rule_id for f in findings}
    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= rules
    finding = next(f for f in findings if f.rule_id == "AwsSolutions-S1")
    assert finding.pack == "AwsSolutions"
    assert finding.construct_path == "Careless/Plain/Resource"
    assert str(finding).startswith("AwsSolutions-S1 (")


def test_every_pack_has_known_findings() -> None:
    assert set(KNOWN_FINDINGS) == set(NAG_PACKS)


@pytest.mark.parametrize("pack", NAG_PACKS)
def test_every_pack_reports_its_own_known_findings(careless_stack: Stack, pack: str) -> None:
    """Run alone, each pack reports the findings it is known for, and only rules of its own:
    a silent pack, or a name that runs another pack's rules, fails here."""
    findings = nag_findings(careless_stack, [pack])
    assert {f.pack for f in findings} == {pack}
    foreign = sorted(f.rule_id for f in findings if not f.rule_id.startswith(f"{pack}-"))
    assert foreign == [], f"{pack} reported rules of another pack"
    found = {(f.rule_id, f.construct_path) for f in findings}
    assert KNOWN_FINDINGS[pack] <= found, sorted(KNOWN_FINDINGS[pack] - found)


def test_acknowledged_findings_are_left_out() -> None:
    stack = Stack(make_app(), "Acknowledged")
    bucket = s3.Bucket(stack, "Plain")
    acknowledge(bucket, "a reason that is long enough to read", "AwsSolutions-S1")
    rules = {f.rule_id for f in nag_findings(stack)}
    assert "AwsSolutions-S1" not in rules
    assert "AwsSolutions-S10" in rules


def test_unknown_pack_is_refused(careless_stack: Stack) -> None:
    with pytest.raises(ValidationError, match=r"packs='CIS': must be one of"):
        nag_findings(careless_stack, ["CIS"])


def test_without_cdk_nag_says_which_extra(
    careless_stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cdk_nag", None)
    with pytest.raises(MissingExtraError, match=r"org-constructs\[validate\]"):
        nag_findings(careless_stack)


SHORT_REASON_VERBS: dict[str, Callable[[s3.Bucket, str], object]] = {
    "acknowledge": lambda bucket, reason: acknowledge(bucket, reason, "AwsSolutions-S1"),
    "acknowledge_finding": lambda bucket, reason: acknowledge_finding(
        bucket, "AwsSolutions-S1", reason
    ),
    "acknowledge_check": lambda bucket, reason: acknowledge_check(
        bucket, "cfn-guard", "CT.S3.PR.1", reason
    ),
    "acknowledge_library_check": lambda bucket, reason: acknowledge_library_check(
        bucket, "cfn-lint", "W3005", reason
    ),
    "acknowledge_library_finding": lambda bucket, reason: acknowledge_library_finding(
        bucket, "AwsSolutions-IAM5", ["Action::s3:*"], reason
    ),
}


@pytest.mark.parametrize("verb", SHORT_REASON_VERBS)
@pytest.mark.parametrize("reason", ["because", "   padded to twenty   ".center(40)])
def test_every_verb_holds_reasons_to_one_rule(verb: str, reason: str) -> None:
    bucket = s3.Bucket(Stack(make_app(), "S"), "Data")
    with pytest.raises(ValidationError, match=f"reason=.*at least {MIN_REASON} characters"):
        SHORT_REASON_VERBS[verb](bucket, reason)
    resource = bucket.node.default_child
    assert isinstance(resource, CfnResource)
    assert not resource.get_metadata(TEMPLATE_KEY), "a refused acknowledgement recorded nothing"


def test_nag_resource_renders_intrinsics_as_cdk_nag_does() -> None:
    stack = Stack(make_app(), "Render")
    bucket = s3.Bucket(stack, "Data")
    assert nag_resource(stack, bucket.arn_for_objects("*")) == "<Data666C94C7.Arn>/*"
    assert nag_resource(stack, bucket.bucket_name) == "<Data666C94C7>"
    assert nag_resource(stack, "arn:aws:s3:::literal/*") == "arn:aws:s3:::literal/*"
    arn = stack.format_arn(service="s3", resource="x")
    assert nag_resource(stack, arn) == "arn:<AWS::Partition>:s3:<AWS::Region>:<AWS::AccountId>:x"
    # As cdk-nag's flattenCfnReference: an import is its export's name, ${X} in a Sub is <X>.
    assert nag_resource(stack, Fn.import_value("shared-bucket-arn")) == "shared-bucket-arn"
    assert nag_resource(stack, Fn.sub("arn:${AWS::Partition}:s3:::b/*")) == (
        "arn:<AWS::Partition>:s3:::b/*"
    )


def test_checkov_skips_are_recorded_in_metadata() -> None:
    stack = Stack(make_app(), "Skips")
    role = iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal())
    skip_checkov(role, "CKV_AWS_1", "first reason")
    skip_checkov(role, "CKV_AWS_2", "second reason")
    cfn = role.node.default_child
    assert isinstance(cfn, iam.CfnRole)
    assert cfn.get_metadata("checkov") is None, "held until the stack is synthesized"
    cfn.add_metadata("checkov", {"skip": [{"id": "CKV_AWS_0", "comment": "the team's own"}]})
    (resource,) = Template.from_stack(stack).find_resources("AWS::IAM::Role").values()
    assert resource["Metadata"]["checkov"] == {
        "skip": [
            {"id": "CKV_AWS_0", "comment": "the team's own"},
            {"id": "CKV_AWS_1", "comment": "first reason"},
            {"id": "CKV_AWS_2", "comment": "second reason"},
        ]
    }
    assert cfn.get_metadata("checkov")["skip"][1:] == resource["Metadata"]["checkov"]["skip"][1:]
    with pytest.raises(ValidationError, match="must be or hold a CloudFormation resource"):
        skip_checkov(Construct(stack, "Empty"), "CKV_AWS_1", "reason")


def test_a_record_made_after_synthesis_is_written_at_once() -> None:
    """Held records are written when the stack is validated; after that, as they are made."""
    app = make_app()
    stack = Stack(app, "Late")
    first = s3.Bucket(stack, "First")
    acknowledge_finding(first, "AwsSolutions-S1", "logs go to the central archive bucket")
    app.synth()
    late = s3.Bucket(stack, "Late")
    acknowledge_finding(late, "AwsSolutions-S1", "logs go to the central archive bucket too")
    skip_checkov(late, "CKV_AWS_18", "logs go to the central archive bucket too")
    resource = late.node.default_child
    assert isinstance(resource, CfnResource)
    assert resource.get_metadata("checkov") == {
        "skip": [{"id": "CKV_AWS_18", "comment": "logs go to the central archive bucket too"}]
    }
    assert [a["rule"] for a in resource.get_metadata(TEMPLATE_KEY)["acknowledged"]] == [
        "AwsSolutions-S1"
    ]
    assert "AwsSolutions-S1" not in {f.rule_id for f in nag_findings(stack)}


def test_finding_is_a_value() -> None:
    finding = NagFinding("AwsSolutions", "AwsSolutions-S1", "error", "No logs", "S/B/Resource")
    assert finding == NagFinding(
        "AwsSolutions", "AwsSolutions-S1", "error", "No logs", "S/B/Resource"
    )


class TestAcknowledgeFinding:
    def test_whole_rule(self) -> None:
        stack = Stack(make_app(), "Ack")
        bucket = s3.Bucket(stack, "Plain")
        ids = acknowledge_finding(
            bucket, "AwsSolutions-S1", "logs go to the central archive bucket"
        )
        assert ids == ["AwsSolutions-S1"]
        assert "AwsSolutions-S1" not in {f.rule_id for f in nag_findings(stack)}

    def test_rule_specific_details(self) -> None:
        stack = Stack(make_app(), "Details")
        role = iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal())
        role.add_to_policy(iam.PolicyStatement(actions=["s3:*"], resources=["arn:aws:s3:::b"]))
        before = {f.rule_id for f in nag_findings(stack)}
        assert "AwsSolutions-IAM5[Action::s3:*]" in before
        ids = acknowledge_finding(
            role,
            "AwsSolutions-IAM5",
            "the break-glass role of the data team",
            applies_to=["Action::s3:*"],
        )
        assert ids == ["AwsSolutions-IAM5[Action::s3:*]"]
        assert "AwsSolutions-IAM5[Action::s3:*]" not in {f.rule_id for f in nag_findings(stack)}

    @pytest.mark.parametrize(
        ("rule", "reason", "pattern"),
        [
            ("S1", "a reason long enough to keep", r"rule_id='S1': must start with a pack name"),
            ("AwsSolutions-S1", "because", r"reason='because': must explain the exception"),
            ("AwsSolutions-S1", " " * 30, r"must explain the exception in at least 20"),
        ],
    )
    def test_invalid_acknowledgements(self, rule: str, reason: str, pattern: str) -> None:
        stack = Stack(make_app(), "Bad")
        with pytest.raises(ValidationError, match=pattern):
            acknowledge_finding(stack, rule, reason)


def test_apply_nag_packs_reports_at_synthesis() -> None:
    app = make_app()
    stack = Stack(app, "Synth")
    s3.Bucket(stack, "Plain")
    assert apply_nag_packs(app, ["AwsSolutions", "Serverless"]) == ("AwsSolutions", "Serverless")
    with pytest.raises(Exception, match=r"AwsSolutions-S1"):
        app.synth()


def test_packs_apply_to_the_scope_they_are_declared_for() -> None:
    app = make_app()
    strict = Stack(app, "Strict")
    lenient = Stack(app, "Lenient")
    sns.Topic(lenient, "Plain", enforce_ssl=True)  # unencrypted: HIPAA finds it, not AwsSolutions
    sns.Topic(strict, "Plain", enforce_ssl=True)
    apply_nag_packs(strict, ["HIPAA.Security"])
    apply_nag_packs(lenient, ["AwsSolutions"])
    with pytest.raises(Exception, match=r"Strict/Plain") as raised:
        app.synth()
    assert "Lenient/Plain" not in str(raised.value)


def test_context_replaces_the_declared_packs() -> None:
    app = make_app(**{PACKS_CONTEXT: "Serverless, AwsSolutions"})
    assert apply_nag_packs(Stack(app, "S"), ["HIPAA.Security"]) == ("Serverless", "AwsSolutions")


def test_context_packs_cover_abstract_stacks_of_apps_that_declare_none(
    dev_config: EnvironmentConfig,
) -> None:
    app = make_app(**{PACKS_CONTEXT: "AwsSolutions"})
    # Without the organisation defaults, which would log the plain bucket.
    stack = BucketOnlyStack(app, "Undeclared", config=dev_config, organisation_defaults=False)
    with pytest.raises(Exception, match=r"AwsSolutions-S1"):
        app.synth()
    assert stack.node.path == "Undeclared"


def test_audit_mode_records_acknowledgements_instead_of_applying_them() -> None:
    app = make_app(**{AUDIT_CONTEXT: True})
    stack = Stack(app, "Audit")
    bucket = s3.Bucket(stack, "Plain")
    acknowledge_finding(bucket, "AwsSolutions-S1", "logs go to the central archive bucket")
    assert "AwsSolutions-S1" in {f.rule_id for f in nag_findings(stack)}
    recorded = [m.data for m in bucket.node.metadata if m.type == AUDIT_METADATA]
    assert recorded == [
        {
            "id": "AwsSolutions-S1",
            "reason": "logs go to the central archive bucket",
            "source": "app",
        }
    ]


def test_apply_unknown_pack_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"packs='CIS'"):
        apply_nag_packs(make_app(), ["CIS"])
