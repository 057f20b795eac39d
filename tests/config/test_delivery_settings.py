"""``deploy_role_arn`` and ``wave``: the settings a delivery pipeline reads."""

from __future__ import annotations

from typing import Any

import pytest

from org_constructs.config import EnvironmentConfig, Stage, environments_from_mapping
from org_constructs.errors import ValidationError

ACCOUNT = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/org-cdk-deploy"


def config(**settings: Any) -> EnvironmentConfig:
    return EnvironmentConfig(account=ACCOUNT, region="us-east-1", stage=Stage.DEV, **settings)


def test_both_are_unset_by_default() -> None:
    assert config().deploy_role_arn is None
    assert config().wave is None


@pytest.mark.parametrize(
    "role",
    [
        ROLE,
        f"arn:aws:iam::{ACCOUNT}:role/delivery/org-cdk-deploy",
        f"arn:aws:iam::{ACCOUNT}:role/a.b@c",
    ],
)
def test_a_role_of_the_account_is_kept(role: str) -> None:
    assert config(deploy_role_arn=role).deploy_role_arn == role


def test_waves_from_0_to_99_are_kept() -> None:
    assert config(wave=0).wave == 0
    assert config(wave=99).wave == 99


INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "role of another account": (
        {"deploy_role_arn": "arn:aws:iam::222222222222:role/deploy"},
        r"deploy_role_arn='arn:aws:iam::222222222222:role/deploy': must be a role of this "
        r"environment's account 111111111111 \(it names account 222222222222\)",
    ),
    "user, not role": (
        {"deploy_role_arn": f"arn:aws:iam::{ACCOUNT}:user/deploy"},
        r"deploy_role_arn=.*: must be an IAM role ARN, arn:aws:iam::111111111111:role/NAME",
    ),
    "role name only": ({"deploy_role_arn": "deploy"}, r"deploy_role_arn='deploy': must be an IAM"),
    "empty role": ({"deploy_role_arn": ""}, r"deploy_role_arn='': must be an IAM role ARN"),
    "role not text": ({"deploy_role_arn": 5}, r"deploy_role_arn=5: must be an IAM role ARN"),
    "role without name": (
        {"deploy_role_arn": f"arn:aws:iam::{ACCOUNT}:role/"},
        r"deploy_role_arn=.*: must be an IAM role ARN",
    ),
    "negative wave": ({"wave": -1}, r"wave=-1: must be between 0 and 99"),
    "wave too high": ({"wave": 100}, r"wave=100: must be between 0 and 99"),
    "wave as text": ({"wave": "1"}, r"wave='1': must be a whole number from 0 to 99"),
    "wave as bool": ({"wave": True}, r"wave=True: must be a whole number from 0 to 99"),
    "wave as float": ({"wave": 1.5}, r"wave=1.5: must be a whole number from 0 to 99"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_values_are_refused(case: str) -> None:
    settings, message = INVALID[case]
    with pytest.raises(ValidationError, match=r"^EnvironmentConfig: " + message):
        config(**settings)


def test_the_file_reports_the_key_path() -> None:
    data = {
        "dev": {
            "account": ACCOUNT,
            "region": "us-east-1",
            "deploy_role_arn": "arn:aws:iam::222222222222:role/deploy",
        }
    }
    with pytest.raises(
        ValidationError, match=r"^environments.json: dev.deploy_role_arn='arn:aws:iam::2"
    ):
        environments_from_mapping(data, source="environments.json")


def test_the_file_sets_both() -> None:
    data = {"dev": {"account": ACCOUNT, "region": "us-east-1", "deploy_role_arn": ROLE, "wave": 2}}
    dev = environments_from_mapping(data, source="environments.json")["dev"]
    assert (dev.deploy_role_arn, dev.wave) == (ROLE, 2)
