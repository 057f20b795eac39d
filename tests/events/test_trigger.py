"""``Trigger``, ``add_schedule`` and ``add_rule``: a rule, one target, retries, dead letters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

from org_constructs import (
    AbstractStack,
    AlarmTopic,
    MonitoredFunction,
    SecureStateMachine,
    ServiceMonitoring,
    ValidationError,
)
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.config import EnvironmentConfig
from org_constructs.events import Trigger
from tests.support import make_app

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return None\n")
NIGHTLY = events.Schedule.cron(minute="0", hour="3")


class Jobs(AbstractStack):
    """A nightly function, an archive workflow on a schedule, a handler of order events."""

    def initialize(self) -> None:
        topic = AlarmTopic(self, "Alarms", emails=["ops@example.com"])
        self.monitoring = ServiceMonitoring(
            self, "Monitoring", service_name="orders", alarm_topic=topic
        )
        self.report = MonitoredFunction(
            self, "Report", code=CODE, handler="index.handler", monitoring=self.monitoring
        )
        self.nightly = self.report.add_schedule("Nightly", NIGHTLY)
        self.bus = events.EventBus(self, "Orders")
        self.on_order = self.report.add_rule(
            "OnOrder",
            events.EventPattern(source=["orders"], detail_type=["OrderPlaced"]),
            event_bus=self.bus,
            retry_attempts=5,
            max_event_age=Duration.hours(2),
        )
        self.archive = SecureStateMachine(
            self,
            "Archive",
            definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(self, "Done")),
            monitoring=self.monitoring,
        )
        self.weekly = self.archive.add_schedule("Weekly", events.Schedule.rate(Duration.days(7)))


@pytest.fixture(scope="module")
def jobs(environments: dict[str, EnvironmentConfig]) -> Jobs:
    return Jobs(make_app(), "Jobs", config=environments["production"])


@pytest.fixture(scope="module")
def template(jobs: Jobs) -> Template:
    return Template.from_stack(jobs)


def _id(stack: Stack, construct: Any) -> str:
    return str(stack.resolve(construct.node.default_child.logical_id))


def rule(template: Template, jobs: Jobs, trigger: Trigger) -> dict[str, Any]:
    return dict(template.find_resources("AWS::Events::Rule")[_id(jobs, trigger.rule)]["Properties"])


def test_a_schedule_invokes_the_alias_with_retries_and_dead_letters(
    jobs: Jobs, template: Template
) -> None:
    properties = rule(template, jobs, jobs.nightly)
    assert properties["ScheduleExpression"] == "cron(0 3 * * ? *)"
    [target] = properties["Targets"]
    assert _id(jobs, jobs.report.alias) in json.dumps(target["Arn"])
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 86400}
    assert target["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": [_id(jobs, jobs.nightly.dead_letter_queue), "Arn"]}
    }
    assert jobs.nightly.target is jobs.report.alias


def test_the_dead_letter_queue_is_encrypted_with_a_key_eventbridge_may_use(
    jobs: Jobs, template: Template
) -> None:
    queue = template.find_resources("AWS::SQS::Queue")[_id(jobs, jobs.nightly.dead_letter_queue)]
    assert queue["Properties"]["MessageRetentionPeriod"] == 1209600
    key_id = queue["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    statements = template.find_resources("AWS::KMS::Key")[key_id]["Properties"]["KeyPolicy"][
        "Statement"
    ]
    [events_statement] = [
        s for s in statements if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert sorted(events_statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert "aws:SourceAccount" in events_statement["Condition"]["StringEquals"]


def test_an_event_rule_on_its_bus_carries_its_own_retry_policy(
    jobs: Jobs, template: Template
) -> None:
    properties = rule(template, jobs, jobs.on_order)
    assert properties["EventPattern"] == {"source": ["orders"], "detail-type": ["OrderPlaced"]}
    assert properties["EventBusName"] == {"Ref": _id(jobs, jobs.bus)}
    [target] = properties["Targets"]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 7200}


def test_a_state_machine_is_started_by_a_role_that_may_start_only_it(
    jobs: Jobs, template: Template
) -> None:
    [target] = rule(template, jobs, jobs.weekly)["Targets"]
    assert target["Arn"] == {"Ref": _id(jobs, jobs.archive.state_machine)}
    assert jobs.weekly.role is not None
    assert target["RoleArn"] == {"Fn::GetAtt": [_id(jobs, jobs.weekly.role), "Arn"]}
    role_path = jobs.weekly.role.node.path
    inline = [
        p
        for p in template.find_resources("AWS::IAM::Policy").values()
        if role_path in json.dumps(p.get("Metadata", {}))
    ]
    assert inline == []
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::ManagedPolicy").values()
        if policy["Properties"].get("Roles") == [{"Ref": _id(jobs, jobs.weekly.role)}]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements == [
        {
            "Action": "states:StartExecution",
            "Effect": "Allow",
            "Resource": {"Ref": _id(jobs, jobs.archive.state_machine)},
        }
    ]


def test_each_trigger_is_watched_by_the_targets_monitoring(jobs: Jobs) -> None:
    names = set(jobs.monitoring.alarms)
    for label in ("Nightly", "OnOrder", "Weekly"):
        assert f"production-orders-{label}-failed-invocations" in names
        assert f"production-orders-{label}-dead-letter-messages" in names
        assert f"production-orders-{label}-dead-letter-failures" in names


def test_nothing_the_library_made_is_left_to_the_team(jobs: Jobs) -> None:
    """The function's regulated findings (no VPC, no reserved concurrency) are the team's."""
    assert nag_findings(jobs, ("AwsSolutions", "Serverless")) == []
    made = [
        f
        for f in nag_findings(jobs, NAG_PACKS)
        if any(part in f.construct_path for part in ("Nightly", "OnOrder", "Weekly"))
    ]
    assert made == []


def _function(stack: Stack) -> MonitoredFunction:
    return MonitoredFunction(stack, "Report", code=CODE, handler="index.handler")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "give a schedule or an event_pattern"),
        (
            {"schedule": NIGHTLY, "event_pattern": events.EventPattern(source=["x"])},
            "give a schedule or an event_pattern",
        ),
        ({"schedule": NIGHTLY, "retry_attempts": 186}, "retry_attempts"),
        ({"schedule": NIGHTLY, "max_event_age": Duration.seconds(30)}, "max_event_age"),
        ({"schedule": NIGHTLY, "description": "x" * 513}, "description"),
    ],
)
def test_bad_values_are_refused_before_anything_is_made(
    options: dict[str, Any], message: str
) -> None:
    stack = Stack(make_app(), "Bad")
    function = _function(stack)
    with pytest.raises(ValidationError, match=message):
        Trigger(stack, "Nightly", target=function, **options)
    assert stack.node.try_find_child("Nightly") is None


def test_a_bus_with_a_schedule_is_refused() -> None:
    stack = Stack(make_app(), "Bad")
    with pytest.raises(ValidationError, match=r"event_bus.*scheduled rules run on the default"):
        Trigger(
            stack,
            "Nightly",
            target=_function(stack),
            schedule=NIGHTLY,
            event_bus=events.EventBus(stack, "Bus"),
        )


def test_the_unversioned_function_of_a_monitored_function_is_refused() -> None:
    stack = Stack(make_app(), "Bad")
    function = _function(stack)
    with pytest.raises(ValidationError, match="unversioned function of Bad/Report"):
        Trigger(stack, "Nightly", target=function.function, schedule=NIGHTLY)


def test_add_schedule_checks_its_arguments() -> None:
    stack = Stack(make_app(), "Bad")
    with pytest.raises(ValidationError, match=r"MonitoredFunction\('Report'\).add_schedule"):
        _function(stack).add_schedule("Nightly", "cron(0 3 * * ? *)")  # type: ignore[arg-type]


def full_trigger(stack: Stack) -> Trigger:
    """Every option: a state machine started by events on a bus of its own."""
    archive = SecureStateMachine(
        stack,
        "Archive",
        definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Done")),
    )
    return Trigger(
        stack,
        "OnBatch",
        target=archive,
        event_pattern=events.EventPattern(source=["orders"], detail_type=["BatchPlaced"]),
        event_bus=events.EventBus(stack, "Orders"),
        retry_attempts=5,
        max_event_age=Duration.hours(2),
        input=events.RuleTargetInput.from_object({"archive": True}),
        enabled=False,
        description="Archives each placed batch",
    )


def test_triggers_may_share_one_key_which_eventbridge_may_use_once() -> None:
    from aws_cdk import aws_kms as kms

    stack = Stack(make_app(), "Shared")
    key = kms.Key(stack, "DeadLetters", enable_key_rotation=True)
    function = _function(stack)
    function.add_schedule("Nightly", NIGHTLY, encryption_key=key)
    function.add_schedule("Hourly", events.Schedule.rate(Duration.hours(1)), encryption_key=key)
    template = Template.from_stack(stack)
    assert len(template.find_resources("AWS::KMS::Key")) == 3  # shared, the function's two
    statements = template.find_resources("AWS::KMS::Key")[_id(stack, key)]["Properties"][
        "KeyPolicy"
    ]["Statement"]
    assert [s.get("Sid") for s in statements].count("EventBridgeRulesOfThisAccount") == 1


def test_a_target_of_another_account_is_refused() -> None:
    from aws_cdk import Environment

    stack = Stack(
        make_app(), "Elsewhere", env=Environment(account="111111111111", region="us-east-1")
    )
    job = lambda_.Function.from_function_arn(
        stack, "Job", "arn:aws:lambda:us-east-1:222222222222:function:report"
    )
    with pytest.raises(ValidationError, match="is in account 222222222222, the rule in account"):
        Trigger(stack, "Nightly", target=job, schedule=NIGHTLY)
