"""``AbstractStack``: the base of every stack built with org-constructs."""

from __future__ import annotations

import abc
from typing import Any

import jsii
from aws_cdk import CfnOutput, Environment, RemovalPolicy, Stack, Tags
from aws_cdk.aws_logs import RetentionDays
from constructs import Construct, IConstruct

from org_constructs.compliance._nag import PACKS_CONTEXT, apply_nag_packs
from org_constructs.config import EnvironmentConfig, Stage
from org_constructs.errors import ValidationError

__all__ = ["AbstractStack", "log_retention_for", "removal_policy_for", "stage_of"]

MANAGED_BY = "CDK"


class _AbstractStackMeta(jsii.JSIIMeta, abc.ABCMeta):
    """Runs ``initialize()`` once the outermost ``__init__`` has returned.

    Calling it from the base constructor (as a TypeScript base class must) would run it
    before the subclass has set its own attributes.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
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
    stack_kwargs:
        Any other ``aws_cdk.Stack`` keyword argument (``stack_name``, ``description``, ...),
        except ``env``.

    Raises
    ------
    ValidationError
        When ``env`` is passed (it comes from ``config``) or ``config`` is not an
        ``EnvironmentConfig``.

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
        **stack_kwargs: Any,
    ) -> None:
        where = f"{type(self).__name__}({construct_id!r})"
        if not isinstance(config, EnvironmentConfig):
            raise ValidationError(where, "config", config, "must be an EnvironmentConfig")
        if "env" in stack_kwargs:
            raise ValidationError(
                where,
                "env",
                stack_kwargs["env"],
                "comes from config (account and region); do not pass env to an AbstractStack",
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
        for key, value in standard.items():
            # On the resources in the template, and as stack tags, which CloudFormation also
            # puts on resources that aws-cdk-lib does not tag itself.
            Tags.of(self).add(key, value)
            self.tags.set_tag(key, value)
        if self.node.try_get_context(PACKS_CONTEXT) is not None:
            # `org-cdk validate --packs` on an app that declares none: hold each stack to them.
            apply_nag_packs(self)

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
            return list(zones)
        inherited: list[str] = super().availability_zones
        return inherited

    @property
    def default_removal_policy(self) -> RemovalPolicy:
        """RETAIN in staging and production, DESTROY in dev."""
        return RemovalPolicy.DESTROY if self.stage is Stage.DEV else RemovalPolicy.RETAIN

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
        if not export and export_name is not None:
            raise ValidationError(
                f"{type(self).__name__}.create_output({output_id!r})",
                "export_name",
                export_name,
                "cannot be given with export=False",
            )
        name = (export_name or f"{self.stack_name}-{output_id}") if export else None
        return CfnOutput(self, output_id, value=value, description=description, export_name=name)

    def _run_initialize(self) -> None:
        if self._initialized:
            return
        self._initialized = True
        self.initialize()


def stage_of(scope: IConstruct) -> Stage | None:
    """The stage of the ``AbstractStack`` that holds ``scope``, or None for other stacks."""
    stack = Stack.of(scope)
    return stack.stage if isinstance(stack, AbstractStack) else None


def removal_policy_for(scope: IConstruct, given: RemovalPolicy | None = None) -> RemovalPolicy:
    """The removal policy a stateful resource under ``scope`` should use.

    ``given`` when it is set; otherwise the ``AbstractStack``'s stage default (DESTROY in dev,
    RETAIN elsewhere), and RETAIN in any other stack, so data is never deleted by surprise.
    """
    if given is not None:
        return given
    stack = Stack.of(scope)
    if isinstance(stack, AbstractStack):
        return stack.default_removal_policy
    return RemovalPolicy.RETAIN


def log_retention_for(scope: IConstruct) -> RetentionDays:
    """The log retention for log groups under ``scope``: the environment's, else one year."""
    stack = Stack.of(scope)
    if isinstance(stack, AbstractStack):
        return stack.config.log_retention
    return RetentionDays.ONE_YEAR
