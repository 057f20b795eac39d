"""Loading every environment from a file or from CDK context."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from org_constructs import ValidationError
from org_constructs.config import (
    DatabaseEngine,
    EnvironmentConfig,
    MissingExtraError,
    Stage,
    environment_from_context,
    environments_from_context,
    environments_from_mapping,
    load_environments,
    selected_environments,
)
from tests.conftest import FIXTURES
from tests.support import make_app

DEV = {"account": "111111111111", "region": "us-east-1"}


def write(tmp_path: Path, data: Any, name: str = "environments.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


class TestTheTestContext:
    """The guide's TEST_CONTEXT as a file: dev, staging and production."""

    def test_loads_every_environment_in_order(
        self, environments: dict[str, EnvironmentConfig]
    ) -> None:
        assert list(environments) == ["dev", "staging", "production"]
        assert [e.stage for e in environments.values()] == list(Stage)
        assert [e.account for e in environments.values()] == [
            "111111111111",
            "222222222222",
            "333333333333",
        ]
        assert [e.vpc.cidr for e in environments.values()] == [
            "10.0.0.0/16",
            "10.1.0.0/16",
            "10.2.0.0/16",
        ]

    def test_dev_is_cheap(self, environments: dict[str, EnvironmentConfig]) -> None:
        dev = environments["dev"]
        assert dev.vpc.nat_gateways == 1
        assert dev.log_retention_days == 7
        assert dev.database.multi_az is False
        assert dev.database.deletion_protection is False
        assert dev.alarm_email == ("dev-alerts@example.com",)

    def test_production_is_safe(self, environments: dict[str, EnvironmentConfig]) -> None:
        prod = environments["production"]
        assert prod.vpc.nat_gateways == prod.vpc.max_azs == 3
        assert prod.database.multi_az is True
        assert prod.database.deletion_protection is True
        assert prod.database.engine is DatabaseEngine.POSTGRES
        assert prod.log_retention_days == 365
        assert prod.security.allowed_ips == ("203.0.113.0/24",)
        assert dict(prod.tags) == {"CostCenter": "platform"}

    def test_yaml_gives_the_same_environments(
        self, environments: dict[str, EnvironmentConfig]
    ) -> None:
        assert load_environments(FIXTURES / "environments.yaml") == environments

    def test_yaml_without_the_extra_says_which_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "yaml", None)
        with pytest.raises(MissingExtraError, match=r"pip install 'org-constructs\[yaml\]'"):
            load_environments(FIXTURES / "environments.yaml")


class TestFileErrors:
    def test_invalid_json_names_file_and_line(self, tmp_path: Path) -> None:
        path = write(tmp_path, '{"dev": {"account": }}')
        with pytest.raises(ValidationError, match=r"environments.json: .*not valid JSON.*line 1"):
            load_environments(path)

    def test_invalid_yaml(self, tmp_path: Path) -> None:
        path = write(tmp_path, "dev: [unclosed", "environments.yaml")
        with pytest.raises(ValidationError, match=r"environments.yaml: .*not valid YAML"):
            load_environments(path)

    def test_value_error_names_file_and_key_path(self, tmp_path: Path) -> None:
        path = write(tmp_path, {"dev": {**DEV, "vpc": {"nat_gateways": 3}}})
        with pytest.raises(
            ValidationError,
            match=r"^environments.json: dev.vpc.nat_gateways=3: must not exceed max_azs \(2\)",
        ):
            load_environments(path)

    def test_typo_is_refused_with_a_suggestion(self, tmp_path: Path) -> None:
        path = write(tmp_path, {"dev": {**DEV, "vpc": {"nat_gatways": 1}}})
        with pytest.raises(
            ValidationError,
            match=r"dev.vpc.nat_gatways=1: is not a known key; did you mean 'nat_gateways'\?",
        ):
            load_environments(path)

    def test_unknown_top_level_key(self, tmp_path: Path) -> None:
        path = write(tmp_path, {"dev": {**DEV, "colour": "blue"}})
        with pytest.raises(ValidationError, match=r"dev.colour='blue': is not a known key"):
            load_environments(path)

    @pytest.mark.parametrize("missing", ["account", "region"])
    def test_missing_required_key(self, tmp_path: Path, missing: str) -> None:
        settings = {k: v for k, v in DEV.items() if k != missing}
        path = write(tmp_path, {"dev": settings})
        with pytest.raises(ValidationError, match=rf"environments.json: dev.{missing}=None: is"):
            load_environments(path)

    def test_later_error_returns_nothing(self, tmp_path: Path) -> None:
        path = write(tmp_path, {"dev": DEV, "production": {**DEV, "region": "mars-1"}})
        with pytest.raises(ValidationError, match=r"production.region='mars-1'"):
            load_environments(path)

    def test_availability_zones_name_the_path(self, tmp_path: Path) -> None:
        path = write(tmp_path, {"dev": {**DEV, "availability_zones": ["us-east-1a", "us-west-2b"]}})
        with pytest.raises(
            ValidationError,
            match=r"^environments.json: dev.availability_zones\[1\]='us-west-2b': must be an "
            r"Availability Zone name of region 'us-east-1'",
        ):
            load_environments(path)

    def test_production_database_protection_names_the_path(self, tmp_path: Path) -> None:
        path = write(tmp_path, {"production": {**DEV, "database": {"deletion_protection": False}}})
        with pytest.raises(
            ValidationError,
            match=r"production.database.deletion_protection=False: must be true in production",
        ):
            load_environments(path)


class TestNatInstanceType:
    """A key added to VpcConfig is read from files like the others."""

    def test_nat_instance_type_is_read_from_the_file(self, tmp_path: Path) -> None:
        path = write(
            tmp_path,
            {
                "dev": {**DEV, "vpc": {"nat_instance_type": "t4g.nano"}},
                "staging": {**DEV, "vpc": {"nat_instance_type": None}},
            },
        )
        environments = load_environments(path)
        assert environments["dev"].vpc.nat_instance_type == "t4g.nano"
        assert environments["dev"].vpc.nat_gateways == 1, "the stage's count, of instances"
        assert environments["staging"].vpc.nat_instance_type is None

    def test_nat_instance_type_errors_name_the_path(self, tmp_path: Path) -> None:
        path = write(tmp_path, {"dev": {**DEV, "vpc": {"nat_instance_type": "t3.nano"}}})
        with pytest.raises(
            ValidationError,
            match=r"^environments.json: dev.vpc.nat_instance_type='t3.nano': is not a Graviton",
        ):
            load_environments(path)
        typo = write(tmp_path, {"dev": {**DEV, "vpc": {"nat_instance": "t4g.nano"}}})
        with pytest.raises(ValidationError, match=r"did you mean 'nat_instance_type'\?"):
            load_environments(typo)


class TestNamesAndStages:
    def test_named_environment_gives_its_stage(self) -> None:
        envs = environments_from_mapping(
            {"prod-eu": {**DEV, "stage": "production", "region": "eu-west-1"}}, source="x"
        )
        assert envs["prod-eu"].stage is Stage.PRODUCTION
        assert envs["prod-eu"].name == "prod-eu"
        assert envs["prod-eu"].vpc.nat_gateways == 3

    def test_named_environment_without_stage(self) -> None:
        with pytest.raises(ValidationError, match=r"x: prod-eu.stage=None: is required"):
            environments_from_mapping({"prod-eu": DEV}, source="x")

    def test_stage_contradicting_the_name(self) -> None:
        with pytest.raises(ValidationError, match=r"dev.stage='production': contradicts"):
            environments_from_mapping({"dev": {**DEV, "stage": "production"}}, source="x")

    @pytest.mark.parametrize("data", [[], {}, "dev"])
    def test_top_level_must_be_a_mapping(self, data: Any) -> None:
        with pytest.raises(ValidationError, match=r"x: \(top level\)=.*must map environment"):
            environments_from_mapping(data, source="x")

    def test_environment_must_be_a_mapping(self) -> None:
        with pytest.raises(ValidationError, match=r"x: dev='oops': must be a mapping"):
            environments_from_mapping({"dev": "oops"}, source="x")

    def test_section_must_be_a_mapping(self) -> None:
        with pytest.raises(ValidationError, match=r"x: dev.vpc=\[\]: must be a mapping"):
            environments_from_mapping({"dev": {**DEV, "vpc": []}}, source="x")


class TestContext:
    def test_mapping_in_context(self) -> None:
        app = make_app(environments={"dev": DEV})
        assert environments_from_context(app)["dev"].account == "111111111111"

    def test_json_text_in_context(self) -> None:
        app = make_app(environments=json.dumps({"dev": DEV}))
        assert environments_from_context(app)["dev"].region == "us-east-1"

    def test_file_path_in_context(self) -> None:
        app = make_app(environments=str(FIXTURES / "environments.json"))
        assert list(environments_from_context(app)) == ["dev", "staging", "production"]

    def test_errors_name_the_context_key(self) -> None:
        app = make_app(environments={"dev": {**DEV, "account": "1"}})
        with pytest.raises(ValidationError, match=r"^context 'environments': dev.account='1'"):
            environments_from_context(app)

    def test_missing_context(self) -> None:
        with pytest.raises(ValidationError, match=r"environments=None: is not set"):
            environments_from_context(make_app())

    def test_select_by_stage_context(self, environments: dict[str, EnvironmentConfig]) -> None:
        app = make_app(stage="staging")
        assert environment_from_context(app, environments) is environments["staging"]
        fallback = environment_from_context(make_app(), environments, default="dev")
        assert fallback is environments["dev"]

    def test_select_unknown_environment(self, environments: dict[str, EnvironmentConfig]) -> None:
        with pytest.raises(
            ValidationError,
            match=r"stage='qa': must name one of the environments: dev, staging, production",
        ):
            environment_from_context(make_app(stage="qa"), environments)


class TestSelectedEnvironments:
    def test_all_without_context(self, environments: dict[str, EnvironmentConfig]) -> None:
        assert selected_environments(make_app(), environments) == environments

    def test_the_one_named(self, environments: dict[str, EnvironmentConfig]) -> None:
        chosen = selected_environments(make_app(stage="production"), environments)
        assert chosen == {"production": environments["production"]}

    def test_unknown_name(self, environments: dict[str, EnvironmentConfig]) -> None:
        with pytest.raises(ValidationError, match=r"stage='prod': must name one of"):
            selected_environments(make_app(stage="prod"), environments)


class TestBadInput:
    def test_a_missing_file_names_the_file(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match=r"nope.json: \(file\)=.*cannot be read: No such"):
            load_environments(tmp_path / "nope.json")

    def test_a_path_with_a_null_byte(self) -> None:
        with pytest.raises(ValidationError, match=r"cannot be read: embedded null byte"):
            load_environments("environments\x00.json")

    def test_a_path_of_another_type(self) -> None:
        with pytest.raises(ValidationError, match=r"load_environments: path=5: must be a file"):
            load_environments(bad(5))

    def test_a_file_that_is_not_text(self, tmp_path: Path) -> None:
        path = tmp_path / "environments.json"
        path.write_bytes(b"\xff\xfe{")
        with pytest.raises(ValidationError, match=r"environments.json: .*is not UTF-8 text"):
            load_environments(path)

    def test_a_key_twice_in_json(self, tmp_path: Path) -> None:
        text = '{"dev": {"account": "111111111111", "region": "us-east-1", "region": "eu-west-1"}}'
        with pytest.raises(
            ValidationError, match=r"environments.json: region='eu-west-1': is given"
        ):
            load_environments(write(tmp_path, text))

    def test_an_environment_twice_in_yaml(self, tmp_path: Path) -> None:
        text = "dev:\n  account: '111111111111'\n  region: us-east-1\ndev:\n  region: x\n"
        with pytest.raises(ValidationError, match=r"not valid YAML: .*found 'dev' twice"):
            load_environments(write(tmp_path, text, "environments.yaml"))

    def test_a_missing_file_in_context(self, tmp_path: Path) -> None:
        app = make_app(environments=str(tmp_path / "typo.json"))
        with pytest.raises(ValidationError, match=r"typo.json: \(file\)=.*cannot be read"):
            environments_from_context(app)

    def test_a_context_name_that_is_not_text(self) -> None:
        app = make_app(stage=["dev"])
        with pytest.raises(ValidationError, match=r"stage=\['dev'\]: must name one of"):
            environment_from_context(
                app, {"dev": load_environments(FIXTURES / "environments.json")["dev"]}
            )

    @pytest.mark.parametrize(
        ("call", "pattern"),
        [
            (lambda: environments_from_context(bad("app")), r"scope='app': must be a construct"),
            (
                lambda: environments_from_context(make_app(), key=bad(5)),
                r"key=5: must be a context",
            ),
            (
                lambda: environment_from_context(make_app(), bad({"dev": DEV})),
                r"environments=.*: must map names to EnvironmentConfig",
            ),
            (
                lambda: environment_from_context(make_app(), {}, default=bad(1)),
                r"default=1: must be a string",
            ),
            (
                lambda: selected_environments(make_app(), bad(["dev"])),
                r"selected_environments: environments=\['dev'\]: must map names",
            ),
            (
                lambda: environments_from_mapping({"dev": DEV}, source=bad(None)),
                r"source=None: must be a string",
            ),
        ],
    )
    def test_arguments_of_the_wrong_type(self, call: Any, pattern: str) -> None:
        with pytest.raises(ValidationError, match=pattern):
            call()


def bad(value: object) -> Any:
    return value


def test_availability_zones_from_the_file(tmp_path: Path) -> None:
    zones = ["us-east-1a", "us-east-1b"]
    path = write(tmp_path, {"dev": {**DEV, "availability_zones": zones}, "staging": DEV})
    environments = load_environments(path)
    assert environments["dev"].availability_zones == ("us-east-1a", "us-east-1b")
    assert environments["staging"].availability_zones is None


class TestContradictions:
    def test_log_retention_zero_is_refused_not_turned_into_the_default(
        self, tmp_path: Path
    ) -> None:
        path = write(tmp_path, {"staging": {**DEV, "log_retention_days": 0}})
        with pytest.raises(
            ValidationError,
            match=r"staging.log_retention_days=0: is not a retention CloudWatch Logs keeps.*"
            r"leave the key out for the stage's default \(90 days in staging\)",
        ):
            load_environments(path)

    def test_leaving_log_retention_out_gives_the_stage_default(self, tmp_path: Path) -> None:
        path = write(tmp_path, {"staging": DEV})
        assert load_environments(path)["staging"].log_retention_days == 90

    def test_two_environments_with_one_name_are_refused(self, tmp_path: Path) -> None:
        data = {
            "dev": DEV,
            "qa": {**DEV, "stage": "staging", "name": "dev"},
        }
        with pytest.raises(
            ValidationError,
            match=r"qa.name='dev': is also the name of environment 'dev'",
        ):
            environments_from_mapping(data, source="environments.json")
