"""``ServiceMonitoring``: alarms and dashboards for the resources of one service."""

from __future__ import annotations

import re
import typing
import weakref
from collections.abc import Callable, Collection, Mapping, Sequence

from aws_cdk import ArnFormat, CfnOutput, Duration, Stack, Token
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from constructs import Construct

from org_constructs.api import SecureApi
from org_constructs.config import Stage
from org_constructs.config import _checks as checks
from org_constructs.core import AbstractStack, stage_of
from org_constructs.database import SecureDatabase
from org_constructs.errors import ValidationError
from org_constructs.monitoring import _targets as targets
from org_constructs.monitoring._factory import AlarmFactory, MonitoredAlarm, MonitoredResource
from org_constructs.monitoring._lazy import LazyAlarmStatusWidget, LazyAnyAlarmRule
from org_constructs.monitoring._packs import ALARM_CATALOGUE, Pack
from org_constructs.monitoring._packs import api as api_pack
from org_constructs.monitoring._packs import custom as custom_pack
from org_constructs.monitoring._packs import database as database_pack
from org_constructs.monitoring._packs import lambda_ as lambda_pack
from org_constructs.monitoring._packs import nat as nat_pack
from org_constructs.monitoring._packs import nat_instance as nat_instance_pack
from org_constructs.monitoring._settings import (
    AlarmLevels,
    AlarmSettings,
    ResolvedAlarm,
    Severity,
    alarm_name,
    check_name_part,
    check_period,
    resolve,
    resolve_levels,
)
from org_constructs.monitoring._topic import AlarmTopic
from org_constructs.network import StandardVpc

__all__ = ["MonitoredResource", "ServiceMonitoring"]

TopicLike = AlarmTopic | sns.ITopic
RUNBOOK = "https://github.com/org-constructs/org-constructs/blob/main/docs/alarms.md"


class ServiceMonitoring(Construct):
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

    Raises
    ------
    ValidationError
        When no topic is given (alarms would notify nobody), for a service name with other
        characters, when the stage cannot be known, for ``alarm_topic`` with both
        ``critical_topic`` and ``warning_topic`` (it would never be used), a topic of
        another region (alarms notify topics of their own region only), or when another
        ``ServiceMonitoring`` of the app has the same stage and service where their alarm or
        dashboard names would collide.

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
            _check_dashboards(where, resolved_stage, service_name, dashboard_range)
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
        _check_topics(where, scope, alarm_topic, critical_topic, warning_topic)
        _check_unique_service(where, scope, resolved_stage, service_name, dashboards)
        super().__init__(scope, construct_id)
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
        self._resources: list[MonitoredResource] = []
        self._watched: list[tuple[tuple[str, ...], str]] = []
        """What each pack watches (``('lambda', <function ARN>)``...) and under which label."""
        self._records: list[MonitoredAlarm] = []
        self._alarm_arns: list[str] = []
        """Name-based ARNs of the alarms, for the status widget (built once, not per render)."""
        self._composite_enabled = composite_alarm
        self._composite: cw.CompositeAlarm | None = None
        self._main: cw.Dashboard | None = None
        self._performance: cw.Dashboard | None = None
        self._dashboards = dashboards
        self._root = scope.node.root
        if dashboards:
            self._create_dashboards(
                dashboard_range or Duration.hours(3), performance_dashboard is not False
            )
        _INSTANCES.add(self)

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
        self._check_arguments(ServiceMonitoring.monitor_lambda_function, locals(), "function")
        self._check_region("function", function)
        label, resolved = self._check_lambda(label, function, timeout, reserved_concurrency, alarms)
        if event_source_mapped is None:
            event_source_mapped = lambda_pack.has_event_source(function)
        self._check_possible(
            "lambda",
            alarms,
            [
                key
                for key in ALARM_CATALOGUE["lambda"]
                if key != "iterator_age" or event_source_mapped
            ],
            "this function has",
            "give event_source_mapped=True when an event source outside this app feeds it",
        )
        self._check_function_settings(function, timeout, reserved_concurrency)
        watched = [("lambda", function.function_arn)]
        self._check_unwatched("function", function, watched)
        resource = self._resource("lambda", label, watched)
        lambda_pack.monitor(
            self._pack(resource, f"Lambda{label}", resolved),
            function,
            timeout=timeout or lambda_pack.function_timeout(function),
            reserved_concurrency=reserved_concurrency,
            event_source_mapped=event_source_mapped,
        )
        return resource

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
        self._check_arguments(ServiceMonitoring.monitor_rest_api, locals(), "api")
        named: object = api
        if api is not None:
            self._check_region("api", api)
            self._check_api_names(api, api_name, stage_name)
        if isinstance(api, SecureApi):
            api_name = api_name or api.rest_api_name
            stage_name = stage_name or api.stage_name
            api = api.api
        if api is not None:
            api_name = api_name or api.rest_api_name
            if stage_name is None and api.latest_deployment is None:
                raise ValidationError(
                    self._where,
                    "stage_name",
                    None,
                    "is required for an api created with deploy=False: it has no deployment "
                    "stage of its own",
                )
            stage_name = stage_name or api.deployment_stage.stage_name
        for prop, dimension in (("api_name", api_name), ("stage_name", stage_name)):
            if dimension and not checks.is_token(dimension) and len(dimension) > _MAX_DIMENSION:
                raise ValidationError(
                    self._where,
                    prop,
                    dimension,
                    f"is a metric dimension: CloudWatch allows at most {_MAX_DIMENSION} characters",
                )
        if not api_name or not stage_name:
            raise ValidationError(
                self._where,
                "api_name/stage_name",
                (api_name, stage_name),
                "give api, or both api_name and stage_name",
            )
        label = self._label(label, named, fallback=api_name)
        resolved = self._resolve_pack("api", [label], alarms)
        watched = [("api", api_name, stage_name)]
        self._check_unwatched("api", (api_name, stage_name), watched)
        resource = self._resource("api", label, watched)
        api_pack.monitor(
            self._pack(resource, f"Api{label}", resolved), api_name=api_name, stage_name=stage_name
        )
        return resource

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
        self._check_arguments(ServiceMonitoring.monitor_database, locals(), "database")
        self._check_region("database", database)
        target: rds.IDatabaseInstance | rds.IDatabaseCluster
        if isinstance(database, SecureDatabase):
            if allocated_storage_gib is not None:
                raise ValidationError(
                    self._where,
                    "allocated_storage_gib",
                    allocated_storage_gib,
                    "comes from the SecureDatabase: do not pass it too",
                )
            target = database.database
            allocated_storage_gib = database.allocated_storage_gib
        else:
            target = database
        if allocated_storage_gib is not None:
            checks.check_int(
                self._where, "allocated_storage_gib", allocated_storage_gib, 1, _MAX_STORAGE_GIB
            )
            self._check_allocated_storage(target, allocated_storage_gib)
        label = self._label(label, database)
        resolved = self._resolve_pack("database", [label], alarms)
        self._check_possible(
            "database",
            alarms,
            database_pack.alarm_keys(target, allocated_storage_gib),
            "this database has",
            "give allocated_storage_gib for free_storage_percent"
            if not database_pack.is_cluster(target) and allocated_storage_gib is None
            else "",
        )
        watched = [("database", database_pack.identifier(target))]
        self._check_unwatched("database", database, watched)
        resource = self._resource("database", label, watched)
        database_pack.monitor(
            self._pack(resource, f"Database{label}", resolved),
            target,
            allocated_storage_gib=allocated_storage_gib,
        )
        return resource

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
        self._check_arguments(ServiceMonitoring.monitor_nat_gateways, locals(), "vpc")
        if vpc is not None:
            self._check_region("vpc", vpc)
        if vpc is not None and nat_gateway_ids is not None:
            raise ValidationError(
                self._where,
                "nat_gateway_ids",
                list(nat_gateway_ids),
                "cannot be given with vpc: the ids come from the VPC",
            )
        for index, gateway_id in enumerate(nat_gateway_ids or ()):
            checks.check_text(
                self._where,
                f"nat_gateway_ids[{index}]",
                gateway_id,
                _NAT_GATEWAY_ID,
                "a NAT gateway id such as 'nat-0123456789abcdef0'",
                tokens=True,
            )
        checks.check_unique(self._where, "nat_gateway_ids", nat_gateway_ids or (), "gateway")
        check_name_part(self._where, "label", label)
        self._check_alarm_keys("nat", alarms)
        gateways = dict(enumerate(nat_gateway_ids or (), start=1))
        if vpc is not None:
            gateways = nat_pack.gateways_of(vpc)
        if not gateways and vpc is not None and nat_instance_pack.instances_of(vpc):
            raise ValidationError(
                self._where,
                "vpc",
                vpc,
                "runs NAT instances, not NAT gateways: monitor them with monitor_nat_instances",
            )
        if not gateways:
            raise ValidationError(
                self._where,
                "vpc",
                vpc,
                "has no NAT gateways this app defines: give nat_gateway_ids for a VPC defined "
                "elsewhere, or do not monitor NAT gateways of a VPC without them",
            )
        labels = {number: self._label(f"{label}{number}", None) for number in gateways}
        resolved = self._resolve_pack("nat", list(labels.values()), alarms)
        for number, gateway_id in gateways.items():
            self._check_unwatched(f"nat gateway {number}", vpc or gateway_id, [("nat", gateway_id)])
        resources = []
        traffic: list[cw.IMetric] = []
        packets: list[cw.IMetric] = []
        for number, gateway_id in gateways.items():
            gateway_label = labels[number]
            resource = self._resource("nat", gateway_label, [("nat", gateway_id)])
            gateway_traffic, gateway_packets = nat_pack.monitor_gateway(
                self._pack(resource, f"Nat{gateway_label}", resolved), gateway_id, number
            )
            traffic += gateway_traffic
            packets += gateway_packets
            resources.append(resource)
        nat_pack.traffic_widgets(self._add_main, traffic, packets)
        return resources

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
        self._check_arguments(ServiceMonitoring.monitor_nat_instances, locals(), "vpc")
        if vpc is not None:
            self._check_region("vpc", vpc)
        if vpc is not None and nat_instance_ids is not None:
            raise ValidationError(
                self._where,
                "nat_instance_ids",
                list(nat_instance_ids),
                "cannot be given with vpc: the ids come from the VPC",
            )
        if vpc is not None and burstable is not None:
            raise ValidationError(
                self._where,
                "burstable",
                burstable,
                "cannot be given with vpc: it comes from the type of the VPC's instances",
            )
        for index, instance_id in enumerate(nat_instance_ids or ()):
            checks.check_text(
                self._where,
                f"nat_instance_ids[{index}]",
                instance_id,
                _INSTANCE_ID,
                "an EC2 instance id such as 'i-0123456789abcdef0'",
                tokens=True,
            )
        checks.check_unique(self._where, "nat_instance_ids", nat_instance_ids or (), "instance")
        check_name_part(self._where, "label", label)
        self._check_alarm_keys("nat_instance", alarms)
        instances = {
            number: nat_instance_pack.NatInstance(instance_id, bool(burstable))
            for number, instance_id in enumerate(nat_instance_ids or (), start=1)
        }
        if vpc is not None:
            instances = nat_instance_pack.instances_of(vpc)
        if not instances:
            gateways = vpc is not None and bool(nat_pack.gateways_of(vpc))
            raise ValidationError(
                self._where,
                "vpc",
                vpc,
                "runs NAT gateways, not NAT instances: monitor them with monitor_nat_gateways"
                if gateways
                else "has no NAT instances this app defines: give nat_instance_ids for a VPC "
                "defined elsewhere, or do not monitor NAT instances of a VPC without them",
            )
        labels = {number: self._label(f"{label}{number}", None) for number in instances}
        resolved = self._resolve_pack("nat_instance", list(labels.values()), alarms)
        burstable_any = any(instance.burstable for instance in instances.values())
        self._check_possible(
            "nat_instance",
            alarms,
            [
                k
                for k in ALARM_CATALOGUE["nat_instance"]
                if k != "cpu_credit_balance" or burstable_any
            ],
            "these NAT instances have",
            "give burstable=True when their type earns CPU credits" if vpc is None else "",
        )
        for number, instance in instances.items():
            self._check_unwatched(
                f"nat instance {number}",
                vpc or instance.instance_id,
                [("nat_instance", instance.instance_id)],
            )
        resources = []
        gathered = nat_instance_pack.Widgets()
        for number, instance in instances.items():
            instance_label = labels[number]
            resource = self._resource(
                "nat_instance", instance_label, [("nat_instance", instance.instance_id)]
            )
            nat_instance_pack.monitor(
                self._pack(resource, f"NatInstance{instance_label}", resolved),
                instance,
                number,
                gathered,
            )
            resources.append(resource)
        nat_instance_pack.widgets(self._add_main, gathered)
        if isinstance(vpc, StandardVpc):
            # A recovery is an event people should see: the VPC's recovery alarms notify too.
            action = self._actions[Severity.CRITICAL]
            for recovery in vpc.nat_recovery_alarms:
                recovery.add_alarm_action(action)
                recovery.add_ok_action(action)
        return resources

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
        self._check_arguments(ServiceMonitoring.monitor_metric, locals(), "metric")
        targets.check_alarm_metric(self._where, "metric", metric, Stack.of(self).region)
        period = self._metric_period(metric, period)
        if description is not None and len(description) > _MAX_DESCRIPTION:
            raise ValidationError(
                self._where,
                "description",
                f"{description[:40]}...",
                f"must be at most {_MAX_DESCRIPTION} characters (CloudWatch's limit)",
            )
        label = self._label(label, None)
        try:
            given = AlarmSettings(
                threshold=threshold,
                comparison=comparison,
                period=period,
                evaluation_periods=evaluation_periods,
                datapoints_to_alarm=(
                    evaluation_periods if datapoints_to_alarm is None else datapoints_to_alarm
                ),
                treat_missing_data=treat_missing_data,
                severity=severity,
            )
        except ValidationError as error:
            raise error.relocated(self._where) from None
        settings = resolve(self._where, ALARM_CATALOGUE["custom"]["custom"], given)
        if settings is None:  # pragma: no cover - custom settings are always enabled
            raise ValidationError(self._where, "label", label, "cannot be disabled")
        alarm_name(self._where, self._stage.value, self._service, label, "alarm")
        if isinstance(metric, cw.MathExpression):
            # The alarm factory sets the period of a plain metric; an expression carries its own.
            metric = metric.with_(period=settings.period)
        resource = self._resource("custom", label)
        custom_pack.monitor(
            self._pack(resource, f"Custom{label}", {"custom": (settings,)}),
            metric,
            description=description,
        )
        return resource

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
        return list(self._resources)

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

    def _label(self, label: str | None, resource: object, fallback: str | None = None) -> str:
        if label is None:
            node = getattr(resource, "node", None)
            label = fallback if node is None else str(node.id)
        if label is None or Token.is_unresolved(label):
            raise ValidationError(self._where, "label", label, "is required for this resource")
        check_name_part(self._where, "label", label)
        alarm_name(self._where, self._stage.value, self._service, label)
        if any(r.label == label for r in self._resources):
            raise ValidationError(
                self._where,
                "label",
                label,
                "is already monitored in this service: give another label",
            )
        return label

    def _check_lambda(
        self,
        label: str | None,
        function: object,
        timeout: Duration | None,
        reserved_concurrency: int | None,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None,
    ) -> tuple[str, dict[str, tuple[ResolvedAlarm, ...]]]:
        """What ``monitor_lambda_function`` checks before it creates anything: its label and
        alarm settings. ``MonitoredFunction`` runs it before it creates its own children."""
        if timeout is not None:
            checks.check_duration(
                self._where,
                "timeout",
                timeout,
                low=Duration.seconds(1),
                high=Duration.minutes(15),
                unit="seconds",
            )
        if reserved_concurrency is not None:
            checks.check_int(
                self._where, "reserved_concurrency", reserved_concurrency, 1, _MAX_CONCURRENCY
            )
        label = self._label(label, function)
        return label, self._resolve_pack("lambda", [label], alarms)

    def _resolve_pack(
        self,
        pack: str,
        labels: Sequence[str],
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None,
    ) -> dict[str, tuple[ResolvedAlarm, ...]]:
        """Every alarm setting of ``pack`` and every alarm name for ``labels``, checked.

        Called before a pack creates anything, so that bad input leaves nothing half-made.
        """
        self._check_alarm_keys(pack, alarms)
        resolved = {
            key: resolve_levels(self._where, default, (alarms or {}).get(key))
            for key, default in ALARM_CATALOGUE[pack].items()
        }
        for label in labels:
            for levels in resolved.values():
                for settings in levels:
                    self._factory.name(label, settings.key.replace("_", "-"))
        return resolved

    def _check_alarm_keys(
        self, pack: str, alarms: Mapping[str, AlarmSettings | AlarmLevels] | None
    ) -> None:
        for key in alarms or {}:
            if key not in ALARM_CATALOGUE[pack]:
                raise ValidationError(
                    self._where,
                    f"alarms[{key!r}]",
                    alarms[key],  # type: ignore[index]
                    f"is not an alarm of the {pack} pack; alarms are "
                    f"{', '.join(ALARM_CATALOGUE[pack])}",
                )

    def _resource(
        self, pack: str, label: str, watched: Sequence[tuple[str, ...]] = ()
    ) -> MonitoredResource:
        resource = MonitoredResource(pack=pack, label=label)
        self._resources.append(resource)
        self._watched += [(key, label) for key in watched]
        return resource

    def _check_region(self, prop: str, target: object) -> None:
        targets.check_same_region(
            self._where,
            prop,
            target,
            self,
            reason="CloudWatch alarms watch metrics of their own region only; monitor it "
            "from a ServiceMonitoring in a stack of its region",
        )

    def _check_unwatched(
        self, prop: str, target: object, watched: Sequence[tuple[str, ...]]
    ) -> None:
        """None of ``watched`` is monitored already in this service (under another label)."""
        for key in watched:
            for seen, label in self._watched:
                if seen == key:
                    raise ValidationError(
                        self._where,
                        prop,
                        targets.shown(target),
                        f"is already monitored in this service, as {label!r}: monitor each "
                        "resource once (its alarms={...} change its alarms)",
                    )

    def _check_possible(
        self,
        pack: str,
        alarms: Mapping[str, AlarmSettings | AlarmLevels] | None,
        possible: Collection[str],
        subject: str,
        hint: str = "",
    ) -> None:
        """Refuse an override of an alarm of ``pack`` that this target does not have (an
        ``AlarmSettings(enabled=False)`` is accepted: the alarm is absent as asked)."""
        for key, override in (alarms or {}).items():
            if key in possible or (isinstance(override, AlarmSettings) and not override.enabled):
                continue
            condition = ALARM_CATALOGUE[pack][key].condition
            raise ValidationError(
                self._where,
                f"alarms[{key!r}]",
                override,
                f"{subject} no {key} alarm (its condition: {condition}); its alarms are "
                f"{', '.join(possible)}" + (f": {hint}" if hint else ""),
            )

    def _check_function_settings(
        self,
        function: lambda_.IFunction,
        timeout: Duration | None,
        reserved_concurrency: int | None,
    ) -> None:
        """``timeout`` and ``reserved_concurrency`` agree with the function's own settings."""
        own_timeout = lambda_pack.own_timeout(function)
        if (
            timeout is not None
            and own_timeout is not None
            and not own_timeout.is_unresolved()
            and own_timeout.to_milliseconds() != timeout.to_milliseconds()
        ):
            raise ValidationError(
                self._where,
                "timeout",
                timeout.to_human_string(),
                f"contradicts the function's own timeout ({own_timeout.to_human_string()}): "
                "the duration alarms are shares of it; leave timeout out",
            )
        own_reserved = lambda_pack.own_reserved_concurrency(function)
        if (
            reserved_concurrency is not None
            and own_reserved is not None
            and own_reserved != reserved_concurrency
        ):
            raise ValidationError(
                self._where,
                "reserved_concurrency",
                reserved_concurrency,
                f"contradicts the function's reserved concurrency ({own_reserved}): the "
                "concurrency alarm is a share of it; give the same number",
            )

    def _check_api_names(
        self, api: SecureApi | apigw.RestApi, api_name: str | None, stage_name: str | None
    ) -> None:
        """``api_name`` and ``stage_name`` agree with the api's own name and stages."""
        rest_api = api.api if isinstance(api, SecureApi) else api
        own_name = api.rest_api_name
        if (
            api_name is not None
            and not checks.is_token(api_name)
            and not checks.is_token(own_name)
            and api_name != own_name
        ):
            raise ValidationError(
                self._where,
                "api_name",
                api_name,
                f"contradicts the api's name ({own_name!r}), the ApiName of its metrics: "
                "leave api_name out",
            )
        if stage_name is None or checks.is_token(stage_name):
            return
        stages = api_pack.stage_names(rest_api)
        if isinstance(api, SecureApi):
            stages.add(api.stage_name)
        if stages and stage_name not in stages:
            raise ValidationError(
                self._where,
                "stage_name",
                stage_name,
                f"is not a stage of {rest_api.node.path} (its stages: "
                f"{', '.join(sorted(stages))}): its alarms would watch a stage without "
                "traffic; leave stage_name out for the deployment stage",
            )

    def _check_allocated_storage(
        self, target: rds.IDatabaseInstance | rds.IDatabaseCluster, allocated_storage_gib: int
    ) -> None:
        if database_pack.is_cluster(target):
            raise ValidationError(
                self._where,
                "allocated_storage_gib",
                allocated_storage_gib,
                "is for an RDS instance: an Aurora cluster's storage grows by itself and has "
                "no free-storage alarms; leave it out",
            )
        own = database_pack.own_allocated_storage(target)
        if own is not None and own != allocated_storage_gib:
            raise ValidationError(
                self._where,
                "allocated_storage_gib",
                allocated_storage_gib,
                f"contradicts the instance's allocated storage ({own} GiB): the free-storage "
                "percentage is a share of it; give the same number",
            )

    def _metric_period(self, metric: cw.IMetric, period: Duration | None) -> Duration | None:
        """The alarm's period: ``period``, else the metric's own; both given must agree."""
        own = targets.metric_period(metric)
        if own is None or own.is_unresolved():
            return period
        if period is None:
            if targets.is_default_period(own):
                return None
            try:
                check_period(self._where, "metric.period", own)
            except ValidationError as error:
                raise ValidationError(
                    self._where,
                    "metric.period",
                    own.to_human_string(),
                    f"{error.expected} for an alarm: give period=... (a period CloudWatch "
                    "alarms allow)",
                ) from None
            return own
        if (
            not targets.is_default_period(own)
            and isinstance(period, Duration)
            and not period.is_unresolved()
            and own.to_milliseconds() != period.to_milliseconds()
        ):
            raise ValidationError(
                self._where,
                "period",
                period.to_human_string(),
                f"contradicts the metric's own period ({own.to_human_string()}): leave "
                "period out to alarm on the metric's, or build the metric with this one",
            )
        return period

    def _pack(
        self,
        resource: MonitoredResource,
        scope_id: str,
        resolved: Mapping[str, tuple[ResolvedAlarm, ...]],
    ) -> Pack:
        return Pack(
            resource=resource,
            scope=Construct(self, scope_id),
            resolved=resolved,
            create=self._alarm,
            main=self._add_main,
            performance=self._add_performance,
        )

    def _alarm(
        self,
        scope: Construct,
        resource: MonitoredResource,
        *,
        key: str,
        metric: cw.IMetric,
        settings: ResolvedAlarm,
        description: str | None,
    ) -> MonitoredAlarm:
        default = settings.default
        anchor = f"{resource.pack}-{default.key}".replace("_", "-")
        record = self._factory.create(
            scope,
            label=resource.label,
            key=key,
            metric=metric,
            settings=settings,
            description=description
            or f"[{settings.severity.value}] {default.meaning} What to do: {default.action} "
            f"Runbook: {RUNBOOK}#{anchor}",
        )
        resource.alarms[key] = record.alarm
        resource.records[key] = record
        self._records.append(record)
        self._alarm_arns.append(_alarm_arn(self, record.name))
        if record.severity is Severity.CRITICAL:
            self._ensure_composite()
            if self._composite is not None:
                # The rule names the alarm; CloudFormation must create the alarm first.
                self._composite.node.add_dependency(record.alarm)
        return record

    def _ensure_composite(self) -> None:
        if self._composite is not None or not self._composite_enabled:
            return
        name = alarm_name(self._where, self._stage.value, self._service, "service-unhealthy")
        self._composite = cw.CompositeAlarm(
            self,
            "ServiceUnhealthy",
            composite_alarm_name=name,
            alarm_description=f"[Critical] {self._service} is unhealthy: at least one critical "
            f"alarm is in ALARM. Runbook: {RUNBOOK}#service-unhealthy",
            alarm_rule=LazyAnyAlarmRule(
                lambda: [r.name for r in self._records if r.severity is Severity.CRITICAL]
            ),
        )
        action = self._actions[Severity.CRITICAL]
        self._composite.add_alarm_action(action)
        self._composite.add_ok_action(action)

    def _create_dashboards(self, dashboard_range: Duration, performance: bool) -> None:
        prefix = f"{self._stage.value}-{self._service}"
        start = f"-PT{int(dashboard_range.to_minutes())}M"

        def new_dashboard(construct_id: str, suffix: str) -> cw.Dashboard:
            return cw.Dashboard(
                self,
                construct_id,
                dashboard_name=f"{prefix}-{suffix}",
                start=start,
                period_override=cw.PeriodOverride.AUTO,
            )

        self._main = new_dashboard("MainDashboard", "main")
        self._main.add_widgets(
            cw.TextWidget(
                markdown=f"# {self._service} ({self._stage.value})\nAlarms, traffic "
                f"and errors. Runbook: {RUNBOOK}",
                width=24,
                height=2,
            ),
            LazyAlarmStatusWidget(lambda: list(self._alarm_arns), title="Alarms"),
        )
        dashboards = [(self._main, "MainDashboardUrl")]
        if performance:
            self._performance = new_dashboard("PerformanceDashboard", "performance")
            self._performance.add_widgets(
                cw.TextWidget(
                    markdown=f"# {self._service} ({self._stage.value}): performance\n"
                    "Latency percentiles, concurrency, database load.",
                    width=24,
                    height=2,
                ),
            )
            dashboards.append((self._performance, "PerformanceDashboardUrl"))
        for dashboard, output in dashboards:
            self._output(
                f"{self.node.id}{output}",
                _dashboard_url(Stack.of(self).region, dashboard.dashboard_name),
            )

    def _output(self, output_id: str, value: str) -> None:
        """A stack output named after this construct, such as ``MonitoringMainDashboardUrl``."""
        stack = Stack.of(self)
        description = f"{self._service} dashboard"
        if isinstance(stack, AbstractStack):
            stack.create_output(output_id, value, description=description, export=False)
        else:
            CfnOutput(stack, output_id, value=value, description=description)

    def _add_main(self, *widgets: cw.IWidget) -> None:
        if self._main is not None:
            self._main.add_widgets(*widgets)

    def _add_performance(self, *widgets: cw.IWidget) -> None:
        dashboard = self._performance or self._main
        if dashboard is not None:
            dashboard.add_widgets(*widgets)


_MAX_CONCURRENCY = 2**31 - 1
_MAX_STORAGE_GIB = 65536
"""RDS's largest allocated storage, 64 TiB."""
_MAX_DESCRIPTION = 1024
_MAX_DIMENSION = 255
_MAX_DASHBOARD_NAME = 255
_DASHBOARD_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_SEARCH_CALL = re.compile(r"^\s*SEARCH\s*\(", re.IGNORECASE)
_STATISTIC = re.compile(
    r"^(SampleCount|Average|Sum|Minimum|Maximum|IQM|(p|tm|wm|tc|ts)(100|[0-9]{1,2})(\.[0-9]+)?)$"
)
_NAT_GATEWAY_ID = re.compile(r"^nat-[0-9a-f]{8,17}$")
_INSTANCE_ID = re.compile(r"^i-[0-9a-f]{8,17}$")


_INSTANCES: weakref.WeakSet[ServiceMonitoring] = weakref.WeakSet()
"""Every ServiceMonitoring alive, to find two of one service in an app."""


def _check_topics(
    where: str,
    scope: Construct,
    alarm_topic: TopicLike | None,
    critical_topic: TopicLike | None,
    warning_topic: TopicLike | None,
) -> None:
    if alarm_topic is not None and critical_topic is not None and warning_topic is not None:
        raise ValidationError(
            where,
            "alarm_topic",
            targets.shown(alarm_topic),
            "is never used: critical_topic and warning_topic are both given; leave alarm_topic "
            "out, or one of the two to send those alarms to alarm_topic",
        )
    for prop, topic in (
        ("alarm_topic", alarm_topic),
        ("critical_topic", critical_topic),
        ("warning_topic", warning_topic),
    ):
        if topic is not None:
            targets.check_same_region(
                where,
                prop,
                topic,
                scope,
                reason="CloudWatch alarms notify SNS topics of their own region only; give "
                "a topic of this region (an AlarmTopic in this stack)",
            )


def _check_unique_service(
    where: str, scope: Construct, stage: Stage, service_name: str, dashboards: bool
) -> None:
    """No other ServiceMonitoring of the app has this stage and service where their alarm
    names (per account and region) or dashboard names (per account) would be the same."""
    stack = Stack.of(scope)

    def may_equal(ours: str, theirs: str) -> bool:
        return Token.is_unresolved(ours) or Token.is_unresolved(theirs) or ours == theirs

    for other in list(_INSTANCES):
        if (
            other._service == service_name
            and other._stage is stage
            and other._root is scope.node.root
        ):
            theirs = Stack.of(other)
            if may_equal(stack.account, theirs.account) and (
                may_equal(stack.region, theirs.region) or (dashboards and other._dashboards)
            ):
                raise ValidationError(
                    where,
                    "service_name",
                    service_name,
                    f"is already the service of {other.node.path} in stage {stage.value}: "
                    "their alarms and dashboards would have the same names; add the resources "
                    "to that ServiceMonitoring, or give another service_name",
                )


def _check_dashboards(
    where: str, stage: Stage, service_name: str, dashboard_range: Duration | None
) -> None:
    name = f"{stage.value}-{service_name}-performance"
    if not _DASHBOARD_NAME.fullmatch(name) or len(name) > _MAX_DASHBOARD_NAME:
        raise ValidationError(
            where,
            "service_name",
            service_name,
            f"names the dashboards ({name!r}), whose names CloudWatch allows only letters, "
            f"digits, '-' and '_', {_MAX_DASHBOARD_NAME} at most: use another name or "
            "dashboards=False",
        )
    if dashboard_range is not None:
        checks.check_duration(
            where,
            "dashboard_range",
            dashboard_range,
            low=Duration.minutes(5),
            high=Duration.days(455),
            unit="minutes",
        )


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


def _alarm_arn(scope: Construct, name: str) -> str:
    return Stack.of(scope).format_arn(
        service="cloudwatch",
        resource="alarm",
        resource_name=name,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def _dashboard_url(region: str, name: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#dashboards:name={name}"
    )
