"""``settings``: a team's own per-environment values (a certificate ARN, a task count)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from org_constructs import EnvironmentConfig, Stage, ValidationError, load_environments

ENVIRONMENTS = {
    "dev": {"account": "111111111111", "region": "us-east-1", "settings": {"desired_count": 1}},
    "production": {
        "account": "333333333333",
        "region": "us-east-1",
        "settings": {
            "desired_count": 3,
            "certificate_arn": "arn:aws:acm:us-east-1:333333333333:certificate/abc",
            "hosts": ["orders.example.com", "api.example.com"],
            "limits": {"burst": 200, "rate": 100.5},
        },
    },
}


def write(tmp_path: Path, environments: dict[str, Any]) -> Path:
    path = tmp_path / "environments.json"
    path.write_text(json.dumps(environments))
    return path


def test_each_environment_has_its_own_settings(tmp_path: Path) -> None:
    loaded = load_environments(write(tmp_path, ENVIRONMENTS))
    dev, production = loaded["dev"], loaded["production"]
    assert dev.setting("desired_count") == 1
    assert production.setting("desired_count") == 3
    assert production.setting("hosts") == ("orders.example.com", "api.example.com")
    assert production.setting("limits")["rate"] == 100.5
    assert dev.setting("certificate_arn", None) is None
    assert (
        EnvironmentConfig(account="111111111111", region="us-east-1", stage=Stage.DEV).settings
        == {}
    )


def test_settings_are_frozen(tmp_path: Path) -> None:
    production = load_environments(write(tmp_path, ENVIRONMENTS))["production"]
    with pytest.raises(TypeError):
        production.settings["desired_count"] = 5  # type: ignore[index]
    with pytest.raises(TypeError):
        production.setting("limits")["burst"] = 1


def test_a_missing_setting_names_the_environment_and_what_is_set(tmp_path: Path) -> None:
    dev = load_environments(write(tmp_path, ENVIRONMENTS))["dev"]
    with pytest.raises(ValidationError) as raised:
        dev.setting("certificate_arn")
    assert str(raised.value) == (
        "EnvironmentConfig('dev'): settings.certificate_arn=None: is not set: add it to "
        "\"settings\" of the 'dev' environment (set: desired_count)"
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("desired_count=3", "settings='desired_count=3': must be a mapping of name to value"),
        ({"desired-count": 3}, "settings['desired-count']"),
        ({"9lives": 3}, "starting with a letter"),
    ],
)
def test_bad_settings_in_a_file_are_refused_naming_the_file_and_key(
    tmp_path: Path, settings: Any, message: str
) -> None:
    bad = {**ENVIRONMENTS, "dev": {**ENVIRONMENTS["dev"], "settings": settings}}
    with pytest.raises(ValidationError, match=r"environments\.json") as raised:
        load_environments(write(tmp_path, bad))
    assert message in str(raised.value)


def test_values_json_cannot_hold_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"settings\.ratio=nan: must be a finite number"):
        EnvironmentConfig(
            account="111111111111",
            region="us-east-1",
            stage=Stage.DEV,
            settings={"ratio": float("nan")},
        )
    with pytest.raises(ValidationError, match=r"settings\.hosts\[1\]=.*must be a JSON value"):
        EnvironmentConfig(
            account="111111111111",
            region="us-east-1",
            stage=Stage.DEV,
            settings={"hosts": ["a", object()]},
        )
