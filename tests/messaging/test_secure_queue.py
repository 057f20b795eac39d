"""SecureQueue: defaults per stage, FIFO, validation, grants, the gate and pinned logical ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import CfnParameter, Duration, Environment, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match, Template
from constructs import Construct

from org_constructs import (
    AbstractStack,
    EnvironmentConfig,
    QueueConfig,
    SecureQueue,
    Stage,
    ValidationError,
    rotating_key,
)
from org_constructs.compliance import NAG_PACKS, nag_findings
from org_constructs.contract import ACKNOWLEDGED, APP_SOURCE, LIBRARY_SOURCE, TEMPLATE_KEY
from org_constructs.testing import (
    assert_no_wildcard_iam,
    find_resources,
    template_json,
    template_of,
)
from tests.support import gate_findings, make_app

STAGES = [stage.value for stage in Stage]
QUEUE, DLQ, KEY = "JobsQueue24944186", "JobsDeadLetterQueue8CC426EE", "JobsKeyB64EAF8C"
NO_DLQ_REASON = "This queue is the on-failure destination of the orders function."


class QueueStack(AbstractStack):
    """A stack holding what ``build`` makes (a SecureQueue, with grantees if it wants)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        build: Callable[[Stack], SecureQueue],
    ) -> None:
        self._build = build
        super().__init__(scope, construct_id, config=config)

    def initialize(self) -> None:
        self.secure_queue = self._build(self)


def default_queue(stack: Stack) -> SecureQueue:
    return SecureQueue(stack, "Jobs")


def fifo_queue(stack: Stack) -> SecureQueue:
    return SecureQueue(
        stack,
        "Jobs",
        fifo=True,
        queue_name="orders-jobs.fifo",
        deduplication_scope=sqs.DeduplicationScope.MESSAGE_GROUP,
        fifo_throughput_limit=sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
    )


def full_queue(stack: Stack) -> SecureQueue:
    """Every option of a standard queue."""
    key = rotating_key(stack, "SharedKey", "the messages of the orders service")
    return SecureQueue(
        stack,
        "Jobs",
        queue_name="orders-jobs",
        visibility_timeout=Duration.minutes(6),
        retention_period=Duration.days(10),
        receive_message_wait_time=Duration.seconds(10),
        delivery_delay=Duration.seconds(30),
        max_message_size_bytes=262_144,
        max_receive_count=3,
        encryption_key=key,
        data_key_reuse=Duration.hours(1),
        removal_policy=RemovalPolicy.RETAIN,
    )


def granted_queue(stack: Stack) -> SecureQueue:
    queue = SecureQueue(stack, "Jobs")
    producer = iam.Role(stack, "Producer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    consumer = iam.Role(stack, "Consumer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    operator = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    queue.grant_send_messages(producer)
    queue.grant_consume_messages(consumer)
    queue.grant_purge(operator)
    queue.grant(operator, "sqs:ListQueueTags", "sqs:GetQueueAttributes")
    return queue


def no_dlq_queue(stack: Stack) -> SecureQueue:
    return SecureQueue(
        stack, "Jobs", dead_letter_queue=False, dead_letter_queue_reason=NO_DLQ_REASON
    )


VARIANTS: dict[str, tuple[str, Callable[[Stack], SecureQueue]]] = {
    "dev": ("dev", default_queue),
    "staging": ("staging", default_queue),
    "production": ("production", default_queue),
    "fifo": ("production", fifo_queue),
    "full": ("staging", full_queue),
    "grants": ("production", granted_queue),
    "no-dlq": ("dev", no_dlq_queue),
}


@pytest.fixture(scope="module")
def stacks(environments: dict[str, EnvironmentConfig]) -> dict[str, QueueStack]:
    """Each variant in its own app (Template.from_stack synthesizes the whole app)."""
    return {
        name: QueueStack(make_app(), f"Queue-{name}", config=environments[env], build=build)
        for name, (env, build) in VARIANTS.items()
    }


@pytest.fixture(scope="module")
def templates(stacks: dict[str, QueueStack]) -> dict[str, Template]:
    return {name: template_of(stack) for name, stack in stacks.items()}


def queues(template: Template) -> dict[str, dict[str, Any]]:
    return find_resources(template, "AWS::SQS::Queue")


def deny_without_tls(template: Template, logical_id: str) -> bool:
    """The queue's policy denies every request made without TLS."""
    for policy in find_resources(template, "AWS::SQS::QueuePolicy").values():
        properties = policy["Properties"]
        if {"Ref": logical_id} not in properties["Queues"]:
            continue
        for statement in properties["PolicyDocument"]["Statement"]:
            if (
                statement["Effect"] == "Deny"
                and statement["Action"] == "sqs:*"
                and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            ):
                return True
    return False


class TestDefaults:
    @pytest.mark.parametrize("stage", STAGES)
    def test_encrypted_with_a_rotating_customer_managed_key(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        template = templates[stage]
        for properties in (q["Properties"] for q in queues(template).values()):
            assert properties["KmsMasterKeyId"] == {"Fn::GetAtt": [KEY, "Arn"]}
            assert properties["KmsDataKeyReusePeriodSeconds"] == 300
            assert "SqsManagedSseEnabled" not in properties
        keys = find_resources(template, "AWS::KMS::Key")
        assert list(keys) == [KEY]
        assert keys[KEY]["Properties"]["EnableKeyRotation"] is True

    @pytest.mark.parametrize("stage", STAGES)
    def test_both_queues_refuse_requests_without_tls(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        assert deny_without_tls(templates[stage], QUEUE)
        assert deny_without_tls(templates[stage], DLQ)

    @pytest.mark.parametrize("stage", STAGES)
    def test_a_dead_letter_queue_only_this_queue_may_fill(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        found = queues(templates[stage])
        queue, dlq = found[QUEUE]["Properties"], found[DLQ]["Properties"]
        assert queue["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [DLQ, "Arn"]},
            "maxReceiveCount": QueueConfig.for_stage(stage).max_receive_count,
        }
        assert dlq["MessageRetentionPeriod"] == 1_209_600
        assert "RedrivePolicy" not in dlq
        account = {"dev": "111111111111", "staging": "222222222222"}.get(stage, "333333333333")
        assert dlq["RedriveAllowPolicy"] == {
            "redrivePermission": "byQueue",
            "sourceQueueArns": [f"arn:aws:sqs:us-east-1:{account}:{queue['QueueName']}"],
        }
        assert queue["QueueName"] == f"Queue-{stage}-Jobs", "the stack's name and the path"
        assert dlq["QueueName"] == f"{queue['QueueName']}-dlq"

    @pytest.mark.parametrize("stage", STAGES)
    def test_retention_comes_from_the_config_model(
        self, templates: dict[str, Template], stage: str
    ) -> None:
        properties = queues(templates[stage])[QUEUE]["Properties"]
        days = QueueConfig.for_stage(stage).retention_days
        assert properties["MessageRetentionPeriod"] == days * 86_400
        assert [QueueConfig.for_stage(s).retention_days for s in STAGES] == [4, 7, 14]

    def test_long_polling_and_the_default_visibility(self, templates: dict[str, Template]) -> None:
        properties = queues(templates["dev"])[QUEUE]["Properties"]
        assert properties["ReceiveMessageWaitTimeSeconds"] == 20
        assert properties["VisibilityTimeout"] == 30
        assert "DelaySeconds" not in properties
        assert "FifoQueue" not in properties

    @pytest.mark.parametrize(
        ("stage", "policy"), [("dev", "Delete"), ("staging", "Retain"), ("production", "Retain")]
    )
    def test_removal_policy_follows_stage(
        self, templates: dict[str, Template], stage: str, policy: str
    ) -> None:
        template = templates[stage]
        for resource in [
            *queues(template).values(),
            *find_resources(template, "AWS::KMS::Key").values(),
        ]:
            assert resource["DeletionPolicy"] == policy
            assert resource["UpdateReplacePolicy"] == policy

    def test_tagged_as_module(self, templates: dict[str, Template]) -> None:
        for resource in queues(templates["dev"]).values():
            assert {"Key": "Module", "Value": "SecureQueue"} in resource["Properties"]["Tags"]

    def test_attributes(self, stacks: dict[str, QueueStack]) -> None:
        queue = stacks["dev"].secure_queue
        assert isinstance(queue.queue, sqs.Queue)
        assert isinstance(queue.dead_letter_queue, sqs.Queue)
        assert queue.encryption_key is queue.queue.encryption_master_key
        assert queue.fifo is False
        assert queue.visibility_timeout.to_seconds() == 30
        assert queue.max_receive_count == 5
        for attribute in (queue.queue_arn, queue.queue_url, queue.queue_name):
            assert cdk.Token.is_unresolved(attribute)

    def test_outside_an_abstract_stack_the_production_defaults(self) -> None:
        stack = Stack(make_app(), "Plain")
        SecureQueue(stack, "Jobs")
        found = queues(Template.from_stack(stack))
        assert found[QUEUE]["Properties"]["MessageRetentionPeriod"] == 14 * 86_400
        assert found[QUEUE]["DeletionPolicy"] == "Retain"


class TestStageDefaults:
    """One source of stage defaults: the constructor and ``from_config`` agree in every stage."""

    @pytest.mark.parametrize("stage", STAGES)
    def test_constructor_and_from_config_build_the_same_queue(
        self, environments: dict[str, EnvironmentConfig], stage: str
    ) -> None:
        config = environments[stage]
        assert config.queue == QueueConfig.for_stage(stage), "the fixture keeps the defaults"

        def built(build: Callable[[Stack], SecureQueue]) -> dict[str, Any]:
            stack = QueueStack(make_app(), "Q", config=config, build=build)
            return template_json(template_of(stack))

        assert built(default_queue) == built(
            lambda s: SecureQueue.from_config(s, "Jobs", config.queue)
        )

    def test_from_config_takes_the_environments_values(self, dev_config: EnvironmentConfig) -> None:
        config = QueueConfig.for_stage("dev", retention_days=2, max_receive_count=9)
        stack = QueueStack(
            make_app(),
            "Q",
            config=dev_config,
            build=lambda s: SecureQueue.from_config(s, "Jobs", config, fifo=True),
        )
        found = queues(template_of(stack))
        properties = next(
            q["Properties"] for q in found.values() if "RedrivePolicy" in q["Properties"]
        )
        assert properties["MessageRetentionPeriod"] == 2 * 86_400
        assert properties["RedrivePolicy"]["maxReceiveCount"] == 9

    def test_the_config_is_refused_where_it_is_wrong(self, dev_config: EnvironmentConfig) -> None:
        stack = Stack(make_app(), "Q")
        with pytest.raises(
            ValidationError, match=r"config=.EnvironmentConfig\('dev'\).: is the whole"
        ):
            SecureQueue.from_config(stack, "Jobs", dev_config)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"retention_period=.*comes from the config"):
            SecureQueue.from_config(stack, "Jobs", QueueConfig(), retention_period=Duration.days(1))
        with pytest.raises(ValidationError, match=r"dead_letter_queue=False: cannot be given"):
            SecureQueue.from_config(stack, "Jobs", QueueConfig(), dead_letter_queue=False)
        with pytest.raises(ValidationError, match=r"QueueConfig: retention_days=15: must be"):
            QueueConfig(retention_days=15)
        assert stack.node.try_find_child("Jobs") is None


class TestFifo:
    def test_the_queue_and_its_dead_letter_queue_are_fifo(
        self, templates: dict[str, Template]
    ) -> None:
        found = queues(templates["fifo"])
        queue, dlq = found[QUEUE]["Properties"], found[DLQ]["Properties"]
        assert queue["QueueName"] == "orders-jobs.fifo"
        assert dlq["QueueName"] == "orders-jobs-dlq.fifo"
        assert queue["FifoQueue"] is True
        assert dlq["FifoQueue"] is True
        assert queue["ContentBasedDeduplication"] is True
        assert queue["DeduplicationScope"] == "messageGroup"
        assert queue["FifoThroughputLimit"] == "perMessageGroupId"
        assert dlq["RedriveAllowPolicy"]["sourceQueueArns"] == [
            "arn:aws:sqs:us-east-1:333333333333:orders-jobs.fifo"
        ]

    def test_a_derived_name_ends_with_fifo(self) -> None:
        stack = Stack(make_app(), "Plain")
        queue = SecureQueue(stack, "Jobs", fifo=True, content_based_deduplication=False)
        assert queue.fifo is True
        found = queues(Template.from_stack(stack))
        assert found[QUEUE]["Properties"]["QueueName"].endswith(".fifo")
        assert found[DLQ]["Properties"]["QueueName"].endswith("-dlq.fifo")
        assert found[QUEUE]["Properties"]["ContentBasedDeduplication"] is False


class TestOptions:
    def test_every_option_reaches_the_template(self, templates: dict[str, Template]) -> None:
        template = templates["full"]
        found = queues(template)
        queue, dlq = found[QUEUE]["Properties"], found[DLQ]["Properties"]
        assert queue["QueueName"] == "orders-jobs"
        assert dlq["QueueName"] == "orders-jobs-dlq"
        assert queue["VisibilityTimeout"] == 360
        assert queue["MessageRetentionPeriod"] == 10 * 86_400
        assert queue["ReceiveMessageWaitTimeSeconds"] == 10
        assert queue["DelaySeconds"] == 30
        assert queue["MaximumMessageSize"] == 262_144
        assert queue["RedrivePolicy"]["maxReceiveCount"] == 3
        assert queue["KmsDataKeyReusePeriodSeconds"] == 3600
        shared = {"Fn::GetAtt": [next(iter(find_resources(template, "AWS::KMS::Key"))), "Arn"]}
        assert queue["KmsMasterKeyId"] == dlq["KmsMasterKeyId"] == shared
        assert "JobsKey" not in "".join(find_resources(template, "AWS::KMS::Key"))

    def test_without_a_dead_letter_queue_the_reason_is_the_apps(
        self, stacks: dict[str, QueueStack], templates: dict[str, Template]
    ) -> None:
        queue = stacks["no-dlq"].secure_queue
        assert queue.dead_letter_queue is None
        assert queue.max_receive_count is None
        found = queues(templates["no-dlq"])
        assert list(found) == [QUEUE]
        assert "RedrivePolicy" not in found[QUEUE]["Properties"]
        recorded = found[QUEUE]["Metadata"][TEMPLATE_KEY][ACKNOWLEDGED]
        assert {(a["tool"], a["rule"], a["reason"], a["source"]) for a in recorded} == {
            ("cdk-nag", "AwsSolutions-SQS3", NO_DLQ_REASON, APP_SOURCE),
            ("cdk-nag", "Serverless-SQSRedrivePolicy", NO_DLQ_REASON, APP_SOURCE),
            ("cfn-guard", "CT.SQS.PR.1", NO_DLQ_REASON, APP_SOURCE),
        }

    def test_destroy_in_production_warns(self, production_config: EnvironmentConfig) -> None:
        stack = QueueStack(
            make_app(),
            "Destroy",
            config=production_config,
            build=lambda s: SecureQueue(s, "Jobs", removal_policy=RemovalPolicy.DESTROY),
        )
        Annotations.from_stack(stack).has_warning(
            "/Destroy/Jobs", Match.string_like_regexp("removal_policy is DESTROY in production")
        )

    def test_tokens_pass(self) -> None:
        stack = Stack(make_app(), "Tokens")
        name = CfnParameter(stack, "Name").value_as_string
        size: Any = CfnParameter(stack, "Size", type="Number").value_as_number
        SecureQueue(stack, "Jobs", queue_name=name, max_message_size_bytes=size)
        found = queues(Template.from_stack(stack))
        assert "QueueName" not in found[DLQ]["Properties"], "a name of its own from CloudFormation"


class TestPinnedLogicalIds:
    """Renaming a child would replace these resources; the ids are public contract."""

    def test_stateful_resources_keep_their_ids(self, templates: dict[str, Template]) -> None:
        assert sorted(queues(templates["dev"])) == sorted([QUEUE, DLQ])
        assert sorted(find_resources(templates["dev"], "AWS::KMS::Key")) == [KEY]


INVALID: dict[str, tuple[Callable[[Stack], Any], str]] = {
    "name characters": (
        lambda s: SecureQueue(s, "Q", queue_name="orders jobs"),
        r"SecureQueue\('Q'\): queue_name='orders jobs': must be 1 to 80 characters",
    ),
    "name too long": (lambda s: SecureQueue(s, "Q", queue_name="a" * 81), r"queue_name='a{81}'"),
    "name empty": (lambda s: SecureQueue(s, "Q", queue_name=""), r"queue_name='': must be 1"),
    "fifo name without suffix": (
        lambda s: SecureQueue(s, "Q", fifo=True, queue_name="jobs"),
        r"queue_name='jobs': must end with '.fifo' for a FIFO queue.*'jobs.fifo'",
    ),
    "standard name with suffix": (
        lambda s: SecureQueue(s, "Q", queue_name="jobs.fifo"),
        r"queue_name='jobs.fifo': ends with '.fifo'.*give fifo=True",
    ),
    "deduplication without fifo": (
        lambda s: SecureQueue(s, "Q", content_based_deduplication=True),
        r"content_based_deduplication=True: applies only to FIFO queues",
    ),
    "scope without fifo": (
        lambda s: SecureQueue(s, "Q", deduplication_scope=sqs.DeduplicationScope.QUEUE),
        r"deduplication_scope=.*: applies only to FIFO queues",
    ),
    "throughput without fifo": (
        lambda s: SecureQueue(s, "Q", fifo_throughput_limit=sqs.FifoThroughputLimit.PER_QUEUE),
        r"fifo_throughput_limit=.*: applies only to FIFO queues",
    ),
    "high throughput without message group scope": (
        lambda s: SecureQueue(
            s,
            "Q",
            fifo=True,
            fifo_throughput_limit=sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
            deduplication_scope=sqs.DeduplicationScope.QUEUE,
        ),
        r"fifo_throughput_limit=.*PER_MESSAGE_GROUP_ID.*: needs deduplication_scope="
        r"DeduplicationScope.MESSAGE_GROUP.*not .*QUEUE",
    ),
    "visibility too long": (
        lambda s: SecureQueue(s, "Q", visibility_timeout=Duration.hours(13)),
        r"visibility_timeout='13 hours': must be from 0 seconds to 12 hours",
    ),
    "visibility fraction": (
        lambda s: SecureQueue(s, "Q", visibility_timeout=Duration.millis(1500)),
        r"visibility_timeout=.*: must be a whole number of seconds",
    ),
    "retention too short": (
        lambda s: SecureQueue(s, "Q", retention_period=Duration.seconds(59)),
        r"retention_period='59 seconds': must be from 1 minute to 14 days",
    ),
    "retention too long": (
        lambda s: SecureQueue(s, "Q", retention_period=Duration.days(15)),
        r"retention_period='15 days': must be from 1 minute to 14 days",
    ),
    "wait too long": (
        lambda s: SecureQueue(s, "Q", receive_message_wait_time=Duration.seconds(21)),
        r"receive_message_wait_time='21 seconds': must be from 0 seconds to 20 seconds",
    ),
    "delay too long": (
        lambda s: SecureQueue(s, "Q", delivery_delay=Duration.minutes(16)),
        r"delivery_delay='16 minutes': must be from 0 seconds to 15 minutes",
    ),
    "message too small": (
        lambda s: SecureQueue(s, "Q", max_message_size_bytes=1023),
        r"max_message_size_bytes=1023: must be between 1024 and 1048576",
    ),
    "message too large": (
        lambda s: SecureQueue(s, "Q", max_message_size_bytes=1_048_577),
        r"max_message_size_bytes=1048577: must be between 1024 and 1048576",
    ),
    "data key reuse too short": (
        lambda s: SecureQueue(s, "Q", data_key_reuse=Duration.seconds(59)),
        r"data_key_reuse='59 seconds': must be from 1 minute to 1 day",
    ),
    "receive count zero": (
        lambda s: SecureQueue(s, "Q", max_receive_count=0),
        r"max_receive_count=0: must be between 1 and 1000",
    ),
    "receive count too high": (
        lambda s: SecureQueue(s, "Q", max_receive_count=1001),
        r"max_receive_count=1001: must be between 1 and 1000",
    ),
    "receive count without dead-letter queue": (
        lambda s: SecureQueue(
            s,
            "Q",
            dead_letter_queue=False,
            dead_letter_queue_reason=NO_DLQ_REASON,
            max_receive_count=3,
        ),
        r"max_receive_count=3: moves messages to the dead-letter queue",
    ),
    "no dead-letter queue without a reason": (
        lambda s: SecureQueue(s, "Q", dead_letter_queue=False),
        r"dead_letter_queue=False: needs dead_letter_queue_reason",
    ),
    "a short reason": (
        lambda s: SecureQueue(s, "Q", dead_letter_queue=False, dead_letter_queue_reason="dlq"),
        r"dead_letter_queue_reason='dlq': must explain in at least 20 characters",
    ),
    "a reason with a dead-letter queue": (
        lambda s: SecureQueue(s, "Q", dead_letter_queue_reason=NO_DLQ_REASON),
        r"dead_letter_queue_reason=.*: is the reason for a queue without a dead-letter queue",
    ),
    "snapshot removal policy": (
        lambda s: SecureQueue(s, "Q", removal_policy=RemovalPolicy.SNAPSHOT),
        r"removal_policy=.*: SQS queues have no snapshots",
    ),
    "wrong type": (
        lambda s: SecureQueue(s, "Q", fifo="yes"),  # type: ignore[arg-type]
        r"SecureQueue\('Q'\): fifo='yes'",
    ),
    "visibility as a number": (
        lambda s: SecureQueue(s, "Q", visibility_timeout=30),  # type: ignore[arg-type]
        r"visibility_timeout=30",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_props_are_refused(case: str) -> None:
    build, pattern = INVALID[case]
    stack = Stack(make_app(), "Invalid")
    with pytest.raises(ValidationError, match=pattern):
        build(stack)
    assert stack.node.try_find_child("Q") is None, "nothing half-made"


def test_an_encryption_key_of_another_region_is_refused_naming_both_regions() -> None:
    stack = Stack(make_app(), "Keys", env=Environment(account="111111111111", region="us-east-1"))
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    with pytest.raises(
        ValidationError,
        match=r"SecureQueue\('Q'\): encryption_key='Keys/Key': is in region eu-west-1, the "
        r"stack in us-east-1",
    ):
        SecureQueue(stack, "Q", encryption_key=key)
    assert stack.node.try_find_child("Q") is None


class TestConsumerTimeout:
    @pytest.fixture(scope="class")
    def queue(self) -> SecureQueue:
        return SecureQueue(
            Stack(make_app(), "Consumers"), "Jobs", visibility_timeout=Duration.minutes(3)
        )

    def test_six_times_the_timeout_plus_the_window_passes(self, queue: SecureQueue) -> None:
        queue.check_consumer_timeout(Duration.seconds(30))
        queue.check_consumer_timeout(Duration.seconds(25), batch_window=Duration.seconds(30))

    def test_a_longer_consumer_is_refused_naming_both_values(self, queue: SecureQueue) -> None:
        with pytest.raises(
            ValidationError,
            match=r"SecureQueue\('Jobs'\).check_consumer_timeout: timeout='31 seconds': needs the "
            r"visibility timeout of the queue Consumers/Jobs to be at least 6 x timeout = 186 "
            r"seconds, and it is 3 minutes",
        ):
            queue.check_consumer_timeout(Duration.seconds(31))

    def test_the_batch_window_counts_and_the_caller_is_named(self, queue: SecureQueue) -> None:
        with pytest.raises(
            ValidationError,
            match=r"MonitoredFunction\('Worker'\).add_queue_source: timeout='30 seconds': .*"
            r"6 x timeout \+ batch_window 1 second = 181 seconds, and it is 3 minutes",
        ):
            queue.check_consumer_timeout(
                Duration.seconds(30),
                batch_window=Duration.seconds(1),
                where="MonitoredFunction('Worker').add_queue_source",
            )

    def test_tokens_and_wrong_types(self, queue: SecureQueue) -> None:
        stack = Stack.of(queue)
        seconds = CfnParameter(stack, "Seconds", type="Number").value_as_number
        queue.check_consumer_timeout(Duration.seconds(seconds))
        with pytest.raises(ValidationError, match=r"check_consumer_timeout: timeout=30"):
            queue.check_consumer_timeout(30)  # type: ignore[arg-type]


class TestGrants:
    def test_grants_land_in_the_librarys_policy(self, templates: dict[str, Template]) -> None:
        template = templates["grants"]
        assert find_resources(template, "AWS::IAM::Policy") == {}, "no default policy"
        policies = find_resources(template, "AWS::IAM::ManagedPolicy")
        assert sorted(name[:-8] for name in policies) == [
            "ConsumerOrgConstructsGrants",
            "OperatorOrgConstructsGrants",
            "ProducerOrgConstructsGrants",
        ]

        def actions(prefix: str) -> set[str]:
            policy = next(p for n, p in policies.items() if n.startswith(prefix))
            statements = policy["Properties"]["PolicyDocument"]["Statement"]
            return {
                a
                for s in statements
                for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
            }

        assert {"sqs:SendMessage", "kms:GenerateDataKey*", "kms:ReEncrypt*"} <= actions("Producer")
        consumer = actions("Consumer")
        assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "kms:Decrypt"} <= consumer
        assert not any(a.startswith("kms:") and a != "kms:Decrypt" for a in consumer)
        assert actions("Operator") == {
            "sqs:PurgeQueue",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
            "sqs:ListQueueTags",
        }

    def test_exactly_the_wildcards_written_are_acknowledged(
        self, templates: dict[str, Template]
    ) -> None:
        policies = find_resources(templates["grants"], "AWS::IAM::ManagedPolicy")
        recorded = {
            name[:-8]: {
                a["rule"]
                for a in (p.get("Metadata") or {}).get(TEMPLATE_KEY, {}).get(ACKNOWLEDGED, [])
                if a["source"] == LIBRARY_SOURCE
            }
            for name, p in policies.items()
        }
        assert recorded == {
            "ProducerOrgConstructsGrants": {
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
            },
            "ConsumerOrgConstructsGrants": set(),
            "OperatorOrgConstructsGrants": set(),
        }
        assert_no_wildcard_iam(templates["grants"])

    def test_the_teams_own_grants_are_not_acknowledged(self, dev_config: EnvironmentConfig) -> None:
        def build(stack: Stack) -> SecureQueue:
            queue = SecureQueue(stack, "Jobs")
            role = iam.Role(stack, "Team", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
            queue.queue.grant_send_messages(role)  # the team's own, in the role's policy
            return queue

        stack = QueueStack(make_app(), "Own", config=dev_config, build=build)
        findings = {f.rule_id for f in nag_findings(stack, ("AwsSolutions",))}
        assert findings == {
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
        }

    def test_bad_grants_are_refused(self) -> None:
        stack = Stack(make_app(), "Grants")
        queue = SecureQueue(stack, "Jobs")
        role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        imported = lambda_.Function.from_function_name(stack, "Imported", "orders")
        with pytest.raises(
            ValidationError,
            match=r"SecureQueue\('Jobs'\).grant_send_messages: grantee='Grants/Imported': has no",
        ):
            queue.grant_send_messages(imported)
        for actions, message in (
            ((), r"grant: actions=\(\): must name at least one action"),
            (("sqs:*",), r"grant: actions\[0\]='sqs:\*': is a wildcard"),
            (("sqs:SendMessage", "sqs:Get*"), r"actions\[1\]='sqs:Get\*': is a wildcard"),
            (("s3:GetObject",), r"actions\[0\]='s3:GetObject': must be an SQS action"),
            ((5,), r"actions\[0\]=5: must be an action name"),
        ):
            with pytest.raises(ValidationError, match=message):
                queue.grant(role, *actions)
        assert role.node.try_find_child("OrgConstructsGrants") is None, "nothing granted"


class TestCompliance:
    @pytest.mark.parametrize("name", list(VARIANTS))
    def test_every_pack_is_clean(self, stacks: dict[str, QueueStack], name: str) -> None:
        assert nag_findings(stacks[name], NAG_PACKS) == []

    def test_the_dead_letter_queue_carries_its_own_acknowledgement(
        self, templates: dict[str, Template]
    ) -> None:
        recorded = queues(templates["dev"])[DLQ]["Metadata"][TEMPLATE_KEY][ACKNOWLEDGED]
        assert [(a["rule"], a["source"]) for a in recorded] == [
            ("Serverless-SQSRedrivePolicy", LIBRARY_SOURCE)
        ]
        assert "Metadata" not in queues(templates["dev"])[QUEUE], "nothing on the queue"

    @pytest.mark.e2e
    def test_the_gate_is_clean_in_every_stage(
        self, environments: dict[str, EnvironmentConfig], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """cfn-guard (Control Tower), cfn-lint and checkov over every variant, as ``org-cdk
        validate`` runs them: nothing blocks, and only the app's own reason (no-dlq) is the
        team's."""

        def add_stacks(app: cdk.App) -> None:
            for name, (env, build) in VARIANTS.items():
                QueueStack(app, f"Queue-{name}", config=environments[env], build=build)

        findings = gate_findings(add_stacks, monkeypatch)
        assert [f for f in findings if f.blocking] == []
        assert {(f.tool, f.rule, f.stack, f.acknowledged) for f in findings} == {
            ("cfn-guard", "CT.SQS.PR.1", "Queue-no-dlq", NO_DLQ_REASON)
        }


def test_a_bare_app_without_feature_flags(production_config: EnvironmentConfig) -> None:
    """A consumer's unit test: ``cdk.App()`` with no context at all."""
    app = cdk.App()
    stack = QueueStack(app, "Bare", config=production_config, build=granted_queue)
    template = app.synth().get_stack_by_name(stack.stack_name).template
    assert sorted(
        k for k, v in template["Resources"].items() if v["Type"] == "AWS::SQS::Queue"
    ) == [
        DLQ,
        QUEUE,
    ]
    assert nag_findings(stack, NAG_PACKS) == []


@pytest.mark.parametrize("name", ["dev", "fifo", "full"])
def test_snapshot(templates: dict[str, Template], name: str, cfn_snapshot: Any) -> None:
    assert templates[name] == cfn_snapshot
