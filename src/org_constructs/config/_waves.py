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
    environments: Mapping[str, EnvironmentConfig], *, where: str = "environments"
) -> list[Wave]:
    """The waves of ``environments``, in the order they deploy.

    Environments with the same ``wave`` deploy together; waves run in ascending order. An
    environment without ``wave`` is a wave of its own, after the numbered ones, in the file's
    order.

    Raises
    ------
    ValidationError
        When ``environments`` is empty, two entries share a name, or an environment has no
        ``deploy_role_arn``, or two share an account, region and stage (their stacks could not
        be told apart in the cloud assembly).
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
        if config.deploy_role_arn is None:
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
    numbered = sorted({c.wave for c in environments.values() if c.wave is not None})
    groups = [[c for c in environments.values() if c.wave == n] for n in numbered]
    groups += [[c] for c in environments.values() if c.wave is None]
    return [Wave(index, tuple(group)) for index, group in enumerate(groups, start=1)]
