"""``ServiceMonitoring``'s service level objectives: error budgets and multi-window,
multi-burn-rate alarms (a mixin, so that the facade stays one readable module).

For each objective: the error ratio as metric math, two alarms per row of the burn-rate
policy (``_slo.POLICY``: its long and its short window, each one CloudWatch period), a
composite alarm per row that fires when both windows do (``ALARM(long) AND ALARM(short)``),
and three widgets on the main dashboard (the budget left over the window, its burn-down and
the burn rate). The two page rows page (the critical topic), the ticket row warns (the
warning topic); in dev nothing pages by default: the page rows warn too.
"""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from org_constructs._internal import checks
from org_constructs._internal.kernel import Program, Slot, enum, seconds
from org_constructs._internal.lazy import lazy_module
from org_constructs.compliance._acknowledgements import (
    acknowledge,
    acknowledge_library_check,
    remember_places,
)
from org_constructs.config import Stage
from org_constructs.errors import ValidationError
from org_constructs.monitoring import _slo_targets as targets
from org_constructs.monitoring._factory import AlarmFactory
from org_constructs.monitoring._settings import Severity, check_name_part
from org_constructs.monitoring._slo import (
    POLICY,
    BurnRateAlarm,
    BurnRatePolicy,
    ServiceLevelObjective,
    burn_threshold,
    check_objective,
    check_window,
    window_label,
)

if typing.TYPE_CHECKING:
    from aws_cdk import aws_applicationsignals as applicationsignals
else:  # needed only by an objective with application_signals=True
    applicationsignals = lazy_module("aws_cdk.aws_applicationsignals")
from org_constructs.monitoring._slo_targets import Indicator, SloTarget

__all__ = ["Objectives"]

_MAX_SIGNALS_NAME = 128
"""The longest name of an Application Signals service level objective."""
_NO_ACTION_REASON = (
    "A window alarm of a service level objective only feeds its composite alarm (long AND "
    "short window), which notifies; an action on each window would page twice, unconfirmed."
)


class Objectives:
    """The ``add_*_slo`` methods; ``ServiceMonitoring`` runs them."""

    _where: str
    _stage: Stage
    _service: str
    _runbook: str
    _factory: AlarmFactory
    _actions: Mapping[Severity, cw.IAlarmAction]
    _main: cw.Dashboard | None
    _alarm_arns: list[str]

    def check_region(self, prop: str, target: Construct) -> None:  # pragma: no cover
        raise NotImplementedError  # ServiceMonitoring's

    def add_availability_slo(
        self,
        target: SloTarget,
        *,
        objective: float = 99.9,
        window: Duration | None = None,
        name: str | None = None,
        paging: bool | None = None,
        application_signals: bool = False,
    ) -> ServiceLevelObjective:
        """An availability objective: ``objective`` percent of the target's events succeed
        over ``window``, with its error budget, burn-rate alarms and dashboard widgets.

        Good events by target: a ``SecureApi`` or ``RestApi``, requests without a 5XX
        response; a ``ContainerService`` (any ``LoadBalancedService``, such as an
        ``ApplicationLoadBalancedFargateService``), requests its tasks answered without 5XX;
        a ``MonitoredFunction`` (its alias) or a Lambda function, invocations neither failed
        nor throttled; a ``SecureQueue`` or a queue with a dead-letter queue, messages its
        consumer processed without them reaching the dead-letter queue.

        Parameters
        ----------
        target:
            What the objective is about (see above).
        objective:
            The percentage of good events, strictly between 0 and 100. Default: 99.9
        window:
            The window the error budget is counted over: whole days, 7 to 455. Default: 30
            days
        name:
            The objective's name in alarm names (``<stage>-<service>-slo-<name>-fast-burn``).
            Default: - ``<target's construct id>-availability``
        paging:
            Whether the fast and slow burns page (their composite alarms notify the critical
            topic); without, they notify the warning topic, as the ticket burn always does.
            Default: - False in dev (objectives are alarms that page nobody), True in staging
            and production
        application_signals:
            Also create the objective as a CloudWatch Application Signals service level
            objective (``AWS::ApplicationSignals::ServiceLevelObjective``), for accounts that
            use Application Signals; billed per objective by Application Signals. Default:
            False

        Returns
        -------
        ServiceLevelObjective
            Its alarms, composite alarms, thresholds and error-ratio expression.

        Raises
        ------
        ValidationError
            For a target of another kind or region, a queue without a dead-letter queue, an
            objective outside (0, 100), a window that is not 7 to 455 whole days, a name
            with other characters than letters, digits, ``-``, ``_``, ``.``, one already
            used in this monitoring or that makes alarm names too long. Nothing is created.
        """
        where = self._where
        self._check_slo_arguments(Objectives.add_availability_slo, locals())
        self._check_target(target)
        indicator = targets.availability(where, target)
        return self._objective(
            name=name or f"{indicator.label}-availability",
            named=name is not None,
            indicator=indicator,
            objective=objective,
            window=window,
            paging=paging,
            application_signals=application_signals,
        )

    def add_latency_slo(
        self,
        target: SloTarget,
        *,
        threshold: Duration,
        objective: float = 99.0,
        window: Duration | None = None,
        name: str | None = None,
        paging: bool | None = None,
        application_signals: bool = False,
    ) -> ServiceLevelObjective:
        """A latency objective: ``objective`` percent of the target's requests are answered
        within ``threshold`` over ``window``.

        Slow requests are counted with CloudWatch's percentile rank statistic, ``PR(:t)``
        (the percentage of requests that took ``t`` or less), on API Gateway ``Latency``, the
        target group's ``TargetResponseTime`` or the function's ``Duration``.

        Parameters
        ----------
        target:
            A ``SecureApi`` or ``RestApi``, a ``LoadBalancedService`` (``ContainerService``),
            a ``MonitoredFunction`` or a Lambda function. A queue has no latency per message.
        threshold:
            The longest a good request takes, above 0 and at most the target's timeout (API
            Gateway's 29 seconds, the load balancer's idle timeout, the function's timeout).
        objective, window, name, paging, application_signals:
            As for ``add_availability_slo``; the objective defaults to 99.0 and the name to
            ``<target's construct id>-latency``.

        Raises
        ------
        ValidationError
            As ``add_availability_slo``; also for a queue, and a threshold of 0 or above the
            target's timeout. Nothing is created.
        """
        where = self._where
        self._check_slo_arguments(Objectives.add_latency_slo, locals())
        checks.check_duration(
            where,
            "threshold",
            threshold,
            low=checks.Limit(1, "1 milli"),
            high=checks.minutes(15),
        )
        self._check_target(target)
        indicator = targets.latency(where, target, threshold)
        return self._objective(
            name=name or f"{indicator.label}-latency",
            named=name is not None,
            indicator=indicator,
            objective=objective,
            window=window,
            paging=paging,
            application_signals=application_signals,
        )

    def add_slo(
        self,
        name: str,
        *,
        good: cw.IMetric,
        total: cw.IMetric,
        objective: float = 99.9,
        window: Duration | None = None,
        paging: bool | None = None,
        application_signals: bool = False,
    ) -> ServiceLevelObjective:
        """An objective on any pair of metrics: ``good`` events among ``total`` events.

        Parameters
        ----------
        name:
            The objective's name in alarm names.
        good, total:
            Event counts: a ``Metric`` with statistic ``Sum`` or ``SampleCount``, or a
            ``MathExpression`` of such metrics; the period is each window's. CloudWatch allows
            10 metrics in an alarm, both together.
        objective, window, paging, application_signals:
            As for ``add_availability_slo`` (``application_signals`` takes plain metrics
            only).

        Raises
        ------
        ValidationError
            As ``add_availability_slo``; also for a metric whose statistic does not count
            events, a ``SEARCH`` expression, more than 10 metrics in all.
        """
        where = self._where
        self._check_slo_arguments(Objectives.add_slo, locals())
        indicator = targets.custom(where, good, total)
        return self._objective(
            name=name,
            named=True,
            indicator=indicator,
            objective=objective,
            window=window,
            paging=paging,
            application_signals=application_signals,
        )

    @property
    def service_level_objectives(self) -> list[ServiceLevelObjective]:
        """Every objective added, in order."""
        return list(self._slos())

    # ----------------------------------------------------------------------------- internals

    def _slos(self) -> list[ServiceLevelObjective]:
        found = self.__dict__.get("_objective_list")
        if found is None:
            found = self.__dict__["_objective_list"] = []
        return typing.cast("list[ServiceLevelObjective]", found)

    def _check_slo_arguments(
        self, method: typing.Callable[..., object], arguments: Mapping[str, object]
    ) -> None:
        given = {key: value for key, value in arguments.items() if key not in {"self", "where"}}
        checks.check_arguments(self._where, method, given)

    def _check_target(self, target: object) -> None:
        if isinstance(target, Construct):
            self.check_region("target", target)
        else:
            node = getattr(target, "node", None)
            scope = getattr(target, "load_balancer", None) or getattr(node, "scope", None)
            if isinstance(scope, Construct):
                self.check_region("target", scope)

    def _objective(
        self,
        *,
        name: str,
        named: bool,
        indicator: Indicator,
        objective: float,
        window: Duration | None,
        paging: bool | None,
        application_signals: bool,
    ) -> ServiceLevelObjective:
        """Check the settings together, then create the objective (nothing before)."""
        where = self._where
        objective = check_objective(where, "objective", objective)
        days = check_window(where, "window", window or Duration.days(30))
        prop = "name" if named else "target"
        check_name_part(where, prop, name)
        if any(slo.name == name for slo in self._slos()):
            raise ValidationError(
                where,
                prop,
                name,
                "is already the name of an objective of this monitoring: their alarms would "
                "have the same names; give another name",
            )
        label = f"slo-{name}"
        for row in POLICY:  # the longest names, checked before anything exists
            self._factory.name(label, _window_key(row, row.short_window_minutes))
        if application_signals and any(
            not isinstance(m, cw.Metric) for m in indicator.metrics.values()
        ):
            raise ValidationError(
                where,
                "application_signals",
                True,
                "needs plain metrics (cloudwatch.Metric) for good and total: Application "
                "Signals takes metric queries, not nested math expressions",
            )
        signals_name = f"{self._stage.value}-{self._service}-{name}"
        if application_signals and len(signals_name) > _MAX_SIGNALS_NAME:
            raise ValidationError(
                where,
                prop,
                name,
                f"makes the Application Signals objective's name {signals_name!r} "
                f"{len(signals_name)} characters; Application Signals allows "
                f"{_MAX_SIGNALS_NAME}: give a shorter name",
            )
        pages = self._stage is not Stage.DEV if paging is None else paging
        slo = self._build(
            name=name,
            label=label,
            indicator=indicator,
            objective=objective,
            days=days,
            pages=pages,
            application_signals=application_signals,
        )
        self._slos().append(slo)
        return slo

    def _build(
        self,
        *,
        name: str,
        label: str,
        indicator: Indicator,
        objective: float,
        days: int,
        pages: bool,
        application_signals: bool,
    ) -> ServiceLevelObjective:
        scope = Construct(typing.cast("Construct", self), f"Slo{name}")
        budget = burn_threshold(1, objective)
        ratio = targets.ratio_expression(indicator)
        title = f"{name} ({objective:g}% over {days} days)"

        def expression(
            period: Duration, label_text: str, text: str = ratio, suffix: str = ""
        ) -> cw.MathExpression:
            metrics = dict(indicator.metrics)
            if suffix:  # two periods in one graph: CloudWatch needs other ids for the other
                ids = re.compile(r"\b(" + "|".join(map(re.escape, metrics)) + r")\b")
                text = ids.sub(lambda found: found.group(1) + suffix, text)
                metrics = {key + suffix: value for key, value in metrics.items()}
            return cw.MathExpression(
                expression=text,
                using_metrics=metrics,
                period=period,
                label=label_text,
            )

        # The window and composite alarms of every row, their actions and ARNs: one request
        # to the jsii kernel (then one to read where their acknowledgements go).
        program = Program()
        rule, alarm_state = (
            enum("aws_cloudwatch.AlarmRule"),
            enum("aws_cloudwatch.AlarmState.ALARM"),
        )
        stack = program.op("stackOf", scope)
        planned: list[tuple[BurnRatePolicy, float, Severity, list[Slot], Slot, Slot]] = []
        for row in POLICY:
            threshold = burn_threshold(row.burn_rate, objective)
            made = []
            for minutes in (row.long_window_minutes, row.short_window_minutes):
                key = _window_key(row, minutes).replace("-", "_")
                made.append(
                    program.new(
                        "aws_cloudwatch.Alarm",
                        scope,
                        _construct_id(key),
                        {
                            "alarmName": self._factory.name(label, _window_key(row, minutes)),
                            "alarmDescription": (
                                f"{title}: the error ratio over {_human(minutes)} is at least "
                                f"{threshold:g} ({row.burn_rate:g}x the budget of "
                                f"{budget:g}). Bad events: {indicator.description}. Feeds the "
                                "composite alarm "
                                f"{self._factory.name(label, row.key.replace('_', '-'))}."
                            ),
                            "metric": program.new(
                                "aws_cloudwatch.MathExpression",
                                {
                                    "expression": ratio,
                                    "usingMetrics": dict(indicator.metrics),
                                    "period": seconds(minutes * 60),
                                    "label": f"error ratio ({_human(minutes)})",
                                },
                            ),
                            "threshold": threshold,
                            "comparisonOperator": enum(
                                "aws_cloudwatch.ComparisonOperator"
                                ".GREATER_THAN_OR_EQUAL_TO_THRESHOLD"
                            ),
                            "evaluationPeriods": 1,
                            "datapointsToAlarm": 1,
                            "treatMissingData": enum(
                                "aws_cloudwatch.TreatMissingData.NOT_BREACHING"
                            ),
                        },
                    )
                )
            long_alarm, short_alarm = made
            severity = row.severity if pages else Severity.WARNING
            composite_name = self._factory.name(label, row.key.replace("_", "-"))
            composite = program.new(
                "aws_cloudwatch.CompositeAlarm",
                scope,
                _construct_id(row.key),
                {
                    "compositeAlarmName": composite_name,
                    "alarmDescription": (
                        f"[{severity.value}] {title}: the error budget burns at "
                        f"{row.burn_rate:g}x or more over {_human(row.long_window_minutes)}, "
                        f"confirmed over {_human(row.short_window_minutes)} "
                        f"({row.budget_consumed(days):.1%} of the budget spent). What to do: "
                        f"{row.action} Runbook: {self._runbook}#{row.anchor}"
                    ),
                    "alarmRule": program.call(
                        rule,
                        "allOf",
                        program.call(rule, "fromAlarm", long_alarm, alarm_state),
                        program.call(rule, "fromAlarm", short_alarm, alarm_state),
                    ),
                },
            )
            action = self._actions[severity]
            program.call(composite, "addAlarmAction", action)
            program.call(composite, "addOkAction", action)
            arn = program.call(
                stack,
                "formatArn",
                {
                    "service": "cloudwatch",
                    "resource": "alarm",
                    "resourceName": composite_name,
                    "arnFormat": enum("ArnFormat.COLON_RESOURCE_NAME"),
                },
            )
            planned.append((row, threshold, severity, made, composite, arn))
        values = iter(program.read(*(s for p in planned for s in (*p[3], p[4], p[5]))))
        alarms: dict[str, cw.Alarm] = {}
        thresholds: dict[str, float] = {}
        rows: list[BurnRateAlarm] = []
        composites: dict[str, cw.CompositeAlarm] = {}
        for row, threshold, severity, _, _, _ in planned:
            long_alarm, short_alarm, composite, arn = (next(values) for _ in range(4))
            for minutes, alarm in zip(
                (row.long_window_minutes, row.short_window_minutes),
                (long_alarm, short_alarm),
                strict=True,
            ):
                key = _window_key(row, minutes).replace("-", "_")
                alarms[key] = alarm
                thresholds[key] = threshold
            composites[row.key] = composite
            self._alarm_arns.append(arn)
            rows.append(
                BurnRateAlarm(
                    key=row.key,
                    burn_rate=row.burn_rate,
                    threshold=threshold,
                    long_window=row.long_window,
                    short_window=row.short_window,
                    long_alarm=long_alarm,
                    short_alarm=short_alarm,
                    composite=composite,
                    severity=severity,
                    budget_consumed=row.budget_consumed(days),
                )
            )
        window_alarms = list(alarms.values())
        remember_places(window_alarms)
        for alarm in window_alarms:
            acknowledge_library_check(alarm, "cfn-guard", "CT.CLOUDWATCH.PR.1", _NO_ACTION_REASON)
            acknowledge(
                alarm,
                _NO_ACTION_REASON,
                "HIPAA.Security-CloudWatchAlarmAction",
                "NIST.800.53.R5-CloudWatchAlarmAction",
            )
        self._widgets(
            name=name,
            title=title,
            indicator=indicator,
            expression=expression,
            budget=budget,
            days=days,
        )
        signals = (
            _application_signals(
                scope,
                stage=self._stage.value,
                service=self._service,
                name=name,
                indicator=indicator,
                objective=objective,
                days=days,
            )
            if application_signals
            else None
        )
        return ServiceLevelObjective(
            name=name,
            objective=objective,
            window=Duration.days(days),
            error_budget=budget,
            error_ratio=expression(Duration.minutes(5), "error ratio"),
            expression=ratio,
            burn_rates=tuple(rows),
            pages=pages,
            service_level_objective=signals,
            alarms=alarms,
            composite_alarms=composites,
            thresholds=thresholds,
        )

    def _widgets(
        self,
        *,
        name: str,
        title: str,
        indicator: Indicator,
        expression: typing.Callable[..., cw.MathExpression],
        budget: float,
        days: int,
    ) -> None:
        """The budget left over the window, its burn-down, and the burn rate."""
        if self._main is None:
            return
        ratio = targets.ratio_expression(indicator)
        left = expression(
            Duration.hours(1), "budget left (%)", f"100 * (1 - ({ratio}) / {budget:g})"
        )
        bad, total = f"RUNNING_SUM({indicator.bad})", f"RUNNING_SUM({indicator.total})"
        burndown = expression(
            Duration.hours(math.ceil(days / 30)),
            "budget left (%)",
            f"IF({total} > 0, 100 * (1 - ({bad} / {total}) / {budget:g}), 100)",
        )
        rate = [
            expression(
                Duration.minutes(minutes),
                f"burn rate ({_human(minutes)})",
                f"({ratio}) / {budget:g}",
                f"_{window_label(minutes)}",
            )
            for minutes in (5, 60)
        ]
        start = f"-P{days}D"
        self._main.add_widgets(
            cw.SingleValueWidget(
                title=f"SLO {title}: error budget left",
                metrics=[left],
                set_period_to_time_range=True,
                start=start,
                width=6,
                height=6,
            ),
            cw.GraphWidget(
                title=f"SLO {name}: error budget left over {days} days (%)",
                left=[burndown],
                start=start,
                width=9,
                height=6,
                left_annotations=[cw.HorizontalAnnotation(value=0, label="budget spent")],
            ),
            cw.GraphWidget(
                title=f"SLO {name}: burn rate (1 = the budget lasts the window)",
                left=rate,
                width=9,
                height=6,
                left_annotations=[
                    cw.HorizontalAnnotation(
                        value=row.burn_rate, label=f"{row.key} ({row.burn_rate:g}x)"
                    )
                    for row in POLICY
                ],
            ),
        )


def _window_key(row: BurnRatePolicy, minutes: int) -> str:
    """``fast-burn-1h``: the last part of a window alarm's name."""
    return f"{row.key.replace('_', '-')}-{window_label(minutes)}"


def _construct_id(key: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_-]", key))


def _human(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} days"
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def _application_signals(
    scope: Construct,
    *,
    stage: str,
    service: str,
    name: str,
    indicator: Indicator,
    objective: float,
    days: int,
) -> applicationsignals.CfnServiceLevelObjective:
    """The objective as an Application Signals request-based objective: bad and total
    counts as metric queries, its window as a rolling interval and the policy's long windows
    as burn-rate look-back windows."""

    def queries(
        result: str,
    ) -> list[applicationsignals.CfnServiceLevelObjective.MetricDataQueryProperty]:
        found: list[applicationsignals.CfnServiceLevelObjective.MetricDataQueryProperty] = []
        for metric_id, metric in indicator.metrics.items():
            metric = typing.cast("cw.Metric", metric)
            found.append(
                applicationsignals.CfnServiceLevelObjective.MetricDataQueryProperty(
                    id=metric_id,
                    return_data=False,
                    metric_stat=applicationsignals.CfnServiceLevelObjective.MetricStatProperty(
                        metric=applicationsignals.CfnServiceLevelObjective.MetricProperty(
                            namespace=metric.namespace,
                            metric_name=metric.metric_name,
                            dimensions=[
                                applicationsignals.CfnServiceLevelObjective.DimensionProperty(
                                    name=key, value=str(value)
                                )
                                for key, value in (metric.dimensions or {}).items()
                            ],
                        ),
                        period=60,
                        stat=metric.statistic,
                    ),
                )
            )
        found.append(
            applicationsignals.CfnServiceLevelObjective.MetricDataQueryProperty(
                id="result", expression=result, return_data=True
            )
        )
        return found

    return applicationsignals.CfnServiceLevelObjective(
        scope,
        "ServiceLevelObjective",
        name=f"{stage}-{service}-{name}",  # checked: at most 128 characters
        description=f"{objective:g}% of {service}'s events are good over {days} days; bad: "
        f"{indicator.description}."[:1024],
        goal=applicationsignals.CfnServiceLevelObjective.GoalProperty(
            attainment_goal=objective,
            interval=applicationsignals.CfnServiceLevelObjective.IntervalProperty(
                rolling_interval=applicationsignals.CfnServiceLevelObjective.RollingIntervalProperty(
                    duration=days, duration_unit="DAY"
                )
            ),
        ),
        request_based_sli=applicationsignals.CfnServiceLevelObjective.RequestBasedSliProperty(
            request_based_sli_metric=applicationsignals.CfnServiceLevelObjective.RequestBasedSliMetricProperty(
                total_request_count_metric=queries(indicator.total),
                monitored_request_count_metric=applicationsignals.CfnServiceLevelObjective.MonitoredRequestCountMetricProperty(
                    bad_count_metric=queries(indicator.bad)
                ),
            )
        ),
        burn_rate_configurations=[
            applicationsignals.CfnServiceLevelObjective.BurnRateConfigurationProperty(
                look_back_window_minutes=row.long_window_minutes
            )
            for row in POLICY
        ],
    )
