"""``AbstractStack``: the base of every stack built with org-constructs."""

from __future__ import annotations

import abc
import re
import typing
import weakref
from typing import Any

import jsii
from aws_cdk import CfnOutput, Environment, RemovalPolicy, Stack
from aws_cdk import Stage as CdkStage
from aws_cdk.aws_logs import RetentionDays
from constructs import Construct, IConstruct

from org_constructs._internal import checks
from org_constructs._internal.kernel import Program, enum
from org_constructs._internal.nodes import path_of
from org_constructs.compliance._nag import PACKS_CONTEXT, apply_nag_packs
from org_constructs.config import EnvironmentConfig, Stage, StageDefaults
from org_constructs.contract import REGULATED_PACKS
from org_constructs.core._defaults import OrganisationDefaults, apply_organisation_defaults
from org_constructs.errors import ValidationError

__all__ = ["AbstractStack", "log_retention_for", "removal_policy_for", "stage_of"]

_LITERAL_ZONES = "CloudFormation-Validate::W3010"
_ZONES = (
    "The environment's availability_zones (EnvironmentConfig) are written into the template "
    "by name, as aws-cdk-lib writes the zones it looks up: the environment fixes them."
)

MANAGED_BY = "CDK"


class _AbstractStackMeta(jsii.JSIIMeta, abc.ABCMeta):
    """Runs ``initialize()`` once the outermost ``__init__`` has returned.

    Calling it from the base constructor (as a TypeScript base class must) would run it
    before the subclass has set its own attributes.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        missing = sorted(getattr(cls, "__abstractmethods__", ()))
        if missing:
            raise ValidationError(
                cls.__name__,
                "initialize",
                None,
                f"{cls.__name__} does not implement {', '.join(missing)}(): subclass "
                "AbstractStack and create the stack's constructs in initialize() (class "
                "OrdersStack(AbstractStack): def initialize(self) -> None: ...)",
            )
        instance: AbstractStack = super().__call__(*args, **kwargs)
        instance._run_initialize()
        return instance


class AbstractStack(Stack, metaclass=_AbstractStackMeta):
    """A stack whose environment, tags, protection and defaults follow an ``EnvironmentConfig``.

    Subclasses implement ``initialize()``, which runs after the subclass's ``__init__`` has
    finished, so it can read every attribute the subclass set.

    Every taggable resource gets the tags ``Environment`` (the stage), ``StackName`` and
    ``ManagedBy`` plus the config's extra tags. Production stacks get termination protection.
    Constructs of this library ask ``removal_policy_for(self)`` for their default removal
    policy: RETAIN in staging and production, DESTROY in dev.

    Parameters
    ----------
    scope:
        The app or stage.
    construct_id:
        The stack's construct id; also its name unless ``stack_name`` is given.
    config:
        The environment this stack is deployed to. ``env`` is taken from it.
    termination_protection:
        Default: True in production, False elsewhere
    organisation_defaults:
        Register the organisation's defaults (``apply_organisation_defaults``) for the plain
        aws-cdk-lib resources created in the stack: log groups, queues, topics, buckets,
        tables, load balancers and functions get the stage's secure settings the team leaves
        out. ``False`` leaves them to the team. Default: True
    stack_kwargs:
        Any other ``aws_cdk.Stack`` keyword argument (``stack_name``, ``description``, ...),
        except ``env``.

    Raises
    ------
    ValidationError
        When ``env`` is passed (it comes from ``config``), ``config`` is not an
        ``EnvironmentConfig``, a ``stack_kwargs`` name is not an ``aws_cdk.Stack`` property or
        its value has the wrong type, the stack name (given, or made from the id) is not one
        CloudFormation accepts, the description is over 1024 characters, ``tags`` hold a key
        or value CloudFormation refuses (``aws:`` keys, values over 256 characters) or a key
        the stack sets itself (``Environment``, ``StackName``, ``ManagedBy``),
        ``termination_protection=False`` in production, the id is already used in ``scope``,
        or the class does not implement ``initialize()`` (``AbstractStack`` itself included);
        nothing is added to the tree.

    Example
    -------
    ::

        class NetworkStack(AbstractStack):
            def __init__(self, scope: Construct, construct_id: str, *,
                         config: EnvironmentConfig) -> None:
                super().__init__(scope, construct_id, config=config)
                self.vpc_name = f"{config.name}-vpc"

            def initialize(self) -> None:
                ...  # self.vpc_name is set here
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        termination_protection: bool | None = None,
        organisation_defaults: bool = True,
        **stack_kwargs: Any,
    ) -> None:
        where = f"{type(self).__name__}({construct_id!r})"
        checks.check_arguments(where, AbstractStack.__init__, locals())
        checks.check_scope(where, scope, construct_id, in_stack=False)
        if "env" in stack_kwargs:
            raise ValidationError(
                where,
                "env",
                stack_kwargs["env"],
                "comes from config (account and region); do not pass env to an AbstractStack",
            )
        checks.check_keywords(where, Stack.__init__, stack_kwargs, taken=_SET_HERE)
        _check_stack_props(where, scope, construct_id, stack_kwargs)
        if termination_protection is False and config.is_production:
            raise ValidationError(
                where,
                "termination_protection",
                False,
                f"contradicts the stage {config.stage.value!r} of config {config.name!r}: a "
                "production stack must not be deletable by one command; turn it off in dev or "
                "staging only (or in the console, on purpose, before a planned deletion)",
            )
        if termination_protection is None:
            termination_protection = config.is_production
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=config.account, region=config.region),
            termination_protection=termination_protection,
            **stack_kwargs,
        )
        self._config = config
        self._initialized = False
        standard = {
            **config.tags,
            "Environment": config.stage.value,
            "StackName": self.stack_name,
            "ManagedBy": MANAGED_BY,
        }
        # On the resources in the template, and as stack tags, which CloudFormation also puts
        # on resources that aws-cdk-lib does not tag itself: in one request to the jsii kernel.
        program = Program()
        tags, manager = program.call(enum("Tags"), "of", self), program.get(self, "tags")
        for key, value in standard.items():
            program.call(tags, "add", key, value)
            program.call(manager, "setTag", key, value)
        program.run()
        if self.node.try_get_context(PACKS_CONTEXT) is not None:
            # `org-cdk validate --packs` on an app that declares none: hold each stack to them.
            apply_nag_packs(self)
        self._defaults: OrganisationDefaults | None = None
        if organisation_defaults:
            # Before initialize() creates anything: an injector sees only what comes after it.
            self._defaults = apply_organisation_defaults(
                self, stage=config.stage, log_retention=config.log_retention
            )

    @property
    def config(self) -> EnvironmentConfig:
        """The environment this stack is deployed to."""
        return self._config

    @property
    def stage(self) -> Stage:
        """The stage of ``config``."""
        return self._config.stage

    @property
    def availability_zones(self) -> list[str]:
        """The environment's Availability Zones: ``config.availability_zones`` when set.

        Otherwise ``Stack``'s own: the zones recorded in ``cdk.context.json`` for the account
        and region, which ``cdk synth`` looks up with the account's credentials the first time.
        ``StandardVpc`` and ``ec2.Vpc`` take their first ``max_azs`` zones from here.
        """
        zones = self._config.availability_zones
        if zones is not None:
            if not getattr(self, "_zones_acknowledged", False):
                self._zones_acknowledged = True
                # As aws-cdk-lib does for the zones it looks up: the zones are written into the
                # template, which the built-in validation's W3010 warns of.
                program = Program()
                validations = program.call(enum("Validations"), "of", self)
                program.call(validations, "acknowledge", {"id": _LITERAL_ZONES, "reason": _ZONES})
                program.run()
            return list(zones)
        inherited: list[str] = super().availability_zones
        return inherited

    @property
    def default_removal_policy(self) -> RemovalPolicy:
        """The stage's (``StageDefaults.for_stage``): DESTROY in dev, RETAIN in staging and
        production."""
        return _removal_policy(self.stage)

    @abc.abstractmethod
    def initialize(self) -> None:
        """Create the stack's resources. Runs once, after the subclass's ``__init__``."""

    def create_output(
        self,
        output_id: str,
        value: str,
        *,
        description: str | None = None,
        export_name: str | None = None,
        export: bool = True,
    ) -> CfnOutput:
        """Add a stack output, exported as ``<stack name>-<output id>`` by default.

        Parameters
        ----------
        output_id:
            The output's id, also its logical id.
        value:
            The value (a string or a token).
        description:
            Default: none
        export_name:
            Default: ``f"{self.stack_name}-{output_id}"``
        export:
            Set to False for an output other stacks cannot import. Default: True
        """
        where = f"{type(self).__name__}.create_output({output_id!r})"
        checks.check_arguments(where, AbstractStack.create_output, locals())
        if not output_id or self.node.try_find_child(output_id) is not None:
            raise ValidationError(
                where,
                "output_id",
                output_id,
                f"is already used in {path_of(self)}: give another id"
                if output_id
                else "must be a non-empty string",
            )
        if not export and export_name is not None:
            raise ValidationError(
                where, "export_name", export_name, "cannot be given with export=False"
            )
        name = (export_name or f"{self.stack_name}-{output_id}") if export else None
        if name is not None and not checks.is_token(name) and not _EXPORT_NAME.fullmatch(name):
            raise ValidationError(
                where,
                "export_name" if export_name else "output_id",
                export_name or output_id,
                f"makes the export name {name!r}: CloudFormation allows 1 to 255 letters, "
                "digits, ':' and '-'",
            )
        return CfnOutput(self, output_id, value=value, description=description, export_name=name)

    def _run_initialize(self) -> None:
        if self._initialized:
            return
        self._initialized = True
        self.initialize()
        if self._defaults is not None:
            # The acknowledgements of the defaults, now that their resources exist (before any
            # synthesis, so nag_findings(stack) sees them); later ones at validation.
            self._defaults.settle()


def stage_of(scope: IConstruct) -> Stage | None:
    """The stage of the ``AbstractStack`` that holds ``scope``, or None for other stacks."""
    stack = _stack_of("stage_of", scope)
    return stack.stage if isinstance(stack, AbstractStack) else None


def config_of(scope: IConstruct) -> EnvironmentConfig | None:
    """The environment of the ``AbstractStack`` that holds ``scope``, or None for other stacks."""
    stack = _stack_of("config_of", scope)
    return stack.config if isinstance(stack, AbstractStack) else None


def is_regulated(scope: IConstruct) -> bool:
    """Whether the environment holding ``scope`` is held to a regulated pack (HIPAA, NIST, PCI):
    the default of the constructs' ``regulated`` switch. False outside an ``AbstractStack``."""
    config = config_of(scope)
    return bool(config and set(REGULATED_PACKS) & set(config.security.nag_packs))


def removal_policy_for(scope: IConstruct, given: RemovalPolicy | None = None) -> RemovalPolicy:
    """The removal policy a stateful resource under ``scope`` should use.

    ``given`` when it is set; otherwise the ``AbstractStack``'s stage default (DESTROY in dev,
    RETAIN elsewhere), and RETAIN in any other stack, so data is never deleted by surprise.
    """
    stack = _stack_of("removal_policy_for", scope)
    checks.check_arguments("removal_policy_for", removal_policy_for, {"given": given})
    if given is not None:
        return given
    if isinstance(stack, AbstractStack):
        return stack.default_removal_policy
    return _removal_policy(Stage.PRODUCTION)


def log_retention_for(scope: IConstruct) -> RetentionDays:
    """The log retention for log groups under ``scope``: the environment's, else one year."""
    stack = _stack_of("log_retention_for", scope)
    if isinstance(stack, AbstractStack):
        return stack.config.log_retention
    return StageDefaults.for_stage(Stage.PRODUCTION).log_retention


def _removal_policy(stage: Stage) -> RemovalPolicy:
    """The stage's removal policy for stateful resources (``StageDefaults.removal_policy``)."""
    return RemovalPolicy[StageDefaults.for_stage(stage).removal_policy.upper()]


_SET_HERE = ("env", "termination_protection")
"""Stack properties that ``AbstractStack`` sets itself."""
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
_EXPORT_NAME = re.compile(r"^[A-Za-z0-9:-]{1,255}$")
_MAX_DESCRIPTION = 1024


def _check_stack_props(
    where: str, scope: Construct, construct_id: str, stack_kwargs: dict[str, Any]
) -> None:
    """The stack name and description that aws-cdk-lib would refuse once the stack exists."""
    stack_name = stack_kwargs.get("stack_name")
    prop, name = "stack_name", stack_name
    if stack_name is None and isinstance(scope, CdkStage) and len(construct_id) <= 128:
        # A stack directly in an app or stage is named after its id (and the stage's name).
        prefix = scope.stage_name
        prop, name = "construct_id", f"{prefix}-{construct_id}" if prefix else construct_id
    # A token is refused too: aws-cdk-lib checks the name itself, so it must be literal.
    if name is not None and not _STACK_NAME.fullmatch(name):
        raise ValidationError(
            where,
            prop,
            stack_name if prop == "stack_name" else construct_id,
            f"makes the stack name {name!r}: CloudFormation allows up to 128 letters, digits "
            "and '-', starting with a letter (give stack_name to choose another)",
        )
    tags = stack_kwargs.get("tags")
    if tags:
        # The same rules as EnvironmentConfig.tags: CloudFormation refuses 'aws:' keys on a
        # stack, and the standard tags set below would silently win over a reserved key.
        checks.check_tags(where, "tags", tags)
    description = stack_kwargs.get("description")
    if description is not None and len(description) > _MAX_DESCRIPTION:
        raise ValidationError(
            where,
            "description",
            f"{description[:40]}...",
            f"must be at most {_MAX_DESCRIPTION} characters",
        )


def _stack_of(where: str, scope: object) -> Stack:
    """The stack holding ``scope`` (a construct in a stack): one request to the jsii kernel,
    none for a construct asked about before."""
    try:
        return _STACKS[scope]
    except (KeyError, TypeError):
        pass
    checks.check_arguments(where, stage_of, {"scope": scope})
    if isinstance(scope, Stack):
        return scope
    try:
        stack = Stack.of(typing.cast("IConstruct", scope))
    except RuntimeError:  # aws-cdk-lib: "No stack could be identified for the construct at..."
        raise ValidationError(
            where, "scope", scope, "must be a Stack or a construct in one"
        ) from None
    _STACKS[scope] = stack
    return stack


_STACKS: weakref.WeakKeyDictionary[object, Stack] = weakref.WeakKeyDictionary()
"""Each construct's stack, once asked for (a construct made from Python keeps its object)."""
