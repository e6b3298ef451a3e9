"""A selection as MISP events (pymisp): one event for a whole selection (`misp`), or one per
story (the feed, `misp_feed`).

What goes in: each event's evidence sentence (a `text` attribute) and its source (`link`);
the KB groups it names as `threat-actor`, other actors as `text` (or, when they are targets,
`target-org`, `target-location`, `target-external`); each place as a `geolocation` object.
Markings: every attribute and object carries its own `tlp:*` tag of the MISP TLP taxonomy and
its own distribution (never "inherit event", so a RED attribute in a GREEN event stays narrow);
the event carries the strictest marking of anything in it. MISP's distribution follows TLP:
CLEAR is "all communities", GREEN "this community only", and AMBER, AMBER+STRICT and RED "your
organisation only" (MISP has no level between a community and one organisation; a sharing
group would need the partner's MISP ids, which an export does not know).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from pymisp import MISPAttribute, MISPEvent, MISPEventReport, MISPObject, MISPOrganisation

from outpost.export.bundle import (
    EventItem,
    Judged,
    Links,
    Marked,
    MispPart,
    Selection,
    effective,
    links,
    place_key,
    series_of,
)
from outpost.export.stix_ids import NAMESPACE
from outpost.markings import TLP, strictest
from outpost.records import Entity, Place

DISTRIBUTION = {TLP.CLEAR: 3, TLP.GREEN: 1, TLP.AMBER: 0, TLP.AMBER_STRICT: 0, TLP.RED: 0}
INHERIT = 5  # MISP's distribution "inherit event"
GROUPS = ("armed_group", "terrorist_group", "extremist_group")
TARGET_TYPES = {"ORG": "target-org", "LOC": "target-location", "PER": "target-external"}


def tag(marking: TLP) -> str:
    """The MISP TLP taxonomy's tag: 'tlp:amber+strict'."""
    return f"tlp:{marking.word}"


@dataclass(frozen=True)
class Content:
    """What one MISP event holds."""

    key: str  # stable: its uuid is made from it
    info: str
    day: date
    marking: TLP  # of the container itself (a story's), before what it holds
    events: Sequence[Marked[EventItem]]
    actors: Sequence[Marked[Entity]]
    places: Sequence[Marked[Place]]
    assessments: Sequence[Marked[Judged]] = ()


def selection_event(selection: Selection) -> MISPEvent:
    """One MISP event holding the whole selection."""
    sel = effective(selection)
    days = [m.item.published.date() for m in sel.events] or [sel.as_of.date()]
    info = f"Outpost export of {sel.producer.name}: {len(sel.events)} events"
    content = Content(
        "selection", info, min(days), TLP.CLEAR, sel.events, sel.actors, sel.places,
        judged_of(sel, {m.item.row.id for m in sel.events}, {m.item.id for m in sel.stories}),
    )  # fmt: skip
    event = _misp_event(sel, content, links(sel))
    _add_parts(event, [m for m in sel.misp if m.item.kind != "misp-event"])
    return event


def judged_of(sel: Selection, events: set[int], stories: set[str]) -> list[Marked[Judged]]:
    """The selection's assessments of these events and stories, and of the indicator series
    these events count in."""
    series = {k for m in sel.events if m.item.row.id in events for k in series_of(m.item)}
    return [
        m for m in sel.assessments
        if (m.item.target_kind == "event" and int(m.item.target_id) in events)
        or (m.item.target_kind == "story" and m.item.target_id in stories)
        or (m.item.target_kind == "indicator" and m.item.target_id in series)
    ]  # fmt: skip


def story_events(selection: Selection) -> list[MISPEvent]:
    """One MISP event per story, and one more for the events of no selected story."""
    sel = effective(selection)
    found = links(sel)
    in_story = {e for ids in found.story_events.values() for e in ids}
    by_id = {m.item.row.id: m for m in sel.events}
    made = []
    for s in sel.stories:
        held = [by_id[e] for e in found.story_events[s.item.id]]
        day = s.item.first_seen.date()
        content = _story_content(sel, found, held, s.item.id, s.item.title, day, s.marking)
        content = replace(
            content, assessments=judged_of(sel, set(found.story_events[s.item.id]), {s.item.id})
        )
        made.append(_misp_event(sel, content, found))
    made += received_events(sel)
    rest = [m for m in sel.events if m.item.row.id not in in_story]
    if rest:
        day = min(m.item.published.date() for m in rest)
        info = f"Outpost export of {sel.producer.name}: events of no story"
        made.append(
            _misp_event(sel, _story_content(sel, found, rest, "rest", info, day, TLP.CLEAR), found)
        )
    return made


def received_events(sel: Selection) -> list[MISPEvent]:
    """The MISP events imported from partners, each as it came (its uuid, info, date and
    creator organisation) with the attributes, objects and reports of it the viewer may see."""
    made = []
    for head in (m for m in sel.misp if m.item.kind == "misp-event"):
        event = MISPEvent()
        event.from_dict(**{k: v for k, v in head.item.record.items() if k != "event_uuid"})
        event.distribution = DISTRIBUTION[head.marking]
        _add_parts(event, [m for m in sel.misp if m.item.event == event.uuid], head.marking)
        made.append(event)
    return made


def _add_parts(event: MISPEvent, parts: list[Marked[MispPart]], own: TLP = TLP.CLEAR) -> None:
    """Imported attributes, objects and reports added to `event`, which is then tagged with the
    strictest marking of all it holds."""
    for m in parts:
        fields = _distributed({k: v for k, v in m.item.record.items() if k != "event_uuid"})
        if m.item.kind == "misp-attribute":
            attribute = MISPAttribute()
            attribute.from_dict(**fields)
            event.attributes.append(attribute)
        elif m.item.kind == "misp-object":
            obj = MISPObject(str(fields.get("name")), standalone=False)
            obj.from_dict(**fields)
            event.add_object(obj)
        elif m.item.kind == "misp-report":
            report = MISPEventReport()
            report.from_dict(**fields)
            event.event_reports.append(report)
    tagged = {tag(t): t for t in TLP}
    before = [tagged[t.name] for t in event.tags if t.name in tagged]
    marking = strictest([own, *before, *(m.marking for m in parts)])
    event.tags = [t for t in event.tags if not t.name.startswith("tlp:")]
    event.add_tag(tag(marking))
    event.distribution = DISTRIBUTION[marking]


def _distributed(fields: dict[str, Any]) -> dict[str, Any]:
    """An item (and an object's attributes) with a distribution: a partner may leave it out,
    and a feed needs it; left out, it is its event's."""
    made = {"distribution": INHERIT} | {k: v for k, v in fields.items() if v is not None}
    if isinstance(made.get("Attribute"), list):
        made["Attribute"] = [_distributed(a) for a in made["Attribute"] if isinstance(a, dict)]
    return made


def _story_content(
    sel: Selection, found: Links, events: list[Marked[EventItem]], key: str, info: str,
    day: date, marking: TLP,
) -> Content:  # fmt: skip
    """A story's events, and the actors and places they refer to (nothing else)."""
    named = {
        a for m in events for a in (*found.actors[m.item.row.id], *found.targets[m.item.row.id])
    }
    placed = {found.place[m.item.row.id] for m in events}
    actors = [a for a in sel.actors if a.item.id in named]
    places = [p for p in sel.places if place_key(p.item) in placed]
    return Content(f"story:{key}", info, day, marking, events, actors, places)


def _misp_event(sel: Selection, c: Content, found: Links) -> MISPEvent:
    event = MISPEvent()
    event.uuid = str(uuid.uuid5(NAMESPACE, f"misp-event:{sel.producer.id}:{c.key}"))
    event.info, event.date = c.info, c.day
    event.timestamp = event.publish_timestamp = sel.as_of
    event.analysis, event.threat_level_id, event.published = 2, 4, True  # complete, undefined
    org = MISPOrganisation()
    org.from_dict(
        name=sel.producer.name, uuid=str(uuid.uuid5(NAMESPACE, f"misp-org:{sel.producer.id}"))
    )
    event.Orgc = org
    targets = {t for m in c.events for t in found.targets[m.item.row.id]}
    attributes = [
        *(a for m in c.events for a in _event_attributes(event.uuid, sel, m)),
        *(_actor_attribute(event.uuid, sel, m, m.item.id in targets) for m in c.actors),
    ]
    for attribute in attributes:
        event.attributes.append(attribute)
    for place in c.places:
        event.add_object(_geolocation(event.uuid, sel, place))
    for judged in c.assessments:
        name, content, fields = _report(event.uuid, sel, judged)
        event.add_event_report(name, content, **fields)
    marking = strictest([c.marking, *_markings(c)])
    event.distribution = DISTRIBUTION[marking]
    event.add_tag(tag(marking))
    return event


def _markings(c: Content) -> Iterable[TLP]:
    yield from (m.marking for m in c.events)
    yield from (m.marking for m in c.actors)
    yield from (m.marking for m in c.places)
    yield from (m.marking for m in c.assessments)


def _report(
    event_uuid: str, sel: Selection, m: Marked[Judged]
) -> tuple[str, str, dict[str, object]]:
    """An assessment as a MISP event report (Markdown): its key judgements, analytic
    confidence and Admiralty grades, headed by its TLP marking (a report carries no tags) and
    distributed as its marking allows."""
    a = m.item
    lines = [f"**{m.marking.value}**", "", f"# {a.title}", ""]
    lines += [f"- {text} ({likelihood})" for text, likelihood in a.judgements]
    lines += [
        "",
        f"Analytic confidence: {a.confidence}. Admiralty grading: "
        f"{a.reliability}{a.credibility}. Assessment of the {a.target_kind} {a.target_id}.",
    ]
    return a.title, "\n".join(lines), {
        "uuid": str(uuid.uuid5(NAMESPACE, f"misp-report:{event_uuid}:{a.origin}:{a.id}")),
        "timestamp": sel.as_of, "distribution": DISTRIBUTION[m.marking],
    }  # fmt: skip


def _attribute(
    event_uuid: str, sel: Selection, key: str, marking: TLP, **fields: object
) -> MISPAttribute:
    attribute = MISPAttribute()
    attribute.from_dict(
        uuid=str(uuid.uuid5(NAMESPACE, f"misp-attribute:{event_uuid}:{key}")),
        timestamp=sel.as_of, distribution=DISTRIBUTION[marking], to_ids=False,
        disable_correlation=False, **fields,
    )  # fmt: skip
    attribute.add_tag(tag(marking))
    return attribute


def _event_attributes(event_uuid: str, sel: Selection, m: Marked[EventItem]) -> list[MISPAttribute]:
    e, r = m.item, m.item.row
    comment = f"{r.type} on {r.date or 'an unknown day'} (Outpost event {r.id}; {e.source})"
    made = [
        _attribute(event_uuid, sel, f"event:{r.id}", m.marking, type="text",
                   category="External analysis", value=r.evidence, comment=comment),
    ]  # fmt: skip
    if e.url:
        made.append(_attribute(event_uuid, sel, f"source:{r.id}", m.marking, type="link",
                               category="External analysis", value=e.url,
                               comment=e.source))  # fmt: skip
    return made


def _actor_attribute(
    event_uuid: str, sel: Selection, m: Marked[Entity], target: bool
) -> MISPAttribute:
    e = m.item
    if e.kind in GROUPS:
        kind, category = "threat-actor", "Attribution"
    elif target:
        kind, category = TARGET_TYPES.get(e.type, "target-external"), "Targeting data"
    else:
        kind, category = "text", "Other"
    comment = f"{e.kind.replace('_', ' ') or 'actor'} ({e.id})"
    return _attribute(event_uuid, sel, f"actor:{e.id}", m.marking, type=kind, category=category,
                      value=e.name, comment=comment)  # fmt: skip


def _geolocation(event_uuid: str, sel: Selection, m: Marked[Place]) -> MISPObject:
    p = m.item
    obj = MISPObject("geolocation", standalone=False)
    obj.uuid = str(uuid.uuid5(NAMESPACE, f"misp-object:{event_uuid}:{place_key(p)}"))
    obj.timestamp, obj.distribution, obj.comment = sel.as_of, DISTRIBUTION[m.marking], place_key(p)
    values: dict[str, object] = {"latitude": p.lat, "longitude": p.lon, "text": p.name}
    values |= {"countrycode": p.country} if p.country else {}
    values |= {"region": p.admin1} if p.admin1 else {}
    values |= {"city": p.name} if p.kind == "city" else {}
    for relation, value in values.items():
        attribute = obj.add_attribute(relation, value=value)
        if attribute is not None:
            attribute.uuid = str(uuid.uuid5(NAMESPACE, f"{obj.uuid}:{relation}"))
            attribute.timestamp, attribute.distribution = sel.as_of, DISTRIBUTION[m.marking]
            attribute.add_tag(tag(m.marking))
    return obj


def write(selection: Selection, out: Path) -> None:
    """The selection as one MISP event JSON file (MISP's 'add event from JSON' reads it)."""
    out.write_text(selection_event(selection).to_json(indent=1), encoding="utf-8")
