"""Alarm names, the catalogue, and the generated catalogue page."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration, Fn, Token
from aws_cdk import aws_cloudwatch as cw

from org_constructs import AlarmSettings, ValidationError
from org_constructs.monitoring import ALARM_CATALOGUE, Severity
from org_constructs.monitoring._settings import alarm_name
from tests.support import ROOT, load_script


def test_alarm_name_joins_parts() -> None:
    assert (
        alarm_name("W", "dev", "orders", "Handler", "error-rate") == "dev-orders-Handler-error-rate"
    )


@pytest.mark.parametrize("part", ["", "-leading", "has space", "slash/", "ünïcode"])
def test_alarm_name_refuses_characters(part: str) -> None:
    with pytest.raises(ValidationError, match=r"W: alarm name part=.*must be letters, digits"):
        alarm_name("W", "dev", part)


def test_alarm_name_limit_is_255() -> None:
    assert len(alarm_name("W", "a" * 255)) == 255
    with pytest.raises(ValidationError, match=r"is 256 characters; CloudWatch allows 255"):
        alarm_name("W", "a" * 256)


def bad(value: object) -> Any:
    return value


INVALID_SETTINGS: dict[str, tuple[dict[str, Any], str]] = {
    "negative threshold": ({"threshold": -1}, r"AlarmSettings: threshold=-1: must be finite"),
    "infinite threshold": ({"threshold": float("inf")}, r"threshold=inf: must be finite"),
    "threshold as text": ({"threshold": bad("5")}, r"threshold='5': must be a number or None"),
    "period not a duration": ({"period": bad(60)}, r"period=60: must be a Duration or None"),
    "period of 45 seconds": ({"period": Duration.seconds(45)}, r"period='45s': must be 10 or 30"),
    "period over a day": ({"period": Duration.days(2)}, r"period='2 days': must be from 10"),
    "evaluation periods boolean": (
        {"evaluation_periods": bad(True)},
        r"evaluation_periods=True: must be a whole number or None",
    ),
    "evaluation periods zero": ({"evaluation_periods": 0}, r"evaluation_periods=0: must be"),
    "datapoints over periods": (
        {"evaluation_periods": 2, "datapoints_to_alarm": 3},
        r"datapoints_to_alarm=3: must be from 1 to evaluation_periods \(2\)",
    ),
    "severity as text": (
        {"severity": bad("Critical")},
        r"severity='Critical': must be one of Severity.WARNING, Severity.CRITICAL or None",
    ),
    "comparison as text": (
        {"comparison": bad(">")},
        r"comparison='>': must be an aws_cloudwatch.ComparisonOperator",
    ),
    "enabled truthy string": ({"enabled": bad("no")}, r"enabled='no': must be True or False"),
    "anomaly detection comparison": (
        {"comparison": cw.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD},
        r"comparison=.*: must compare with a threshold",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID_SETTINGS))
def test_invalid_alarm_settings_are_refused(case: str) -> None:
    props, pattern = INVALID_SETTINGS[case]
    with pytest.raises(ValidationError, match=pattern):
        AlarmSettings(**props)


def test_a_token_threshold_passes() -> None:
    threshold = Token.as_number(Fn.ref("Threshold"))
    assert AlarmSettings(threshold=threshold).threshold == threshold


def test_catalogue_defaults_are_consistent() -> None:
    for pack, alarms in ALARM_CATALOGUE.items():
        for key, alarm in alarms.items():
            assert alarm.key == key, pack
            assert 1 <= alarm.datapoints_to_alarm <= alarm.evaluation_periods
            assert alarm.threshold >= 0
            assert isinstance(alarm.severity, Severity)
            assert alarm.meaning.endswith("."), f"{pack}.{key}"
            assert alarm.action, f"{pack}.{key}"


def test_guide_values_are_the_defaults() -> None:
    api, database, lambda_ = (
        ALARM_CATALOGUE["api"],
        ALARM_CATALOGUE["database"],
        ALARM_CATALOGUE["lambda"],
    )
    assert (api["latency_p90"].threshold, api["latency_p90"].evaluation_periods) == (1000, 3)
    assert (api["server_errors"].threshold, api["server_errors"].period_minutes) == (5, 1)
    assert (database["cpu"].threshold, database["cpu"].evaluation_periods) == (80, 3)
    assert database["free_storage"].threshold == 10 * 1024**3
    assert ALARM_CATALOGUE["nat"]["active_connection_count"].threshold == 55000
    assert (lambda_["errors"].threshold, lambda_["throttles"].threshold) == (1, 1)


def test_catalogue_page_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_script("generate_alarm_docs").main(["--check"]) == 0, capsys.readouterr().out


def test_every_alarm_has_a_runbook_section() -> None:
    """Each section's anchor is the one alarm descriptions link: ``nat-instance-cpu-...``."""
    page = (ROOT / "docs" / "alarms.md").read_text()
    for pack, alarms in ALARM_CATALOGUE.items():
        for key in alarms:
            anchor = f"{pack}-{key}".replace("_", "-")
            assert f'<a id="{anchor}"></a>' in page
    assert '<a id="service-unhealthy"></a>' in page
