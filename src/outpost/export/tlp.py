"""The five TLP 2.0 marking-definition objects of STIX 2.1, shipped as data.

The `stix2` library knows only TLP 1.0, so the objects of the published TLP 2.0 extension are
written out here exactly as OASIS publishes them, in the repository
oasis-open/cti-stix-common-objects: objects/marking-definition/marking-definition--<id>.json and
extension-definition-specifications/tlp-2.0/examples/tlp-<word>.json (ids, `created`, `name`
and `extensions` as published; the JSON schema of the extension,
extension-definition-specifications/tlp-2.0/extension-definition--60a3c5c5-...json, fixes the
id and name of each). The published marking objects carry no `created_by_ref` (only the
extension-definition object itself names its creator), so none is added here.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from outpost.markings import TLP

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
PUBLISHED = "2022-10-01T00:00:00.000Z"

MARKING_IDS: MappingProxyType[TLP, str] = MappingProxyType(
    {
        TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
)
MARKINGS_BY_ID: MappingProxyType[str, TLP] = MappingProxyType(
    {ident: tlp for tlp, ident in MARKING_IDS.items()}
)


def marking_definition(tlp: TLP) -> dict[str, Any]:
    """The official STIX 2.1 marking-definition object of one TLP 2.0 marking (a new dict each
    time: the caller may put it in a document it changes)."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": MARKING_IDS[tlp],
        "created": PUBLISHED,
        "name": tlp.value,
        "extensions": {
            TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp.word},
        },
    }


def marking_of(definition: dict[str, Any]) -> TLP | None:
    """The TLP 2.0 marking a marking-definition object is, or None for any other (TLP 1.0, a
    statement, or one that differs from the official object in any field)."""
    tlp = MARKINGS_BY_ID.get(str(definition.get("id")))
    if tlp is None or definition != marking_definition(tlp):
        return None
    return tlp
