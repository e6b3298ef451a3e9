"""What the web tests share: a store of the analysed sample articles and a hostile one (on
SQLite and PostgreSQL), the pages' app over it, a token to sign in with, and a client that
signs in. Its own tests check that the store holds what the page tests rely on."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from outpost.analyze.pipeline import Pipeline
from outpost.config import Settings, sqlite_url
from outpost.records import Draft
from outpost.services.alerts import check_articles
from outpost.services.analysis import analyze_store
from outpost.services.context import Context
from outpost.services.events import read_events
from outpost.services.ingest import ingest, save_draft
from outpost.services.stories import cluster_store
from outpost.services.tokens import create_api_token
from outpost.store.facts import EventFilter
from outpost.warn.rules import load_rules
from outpost.web.server import create_web_app
from tests.conftest import EXAMPLES, _postgres_schema_url

NOW = datetime(2025, 3, 15, 12, tzinfo=UTC)
HOSTILE_TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)> Border post attacked'
HOSTILE_TEXT = (
    "Militants attacked a border post near Khorog in Tajikistan on Monday, killing two border "
    'guards <img src=x onerror="alert(2)"> and wounding three others. '
    "</textarea><script>alert(3)</script> The attackers crossed the river from Afghanistan "
    'at night, officials said. <a href="javascript:alert(4)">details</a> '
    "<style>body{display:none}</style>\n\n"
    "Border troops of Tajikistan reinforced patrols along the Panj river after the attack, "
    'the state committee said <b onmouseover="alert(5)">on Tuesday</b>.'
)
HOSTILE_URL = "javascript:alert(6)"
HOSTILE_SOURCE = '"><svg onload=alert(7)>'
PAYLOADS = ("<script>", "<img src=x", "</textarea>", "<svg onload", "<style>", "<b onmouseover")
PRINCIPAL = "person:analyst"


@functools.cache
def pipeline() -> Pipeline:
    """The analysis models, loaded once per test process."""
    return Pipeline.load()


def hostile_draft() -> Draft:
    """An article whose every field a page shows carries markup and script, stored as a
    source other than our file readers (which refuse a javascript: URL) could store it."""
    return Draft(
        text=HOSTILE_TEXT,
        source=HOSTILE_SOURCE,
        locator="test:hostile",
        raw=HOSTILE_TEXT.encode(),
        media_type="text/plain",
        title=HOSTILE_TITLE,
        url=HOSTILE_URL,
        published=datetime(2025, 3, 13, 9, tzinfo=UTC),
        lang="en",
        external_id="hostile-1",
    )


def prepare(engine: Engine, settings: Settings) -> None:
    """The samples and the hostile article, analysed, in stories, read against the rules."""
    ingest(engine, settings, [str(EXAMPLES)])
    save_draft(engine, hostile_draft())
    analyze_store(engine, pipeline=pipeline())
    cluster_store(engine)
    check_articles(engine, load_rules(EXAMPLES / "rules.yaml"), NOW)


@dataclass(frozen=True)
class Site:
    app: FastAPI
    settings: Settings
    secret: str  # an API token acting for PRINCIPAL

    @property
    def ctx(self) -> Context:
        ctx: Context = self.app.state.context
        return ctx


def database_urls(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_url(folder / "outpost.db")
    else:
        yield from _postgres_schema_url()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The pages over a prepared store, once per test module and dialect."""
    folder = tmp_path_factory.mktemp("web")
    urls = database_urls(request.param, folder)
    try:
        settings = Settings(data_dir=folder / "data", database_url=next(urls))
        app = create_web_app(settings)
        prepare(app.state.context.engine, settings)
        _, secret = create_api_token(app.state.context, "web tests", PRINCIPAL)
        yield Site(app, settings, secret)
        app.state.context.engine.dispose()
    finally:
        urls.close()  # drops the PostgreSQL schema


@asynccontextmanager
async def client(
    app: FastAPI, https: bool = False, **headers: str
) -> AsyncIterator[httpx.AsyncClient]:
    base = "https://outpost.test" if https else "http://outpost.test"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as c:
        yield c


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "no CSRF field in the page"
    return html.unescape(found.group(1))


@asynccontextmanager
async def password_session(
    app: FastAPI, username: str, password: str, lang: str = "en"
) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in with a username and password, as people do, in `lang`."""
    async with client(app) as c:
        c.cookies.set("outpost_lang", lang)
        form = await c.get("/signin")
        answer = await c.post(
            "/signin",
            data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
        )
        assert answer.status_code == 303, answer.text
        yield c


async def sign_in(c: httpx.AsyncClient, secret: str, next: str = "/") -> httpx.Response:
    form = await c.get("/signin")
    return await c.post(
        "/signin", data={"token": secret, "next": next, "csrf_token": csrf_of(form.text)}
    )


@asynccontextmanager
async def signed_in(site: Site, **headers: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client(site.app, **headers) as c:
        answer = await sign_in(c, site.secret)
        assert answer.status_code == 303, answer.text
        yield c


def hostile_events(ctx: Context) -> list[Any]:
    return [e for e in read_events(ctx, EventFilter(limit=None)) if e.title == HOSTILE_TITLE]


class _Markup(HTMLParser):
    """What a page may not contain: inline script or style, event-handler attributes,
    javascript: addresses, elements no template of ours writes (img, svg, iframe...)."""

    FOREIGN = frozenset({"img", "svg", "iframe", "object", "embed", "textarea", "base"})

    def __init__(self, allowed: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.inline_script = False
        self.allowed = allowed  # elements of FOREIGN the page's own template writes

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and not found.get("src"):
            self.inline_script = True
            self.problems.append("an inline <script>")
        if tag == "style":
            self.problems.append("a <style> element")
        if tag in self.FOREIGN - self.allowed:
            self.problems.append(f"a <{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"an {name}= attribute on <{tag}>")
            if name == "style":
                self.problems.append(f"a style= attribute on <{tag}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                ("javascript:", "data:", "//", "http:", "https:")
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data: str) -> None:
        if self.inline_script and data.strip():
            self.problems.append(f"script text {data[:40]!r}")
        self.inline_script = False


def markup_problems(page: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """What the page may not contain; `allowed`: elements its own template writes (the rule
    editor's <textarea>), never allowed in what an article brings."""
    parser = _Markup(allowed)
    parser.feed(page)
    parser.close()
    return parser.problems


# The store the page tests read ----------------------------------------------------------------


def test_the_store_has_what_the_pages_show(site: Site) -> None:
    events = read_events(site.ctx, EventFilter(limit=None))
    assert len(events) > 20
    assert sum(1 for e in events if e.place) > 10
    assert hostile_events(site.ctx), "the hostile article yields an event"


def test_the_hostile_events_evidence_is_where_its_offsets_say(site: Site) -> None:
    [event, *_] = hostile_events(site.ctx)
    assert HOSTILE_TEXT[event.start : event.end].strip()
    assert event.evidence.split()[0] in HOSTILE_TEXT[event.start : event.end]
