"""What a template imports by ARN or id: resources that exist outside the app.

An app may name a resource it does not make (``Certificate.from_certificate_arn``,
``HostedZone.from_hosted_zone_attributes`` or ``from_lookup``): the template then holds its ARN
or id as text. In an account it exists; in a fresh emulator it does not, and the resource that
names it fails (moto refuses an HTTPS listener whose certificate it does not hold, and a record
set whose hosted zone it does not hold). The emulator makes each one under the ARN or id the
template names before a change set runs (``_patches``), and the deploy report asks the
services' APIs whether it holds them. Both read this module, which imports nothing of moto.

Found: ACM certificates (any text of a resource's properties that is a certificate's ARN), and
Route 53 hosted zones (the ``HostedZoneId`` or ``HostedZoneName`` text of a record set or record
set group). Nothing else is made: another imported resource the emulator lacks fails the
resource that uses it, and the deploy says which.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CERTIFICATE", "HOSTED_ZONE", "Import", "imported_resources"]

CERTIFICATE = "ACM certificate"
HOSTED_ZONE = "Route 53 hosted zone"
CERTIFICATE_ARN = re.compile(
    r"arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):certificate/[A-Za-z0-9-]+"
)
RECORD_TYPES = ("AWS::Route53::RecordSet", "AWS::Route53::RecordSetGroup")
IMPORTED_DOMAIN = "imported.invalid"
"""The domain of a certificate made for an import (``.invalid``: a name no one can own)."""


@dataclass(frozen=True)
class Import:
    """A resource a template names but does not make."""

    kind: str
    """``CERTIFICATE`` or ``HOSTED_ZONE``."""
    identifier: str
    """The certificate's ARN; the zone's id, or its name when the template names it by name."""
    name: str
    """The zone's domain name (``example.com.``); the certificate's stand-in domain."""
    used_by: str
    """The logical id of the first resource that names it."""

    def __str__(self) -> str:
        if self.kind == HOSTED_ZONE and self.identifier != self.name:
            return f"{self.kind} {self.identifier} ({self.name}), named by {self.used_by}"
        return f"{self.kind} {self.identifier}, named by {self.used_by}"


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _record_names(properties: Mapping[str, Any]) -> list[str]:
    records = [properties, *(properties.get("RecordSets") or [])]
    return [r["Name"] for r in records if isinstance(r.get("Name"), str)]


def _zone_name(names: list[str]) -> str:
    """The longest domain every record name ends with: the zone they belong to, as far as the
    template tells (a single record's name when there is one)."""
    labels = [name.rstrip(".").split(".") for name in names]
    common: list[str] = []
    for parts in zip(*(reversed(label) for label in labels), strict=False):
        if len(set(parts)) != 1:
            break
        common.insert(0, parts[0])
    return ".".join(common) + "." if common else "imported.invalid."


def imported_resources(template: Mapping[str, Any]) -> list[Import]:
    """The certificates and hosted zones ``template``'s resources name but do not make, each
    once, in the order the template names them."""
    found: dict[tuple[str, str], Import] = {}
    zone_records: dict[str, list[str]] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        properties = resource.get("Properties") or {}
        for text in _texts(properties):
            for match in CERTIFICATE_ARN.finditer(text):
                key = (CERTIFICATE, match.group(0))
                found.setdefault(key, Import(CERTIFICATE, key[1], IMPORTED_DOMAIN, logical_id))
        if resource.get("Type") not in RECORD_TYPES:
            continue
        zone_id, zone_name = properties.get("HostedZoneId"), properties.get("HostedZoneName")
        if isinstance(zone_name, str) and zone_id is None:
            key = (HOSTED_ZONE, zone_name)
            found.setdefault(key, Import(HOSTED_ZONE, zone_name, zone_name, logical_id))
        elif isinstance(zone_id, str):
            zone_id = zone_id.removeprefix("/hostedzone/")
            zone_records.setdefault(zone_id, []).extend(_record_names(properties))
            key = (HOSTED_ZONE, zone_id)
            found.setdefault(key, Import(HOSTED_ZONE, zone_id, "", logical_id))
    return [
        Import(i.kind, i.identifier, _zone_name(zone_records[i.identifier]), i.used_by)
        if i.kind == HOSTED_ZONE and not i.name
        else i
        for i in found.values()
    ]
