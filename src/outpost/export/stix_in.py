"""A STIX 2.1 bundle read back into a `Selection`, markings kept.

The bundle is validated first (stix2-validator, the specification's MUSTs; its SHOULDs are not
a partner's fault) and the first problem is named. Objects carrying Outpost's property
extension become the records they were made from, with the TLP 2.0 marking of their
`object_marking_refs` (TLP 1.0 markings read as their 2.0 names: WHITE is CLEAR). An object
with no TLP marking at all is taken as AMBER+STRICT, the default of what people write: an
unmarked item is never widened.

A partner's import (`read_parcel`) keeps every other valid object too (another tool's report,
threat actor, indicator, observable, relationship, note...) as it came, kind "stix", with its
marking: what a partner sends is never dropped for not being ours. Only what Outpost itself
makes again is left out: the official TLP marking definitions, the project's identity and
extension, and what an Outpost producer derived from its records (relationships, an
assessment's opinion: rebuilt from the records on export); those are listed as skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stix2validator import ValidationOptions, validate_instance

from outpost.export import shapes
from outpost.export.bundle import Marked, Producer, Selection
from outpost.export.stix_ids import EXTENSION, PROJECT, parse_timestamp
from outpost.export.tlp import MARKINGS_BY_ID, TLP2_EXTENSION
from outpost.markings import TLP, strictest
from outpost.records import Sent

# TLP 1.0 (the marking objects of the STIX 2.1 specification itself, section 7.2.1.4)
TLP1 = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,  # WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}
UNMARKED = TLP.AMBER_STRICT
FIXED = (PROJECT, EXTENSION, TLP2_EXTENSION)  # what every Outpost bundle carries
FOREIGN = "stix"  # the kind of a partner's object that is no Outpost record, kept as it came
MAX_ID = 120  # the longest key the store keeps (imported.key)
NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # a cyber observable has no version: it never changes
Obj = dict[str, Any]


class StixInputError(ValueError):
    """A bundle that cannot be read; the message names the first problem."""


@dataclass(frozen=True)
class Imported:
    selection: Selection
    skipped: tuple[str, ...]  # ids of objects that are not Outpost records


@dataclass(frozen=True)
class Parcel:
    """What a partner's bundle holds, object by object: the objects it carries (Outpost records,
    and other objects as they came), the objects refused (id and the first problem; the others
    are kept), those left out because Outpost makes them again, and the producer it names
    (None when it names none)."""

    items: tuple[Sent, ...]
    refused: tuple[tuple[str, str], ...]
    skipped: tuple[str, ...]
    producer: Producer | None


def read_bundle(text: str | bytes) -> Imported:
    """The records of a STIX 2.1 bundle (JSON text), each with its marking."""
    data = _bundle(text)
    _validate(data)
    objects: list[Obj] = data["objects"]
    _check_markings(objects)
    return _records(objects)


def _bundle(text: str | bytes) -> Obj:
    """The bundle as JSON, with a list of objects (empty when it has none)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise StixInputError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("type") != "bundle":
        raise StixInputError("not a STIX bundle: the top level must be an object of type 'bundle'")
    if not isinstance(data.setdefault("objects", []), list):
        raise StixInputError("not a STIX bundle: 'objects' must be a list")
    return data


def read_parcel(text: str | bytes) -> Parcel:
    """The records of a partner's bundle, each object on its own: an invalid object is
    refused with its problem and the others are kept. Only a document that is no bundle at
    all (or an official TLP marking id that lies) is refused whole, with StixInputError."""
    objects = _bundle(text)["objects"]
    _check_markings([o for o in objects if isinstance(o, dict)])
    items: list[Sent] = []
    refused: list[tuple[str, str]] = []
    producers: dict[str, Producer] = {}
    for o in objects:
        ident = str(o.get("id", "?")) if isinstance(o, dict) else "?"
        try:
            kind, record = _one(o)
        except StixInputError as exc:
            refused.append((ident, str(exc)))
            continue
        if kind == "producer":
            producers[ident] = _producer(ident, record)
        elif kind is not None:
            modified = parse_timestamp(o["modified"])
            items.append(Sent(kind, ident, record, marking(o), modified))
        else:
            items.append(Sent(FOREIGN, ident, o, marking(o), version(o)))
    again = {s.key for s in items if s.kind == FOREIGN and _made_again(s.record, producers)}
    kept = tuple(s for s in items if s.key not in again)
    derived = tuple(s.key for s in items if s.key in again and not _fixed(s.record))
    found = set(producers.values())
    producer = found.pop() if len(found) == 1 else None
    return Parcel(kept, tuple(refused), derived, producer)


def _made_again(o: Obj, producers: Mapping[str, Producer]) -> bool:
    """Whether Outpost makes this object itself: an official TLP marking definition, the
    project's identity or extension, or what an Outpost producer derived from its records
    (relationships, an assessment's opinion)."""
    return _fixed(o) or o.get("created_by_ref") in producers


def _fixed(o: Obj) -> bool:
    return o["id"] in FIXED or o["id"] in MARKINGS_BY_ID or o["id"] in TLP1


def version(o: Obj) -> datetime:
    """An object's version: its `modified`, else its `created` (a marking definition), else
    none (a cyber observable, which is never changed)."""
    stamp = o.get("modified") or o.get("created")
    return parse_timestamp(stamp) if isinstance(stamp, str) else NO_TIME


def _one(o: object) -> tuple[str | None, dict[str, Any]]:
    """One object checked on its own: its Outpost kind and record (None: no Outpost record)."""
    if not isinstance(o, dict):
        raise StixInputError("an object of a bundle must be a JSON object")
    if len(str(o.get("id", ""))) > MAX_ID:
        raise StixInputError(f"an id longer than {MAX_ID} characters is not kept")
    result = validate_instance(o, ValidationOptions(version="2.1"))
    if not result.is_valid:
        first = result.errors[0].message if result.errors else "invalid"
        raise StixInputError(f"invalid STIX 2.1: {first}")
    payload = o.get("extensions", {}).get(EXTENSION)
    if payload is None:
        return None, {}
    kind, record = _payload(o, payload)
    if kind != "producer":
        _read(o["id"], kind, record)  # refused here when its record is malformed
    if not isinstance(record, dict):
        raise StixInputError(f"{o['id']}: the Outpost record must be an object")
    return kind, record


def _validate(data: Obj) -> None:
    result = validate_instance(data, ValidationOptions(version="2.1"))
    if not result.is_valid:
        first = result.errors[0].message if result.errors else "invalid"
        raise StixInputError(f"invalid STIX 2.1: {first}")


def _check_markings(objects: list[Obj]) -> None:
    """An object that claims the id of an official TLP 2.0 marking must be that marking."""
    for o in objects:
        tlp = MARKINGS_BY_ID.get(str(o.get("id")))
        if tlp is None:
            continue
        said = o.get("extensions", {}).get(TLP2_EXTENSION, {}).get("tlp_2_0")
        if o.get("name") != tlp.value or said != tlp.word:
            raise StixInputError(f"{o['id']}: has the id of {tlp.value} but says otherwise")


def marking(obj: Obj) -> TLP:
    """The strictest TLP marking an object carries (AMBER+STRICT when it carries none)."""
    refs = obj.get("object_marking_refs", [])
    found = [t for r in refs if (t := MARKINGS_BY_ID.get(r) or TLP1.get(r)) is not None]
    return strictest(found) if found else UNMARKED


READERS: Mapping[str, Callable[[object], object]] = {
    "event": shapes.event_from,
    "entity": shapes.entity_from,
    "place": shapes.place_from,
    "story": shapes.story_from,
    "assessment": shapes.judged_from,
}


def _records(objects: list[Obj]) -> Imported:
    found: dict[str, list[Marked[Any]]] = {kind: [] for kind in READERS}
    producers: list[Producer] = []
    skipped, times = [], []
    for o in objects:
        payload = o.get("extensions", {}).get(EXTENSION)
        if payload is None:
            if o["type"] not in ("marking-definition", "relationship") and o["id"] not in FIXED:
                skipped.append(o["id"])
            continue
        kind, record = _payload(o, payload)
        if kind == "producer":
            producers.append(_producer(o["id"], record))
            continue
        found[kind].append(Marked(_read(o["id"], kind, record), marking(o)))
        if kind != "story":  # a story's version is when it last changed, not the export's
            times.append(parse_timestamp(o["modified"]))
    return Imported(_selection(found, producers, times), tuple(skipped))


def _payload(o: Obj, payload: object) -> tuple[str, object]:
    if not isinstance(payload, dict) or "record" not in payload:
        raise StixInputError(f"{o['id']}: the Outpost extension holds no record")
    kind = payload.get("kind")
    if kind != "producer" and kind not in READERS:
        raise StixInputError(f"{o['id']}: unknown Outpost record kind {kind!r}")
    return str(kind), payload["record"]


def _read(ident: str, kind: str, record: object) -> object:
    try:
        return READERS[kind](record)
    except shapes.ShapeError as exc:
        raise StixInputError(f"{ident}: {exc}") from None


def _producer(ident: str, record: object) -> Producer:
    if not isinstance(record, dict) or not all(
        isinstance(record.get(k), str) for k in ("id", "name")
    ):
        raise StixInputError(f"{ident}: a producer needs an id and a name")
    return Producer(record["id"], record["name"])


def _selection(
    found: dict[str, list[Marked[Any]]], producers: list[Producer], times: list[datetime]
) -> Selection:
    if len(set(producers)) != 1:
        raise StixInputError(
            f"the bundle must name one Outpost producer, it names {len(producers)}"
        )
    return Selection(
        producer=producers[0],
        as_of=max(times, default=datetime.fromtimestamp(0).astimezone()),
        events=tuple(found["event"]),
        actors=tuple(found["entity"]),
        places=tuple(found["place"]),
        stories=tuple(found["story"]),
        assessments=tuple(found["assessment"]),
    )
