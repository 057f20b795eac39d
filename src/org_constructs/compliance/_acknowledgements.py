"""Acknowledgements: one layer for the app's and the library's, for cdk-nag and the checkers.

An acknowledgement says that a finding is acceptable and why. There is one verb per idea:

- ``acknowledge_finding``: the app accepts a cdk-nag finding on its own construct.
- ``acknowledge_check``: the app accepts a checkov, cfn-guard or cfn-lint finding.
- ``acknowledge`` / ``acknowledge_library_check`` / ``acknowledge_library_finding``: the same
  two for the resources the library itself creates, recorded with the library as their source
  so that the construct carries its own justification into every consumer's gate.
- ``library_grantee`` / ``acknowledge_grant``: a library ``grant_*`` method writes its
  statements into a policy of the library's own on the grantee's role, and acknowledges the
  wildcards on that policy only, never on a policy that holds the team's statements.

Every reason is held to the same rule (``contract.MIN_REASON`` characters at least) and every
error is a ``ValidationError``. This module depends on nothing else in the package but the
contract, the errors and the kernel's ``Program`` (many writes in one request): constructs
and the cdk-nag plugin import it, never the other way.
"""

from __future__ import annotations

import json
import types
import typing
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import jsii
from aws_cdk import CfnResource, Stack, Token, TokenComparison
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct, IValidation

from org_constructs._internal.kernel import Program, enum
from org_constructs._internal.nodes import id_of, path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.contract import (
    ACKNOWLEDGED,
    APP_SOURCE,
    AUDIT_CONTEXT,
    AUDIT_METADATA,
    CHECK_TOOLS,
    CHECKOV_METADATA,
    LIBRARY_GRANTS_ID,
    LIBRARY_SOURCE,
    MIN_REASON,
    NAG_PACKS,
    NAG_TOOL,
    TEMPLATE_KEY,
)
from org_constructs.errors import ValidationError

__all__ = [
    "CDK_HANDLER_CHECKOV_CHECKS",
    "DEPENDS_ON_ROLE_REASON",
    "LIBRARY_GRANTS_ID",
    "acknowledge",
    "acknowledge_cdk_handler",
    "acknowledge_check",
    "acknowledge_finding",
    "acknowledge_grant",
    "acknowledge_library_check",
    "acknowledge_library_finding",
    "acknowledge_short_retention",
    "check_reason",
    "flush_acknowledgements",
    "library_grantee",
    "nag_resource",
    "record_acknowledgement",
    "remember_places",
    "skip_checkov",
]

# checkov checks that aws-cdk-lib's own deployment-time Lambda handlers cannot meet.
CDK_HANDLER_CHECKOV_CHECKS = ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117")
# ... and the Control Tower rule (cfn-guard) they cannot meet: they run outside any VPC.
CDK_HANDLER_GUARD_RULES = ("CT.LAMBDA.PR.3",)
# ... and cfn-lint's warning on the explicit dependency aws-cdk-lib adds beside the GetAtt.
CDK_HANDLER_LINT_RULES = ("W3005",)
DEPENDS_ON_ROLE_REASON = (
    "aws-cdk-lib makes a Lambda function depend on its role explicitly as well as through "
    "Role: Fn::GetAtt; the repeated dependency changes nothing in the deployment order."
)


# ----------------------------------------------------------------------------- the app's verbs


def acknowledge_finding(
    construct: IConstruct, rule_id: str, reason: str, *, applies_to: Iterable[str] = ()
) -> list[str]:
    """Acknowledge a cdk-nag finding on ``construct`` and its children, with a reason.

    Parameters
    ----------
    construct:
        Where the finding is raised (or a parent of it).
    rule_id:
        The rule, such as ``'AwsSolutions-IAM5'``.
    reason:
        Why the finding is acceptable: at least 20 characters, kept in the cloud assembly's
        metadata for audits.
    applies_to:
        For rules that report several findings per resource, the details each acknowledgement
        covers, such as ``['Action::s3:*', 'Resource::<Bucket.Arn>/*']``; each becomes
        ``'AwsSolutions-IAM5[Action::s3:*]'``. A detail may hold a token, such as
        ``"Resource::" + bucket.arn_for_objects("orders/*")``: it is written the way cdk-nag
        writes it once synthesis has resolved references (logical ids, cross-stack outputs).
        Default: - the rule as a whole

    Returns
    -------
    list[str]
        The finding ids acknowledged.

    Raises
    ------
    ValidationError
        For a rule id of no known pack or a reason shorter than 20 characters.
    """
    if not isinstance(rule_id, str) or rule_id.split("-", 1)[0] not in NAG_PACKS:
        raise ValidationError(
            f"acknowledge_finding({path_of(construct)!r})",
            "rule_id",
            rule_id,
            f"must start with a pack name: {', '.join(NAG_PACKS)}",
        )
    if not _reason_holds(reason):
        check_reason(f"acknowledge_finding({path_of(construct)!r})", reason)
    details = list(applies_to)
    ids = [f"{rule_id}[{detail}]" for detail in details] if details else [rule_id]
    if any(unresolved(i) for i in ids):
        construct.node.add_validation(_deferred_acknowledgement(construct, ids, reason))
    else:
        record_acknowledgement(construct, ids, reason, source=APP_SOURCE)
    return ids


def acknowledge_check(construct: IConstruct, tool: str, rule_id: str, reason: str) -> None:
    """Acknowledge a checkov, cfn-guard or cfn-lint finding on ``construct``, with a reason.

    checkov gets its own skip (``Metadata.checkov.skip``), which it honours and reports with
    the comment; cfn-guard and cfn-lint findings are matched by ``org-cdk validate`` against
    ``Metadata["org-constructs"]["acknowledged"]``, which also lists the checkov ones.

    Parameters
    ----------
    construct:
        The resource (or an L2 construct whose default child is the resource).
    tool:
        ``'checkov'``, ``'cfn-guard'`` or ``'cfn-lint'``.
    rule_id:
        The check: ``'CKV_AWS_117'``, ``'CT.LAMBDA.PR.3'``, ``'W3005'``.
    reason:
        Why the finding is acceptable: at least 20 characters, kept in the template's
        ``Metadata`` (checkov's own skip list for checkov).

    Raises
    ------
    ValidationError
        For an unknown tool, a short reason or a construct without a CloudFormation resource.
    """
    _record_check("acknowledge_check", construct, tool, rule_id, reason, source=APP_SOURCE)


# ----------------------------------------------------------------------------- the library's


def acknowledge(scope: IConstruct, reason: str, *rule_ids: str) -> None:
    """The library acknowledges cdk-nag ``rule_ids`` on ``scope`` and its children.

    Used only for resources a construct itself creates and cannot make compliant (AWS does
    not support the setting, or aws-cdk-lib creates the resource); never for the user's own.
    """
    if not _reason_holds(reason):
        check_reason(f"acknowledge({path_of(scope)!r})", reason)
    record_acknowledgement(scope, rule_ids, reason, source=LIBRARY_SOURCE)


def acknowledge_library_check(resource: IConstruct, tool: str, rule_id: str, reason: str) -> None:
    """The library acknowledges a template checker's finding on a resource it creates."""
    _record_check(
        "acknowledge_library_check", resource, tool, rule_id, reason, source=LIBRARY_SOURCE
    )


def acknowledge_library_finding(
    construct: IConstruct,
    rule_id: str,
    details: Iterable[str],
    reason: str,
    *,
    resolvable: bool = False,
) -> None:
    """The library's own acknowledgement of ``rule_id[detail]`` for each detail.

    A detail may hold tokens. With ``resolvable`` (every reference in the details belongs to
    ``construct``'s stack) they are written now, as cdk-nag writes them, so ``nag_findings``
    sees the acknowledgement before any synthesis; otherwise once synthesis has resolved the
    references (cross-stack ones become imports).
    """
    if not _reason_holds(reason):
        check_reason(f"acknowledge_library_finding({path_of(construct)!r})", reason)
    ids = [f"{rule_id}[{detail}]" for detail in details]
    if not ids:
        return
    if any(unresolved(i) for i in ids):
        stack = Stack.of(construct) if resolvable else None
        rendered = [nag_resource(stack, i) for i in ids] if stack is not None else []
        if resolvable and all(r is not None for r in rendered):
            ids = [r for r in rendered if r is not None]
        else:
            construct.node.add_validation(
                _deferred_acknowledgement(construct, ids, reason, source=LIBRARY_SOURCE)
            )
            return
    record_acknowledgement(construct, ids, reason, source=LIBRARY_SOURCE)


def acknowledge_short_retention(log_group: IConstruct) -> None:
    """Acknowledge Control Tower's one-year log retention rule when the stage keeps logs less."""
    cfn = _cfn("acknowledge_short_retention", log_group)
    days = getattr(cfn, "retention_in_days", None)
    if isinstance(days, int | float) and 0 < days < 365:
        acknowledge_library_check(
            log_group,
            "cfn-guard",
            "CT.CLOUDWATCH.PR.2",
            f"Logs are kept {days} days, the environment's log retention "
            "(EnvironmentConfig.log_retention_days); production keeps them a year or more.",
        )


def acknowledge_cdk_handler(
    stack: Stack, id_prefix: str, reason: str, rule_ids: tuple[str, ...]
) -> None:
    """Acknowledge findings on a stack-level handler that aws-cdk-lib creates for a construct.

    Such handlers (the default security group restricter, the bucket notifications handler)
    are singletons under the stack; each is marked once (a second call for the same handler
    adds nothing), with nag acknowledgements and checkov skips for what a deployment-time
    function cannot meet.
    """
    program = Program()
    (children,) = program.read(program.get(program.get(stack, "node"), "children"))
    ids = program.read(*(program.get(program.get(c, "node"), "id") for c in children))
    for child, child_id in zip(children, ids, strict=True):
        ref = child.__jsii_ref__.ref  # the kernel's id: a proxy may be made anew
        if not child_id.startswith(id_prefix) or ref in _MARKED_HANDLERS:
            continue
        _MARKED_HANDLERS.add(ref)
        acknowledge(child, reason, *rule_ids)
        function = child.node.try_find_child("Handler") or child.node.try_find_child("Resource")
        if isinstance(function, CfnResource):
            for check in CDK_HANDLER_CHECKOV_CHECKS:
                skip_checkov(function, check, reason)
            for rule in CDK_HANDLER_GUARD_RULES:
                acknowledge_library_check(function, "cfn-guard", rule, reason)
            for rule in CDK_HANDLER_LINT_RULES:
                acknowledge_library_check(function, "cfn-lint", rule, DEPENDS_ON_ROLE_REASON)


_MARKED_HANDLERS: set[str] = set()
"""The stack-level handlers ``acknowledge_cdk_handler`` has marked (each once), by the jsii
kernel's reference."""


class _LibraryGrants(iam.ManagedPolicy):
    """The customer-managed policy that holds what the library's grants give one principal.

    It stands in for the principal in aws-cdk-lib's grants: statements land here, not in the
    role's default policy, and the cross-account checks see the principal's account. Being a
    resource of the principal's stack, aws-cdk-lib's key grants treat it as they treat the role.

    Its principal's members (``grantPrincipal``, ``principalAccount``, ``policyFragment``,
    ``addToPrincipalPolicy``...) are defined on the kernel's object (``program.js``'s
    ``standIn``), not here: aws-cdk-lib reads them at every grant, and members written in
    Python would each be a call back from the kernel into this process.
    """

    def __init__(self, scope: Construct, construct_id: str, principal: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            description=f"What org-constructs grants {path_of(principal)}"[:1000],
        )
        self._principal: iam.IPrincipal = principal

    @property
    def principal(self) -> iam.IPrincipal:
        """The role, user or group whose grants this policy holds."""
        return self._principal

    def attach(self) -> bool:
        """Attach to the principal the way the principal takes a managed policy; False if not."""
        principal: Any = self._principal
        program = Program()  # one request: the principal's members and the attachment
        program.op("standIn", self, principal)
        for kind, method in _ATTACH:
            if isinstance(principal, kind):
                program.call(self, method, principal)
                program.run()
                return True
        env = getattr(principal, "env", None)
        if env is None or not hasattr(principal, "add_managed_policy"):
            return False
        if Token.compare_strings(env.account, self.env.account) == TokenComparison.DIFFERENT:
            return False
        program.run()
        # An imported role attaches the policy; one imported with mutable=False ignores it.
        principal.add_managed_policy(self)
        return bool(Stack.of(self).resolve(self.node.default_child.roles))  # type: ignore[union-attr]


_ATTACH: tuple[tuple[type | types.UnionType, str], ...] = (
    (iam.Role | iam.LazyRole, "attachToRole"),
    (iam.User, "attachToUser"),
    (iam.Group, "attachToGroup"),
)
"""How ``_LibraryGrants.attach`` attaches the policy to each kind of principal it takes."""


def library_grantee(grantee: iam.IGrantable) -> iam.IGrantable:
    """What a library ``grant_*`` method grants to: the library's own policy on the grantee.

    For a role, a user or a group (a function's or a ``MonitoredFunction``'s role, an imported
    role of the same account), the grant's statements go into one customer-managed policy,
    ``OrgConstructsGrants``, a child of that principal, which only the library writes; pass
    the result to aws-cdk-lib's grant and then to ``acknowledge_grant``. Anything else (an
    account or service principal, a role imported with ``mutable=False``, a role of another
    account) is returned as it is: aws-cdk-lib writes a resource policy or nothing, and
    ``acknowledge_grant`` acknowledges nothing for it.
    """
    principal = (
        grantee
        if isinstance(grantee, _LibraryGrants)  # the policy itself (it has no grant_principal)
        else getattr(grantee, "grant_principal", None)
    )
    if isinstance(principal, _LibraryGrants):
        return principal
    home = _library_grants_home(principal)
    if home is None:
        return grantee
    scope, construct_id = home
    existing = scope.node.try_find_child(construct_id)
    if isinstance(existing, _LibraryGrants):
        return existing
    if existing is not None:
        return grantee
    policy = _LibraryGrants(scope, construct_id, principal)
    if not policy.attach():
        scope.node.try_remove_child(construct_id)
        return grantee
    # The kernel's object is the principal (``program.js``'s ``standIn``); not Python's class.
    return typing.cast(iam.IGrantable, policy)


def _library_grants_home(principal: object) -> tuple[Construct, str] | None:
    """Where the library's policy for ``principal`` lives: under it, or beside an imported role.

    jsii hands an imported role over as an interface proxy, which cannot be a scope here; its
    policy goes into the role's scope, named after it (``<RoleId>OrgConstructsGrants``).
    """
    if isinstance(principal, Construct):
        return principal, LIBRARY_GRANTS_ID
    if not hasattr(principal, "node") or not Construct.is_construct(principal):
        return None
    parent = principal.node.scope
    if not isinstance(parent, Construct):
        return None
    return parent, f"{id_of(typing.cast(IConstruct, principal))}{LIBRARY_GRANTS_ID}"


def acknowledge_grant(
    grantee: iam.IGrantable,
    granted_by: str,
    grants: Iterable[iam.Grant],
    *,
    owner: IConstruct,
    actions: Iterable[str] = (),
    resources: Iterable[str] = (),
) -> None:
    """Acknowledge the cdk-nag wildcard findings that a library ``grant_*`` method causes.

    aws-cdk-lib's grants write action families (``s3:GetObject*``, ``kms:GenerateDataKey*``)
    and object patterns (``bucket/*``), which AwsSolutions-IAM5 reports once per policy.
    ``grantee`` is what ``library_grantee`` returned: the acknowledgement goes on the
    library's own policy, one finding id for each wildcard action and resource that
    ``grants`` wrote, with a reason naming the grant, so it cannot cover a statement the team
    wrote (the team's grants stay in the role's own policy, where their findings stay
    visible); ``org-cdk validate`` lists them as acknowledged. ``actions``: wildcard actions
    granted alongside (a key grant aws-cdk-lib makes without returning it); ``resources``:
    wildcard resources granted alongside, strings or tokens (a state machine's read grant
    returns only its last statement, not the one on ``execution:<name>:*``). ``owner``: the
    construct whose resources are granted (when it shares the grantee's stack, the
    acknowledgement is written at once). Nothing is recorded for a grantee that is not the
    library's policy (an account or service principal gets a resource policy, which IAM5
    does not check; a role the library cannot attach its policy to keeps its findings).
    """
    policy = grantee
    if not isinstance(policy, _LibraryGrants):
        return
    details: list[str] = []
    program = Program()  # what the grants wrote, in two requests to the jsii kernel
    written = program.read(*(program.get(grant, "principalStatements") for grant in grants))
    statements = [statement for found in written for statement in found]
    read = program.read(
        *(program.get(s, name) for s in statements for name in ("actions", "resources"))
    )
    for granted, on in zip(read[::2], read[1::2], strict=True):
        details += [f"Action::{a}" for a in granted if "*" in a]
        details += [f"Resource::{r}" for r in on if "*" in r]
    details += [f"Action::{a}" for a in actions if "*" in a]
    details += [f"Resource::{r}" for r in resources]
    unique = list(dict.fromkeys(details))
    if unique:
        acknowledge_library_finding(
            policy,
            "AwsSolutions-IAM5",
            unique,
            f"{granted_by} grants these actions on the resources it names only: the wildcards "
            "are aws-cdk-lib's action families and the objects under the granted prefix.",
            resolvable=Stack.of(owner) is Stack.of(policy),
        )


def skip_checkov(resource: IConstruct, check_id: str, comment: str) -> None:
    """Record a checkov skip with its reason in the resource's CloudFormation metadata."""
    _append_metadata(
        "skip_checkov", resource, CHECKOV_METADATA, "skip", {"id": check_id, "comment": comment}
    )


def _append_metadata(
    where: str | Callable[[], str], resource: IConstruct, key: str, entries: str, entry: Any
) -> None:
    """Append ``entry`` to the list ``entries`` of the metadata ``key`` of ``resource`` (or of
    its default child), at the synthesis of its stack (``_Pending``): one request to the jsii
    kernel now, to find the stack and the resource."""
    stack, cfn, _ = _placed(resource)
    if not isinstance(cfn, CfnResource):
        raise ValidationError(
            where if isinstance(where, str) else where(),
            "construct",
            path_of(resource),
            "must be or hold a CloudFormation resource",
        )
    _Pending.add(stack, ("append", cfn, key, entries, [entry], []))


def _placed(construct: IConstruct) -> tuple[Any, Any, bool]:
    """The stack of ``construct`` (None outside any), its CloudFormation resource (itself or
    its default child, or None) and whether the app audits acknowledgements: one request to
    the jsii kernel, once per construct (none of them ever changes)."""
    remember_places([construct])
    return _PLACES[construct]


def remember_places(constructs: Iterable[IConstruct]) -> None:
    """Read where the acknowledgements of ``constructs`` go, in one request to the jsii kernel
    (as a construct that acknowledges many of its resources at once does)."""
    unknown = [c for c in constructs if c not in _PLACES]
    _PLACES.update(zip(unknown, _read_places(unknown), strict=True))


def _read_places(constructs: list[IConstruct]) -> list[tuple[Any, Any, bool]]:
    if not constructs:
        return []
    program = Program()
    for construct in constructs:
        program.result(program.op("stackOf", construct))
        program.result(program.op("cfnOf", construct))
        program.result(program.call(program.get(construct, "node"), "tryGetContext", AUDIT_CONTEXT))
    values = program.run()
    return [(values[i], values[i + 1], bool(values[i + 2])) for i in range(0, len(values), 3)]


_PLACES: weakref.WeakKeyDictionary[Any, tuple[Any, Any, bool]] = weakref.WeakKeyDictionary()


# ----------------------------------------------------------------------------- the record


def _reason_holds(reason: object) -> bool:
    return isinstance(reason, str) and len(reason.strip()) >= MIN_REASON


def check_reason(where: str, reason: object) -> None:
    """The one rule for every acknowledgement's reason."""
    if not _reason_holds(reason):
        raise ValidationError(
            where,
            "reason",
            reason,
            f"must explain the exception in at least {MIN_REASON} characters",
        )


def record_acknowledgement(
    construct: IConstruct, rule_ids: Iterable[str], reason: str, *, source: str
) -> None:
    """Acknowledge cdk-nag ``rule_ids`` on ``construct``, or record them while auditing.

    Normally this is ``Validations.of(construct).acknowledge(...)``. Under
    ``org-cdk validate`` (context ``org-constructs:audit-acknowledgements``) the ids go to
    construct metadata instead, so the packs report every finding and the validation report
    can pair each finding with its acknowledgement and list acknowledgements that match
    nothing. ``source`` says who made it: ``'app'`` or ``'org-constructs'``.

    The acknowledgement is also written into the template of each CloudFormation resource at
    or under ``construct``, under ``Metadata["org-constructs"]["acknowledged"]`` with tool
    ``cdk-nag``: cdk-nag reads acknowledgements from the construct tree, the test helpers
    (``assert_no_wildcard_iam``...) from a synthesized template, so they honour the same
    acknowledgement with the same reason. ``org-cdk validate`` pairs findings with the
    construct tree's record and leaves these copies out.

    One request to the jsii kernel now (the construct's stack and whether the app audits); the
    writes are made with the stack's others, in one request when the stack is validated at
    synthesis (``_Pending``).
    """
    ids = list(rule_ids)
    stack, _, auditing = _placed(construct)
    _Pending.add(stack, ("acknowledge", construct, ids, reason, source, auditing))


def flush_acknowledgements() -> None:
    """Write every acknowledgement and metadata entry still held for a stack's synthesis (as
    ``nag_findings`` does before validating a scope without synthesis)."""
    _Pending.write_all()


class _Pending:
    """What the library records on one stack's constructs, written in one request when the
    stack is validated (before its template is written) instead of one or more per record.

    The writes made at synthesis are the same as made at once: each acknowledgement goes into
    the template of every CloudFormation resource at or under its construct (found then) and
    to ``Validations`` (or, auditing, to the construct's metadata); each metadata entry is
    appended to its resource's list. A record made after the stack's validation has begun is
    written at once, and so is one on a construct outside any stack; a validation of the
    library that records (the organisation defaults' settling, a deferred acknowledgement)
    writes what it recorded itself (``flush_acknowledgements``), as its stack's own validation
    may have run before it.
    """

    _of: typing.ClassVar[weakref.WeakKeyDictionary[Any, _Pending]] = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self.writes: list[tuple[Any, ...]] = []
        self.validating = False

    @classmethod
    def add(cls, stack: Any, write: tuple[Any, ...]) -> None:
        pending = cls._of.get(stack) if stack is not None else None
        if stack is not None and pending is None:
            pending = cls._of[stack] = _Pending()
            stack.node.add_validation(_WriteAtValidation(pending))
        if pending is None or pending.validating:
            program = Program()
            _write(program, write)
            program.run()
        else:
            pending.writes.append(write)

    @classmethod
    def write_all(cls) -> None:
        for pending in list(cls._of.values()):
            pending.write()

    def write(self) -> None:
        writes, self.writes = self.writes, []
        if writes:
            program = Program()
            for write in writes:
                _write(program, write)
            program.run()


@jsii.implements(IValidation)
class _WriteAtValidation:
    """The validation that writes a stack's held records: the first of its constructs' own."""

    def __init__(self, pending: _Pending) -> None:
        self._pending = pending

    def validate(self) -> list[str]:
        self._pending.validating = True
        self._pending.write()
        return []


def _write(program: Program, write: tuple[Any, ...]) -> None:
    """The steps of one held record."""
    if write[0] == "append":
        _, target, key, entries, new, unique = write
        program.op("append", target, key, entries, new, unique)
        return
    _, construct, ids, reason, source, auditing = write
    program.op(
        "append",
        program.op("cfnUnder", construct),
        TEMPLATE_KEY,
        ACKNOWLEDGED,
        [{"tool": NAG_TOOL, "rule": i, "reason": reason, "source": source} for i in ids],
        ["tool", "rule"],
    )
    if auditing:
        node = program.get(construct, "node")
        for rule_id in ids:
            program.call(
                node,
                "addMetadata",
                AUDIT_METADATA,
                {"id": rule_id, "reason": reason, "source": source},
            )
    else:
        validations = program.call(enum("Validations"), "of", construct)
        program.call(validations, "acknowledge", *({"id": i, "reason": reason} for i in ids))


def nag_resource(stack: Stack, value: str) -> str | None:
    """How cdk-nag writes ``value`` (a string or token) in a finding id, or None if unknown.

    ``Fn::GetAtt`` becomes ``<LogicalId.Attribute>``, ``Ref`` becomes ``<LogicalId>`` and
    ``Fn::Join`` is joined, as in ``AwsSolutions-IAM5[Resource::<BucketE6B0FAA8.Arn>/*]``.
    """
    return _render(stack.resolve(value))


def _record_check(
    verb: str, construct: IConstruct, tool: str, rule_id: str, reason: str, *, source: str
) -> None:
    def where() -> str:
        return f"{verb}({path_of(construct)!r})"

    if tool not in CHECK_TOOLS:
        raise ValidationError(where(), "tool", tool, f"must be one of {', '.join(CHECK_TOOLS)}")
    if not _reason_holds(reason):
        check_reason(where(), reason)
    if tool == "checkov":
        _append_metadata(
            where, construct, CHECKOV_METADATA, "skip", {"id": rule_id, "comment": reason}
        )
        return
    _append_metadata(
        where,
        construct,
        TEMPLATE_KEY,
        ACKNOWLEDGED,
        {"tool": tool, "rule": rule_id, "reason": reason, "source": source},
    )


def _cfn(where: str, resource: IConstruct) -> CfnResource:
    cfn = resource if isinstance(resource, CfnResource) else resource.node.default_child
    if not isinstance(cfn, CfnResource):
        raise ValidationError(
            where, "construct", path_of(resource), "must be or hold a CloudFormation resource"
        )
    return cfn


def _deferred_acknowledgement(
    construct: IConstruct, ids: list[str], reason: str, *, source: str = APP_SOURCE
) -> Any:
    """Record ``ids`` once references are resolved: construct validations run after that."""

    @jsii.implements(IValidation)
    class DeferredAcknowledgement:
        def validate(self) -> list[str]:
            stack = Stack.of(construct)
            rendered = [nag_resource(stack, i) for i in ids]
            unknown = [i for i, r in zip(ids, rendered, strict=True) if r is None]
            if unknown:
                return [f"acknowledge_finding: cannot write {unknown} as cdk-nag does"]
            record_acknowledgement(
                construct, [r for r in rendered if r is not None], reason, source=source
            )
            flush_acknowledgements()  # recorded while validating: written now, not held
            return []

    return DeferredAcknowledgement()


def _render(value: Any) -> str | None:
    """``value`` flattened as cdk-nag's ``flattenCfnReference`` writes it; None if unknown."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return None
    if len(value) == 1:
        ((key, argument),) = value.items()
        rendered = _render_intrinsic(key, argument)
        if rendered is not None:
            return rendered
    # Other intrinsics (Fn::GetStackOutput...): cdk-nag writes their JSON.
    return json.dumps(value, separators=(",", ":"))


def _render_intrinsic(key: str, argument: Any) -> str | None:
    text: str | None = None
    if key == "Ref" and isinstance(argument, str):
        text = f"<{argument}>"
    elif key == "Fn::GetAtt" and isinstance(argument, list):
        text = f"<{'.'.join(str(a) for a in argument)}>"
    elif key == "Fn::ImportValue":
        text = _render(argument)  # a reference to another stack: the export's name
    elif key == "Fn::Sub":
        sub = _render(argument)  # ${Name} is written <Name>
        text = sub.replace("${", "<").replace("}", ">") if sub is not None else None
    elif key == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
        parts = [_render(part) for part in argument[1]]
        if all(part is not None for part in parts):
            text = str(argument[0]).join(p for p in parts if p is not None)
    return text
