"""Events: the list, and one event with its article and the sentence that proves it."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import Response

from outpost.records import EventRow
from outpost.services.articles import get_article
from outpost.services.context import Context
from outpost.services.events import read_events
from outpost.store.facts import EventFilter
from outpost.web.evidence import highlight
from outpost.web.labels import DOMAINS, EVENT_TYPES
from outpost.web.page import NotFoundError, SignedIn

router = APIRouter()

LISTED = 100


@router.get("/events")
def read_event_list(
    page: SignedIn,
    domain: str | None = None,
    type: str | None = None,
    country: str | None = None,
    actor: str | None = None,
) -> Response:
    chosen = EventFilter(
        domain=domain if domain in DOMAINS else None,
        type=type if type in EVENT_TYPES else None,
        country=country.upper() if country and len(country) == 2 and country.isalpha() else None,
        actor=actor[:200] if actor else None,
        limit=LISTED,
    )
    return page.render(
        "events.html",
        current="events",
        events=read_events(page.ctx, chosen),
        chosen=chosen,
        domains=DOMAINS,
        types=EVENT_TYPES,
    )


@router.get("/events/{event_id}")
def read_event(page: SignedIn, event_id: int) -> Response:
    event = find_event(page.ctx, event_id)
    if event is None:
        raise NotFoundError
    article = get_article(page.ctx, event.article)
    place = event.place or {}
    point = (
        {"lat": place["lat"], "lon": place["lon"], "name": str(place.get("name", ""))}
        if isinstance(place.get("lat"), int | float) and isinstance(place.get("lon"), int | float)
        else None
    )
    return page.render(
        "event.html",
        current="events",
        event=event,
        article=article,
        text=highlight(article.text, event) if article else None,
        point=point,
        day=_day(event.date),
    )


def find_event(ctx: Context, event_id: int) -> EventRow | None:
    """One event by id. The services list events but do not get one yet, so this reads the
    list (wanted: services.events.get_event(ctx, event_id) -> EventRow | None)."""
    found = [e for e in read_events(ctx, EventFilter(limit=None)) if e.id == event_id]
    return found[0] if found else None


def _day(value: str | None) -> date | str | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return value
