"""/api/v1/feeds on SQLite and PostgreSQL, with feeds served over real HTTP on loopback: a feed
added only when its address may be reached (a private one only when the settings allow its
network), listed with what fetching it found, removed; the watch loop polls the stored ones
besides the settings' feeds, read again every cycle."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine

from outpost.analyze.pipeline import Pipeline
from outpost.config import FeedSource, Settings
from outpost.dedup import sha256
from outpost.services.ingest import ingest
from outpost.services.watch import Watcher
from outpost.warn.rules import RuleSet
from tests.loopback_site import Reply, Site, article_html, html_reply, serve
from tests.test_api_auth import Api, problem, running_api
from tests.test_feeds import ENTRIES, STORIES, rss


@pytest.fixture
def wire() -> Iterator[Site]:
    with serve() as site:
        site.routes["/rss"] = Reply(200, rss(site, ENTRIES), {"Content-Type": "application/xml"})
        site.routes["/quiet"] = Reply(200, rss(site, []), {"Content-Type": "application/xml"})
        for entry in ENTRIES:
            site.routes[entry.path] = html_reply(article_html(entry.title, STORIES[entry.slug]))
        yield site


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    yield from running_api(settings)


def test_a_private_address_is_refused_unless_its_network_is_allowed(
    settings: Settings, wire: Site
) -> None:
    strict = replace(settings, fetch=replace(settings.fetch, allow_networks=()))
    for api in running_api(strict):
        for url in (wire.url("/rss"), "http://10.1.2.3/feed", "http://[::1]:9/x"):
            body = problem(api.call("POST", "/feeds", json={"url": url}), 422, "validation")
            assert "private, loopback or link-local" in body["detail"]
            assert body["errors"][0]["location"] == "body.url"
        assert api.get("/feeds").json() == []
    for api in running_api(settings):  # the same store; loopback allowed
        added = api.call("POST", "/feeds", json={"url": wire.url("/rss"), "interval": 120})
        assert added.status_code == 201, added.text
        feed = added.json()
        assert feed["origin"] == "api" and feed["added_by"] == "operator:alice"
        assert feed["interval"] == 120 and feed["id"] == sha256(wire.url("/rss"))
        assert added.headers["location"] == f"/api/v1/feeds/{feed['id']}"
        assert api.get(f"/feeds/{feed['id']}").json() == feed


def test_feeds_are_listed_with_what_fetching_them_found(
    api: Api, engine: Engine, settings: Settings, wire: Site
) -> None:
    missing = wire.url("/gone")  # 404: a feed that fails
    for url in (wire.url("/rss"), missing):
        assert api.call("POST", "/feeds", json={"url": url}).status_code == 201
    ingest(engine, settings, feeds=[wire.url("/rss"), missing])
    listed = {f["url"]: f for f in api.get("/feeds").json()}
    good, bad = listed[wire.url("/rss")], listed[missing]
    assert good["last_status"] == 200 and good["last_fetch"] and good["last_error"] is None
    assert good["entries_seen"] == len(ENTRIES) and good["failures"] == 0
    assert bad["last_error"] and "404" in bad["last_error"] and bad["failures"] == 1
    assert bad["entries_seen"] == 0


def test_add_twice_remove_and_add_again(api: Api, wire: Site) -> None:
    url = wire.url("/rss")
    feed = api.call("POST", "/feeds", json={"url": url}).json()
    problem(api.call("POST", "/feeds", json={"url": url}), 409, "conflict")
    assert api.call("DELETE", f"/feeds/{feed['id']}").status_code == 204
    problem(api.call("DELETE", f"/feeds/{feed['id']}"), 404, "not-found")
    problem(api.get(f"/feeds/{feed['id']}"), 404, "not-found")
    assert api.get("/feeds").json() == []
    again = api.call("POST", "/feeds", json={"url": url, "interval": 600})
    assert again.status_code == 201 and again.json()["interval"] == 600


def test_settings_feeds_are_listed_and_left_to_the_settings(settings: Settings, wire: Site) -> None:
    url = wire.url("/rss")
    for api in running_api(replace(settings, feeds=(FeedSource(url, 900.0),))):
        (feed,) = api.get("/feeds").json()
        assert feed["origin"] == "settings" and feed["interval"] == 900.0
        assert feed["last_fetch"] is None and feed["added_by"] is None
        problem(api.call("POST", "/feeds", json={"url": url}), 409, "conflict")
        body = problem(api.call("DELETE", f"/feeds/{feed['id']}"), 409, "conflict")
        assert "settings file" in body["detail"]


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"url": "ftp://example.org/feed"}, "body.url"),
        ({"url": "file:///etc/passwd"}, "body.url"),
        ({"url": "http://example.org/feed", "interval": 5}, "body.interval"),
        ({"url": ""}, "body.url"),
        ({"url": "http://example.org/feed", "owner": "x"}, "body.owner"),
    ],
)
def test_a_feed_that_cannot_be_added_is_named(api: Api, body: object, location: str) -> None:
    answer = problem(api.call("POST", "/feeds", json=body), 422, "validation")
    assert answer["errors"][0]["location"] == location


def test_the_watch_loop_polls_stored_feeds_read_again_every_cycle(
    api: Api, engine: Engine, settings: Settings, wire: Site
) -> None:
    log = io.StringIO()
    watcher = Watcher(engine, settings, (), RuleSet(()), Pipeline([]), log, every=0.1)
    watcher.cycle()
    assert wire.hits("/quiet") == 0
    feed = api.call("POST", "/feeds", json={"url": wire.url("/quiet")}).json()
    watcher.cycle()  # added meanwhile: polled at once
    assert wire.hits("/quiet") == 1
    watcher.cycle()  # not due again before its interval
    assert wire.hits("/quiet") == 1
    api.call("DELETE", f"/feeds/{feed['id']}")
    watcher.cycle()
    assert watcher.feeds == () and wire.hits("/quiet") == 1
    cycles = [json.loads(line) for line in log.getvalue().splitlines()]
    assert [c["feeds"] for c in cycles if c["event"] == "cycle"] == [0, 1, 0, 0]
