"""MISP events read back (pymisp), item by item, into the `Parcel` an import keeps.

pymisp is the validator: the event's metadata must load as a `MISPEvent`, each attribute as a
`MISPAttribute`, each object as a `MISPObject` of its template and each event report (the
analyst's written report) as a `MISPEventReport`; one that does not is refused with pymisp's
message and the others are kept. What is kept is pymisp's own JSON of each item (the event's
metadata, every attribute, every object with its attributes, every report), each
marked by its `tlp:*` tag of the MISP TLP taxonomy, else by its event's, else AMBER+STRICT
(an unmarked item is never widened). Keys are MISP uuids; the event's `Orgc` is the producer.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymisp import MISPAttribute, MISPEvent, MISPEventReport, MISPObject

from outpost.export.bundle import Producer
from outpost.export.stix_in import MAX_ID, Parcel
from outpost.markings import TLP, strictest
from outpost.records import Sent

UNMARKED = TLP.AMBER_STRICT
TAGS = {f"tlp:{t.word}": t for t in TLP} | {"tlp:white": TLP.CLEAR}  # TLP 1.0's WHITE
PARTS = ("Attribute", "Object", "EventReport")  # read one by one, each on its own
META = ("uuid", "info", "date", "analysis", "threat_level_id", "published", "timestamp")
Json = dict[str, Any]


class MispInputError(ValueError):
    """A document that is no MISP event (or feed) at all; the message names the problem."""


def read_event_file(data: bytes | str) -> Parcel:
    """One MISP event JSON ({"Event": {...}} as MISP and our export write it, or bare)."""
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise MispInputError(f"not JSON: {exc}") from None
    return read_event(document)


def read_event(document: object) -> Parcel:
    event = document.get("Event", document) if isinstance(document, dict) else None
    if not isinstance(event, dict) or "info" not in event or "uuid" not in event:
        raise MispInputError("not a MISP event: an object with 'info' and 'uuid' is needed")
    meta = MISPEvent()
    try:
        meta.load({k: v for k, v in event.items() if k not in PARTS})
    except Exception as exc:  # pymisp raises many kinds; each names the field
        raise MispInputError(f"not a MISP event: {exc}") from None
    if len(str(meta.uuid)) > MAX_ID:
        raise MispInputError(f"not a MISP event: a uuid longer than {MAX_ID} characters")
    marking = _marking(meta.tags) or UNMARKED
    when = _time(meta.timestamp) if meta.get("timestamp") else datetime.now(UTC)
    items = [Sent("misp-event", meta.uuid, _meta(meta), marking, when)]
    refused: list[tuple[str, str]] = []
    for kind, raw in _parts(event):
        try:
            items.append(_item(kind, raw, meta.uuid, marking, when))
        except Exception as exc:
            refused.append((str(raw.get("uuid", "?")) if isinstance(raw, dict) else "?", str(exc)))
    return Parcel(tuple(items), tuple(refused), (), _producer(meta))


def _parts(event: Json) -> Iterable[tuple[str, Any]]:
    yield from (("misp-attribute", a) for a in event.get("Attribute") or [])
    yield from (("misp-object", o) for o in event.get("Object") or [])
    yield from (("misp-report", r) for r in event.get("EventReport") or [])


def _item(kind: str, raw: object, event: str, inherited: TLP, when: datetime) -> Sent:
    if not isinstance(raw, dict):
        raise MispInputError("an attribute or object must be a JSON object")
    part: MISPAttribute | MISPObject | MISPEventReport
    if kind == "misp-attribute":
        part = attribute = MISPAttribute()
        attribute.from_dict(**raw)
        tags = attribute.tags
    elif kind == "misp-object":
        part = obj = MISPObject(str(raw.get("name")), standalone=False)
        obj.from_dict(**raw)
        tags = [t for a in obj.attributes for t in a.tags]
    else:  # a report has no tags of its own: it is marked as its event
        part = MISPEventReport()
        part.from_dict(**raw)
        tags = []
    if len(str(part.uuid)) > MAX_ID:
        raise MispInputError(f"a uuid longer than {MAX_ID} characters is not kept")
    record = json.loads(part.to_json()) | {"event_uuid": event}
    stamp = part.get("timestamp")
    modified = _time(stamp) if stamp else when
    return Sent(kind, str(part.uuid), record, _marking(tags) or inherited, modified)


def _marking(tags: Iterable[Any]) -> TLP | None:
    found = [t for tag in tags if (t := TAGS.get(str(tag.name).lower())) is not None]
    return strictest(found) if found else None


def _meta(meta: MISPEvent) -> Json:
    data = json.loads(meta.to_json())
    kept = {k: data[k] for k in META if k in data}
    return kept | {"Orgc": data["Orgc"]} if "Orgc" in data else kept


def _producer(meta: MISPEvent) -> Producer | None:
    org = meta.get("Orgc")
    if org is None or not org.get("name"):
        return None
    return Producer(f"misp-org:{org.get('uuid') or org.get('name')}", str(org.get("name")))


def _time(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(int(str(value)), UTC)


def read_feed_folder(folder: Path) -> Parcel:
    """A MISP feed folder: every event its manifest.json lists."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise MispInputError(f"{folder.name}: a MISP feed folder holds a manifest.json")
    return _feed(manifest.read_bytes(), lambda name: (folder / name).read_bytes())


def read_feed_zip(archive: zipfile.ZipFile, cap: int) -> Parcel:
    """A MISP feed folder zipped (as GET /export/misp-feed answers it)."""
    if sum(i.file_size for i in archive.infolist()) > cap:
        raise MispInputError(f"the feed holds more than {cap:,} bytes")
    names = {Path(n).name: n for n in archive.namelist()}
    if "manifest.json" not in names:
        raise MispInputError("a MISP feed zip holds a manifest.json")
    return _feed(archive.read(names["manifest.json"]), lambda name: archive.read(names[name]))


def _feed(manifest: bytes, read: Any) -> Parcel:
    try:
        listed = json.loads(manifest)
    except ValueError as exc:
        raise MispInputError(f"manifest.json: not JSON: {exc}") from None
    if not isinstance(listed, dict):
        raise MispInputError("manifest.json: an object of event uuids is needed")
    items: list[Sent] = []
    refused: list[tuple[str, str]] = []
    producers = set()
    for event in listed:
        try:
            parcel = read_event_file(read(f"{event}.json"))
        except (MispInputError, KeyError, OSError) as exc:
            refused.append((str(event), str(exc)))
            continue
        items += parcel.items
        refused += parcel.refused
        producers |= {parcel.producer} if parcel.producer else set()
    producer = producers.pop() if len(producers) == 1 else None
    return Parcel(tuple(items), tuple(refused), (), producer)
