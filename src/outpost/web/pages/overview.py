"""The overview, the first screen: what changed since the last visit, the map of recent
events, the indicator charts and the top stories; and the JSON its map and charts read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from outpost.web.i18n import Formats, translations
from outpost.web.labels import DOMAINS, labeller
from outpost.web.overview import (
    PERIODS,
    changes,
    chart_readings,
    indicator_charts,
    indicators,
    latest_day,
    map_json,
    period,
    top_stories,
)
from outpost.web.page import Page, SignedIn, set_cookie

router = APIRouter()

VISIT_COOKIE = "outpost_visit"
VISIT_GAP = timedelta(minutes=30)  # a visit is the pages seen with less than this between
YEAR = 365 * 24 * 3600


@router.get("/")
def read_overview(page: SignedIn, days: str | None = None) -> Response:
    now = datetime.now(UTC)
    since, visit = _visits(page.request.cookies.get(VISIT_COOKIE), now)
    shown = period(_integer(days))
    found = indicators(page.ctx)
    response = page.render(
        "overview.html",
        current="overview",
        changed=changes(page.ctx, since, found),
        stories=top_stories(page.ctx),
        charts=chart_readings(found),
        domains=DOMAINS,
        day=latest_day(found),
        days=shown,
        periods=PERIODS,
    )
    set_cookie(response, page.request, VISIT_COOKIE, visit, YEAR)
    return response


@router.get("/overview/map.json")
def read_map(page: SignedIn, days: str | None = None) -> Response:
    names = _domain_names(page)
    return JSONResponse(map_json(page.ctx, period(_integer(days)), names))


@router.get("/overview/charts.json")
def read_charts(page: SignedIn) -> Response:
    label = labeller(translations(page.lang).gettext)
    charts = indicator_charts(
        page.ctx, Formats(page.lang).country, lambda key: label("domain", key)
    )
    return JSONResponse(charts)


def _domain_names(page: Page) -> dict[str, str]:
    gettext = translations(page.lang).gettext
    return {key: gettext(name) for key, name in DOMAINS.items()}


def _integer(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 6 else None


def _visits(cookie: str | None, now: datetime) -> tuple[datetime | None, str]:
    """(the end of the previous visit, the cookie to keep): a visit lasts while pages are seen
    less than VISIT_GAP apart, so reloading the overview does not empty "since your last
    visit"."""
    previous = current = None
    if cookie:
        first, _, second = cookie.partition(".")
        previous, current = _stamp(first), _stamp(second)
    if current is None or now - current > VISIT_GAP:
        previous = current
    stamp = f"{int(previous.timestamp()) if previous else '-'}.{int(now.timestamp())}"
    return previous, stamp


def _stamp(text: str) -> datetime | None:
    if not text.isdigit() or len(text) > 12:
        return None
    return datetime.fromtimestamp(int(text), UTC)
