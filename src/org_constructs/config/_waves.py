"""The delivery plan of an environments file: which environments deploy together, in order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from org_constructs.config import EnvironmentConfig
from org_constructs.errors import ValidationError

__all__ = ["Wave", "delivery_waves"]


@dataclass(frozen=True)
class Wave:
    """Environments that deploy in parallel, after every wave before them.

    Attributes
    ----------
    number:
        The wave's position in the pipeline, from 1.
    environments:
        Its environments, in the file's order.
    """

    number: int
    environments: Sequence[EnvironmentConfig]


def delivery_waves(
    environments: Mapping[str, EnvironmentConfig],
    *,
    where: str = "environments",
    require_role: bool = True,
    order: Sequence[Sequence[str]] | None = None,
) -> list[Wave]:
    """The waves of ``environments``, in the order they deploy.

    Environments with the same ``wave`` deploy together; waves run in ascending order. An
    environment without ``wave`` is a wave of its own, after the numbered ones, in the file's
    order. ``order`` gives the waves explicitly instead, each a list of environment names
    (``[["dev"], ["staging"], ["production-us", "production-eu"]]``): every environment in
    exactly one wave, the ``wave`` keys then ignored.

    ``require_role=False`` accepts environments without ``deploy_role_arn``: a pipeline that
    deploys from inside AWS (``OrgPipeline``) reaches the accounts through the CDK bootstrap
    trust, not a role of its own.

    Raises
    ------
    ValidationError
        When ``environments`` is empty, two entries share a name, or an environment has no
        ``deploy_role_arn`` (unless ``require_role=False``), two share an account, region and
        stage (their stacks could not be told apart in the cloud assembly), or ``order`` names
        an environment the file does not have, names one twice, leaves one out or has an empty
        wave.
    """
    if not isinstance(environments, Mapping) or not environments:
        raise ValidationError(
            where,
            "(top level)",
            dict(environments) if isinstance(environments, Mapping) else environments,
            "must name at least one environment to deliver",
        )
    seen: dict[str, str] = {}
    targets: dict[tuple[str, str, str], str] = {}
    for key, config in environments.items():
        if not isinstance(config, EnvironmentConfig):
            raise ValidationError(where, key, config, "must be an EnvironmentConfig")
        if config.name in seen:
            raise ValidationError(
                where,
                f"{key}.name",
                config.name,
                f"is also the name of {seen[config.name]!r}: every stage needs its own name",
            )
        seen[config.name] = key
        if require_role and config.deploy_role_arn is None:
            raise ValidationError(
                where,
                f"{key}.deploy_role_arn",
                None,
                f'is required to deliver it: add "deploy_role_arn": '
                f'"arn:aws:iam::{config.account}:role/NAME", the role the pipeline assumes',
            )
        target = (config.account, config.region, config.stage.value)
        if target in targets:
            raise ValidationError(
                where,
                key,
                config.name,
                f"deploys to the account, region and stage of {targets[target]!r}: their stacks "
                "cannot be told apart; give one of them another account or region",
            )
        targets[target] = config.name
    if order is not None:
        return _ordered(environments, order, where)
    numbered = sorted({c.wave for c in environments.values() if c.wave is not None})
    groups = [[c for c in environments.values() if c.wave == n] for n in numbered]
    groups += [[c] for c in environments.values() if c.wave is None]
    return [Wave(index, tuple(group)) for index, group in enumerate(groups, start=1)]


def _ordered(
    environments: Mapping[str, EnvironmentConfig], order: Sequence[Sequence[str]], where: str
) -> list[Wave]:
    by_name = {config.name: config for config in environments.values()}
    if isinstance(order, str) or not isinstance(order, Sequence) or not order:
        raise ValidationError(
            where, "order", order, "must be a non-empty list of waves, each a list of stage names"
        )
    placed: dict[str, int] = {}
    waves: list[Wave] = []
    for number, names in enumerate(order, start=1):
        if isinstance(names, str) or not isinstance(names, Sequence) or not names:
            raise ValidationError(
                where, f"order[{number - 1}]", names, "must be a non-empty list of stage names"
            )
        for name in names:
            if name not in by_name:
                raise ValidationError(
                    where,
                    f"order[{number - 1}]",
                    name,
                    f"is not a stage of the environments file; known: {sorted(by_name)}",
                )
            if name in placed:
                raise ValidationError(
                    where,
                    f"order[{number - 1}]",
                    name,
                    f"is already in wave {placed[name]}: every stage deploys in one wave",
                )
            placed[name] = number
        waves.append(Wave(number, tuple(by_name[name] for name in names)))
    missing = [name for name in by_name if name not in placed]
    if missing:
        raise ValidationError(
            where, "order", missing, "are stages of the environments file in no wave: add them"
        )
    return waves
