"""The list pages on the services' paged lists, in-process on SQLite and PostgreSQL: each filter
of the shared form narrows a list as the stored data says, the next page's link carries the
cursor and the filters, a bad value is a message beside its field (never a 500); the event,
article (its facts marked and linked, its near duplicates), story (timeline, split, merge) and
actor (every spelling) pages; uploading files makes a job whose page follows it to its end;
the rule editor shows each problem at its line; and no form changes anything without the
session's CSRF token."""

from __future__ import annotations

import asyncio
import html
import re
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from markupsafe import escape

import outpost.web.filters
from outpost.api.app import MAX_BODY, create_app
from outpost.config import Settings, sqlite_url
from outpost.records import Article, EventRow, Outcome
from outpost.services.articles import article_facts, list_articles
from outpost.services.events import read_events
from outpost.services.ingest import save_draft
from outpost.services.jobs import MAX_SOURCES, get_job
from outpost.services.paging import Filters, Window
from outpost.services.stories import find_stories, get_story, story_timeline
from outpost.services.tokens import create_api_token
from outpost.store.articles import ArticleFilter
from outpost.store.facts import EventFilter
from outpost.store.lists import keyset
from outpost.web.server import create_web_app
from tests.conftest import EXAMPLES
from tests.test_web_support import (
    HOSTILE_TEXT,
    Site,
    csrf_of,
    database_urls,
    hostile_draft,
    markup_problems,
    pipeline,
    prepare,
    signed_in,
)

pytestmark = pytest.mark.anyio

UPLOAD_CAP = 4096  # bytes of one uploaded file, in these tests
NEAR_TEXT = HOSTILE_TEXT.replace("on Monday", "on Monday morning")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The pages over a prepared store with a near duplicate of the hostile article, a rule
    file of their own and a small upload cap; the job worker reuses the loaded models."""
    folder = tmp_path_factory.mktemp("lists")
    urls = database_urls(request.param, folder)
    rules = folder / "rules.yaml"
    shutil.copy(EXAMPLES / "rules.yaml", rules)
    try:
        settings = Settings(
            data_dir=folder / "data",
            database_url=next(urls),
            rules=rules,
            upload_max_bytes=UPLOAD_CAP,
        )
        app = create_web_app(settings)
        engine = app.state.context.engine
        prepare(engine, settings)
        near = replace(
            hostile_draft(), text=NEAR_TEXT, url=None, locator="test:near", external_id="near-1"
        )
        assert save_draft(engine, near).outcome is Outcome.NEAR_DUPLICATE
        app.state.jobs.pipeline = pipeline()
        _, secret = create_api_token(app.state.context, "list tests", "person:analyst")
        yield Site(app, settings, secret)
        app.state.jobs.stop()
        engine.dispose()
    finally:
        urls.close()


# Reading the pages -----------------------------------------------------------------------------

TOTAL = re.compile(r'<p class="total" id="total">([\d,]+) ')


def total_of(page: str) -> int:
    found = TOTAL.search(page)
    assert found, "no total on the page"
    return int(found.group(1).replace(",", ""))


def linked(page: str, prefix: str) -> list[str]:
    """The ids the page's table links to under `prefix` ("/events/"), in order."""
    body = page[page.find("<tbody>") : page.rfind("</tbody>")]
    return re.findall(rf'<a href="{prefix}([^"?#]+)"', body)


def next_link(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', page)
    return html.unescape(found.group(1)) if found else None


def state_of(page: str) -> str:
    found = re.search(r'data-state="(\w+)"', page)
    assert found, "no job state on the page"
    return found.group(1)


def problems_of(page: str) -> dict[str, str]:
    """Field -> message of the filter form's problems."""
    found = re.findall(r'<li id="problem-([\w-]+)"><strong>[^<]*</strong>: ([^<]*)', page)
    return {name: html.unescape(text.strip()) for name, text in found}


# What the store says, read through the older, unpaged calls -------------------------------------


def every_event(site: Site) -> list[EventRow]:
    return read_events(site.ctx, EventFilter(limit=None))


def every_article(site: Site) -> dict[str, Article]:
    return {a.uid: a for a in list_articles(site.ctx, ArticleFilter(limit=None))}


def article_time(a: Article) -> datetime:
    return a.published or a.fetched


DAY_12, DAY_14 = datetime(2025, 3, 12, tzinfo=UTC), datetime(2025, 3, 14, tzinfo=UTC)

# (query, which events it keeps: event, its article)
EVENT_FILTERS = {
    "country": ({"country": "pk"}, lambda e, a: e.country == "PK"),
    "admin1": ({"admin1": "TJ-GB"}, lambda e, a: (e.place or {}).get("admin1") == "TJ-GB"),
    "domain": ({"domain": "terrorism"}, lambda e, a: "terrorism" in e.domains),
    "event_type": ({"event_type": "MEETING"}, lambda e, a: e.type == "MEETING"),
    "actor by id": ({"actor": "org:csto"}, lambda e, a: "org:csto" in e.actors + e.targets),
    "actor by name": (
        {"actor": "владимир путин"},
        lambda e, a: "person:putin" in e.actors + e.targets,
    ),
    "lang": ({"lang": "ru"}, lambda e, a: a.lang == "ru"),
    "source": ({"source": "Voice of America"}, lambda e, a: a.source == "Voice of America"),
    "days": (
        {"since": "2025-03-12", "until": "2025-03-13"},
        lambda e, a: DAY_12 <= article_time(a) < DAY_14,
    ),
    "words": ({"q": "Khorog"}, lambda e, a: "Khorog" in a.text),
    "two at once": (
        {"country": "PK", "domain": "terrorism"},
        lambda e, a: e.country == "PK" and "terrorism" in e.domains,
    ),
}


@pytest.mark.parametrize("name", EVENT_FILTERS)
async def test_each_filter_narrows_the_events_as_the_data_says(site: Site, name: str) -> None:
    query, keeps = EVENT_FILTERS[name]
    articles = every_article(site)
    events = every_event(site)
    wanted = {str(e.id) for e in events if keeps(e, articles[e.article])}
    assert wanted and len(wanted) < len(events), "the filter is tested on a real narrowing"
    async with signed_in(site) as c:
        answer = await c.get("/events", params=query)
    assert answer.status_code == 200
    assert total_of(answer.text) == len(wanted)
    assert set(linked(answer.text, "/events/")) == wanted


ARTICLE_FILTERS = {
    "lang": ({"lang": "ru"}, lambda a: a.lang == "ru"),
    "source": ({"source": "Voice of America (voanews.com)"}, lambda a: "voanews" in a.source),
    "days": (
        {"since": "2025-03-12", "until": "2025-03-13"},
        lambda a: DAY_12 <= article_time(a) < DAY_14,
    ),
    "words": ({"q": "Khorog"}, lambda a: "Khorog" in a.text),
}


def names_tokayev(site: Site, a: Article) -> bool:
    facts = article_facts(site.ctx, a.uid)
    return facts is not None and any(m.kb_id == "person:tokayev" for m in facts.mentions)


@pytest.mark.parametrize("name", [*ARTICLE_FILTERS, "actor"])
async def test_each_filter_narrows_the_articles_as_the_data_says(site: Site, name: str) -> None:
    if name == "actor":  # the articles whose facts name the actor
        query, keeps = {"actor": "person:tokayev"}, lambda a: names_tokayev(site, a)
    else:
        query, keeps = ARTICLE_FILTERS[name]
    articles = every_article(site).values()
    wanted = {a.uid for a in articles if keeps(a)}
    assert wanted and len(wanted) < len(articles)
    async with signed_in(site) as c:
        answer = await c.get("/articles", params=query)
        search = await c.get("/search", params=query) if "q" in query else None
    assert answer.status_code == 200
    assert total_of(answer.text) == len(wanted)
    assert set(linked(answer.text, "/articles/")) == wanted
    if search is not None:  # the search page lists the same, a passage of each marked
        assert set(re.findall(r'<a href="/articles/([^"]+)"', search.text)) >= wanted
        assert "<mark>Khorog</mark>" in search.text


async def test_stories_are_narrowed_by_their_articles(site: Site) -> None:
    everything = find_stories(site.ctx, Filters(), Window(limit=500)).items
    russian = {s.id for s in everything if "ru" in s.languages}
    assert russian and len(russian) < len(everything)
    async with signed_in(site) as c:
        answer = await c.get("/stories", params={"lang": "ru"})
        every = await c.get("/stories")
    assert set(linked(answer.text, "/stories/")) == russian
    assert total_of(answer.text) == len(russian)
    assert total_of(every.text) == len(everything)
    # Above the list, what clustering made and how often analysts corrected it (nobody has here)
    [stats] = re.findall(r'<p class="subtle" id="story-stats">([^<]*)</p>', every.text)
    placed = sum(s.article_count for s in everything)
    assert f"articles placed {placed}, stories {len(everything)}," in html.unescape(stats)
    assert "stories merged 0, articles split out 0, per 100 articles 0.00." in html.unescape(stats)


# Pages of a list -------------------------------------------------------------------------------


async def test_the_next_page_carries_the_cursor_and_the_filters(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outpost.web.filters, "PER_PAGE", 4)
    wanted = {str(e.id) for e in every_event(site) if e.country == "PK"}
    assert len(wanted) > 8
    seen: list[str] = []
    async with signed_in(site) as c:
        address: str | None = "/events?country=PK"
        while address is not None:
            page = (await c.get(address)).text
            shown = linked(page, "/events/")
            assert 0 < len(shown) <= 4 and total_of(page) == len(wanted)
            seen += shown
            address = next_link(page)
            if address is not None:
                assert "country=PK" in address and "cursor=" in address
                assert "First page" in (await c.get(address)).text
    assert len(seen) == len(set(seen)) and set(seen) == wanted


async def test_the_total_is_written_as_the_language_writes_numbers(site: Site) -> None:
    async with signed_in(site, **{"Accept-Language": "ru"}) as c:
        page = (await c.get("/events", params={"country": "PK"})).text
    count = sum(1 for e in every_event(site) if e.country == "PK")
    assert f'id="total">{count} событ' in page


# Bad values ------------------------------------------------------------------------------------

BAD = [
    ({"since": "2025-13-01"}, "since", "Not a date: write it as 2025-03-14."),
    ({"until": "yesterday"}, "until", "Not a date: write it as 2025-03-14."),
    (
        {"since": "2025-03-14", "until": "2025-03-01"},
        "until",
        "The last day comes before the first.",
    ),
    ({"country": "Pakistan"}, "country", "A country's two-letter code, like AF or TJ."),
    ({"domain": "piracy"}, "domain", "Not one of the choices."),
    ({"event_type": "<b>x</b>"}, "event_type", "Not one of the choices."),
    ({"actor": "nobody at all"}, "actor", "No actor of the knowledge base has this name or id."),
    ({"lang": "russian"}, "lang", "A language's two-letter code, like en or ru."),
    ({"source": "x" * 501}, "source", "At most 500 characters."),
    ({"q": " ".join(f"w{i}" for i in range(13))}, "q", "This filter cannot be used: a query"),
    ({"q": "x" * 80}, "q", "This filter cannot be used: a word may have at most 64"),
    ({"cursor": "not-a-cursor"}, "cursor", "This page link no longer works"),
    ({"cursor": "x" * 600}, "cursor", "This page link no longer works"),
]


async def test_a_total_past_the_count_bound_reads_more_than(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyset, "COUNTED", 2)
    async with signed_in(site) as c:
        english = (await c.get("/events")).text
    async with signed_in(site, **{"Accept-Language": "ru"}) as c:
        russian = (await c.get("/events")).text
    assert '<p class="total" id="total">More than 2 events</p>' in english
    assert '<p class="total" id="total">Более 2 событий</p>' in russian


@pytest.mark.parametrize(("query", "field", "message"), BAD)
@pytest.mark.parametrize("path", ["/events", "/articles", "/stories", "/search"])
async def test_a_bad_value_is_named_beside_its_field_not_a_500(
    site: Site, path: str, query: dict[str, str], field: str, message: str
) -> None:
    async with signed_in(site) as c:
        answer = await c.get(path, params=query)
    assert answer.status_code == 400
    found = problems_of(answer.text)
    assert field in found and found[field].startswith(message), found
    assert 'id="total"' not in answer.text  # nothing listed for a query not understood
    if field != "cursor":
        assert f'id="f-{field}"' in answer.text and 'aria-invalid="true"' in answer.text
    assert markup_problems(answer.text) == []


NUL_ADDRESSES = [
    ("/events", {"source": "Voice\x00of America"}, "source"),
    ("/articles", {"q": "border\x00"}, "q"),
    ("/stories", {"lang": "r\x00u"}, "lang"),
    ("/search", {"q": "\x00"}, "q"),
    ("/actors", {"q": "пут\x00ин"}, "q"),
    ("/articles/a%00b", {}, "the address"),
    ("/actors/person%3Aput%00in", {}, "the address"),
]


@pytest.mark.parametrize(("path", "query", "named"), NUL_ADDRESSES)
async def test_a_nul_in_a_filter_or_an_id_is_refused_and_named_not_a_500(
    site: Site, path: str, query: dict[str, str], named: str
) -> None:
    # PostgreSQL refuses NUL in any text it is given: asked for, it was a 500 there.
    async with signed_in(site) as c:
        answer = await c.get(path, params=query)
    assert answer.status_code == 400, answer.text[:300]
    assert f"NUL is not allowed in {named}." in answer.text


async def test_a_cursor_of_another_list_is_refused_with_a_link_to_the_first_page(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outpost.web.filters, "PER_PAGE", 2)
    async with signed_in(site, **{"Accept-Language": "ru"}) as c:
        first = (await c.get("/actors")).text
        address = next_link(first)
        assert address is not None
        cursor = address.split("cursor=")[1]
        answer = await c.get("/events", params={"country": "PK", "cursor": cursor})
    assert answer.status_code == 400
    assert "Эта ссылка на страницу больше не действует" in answer.text
    assert '<a href="/events?country=PK">Первая страница</a>' in answer.text


# One event, one article ------------------------------------------------------------------------


async def test_the_event_page_links_its_parties_to_their_actors(site: Site) -> None:
    [event, *_] = [e for e in every_event(site) if "group:bla" in e.targets + e.actors]
    async with signed_in(site) as c:
        page = (await c.get(f"/events/{event.id}")).text
    assert '<a class="tag" href="/actors/group:bla">Balochistan Liberation Army</a>' in page
    assert '<mark id="evidence"' in page


async def test_the_article_page_marks_its_facts_and_links_its_actors(site: Site) -> None:
    async with signed_in(site) as c:
        page = (await c.get("/articles/hostile-1")).text
    [article] = [a for a in every_article(site).values() if a.external_id == "hostile-1"]
    facts = article_facts(site.ctx, article.uid)
    assert facts is not None
    linked_actors = re.findall(
        r'<a class="hl hl-actor" href="/actors/([^"]+)" title="[^"]*">([^<]*)</a>', page
    )
    assert ("country:TJ", "Tajikistan") in linked_actors
    for key, text in linked_actors:  # each at a mention the analysis linked to that actor
        assert any(m.kb_id == key and m.text == html.unescape(text) for m in facts.mentions)
    places = re.findall(r'<span class="hl hl-place" title="([^"]*)">([^<]*)</span>', page)
    [khorog] = [p for p in facts.places if p.text == "Khorog"]  # the gazetteer's "Khorugh"
    assert (f"{khorog.name} — Tajikistan", "Khorog") in places
    dates = re.findall(r'<time class="hl hl-date" datetime="([^"]+)"', page)
    assert dates and set(dates) <= {d.value for d in facts.dates}
    text = re.search(r'<div class="text" lang="en">(.*?)</div>', page, re.S)
    assert text and html.unescape(re.sub(r"<[^>]+>", "", text.group(1))) == HOSTILE_TEXT
    assert markup_problems(page) == [] and "<script>alert(3)" not in page


async def test_the_article_page_names_its_near_duplicates_both_ways(site: Site) -> None:
    async with signed_in(site) as c:
        original = (await c.get("/articles/hostile-1")).text
        copy = (await c.get("/articles/near-1")).text
    [near] = [a for a in every_article(site).values() if a.external_id == "near-1"]
    [first] = [a for a in every_article(site).values() if a.external_id == "hostile-1"]
    assert near.near_duplicate_of == first.uid
    assert "Articles that nearly repeat this one:" in original
    assert f'<a href="/articles/{near.uid}">' in original
    assert "This article nearly repeats:" in copy and f'<a href="/articles/{first.uid}">' in copy


# Actors ----------------------------------------------------------------------------------------


async def test_the_actor_list_finds_by_any_name_and_counts(site: Site) -> None:
    async with signed_in(site) as c:
        found = (await c.get("/actors", params={"q": "ПУТИН"})).text
        every = (await c.get("/actors")).text
        long = await c.get("/actors", params={"q": "x" * 201})
    assert linked(found, "/actors/") == ["person:putin"] and total_of(found) == 1
    assert total_of(every) > 100 and next_link(every) is not None
    assert long.status_code == 400 and "at most 200 characters" in long.text


async def test_the_actor_profile_shows_every_spelling_with_its_language(site: Site) -> None:
    async with signed_in(site) as c:
        page = (await c.get("/actors/person:putin")).text
        russian = (await c.get("/actors/person:putin", headers={"Accept-Language": "ru"})).text
        missing = await c.get("/actors/person:nobody")
    rows = re.findall(
        r'<tr class="spelling"><td[^>]*>([^<]*)</td><td>(.*?)</td><td class="num">(\d+)', page
    )
    spellings = {html.unescape(text): (langs, int(n)) for text, langs, n in rows}
    assert "Russian" in spellings["Владимир Путин"][0]
    assert "English" in spellings["Vladimir Putin"][0]
    assert "not among its names" in spellings["President of Russia"][0]
    events = sum(1 for e in every_event(site) if "person:putin" in e.actors + e.targets)
    assert f'<a href="/events?actor=person%3Aputin">{events} events</a>' in page
    assert (
        '<td lang="ru" dir="auto">Владимир Путин · Владимир Владимирович Путин · Путин</td>' in page
    )
    assert "Как его пишут статьи" in russian and "русский" in russian
    assert 'data-chart="{&#34;x&#34;:[&#34;2021-08-23&#34;' in page
    assert missing.status_code == 404


# A story: its timeline, split and merge -------------------------------------------------------


async def test_the_story_page_has_its_timeline_across_languages(site: Site) -> None:
    [story] = [s for s in find_stories(site.ctx, Filters(), Window()).items if len(s.languages) > 1]
    timeline = story_timeline(site.ctx, story.id)
    assert timeline is not None
    async with signed_in(site) as c:
        page = (await c.get(f"/stories/{story.id}")).text
    members = [a.uid for d in timeline.days for a in d.articles]
    assert re.findall(r'<a id="member-([^"]+)"', page) == members
    assert "Russian 1" in page and "English 1" in page
    assert page.count('<td class="nowrap">') == len(timeline.days)
    assert markup_problems(page) == []


async def test_an_article_is_split_out_and_merged_back(site: Site) -> None:
    story = next(
        s for s in find_stories(site.ctx, Filters(), Window()).items if s.article_count > 1
    )
    timeline = story_timeline(site.ctx, story.id)
    assert timeline is not None
    moved = timeline.days[-1].articles[-1].uid
    async with signed_in(site) as c:
        token = csrf_of((await c.get(f"/stories/{story.id}")).text)
        foreign = await c.post(
            f"/stories/{story.id}/split", data={"csrf_token": token, "article": "nope"}
        )
        split = await c.post(
            f"/stories/{story.id}/split", data={"csrf_token": token, "article": moved}
        )
        assert split.status_code == 303
        alone = split.headers["location"].removeprefix("/stories/")
        assert f'id="member-{moved}"' in (await c.get(f"/stories/{alone}")).text
        unknown = await c.post(
            f"/stories/{story.id}/merge", data={"csrf_token": token, "other": "s-none"}
        )
        merged = await c.post(
            f"/stories/{story.id}/merge", data={"csrf_token": token, "other": alone}
        )
        gone = await c.get(f"/stories/{alone}")
    assert foreign.status_code == 400 and "This article is not in this story." in foreign.text
    assert unknown.status_code == 400 and "There is no story with this id." in unknown.text
    assert merged.status_code == 303
    assert gone.status_code == 303 and gone.headers["location"] == f"/stories/{story.id}"
    kept = get_story(site.ctx, story.id)
    assert kept is not None and kept.article_count == story.article_count


# Rules -----------------------------------------------------------------------------------------

BAD_RULES = """rules:
  - id: x
    name: A rule with a domain no one knows
    domains: [piracy]
"""


async def test_a_rule_text_with_a_problem_shows_it_at_its_line_and_saves_nothing(
    site: Site,
) -> None:
    assert site.settings.rules is not None
    before = site.settings.rules.read_text(encoding="utf-8")
    async with signed_in(site) as c:
        page = (await c.get("/rules")).text
        token = csrf_of(page)
        checked = await c.post("/rules", data={"csrf_token": token, "text": BAD_RULES})
        saved = await c.post(
            "/rules", data={"csrf_token": token, "text": BAD_RULES, "action": "save"}
        )
    editor = re.search(r"<textarea[^>]*>\n(.*?)</textarea>", page, re.S)
    assert editor and html.unescape(editor.group(1)) == before  # its first line kept
    for answer in (checked, saved):
        assert answer.status_code == 400
        problem = re.search(
            r'<li class="rule-problem"><strong>Line (\d+)</strong>: ([^\n]*)', answer.text
        )
        assert problem and problem.group(1) == "4" and "piracy" in problem.group(2)
        assert '<li class="at-problem">    domains: [piracy]</li>' in answer.text
        assert str(escape(BAD_RULES)) in answer.text  # the text kept in the editor
    assert site.settings.rules.read_text(encoding="utf-8") == before


async def test_a_good_rule_text_is_checked_then_saved(site: Site) -> None:
    assert site.settings.rules is not None
    text = site.settings.rules.read_text(encoding="utf-8").replace(
        "name: CSTO decisions and meetings", "name: CSTO decisions, meetings"
    )
    async with signed_in(site) as c:
        token = csrf_of((await c.get("/rules")).text)
        checked = await c.post("/rules", data={"csrf_token": token, "text": text})
        saved = await c.post(
            "/rules",
            data={"csrf_token": token, "text": text.replace("\n", "\r\n"), "action": "save"},
        )
        after = await c.get(saved.headers["location"])
    assert checked.status_code == 200 and "No problem found" in checked.text
    assert "CSTO decisions, meetings" in checked.text
    assert saved.status_code == 303 and "The rule file is saved." in after.text
    assert site.settings.rules.read_text(encoding="utf-8") == text


# CSRF ------------------------------------------------------------------------------------------


async def test_no_form_changes_anything_without_the_sessions_token(site: Site) -> None:
    assert site.settings.rules is not None
    before = site.settings.rules.read_text(encoding="utf-8")
    story = next(
        s for s in find_stories(site.ctx, Filters(), Window()).items if s.article_count > 1
    )
    upload = {"files": ("a.txt", b"Title\nA text.", "text/plain")}
    async with signed_in(site) as c:
        token = csrf_of((await c.get("/sources")).text)
        refused = [
            await c.post("/rules", data={"text": "rules: []", "action": "save"}),
            await c.post("/sources/feeds", data={"url": "https://example.org/rss"}),
            await c.post("/sources/pages", data={"url": "https://example.org/"}),
            await c.post(f"/stories/{story.id}/merge", data={"other": story.id}),
            await c.post("/sources/upload", files=upload),
            # the token must be the upload's first field: after a file it is not looked for
            await c.post("/sources/upload", files={**upload, "csrf_token": (None, token)}),
            await c.post("/sources/upload", files=upload, headers={"X-CSRF-Token": token[:-1]}),
        ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert site.settings.rules.read_text(encoding="utf-8") == before
    assert get_job(site.ctx, 1) is None  # no job was made


# Sources and jobs ------------------------------------------------------------------------------


async def test_a_feed_on_a_private_address_is_refused_with_the_reason(site: Site) -> None:
    async with signed_in(site) as c:
        token = csrf_of((await c.get("/sources")).text)
        answer = await c.post(
            "/sources/feeds", data={"csrf_token": token, "url": "http://127.0.0.1/rss"}
        )
        empty = await c.post("/sources/feeds", data={"csrf_token": token, "url": " "})
    assert answer.status_code == 400
    assert "loopback" in answer.text and 'id="feed-problem"' in answer.text
    assert 'value="http://127.0.0.1/rss"' in answer.text
    assert empty.status_code == 400 and "Give the feed's address." in empty.text


async def test_an_upload_over_the_cap_is_refused_with_a_message(site: Site) -> None:
    async with signed_in(site) as c:
        token = csrf_of((await c.get("/sources")).text)
        one_file = await c.post(
            "/sources/upload",
            files=[("csrf_token", (None, token)), ("files", ("big.txt", b"x" * (UPLOAD_CAP + 1)))],
        )
        request = await c.post(
            "/sources/upload",
            files=[("csrf_token", (None, token)), ("files", ("huge.txt", b"x" * (2 << 20)))],
        )
        many = await c.post(
            "/sources/upload",
            files=[("csrf_token", (None, token))]
            + [("files", (f"{n}.txt", b"x")) for n in range(MAX_SOURCES + 1)],
        )
    assert one_file.status_code == 413
    assert "big.txt" in one_file.text and f"{UPLOAD_CAP:,} bytes" in one_file.text
    assert many.status_code == 400 and 'id="upload-problem"' in many.text
    assert f"Maximum number of files is {MAX_SOURCES}" in many.text
    assert request.status_code == 413
    assert f"The upload is too large: at most {UPLOAD_CAP:,} bytes" in request.text
    assert get_job(site.ctx, 1) is None


async def test_an_upload_streamed_past_the_cap_is_stopped_with_a_message(site: Site) -> None:
    """A body sent in chunks announces no size: the guard stops it as it grows past the cap."""
    boundary = "----chunks"
    async with signed_in(site) as c:
        token = csrf_of((await c.get("/sources")).text)

        async def body() -> AsyncIterator[bytes]:
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                'name="files"; filename="long.txt"\r\nContent-Type: text/plain\r\n\r\n'
            ).encode()
            for _ in range(20):  # 1.25 MiB in all: past the cap and the room for headers
                yield b"x" * (64 * 1024)
            yield f"\r\n--{boundary}--\r\n".encode()

        answer = await c.post(
            "/sources/upload",
            content=body(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    assert "content-length" not in answer.request.headers
    assert answer.status_code == 413
    assert f"The upload is too large: at most {UPLOAD_CAP:,} bytes" in answer.text
    assert get_job(site.ctx, 1) is None


async def test_an_upload_becomes_a_job_whose_page_follows_it_to_the_end(site: Site) -> None:
    text = (
        b"Border guards detained smugglers\n"
        b"Tajik border guards detained three drug smugglers near Khorog on Tuesday."
    )
    async with signed_in(site) as c:
        token = csrf_of((await c.get("/sources")).text)
        answer = await c.post(
            "/sources/upload",
            files=[("csrf_token", (None, token)), ("files", ("detained.txt", text, "text/plain"))],
        )
        assert answer.status_code == 303
        address = answer.headers["location"]
        assert re.fullmatch(r"/jobs/\d+", address)
        page = (await c.get(address)).text
        assert "detained.txt" in page
        states = [state_of(page)]
        if states[0] in ("queued", "running"):
            assert f'hx-get="{address}/progress" hx-trigger="every 1s"' in page
        deadline = time.monotonic() + 180
        while states[-1] in ("queued", "running") and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            fragment = (await c.get(f"{address}/progress", headers={"HX-Request": "true"})).text
            states.append(state_of(fragment))
        done = (await c.get(address)).text
        listed = (await c.get("/articles", params={"source": "upload"})).text
    assert states[-1] == "done", states
    assert "hx-trigger" not in fragment and "hx-trigger" not in done  # the polling stops
    assert re.search(r'<dd id="job-new">1</dd>', done)
    assert re.search(r'<dd id="job-done">1 of 1</dd>', done)
    assert "Border guards detained smugglers" in listed
    job = get_job(site.ctx, int(address.rsplit("/", 1)[1]))
    assert job is not None and job.state == "done" and job.new == 1 and job.analysed >= 1


async def test_the_served_app_leaves_the_upload_form_to_its_own_cap(tmp_path: Path) -> None:
    """Under `outpost serve` the API and the pages are one app, whose body cap (MAX_BODY) for
    anything but an upload must not stop the Sources form: a file larger than MAX_BODY and
    within the settings' cap becomes a job, and one past that cap is answered by the page."""
    cap = MAX_BODY + (1 << 20)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=sqlite_url(tmp_path / "served.db"),
        upload_max_bytes=cap,
    )
    app = create_app(settings)
    try:
        _, secret = create_api_token(app.state.context, "served", "person:analyst")
        async with signed_in(Site(app, settings, secret)) as c:
            token = csrf_of((await c.get("/sources")).text)
            taken, over = [
                await c.post(
                    "/sources/upload",
                    files=[("csrf_token", (None, token)), ("files", ("big.txt", content))],
                )
                for content in (b"Title\n" + b"x" * MAX_BODY, b"x" * (cap + 1))
            ]
    finally:
        app.state.jobs.stop()
        app.state.context.engine.dispose()
    assert taken.status_code == 303 and re.fullmatch(r"/jobs/\d+", taken.headers["location"])
    assert over.status_code == 413 and over.headers["content-type"].startswith("text/html")
    assert f"at most {cap:,} bytes" in over.text
