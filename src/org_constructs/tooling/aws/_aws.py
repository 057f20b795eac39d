"""boto3 sessions for a stage, and the errors users should read instead of tracebacks."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from org_constructs.config import EnvironmentConfig
from org_constructs.errors import OpsError

__all__ = ["OpsError", "assume_role", "call", "pages", "session_for"]


def _boto3() -> Any:
    try:
        return importlib.import_module("boto3")
    except ImportError:
        raise OpsError(
            "this command calls AWS with boto3: pip install 'org-constructs[ops]'"
        ) from None


def session_for(
    config: EnvironmentConfig, profile: str | None = None, *, ambient: bool = False
) -> Any:
    """A boto3 session in the stage's region with its profile (or ``profile``).

    With ``ambient``, and no ``profile`` given, the session takes the credentials of the
    process's environment instead (``AWS_*`` variables, a role a CI job assumed by OIDC).
    """
    boto3 = _boto3()
    if ambient and profile is None:
        return boto3.Session(region_name=config.region)
    chosen = profile or config.profile
    if chosen is None:
        raise OpsError(
            f'stage {config.name!r} has no profile: add "profile": "..." to its entry in '
            "the environments file, or pass --profile"
        )
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=chosen, region_name=config.region)
    except ProfileNotFound:
        raise OpsError(
            f"stage {config.name!r}: AWS profile {chosen!r} is not configured "
            "(aws configure --profile NAME, or AWS_CONFIG_FILE)"
        ) from None


def assume_role(session: Any, role_arn: str, session_name: str = "org-cdk") -> Any:
    """A boto3 session in ``session``'s region with the credentials of ``role_arn``.

    The pipeline's OIDC role may only assume the CDK bootstrap roles: the steps that read
    change sets and publish a notification chain into the bootstrap deploy role this way.

    Raises
    ------
    OpsError
        When STS refuses, or there are no credentials to start from.
    """
    sts = session.client("sts")
    answer = call(
        f"assuming {role_arn}",
        sts.assume_role,
        RoleArn=role_arn,
        RoleSessionName=session_name[:64],
    )
    credentials = answer["Credentials"]
    return _boto3().Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=session.region_name,
    )


def call(description: str, function: Any, /, **arguments: Any) -> Any:
    """Call a boto3 client method, turning credential and API errors into ``OpsError``."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return function(**arguments)
    except NoCredentialsError:
        raise OpsError(f"{description}: no AWS credentials for this profile") from None
    except ClientError as error:
        detail = error.response.get("Error", {})
        raise OpsError(
            f"{description}: {detail.get('Code', 'error')}: {detail.get('Message', error)}"
        ) from None
    except BotoCoreError as error:
        raise OpsError(f"{description}: {error}") from None


def pages(description: str, client: Any, operation: str, /, **arguments: Any) -> Iterator[Any]:
    """Every page of a paginated boto3 call, from ``client.get_paginator(operation)``.

    Pages are requested as they are read, so a caller that stops early asks for no more; the
    errors of any page become ``OpsError`` as in ``call``.

    Parameters
    ----------
    description:
        What the call does, for error messages (``"listing stacks"``).
    client:
        A boto3 client.
    operation:
        The name of the client's method (``"list_stacks"``).
    **arguments:
        The method's arguments; the paginator passes ``NextToken``.
    """
    paginator = call(description, client.get_paginator, operation_name=operation)
    iterator = iter(paginator.paginate(**arguments))
    while True:
        page = call(description, lambda: next(iterator, None))
        if page is None:
            return
        yield page
