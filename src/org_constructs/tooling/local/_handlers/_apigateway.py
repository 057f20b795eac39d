"""CloudFormation handlers for API Gateway stages and request validators.

- ``AWS::ApiGateway::Stage``: ``CreateStage`` (deployment, description, variables, cache
  cluster, tracing, tags), then ``UpdateStage`` patch operations for the access log setting and
  the method settings; an update patches the same stage. moto's ``AWS::ApiGateway::Deployment``
  makes a stage itself only when it has a ``StageName``, and answers ``Ref`` with itself (its
  id is taken). Canary settings, client certificates and documentation versions are left out;
  nothing is logged, throttled, cached or traced.
- ``AWS::ApiGateway::RequestValidator``: ``CreateRequestValidator`` /
  ``UpdateRequestValidator``. moto does not validate requests with it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.apigateway.exceptions import RestAPINotFound, StageNotFoundException
from moto.apigateway.models import apigateway_backends
from moto.core.common_models import CloudFormationModel

from org_constructs.tooling.local._handlers._base import (
    Properties,
    _bool,
    _Handler,
    _tag_map,
    _text,
)

__all__ = ["RequestValidator", "Stage"]


def _method_setting_operations(settings: list[Properties]) -> list[dict[str, str]]:
    """``UpdateStage`` patch operations for a template's ``MethodSettings``."""
    paths = {
        "MetricsEnabled": "metrics/enabled",
        "LoggingLevel": "logging/loglevel",
        "DataTraceEnabled": "logging/dataTrace",
        "ThrottlingBurstLimit": "throttling/burstLimit",
        "ThrottlingRateLimit": "throttling/rateLimit",
        "CachingEnabled": "caching/enabled",
        "CacheTtlInSeconds": "caching/ttlInSeconds",
        "CacheDataEncrypted": "caching/dataEncrypted",
    }
    operations = []
    for setting in settings:
        resource = setting.get("ResourcePath", "/*").lstrip("/").replace("/", "~1")
        method = setting.get("HttpMethod", "*")
        for name, path in paths.items():
            if name in setting:
                operations.append(
                    {
                        "op": "replace",
                        "path": f"/{resource}/{method}/{path}",
                        "value": _text(setting[name]),
                    }
                )
    return operations


class Stage(_Handler, CloudFormationModel):
    TYPE = "AWS::ApiGateway::Stage"
    NAME = "StageName"
    REPLACED_BY = frozenset({"RestApiId"})

    def _backend(self) -> Any:
        return apigateway_backends[self.account_id][self.region_name]

    @staticmethod
    def _deployment_id(properties: Properties) -> str:
        # moto's Deployment answers Ref with itself rather than its id.
        deployment = properties["DeploymentId"]
        return str(getattr(deployment, "id", deployment))

    def create(self) -> None:
        p = self.properties
        self._backend().create_stage(
            function_id=p["RestApiId"],
            stage_name=self.name,
            deploymentId=self._deployment_id(p),
            variables=dict(p.get("Variables") or {}),
            description=p.get("Description", ""),
            cacheClusterEnabled=_bool(p.get("CacheClusterEnabled")),
            cacheClusterSize=p.get("CacheClusterSize"),
            tags=_tag_map(p) or None,
            tracing_enabled=_bool(p.get("TracingEnabled")),
        )
        self._patch(self._log_and_method_operations())

    def _patch(self, operations: list[dict[str, str]]) -> None:
        if operations:
            self._backend().update_stage(self.properties["RestApiId"], self.name, operations)

    def _log_and_method_operations(self) -> list[dict[str, str]]:
        log = self.properties.get("AccessLogSetting") or {}
        operations = [
            {"op": "replace", "path": f"/accessLogSettings/{key}", "value": log[name]}
            for key, name in (("destinationArn", "DestinationArn"), ("format", "Format"))
            if name in log
        ]
        return operations + _method_setting_operations(self.properties.get("MethodSettings") or [])

    def update(self, previous: Properties) -> None:
        p = self.properties
        variables = p.get("Variables") or {}
        operations = [
            {"op": "replace", "path": "/deploymentId", "value": self._deployment_id(p)},
            {"op": "replace", "path": "/description", "value": p.get("Description", "")},
            {
                "op": "replace",
                "path": "/tracingEnabled",
                "value": _text(_bool(p.get("TracingEnabled"))),
            },
            {
                "op": "replace",
                "path": "/cacheClusterEnabled",
                "value": _text(_bool(p.get("CacheClusterEnabled"))),
            },
            *(
                {"op": "replace", "path": f"/variables/{key}", "value": str(value)}
                for key, value in variables.items()
            ),
            *(
                {"op": "remove", "path": f"/variables/{key}"}
                for key in previous.get("Variables") or {}
                if key not in variables
            ),
        ]
        if "CacheClusterSize" in p:
            operations.append(
                {"op": "replace", "path": "/cacheClusterSize", "value": p["CacheClusterSize"]}
            )
        if previous.get("AccessLogSetting") and not p.get("AccessLogSetting"):
            operations.append({"op": "remove", "path": "/accessLogSettings"})
        stage = self._backend().get_stage(p["RestApiId"], self.name)
        stage.method_settings = {}  # replaced by the template's, as UpdateStage has no removal
        stage.tags = _tag_map(p) or None
        self._patch(operations + self._log_and_method_operations())

    def remove(self) -> None:
        with contextlib.suppress(RestAPINotFound, StageNotFoundException):
            self._backend().delete_stage(self.properties["RestApiId"], self.name)


class RequestValidator(_Handler, CloudFormationModel):
    TYPE = "AWS::ApiGateway::RequestValidator"
    NAME = "Name"
    REPLACED_BY = frozenset({"RestApiId"})
    ATTRIBUTES = frozenset({"RequestValidatorId"})

    def _backend(self) -> Any:
        return apigateway_backends[self.account_id][self.region_name]

    def create(self) -> None:
        p = self.properties
        validator = self._backend().create_request_validator(
            p["RestApiId"],
            self.name,
            _bool(p.get("ValidateRequestBody")),
            _bool(p.get("ValidateRequestParameters")),
        )
        self.physical_id = validator.id

    def update(self, previous: Properties) -> None:
        p = self.properties
        self._backend().update_request_validator(
            p["RestApiId"],
            self.physical_id,
            [
                {"op": "replace", "path": f"/{path}", "value": _text(_bool(p.get(name)))}
                for path, name in (
                    ("validateRequestBody", "ValidateRequestBody"),
                    ("validateRequestParameters", "ValidateRequestParameters"),
                )
            ],
        )

    def remove(self) -> None:
        with contextlib.suppress(RestAPINotFound, KeyError):  # the API may have gone first
            self._backend().delete_request_validator(self.properties["RestApiId"], self.physical_id)

    def attribute(self, name: str) -> Any:
        return self.physical_id
