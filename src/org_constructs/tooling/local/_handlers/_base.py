"""The handlers' shared part: ``_Handler``, what moto's CloudFormation calls, and the
helpers that read a template's values.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, TypeVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

Properties = dict[str, Any]
_H = TypeVar("_H", bound="_Handler")


def _bool(value: Any, default: bool = False) -> bool:
    """A template's boolean, which may be written as text."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _text(value: Any) -> str:
    """A template's value as an attribute or patch operation takes it: JSON for documents."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _tags(properties: Properties) -> list[dict[str, str]]:
    return [{"Key": t["Key"], "Value": t["Value"]} for t in properties.get("Tags") or []]


def _tag_map(properties: Properties) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in properties.get("Tags") or []}


def _dropped_tags(previous: Properties, properties: Properties) -> list[str]:
    return sorted(set(_tag_map(previous)) - set(_tag_map(properties)))


class _Handler:
    """A resource of a template, made through its service's backend.

    moto's CloudFormation keeps the object ``create_from_cloudformation_json`` returns, reads
    ``physical_resource_id`` for ``Ref`` and ``get_cfn_attribute`` for ``Fn::GetAtt``, and calls
    ``update_from_cloudformation_json`` and ``delete``. Each handler says what it makes
    (``create``), changes (``update``) and removes (``remove``); this class decides between an
    update in place and a replacement.
    """

    TYPE: ClassVar[str]
    NAME: ClassVar[str] = ""
    """The property that names the resource, if any: a new name replaces it."""
    REPLACED_BY: ClassVar[frozenset[str]] = frozenset()
    """The other properties whose change replaces the resource, as CloudFormation does."""
    ATTRIBUTES: ClassVar[frozenset[str]] = frozenset()
    """What ``Fn::GetAtt`` answers."""

    def __init__(
        self, name: str, properties: Properties, account_id: str, region_name: str
    ) -> None:
        self.name = name
        self.properties = properties
        self.account_id = account_id
        self.region_name = region_name
        self.physical_id = name

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    def create(self) -> None:
        raise NotImplementedError

    def update(self, previous: Properties) -> None:
        """Apply ``self.properties`` (which replaced ``previous``) to the same resource."""
        raise NotImplementedError

    def remove(self) -> None:
        raise NotImplementedError

    def attribute(self, name: str) -> Any:
        raise UnformattedGetAttTemplateException()

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return self.attribute(attribute_name)

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(
        cls: type[_H],
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> _H:
        properties = dict(cloudformation_json.get("Properties") or {})
        handler = cls(resource_name, properties, account_id, region_name)
        handler.create()
        return handler

    @classmethod
    def update_from_cloudformation_json(
        cls: type[_H],
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _H:
        original: _H = original_resource
        properties = dict(cloudformation_json.get("Properties") or {})
        replacing = cls.REPLACED_BY | ({cls.NAME} if cls.NAME else set())
        if any(properties.get(key) != original.properties.get(key) for key in replacing):
            # As CloudFormation does: the new resource first, then the old one goes.
            replacement = cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            original.remove()
            return replacement
        previous, original.properties = original.properties, properties
        try:
            original.update(previous)
        except Exception:
            # The update did not happen: the resource keeps its old properties, so that a
            # retry compares against them and fails again instead of passing as unchanged.
            original.properties = previous
            raise
        return original

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        """Unused: moto deletes a resource it made through the object's ``delete``."""

    def delete(self, account_id: str, region_name: str) -> None:
        self.remove()
