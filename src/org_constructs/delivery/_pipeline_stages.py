"""What ``OrgPipeline``'s ``stage`` function is, and the checks of the stacks it makes for
each environment: in the environment's ``cdk.Stage``, deploying to its account and region."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from aws_cdk import Stack
from aws_cdk import Stage as CdkStage
from constructs import Construct

from org_constructs._internal.nodes import id_of, path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.config import EnvironmentConfig
from org_constructs.core import AbstractStack
from org_constructs.errors import ValidationError

__all__ = ["StageFunction", "add_stacks", "check_stage_function"]

StageFunction = Callable[[Construct, str, EnvironmentConfig], None]
"""``stage(scope, name, config)``: adds the app's stacks for one environment to ``scope``, the
environment's ``cdk.Stage``."""

_STAGE_EXAMPLE = (
    "def stage(scope: Construct, name: str, config: EnvironmentConfig) -> None: "
    "ServiceStack(scope, 'Service', config=config)"
)


def check_stage_function(where: str, stage: object) -> None:
    """``stage`` is a function the pipeline can call as ``stage(scope, name, config)``."""
    if inspect.isclass(stage):
        made = (
            "a cdk.Stage: the pipeline makes each environment's cdk.Stage itself"
            if issubclass(stage, CdkStage)
            else "a Stack: the pipeline calls stage once per environment, with its cdk.Stage"
            if issubclass(stage, Stack)
            else "a class"
        )
        raise ValidationError(
            where,
            "stage",
            stage.__qualname__,
            f"is {made}; pass a function that creates the app's stacks in the scope it is "
            f"given: {_STAGE_EXAMPLE}",
        )
    if not callable(stage):
        raise ValidationError(
            where,
            "stage",
            stage,
            "must be a function stage(scope, name, config) that adds the app's stacks for "
            f"one environment to scope, its cdk.Stage: {_STAGE_EXAMPLE}",
        )
    try:
        signature = inspect.signature(stage)
    except (TypeError, ValueError):  # pragma: no cover - a builtin without a signature
        return
    try:
        signature.bind(None, "name", None)
    except TypeError:
        raise ValidationError(
            where,
            "stage",
            f"{getattr(stage, '__qualname__', type(stage).__qualname__)}{signature}",
            "cannot be called as stage(scope, name, config), three positional arguments: "
            f"{_STAGE_EXAMPLE}",
        ) from None


def add_stacks(
    where: str, environment_stage: CdkStage, stage: StageFunction, config: EnvironmentConfig
) -> None:
    """Call ``stage`` for one environment, then check what it made against ``config``."""
    app = environment_stage.node.root
    before = {id(c) for c in app.node.find_all() if isinstance(c, Stack)}
    stage(environment_stage, config.name, config)
    shown = getattr(stage, "__qualname__", repr(stage))
    made = [c for c in app.node.find_all() if isinstance(c, Stack) and id(c) not in before]
    try:
        for stack in made:
            _check_stack(where, environment_stage, stack, shown, config)
    except ValidationError:
        # The environment's stage is removed by the constructor; stacks made elsewhere too.
        for stack in made:
            if CdkStage.of(stack) is not environment_stage and stack.node.scope is not None:
                stack.node.scope.node.try_remove_child(id_of(stack))
        raise
    if not any(isinstance(c, Stack) for c in environment_stage.node.find_all()):
        raise ValidationError(
            where,
            "stage",
            shown,
            f"added no stack for environment {config.name!r}: create the app's stacks in the "
            "scope it is given, its cdk.Stage (ServiceStack(scope, 'Service', config=config))",
        )


def _check_stack(
    where: str, environment_stage: CdkStage, stack: Stack, shown: str, config: EnvironmentConfig
) -> None:
    """A stack ``stage`` made for ``config`` is deployed by the pipeline, to its environment."""
    prop = f"stage({config.name!r})"
    path = path_of(stack)
    if CdkStage.of(stack) is not environment_stage:
        inside = path_of(environment_stage) in [path_of(s) for s in stack.node.scopes]
        raise ValidationError(
            where,
            prop,
            path,
            (
                "is in a cdk.Stage of its own inside the environment's, which CDK Pipelines "
                "does not deploy"
                if inside
                else f"is outside the environment's cdk.Stage {path_of(environment_stage)!r}, "
                "so the pipeline would not deploy it"
            )
            + ": create every stack directly in the scope the stage function receives",
        )
    account, region = stack.account, stack.region
    if unresolved(account) or unresolved(region):
        raise ValidationError(
            where,
            prop,
            path,
            f"is environment-agnostic (account {_shown(account)}, region {_shown(region)}): "
            f"the pipeline deploys it to environment {config.name!r}, account "
            f"{config.account} in {config.region}; leave env out (the stage's applies) or "
            "give env=Environment(account=config.account, region=config.region)",
        )
    if (account, region) != (config.account, config.region):
        raise ValidationError(
            where,
            prop,
            path,
            f"deploys to account {account} in {region}, while environment {config.name!r} "
            f"is account {config.account} in {config.region}: build each stack from the "
            "config the stage function receives (leave env out, or AbstractStack's "
            "config=config)",
        )
    if isinstance(stack, AbstractStack) and (
        stack.config.name != config.name or stack.config.stage != config.stage
    ):
        raise ValidationError(
            where,
            prop,
            path,
            f"is built from environment {stack.config.name!r} ({stack.config.stage.value}), "
            f"while the pipeline deploys it as {config.name!r} ({config.stage.value}): pass "
            "the config the stage function receives (config=config)",
        )


def _shown(value: str) -> str:
    return "unresolved" if unresolved(value) else value
