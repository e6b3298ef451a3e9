"""Events: the list (the shared filters, a page at a time), and one event with its article,
the sentence that proves it, and who takes part."""

from __future__ import annotations

import shutil
from datetime import date

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from outpost.records import EventRow
from outpost.services.events import find_events, get_event
from outpost.services.exports import FORMATS, MAX_EVENTS, export_download
from outpost.services.imported import sent_of_event
from outpost.services.paging import BadQueryError
from outpost.web.evidence import highlight
from outpost.web.filters import FilterQuery, Shown, listed
from outpost.web.labels import DOMAINS, EVENT_TYPES
from outpost.web.page import NotFoundError, Page, SignedIn

router = APIRouter()


# The export formats the list offers, by their names as people know them.
EXPORTS = (
    ("stix", "STIX 2.1"),
    ("misp", "MISP"),
    ("misp-feed", "MISP feed (zip)"),
    ("csv", "CSV"),
    ("geojson", "GeoJSON"),
)


@router.get("/events")
def read_event_list(page: SignedIn, asked: FilterQuery) -> Response:
    shown = listed(asked, lambda: find_events(page.ctx, asked.filters, asked.window()))
    return _event_list(page, shown)


@router.get("/events/export/{format}")
def export_events(page: SignedIn, asked: FilterQuery, format: str) -> Response:
    """The events of the list's filters as one file (outpost export's, audited, through the
    viewer's visibility); filters that cannot be, or too many events, are the list with the
    problem shown."""
    if format not in FORMATS:
        raise NotFoundError
    if asked.problems:
        return _event_list(page, Shown(asked, None, 400))
    try:
        made = export_download(page.ctx, format, asked.filters)
    except BadQueryError as exc:
        return _event_list(page, Shown(asked.refused(exc), None, 400))
    cleanup = BackgroundTask(shutil.rmtree, made.folder, ignore_errors=True)
    answer = FileResponse(
        made.path, media_type=made.media_type, filename=made.filename, background=cleanup
    )
    page.keep_session(answer)
    return answer


def _event_list(page: Page, shown: Shown[EventRow]) -> Response:
    return page.render(
        "events.html",
        status=shown.status,
        current="events",
        asked=shown.asked,
        found=shown.page,
        domains=DOMAINS,
        types=EVENT_TYPES,
        exports=EXPORTS,
        export_cap=MAX_EVENTS,
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
        sent=sent_of_event(page.ctx, event),
    )


def _day(value: str | None) -> date | str | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return value
