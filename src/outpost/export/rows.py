"""An event as one flat row, ACLED-like: the columns of the CSV export and the properties of
the GeoJSON one."""

from __future__ import annotations

from collections.abc import Mapping

from outpost.export.bundle import EventItem, Marked
from outpost.records import Entity

COLUMNS = (
    "event_id", "event_date", "event_type", "sub_event_type", "actor1", "actor2", "country",
    "admin1", "location", "latitude", "longitude", "source", "url", "notes", "tlp",
)  # fmt: skip


def event_row(m: Marked[EventItem], actors: Mapping[str, Entity]) -> dict[str, str | float | None]:
    """The row of one event. ACLED's event_type is our event type, its sub_event_type our
    threat domains; actor1 the acting side, actor2 the targets (KB names where the actor is a
    selected KB actor, else the name as the article wrote it); notes the evidence sentence."""
    e, r = m.item, m.item.row
    place = r.place or {}
    return {
        "event_id": r.id,
        "event_date": r.date or e.published.date().isoformat(),
        "event_type": r.type,
        "sub_event_type": "; ".join(r.domains),
        "actor1": "; ".join(_name(a, actors) for a in r.actors),
        "actor2": "; ".join(_name(t, actors) for t in r.targets),
        "country": r.country,
        "admin1": e.admin1,
        "location": place.get("name"),
        "latitude": e.lat,
        "longitude": e.lon,
        "source": e.source,
        "url": e.url,
        "notes": r.evidence,
        "tlp": m.marking.value,
    }


def _name(ident: str, actors: Mapping[str, Entity]) -> str:
    entity = actors.get(ident)
    return entity.name if entity is not None else ident
