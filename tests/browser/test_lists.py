"""The list pages in a real browser against the real server: the filter form changes what the
events list shows (and names a bad value beside its field), the article page links its
actors, the story and actor pages draw their charts, and files uploaded on the sources page
become a job whose page follows its progress, by htmx, without reloading, until it is done.
The page fixture checks that no request left the server, no script failed and the policy
was never violated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from outpost.services.events import read_events
from outpost.services.paging import Filters, Window
from outpost.services.stories import find_stories
from outpost.store.facts import EventFilter
from tests.browser.conftest import Live, Watched, screenshot, sign_in

pytestmark = pytest.mark.slow


def total(page: Page) -> int:
    words = page.locator("#total").inner_text()
    return int(re.sub(r"\D", "", words.split(" ")[0]))


def test_a_filter_changes_the_results(page: Page, live: Live, tmp_path: Path) -> None:
    events = read_events(live.ctx, EventFilter(limit=None))
    terror = [e for e in events if e.country == "PK" and "terrorism" in e.domains]
    assert 0 < len(terror) < len(events)
    sign_in(page, live, "/events")
    assert total(page) == len(events)
    form = page.get_by_role("search", name="Filter the events")
    form.get_by_label("Country code").fill("PK")
    form.get_by_label("Threat domain").select_option("terrorism")
    form.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"/events\?.*domain=terrorism"))
    assert total(page) == len(terror)
    expect(page.locator("main table tbody tr")).to_have_count(len(terror))
    expect(form.get_by_label("Country code")).to_have_value("PK")
    screenshot(page, "events-filtered", tmp_path)
    page.get_by_label("Country code").fill("Pakistan")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("alert")).to_contain_text("A country's two-letter code")
    expect(page.get_by_label("Country code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#total")).to_have_count(0)
    page.get_by_role("link", name="Clear the filters").click()
    page.wait_for_url(f"{live.url}/events")
    assert total(page) == len(events)


def test_the_article_links_its_actors_and_the_profile_draws_their_days(
    page: Page, live: Live, tmp_path: Path
) -> None:
    sign_in(page, live, "/articles/hostile-1")
    link = page.locator(".article .text a.hl-actor", has_text="Tajikistan").first
    expect(link).to_have_attribute("href", "/actors/country:TJ")
    expect(page.locator(".article .text .hl-place", has_text="Khorog")).to_have_count(1)
    screenshot(page, "article-facts", tmp_path)
    link.click()
    page.wait_for_url(f"{live.url}/actors/country:TJ")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tajikistan")
    page.goto(f"{live.url}/actors/person:putin")  # an actor with events: its days drawn
    expect(page.locator("tr.spelling", has_text="Владимир Путин")).to_contain_text("Russian")
    expect(page.locator("figure.timeline-chart")).to_have_attribute(
        "data-drawn", "true", timeout=15_000
    )
    assert page.locator("figure.timeline-chart canvas").count() == 1
    screenshot(page, "actor", tmp_path)


def test_the_story_page_draws_its_timeline(page: Page, live: Live, tmp_path: Path) -> None:
    [story, *_] = find_stories(live.ctx, Filters(), Window()).items
    sign_in(page, live, f"/stories/{story.id}")
    expect(page.locator("figure.timeline-chart")).to_have_attribute(
        "data-drawn", "true", timeout=15_000
    )
    expect(page.locator(".timeline-table tbody li.member")).to_have_count(story.article_count)
    screenshot(page, "story", tmp_path)


def test_an_upload_ingests_and_shows_its_progress(
    page: Page, live: Live, watched: Watched, tmp_path: Path
) -> None:
    sign_in(page, live, "/sources")
    text = (
        "Convoy stopped at the border\n"
        "Border guards of Tajikistan stopped a convoy carrying drugs near Khorog on Monday."
    )
    page.locator("#upload-files").set_input_files(
        [{"name": "convoy.txt", "mimeType": "text/plain", "buffer": text.encode()}]
    )
    page.get_by_role("button", name="Upload and ingest").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    address = page.url.removeprefix(live.url)
    page.evaluate("window.stillHere = true")
    progress = page.locator("#job-progress")
    expect(progress).to_have_attribute("data-state", "done", timeout=240_000)
    assert page.evaluate("window.stillHere") is True  # swapped in by htmx, not reloaded
    assert any(u.endswith(f"{address}/progress") for u in watched.requests)
    expect(page.locator("#job-new")).to_have_text("1")
    expect(page.locator("#job-done")).to_have_text("1 of 1")
    expect(page.locator("#job-bar")).to_have_attribute("value", "1")
    screenshot(page, "job", tmp_path)
    polls = sum(1 for u in watched.requests if u.endswith(f"{address}/progress"))
    page.wait_for_timeout(2500)
    assert sum(1 for u in watched.requests if u.endswith(f"{address}/progress")) == polls
    page.get_by_role("link", name="See the articles").click()
    expect(page.locator("main table")).to_contain_text("Convoy stopped at the border")
