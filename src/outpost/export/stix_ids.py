"""Identifiers, times and the fixed objects that every Outpost STIX bundle shares.

Ids are UUIDv5 from one fixed namespace and each item's stable key, so exporting the same
items twice gives the same ids and a partner's re-import updates instead of duplicating.
(STIX 2.1 says an SDO's UUID SHOULD be version 4; deterministic ids are the documented
exception we take, and the only check of the validator we turn off: `uuid-check`.)
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from outpost.export.tlp import MARKING_IDS
from outpost.markings import TLP

NAMESPACE = uuid.UUID("aa671006-d68f-416e-ab69-5143ac06bb32")  # Outpost's, fixed forever
# `created` of what has no time of its own (KB actors, places, the fixed objects)
EPOCH = datetime(2021, 9, 16, tzinfo=UTC)


def stix_id(kind: str, key: str) -> str:
    """'identity--<uuid5>' for the item with stable `key`."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, f'{kind}:{key}')}"


def timestamp(when: datetime) -> str:
    """A STIX timestamp: UTC, 'Z', milliseconds (microseconds when the time has them)."""
    utc = when.astimezone(UTC)
    digits = utc.strftime("%f")
    fraction = digits[:3] if digits.endswith("000") else digits
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + fraction + "Z"


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# The Outpost property extension: the exact record behind each object, for a lossless
# re-import. Consumers that do not know it read the standard properties beside it.
PROJECT = stix_id("identity", "outpost-project")
EXTENSION = stix_id("extension-definition", "outpost-records-1")
EXTENSION_SCHEMA = (
    "A property extension holding the Outpost record an object was made from, as JSON: "
    "'kind' (producer, event, entity, place or story) and 'record' (the record's fields, as "
    "Outpost's records module defines them; times ISO 8601 with their UTC offset)."
)


def project_objects() -> list[dict[str, Any]]:
    """The Outpost project's identity and the extension definition it created (CLEAR)."""
    clear = [MARKING_IDS[TLP.CLEAR]]
    identity = {
        "type": "identity", "spec_version": "2.1", "id": PROJECT,
        "created": timestamp(EPOCH), "modified": timestamp(EPOCH), "name": "Outpost",
        "description": "The open early-warning and joint crisis-response platform.",
        "identity_class": "system", "object_marking_refs": clear,
    }  # fmt: skip
    extension = {
        "type": "extension-definition", "spec_version": "2.1", "id": EXTENSION,
        "created_by_ref": PROJECT, "created": timestamp(EPOCH), "modified": timestamp(EPOCH),
        "name": "Outpost records",
        "description": "The exact Outpost record behind an object, for lossless re-import.",
        "schema": EXTENSION_SCHEMA, "version": "1.0.0",
        "extension_types": ["property-extension"], "object_marking_refs": clear,
    }  # fmt: skip
    return [identity, extension]


def extension(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """The `extensions` property of an object made from an Outpost record."""
    return {EXTENSION: {"extension_type": "property-extension", "kind": kind, "record": record}}
