"""Extension points: a monitored service is one registered pack module; runbook links."""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns

from org_constructs import (
    AbstractStack,
    AlarmSettings,
    EnvironmentConfig,
    MonitoredFunction,
    ServiceMonitoring,
    Severity,
    Stage,
    ValidationError,
)
from org_constructs.contract import MAX_RUNBOOK_URL
from org_constructs.monitoring import ALARM_CATALOGUE, MonitoredResource
from org_constructs.monitoring._packs import PACKS, Pack, PackChecks, PackSpec, PageRow, Plan, Unit
from org_constructs.monitoring._service import alarm_description
from org_constructs.monitoring._settings import GT, MISSING_OK, AlarmDefault, catalogue
from org_constructs.testing import find_resources, template_json, template_of
from tests.support import ROOT, load_script, make_app

ACCOUNT, REGION = "111111111111", "us-east-1"
WIKI = "https://wiki.example.com/runbooks/orders"
INSTALLED = (
    f"https://github.com/org-constructs/org-constructs/blob/v{version('org-constructs')}"
    "/docs/alarms.md"
)
CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")

# ----------------------------------------------------------------------------- a throwaway pack

WIDGET_CATALOGUE = catalogue(
    AlarmDefault(
        key="queue_depth",
        metric="Depth (Maximum)",
        threshold=100,
        unit="count",
        comparison=GT,
        period_minutes=5,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=MISSING_OK,
        severity=Severity.CRITICAL,
        meaning="More than 100 widgets wait.",
        action="Add widget workers.",
    ),
)


def _widget_check(
    checks: PackChecks,
    queue_name: str,
    *,
    label: str | None = None,
    alarms: Mapping[str, AlarmSettings] | None = None,
) -> Plan:
    label = checks.label(label, None, fallback=queue_name)
    resolved = checks.resolve([label], alarms)
    watched = [("widget", queue_name)]
    checks.unwatched("queue_name", queue_name, watched)

    def build(pack: Pack) -> None:
        depth = cw.Metric(
            namespace="Widgets", metric_name="Depth", dimensions_map={"Queue": queue_name}
        )
        pack.alarm("queue_depth", depth)
        pack.main(cw.GraphWidget(title=f"Widgets {pack.label}", left=[depth]))

    return Plan(resolved, [Unit(label, f"Widget{label}", build, watched)])


WIDGET = PackSpec(
    name="widget",
    method="monitor_widget_queue",
    target="queue_name",
    title="Widget queues",
    catalogue=WIDGET_CATALOGUE,
    roll_back="deploy the previous release.",
    check=_widget_check,
    page=PageRow(call="`monitor_widget_queue(name)`", alarms="queue depth", main="depth"),
)


def monitor_widget_queue(
    self: ServiceMonitoring,
    queue_name: str,
    *,
    label: str | None = None,
    alarms: Mapping[str, AlarmSettings] | None = None,
) -> MonitoredResource:
    """Alarms and widgets for a widget queue."""
    return self._monitor(WIDGET, locals())[0]


@pytest.fixture
def widget_pack(monkeypatch: pytest.MonkeyPatch) -> PackSpec:
    """The throwaway pack registered (one line) and its facade method added, for one test."""
    monkeypatch.setitem(PACKS, WIDGET.name, WIDGET)
    monkeypatch.setattr(
        ServiceMonitoring, "monitor_widget_queue", monitor_widget_queue, raising=False
    )
    return WIDGET


def _monitoring(stack: Stack, **options: Any) -> ServiceMonitoring:
    return ServiceMonitoring(
        stack,
        "Monitoring",
        service_name="orders",
        alarm_topic=sns.Topic(stack, "Topic"),
        stage="dev",
        **options,
    )


def _stack() -> Stack:
    return Stack(make_app(), "S", env={"account": ACCOUNT, "region": REGION})


def test_a_registered_pack_is_in_the_catalogue(widget_pack: PackSpec) -> None:
    assert list(ALARM_CATALOGUE)[-1] == "widget"
    assert ALARM_CATALOGUE["widget"] is widget_pack.catalogue


def test_a_registered_pack_is_in_the_generated_docs(widget_pack: PackSpec) -> None:
    script = load_script("generate_alarm_docs")
    page = script.render()
    assert "## Widget queues: `monitor_widget_queue()`" in page
    assert '<a id="widget-queue-depth"></a>' in page
    assert "- **Roll back**: deploy the previous release." in page
    assert "| `monitor_widget_queue(name)` | queue depth | depth | |" in script.pack_table()
    # The committed pages do not know it: the check fails until they are regenerated.
    assert script.main(["--check"]) == 1


def test_a_registered_pack_is_reached_through_the_facade(widget_pack: PackSpec) -> None:
    stack = _stack()
    monitoring = _monitoring(stack)
    resource = monitoring.monitor_widget_queue("orders-widgets")  # type: ignore[attr-defined]
    assert (resource.pack, resource.label) == ("widget", "orders-widgets")
    alarm = template_json(template_of(stack))["Resources"]
    (props,) = [r["Properties"] for r in alarm.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert props["AlarmName"] == "dev-orders-orders-widgets-queue-depth"
    assert props["AlarmDescription"].endswith(f"Runbook: {INSTALLED}#widget-queue-depth")
    assert monitoring.composite_alarm is not None  # a Critical alarm feeds the composite
    # The shared checks hold for it: alarm keys, types (from the method's hints), duplicates.
    with pytest.raises(
        ValidationError, match=r"alarms\['depth'\].*not an alarm of the widget pack"
    ):
        monitoring.monitor_widget_queue("q2", alarms={"depth": AlarmSettings(threshold=1)})  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match=r"queue_name=3"):
        monitoring.monitor_widget_queue(3)  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match=r"already monitored in this service"):
        monitoring._monitor(widget_pack, {"queue_name": "orders-widgets", "label": "again"})


def test_every_facade_method_is_one_call_of_its_pack() -> None:
    """No service logic in the facade: after the docstring, ``return self._monitor(PACK, ...)``."""
    for pack in PACKS.values():
        method = getattr(ServiceMonitoring, pack.method)
        (function,) = ast.parse(textwrap.dedent(inspect.getsource(method))).body
        assert isinstance(function, ast.FunctionDef)
        docstring, *body = function.body
        assert isinstance(docstring, ast.Expr), f"{pack.method} has no docstring"
        assert len(body) == 1, f"{pack.method} holds more than the call of its pack"
        assert "self._monitor(" in ast.unparse(body[0]), pack.method


def test_no_monitoring_module_is_over_900_lines() -> None:
    folder = ROOT / "src" / "org_constructs" / "monitoring"
    sizes = {p.name: len(p.read_text().splitlines()) for p in folder.rglob("*.py")}
    assert max(sizes.values()) <= 900, sizes


# ----------------------------------------------------------------------------- runbooks


def _descriptions(stack: Stack) -> list[str]:
    template = template_json(template_of(stack))
    return [
        r["Properties"]["AlarmDescription"]
        for kind in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        for r in find_resources(template, kind).values()
    ]


def _monitored(stack: Stack, **options: Any) -> ServiceMonitoring:
    monitoring = _monitoring(stack, **options)
    function = lambda_.Function(
        stack,
        "Handler",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=CODE,
        timeout=Duration.seconds(10),
    )
    monitoring.monitor_lambda_function(function)
    return monitoring


def test_alarms_link_the_docs_of_the_installed_version() -> None:
    stack = _stack()
    monitoring = _monitored(stack)
    assert monitoring.runbook_url == INSTALLED
    descriptions = _descriptions(stack)
    assert f"Runbook: {INSTALLED}#lambda-errors" in descriptions[0]
    assert any(d.endswith(f"Runbook: {INSTALLED}#service-unhealthy") for d in descriptions)
    assert all("/blob/main/" not in d for d in descriptions)


def test_runbook_url_points_every_alarm_at_the_teams_runbook() -> None:
    stack = _stack()
    _monitored(stack, runbook_url=WIKI)
    descriptions = _descriptions(stack)
    assert len(descriptions) == 7  # six alarms and the composite
    for description in descriptions:
        assert f"Runbook: {WIKI}#" in description
        assert "github.com" not in description
    assert any(d.endswith(f"{WIKI}#lambda-error-rate") for d in descriptions)
    assert any(d.endswith(f"{WIKI}#service-unhealthy") for d in descriptions)
    dashboard = find_resources(template_json(template_of(stack)), "AWS::CloudWatch::Dashboard")
    assert WIKI in str(dashboard)


def test_the_environments_runbook_url_is_the_default_in_an_abstract_stack() -> None:
    class Service(AbstractStack):
        def initialize(self) -> None:
            self.monitoring = _monitored(self, **self.node.try_get_context("options") or {})

    config = EnvironmentConfig(
        account=ACCOUNT,
        region=REGION,
        stage=Stage.DEV,
        runbook_url=WIKI,
    )
    stack = Service(make_app(), "Service", config=config)
    assert stack.monitoring.runbook_url == WIKI
    assert all(f"{WIKI}#" in d for d in _descriptions(stack))
    given = "https://runbooks.example.com/orders"
    chosen = Service(make_app(options={"runbook_url": given}), "S", config=config)
    assert chosen.monitoring.runbook_url == given
    plain = EnvironmentConfig(account=ACCOUNT, region=REGION, stage=Stage.DEV)
    assert Service(make_app(), "Plain", config=plain).monitoring.runbook_url == INSTALLED


INVALID_RUNBOOKS = {
    "http": ("http://wiki.example.com/runbooks", r"runbook_url='http://wiki.*https:// URL"),
    "fragment": (f"{WIKI}#top", r"runbook_url=.*without '#fragment'"),
    "space": ("https://wiki.example.com/run books", r"runbook_url=.*without spaces"),
    "no host": ("https:///runbooks", r"runbook_url=.*https:// URL"),
    "too long": (f"{WIKI}/{'x' * MAX_RUNBOOK_URL}", rf"runbook_url=.*at most {MAX_RUNBOOK_URL}"),
    "not text": (42, r"runbook_url=42"),
}


@pytest.mark.parametrize("case", INVALID_RUNBOOKS)
def test_a_bad_runbook_url_is_refused(case: str) -> None:
    url, message = INVALID_RUNBOOKS[case]
    with pytest.raises(ValidationError, match=r"ServiceMonitoring\('Monitoring'\)"):
        _monitoring(_stack(), runbook_url=url)
    with pytest.raises(ValidationError, match=message):
        _monitoring(_stack(), runbook_url=url)
    with pytest.raises(ValidationError, match=rf"EnvironmentConfig: {message}"):
        EnvironmentConfig(
            account=ACCOUNT,
            region=REGION,
            stage=Stage.DEV,
            runbook_url=url,  # type: ignore[arg-type]
        )


def test_the_longest_runbook_url_fits_every_alarm_description() -> None:
    longest = f"https://{'w' * (MAX_RUNBOOK_URL - len('https://'))}"
    for pack, alarms in ALARM_CATALOGUE.items():
        for entry in alarms.values():
            description = alarm_description(Severity.CRITICAL, entry, pack, longest)
            assert len(description) <= 1024, (pack, entry.key, len(description))


def test_the_environments_file_takes_runbook_url(tmp_path: Path) -> None:
    from org_constructs.config import load_environments

    path = tmp_path / "environments.json"
    path.write_text(
        json.dumps({"dev": {"account": ACCOUNT, "region": REGION, "runbook_url": WIKI}})
    )
    assert load_environments(path)["dev"].runbook_url == WIKI


# ----------------------------------------------------------------------------- MonitoredFunction


def test_monitored_function_checks_through_the_public_methods() -> None:
    app = make_app()
    stack = Stack(app, "S", env={"account": ACCOUNT, "region": REGION})
    monitoring = _monitoring(stack)
    monitoring.check_lambda_function("Orders", timeout=Duration.seconds(10))
    with pytest.raises(ValidationError, match=r"timeout='20 minutes': must be from 1 second"):
        monitoring.check_lambda_function("Orders", timeout=Duration.minutes(20))
    MonitoredFunction(stack, "Orders", code=CODE, handler="index.handler", monitoring=monitoring)
    with pytest.raises(ValidationError, match=r"label='Orders': is already monitored"):
        monitoring.check_lambda_function("Orders")
    other = Stack(app, "Other", env={"account": ACCOUNT, "region": "eu-west-1"})
    with pytest.raises(ValidationError, match=r"monitoring=.*is in region 'eu-west-1'"):
        monitoring.check_region("monitoring", other)
    monitoring.check_region("monitoring", stack)
