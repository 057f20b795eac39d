"""The GitHub Actions workflow that delivers an app to every environment of its file."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from org_constructs.config import EnvironmentConfig
from org_constructs.config._waves import Wave, delivery_waves
from org_constructs.contract import CHECKOV_VERSION, DEFAULT_QUALIFIER, REVIEW_SUFFIX
from org_constructs.errors import ValidationError

__all__ = ["ASSEMBLY_ARTIFACT", "MAX_MATRIX_JOBS", "github_workflow"]

ASSEMBLY_ARTIFACT = "cloud-assembly"
"""The artifact that carries the one synthesized cloud assembly from job to job."""
MAX_MATRIX_JOBS = 256
"""GitHub's limit on the jobs one matrix makes."""

_RUNNER = "ubuntu-24.04"
_PLAIN = re.compile(r"^[A-Za-z_$][^\n\"#]*[^\s:]$|^[A-Za-z_]$")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}
_PATH = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$")
_QUALIFIER = re.compile(r"[a-z0-9]{1,10}")


def github_workflow(
    environments: Mapping[str, EnvironmentConfig],
    *,
    app_dir: str,
    branch: str = "main",
    watch: Sequence[str] = ("src/**",),
    install: Sequence[str] = (
        "npm ci",
        'python -m pip install -r {app_dir}/requirements.txt "org-constructs[ops]"',
    ),
    python_version: str = "3.12",
    command: str = "",
    qualifier: str = DEFAULT_QUALIFIER,
    order: Sequence[Sequence[str]] | None = None,
) -> str:
    """The workflow that synthesizes once, then prepares and deploys each wave of environments.

    One ``build`` job synthesizes every environment and runs ``org-cdk validate``; then, per
    wave (``delivery_waves``), a ``prepare-<n>`` job creates each environment's change sets and
    summarizes them, and a ``deploy-<n>`` job, behind the GitHub environment of the stage and
    its protection rules, executes them and publishes the result with ``org-cdk notify``. Each
    job of a wave is one entry of its matrix, so the jobs grow with the waves, not with the
    accounts.

    Parameters
    ----------
    environments:
        The environments, as ``load_environments`` returns them; each needs
        ``deploy_role_arn``.
    app_dir:
        The app's folder, relative to the repository root (``examples/reference_app``).
    branch:
        A push to this branch delivers. Default: ``'main'``
    watch:
        More paths whose change delivers, besides ``app_dir``. Default: ``('src/**',)``
    install:
        The commands that install the CDK CLI and ``org-cdk`` (with boto3, the ``ops`` extra)
        in each job, ``{app_dir}`` replaced. Default: ``npm ci`` and the app's
        ``requirements.txt`` with ``org-constructs[ops]``
    python_version:
        Default: ``'3.12'``
    command:
        The command line that regenerates the file, for its header. Default: - ``org-cdk
        pipeline github APP_DIR``
    qualifier:
        The CDK bootstrap qualifier of the target accounts. The stage's role (``DeploymentAccess``)
        may only assume the bootstrap roles; the steps that read change sets and publish the
        notification chain into ``cdk-<qualifier>-deploy-role-<account>-<region>``. Default:
        ``'hnb659fds'``, the CDK default
    order:
        The waves explicitly, each a list of stage names, instead of the ``wave`` keys
        (``delivery_waves``). Default: - from the ``wave`` keys

    Returns
    -------
    str
        The workflow's YAML text; the same input gives the same text.

    Raises
    ------
    ValidationError
        For an empty ``environments``, an environment without ``deploy_role_arn``, two with
        one name, an ``order`` naming an unknown stage (or one twice, or leaving one out), a
        wave of more than ``MAX_MATRIX_JOBS`` environments, an ``app_dir`` that is not a
        relative path, or a malformed ``qualifier``.
    """
    where = "github_workflow"
    if not isinstance(qualifier, str) or not _QUALIFIER.fullmatch(qualifier):
        raise ValidationError(
            where,
            "qualifier",
            qualifier,
            "must be the bootstrap qualifier: 1 to 10 lowercase letters and digits",
        )
    if not isinstance(app_dir, str) or not _PATH.fullmatch(app_dir) or ".." in app_dir.split("/"):
        raise ValidationError(
            where, "app_dir", app_dir, "must be the app's folder relative to the repository root"
        )
    app_dir = app_dir.rstrip("/") or "."
    waves = delivery_waves(environments, where=where, order=order)
    for wave in waves:
        if len(wave.environments) > MAX_MATRIX_JOBS:
            raise ValidationError(
                where,
                "wave",
                wave.environments[0].wave,
                f"holds {len(wave.environments)} environments; a GitHub matrix makes at most "
                f"{MAX_MATRIX_JOBS} jobs: split it into more waves",
            )
    setup = _setup_steps(
        app_dir, [line.format(app_dir=app_dir) for line in install], python_version
    )
    jobs: dict[str, Any] = {"build": _build_job(app_dir, setup)}
    previous: str | None = None
    for wave in waves:
        prepare, deploy = f"prepare-{wave.number}", f"deploy-{wave.number}"
        jobs[prepare] = _prepare_job(
            wave, app_dir, setup, ["build"] + ([previous] if previous else [])
        )
        jobs[deploy] = _deploy_job(
            wave, app_dir, setup, [prepare] + ([previous] if previous else []), qualifier
        )
        previous = deploy
    name = app_dir.rsplit("/", 1)[-1] if app_dir != "." else "app"
    workflow: dict[str, Any] = {
        "name": f"Deliver {name}",
        "on": {
            # GitHub matches paths from the repository root, without "./".
            "push": {"branches": [branch], "paths": [_under(app_dir), *watch]},
            "workflow_dispatch": {
                "inputs": {
                    "allow_stateful_replacement": {
                        "description": "Deploy change sets that replace or remove stateful "
                        "resources (data is lost)",
                        "type": "boolean",
                        "default": False,
                    }
                }
            },
        },
        "permissions": {"contents": "read", "id-token": "write"},
        "env": {"CHANGE_SET": "org-cdk-${{ github.sha }}"},
        "jobs": jobs,
    }
    regenerate = command or f"org-cdk pipeline github {app_dir}"
    header = [
        f"# Generated by org-cdk from {app_dir}/environments.json: do not edit.",
        f"# Regenerate with `{regenerate}`; add --check in CI to fail when it is stale.",
    ]
    return "\n".join(header + _emit(workflow, 0)) + "\n"


def _under(app_dir: str) -> str:
    """The path filter of everything under ``app_dir``."""
    return "**" if app_dir == "." else f"{app_dir}/**"


def _setup_steps(app_dir: str, install: list[str], python_version: str) -> list[dict[str, Any]]:
    return [
        {"uses": "actions/checkout@v4"},
        {
            "uses": "actions/setup-python@v5",
            "with": {
                "python-version": python_version,
                "cache": "pip",
                "cache-dependency-path": f"{app_dir}/requirements.txt",
            },
        },
        {"uses": "actions/setup-node@v4", "with": {"node-version": "22", "cache": "npm"}},
        {"name": "Install", "run": "\n".join(install)},
    ]


_OUTCOME = "${{ steps.execute.outcome == 'success' && 'succeeded' || 'failed' }}"
_PATH_LINE = 'export PATH="$GITHUB_WORKSPACE/node_modules/.bin:$PATH"'
# Every script stops at its first failure, a failing command substitution included: a stage
# whose stacks cannot be listed deploys nothing rather than everything.
_STRICT = "set -euo pipefail"
_STACKS = (
    'listed="$(org-cdk pipeline stacks . --stage "$STAGE" --assembly cdk.out)"\n'
    'mapfile -t stacks <<< "$listed"'
)


def _build_job(app_dir: str, setup: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "Synthesize and validate every stage",
        "runs-on": _RUNNER,
        "steps": [
            *setup,
            # The release the gate is tested with, in an environment of its own (its pins
            # conflict with most apps').
            {"name": "Install checkov", "run": f"pipx install checkov=={CHECKOV_VERSION}"},
            {
                # The gate's own synthesis records acknowledgements under audit, which
                # `cdk deploy` refuses: it is checked and set aside.
                "name": "Validate every stage",
                "working-directory": app_dir,
                "run": f'{_PATH_LINE}\norg-cdk validate . --output "$RUNNER_TEMP/validate"',
            },
            {
                "name": "Synthesize the assembly every stage deploys",
                "working-directory": app_dir,
                "run": f"{_PATH_LINE}\ncdk synth --quiet --no-notices --output cdk.out",
            },
            {
                "uses": "actions/upload-artifact@v4",
                "with": {
                    "name": ASSEMBLY_ARTIFACT,
                    "path": f"{app_dir}/cdk.out",
                    "if-no-files-found": "error",
                    "include-hidden-files": True,
                },
            },
        ],
    }


def _matrix(wave: Wave) -> dict[str, Any]:
    return {
        "fail-fast": False,
        "matrix": {
            "include": [
                {
                    "stage": config.name,
                    "account": config.account,
                    "region": config.region,
                    "role": config.deploy_role_arn,
                    "review_role": f"{config.deploy_role_arn}{REVIEW_SUFFIX}",
                }
                for config in wave.environments
            ]
        },
    }


def _stage_steps(app_dir: str, role: str = "role") -> list[dict[str, Any]]:
    return [
        {
            "uses": "actions/download-artifact@v4",
            "with": {"name": ASSEMBLY_ARTIFACT, "path": f"{app_dir}/cdk.out"},
        },
        {
            "name": (
                "AWS credentials of the stage (OIDC)"
                if role == "role"
                else "AWS credentials of the stage's review role (OIDC)"
            ),
            "uses": "aws-actions/configure-aws-credentials@v4",
            "with": {
                "role-to-assume": f"${{{{ matrix.{role} }}}}",
                "aws-region": "${{ matrix.region }}",
                "role-session-name": "org-cdk-${{ matrix.stage }}",
            },
        },
    ]


def _stage_env(qualifier: str) -> dict[str, str]:
    # The stage's role may only assume the CDK bootstrap roles: the steps that read change
    # sets and publish the notification chain into the bootstrap deploy role, which may.
    return {
        "STAGE": "${{ matrix.stage }}",
        "BOOTSTRAP_ROLE": "arn:aws:iam::${{ matrix.account }}:role/"
        f"cdk-{qualifier}-deploy-role-${{{{ matrix.account }}}}-${{{{ matrix.region }}}}",
    }


def _prepare_job(
    wave: Wave, app_dir: str, setup: list[dict[str, Any]], needs: list[str]
) -> dict[str, Any]:
    prepare = "\n".join(
        [
            _STRICT,
            _PATH_LINE,
            "# As the review role: it may create change sets, never execute them.",
            "org-cdk pipeline review-assembly cdk.out",
            _STACKS,
            'cdk deploy --app cdk.out --method=prepare-change-set --change-set-name "$CHANGE_SET" '
            '--require-approval never "${stacks[@]}"',
        ]
    )
    summarize = "\n".join(
        [
            _STRICT,
            _STACKS,
            'args=(--change-set "$CHANGE_SET")',
            'for stack in "${stacks[@]}"; do args+=(--stack "$stack"); done',
            'if [ "$ALLOW_STATEFUL" = "true" ]; then args+=(--allow-stateful); fi',
            'org-cdk change-set summary "${args[@]}"',
        ]
    )
    return {
        "name": f"Prepare wave {wave.number} (${{{{ matrix.stage }}}})",
        "needs": needs,
        "runs-on": _RUNNER,
        "strategy": _matrix(wave),
        # The review role trusts the token of this environment only: the stage's own would ask
        # for its approval before there is a change set to approve, and its role could
        # execute change sets.
        "environment": f"${{{{ matrix.stage }}}}{REVIEW_SUFFIX}",
        "env": {"STAGE": "${{ matrix.stage }}"},
        "steps": [
            *setup,
            *_stage_steps(app_dir, role="review_role"),
            {"name": "Prepare the change sets", "working-directory": app_dir, "run": prepare},
            {
                "name": "Summarize the change sets",
                "working-directory": app_dir,
                "env": {"ALLOW_STATEFUL": "${{ inputs.allow_stateful_replacement || false }}"},
                "run": summarize,
            },
        ],
    }


def _deploy_job(
    wave: Wave, app_dir: str, setup: list[dict[str, Any]], needs: list[str], qualifier: str
) -> dict[str, Any]:
    execute = "\n".join(
        [
            _STRICT,
            _PATH_LINE,
            'echo "started=$(date +%s)" >> "$GITHUB_OUTPUT"',
            _STACKS,
            'args=(--change-set "$CHANGE_SET" --role-arn "$BOOTSTRAP_ROLE")',
            'for stack in "${stacks[@]}"; do args+=(--stack "$stack"); done',
            "# A stack without changes has no change set: the others run one by one, in order.",
            'pending="$(org-cdk change-set pending "${args[@]}")"',
            'mapfile -t stacks <<< "$pending"',
            'for stack in "${stacks[@]}"; do',
            '  [ -n "$stack" ] || continue',
            "  cdk deploy --app cdk.out --method=execute-change-set \\",
            '    --change-set-name "$CHANGE_SET" --require-approval never "$stack"',
            "done",
        ]
    )
    notify = "\n".join(
        [
            _STRICT,
            _STACKS,
            'args=(--stage "$STAGE" --status "$STATUS" --version-label "$GITHUB_SHA")',
            "now=$(date +%s)",
            'args+=(--seconds "$(( now - ${STARTED:-$now} ))" --environment-credentials)',
            'args+=(--role-arn "$BOOTSTRAP_ROLE")',
            'for stack in "${stacks[@]}"; do args+=(--stack "$stack"); done',
            'org-cdk notify . "${args[@]}"',
        ]
    )
    return {
        "name": f"Deploy wave {wave.number} (${{{{ matrix.stage }}}})",
        "needs": needs,
        "runs-on": _RUNNER,
        "strategy": _matrix(wave),
        "environment": "${{ matrix.stage }}",
        "concurrency": {"group": "deploy-${{ matrix.stage }}", "cancel-in-progress": False},
        "env": _stage_env(qualifier),
        "steps": [
            *setup,
            *_stage_steps(app_dir),
            {
                "id": "execute",
                "name": "Execute the change sets",
                "working-directory": app_dir,
                "run": execute,
            },
            {
                "name": "Notify",
                "if": "${{ always() && steps.execute.outcome != 'skipped' }}",
                "working-directory": app_dir,
                "env": {
                    "STATUS": _OUTCOME,
                    "STARTED": "${{ steps.execute.outputs.started }}",
                },
                "run": notify,
            },
        ],
    }


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and ": " not in text and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text)


def _emit(value: Any, indent: int) -> list[str]:
    """YAML lines for mappings, lists and scalars, in block style (``run`` scripts literal)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            lines += _entry(f"{pad}{key}:", item, indent)
        return lines
    for item in value:
        if isinstance(item, Mapping):
            inner = _emit(item, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines += inner[1:]
        else:
            lines += _entry(f"{pad}-", item, indent)
    return lines


def _entry(head: str, item: Any, indent: int) -> list[str]:
    if isinstance(item, str) and "\n" in item:
        return [f"{head} |", *(f"{' ' * (indent + 2)}{line}" for line in item.split("\n"))]
    if isinstance(item, (Mapping, list, tuple)):
        if not item:
            return [f"{head} {'{}' if isinstance(item, Mapping) else '[]'}"]
        return [head, *_emit(item, indent + 2)]
    return [f"{head} {_scalar(item)}"]
