"""Events: the list (the shared filters, a page at a time), and one event with its article,
the sentence that proves it, and who takes part."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import Response

from outpost.services.events import find_events, get_event
from outpost.web.evidence import highlight
from outpost.web.filters import FilterQuery, listed
from outpost.web.labels import DOMAINS, EVENT_TYPES
from outpost.web.page import NotFoundError, SignedIn

router = APIRouter()


@router.get("/events")
def read_event_list(page: SignedIn, asked: FilterQuery) -> Response:
    shown = listed(asked, lambda: find_events(page.ctx, asked.filters, asked.window()))
    return page.render(
        "events.html",
        status=shown.status,
        current="events",
        asked=shown.asked,
        found=shown.page,
        domains=DOMAINS,
        types=EVENT_TYPES,
    )


@router.get("/events/{event_id}")
def read_event(page: SignedIn, event_id: int) -> Response:
    detail = get_event(page.ctx, event_id) if 0 < event_id < 2**63 else None
    if detail is None:
        raise NotFoundError
    event = detail.event
    point = (
        {"lat": detail.lat, "lon": detail.lon, "name": str((event.place or {}).get("name", ""))}
        if detail.lat is not None and detail.lon is not None
        else None
    )
    return page.render(
        "event.html",
        current="events",
        detail=detail,
        event=event,
        article=detail.article,
        text=highlight(detail.article.text, event),
        point=point,
        day=_day(event.date),
    )


def _day(value: str | None) -> date | str | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return value
