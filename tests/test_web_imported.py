"""What partners sent, found and read, on SQLite and PostgreSQL: the Imports list a page at a
time (newest first, of one kind or source), each imported object's page (its provenance and
its content: an Outpost record by its fields, anything else as JSON), the local event's and
story's pages naming the imports of the same event or of a story sharing an article, and the
API's list and object; always through the marking: a viewer of another organisation does not
see an AMBER+STRICT import anywhere, and its page answers exactly as a missing one."""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from outpost.config import Settings
from outpost.export.bundle import EventItem, Marked, Producer, Selection
from outpost.export.stix import bundle
from outpost.export.stix_in import Parcel
from outpost.markings import TLP
from outpost.records import Draft, Place, Sent, Story
from outpost.respond.people import principal_for
from outpost.services import people
from outpost.services.context import Context, operator
from outpost.services.events import get_event
from outpost.services.imports import import_bytes, import_parcel
from outpost.services.stories import cluster_store, get_story
from outpost.services.tokens import create_user_token
from outpost.store import people as people_store
from outpost.store.schema import imported, story_articles
from outpost.web.server import create_web_app
from tests.marked_world import save_event
from tests.test_api_auth import problem, running_api
from tests.test_web_support import client, csrf_of, database_urls

PASSWORD = "a long enough password"
PLACES = 60  # GREEN places sent by m2's partner: more than a page (50)
THREAT_ACTOR = {
    "type": "threat-actor",
    "spec_version": "2.1",
    "id": "threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "name": "Zeroday Crew",
    "modified": "2025-03-01T00:00:00.000Z",
}


@dataclass(frozen=True)
class Site:
    app: FastAPI
    settings: Settings
    event: int  # the local event both partners sent
    story: str  # the local story both partners sent
    hidden: int  # the AMBER+STRICT event m1 imported
    shared: int  # the GREEN event m2 imported
    actor: int  # the CLEAR threat actor m1 imported (a STIX object as it came)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("imported")
    urls = database_urls(request.param, folder)
    try:
        settings = Settings(data_dir=folder / "data", database_url=next(urls))
        made = create_web_app(settings)
        yield _world(made, settings)
        made.state.context.engine.dispose()
    finally:
        urls.close()


def _world(app: FastAPI, settings: Settings) -> Site:
    """m1 and m2 with a viewer and an analyst each; a local event in a story; m1's analyst
    imports them from Partner KZ at AMBER+STRICT, m2's analyst from Partner UZ at GREEN with
    PLACES places, and m1's analyst a CLEAR threat actor of no Outpost kind."""
    ctx: Context = app.state.context.acting(operator())
    for code in ("m1", "m2"):
        people.add_org(ctx, code, f"Organisation {code}", kind="member")
        for role in ("viewer", "analyst"):
            people.add_user(ctx, f"{code}-{role}", code, role, password=PASSWORD)
    event = save_event(ctx, _article())
    cluster_store(ctx.engine)
    with ctx.engine.connect() as conn:
        story = conn.execute(select(story_articles.c.story_id)).scalar_one()
    detail = get_event(ctx, event)
    assert detail is not None
    item = EventItem.of(detail)
    found = get_story(ctx, story)
    assert found is not None and found.articles
    kz = _bundle("org:kz", "Partner KZ", item, found, TLP.AMBER_STRICT)
    import_bytes(_as(ctx, "m1-analyst"), "kz.json", kz)
    places = [_place(n) for n in range(PLACES)]
    uz = _bundle("org:uz", "Partner UZ", item, found, TLP.GREEN, places)
    import_bytes(_as(ctx, "m2-analyst"), "uz.json", uz)
    sent = Sent(
        "stix", THREAT_ACTOR["id"], THREAT_ACTOR, TLP.CLEAR, datetime(2025, 3, 1, tzinfo=UTC)
    )
    import_parcel(_as(ctx, "m1-analyst"), "actors.json", "stix", Parcel((sent,), (), (), None))
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(imported.c.id, imported.c.kind, imported.c.source)).all()
    ids = {(r.kind, r.source.split(" (")[0]): r.id for r in rows}
    return Site(
        app, settings, event, story,
        hidden=ids["event", "Partner KZ"], shared=ids["event", "Partner UZ"],
        actor=ids["stix", "actors.json"],
    )  # fmt: skip


def _article() -> Draft:
    text = "Militants attacked a border post near Khorog on Monday, officials said."
    return Draft(
        text=text,
        source="local news",
        locator="test:khorog",
        raw=text.encode(),
        media_type="text/plain",
        title="Border post attacked",
        url="https://news.example/khorog",
        published=datetime(2025, 3, 10, 9, tzinfo=UTC),
        lang="en",
        external_id="khorog-1",
    )


def _place(n: int) -> Place:
    return Place(f"Village {n:02d}", 0, 5, f"Village {n:02d}", 40.0 + n / 100, 70.0, "UZ",
                 None, None, "city", 0.9)  # fmt: skip


def _bundle(
    producer: str, name: str, event: EventItem, story: Story, marking: TLP,
    places: list[Place] | None = None,
) -> bytes:  # fmt: skip
    sel = Selection(
        producer=Producer(producer, name),
        as_of=datetime(2025, 4, 1, tzinfo=UTC),
        events=(Marked(event, marking),),
        stories=(Marked(story, marking),),
        places=tuple(Marked(p, TLP.GREEN) for p in places or ()),
    )
    return json.dumps(bundle(sel)).encode()


def _as(ctx: Context, username: str) -> Context:
    with ctx.engine.connect() as conn:
        user = people_store.user_by_name(conn, username)
    assert user is not None
    return ctx.acting(principal_for(user))


@asynccontextmanager
async def as_user(site: Site, username: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client(site.app) as c:
        form = await c.get("/signin")
        answer = await c.post(
            "/signin",
            data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        assert answer.status_code == 303, answer.text
        yield c


def rows(page: str) -> list[int]:
    """The imported objects a list page links to, in its order."""
    return [int(i) for i in re.findall(r'<a href="/imports/(\d+)"><code>', page)]


def next_page(page: str) -> str | None:
    found = re.search(r'<a href="(/imports\?[^"]*cursor=[^"]+)" rel="next">', page)
    return html.unescape(found.group(1)) if found else None


def hidden_like_missing(hidden: httpx.Response, missing: httpx.Response) -> None:
    """The same answer but for the path asked."""
    assert hidden.status_code == missing.status_code == 404
    path = hidden.request.url.path
    assert hidden.text.replace(path, "{path}") == missing.text.replace(
        missing.request.url.path, "{path}"
    )


@pytest.mark.anyio
async def test_the_list_is_paged_newest_first_and_filtered(site: Site) -> None:
    async with as_user(site, "m2-viewer") as c:
        first = await c.get("/imports")
        assert first.status_code == 200
        shown = rows(first.text)
        assert len(shown) == 50 and "63 imported objects" in first.text
        later = next_page(first.text)
        assert later is not None
        second = await c.get(later)
        shown += rows(second.text)
        assert len(shown) == 63 and shown == sorted(shown, reverse=True)
        assert site.hidden not in shown and site.shared in shown and site.actor in shown
        assert next_page(second.text) is None and "First page" in second.text
        events = await c.get("/imports", params={"kind": "event"})
        assert rows(events.text) == [site.shared] and "1 imported object" in events.text
        mine = rows((await c.get("/imports", params={"source": "actors"})).text)
        assert mine == [site.actor]
        bad = await c.get("/imports", params={"cursor": "nonsense"})
        assert bad.status_code == 400 and "not a cursor this list gave" in bad.text
    async with as_user(site, "m1-viewer") as c:
        page = (await c.get("/imports", params={"kind": "event"})).text
        assert rows(page) == [site.shared, site.hidden]  # newest first: m2's came later
        assert "TLP:AMBER+STRICT" in page


@pytest.mark.anyio
async def test_an_imported_event_has_its_page_and_a_hidden_one_answers_as_a_missing_one(
    site: Site,
) -> None:
    async with as_user(site, "m1-viewer") as c:
        page = await c.get(f"/imports/{site.hidden}")
        assert page.status_code == 200
        text = html.unescape(page.text)
        for shown in (
            "Imported event", "TLP:AMBER+STRICT", "Partner KZ (kz.json)", "org:kz",
            "m1-analyst", "Militants attacked a border post near Khorog", "ATTACK",
            "The sentence", '"type": "ATTACK"',
        ):  # fmt: skip
            assert shown in text, shown
        assert re.search(r"<dt>Owner organisation</dt><dd>m1</dd>", page.text)
    async with as_user(site, "m2-viewer") as c:
        hidden = await c.get(f"/imports/{site.hidden}")
        missing = await c.get(f"/imports/{2**31 - 1}")
        hidden_like_missing(hidden, missing)
        assert "Partner KZ" not in hidden.text
        assert (await c.get(f"/imports/{site.shared}")).status_code == 200


@pytest.mark.anyio
async def test_a_place_a_story_and_a_foreign_object_are_shown_by_their_fields_or_as_json(
    site: Site,
) -> None:
    async with as_user(site, "m2-viewer") as c:
        listed = (await c.get("/imports", params={"kind": "place"})).text
        place = html.unescape((await c.get(f"/imports/{rows(listed)[0]}")).text)
        assert "Village 59" in place and "Uzbekistan" in place and "40.59, 70.00" in place
        listed = (await c.get("/imports", params={"kind": "story"})).text
        story = html.unescape((await c.get(f"/imports/{rows(listed)[0]}")).text)
        assert "Border post attacked" in story and 'id="story-articles"' in story
        actor = html.unescape((await c.get(f"/imports/{site.actor}")).text)
        assert 'id="content"' not in actor  # no Outpost record: its JSON is what it shows
        assert '  "name": "Zeroday Crew",\n' in actor and "<details open>" in actor


@pytest.mark.anyio
async def test_the_event_and_story_pages_name_the_imports_each_viewer_may_see(
    site: Site,
) -> None:
    async with as_user(site, "m1-viewer") as c:
        for path in (f"/events/{site.event}", f"/stories/{site.story}"):
            page = (await c.get(path)).text
            assert "Also sent by partners" in page, path
            assert "Partner KZ (kz.json)" in page and "Partner UZ (uz.json)" in page
            assert "TLP:AMBER+STRICT" in page and "TLP:GREEN" in page
        event = (await c.get(f"/events/{site.event}")).text
        assert f'href="/imports/{site.hidden}"' in event
        assert f'href="/imports/{site.shared}"' in event
    async with as_user(site, "m2-viewer") as c:
        for path in (f"/events/{site.event}", f"/stories/{site.story}"):
            page = (await c.get(path)).text
            assert "Also sent by partners" in page and "Partner UZ (uz.json)" in page
            assert "Partner KZ" not in page and "AMBER+STRICT" not in page, path
            assert f'href="/imports/{site.hidden}"' not in page


@pytest.mark.anyio
async def test_the_russian_pages_render(site: Site) -> None:
    async with as_user(site, "m1-viewer") as c:
        c.cookies.set("outpost_lang", "ru")
        page = (await c.get(f"/imports/{site.hidden}")).text
        assert "Импортированный объект" in page and "Источник" in page
        assert "Также прислали партнёры" in (await c.get(f"/events/{site.event}")).text


def test_the_api_lists_and_reads_imported_objects_through_the_marking(site: Site) -> None:
    ctx: Context = site.app.state.context.acting(operator())
    m1 = create_user_token(ctx, "t", "m1-viewer")[1]
    m2 = create_user_token(ctx, "t", "m2-viewer")[1]
    for api in running_api(site.settings):
        first = api.call("GET", "/imports", m2, params={"limit": 40})
        assert first.status_code == 200, first.text
        body = first.json()
        assert body["total"] == 63 and len(body["items"]) == 40 and body["next_cursor"]
        more = api.call("GET", "/imports", m2, params={"limit": 40, "cursor": body["next_cursor"]})
        ids = [i["id"] for i in body["items"] + more.json()["items"]]
        assert len(ids) == 63 and ids == sorted(ids, reverse=True) and site.hidden not in ids
        events = api.call("GET", "/imports", m1, params={"kind": "event"}).json()
        assert [i["id"] for i in events["items"]] == [site.shared, site.hidden]
        one = api.call("GET", f"/imports/{site.hidden}", m1).json()
        assert one["marking"] == "TLP:AMBER+STRICT" and one["owner_org"] == "m1"
        assert one["origin"] == "org:kz" and one["imported_by"] == "m1-analyst"
        assert one["key"].startswith("report--") and one["record"]["row"]["type"] == "ATTACK"
        hidden = problem(api.call("GET", f"/imports/{site.hidden}", m2), 404, "not-found")
        missing = problem(api.call("GET", f"/imports/{2**31 - 1}", m2), 404, "not-found")
        assert replace_instance(hidden) == replace_instance(missing)
        problem(api.call("GET", "/imports", m2, params={"cursor": "x"}), 400, "bad-query")


def replace_instance(body: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in body.items() if k != "instance"}
