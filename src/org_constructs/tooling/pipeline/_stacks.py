"""The stacks of one environment in a cloud assembly that holds every environment."""

from __future__ import annotations

from org_constructs.config import EnvironmentConfig
from org_constructs.errors import ValidationError
from org_constructs.tooling.gate import Assembly

__all__ = ["stage_stacks"]


def stage_stacks(assembly: Assembly, config: EnvironmentConfig) -> list[str]:
    """The names of ``config``'s stacks in ``assembly``, each after the stacks it depends on.

    A stack belongs to the environment when it deploys to its account and region and carries
    its stage in the ``Environment`` tag that ``AbstractStack`` sets; the stack names the app
    chooses play no part.

    Raises
    ------
    ValidationError
        When the assembly holds no stack of the environment.
    """
    environment = f"aws://{config.account}/{config.region}"
    ours = {
        stack.name: stack
        for stack in assembly.stacks
        if stack.environment == environment and stack.tags.get("Environment") == config.stage.value
    }
    if not ours:
        raise ValidationError(
            str(assembly.directory),
            "stage",
            config.name,
            f"has no stack in this cloud assembly (none deploys to {environment} with the tag "
            f"Environment={config.stage.value}); synthesize every stage, and build its stacks "
            "on AbstractStack",
        )
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered or name not in ours:
            return
        for dependency in ours[name].dependencies:
            visit(dependency)
        ordered.append(name)

    for name in ours:
        visit(name)
    return ordered
