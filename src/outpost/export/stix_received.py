"""What partners sent, in a STIX 2.1 bundle: their own STIX objects as they came, and the MISP
items they sent converted to STIX, each marked with the TLP 2.0 marking it was imported with.

- A partner's STIX object keeps every property but its TLP markings: `object_marking_refs`
  holds its TLP 2.0 marking (a TLP 1.0 one was read as its 2.0 name on import) and any other
  marking it had (a statement, say). Its creator and its references stay as they came.
- A MISP event is a `grouping` (context "suspicious-activity", as MISP's own converter writes
  it) created by an `identity` of the MISP organisation that made it. An attribute meant for
  detection (`to_ids`) whose type has a STIX pattern is an `indicator`; every other
  attribute, each MISP object (its attributes as lines) and each event report is a `note` on
  the grouping. Ids keep the MISP uuids (`indicator--<uuid>`), so a partner that converts the
  same event meets the same objects. No custom object: consumers that refuse them read all.
- The grouping is as strict as everything it holds (an event is as strict as its parts); the
  creator's identity is as loose as the loosest grouping it made (whoever may read one of
  them may read who made it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from outpost.export.bundle import Foreign, Marked, MispPart, Selection
from outpost.export.stix_ids import NAMESPACE, stix_id, timestamp
from outpost.export.tlp import MARKING_IDS, MARKINGS_BY_ID
from outpost.markings import TLP, strictest

Obj = dict[str, Any]
# TLP 1.0 (the marking objects of the STIX 2.1 specification itself): replaced by 2.0 on export
TLP1_IDS = frozenset(
    {
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
    }
)
HASHES = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha512": "SHA-512"}
PATHS = {
    "domain": "domain-name:value", "hostname": "domain-name:value",
    "url": "url:value", "link": "url:value",
    "email": "email-addr:value", "email-src": "email-addr:value", "email-dst": "email-addr:value",
    "filename": "file:name", "mac-address": "mac-addr:value",
    **{kind: f"file:hashes.'{name}'" for kind, name in HASHES.items()},
}  # fmt: skip


def received_objects(sel: Selection) -> list[Obj]:
    """The partners' STIX objects and the MISP items of the selection, as STIX objects."""
    return [*(foreign(m) for m in sel.foreign), *misp_objects(sel.misp)]


def arrivals(sel: Selection) -> dict[str, datetime]:
    """When each of those objects came into Outpost (it was imported), by STIX id."""
    came = {m.item.object["id"]: m.item.arrived for m in sel.foreign}
    for m in sel.misp:
        for ident in _ids_of(m.item):
            came[ident] = min(came.get(ident, m.item.arrived), m.item.arrived)
    return came


def foreign(m: Marked[Foreign]) -> Obj:
    """A partner's object as it came, its TLP markings replaced by the one it was kept with."""
    o = dict(m.item.object)
    if o["type"] == "marking-definition":
        return o
    kept = [r for r in o.get("object_marking_refs", ()) if not _tlp(r)]
    return o | {"object_marking_refs": [MARKING_IDS[m.marking], *kept]}


def _tlp(ref: str) -> bool:
    return ref in MARKINGS_BY_ID or ref in TLP1_IDS


def misp_objects(parts: Iterable[Marked[MispPart]]) -> list[Obj]:
    """Every MISP event whose metadata is among the parts, with its parts, in STIX."""
    heads: list[Marked[MispPart]] = []
    by_event: dict[str, list[Marked[MispPart]]] = {}  # an event's uuid -> its parts
    for m in parts:
        if m.item.kind == "misp-event":
            heads.append(m)
        else:
            by_event.setdefault(m.item.event, []).append(m)
    made: list[Obj] = []
    creators: dict[str, tuple[Obj, list[Obj]]] = {}  # id -> the identity and its groupings
    for head in heads:
        held = by_event.get(head.item.event, [])
        creator = _creator(head.item.record)
        inner = [_part(m, _grouping_id(head.item), creator["id"]) for m in held]
        grouping = _grouping(head, held, [o["id"] for o in inner] or [creator["id"]], creator)
        creators.setdefault(creator["id"], (creator, []))[1].append(grouping)
        made += [grouping, *inner]
    identities = [c | {"object_marking_refs": [_loosest(g)]} for c, g in creators.values()]
    return [*identities, *made]


def _grouping_id(head: MispPart) -> str:
    return f"grouping--{_uid(head.event)}"


def _loosest(groupings: list[Obj]) -> str:
    markings = [MARKINGS_BY_ID[g["object_marking_refs"][0]] for g in groupings]
    return MARKING_IDS[min(markings)]


def _creator(event: Mapping[str, Any]) -> Obj:
    """The identity of the MISP organisation that made the event (Orgc)."""
    org = event.get("Orgc") or {}
    name = str(org.get("name") or "MISP")
    given = org.get("uuid")
    ident = f"identity--{given}" if _is_uuid(given) else stix_id("identity", f"misp-org:{name}")
    made = timestamp(datetime.fromtimestamp(0, UTC))
    return {
        "type": "identity", "spec_version": "2.1", "id": ident, "created": made,
        "modified": made, "name": name, "identity_class": "organization",
    }  # fmt: skip


def _grouping(
    head: Marked[MispPart], held: list[Marked[MispPart]], refs: list[str], creator: Obj
) -> Obj:
    record = head.item.record
    marking = strictest([head.marking, *(m.marking for m in held)])
    return _common("grouping", _uid(head.item.event), record, creator["id"], marking) | {
        "name": str(record.get("info") or head.item.event),
        "context": "suspicious-activity",
        "object_refs": refs,
        "labels": ["misp-event", f"misp:date={record.get('date')}"],
    }


def _part(m: Marked[MispPart], grouping: str, creator: str) -> Obj:
    r = m.item.record
    uid = _uid(r.get("uuid"))
    if m.item.kind == "misp-attribute" and (pattern := _pattern(r)) is not None:
        made = _common("indicator", uid, r, creator, m.marking)
        return made | {
            "name": f"{r.get('type')}: {r.get('value')}",
            "description": str(r.get("comment") or f"{r.get('category')} / {r.get('type')}"),
            "pattern": pattern, "pattern_type": "stix", "pattern_version": "2.1",
            "valid_from": made["created"], "labels": _labels(r),
        }  # fmt: skip
    abstract, content = _text(m.item)
    return _common("note", uid, r, creator, m.marking) | {
        "abstract": abstract, "content": content or abstract, "object_refs": [grouping],
        "labels": _labels(r),
    }  # fmt: skip


def _ids_of(part: MispPart) -> list[str]:
    """The STIX ids a MISP item becomes (the creator's identity is not its own)."""
    uid = _uid(part.record.get("uuid"))
    if part.kind == "misp-event":
        return [_grouping_id(part)]
    if part.kind == "misp-attribute" and _pattern(part.record) is not None:
        return [f"indicator--{uid}"]
    return [f"note--{uid}"]


def _text(part: MispPart) -> tuple[str, str]:
    """A note's abstract and content for a MISP item that has no STIX pattern."""
    r = part.record
    if part.kind == "misp-report":
        return str(r.get("name") or "Event report"), str(r.get("content") or "")
    if part.kind == "misp-object":
        lines = [f"{a.get('object_relation')}: {a.get('value')}" for a in r.get("Attribute", [])]
        return f"MISP object {r.get('name')}", "\n".join(lines)
    comment = f"\n{r['comment']}" if r.get("comment") else ""
    return f"{r.get('category')} / {r.get('type')}", f"{r.get('value')}{comment}"


def _labels(r: Mapping[str, Any]) -> list[str]:
    return [f"misp:{k}={r[k]}" for k in ("type", "category", "name") if r.get(k)]


def _pattern(r: Mapping[str, Any]) -> str | None:
    """The STIX pattern of an attribute meant for detection, when its type has one."""
    kind, value = str(r.get("type")), str(r.get("value", ""))
    if not r.get("to_ids") or not value:
        return None
    if kind in ("ip-src", "ip-dst"):
        path = "ipv6-addr:value" if ":" in value else "ipv4-addr:value"
    elif kind in PATHS:
        path = PATHS[kind]
    else:
        return None
    quoted = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"[{path} = '{quoted}']"


def _common(kind: str, uid: str, record: Mapping[str, Any], creator: str, marking: TLP) -> Obj:
    made = timestamp(_time(record.get("timestamp")))
    return {
        "type": kind, "spec_version": "2.1", "id": f"{kind}--{uid}", "created_by_ref": creator,
        "created": made, "modified": made, "object_marking_refs": [MARKING_IDS[marking]],
    }  # fmt: skip


def _time(value: object) -> datetime:
    """A MISP timestamp (seconds since 1970, as a string or a number) as a time."""
    try:
        return datetime.fromtimestamp(int(str(value)), UTC)
    except ValueError:
        return datetime.fromtimestamp(0, UTC)


def _uid(value: object) -> str:
    """A MISP uuid as the uuid part of a STIX id (one made from it when it is none)."""
    return str(value) if _is_uuid(value) else str(uuid.uuid5(NAMESPACE, f"misp:{value}"))


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
