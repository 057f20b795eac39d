"""Organisation defaults: property injectors for the plain aws-cdk-lib resources a team creates.

aws-cdk-lib calls a registered ``IPropertyInjector`` with the props of each L2 construct of its
kind, before the construct exists, wherever in the tree it is created (inside other libraries'
constructs too). The defaults here fill in only the props the team left out, so an explicit
setting always wins, and leave alone what this library's own constructs create (they set their
values themselves, and their templates must not move).

One callback per created L2 is the whole cost: the work is done in that callback, from the
props and the injection context, and what must wait for the construct to exist (the library's
acknowledgements of the stage-dependent defaults, on exactly the resources the defaults
touched) is settled once per scope, after ``AbstractStack.initialize`` and again in a tree
validation for anything created later.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Duration, IPropertyInjector, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct, IValidation

from org_constructs._internal import checks
from org_constructs._internal.flags import S3_ACCESS_LOGS_BY_POLICY
from org_constructs._internal.kernel import Program, enum
from org_constructs._internal.kms import log_group_key
from org_constructs._internal.nodes import id_of, path_of
from org_constructs.compliance._acknowledgements import (
    DEPENDS_ON_ROLE_REASON,
    acknowledge,
    acknowledge_library_check,
    acknowledge_library_finding,
    acknowledge_short_retention,
    flush_acknowledgements,
    skip_checkov,
)
from org_constructs.config import Stage, StageDefaults
from org_constructs.errors import ValidationError

__all__ = [
    "DEFAULTS_KEY_ID",
    "DEFAULT_RESOURCES",
    "OrganisationDefaults",
    "apply_organisation_defaults",
]

DEFAULTS_KEY_ID = "OrganisationDefaultsKey"
"""The construct id of the one KMS key per stack that the defaults encrypt with (created on
first use, directly under the stack, so its logical id never changes)."""

DEFAULTS_ACCESS_LOGS_ID = "OrganisationDefaultsAccessLogs"
"""The construct id of the one server access log bucket per stack for the buckets the defaults
log (created on first use, directly under the stack)."""

DEFAULT_RESOURCES: tuple[str, ...] = (
    "LogGroup",
    "Queue",
    "Topic",
    "Bucket",
    "Table",
    "TableV2",
    "ApplicationLoadBalancer",
    "Function",
)
"""The aws-cdk-lib L2 classes the defaults apply to (``resources=`` chooses among them)."""

_LIBRARY_MODULE = "org_constructs."

_NO_VPC_REASON = (
    "Organisation default: a function runs outside any VPC unless it reaches private "
    "resources (it then pays for NAT and ENIs); pass vpc= for one that does."
)
_NO_CONCURRENCY_REASON = (
    "Organisation default: no reserved concurrency, which takes capacity from the account's "
    "pool whether used or not; pass reserved_concurrent_executions= to cap a function."
)
_ENVIRONMENT_KEY_REASON = (
    "Organisation default: Lambda encrypts environment variables with its AWS managed key; "
    "pass environment_encryption= for values that need their own key policy."
)
_NO_DLQ_REASON = (
    "Organisation default: a function reports failures to its caller (API, event source "
    "mapping); pass dead_letter_queue_enabled=True or on_failure= for asynchronous calls."
)
_BASIC_ROLE_REASON = (
    "The role aws-cdk-lib creates for a function carries AWSLambdaBasicExecutionRole, which "
    "allows writing the function's own logs to CloudWatch Logs and nothing else."
)
_XRAY_REASON = (
    "X-Ray active tracing, an organisation default, needs xray:PutTraceSegments and "
    "xray:PutTelemetryRecords, which X-Ray does not scope to a resource."
)
_LOG_BUCKET_REASON = (
    "The server access log bucket of the organisation defaults. Logging it to another bucket "
    "would need a log bucket for that one too; S3 delivers access logs only to buckets "
    "encrypted with SSE-S3 (SSE-KMS is not supported for log delivery)."
)
_LOG_BUCKET_RULES = (
    "HIPAA.Security-S3BucketLoggingEnabled",
    "NIST.800.53.R5-S3BucketLoggingEnabled",
    "PCI.DSS.321-S3BucketLoggingEnabled",
    "HIPAA.Security-S3DefaultEncryptionKMS",
    "NIST.800.53.R5-S3DefaultEncryptionKMS",
    "PCI.DSS.321-S3DefaultEncryptionKMS",
)
_DEAD_LETTER_REASON = (
    "A dead-letter queue of the organisation defaults: it takes what its queue could not "
    "process and needs no dead-letter queue of its own."
)
_DEAD_LETTER_GUARD_REASON = (
    "The dead-letter queue Lambda creates for dead_letter_queue_enabled=True; it needs no "
    "dead-letter queue of its own."
)
_DEV_DELETION_REASON = (
    "Dev stage: the organisation defaults turn deletion protection on in staging and "
    "production only, so that dev environments can be torn down."
)
_BASIC_EXECUTION = (
    "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
)


@dataclass(frozen=True)
class _Touched:
    """A construct the defaults changed: where it will be, and which props they set."""

    scope: IConstruct
    construct_id: str
    kind: str
    defaulted: frozenset[str]
    given: frozenset[str]


@jsii.implements(IPropertyInjector)
class _Injector:
    """The injector for one aws-cdk-lib class.

    One per class and process, shared by every scope that registers the defaults (so a stack
    costs no new objects in aws-cdk-lib's runtime); it hands the props to the defaults of the
    nearest such scope. aws-cdk-lib calls it through the kernel's own injector that
    ``apply_organisation_defaults`` registers, which answers for the library's constructs
    (``library_construct``) itself.
    """

    def __init__(self, kind: str) -> None:
        self._kind = kind

    @property
    def construct_unique_id(self) -> str:
        result: str = _CLASSES[self._kind][1].PROPERTY_INJECTION_ID
        return result

    def inject(self, original_props: Any, *, id: str, scope: Construct) -> Any:
        policy = _policy_for(scope)
        if policy is None or self._kind not in policy.resources:
            return original_props
        return policy._inject(self._kind, original_props, scope, id)


@jsii.implements(IValidation)
class OrganisationDefaults:
    """The organisation's defaults for the plain L2 resources under one scope.

    Made by ``apply_organisation_defaults`` (which ``AbstractStack`` calls for every stack);
    it holds the stage, the resources it applies to, and the constructs it has changed until
    their acknowledgements are written.
    """

    def __init__(
        self,
        scope: IConstruct,
        *,
        stage: Stage,
        log_retention: logs.RetentionDays,
        resources: tuple[str, ...],
    ) -> None:
        self._scope = scope
        self._stage = stage
        self._retention = log_retention
        self._resources = resources
        self._touched: list[_Touched] = []
        self._logs_by_policy = False
        """Whether S3 delivers the access logs of the buckets under the scope through the log
        bucket's policy (``S3_ACCESS_LOGS_BY_POLICY``, pinned on the scope when unset): the
        owner-enforced log bucket takes no ``LogDeliveryWrite`` ACL."""

    @property
    def stage(self) -> Stage:
        """The stage whose defaults apply (retention, deletion protection)."""
        return self._stage

    @property
    def resources(self) -> tuple[str, ...]:
        """The aws-cdk-lib classes the defaults apply to."""
        return self._resources

    # -------------------------------------------------------------------------- injection

    def _inject(self, kind: str, original: Any, scope: Construct, construct_id: str) -> Any:
        props: dict[str, Any] = dict(original or {})
        if construct_id == DEFAULTS_ACCESS_LOGS_ID:
            return original  # the defaults' own log bucket, being made with its settings
        if _SINGLETON.search(construct_id):
            return original
        given = frozenset(k for k, v in props.items() if v is not None)
        defaulted = _DEFAULTERS[kind](self, props, scope, construct_id)
        if kind in _SETTLERS:
            self._touched.append(_Touched(scope, construct_id, kind, frozenset(defaulted), given))
        return props if defaulted else original

    def _key(self, scope: Construct) -> kms.IKey:
        """The stack's one key for the defaults, made on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(DEFAULTS_KEY_ID)
        if isinstance(existing, kms.Key):
            return existing
        if existing is not None:
            raise ValidationError(
                f"apply_organisation_defaults({path_of(stack)!r})",
                "construct_id",
                DEFAULTS_KEY_ID,
                "is the id of the key the organisation defaults create in every stack: give "
                "the stack's own construct another id",
            )
        return log_group_key(
            stack,
            DEFAULTS_KEY_ID,
            f"the resources of {stack.stack_name} without a key of their own",
        )

    def _access_logs(self, scope: Construct) -> s3.IBucket:
        """The stack's one server access log bucket for the defaults, made on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(DEFAULTS_ACCESS_LOGS_ID)
        if isinstance(existing, s3.Bucket):
            return existing
        days = StageDefaults.for_stage(self._stage).log_retention_days
        bucket = s3.Bucket(
            stack,
            DEFAULTS_ACCESS_LOGS_ID,
            encryption=s3.BucketEncryption.S3_MANAGED,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(days),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
        )
        acknowledge(bucket, _LOG_BUCKET_REASON, *_LOG_BUCKET_RULES)
        for rule in ("CT.S3.PR.2", "CT.S3.PR.10"):
            acknowledge_library_check(bucket, "cfn-guard", rule, _LOG_BUCKET_REASON)
        skip_checkov(bucket, "CKV_AWS_18", _LOG_BUCKET_REASON)
        return bucket

    # -------------------------------------------------------------------------- settling

    def validate(self) -> list[str]:
        """Tree validation (runs before templates are written): settle what is pending, and
        refuse an injector of the app's that replaced the defaults' on their scope since."""
        self.settle()
        program = Program()
        paths = [_CLASSES[name][0] for name in self._resources]
        (replaced,) = program.read(program.op("defaultsReplaced", self._scope, paths))
        names = [name for name in self._resources if _CLASSES[name][0] in replaced]
        if not names:
            return []
        return [
            f"apply_organisation_defaults({path_of(self._scope) or '(app)'!r}): resources="
            f"{names}: a property injector of the app's, added to the same scope afterwards, "
            "replaced the defaults' (aws-cdk-lib keeps one per class and scope), so they "
            "apply to nothing made since. Leave these out with resources=, or register the "
            "app's injector on a scope below"
        ]

    def settle(self) -> None:
        """Write the library's acknowledgements for each construct the defaults changed."""
        pending, self._touched = self._touched, []
        for touched in pending:
            construct = touched.scope.node.try_find_child(touched.construct_id)
            if construct is not None:
                _SETTLERS.get(touched.kind, _nothing)(self, construct, touched)
        flush_acknowledgements()  # settled while validating: written now, not held


def apply_organisation_defaults(
    scope: IConstruct,
    *,
    stage: Stage,
    log_retention: logs.RetentionDays | None = None,
    resources: tuple[str, ...] | None = None,
) -> OrganisationDefaults:
    """Register the organisation's defaults for the plain L2 resources created under ``scope``.

    ``AbstractStack`` calls this for every stack it makes; call it yourself on an app, a stage
    or a stack that is not an ``AbstractStack``. Each default fills in a prop only when the
    team left it out (see ``docs/organisation-defaults.md`` for the table); constructs of this
    library are left as they are. Register before creating the resources: a construct created
    earlier is not changed.

    Parameters
    ----------
    scope:
        An app, stage or stack (or any construct): the defaults apply to what is created under it.
    stage:
        The stage whose defaults apply (log retention, load balancer deletion protection).
    log_retention:
        The retention of log groups without one. Default: - the stage's
        (``StageDefaults.for_stage(stage).log_retention``)
    resources:
        The classes to apply defaults to, from ``DEFAULT_RESOURCES``.
        Default: - all of them

    Returns
    -------
    OrganisationDefaults
        The registered defaults.

    Raises
    ------
    ValidationError
        For a stage that is not a ``Stage``, an unknown resource name, or a scope that already
        has the organisation defaults.

    Example
    -------
    ::

        app = cdk.App()
        stack = cdk.Stack(app, "Legacy")
        apply_organisation_defaults(stack, stage=Stage.PRODUCTION)
        logs.LogGroup(stack, "AppLogs")  # kept a year, encrypted with the stack's key
    """
    where = "apply_organisation_defaults"
    checks.check_arguments(
        where,
        apply_organisation_defaults,
        {"scope": scope, "stage": stage, "log_retention": log_retention, "resources": resources},
    )
    chosen = DEFAULT_RESOURCES if resources is None else tuple(resources)
    unknown = [r for r in chosen if r not in DEFAULT_RESOURCES]
    if unknown or isinstance(resources, str):
        raise ValidationError(
            where,
            "resources",
            resources,
            f"must be a tuple of names among {', '.join(DEFAULT_RESOURCES)}",
        )
    if isinstance(getattr(scope, _REGISTERED, None), OrganisationDefaults):
        raise ValidationError(
            where,
            "scope",
            path_of(scope) or "(app)",
            "already has the organisation defaults (AbstractStack registers them itself): "
            "register them once per scope",
        )
    policy = OrganisationDefaults(
        scope,
        stage=stage,
        log_retention=log_retention or StageDefaults.for_stage(stage).log_retention,
        resources=chosen,
    )
    program = Program()  # one request: the injectors and the validation that settles
    pairs = [[_CLASSES[name][0], _INJECTORS.get(name)] for name in chosen]
    if "Bucket" in chosen:
        value = S3_ACCESS_LOGS_BY_POLICY[_LOGS_FLAG]
        flag = program.result(program.op("pinUnset", scope, _LOGS_FLAG, value))
    taken = program.result(program.op("defaults", scope, pairs, policy))
    values = program.run()
    if values[taken]:
        names = [name for name in chosen if _CLASSES[name][0] in values[taken]]
        raise ValidationError(
            where,
            "resources",
            names,
            f"already have a property injector of the app's on {path_of(scope) or '(app)'}: "
            "aws-cdk-lib keeps one per class and scope, so the defaults would replace it. "
            "Leave these out with resources=, or register the app's injector on a scope "
            "below, where it applies instead of the defaults",
        )
    if "Bucket" in chosen:
        policy._logs_by_policy = values[flag] is True
    setattr(scope, _REGISTERED, policy)
    _REGISTERED_ANY.add(True)
    return policy


def library_construct(construct: IConstruct, module: str | None = None) -> None:
    """Called by each construct of the library as it starts building: tags it ``Module``
    (when given) and marks it in the jsii kernel, where the organisation defaults' injectors
    then leave what it makes to it without a call back into Python (``_policy_for`` answers
    the same for a construct not marked). One request, none without either."""
    with contextlib.suppress(AttributeError):  # a proxy that takes no attributes
        setattr(construct, _LIBRARY_MARK, True)
    program = Program()
    if module is not None:
        program.call(program.call(enum("Tags"), "of", construct), "add", "Module", module)
    if _REGISTERED_ANY:
        program.op("library", construct)
    program.run()


_REGISTERED = "_org_constructs_defaults"
"""The attribute that holds, on the scope's Python object, the defaults registered there."""
_REGISTERED_ANY: set[bool] = set()
"""``{True}`` once a scope of this process has registered the defaults (until then, marking
the library's constructs would be a request for nothing)."""


class _Injectors:
    """The shared injectors, made on first use."""

    def __init__(self) -> None:
        self._made: dict[str, _Injector] = {}

    def get(self, name: str) -> _Injector:
        if name not in self._made:
            self._made[name] = _Injector(name)
        return self._made[name]


_CLASSES: Mapping[str, tuple[str, Any]] = {
    "LogGroup": ("aws_logs.LogGroup", logs.LogGroup),
    "Queue": ("aws_sqs.Queue", sqs.Queue),
    "Topic": ("aws_sns.Topic", sns.Topic),
    "Bucket": ("aws_s3.Bucket", s3.Bucket),
    "Table": ("aws_dynamodb.Table", dynamodb.Table),
    "TableV2": ("aws_dynamodb.TableV2", dynamodb.TableV2),
    "ApplicationLoadBalancer": (
        "aws_elasticloadbalancingv2.ApplicationLoadBalancer",
        elbv2.ApplicationLoadBalancer,
    ),
    "Function": ("aws_lambda.Function", lambda_.Function),
}
"""Each class the defaults apply to: its path in aws-cdk-lib (for the kernel) and itself."""
_INJECTORS = _Injectors()


_SINGLETON = re.compile(r"[0-9a-f]{32}$")
"""The id of a function aws-cdk-lib shares across a stack (``SingletonFunction``: a purpose and
a uuid, such as ``AWS679f53fac002430cb0da5b7982bd2287``): a deployment-time handler that
aws-cdk-lib (for whichever construct asked for it) sets up, not a function of the team's."""


@dataclass(frozen=True)
class _ScopeMark:
    """What the defaults know of a scope, kept on its Python object: whether it is (inside) a
    construct of this library, and the defaults of the nearest scope that registered them.
    The tree is walked once per scope, not once per resource created in it."""

    library: bool
    policy: OrganisationDefaults | None


_MARK = "_org_constructs_defaults_mark"


def _policy_for(scope: IConstruct) -> OrganisationDefaults | None:
    """The defaults that apply to what is created in ``scope``: None inside a construct of
    this library (which sets its own values) or outside every scope that registered them."""
    mark = getattr(scope, _MARK, None)
    if not isinstance(mark, _ScopeMark):
        if _is_library(scope):
            mark = _ScopeMark(library=True, policy=None)
        else:
            chain = scope.node.scopes
            registered = [getattr(s, _REGISTERED, None) for s in reversed(chain)]
            mark = _ScopeMark(
                library=any(_is_library(s) for s in chain),
                policy=next((r for r in registered if isinstance(r, OrganisationDefaults)), None),
            )
        with contextlib.suppress(AttributeError):  # a proxy that takes no attributes
            setattr(scope, _MARK, mark)
    return None if mark.library else mark.policy


def _is_library(scope: object) -> bool:
    """A construct of the library (or a team's subclass of one), or one of its parts."""
    return getattr(scope, _LIBRARY_MARK, False) is True or type(scope).__module__.startswith(
        _LIBRARY_MODULE
    )


_LIBRARY_MARK = "_org_constructs_library"
"""The attribute ``library_construct`` sets on a library construct's Python object."""


def _missing(props: dict[str, Any], *names: str) -> bool:
    return all(props.get(n) is None for n in names)


# ------------------------------------------------------------------------------ the defaults

Defaulter = Callable[[OrganisationDefaults, dict[str, Any], Construct, str], set[str]]
Settler = Callable[[OrganisationDefaults, IConstruct, _Touched], None]


def _log_group(
    policy: OrganisationDefaults, props: dict[str, Any], scope: Construct, _id: str
) -> set[str]:
    done: set[str] = set()
    if _missing(props, "retention"):
        props["retention"] = policy._retention
        done.add("retention")
    if _missing(props, "encryptionKey"):
        props["encryptionKey"] = policy._key(scope)
        done.add("encryptionKey")
    return done


def _queue(
    policy: OrganisationDefaults, props: dict[str, Any], scope: Construct, construct_id: str
) -> set[str]:
    done: set[str] = set()
    if _missing(props, "encryption", "encryptionMasterKey"):
        props["encryption"] = sqs.QueueEncryption.KMS
        props["encryptionMasterKey"] = policy._key(scope)
        done.add("encryptionMasterKey")
    if _missing(props, "enforceSsl", "enforceSSL"):
        props["enforceSSL"] = True
        done.add("enforceSSL")
    if _missing(props, "deadLetterQueue", "redriveAllowPolicy"):
        if isinstance(scope, lambda_.Function):
            # The queue Lambda creates for dead_letter_queue_enabled=True: a dead-letter queue.
            props["redriveAllowPolicy"] = {"redrivePermission": sqs.RedrivePermission.ALLOW_ALL}
            done.add("redriveAllowPolicy")
        else:
            props["deadLetterQueue"] = {
                "queue": _dead_letter_queue(policy, props, scope, construct_id),
                "maxReceiveCount": DEAD_LETTER_RECEIVE_COUNT,
            }
            done.add("deadLetterQueue")
    return done


DEAD_LETTER_RECEIVE_COUNT = 5
"""Receives before a message of a queue with the default dead-letter queue moves there."""
DEAD_LETTER_SUFFIX = "DeadLetterQueue"
"""The default dead-letter queue of queue ``Jobs`` is ``JobsDeadLetterQueue``, beside it."""


def _dead_letter_queue(
    policy: OrganisationDefaults, props: dict[str, Any], scope: Construct, construct_id: str
) -> sqs.Queue:
    """The dead-letter queue the defaults give a queue without one, beside it."""
    fifo = bool(props.get("fifo")) or str(props.get("queueName") or "").endswith(".fifo")
    queue = sqs.Queue(
        scope,
        f"{construct_id}{DEAD_LETTER_SUFFIX}",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=props.get("encryptionMasterKey") or policy._key(scope),
        enforce_ssl=True,
        fifo=fifo or None,
        retention_period=Duration.days(14),
        redrive_allow_policy=sqs.RedriveAllowPolicy(
            redrive_permission=sqs.RedrivePermission.ALLOW_ALL
        ),
    )
    policy._touched.append(
        _Touched(scope, id_of(queue), "DeadLetterQueue", frozenset(), frozenset())
    )
    return queue


def _topic(
    policy: OrganisationDefaults, props: dict[str, Any], scope: Construct, _id: str
) -> set[str]:
    done: set[str] = set()
    if _missing(props, "masterKey"):
        props["masterKey"] = policy._key(scope)
        done.add("masterKey")
    if _missing(props, "enforceSSL", "enforceSsl"):
        props["enforceSSL"] = True
        done.add("enforceSSL")
    return done


def _bucket(
    policy: OrganisationDefaults, props: dict[str, Any], scope: Construct, _id: str
) -> set[str]:
    done: set[str] = set()
    # A bucket the team makes public (a website) or gives an ACL keeps aws-cdk-lib's defaults
    # for access: blocking it would contradict the team's own setting.
    if _missing(props, "blockPublicAccess", "publicReadAccess"):
        props["blockPublicAccess"] = s3.BlockPublicAccess.BLOCK_ALL
        done.add("blockPublicAccess")
    if _missing(props, "enforceSSL", "enforceSsl"):
        props["enforceSSL"] = True
        done.add("enforceSSL")
    if _missing(props, "versioned"):
        props["versioned"] = True
        done.add("versioned")
    if _missing(props, "encryption", "encryptionKey"):
        props["encryption"] = s3.BucketEncryption.KMS
        props["encryptionKey"] = policy._key(scope)
        props.setdefault("bucketKeyEnabled", True)
        done.add("encryptionKey")
    if _missing(props, "objectOwnership", "accessControl"):
        props["objectOwnership"] = s3.ObjectOwnership.BUCKET_OWNER_ENFORCED
        done.add("objectOwnership")
    if _missing(props, "serverAccessLogsBucket", "serverAccessLogsPrefix") and _logs_by_policy(
        policy, scope
    ):
        props["serverAccessLogsBucket"] = policy._access_logs(scope)
        done.add("serverAccessLogsBucket")
    if _missing(props, "lifecycleRules"):
        props["lifecycleRules"] = [
            {
                "id": "OrganisationDefaults",
                "abortIncompleteMultipartUploadAfter": Duration.days(7),
                "noncurrentVersionExpiration": Duration.days(
                    30 if policy.stage is Stage.DEV else 365
                ),
            }
        ]
        done.add("lifecycleRules")
    return done


def _logs_by_policy(policy: OrganisationDefaults, scope: Construct) -> bool:
    """Whether the log bucket of ``scope``'s stack can take S3's log delivery: by its policy,
    as the scope the defaults were registered on pinned it, or as the stack says itself. With
    the app's ``false`` (or a scope that had children, and so kept the app's unset flag),
    aws-cdk-lib would give the owner-enforced log bucket the ``LogDeliveryWrite`` ACL, which it
    refuses: the bucket is left without access logs, and its finding stays the team's."""
    if policy._logs_by_policy:
        return True
    return bool(Stack.of(scope).node.try_get_context(_LOGS_FLAG))


(_LOGS_FLAG,) = S3_ACCESS_LOGS_BY_POLICY
"""The feature flag that has S3's log delivery granted by the log bucket's policy."""


def _table(
    policy: OrganisationDefaults, props: dict[str, Any], _scope: Construct, _id: str
) -> set[str]:
    done: set[str] = set()
    if _missing(props, "pointInTimeRecovery", "pointInTimeRecoverySpecification"):
        props["pointInTimeRecoverySpecification"] = {"pointInTimeRecoveryEnabled": True}
        done.add("pointInTimeRecoverySpecification")
    if _missing(props, "deletionProtection") and policy.stage is not Stage.DEV:
        props["deletionProtection"] = True
        done.add("deletionProtection")
    return done


def _table_v1(
    policy: OrganisationDefaults, props: dict[str, Any], scope: Construct, construct_id: str
) -> set[str]:
    done = _table(policy, props, scope, construct_id)
    # A global table (replicationRegions) takes no customer-managed key in aws-cdk-lib.
    if _missing(props, "encryption", "encryptionKey", "replicationRegions"):
        props["encryption"] = dynamodb.TableEncryption.CUSTOMER_MANAGED
        props["encryptionKey"] = policy._key(scope)
        done.add("encryptionKey")
    return done


def _table_v2(
    policy: OrganisationDefaults, props: dict[str, Any], scope: Construct, construct_id: str
) -> set[str]:
    done = _table(policy, props, scope, construct_id)
    if _missing(props, "encryption", "replicas"):
        props["encryption"] = dynamodb.TableEncryptionV2.customer_managed_key(policy._key(scope))
        done.add("encryption")
    return done


def _load_balancer(
    policy: OrganisationDefaults, props: dict[str, Any], _scope: Construct, _id: str
) -> set[str]:
    done: set[str] = set()
    if _missing(props, "dropInvalidHeaderFields"):
        props["dropInvalidHeaderFields"] = True
        done.add("dropInvalidHeaderFields")
    if _missing(props, "deletionProtection") and policy.stage is not Stage.DEV:
        props["deletionProtection"] = True
        done.add("deletionProtection")
    if _missing(props, "desyncMitigationMode"):
        props["desyncMitigationMode"] = elbv2.DesyncMitigationMode.DEFENSIVE
        done.add("desyncMitigationMode")
    return done


def _function(
    _policy: OrganisationDefaults, props: dict[str, Any], _scope: Construct, _id: str
) -> set[str]:
    done: set[str] = set()
    if _missing(props, "tracing"):
        props["tracing"] = lambda_.Tracing.ACTIVE
        done.add("tracing")
    if _missing(props, "architecture"):
        props["architecture"] = lambda_.Architecture.ARM_64
        done.add("architecture")
    # Lambda's own defaults, written out so that the template says what the function gets.
    if _missing(props, "memorySize"):
        props["memorySize"] = FUNCTION_MEMORY_MB
        done.add("memorySize")
    if _missing(props, "timeout"):
        props["timeout"] = Duration.seconds(FUNCTION_TIMEOUT_SECONDS)
        done.add("timeout")
    # Not set here, acknowledged below when the team left them out: the VPC, the reserved
    # concurrency, the environment's key and the dead-letter queue are the team's to choose.
    return done


FUNCTION_MEMORY_MB = 128
"""The memory of a function that sets none: Lambda's own default, written in the template."""
FUNCTION_TIMEOUT_SECONDS = 3
"""The timeout of a function that sets none: Lambda's own default, written in the template."""

_DEFAULTERS: Mapping[str, Defaulter] = {
    "LogGroup": _log_group,
    "Queue": _queue,
    "Topic": _topic,
    "Bucket": _bucket,
    "Table": _table_v1,
    "TableV2": _table_v2,
    "ApplicationLoadBalancer": _load_balancer,
    "Function": _function,
}


# ------------------------------------------------------------------------------ the settling


def _nothing(_policy: OrganisationDefaults, _construct: IConstruct, _touched: _Touched) -> None:
    return None


def _settle_log_group(
    _policy: OrganisationDefaults, construct: IConstruct, touched: _Touched
) -> None:
    if "retention" in touched.defaulted:
        # Only the retention the defaults chose: a team's own short retention stays a finding.
        acknowledge_short_retention(construct)


def _settle_function(
    _policy: OrganisationDefaults, construct: IConstruct, touched: _Touched
) -> None:
    if not isinstance(construct, lambda_.Function):
        return
    given = touched.given
    cfn = construct.node.default_child
    if not isinstance(cfn, lambda_.CfnFunction):
        return
    if "vpc" not in given:
        skip_checkov(cfn, "CKV_AWS_117", _NO_VPC_REASON)
        acknowledge_library_check(cfn, "cfn-guard", "CT.LAMBDA.PR.3", _NO_VPC_REASON)
    if "reservedConcurrentExecutions" not in given:
        skip_checkov(cfn, "CKV_AWS_115", _NO_CONCURRENCY_REASON)
    if "environmentEncryption" not in given:
        skip_checkov(cfn, "CKV_AWS_173", _ENVIRONMENT_KEY_REASON)
    if given.isdisjoint({"deadLetterQueue", "deadLetterQueueEnabled", "deadLetterTopic"}):
        skip_checkov(cfn, "CKV_AWS_116", _NO_DLQ_REASON)
        acknowledge(cfn, _NO_DLQ_REASON, "Serverless-LambdaDLQ")
    if "role" not in given:
        role = construct.node.try_find_child("ServiceRole")
        if role is not None:
            acknowledge_library_check(cfn, "cfn-lint", "W3005", DEPENDS_ON_ROLE_REASON)
            acknowledge_library_finding(
                role, "AwsSolutions-IAM4", [_BASIC_EXECUTION], _BASIC_ROLE_REASON
            )
            policy = role.node.try_find_child("DefaultPolicy")
            if "tracing" in touched.defaulted and policy is not None and _only_xray(policy):
                acknowledge(policy, _XRAY_REASON, "AwsSolutions-IAM5[Resource::*]")


def _only_xray(policy: IConstruct) -> bool:
    """Whether the only statements on ``*`` in the role's policy are X-Ray's."""
    if not isinstance(policy, iam.Policy):
        return False
    document = Stack.of(policy).resolve(policy.document.to_json())
    for statement in document.get("Statement", []):
        resources = statement.get("Resource")
        resources = resources if isinstance(resources, list) else [resources]
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if "*" in resources and not all(str(a).startswith("xray:") for a in actions):
            return False
    return True


def _settle_dead_letter_queue(
    _policy: OrganisationDefaults, construct: IConstruct, _touched: _Touched
) -> None:
    acknowledge(construct, _DEAD_LETTER_REASON, "Serverless-SQSRedrivePolicy")


def _settle_queue(_policy: OrganisationDefaults, construct: IConstruct, touched: _Touched) -> None:
    if "redriveAllowPolicy" in touched.defaulted:
        acknowledge(construct, _DEAD_LETTER_GUARD_REASON, "Serverless-SQSRedrivePolicy")


def _settle_load_balancer(
    policy: OrganisationDefaults, construct: IConstruct, touched: _Touched
) -> None:
    if policy.stage is Stage.DEV and "deletionProtection" not in touched.given:
        acknowledge_library_check(
            construct, "cfn-guard", "CT.ELASTICLOADBALANCING.PR.5", _DEV_DELETION_REASON
        )
        skip_checkov(construct, "CKV_AWS_150", _DEV_DELETION_REASON)


_SETTLERS: Mapping[str, Settler] = {
    "LogGroup": _settle_log_group,
    "Queue": _settle_queue,
    "DeadLetterQueue": _settle_dead_letter_queue,
    "ApplicationLoadBalancer": _settle_load_balancer,
    "Function": _settle_function,
}
