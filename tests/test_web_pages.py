"""The pages in-process (httpx over ASGI) on SQLite and PostgreSQL: a hostile article shows as
text everywhere, the event page marks its evidence, the Russian interface, the JSON of the
overview's map and charts, acknowledging an alert."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from markupsafe import escape

from outpost.dedup import sha256
from outpost.services.alerts import list_alerts
from outpost.services.articles import list_articles
from outpost.services.audit import list_audit
from outpost.services.context import operator
from outpost.services.events import find_events, read_events
from outpost.services.exports import FORMATS
from outpost.services.indicators import read_indicators
from outpost.services.paging import Filters, Window
from outpost.store import feeds
from outpost.store.articles import ArticleFilter
from outpost.store.facts import EventFilter
from outpost.web.evidence import highlight
from tests.test_web_support import (
    HOSTILE_SOURCE,
    HOSTILE_TEXT,
    HOSTILE_TITLE,
    PAYLOADS,
    Site,
    csrf_of,
    hostile_events,
    markup_problems,
    signed_in,
    site,
)

__all__ = ["site"]  # the fixture, used by name
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def escaped(text: str) -> str:
    """As Jinja2 prints a value."""
    return str(escape(text))


def assert_inert(page: str) -> None:
    """No payload of the hostile article is markup in the page: each is there escaped."""
    for payload in PAYLOADS:
        assert payload not in page, f"{payload!r} is live markup"
    assert markup_problems(page) == []


# A hostile article -----------------------------------------------------------------------------


async def test_hostile_article_page_shows_every_field_as_text(site: Site) -> None:
    async with signed_in(site) as c:
        page = (await c.get("/articles/hostile-1")).text
    assert_inert(page)
    assert escaped(HOSTILE_TITLE) in page
    assert escaped(HOSTILE_SOURCE) in page
    assert "&lt;/textarea&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in page
    # Shown (as the store canonicalised it), never as a link.
    assert '<dd class="address">javascript:' in page and 'href="javascript' not in page


async def test_hostile_article_in_lists_search_and_stories_is_text(site: Site) -> None:
    async with signed_in(site) as c:
        pages = [
            (await c.get(path)).text
            for path in ("/articles", "/events", "/stories", "/search?q=Khorog", "/sources", "/")
        ]
    for page in pages:
        assert_inert(page)
    assert escaped(HOSTILE_TITLE) in pages[0]
    assert "Khorog" in pages[3]


async def test_hostile_search_query_is_echoed_as_text(site: Site) -> None:
    async with signed_in(site) as c:
        page = (await c.get("/search", params={"q": '"><script>alert(8)</script>'})).text
    assert "<script>alert(8)" not in page
    assert 'value="&#34;&gt;&lt;script&gt;alert(8)&lt;/script&gt;"' in page


# The event page --------------------------------------------------------------------------------


async def test_event_page_marks_the_evidence_in_the_escaped_text(site: Site) -> None:
    events = hostile_events(site.ctx)
    assert events
    async with signed_in(site) as c:
        for event in events:
            page = (await c.get(f"/events/{event.id}")).text
            assert_inert(page)
            marked = re.search(r'<mark id="evidence" tabindex="-1">(.*?)</mark>', page, re.S)
            assert marked, "the evidence is marked"
            evidence = HOSTILE_TEXT[event.start : event.end]
            assert marked.group(1) == escaped(evidence)
            before = page[: marked.start()]
            assert before.endswith(escaped(HOSTILE_TEXT[: event.start]))


async def test_event_page_shows_type_parties_place_date_domains_confidence(site: Site) -> None:
    [event] = [e for e in hostile_events(site.ctx) if e.start == 0]
    async with signed_in(site) as c:
        page = (await c.get(f"/events/{event.id}")).text
    assert "<h1>Armed clash" in page
    assert "Border security" in page and "Armed conflict" in page
    assert "Mar 13, 2025" in page or event.date is None
    assert f"{round(event.confidence * 100)}%" in page
    assert 'id="event-place"' in page and "data-point=" in page
    assert event.place is not None and str(event.place["name"]) in page


def test_evidence_offsets_outside_the_text_mark_nothing(site: Site) -> None:
    [event, *_] = hostile_events(site.ctx)
    shifted = type(event)(**{**event.__dict__, "start": 10_000, "end": 10_050})
    shown = highlight(HOSTILE_TEXT, shifted)
    assert not shown.found and shown.before == HOSTILE_TEXT


async def test_unknown_event_is_a_page_not_found(site: Site) -> None:
    async with signed_in(site) as c:
        answer = await c.get("/events/999999")
        russian = await c.get("/events/999999", headers={"Accept-Language": "ru"})
    assert answer.status_code == 404 and "<h1>Not found</h1>" in answer.text
    assert russian.status_code == 404 and "<h1>Не найдено</h1>" in russian.text


# Exports -----------------------------------------------------------------------------------------


async def test_the_event_list_exports_what_its_filters_find_in_every_format(site: Site) -> None:
    rows = [e for e in read_events(site.ctx, EventFilter(limit=None)) if e.country]
    country = Counter(e.country for e in rows).most_common(1)[0][0]
    async with signed_in(site) as c:
        listed = (await c.get("/events", params={"country": country})).text
        links = re.findall(r'href="(/events/export/[^"]+)" download', listed)
        answers = {link.split("?")[0].rsplit("/", 1)[1]: await c.get(link) for link in links}
    assert sorted(answers) == sorted(FORMATS)  # every format, each with the list's filter
    assert all(f"country={country}" in link for link in links)
    for name, answer in answers.items():
        assert answer.status_code == 200, (name, answer.text[:300])
        assert "attachment" in answer.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(answers["csv"].text)))
    found = find_events(site.ctx, Filters(country=country), Window(limit=200))
    assert {int(r["event_id"]) for r in table} == {e.id for e in found.items}
    assert {r["country"] for r in table} == {country}
    assert zipfile.ZipFile(io.BytesIO(answers["misp-feed"].content)).namelist()
    exported = [
        a for a in list_audit(site.ctx.acting(operator()), limit=500) if a.action == "export"
    ]
    assert {a.target for a in exported} >= set(FORMATS)  # each one recorded, with its filter
    assert all(json.loads(a.detail_json).get("filter.country") == country for a in exported)


async def test_an_export_refused_is_the_list_with_the_problem(site: Site) -> None:
    async with signed_in(site) as c:
        bad = await c.get("/events/export/csv", params={"since": "yesterday"})
        unknown = await c.get("/events/export/xml")
    assert bad.status_code == 400 and "<h1>Events</h1>" in bad.text
    assert 'aria-invalid="true"' in bad.text or "since" in bad.text
    assert unknown.status_code == 404


# Russian ---------------------------------------------------------------------------------------


async def test_russian_from_the_browser_language(site: Site) -> None:
    async with signed_in(site, **{"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}) as c:
        page = (await c.get("/")).text
        alerts = (await c.get("/alerts")).text
    assert '<html lang="ru">' in page
    for word in ("Обзор", "События на карте", "Индикаторы", "Главные сюжеты на разных языках"):
        assert word in page
    spaced = page.replace("\xa0", " ").replace("\u202f", " ")  # Babel's no-break spaces
    assert "Последний учтённый день: 14 мар. 2025 г." in spaced
    assert "Оповещения" in alerts and "Принять" in alerts and "Высокая" in alerts
    assert "Overview" not in page and "Acknowledge" not in alerts


async def test_the_language_switch_wins_over_the_browser(site: Site) -> None:
    async with signed_in(site, **{"Accept-Language": "ru"}) as c:
        page = (await c.get("/events")).text
        switched = await c.post(
            "/language", data={"lang": "en", "next": "/events", "csrf_token": csrf_of(page)}
        )
        assert switched.status_code == 303 and switched.headers["location"] == "/events"
        cookie = switched.headers["set-cookie"]
        again = (await c.get("/events")).text
    assert '<html lang="ru">' in page and "Тип события" in page
    assert "outpost_lang=en" in cookie and "httponly" in cookie.lower()
    assert '<html lang="en">' in again and "Event type" in again


async def test_russian_names_of_countries_domains_and_numbers(site: Site) -> None:
    async with signed_in(site, **{"Accept-Language": "ru"}) as c:
        charts = (await c.get("/overview/charts.json")).json()
        events = (await c.get("/events")).text
    labels = {s["label"] for g in charts["groups"] for s in g["series"]}
    assert "Пакистан" in labels and "Терроризм" in labels
    assert "Вооружённое столкновение" in events and "Безопасность границ" in events


# The overview's JSON ---------------------------------------------------------------------------


async def test_map_json_sums_the_located_events_of_the_period(site: Site) -> None:
    async with signed_in(site) as c:
        data = (await c.get("/overview/map.json", params={"days": "30"})).json()
    last = read_indicators(site.ctx, "country")[0].day
    assert data["last"] == last.isoformat()
    assert data["first"] == (last - timedelta(days=29)).isoformat()
    start = datetime.combine(last - timedelta(days=29), time(), UTC)
    published = {a.uid: a.published for a in list_articles(site.ctx, ArticleFilter(limit=None))}
    window = [
        e
        for e in read_events(site.ctx, EventFilter(limit=None))
        if (when := published[e.article]) and start <= when < start + timedelta(days=30)
    ]
    located = [e for e in window if e.place]
    assert located and len(window) < len(read_events(site.ctx, EventFilter(limit=None)))
    assert data["events"] == len(window) and data["located"] == len(located)
    assert sum(cell["count"] for cell in data["cells"]) == len(located)
    for cell in data["cells"]:
        assert set(cell) == {"lat", "lon", "count", "domains"}
        assert -90 <= cell["lat"] <= 90 and -180 <= cell["lon"] <= 180
        assert all(0 < n <= cell["count"] for n in cell["domains"].values())
    khorog = [c for c in data["cells"] if abs(c["lat"] - 37.49) < 0.1]
    assert khorog and khorog[0]["domains"].get("border_security", 0) >= 1
    assert data["domains"]["terrorism"] == "Terrorism"


async def test_map_json_of_an_unknown_period_is_the_default(site: Site) -> None:
    async with signed_in(site) as c:
        odd = (await c.get("/overview/map.json", params={"days": "-5"})).json()
        default = (await c.get("/overview/map.json")).json()
    assert odd == default


async def test_charts_json_has_counts_baselines_and_spikes(site: Site) -> None:
    async with signed_in(site) as c:
        data = (await c.get("/overview/charts.json")).json()
    kinds = [g["kind"] for g in data["groups"]]
    assert kinds == ["country", "domain"]
    readings = {r.key: r for r in read_indicators(site.ctx, "country")}
    for group in data["groups"]:
        assert group["series"]
        for s in group["series"]:
            assert len(s["values"]) == len(s["expected"]) <= 42
            assert all(0 <= i < len(s["values"]) for i in s["spikes"])
            assert s["values"][-1] == s["observed"]
            if group["kind"] == "country":
                assert s["observed"] == readings[s["key"]].observed
                assert s["spike"] == readings[s["key"]].spike
    pakistan = next(s for s in data["groups"][0]["series"] if s["key"] == "PK")
    assert pakistan["label"] == "Pakistan"
    assert pakistan["spikes"], "the train attack's first days stand out"


async def test_overview_lists_changes_map_charts_and_top_stories(site: Site) -> None:
    async with signed_in(site) as c:
        first = (await c.get("/")).text
        again = await c.get("/")
    assert "Welcome: the latest at a glance" in first
    assert 'data-src="/overview/map.json?days=30"' in first
    assert first.count('class="chart') >= 4
    assert "Top stories across languages" in first and "Russian" in first
    assert "outpost_visit=" in again.headers["set-cookie"]


# Alerts ----------------------------------------------------------------------------------------


async def test_acknowledge_with_htmx_returns_the_row_and_stores_the_state(site: Site) -> None:
    [alert, *_] = list_alerts(site.ctx, "new")
    async with signed_in(site) as c:
        page = (await c.get("/alerts")).text
        assert f'id="alert-{alert.id}"' in page
        answer = await c.post(
            f"/alerts/{alert.id}/state",
            data={"state": "acknowledged"},
            headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(page)},
        )
    assert answer.status_code == 200
    row = f'<li id="alert-{alert.id}" class="alert state-acknowledged"'
    assert answer.text.lstrip().startswith(row)
    assert [a.state for a in list_alerts(site.ctx, limit=None) if a.id == alert.id] == [
        "acknowledged"
    ]


async def test_closing_without_scripts_posts_the_form_and_returns_to_the_inbox(site: Site) -> None:
    [alert, *_] = list_alerts(site.ctx, "new")
    async with signed_in(site) as c:
        page = (await c.get("/alerts")).text
        answer = await c.post(
            f"/alerts/{alert.id}/state", data={"state": "closed", "csrf_token": csrf_of(page)}
        )
        closed = (await c.get("/alerts", params={"state": "closed"})).text
    assert answer.status_code == 303 and answer.headers["location"] == "/alerts"
    assert f'id="alert-{alert.id}"' in closed
    assert 'sse-connect="/alerts/stream?after=' in closed and "&amp;state=closed" in closed


async def test_an_unknown_alert_or_state_is_refused(site: Site) -> None:
    async with signed_in(site) as c:
        token = csrf_of((await c.get("/alerts")).text)
        missing = await c.post(
            "/alerts/999999/state", data={"state": "closed"}, headers={"X-CSRF-Token": token}
        )
        odd = await c.post(
            "/alerts/1/state", data={"state": "deleted"}, headers={"X-CSRF-Token": token}
        )
    assert missing.status_code == 404 and odd.status_code == 400


async def test_a_feeds_interval_is_shown_in_whole_minutes(site: Site) -> None:
    """The store keeps a feed's interval in seconds, as a float: the page says '30 minutes'."""
    url = "https://news.example/interval.xml"
    with site.ctx.engine.begin() as conn:
        assert feeds.add_feed(conn, url, 1800.0, "operator:test", datetime.now(UTC))
    try:
        async with signed_in(site) as c:
            page = (await c.get("/sources")).text
    finally:
        with site.ctx.engine.begin() as conn:
            feeds.remove_feed(conn, sha256(url), datetime.now(UTC))
    row = next(r for r in page.split("<tr") if "interval.xml" in r)
    assert "30 minutes" in row and "30.0" not in row
