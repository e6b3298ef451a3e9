"""The indicator series an analysed article counts in: its countries, first-level divisions,
threat domains and event types, with its events in each (warn/indicators reads the counts)."""

from __future__ import annotations

from dataclasses import dataclass

from outpost.records import Doc

KINDS = ("country", "admin1", "domain", "event_type")  # every kind of series counted


@dataclass(frozen=True)
class SeriesRow:
    """An article counted in a series, with its events in that series."""

    kind: str
    key: str
    events: int


def series_of(doc: Doc) -> list[SeriesRow]:
    """The series an analysed article counts in."""
    keys: dict[tuple[str, str], int] = {}

    def count(kind: str, key: str | None, events: int = 0) -> None:
        if key:
            keys[(kind, key[:64])] = keys.get((kind, key[:64]), 0) + events

    for place in doc.places:
        count("country", place.country)
        count("admin1", f"{place.country}-{place.admin1}" if place.admin1 else None)
    for threat in doc.threats:
        count("domain", threat.domain)
    if doc.event_type:
        count("event_type", doc.event_type.label)
    for event in doc.events:
        count("event_type", event.type, 1)
        for domain in event.domains:
            count("domain", domain, 1)
        if event.place:
            count("country", event.place.country, 1)
            admin1 = event.place.admin1
            count("admin1", f"{event.place.country}-{admin1}" if admin1 else None, 1)
    return [SeriesRow(kind, key, events) for (kind, key), events in keys.items()]
