"""A selection as a STIX 2.1 bundle, every object marked with its TLP 2.0 marking.

The mapping, chosen for what STIX consumers (OpenCTI, MISP's STIX import, TAXII clients)
already understand, with no custom object:

- a story is a `report` whose `object_refs` are its events and what they refer to, created
  when first seen and versioned (`modified`) when the store last changed it: an event that
  joins it makes a new version (any other object's is when it was made or the `as_of`);
- an event is a `report` too (report_types "threat-report", label "event" and its type): a
  report is the SDO every consumer lists, shows and links, and it carries what an event is: a
  name, the evidence sentence as description, its publication time, its source as an external
  reference, and `object_refs` to its actors, targets and place. (`observed-data` may refer to
  cyber observables only, a `note` is an annotation of other objects, and `incident` is still
  a stub in 2.1.)
- a KB armed, terrorist or extremist group is a `threat-actor`; every other KB actor (person,
  organisation, state) an `identity`; a place a `location` (latitude, longitude, country, and
  its first-level division as administrative_area);
- `relationship`s: an actor `located-at` the location of its country, a group `targets` the
  identities its events name as targets;
- the producer is the `identity` that created every object.
What partners sent joins as `stix_received` writes it (their STIX objects as they came, their
MISP items converted). Each object made here also carries the exact Outpost record in
Outpost's property extension, so that
`stix_in` reads back equal records. Markings: `bundle.effective` (containers are at least as
strict as what they hold); a relationship is as strict as both its ends and its events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from outpost.export import shapes
from outpost.export.bundle import (
    EventItem,
    Judged,
    Links,
    Marked,
    Selection,
    effective,
    links,
    place_key,
    series_of,
)
from outpost.export.stix_ids import (
    EPOCH,
    NAMESPACE,
    extension,
    project_objects,
    stix_id,
    timestamp,
)
from outpost.export.stix_received import received_objects
from outpost.export.tlp import MARKING_IDS, marking_definition
from outpost.markings import TLP, strictest
from outpost.records import Entity, EventRow, Place, Story

GROUP_KINDS = {"armed_group": [], "terrorist_group": ["terrorist"], "extremist_group": []}
Obj = dict[str, Any]


@dataclass(frozen=True)
class Ids:
    """The STIX id of every selected item, by its Outpost key."""

    producer: str
    actors: dict[str, str]
    places: dict[str, str]
    events: dict[int, str]
    stories: frozenset[str]


def bundle(selection: Selection) -> Obj:
    """The STIX 2.1 bundle of the selection (a dict, ready for json.dumps)."""
    sel = effective(selection)
    found, ids = links(sel), _ids(sel)
    body = [
        _producer(sel, ids),
        *(_actor(m, sel, ids) for m in sel.actors),
        *(_location(m, sel, ids) for m in sel.places),
        *(_event(m, sel, ids, found) for m in sel.events),
        *(_story(m, sel, ids, found) for m in sel.stories),
        *_relationships(sel, ids, found),
        *(o for m in sel.assessments for o in _assessment(m, sel, ids)),
    ]
    made = {o["id"] for o in body}
    for o in received_objects(sel):  # each once: two partners may have sent one object
        if o["id"] not in made:
            made.add(o["id"])
            body.append(o)
    used = sorted(
        {ref for o in body for ref in o.get("object_marking_refs", ())} | {MARKING_IDS[TLP.CLEAR]}
    )
    markings = [marking_definition(t) for t in TLP if MARKING_IDS[t] in used]
    objects = [*markings, *project_objects(), *body]
    key = "|".join([sel.producer.id, timestamp(sel.as_of), *(o["id"] for o in objects)])
    return {"type": "bundle", "id": stix_id("bundle", key), "objects": objects}


def write(selection: Selection, out: Path) -> None:
    out.write_text(json.dumps(bundle(selection), ensure_ascii=False, indent=1), encoding="utf-8")


def actor_type(entity: Entity) -> str:
    return "threat-actor" if entity.kind in GROUP_KINDS else "identity"


def _ids(sel: Selection) -> Ids:
    return Ids(
        producer=stix_id("identity", f"producer:{sel.producer.id}"),
        actors={m.item.id: stix_id(actor_type(m.item), m.item.id) for m in sel.actors},
        places={place_key(m.item): stix_id("location", place_key(m.item)) for m in sel.places},
        events={m.item.row.id: event_id(m.item.row) for m in sel.events},
        stories=frozenset(m.item.id for m in sel.stories),
    )


def event_id(row: EventRow) -> str:
    """An event's STIX id, made of what makes an event the same event: its article, its
    sentence and its type (the same in every Outpost that reads the same article)."""
    return stix_id("report", f"event:{row.article}:{row.start}:{row.end}:{row.type}")


def _common(
    kind: str,
    ident: str,
    sel: Selection,
    created: datetime,
    marking: TLP,
    changed: datetime | None = None,
) -> Obj:
    """What every object has; its version (`modified`) is the latest of when it was made,
    when it last `changed` and the selection's `as_of`."""
    modified = max(created, changed or created, sel.as_of)
    return {
        "type": kind, "spec_version": "2.1", "id": ident,
        "created_by_ref": stix_id("identity", f"producer:{sel.producer.id}"),
        "created": timestamp(created), "modified": timestamp(modified),
        "object_marking_refs": [MARKING_IDS[marking]],
    }  # fmt: skip


def _producer(sel: Selection, ids: Ids) -> Obj:
    record = {"id": sel.producer.id, "name": sel.producer.name}
    return {
        **_common("identity", ids.producer, sel, EPOCH, TLP.CLEAR),
        "name": sel.producer.name, "identity_class": "organization",
        "extensions": extension("producer", record),
    }  # fmt: skip


def _actor(m: Marked[Entity], sel: Selection, ids: Ids) -> Obj:
    e = m.item
    obj = _common(actor_type(e), ids.actors[e.id], sel, EPOCH, m.marking)
    obj["name"] = e.name
    if e.kind:
        obj["description"] = e.kind.replace("_", " ")
    if actor_type(e) == "threat-actor":
        aliases = sorted({n for names in e.names.values() for n in names} - {e.name})
        obj |= {"aliases": aliases} if aliases else {}
        obj |= {"threat_actor_types": GROUP_KINDS[e.kind]} if GROUP_KINDS[e.kind] else {}
    else:
        obj["identity_class"] = "individual" if e.type == "PER" else "organization"
        obj |= {"sectors": ["government-national"]} if e.kind == "state" else {}
        obj |= {"roles": sorted({r.title for r in e.roles})} if e.roles else {}
    if e.wikidata:
        url = f"https://www.wikidata.org/wiki/{e.wikidata}"
        obj["external_references"] = [
            {"source_name": "wikidata", "external_id": e.wikidata, "url": url}
        ]
    return {**obj, "extensions": extension("entity", shapes.entity_json(e))}


def _location(m: Marked[Place], sel: Selection, ids: Ids) -> Obj:
    p = m.item
    obj = _common("location", ids.places[place_key(p)], sel, EPOCH, m.marking)
    obj |= {"name": p.name, "latitude": p.lat, "longitude": p.lon}
    obj |= {"country": p.country} if p.country else {}
    obj |= {"administrative_area": p.admin1} if p.admin1 else {}
    return {**obj, "extensions": extension("place", shapes.place_json(p))}


def _event(m: Marked[EventItem], sel: Selection, ids: Ids, found: Links) -> Obj:
    e, r = m.item, m.item.row
    obj = _common("report", ids.events[r.id], sel, e.published, m.marking)
    refs = [ids.actors[a] for a in (*found.actors[r.id], *found.targets[r.id])]
    place = found.place[r.id]
    refs += [ids.places[place]] if place is not None else []
    obj |= {
        "name": f"{r.type}: {r.title}" if r.title else r.type,
        "description": r.evidence,
        "published": timestamp(e.published),
        "report_types": ["threat-report"],
        "labels": ["event", r.type.lower(), *r.domains],
        "confidence": round(r.confidence * 100),
        # STIX requires at least one ref: an event naming nothing selected refers to its producer
        "object_refs": list(dict.fromkeys(refs)) or [ids.producer],
        "external_references": [_source(e)],
    }
    obj |= {"lang": e.lang} if e.lang else {}
    return {**obj, "extensions": extension("event", shapes.event_json(e))}


def _source(e: EventItem) -> Obj:
    ref: Obj = {"source_name": e.source, "external_id": e.row.article}
    return ref | ({"url": e.url} if e.url else {})


def _story(m: Marked[Story], sel: Selection, ids: Ids, found: Links) -> Obj:
    s = m.item
    # Created when first seen; a new version each time the store changes it (an event
    # joins, it closes), so a partner that polls by version learns that it grew.
    obj = _common("report", _story_id(sel, s.id), sel, s.first_seen, m.marking, s.updated)
    events = [ids.events[e] for e in found.story_events[s.id]]
    held = [ids.actors[a] for e in found.story_events[s.id] for a in found.actors[e]]
    held += [ids.places[p] for e in found.story_events[s.id] if (p := found.place[e])]
    languages = ", ".join(sorted(s.languages))
    obj |= {
        "name": s.title,
        "description": f"{s.article_count} articles ({languages}) from {len(s.sources)} sources",
        "published": obj["modified"],
        "report_types": ["threat-report"],
        "labels": ["story", s.state, *sorted(s.domains)],
        "object_refs": list(dict.fromkeys([*events, *held])) or [ids.producer],
    }
    return {**obj, "extensions": extension("story", shapes.story_json(s))}


def _story_id(sel: Selection, story: str) -> str:
    return stix_id("report", f"story:{sel.story_origins.get(story, sel.producer.id)}:{story}")


# An assessment: a `note` (its key judgements, analytic confidence and Admiralty grades, with
# Outpost's record) and an `opinion` (how far its information is confirmed: the Admiralty
# credibility on STIX's agreement scale), both referring to the event or story it judges, or
# for an indicator series to the selected events that count in it.
CONFIDENCE = {"low": 15, "moderate": 50, "high": 85}  # STIX 2.1 appendix A, Low/Med/High
OPINION = {
    1: "strongly-agree",  # confirmed by other sources
    2: "agree",  # probably true
    3: "neutral",  # possibly true
    4: "disagree",  # doubtful
    5: "strongly-disagree",  # improbable
    6: "neutral",  # truth cannot be judged
}


def _assessment(m: Marked[Judged], sel: Selection, ids: Ids) -> list[Obj]:
    a = m.item
    targets = _judged(a, sel, ids)
    if not targets:  # what it judges is not in the selection: neither is it
        return []
    key = f"assessment:{a.origin}:{a.id}"
    grades = f"{a.reliability}{a.credibility}"
    lines = [f"- {text} ({likelihood})" for text, likelihood in a.judgements]
    lines.append(f"Analytic confidence: {a.confidence}. Admiralty grading: {grades}.")
    note = _common("note", stix_id("note", key), sel, a.created, m.marking) | {
        "abstract": a.title, "content": "\n".join(lines), "object_refs": targets,
        "confidence": CONFIDENCE[a.confidence], "labels": ["assessment", f"admiralty:{grades}"],
        "extensions": extension("assessment", shapes.judged_json(a)),
    }  # fmt: skip
    opinion = _common("opinion", stix_id("opinion", key), sel, a.created, m.marking) | {
        "opinion": OPINION[a.credibility], "object_refs": targets,
        "explanation": f"Admiralty grading {grades} of the assessment {a.title!r}",
    }  # fmt: skip
    return [note, opinion]


def _judged(a: Judged, sel: Selection, ids: Ids) -> list[str]:
    """What an assessment refers to in the bundle: the event's or story's report, or for an
    indicator series the reports of the selected events that count in it."""
    if a.target_kind == "event":
        event = ids.events.get(int(a.target_id))
        return [event] if event else []
    if a.target_kind == "story":
        return [_story_id(sel, a.target_id)] if a.target_id in ids.stories else []
    held = (m.item for m in sel.events if a.target_id in series_of(m.item))
    return sorted(ids.events[e.row.id] for e in held)


def _relationships(sel: Selection, ids: Ids, found: Links) -> list[Obj]:
    actors = {m.item.id: m for m in sel.actors}
    made = [*_located_at(sel, ids), *_targets(sel, ids, found, actors)]
    return sorted(made, key=lambda o: str(o["id"]))


def _relationship(
    sel: Selection, kind: str, source: str, target: str, created: datetime, marking: TLP
) -> Obj:
    ident = stix_id("relationship", f"{source}:{kind}:{target}")
    obj = _common("relationship", ident, sel, created, marking)
    return obj | {"relationship_type": kind, "source_ref": source, "target_ref": target}


def _located_at(sel: Selection, ids: Ids) -> list[Obj]:
    """An actor is located at its country, when that country is a selected place."""
    countries = {m.item.country: m for m in sel.places if m.item.kind == "country"}
    made = []
    for a in sel.actors:
        place = countries.get(a.item.country) if a.item.country else None
        if place is not None:
            marking = strictest([a.marking, place.marking])
            target = ids.places[place_key(place.item)]
            made.append(
                _relationship(sel, "located-at", ids.actors[a.item.id], target, EPOCH, marking)
            )
    return made


def _targets(
    sel: Selection, ids: Ids, found: Links, actors: dict[str, Marked[Entity]]
) -> list[Obj]:
    """A group targets the identities its events name as targets (as strict as all of them)."""
    pairs: dict[tuple[str, str], list[Marked[EventItem]]] = {}
    for m in sel.events:
        for a in found.actors[m.item.row.id]:
            for t in found.targets[m.item.row.id]:
                group, target = actor_type(actors[a].item), actor_type(actors[t].item)
                if group == "threat-actor" and target == "identity":  # what STIX defines
                    pairs.setdefault((a, t), []).append(m)
    made = []
    for (a, t), events in pairs.items():
        marking = strictest([actors[a].marking, actors[t].marking, *(e.marking for e in events)])
        created = min(e.item.published for e in events)
        made.append(_relationship(sel, "targets", ids.actors[a], ids.actors[t], created, marking))
    return made


__all__ = ["NAMESPACE", "actor_type", "bundle", "event_id", "write"]
