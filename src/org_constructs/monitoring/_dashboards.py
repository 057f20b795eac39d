"""The dashboards of a ``ServiceMonitoring``: main (alarms, traffic, errors) and performance."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from org_constructs._internal.nodes import id_of
from org_constructs.core import AbstractStack
from org_constructs.monitoring._lazy import LazyAlarmStatusWidget

__all__ = ["create_dashboards"]


def create_dashboards(
    monitoring: Construct,
    *,
    stage: str,
    service: str,
    runbook: str,
    alarm_arns: list[str],
    dashboard_range: Duration,
    performance: bool,
) -> tuple[cw.Dashboard, cw.Dashboard | None]:
    """``<stage>-<service>-main`` (a heading, the status of every alarm in ``alarm_arns``,
    filled as alarms are made) and, with ``performance``, ``<stage>-<service>-performance``;
    a stack output with the console address of each."""
    prefix = f"{stage}-{service}"
    title = f"{service} ({stage})"
    start = f"-PT{int(dashboard_range.to_minutes())}M"

    def new_dashboard(construct_id: str, suffix: str) -> cw.Dashboard:
        return cw.Dashboard(
            monitoring,
            construct_id,
            dashboard_name=f"{prefix}-{suffix}",
            start=start,
            period_override=cw.PeriodOverride.AUTO,
        )

    main = new_dashboard("MainDashboard", "main")
    main.add_widgets(
        cw.TextWidget(
            markdown=f"# {title}\nAlarms, traffic and errors. Runbook: {runbook}",
            width=24,
            height=2,
        ),
        LazyAlarmStatusWidget(lambda: list(alarm_arns), title="Alarms"),
    )
    dashboards = [(main, "MainDashboardUrl")]
    second = None
    if performance:
        second = new_dashboard("PerformanceDashboard", "performance")
        second.add_widgets(
            cw.TextWidget(
                markdown=f"# {title}: performance\n"
                "Latency percentiles, concurrency, database load.",
                width=24,
                height=2,
            ),
        )
        dashboards.append((second, "PerformanceDashboardUrl"))
    stack = Stack.of(monitoring)
    node_id = id_of(monitoring)
    for dashboard, output in dashboards:
        _output(
            stack,
            f"{node_id}{output}",
            _dashboard_url(stack.region, dashboard.dashboard_name),
            f"{service} dashboard",
        )
    return main, second


def _output(stack: Stack, output_id: str, value: str, description: str) -> None:
    """A stack output named after the monitoring, such as ``MonitoringMainDashboardUrl``."""
    if isinstance(stack, AbstractStack):
        stack.create_output(output_id, value, description=description, export=False)
    else:
        CfnOutput(stack, output_id, value=value, description=description)


def _dashboard_url(region: str, name: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#dashboards:name={name}"
    )
