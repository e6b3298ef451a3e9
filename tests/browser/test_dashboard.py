"""The dashboard in a real browser against a real server: the overview draws its map and
charts, the Russian interface, a hostile article runs nothing, a new alert appears in an
open inbox and can be acknowledged, and axe-core finds no serious accessibility problem.
Every test also checks (in the page fixture) that no request went to another host, no
script failed and the policy was never violated."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from outpost.services.alerts import list_alerts
from outpost.services.events import read_events
from outpost.store.alerts import raise_alert
from outpost.store.facts import EventFilter
from outpost.store.jobs import create_job, finish_job
from tests.browser.conftest import Live, Watched, axe_violations, screenshot, sign_in
from tests.test_web_support import HOSTILE_TEXT, HOSTILE_TITLE

pytestmark = pytest.mark.slow


def test_overview_draws_the_map_cells_and_the_charts(
    page: Page, live: Live, watched: Watched, tmp_path: Path
) -> None:
    sign_in(page, live)
    expected = page.request.get(f"{live.url}/overview/map.json?days=30").json()["cells"]
    assert len(expected) >= 4
    expect(page.locator("#event-map")).to_have_attribute(
        "data-cells", str(len(expected)), timeout=15_000
    )
    assert page.locator("#event-map path.event-cell").count() == len(expected)
    assert page.locator("#event-map .leaflet-overlay-pane path").count() > 100  # the outlines
    figures = page.locator("#charts figure.chart").count()
    assert figures >= 4
    expect(page.locator("#charts")).to_have_attribute("data-drawn", str(figures), timeout=15_000)
    assert page.locator("#charts figure .uplot canvas").count() == figures
    page.locator("#event-map path.event-cell").first.click(force=True)
    expect(page.locator(".map-popup")).to_contain_text("Events:")
    screenshot(page, "overview", tmp_path)
    assert any(u.endswith("/overview/map.json?days=30") for u in watched.requests)
    assert any("/static/vendor/world-atlas/countries-110m.json" in u for u in watched.requests)


def test_the_russian_interface(page: Page, live: Live, tmp_path: Path) -> None:
    sign_in(page, live)
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Обзор")
    expect(page.get_by_role("navigation", name="Разделы")).to_contain_text("Оповещения")
    figures = str(page.locator("#charts figure.chart").count())
    expect(page.locator("#charts")).to_have_attribute("data-drawn", figures, timeout=15_000)
    expect(page.locator(".legend")).to_contain_text("Терроризм")
    caption = page.locator("#charts figure figcaption").first.inner_text()
    assert "мар. 2025" in caption.replace("\xa0", " ")
    screenshot(page, "overview-ru", tmp_path)
    page.goto(f"{live.url}/alerts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Оповещения")


def test_a_hostile_article_runs_nothing_and_shows_as_text(
    page: Page, live: Live, watched: Watched, tmp_path: Path
) -> None:
    sign_in(page, live, "/articles/hostile-1")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE_TITLE)
    text = page.locator(".article .text")
    assert text.inner_text().split() == HOSTILE_TEXT.split()
    assert page.locator("main img, main script, main svg, main style, main textarea").count() == 0
    assert page.locator("main a[href^='javascript']").count() == 0
    [event] = [
        e
        for e in read_events(live.ctx, EventFilter(limit=None))
        if e.title == HOSTILE_TITLE and e.start == 0
    ]
    page.goto(f"{live.url}/events/{event.id}")
    expect(page.locator("mark#evidence")).to_contain_text('<img src=x onerror="alert(2)">')
    assert page.locator(".article img, .article script, .article style").count() == 0
    expect(page.locator("#event-place")).to_have_attribute("data-cells", "1", timeout=15_000)
    page.wait_for_timeout(500)  # time for anything that would run to run
    assert watched.dialogs == []
    assert page.evaluate("document.body.style.display") != "none"
    screenshot(page, "event", tmp_path)


def test_a_new_alert_appears_in_the_open_inbox_and_is_acknowledged(
    page: Page, live: Live, tmp_path: Path
) -> None:
    sign_in(page, live, "/alerts")
    expect(page.locator("#alert-list > li").first).to_be_visible()
    page.evaluate("window.stillHere = true")
    page.wait_for_timeout(1500)  # the stream is open
    with live.engine.begin() as conn:
        alert_id, _ = raise_alert(
            conn,
            "browser-test",
            f"browser:{datetime.now(UTC).timestamp()}",
            None,
            {"severity": "extreme", "urgency": "immediate", "certainty": "observed"},
            "<b>Convoy</b> attacked near the border",
            [{"kind": "event", "label": "ATTACK", "sentence": "A convoy was attacked."}],
            [],
            datetime.now(UTC),
        )
    row = page.locator(f"#alert-{alert_id}")
    expect(row).to_be_visible(timeout=8_000)
    expect(page.locator("#alert-list > li").first).to_have_id(f"alert-{alert_id}")
    expect(row.locator("h2")).to_have_text("<b>Convoy</b> attacked near the border")
    assert page.evaluate("window.stillHere") is True  # no reload
    screenshot(page, "alerts", tmp_path)
    row.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(f"#alert-{alert_id}.state-acknowledged")).to_be_visible()
    expect(page.locator(f"#alert-{alert_id}")).to_have_count(1)
    assert page.evaluate("window.stillHere") is True
    [stored] = [a for a in list_alerts(live.ctx, limit=None) if a.id == alert_id]
    assert stored.state == "acknowledged"


PAGES = [
    "/",
    "/alerts",
    "/events",
    "/articles",
    "/articles/hostile-1",
    "/stories",
    "/search?q=border",
    "/search?q=border&lang=en",
    "/events?country=PK&domain=terrorism",
    "/articles?country=Pakistan",  # a bad value, named beside its field
    "/actors",
    "/actors/person:putin",
    "/sources",
    "/rules",
]


def finished_job(live: Live) -> int:
    """A job that is done, as the store keeps it (the server runs jobs it accepts itself)."""
    when = datetime.now(UTC)
    request = {"files": ["report.txt"], "urls": [], "feeds": []}
    with live.engine.begin() as conn:
        job = create_job(conn, "ingest", "person:analyst", request, when)
        finish_job(conn, job.id, "done", None, when)
    return job.id


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_no_serious_accessibility_problem_on_any_page(page: Page, live: Live, lang: str) -> None:
    page.goto(f"{live.url}/signin")
    if lang == "ru":
        page.get_by_role("button", name="Русский").click()
    found = {"/signin": axe_violations(page)}
    sign_in(page, live)
    [event, *_] = read_events(live.ctx, EventFilter(limit=1))
    [story_id] = {a.story_id for a in list_alerts(live.ctx, limit=1)}
    job = finished_job(live)
    for path in [*PAGES, f"/events/{event.id}", f"/stories/{story_id}", f"/jobs/{job}"]:
        page.goto(f"{live.url}{path}")
        if path != "/alerts":  # the inbox's stream never lets the network idle
            page.wait_for_load_state("networkidle")
        found[path] = axe_violations(page)
    assert {path: v for path, v in found.items() if v} == {}
