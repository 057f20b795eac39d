"""``ServiceMonitoring``: alarms and dashboards for the resources of one service."""

from __future__ import annotations

import functools
import importlib.metadata
import re
import typing
import weakref
from collections.abc import Callable, Mapping, Sequence

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct, Node

from org_constructs._internal import checks
from org_constructs._internal.kernel import Slot
from org_constructs._internal.lazy import lazy_module
from org_constructs._internal.nodes import id_of, path_of
from org_constructs._internal.tokens import unresolved
from org_constructs.config import Stage
from org_constructs.config._model import check_runbook_url
from org_constructs.contract import DOCS_SOURCE
from org_constructs.core import QueueWithDeadLetter, config_of, stage_of
from org_constructs.errors import ValidationError
from org_constructs.monitoring import _targets as targets
from org_constructs.monitoring._async_packs import AsyncPacks
from org_constructs.monitoring._container_packs import ContainerPacks
from org_constructs.monitoring._dashboards import create_dashboards
from org_constructs.monitoring._data_packs import DataPacks
from org_constructs.monitoring._factory import (
    AlarmFactory,
    MonitoredAlarm,
    MonitoredResource,
    PackCall,
)
from org_constructs.monitoring._lazy import LazyAnyAlarmRule
from org_constructs.monitoring._objectives import Objectives
from org_constructs.monitoring._packs import PACKS, Pack, PackChecks, PackSpec, Shared
from org_constructs.monitoring._packs import api as api_pack
from org_constructs.monitoring._packs import custom as custom_pack
from org_constructs.monitoring._packs import database as database_pack
from org_constructs.monitoring._packs import lambda_ as lambda_pack
from org_constructs.monitoring._packs import nat as nat_pack
from org_constructs.monitoring._packs import nat_instance as nat_instance_pack
from org_constructs.monitoring._packs._checks import Watchlist
from org_constructs.monitoring._service_checks import TopicLike, check_dashboards, check_topics
from org_constructs.monitoring._settings import (
    AlarmLevels,
    AlarmSettings,
    ResolvedAlarm,
    Severity,
    alarm_description,
    alarm_name,
    check_name_part,
    check_period,
)
from org_constructs.monitoring._topic import AlarmTopic
from org_constructs.network import StandardVpc

if typing.TYPE_CHECKING:
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_rds as rds

    from org_constructs.api import SecureApi
    from org_constructs.database import SecureDatabase
else:
    apigw = lazy_module("aws_cdk.aws_apigateway")
    rds = lazy_module("aws_cdk.aws_rds")


__all__ = [
    "MonitoredResource",
    "ServiceMonitoring",
    "alarm_description",
    "default_runbook_url",
]


def default_runbook_url() -> str:
    """The alarm catalogue of the installed version of the library, which alarms link by
    default: ``https://github.com/org-constructs/org-constructs/blob/v<version>/docs/alarms.md``
    (the ``main`` branch's when the package's version cannot be read)."""
    try:
        ref = f"v{importlib.metadata.version('org-constructs')}"
    except importlib.metadata.PackageNotFoundError:
        ref = "main"
    return f"{DOCS_SOURCE}/{ref}/docs/alarms.md"


class ServiceMonitoring(AsyncPacks, DataPacks, ContainerPacks, Objectives, Construct):
    """Alarms and dashboards for one service, added resource by resource.

    Each ``monitor_*`` call adds a pack: alarms with real dimensions (never ``'*'``), actions
    on ALARM and OK, and widgets on the service's two dashboards. Alarm names are
    ``<stage>-<service>-<resource>-<alarm>``. Critical alarms also feed one composite alarm,
    ``<stage>-<service>-service-unhealthy``.

    Parameters
    ----------
    scope, construct_id:
        As for any construct.
    service_name:
        The service, in alarm and dashboard names: letters, digits, ``-``, ``_``, ``.``.
    alarm_topic:
        Where every alarm goes, unless ``critical_topic`` / ``warning_topic`` say otherwise.
    critical_topic, warning_topic:
        Route alarms by severity. Default: ``alarm_topic``
    stage:
        The stage in names; in an ``AbstractStack``, only its own stage. Default: - the
        ``AbstractStack``'s stage (required elsewhere)
    dashboards:
        Create the main and performance dashboards. Default: True
    performance_dashboard:
        A second dashboard for latency percentiles, concurrency and database load; with
        False those widgets go to the main dashboard instead (one dashboard costs 3 USD a month
        less). Default: - True with ``dashboards``
    composite_alarm:
        Create the "service unhealthy" composite alarm from the critical alarms. Default: True
    dashboard_range:
        Time range the dashboards open with. Default: 3 hours
    runbook_url:
        The team's own runbook page, an ``https://`` URL without ``#fragment``: every alarm's
        description (the composite's too) links ``<runbook_url>#<alarm anchor>``, the anchors
        of the alarm catalogue (``lambda-error-rate``, ``service-unhealthy``). Default: - the
        ``runbook_url`` of the ``AbstractStack``'s environment, else the alarm catalogue of
        the installed version, ``https://github.com/org-constructs/org-constructs/blob/
        v<version>/docs/alarms.md``

    Raises
    ------
    ValidationError
        When no topic is given (alarms would notify nobody), for a service name with other
        characters, when the stage cannot be known, for ``alarm_topic`` with both
        ``critical_topic`` and ``warning_topic`` (it would never be used), a topic of
        another region (alarms notify topics of their own region only), or when another
        ``ServiceMonitoring`` of the app has the same stage and service where their alarm or
        dashboard names would collide; for a ``runbook_url`` that is not an ``https://`` URL
        without fragment of at most 256 characters.

    Example
    -------
    ::

        topic = AlarmTopic.from_config(self, "Alarms", self.config)
        monitoring = ServiceMonitoring(self, "Monitoring", service_name="orders",
                                       alarm_topic=topic)
        monitoring.monitor_lambda_function(handler)
        monitoring.monitor_rest_api(api)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_name: str,
        alarm_topic: TopicLike | None = None,
        critical_topic: TopicLike | None = None,
        warning_topic: TopicLike | None = None,
        stage: Stage | str | None = None,
        dashboards: bool = True,
        performance_dashboard: bool | None = None,
        composite_alarm: bool = True,
        dashboard_range: Duration | None = None,
        runbook_url: str | None = None,
    ) -> None:
        where = f"ServiceMonitoring({construct_id!r})"
        checks.check_arguments(where, ServiceMonitoring.__init__, locals())
        checks.check_scope(where, scope, construct_id)
        scope_stage = stage_of(scope)
        resolved_stage = Stage.parse(stage, where=where) if stage is not None else scope_stage
        if scope_stage is not None and resolved_stage is not scope_stage:
            raise ValidationError(
                where,
                "stage",
                typing.cast("Stage", resolved_stage).value,
                f"contradicts the stage of the AbstractStack it is in ({scope_stage.value}): "
                "alarms and dashboards would carry the other stage's name; leave stage out",
            )
        if resolved_stage is None:
            raise ValidationError(
                where, "stage", None, "is required outside an AbstractStack (it starts every name)"
            )
        check_name_part(where, "service_name", service_name)
        if composite_alarm:
            alarm_name(where, resolved_stage.value, service_name, "service-unhealthy")
        if dashboards:
            check_dashboards(where, resolved_stage, service_name, dashboard_range)
        elif performance_dashboard:
            raise ValidationError(
                where,
                "performance_dashboard",
                performance_dashboard,
                "cannot be True with dashboards=False",
            )
        elif dashboard_range is not None:
            raise ValidationError(
                where,
                "dashboard_range",
                dashboard_range.to_human_string(),
                "cannot be given with dashboards=False",
            )
        topics = {
            Severity.CRITICAL: critical_topic or alarm_topic,
            Severity.WARNING: warning_topic or alarm_topic,
        }
        for severity, topic in topics.items():
            if topic is None:
                raise ValidationError(
                    where,
                    f"{severity.value.lower()}_topic",
                    None,
                    "is missing: give alarm_topic (or both critical_topic and warning_topic); "
                    "alarms without actions notify nobody",
                )
        check_topics(where, scope, alarm_topic, critical_topic, warning_topic)
        root = _check_unique_service(where, scope, resolved_stage, service_name, dashboards)
        if runbook_url is not None:
            check_runbook_url(where, "runbook_url", runbook_url)
        else:
            config = config_of(scope)
            runbook_url = config.runbook_url if config is not None else None
        super().__init__(scope, construct_id)
        self._runbook = runbook_url or default_runbook_url()
        self._where = where
        self._stage = resolved_stage
        self._service = service_name
        self._actions = {
            severity: (
                topic.alarm_action if isinstance(topic, AlarmTopic) else cw_actions.SnsAction(topic)
            )
            for severity, topic in topics.items()
            if topic is not None
        }
        self._factory = AlarmFactory(where, (resolved_stage.value, service_name), self._actions)
        self._watchlist = Watchlist()
        self._records: list[MonitoredAlarm] = []
        self._alarm_arns: list[str] = []
        """Name-based ARNs of the alarms, for the status widget (built once, not per render)."""
        self._arn_prefix: str | None = None
        """``arn:<partition>:cloudwatch:<region>:<account>:alarm:``, formatted once."""
        self._unordered: list[cw.Alarm] = []
        """Critical alarms the composite alarm does not depend on yet (added per call)."""
        self._composite_enabled = composite_alarm
        self._composite: cw.CompositeAlarm | None = None
        self._composite_node: Node | None = None
        self._main: cw.Dashboard | None = None
        self._performance: cw.Dashboard | None = None
        self._dashboards = dashboards
        self._root = root
        self._stack = Stack.of(self)
        self._region = self._stack.region
        if dashboards:
            self._main, self._performance = create_dashboards(
                self,
                stage=resolved_stage.value,
                service=service_name,
                runbook=self._runbook,
                alarm_arns=self._alarm_arns,
                dashboard_range=dashboard_range or Duration.hours(3),
                performance=performance_dashboard is not False,
            )
        _INSTANCES.add(self)
        # The alarm topic's dead-letter queue (notifications that could not be delivered) is
        # watched by the monitoring of its stack.
        for topic in dict.fromkeys(t for t in topics.values() if isinstance(t, AlarmTopic)):
            if Stack.of(topic) is self._stack:
                self.monitor_dead_letter_queue(
                    topic.dead_letter_queue, label=f"{id_of(topic)}DeadLetters"
                )

    # ----------------------------------------------------------------------------- packs

    def monitor_lambda_function(
        self,
        function: lambda_.IFunction,
        *,
        label: str | None = None,
        timeout: Duration | None = None,
        reserved_concurrency: int | None = None,
        event_source_mapped: bool | None = None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> MonitoredResource:
        """Alarms and widgets for a Lambda function or alias.

        Parameters
        ----------
        function:
            A function, version or alias (an alias's metrics cover only its traffic).
        label:
            The resource part of alarm names. Default: - the function's construct id
        timeout:
            The function's timeout, for the duration alarms. Default: - the function's own
            when it is a ``Function``, else 3 seconds
        reserved_concurrency:
            For the concurrency alarm. Default: - 1,000, the default account quota
        event_source_mapped:
            Add the iterator age alarm. Default: - True when the function has an event source
            mapping in this app
        alarms:
            Overrides by alarm key (see the alarm catalogue): an ``AlarmSettings``, or an
            ``AlarmLevels`` for a warning and a critical alarm on the same metric.

        Raises
        ------
        ValidationError
            For a target that is not a function (a ``MonitoredFunction``: give its
            ``.alias``), of another region or already monitored in this service; a
            ``timeout`` or ``reserved_concurrency`` that contradicts the function's own; an
            override of an alarm the function cannot have (``iterator_age`` without an event
            source); a bad label or alarm setting. Nothing is created.
        """
        return self._monitor(lambda_pack.PACK, locals())[0]

    def monitor_rest_api(
        self,
        api: SecureApi | apigw.RestApi | None = None,
        *,
        api_name: str | None = None,
        stage_name: str | None = None,
        label: str | None = None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> MonitoredResource:
        """Alarms and widgets for an API Gateway REST API stage.

        Give ``api`` (a ``SecureApi`` or a ``RestApi``: its name and deployment stage are used)
        or ``api_name`` and ``stage_name`` (for an API defined elsewhere). With ``api``,
        ``stage_name`` may name another of its stages (an ``apigateway.Stage`` of it), and
        ``api_name`` and ``stage_name`` that contradict the api are refused. The label defaults
        to the construct id of the ``SecureApi`` (or ``RestApi``).
        """
        return self._monitor(api_pack.PACK, locals())[0]

    def monitor_database(
        self,
        database: SecureDatabase | rds.IDatabaseInstance | rds.IDatabaseCluster,
        *,
        label: str | None = None,
        allocated_storage_gib: int | None = None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> MonitoredResource:
        """Alarms and widgets for an RDS instance or an Aurora cluster.

        Parameters
        ----------
        database:
            A ``SecureDatabase``, a ``DatabaseInstance`` (or read replica) or a
            ``DatabaseCluster``. Aurora clusters also get ``deadlocks``, and Serverless v2
            clusters ``acu_utilization``.
        label:
            The resource part of alarm names. Default: - the construct id (the
            ``SecureDatabase``'s for one)
        allocated_storage_gib:
            The instance's allocated storage, for the free-storage percentage alarm; a
            ``SecureDatabase`` gives its own. Default: - that alarm is left out
        """
        return self._monitor(database_pack.PACK, locals())[0]

    def monitor_nat_gateways(
        self,
        vpc: StandardVpc | ec2.IVpc | None = None,
        *,
        nat_gateway_ids: Sequence[str] | None = None,
        label: str = "nat",
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> list[MonitoredResource]:
        """Alarms per NAT gateway (ids resolved from the VPC) and NAT traffic widgets.

        Give ``vpc`` (a ``StandardVpc`` or an ``ec2.Vpc`` defined in this app) or, for a VPC
        defined elsewhere, ``nat_gateway_ids``. A VPC whose NAT devices are instances
        (``StandardVpc(nat_instance_type=...)``) is watched by ``monitor_nat_instances``.
        """
        return self._monitor(nat_pack.PACK, locals())

    def monitor_nat_instances(
        self,
        vpc: StandardVpc | ec2.IVpc | None = None,
        *,
        nat_instance_ids: Sequence[str] | None = None,
        burstable: bool | None = None,
        label: str = "nat",
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None = None,
    ) -> list[MonitoredResource]:
        """Alarms per NAT instance (status checks, CPU, CPU credits) and NAT widgets.

        The NAT instances of ``StandardVpc(nat_instance_type=...)``: their recovery on a
        failed system check is the VPC's own alarm; these alarms tell people, and with a
        ``StandardVpc`` its recovery alarms also notify the critical topic (alarm and OK).

        Parameters
        ----------
        vpc:
            A ``StandardVpc`` or an ``ec2.Vpc`` defined in this app, whose NAT instances are
            found in its public subnets.
        nat_instance_ids:
            For a VPC defined elsewhere: the instances' ids (``'i-0123456789abcdef0'``).
        burstable:
            With ``nat_instance_ids``: their type earns CPU credits (``t4g``), so the
            ``cpu_credit_balance`` alarm is added. Default: - read from the VPC's
            instances; False for ``nat_instance_ids``
        label:
            The first part of each instance's label, numbered as its public subnet
            (``nat1``, ``nat2``). Default: ``'nat'``
        alarms:
            Overrides by alarm key (see the alarm catalogue).

        Raises
        ------
        ValidationError
            When both or neither of ``vpc`` and ``nat_instance_ids`` are given, the VPC has no
            NAT instances (it may run gateways: ``monitor_nat_gateways``), an id is malformed
            or given twice, ``burstable`` is given with ``vpc``, or for a bad label or alarm
            setting; nothing is created.
        """
        return self._monitor(nat_instance_pack.PACK, locals())

    def monitor_metric(
        self,
        metric: cw.IMetric,
        *,
        label: str,
        threshold: float,
        comparison: cw.ComparisonOperator = cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        period: Duration | None = None,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
        treat_missing_data: cw.TreatMissingData = cw.TreatMissingData.NOT_BREACHING,
        severity: Severity = Severity.WARNING,
        description: str | None = None,
    ) -> MonitoredResource:
        """An alarm on any metric, for what the packs do not cover.

        ``label`` names the alarm; ``description`` should say what to do when it fires.
        ``period`` defaults to the metric's own period (5 minutes unless it was built with
        another); a ``period`` that contradicts another period the metric was built with is
        refused.

        Raises
        ------
        ValidationError
            For a metric an alarm cannot watch: of another region, a math expression that
            uses ``SEARCH``, sets ``search_account`` or ``search_region``, or uses more than
            10 metrics; for a period alarms refuse, and for a bad label or alarm setting;
            nothing is created.
        """
        return self._monitor(custom_pack.PACK, locals())[0]

    def add_fleet_search(
        self,
        title: str,
        search: str,
        *,
        statistic: str = "Sum",
        period: Duration | None = None,
    ) -> None:
        """Add a fleet-wide graph from a CloudWatch ``SEARCH`` expression to the main dashboard.

        ``search`` is the search term, for example
        ``'{AWS/Lambda,FunctionName} MetricName="Errors"'``.
        """
        checks.check_arguments(self._where, ServiceMonitoring.add_fleet_search, locals())
        if _SEARCH_CALL.match(search):
            raise ValidationError(
                self._where,
                "search",
                search,
                "is a whole SEARCH(...) expression: give only its search term, such as "
                "'{AWS/Lambda,FunctionName} MetricName=\"Errors\"'; statistic and period are "
                "parameters",
            )
        if not _STATISTIC.fullmatch(statistic):
            raise ValidationError(
                self._where,
                "statistic",
                statistic,
                "must be a CloudWatch statistic: SampleCount, Average, Sum, Minimum, Maximum, "
                "IQM or a percentile such as p99 (also tm99, wm99, tc99, ts99)",
            )
        for prop, value in (("search", search), ("statistic", statistic)):
            if not value or "'" in value:
                raise ValidationError(
                    self._where, prop, value, "must be non-empty text without single quotes"
                )
        if period is not None:
            check_period(self._where, "period", period, sub_minute=(1, 5, 10, 30))
        self._add_main(_search_widget(title, search, statistic, period or Duration.minutes(5)))

    # ----------------------------------------------------------------------------- checks

    def check_lambda_function(
        self,
        label: str,
        *,
        timeout: Duration | None = None,
        reserved_concurrency: int | None = None,
    ) -> None:
        """Refuse now what ``monitor_lambda_function(fn, label=label, timeout=timeout,
        reserved_concurrency=reserved_concurrency)`` would refuse later, before ``fn`` exists.

        For a construct that takes ``monitoring=`` and monitors its own function once it has
        made it (``MonitoredFunction``): it calls this first, so that a label already
        monitored, a name too long for CloudWatch or a timeout out of range leave nothing
        half-made.

        Parameters
        ----------
        label:
            The resource part of the alarm names.
        timeout:
            The function's timeout. Default: - none given
        reserved_concurrency:
            The function's reserved concurrency. Default: - none given

        Raises
        ------
        ValidationError
            For a label already monitored in this service or that makes an alarm name
            CloudWatch refuses, a timeout outside 1 second to 15 minutes, a reserved
            concurrency below 1.
        """
        checks.check_arguments(self._where, ServiceMonitoring.check_lambda_function, locals())
        lambda_pack.check_settings(
            self._checks(lambda_pack.PACK),
            label,
            None,
            timeout=timeout,
            reserved_concurrency=reserved_concurrency,
            alarms=None,
        )

    def monitors(self, target: sqs.IQueue | QueueWithDeadLetter | lambda_.IFunction) -> bool:
        """Whether ``target`` (an SQS queue or a ``SecureQueue``, a Lambda function, version or
        alias) is monitored here already."""
        checks.check_arguments(self._where, ServiceMonitoring.monitors, locals())
        if isinstance(target, QueueWithDeadLetter) and not isinstance(target, sqs.QueueBase):
            target = target.queue
        if isinstance(target, sqs.QueueBase):
            key: tuple[str, ...] = ("sqs", target.queue_arn)
        elif isinstance(target, lambda_.FunctionBase):
            key = ("lambda", target.function_arn)
        else:
            return False
        return any(seen == key for seen, _ in self._watchlist.watched)

    def check_label(self, label: str, *, method: str) -> None:
        """Refuse now what ``<method>(resource, label=label)`` would refuse later, before the
        resource exists: a label already monitored here, or one that makes an alarm name
        CloudWatch refuses. For a construct that takes ``monitoring=`` and monitors itself once
        built (``SecureTable``, ``SecureStateMachine``...).

        Raises
        ------
        ValidationError
            Naming ``label``; or ``method`` when it is no ``monitor_*`` method.
        """
        checks.check_arguments(self._where, ServiceMonitoring.check_label, locals())
        packs = {pack.method: pack for pack in PACKS.values()}
        if method not in packs:
            raise ValidationError(
                self._where, "method", method, f"must be one of {', '.join(sorted(packs))}"
            )
        pack_checks = self._checks(packs[method])
        pack_checks.resolve([pack_checks.label(label, None)], None)

    def check_region(self, prop: str, target: Construct) -> None:
        """Refuse ``target`` (the caller's argument ``prop``) when its stack is in another
        region than this monitoring's: CloudWatch alarms watch metrics of their own region.

        Raises
        ------
        ValidationError
            Naming ``prop``, when both regions are known and differ.
        """
        checks.check_arguments(self._where, ServiceMonitoring.check_region, locals())
        self._checks(lambda_pack.PACK).check_region(prop, target)

    # ----------------------------------------------------------------------------- results

    @property
    def service_name(self) -> str:
        """The service part of every name this monitoring writes (alarms, dashboards)."""
        return self._service

    @property
    def alarms(self) -> dict[str, cw.Alarm]:
        """Every alarm, by name."""
        return {record.name: record.alarm for record in self._records}

    @property
    def alarm_records(self) -> list[MonitoredAlarm]:
        """Every alarm with what it is (severity, resource label, catalogue entry), in order."""
        return list(self._records)

    @property
    def critical_alarms(self) -> list[cw.Alarm]:
        """The alarms of severity Critical."""
        return [r.alarm for r in self._records if r.severity is Severity.CRITICAL]

    @property
    def resources(self) -> list[MonitoredResource]:
        """What each pack created, in the order added."""
        return list(self._watchlist.resources)

    @property
    def stage(self) -> Stage:
        """The stage that starts every name this monitoring writes."""
        return self._stage

    @property
    def runbook_url(self) -> str:
        """The page every alarm's description links, with the alarm's anchor."""
        return self._runbook

    @property
    def composite_alarm(self) -> cw.CompositeAlarm | None:
        """The "service unhealthy" composite alarm, once a critical alarm exists."""
        return self._composite

    @property
    def main_dashboard(self) -> cw.Dashboard | None:
        return self._main

    @property
    def performance_dashboard(self) -> cw.Dashboard | None:
        return self._performance

    # ----------------------------------------------------------------------------- internals

    def _check_arguments(
        self, method: Callable[..., object], arguments: Mapping[str, object], target: str
    ) -> None:
        """The arguments' types; a ``target`` of the wrong kind is refused with the method or
        attribute that takes it (a ``MonitoredFunction``'s ``.alias``...)."""
        try:
            checks.check_arguments(self._where, method, arguments)
        except ValidationError as error:
            if error.prop == target:
                targets.check_kind(self._where, target, arguments[target], method.__name__)
            raise

    def _checks(self, pack: PackSpec) -> PackChecks:
        return PackChecks(
            where=self._where,
            monitoring=self,
            stage=self._stage,
            service=self._service,
            factory=self._factory,
            watchlist=self._watchlist,
            pack=pack,
            region=self._region,
            stack=self._stack,
        )

    def _monitor(self, pack: PackSpec, arguments: Mapping[str, object]) -> list[MonitoredResource]:
        """The one path of every ``monitor_*`` method: the arguments' types (against
        ``pack.method``'s hints), the pack's own checks (nothing is created until they pass),
        then each resource's alarms and widgets and the pack's last step."""
        given = {name: value for name, value in arguments.items() if name != "self"}
        method = getattr(ServiceMonitoring, pack.method, None)
        if method is not None:
            self._check_arguments(method, given, pack.target)
        plan = pack.check(self._checks(pack), **given)
        resources = []
        # Every alarm, metric and widget of the call is recorded in one program and made in
        # one round trip to the jsii kernel (``_internal.kernel``).
        call = PackCall()
        for unit in plan.units:
            resource = self._watchlist.add(pack.name, unit.label, unit.watched)
            unit.build(self._pack(call, resource, unit.scope_id, plan.resolved))
            resources.append(resource)
        main, performance = self._adders(call)
        if plan.finish is not None:
            plan.finish(Shared(main, performance, self._actions[Severity.CRITICAL]))
        critical = call.critical()
        if self._composite_node is not None and critical:
            # The composite's rule names the critical alarms: CloudFormation makes them first.
            call.program.call(self._composite_node, "addDependency", *critical)
        self._records.extend(call.run())
        return resources

    def _pack(
        self,
        call: PackCall,
        resource: MonitoredResource,
        scope_id: str,
        resolved: Mapping[str, tuple[ResolvedAlarm, ...]],
    ) -> Pack:
        # The resource's scope is made with its alarms, in the program; until the composite
        # alarm exists (it is made with the first critical alarm), here, so that the
        # construct tree (and the template) keeps the order of creation.
        scope: Construct | Slot = (
            Construct(self, scope_id)
            if self._composite is None and self._composite_enabled
            else call.program.new("constructs.Construct", self, scope_id)
        )
        main, performance = self._adders(call)
        return Pack(
            resource=resource,
            scope=scope,
            resolved=resolved,
            create=functools.partial(self._alarm, call),
            main=main,
            performance=performance,
            program=call.program,
            seconds=self._factory.seconds,
        )

    def _alarm(
        self,
        call: PackCall,
        scope: Construct | Slot,
        resource: MonitoredResource,
        *,
        key: str,
        metric: cw.IMetric | Slot,
        settings: ResolvedAlarm,
        description: str | None,
        with_period: bool = True,
    ) -> None:
        """Record one alarm of ``resource`` in the call's program."""
        pending = self._factory.plan(
            call.program,
            scope,
            label=resource.label,
            key=key,
            metric=metric,
            settings=settings,
            description=description
            or alarm_description(settings.severity, settings.default, resource.pack, self._runbook),
            with_period=with_period,
        )
        call.pending.append((resource, pending))
        if self._arn_prefix is None:
            self._arn_prefix = _alarm_arn(self._stack, "")
        self._alarm_arns.append(self._arn_prefix + pending.name)
        if settings.severity is Severity.CRITICAL:
            self._ensure_composite()

    def _ensure_composite(self) -> None:
        if self._composite is not None or not self._composite_enabled:
            return
        name = alarm_name(self._where, self._stage.value, self._service, "service-unhealthy")
        self._composite = cw.CompositeAlarm(
            self,
            "ServiceUnhealthy",
            composite_alarm_name=name,
            alarm_description=f"[Critical] {self._service} is unhealthy: at least one critical "
            f"alarm is in ALARM. Runbook: {self._runbook}#service-unhealthy",
            alarm_rule=LazyAnyAlarmRule(
                lambda: [r.name for r in self._records if r.severity is Severity.CRITICAL]
            ),
        )
        action = self._actions[Severity.CRITICAL]
        self._composite.add_alarm_action(action)
        self._composite.add_ok_action(action)
        self._composite_node = self._composite.node

    def _add_main(self, *widgets: cw.IWidget) -> None:
        if self._main is not None:
            self._main.add_widgets(*widgets)

    def _adders(self, call: PackCall) -> tuple[Callable[..., None], Callable[..., None]]:
        """How a pack adds widgets (aws-cdk-lib's or the program's) to the main and the
        performance dashboard: in the call's program."""

        def adder(main: bool) -> Callable[..., None]:
            def add(*widgets: cw.IWidget | Slot) -> None:
                dashboard = self._main if main else self._performance or self._main
                if dashboard is not None and widgets:
                    call.program.call(dashboard, "addWidgets", *widgets)

            return add

        return adder(True), adder(False)


_SEARCH_CALL = re.compile(r"^\s*SEARCH\s*\(", re.IGNORECASE)
_STATISTIC = re.compile(
    r"^(SampleCount|Average|Sum|Minimum|Maximum|IQM|(p|tm|wm|tc|ts)(100|[0-9]{1,2})(\.[0-9]+)?)$"
)


_INSTANCES: weakref.WeakSet[ServiceMonitoring] = weakref.WeakSet()
"""Every ServiceMonitoring alive, to find two of one service in an app."""


def _check_unique_service(
    where: str, scope: Construct, stage: Stage, service_name: str, dashboards: bool
) -> IConstruct:
    """No other ServiceMonitoring of the app has this stage and service where their alarm
    names (per account and region) or dashboard names (per account) would be the same.

    Returns the app's root, read once: every ServiceMonitoring alive is compared (a test
    session holds thousands), so nothing is asked of the kernel per other instance."""
    root = scope.node.root
    stack: Stack | None = None

    def may_equal(ours: str, theirs: str) -> bool:
        return unresolved(ours) or unresolved(theirs) or ours == theirs

    for other in list(_INSTANCES):
        if other._root is root and other._service == service_name and other._stage is stage:
            stack = stack or Stack.of(scope)
            theirs = other._stack
            if may_equal(stack.account, theirs.account) and (
                may_equal(stack.region, theirs.region) or (dashboards and other._dashboards)
            ):
                raise ValidationError(
                    where,
                    "service_name",
                    service_name,
                    f"is already the service of {path_of(other)} in stage {stage.value}: "
                    "their alarms and dashboards would have the same names; add the resources "
                    "to that ServiceMonitoring, or give another service_name",
                )
    return root


def _search_widget(title: str, search: str, statistic: str, period: Duration) -> cw.GraphWidget:
    seconds = int(period.to_seconds())
    return cw.GraphWidget(
        title=title,
        width=12,
        left=[
            cw.MathExpression(
                expression=f"SEARCH('{search}', '{statistic}', {seconds})",
                using_metrics={},
                label="",
                period=period,
            )
        ],
    )


def _alarm_arn(stack: Stack, name: str) -> str:
    return stack.format_arn(
        service="cloudwatch",
        resource="alarm",
        resource_name=name,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
