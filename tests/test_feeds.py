"""Feed ingestion over real HTTP: RSS and Atom served from loopback, entry pages on the same server.

The server answers conditional GETs the way real ones do (304 when the validator matches), and
its request log shows what the fetcher sent and fetched, so the tests check the traffic itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from outpost.config import Settings
from outpost.ingest.feeds import GIVE_UP_AFTER
from outpost.records import Article
from outpost.services.ingest import ingest
from outpost.store.articles import ArticleFilter, list_articles
from outpost.store.failures import list_failures
from outpost.store.feeds import feed_state
from outpost.store.stats import stats
from tests.loopback_site import Reply, Request, Site, article_html, html_reply, serve

WIRE = "Frontier Wire"
PAGE_DATE = "2020-01-01T00:00:00+00:00"  # unlike every entry date: shows which one is kept
MODIFIED = "Thu, 16 Sep 2021 10:00:00 GMT"
LATER = "Fri, 17 Sep 2021 10:00:00 GMT"
STORIES = {
    "convoy": [
        "Border guards on the Tajik-Afghan border stopped a convoy of trucks carrying narcotics "
        "near the village of Panj on Thursday morning, officials said.",
        "Three people were detained and the cargo was seized after a brief exchange of fire.",
    ],
    "exercises": [
        "Defence ministers of the six member states agreed in Dushanbe on a plan of joint "
        "exercises near the southern border for the autumn.",
        "The plan names the units taking part and the dates of each stage of the drills.",
    ],
    "refugees": [
        "Aid agencies counted several thousand families waiting at the crossing point in the "
        "Badakhshan mountains as food and fuel ran short before winter.",
        "Local authorities opened two schools as temporary shelters for the newcomers.",
    ],
    "recruitment": [
        "Prosecutors in Bishkek charged a group accused of recruiting young men through "
        "messaging channels for an armed faction operating across the river.",
        "Investigators said the group paid for tickets and forged documents for the recruits.",
    ],
}


@dataclass(frozen=True)
class Entry:
    slug: str
    title: str
    date: datetime

    @property
    def path(self) -> str:
        return f"/news/{self.slug}"


ENTRIES = [
    Entry("convoy", "Convoy stopped at Panj", datetime(2021, 9, 16, 6, 15, tzinfo=UTC)),
    Entry("exercises", "Joint exercises agreed", datetime(2021, 9, 16, 9, 40, tzinfo=UTC)),
    Entry("refugees", "Families wait at the crossing", datetime(2021, 9, 17, 7, 5, tzinfo=UTC)),
    Entry("recruitment", "Recruiters charged", datetime(2021, 9, 17, 11, 0, tzinfo=UTC)),
]


def rss(site: Site, entries: list[Entry], title: str = WIRE) -> bytes:
    items = "".join(
        f"<item><title>{e.title}</title><link>{site.url(e.path)}</link>"
        f'<guid isPermaLink="false">wire-{e.slug}</guid>'
        f"<pubDate>{format_datetime(e.date)}</pubDate><description>Summary.</description></item>"
        for e in entries
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{site.url('/')}</link><description>News</description>{items}</channel></rss>"
    ).encode()


def atom(
    site: Site,
    entries: list[Entry],
    title: str = WIRE,
    href: Callable[[Entry], str] | None = None,
) -> bytes:
    link = href or (lambda e: site.url(e.path))
    items = "".join(
        f"<entry><title>{e.title}</title><id>urn:wire:{e.slug}</id>"
        f'<link rel="alternate" href="{link(e)}"/>'
        f"<published>{e.date.isoformat()}</published><updated>{e.date.isoformat()}</updated>"
        f"<summary>Summary.</summary></entry>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:wire</id><updated>2021-09-17T12:00:00Z</updated>"
        f"{items}</feed>"
    ).encode()


FORMATS = {"rss": (rss, "application/rss+xml"), "atom": (atom, "application/atom+xml")}


def conditional(
    body: bytes, content_type: str, etag: str | None, modified: str | None
) -> Callable[[Request], Reply]:
    """A feed served as real servers do: 304 when the client's validator still matches."""

    def answer(request: Request) -> Reply:
        if etag is not None and "if-none-match" in request.headers:
            fresh = request.headers["if-none-match"] == etag  # ETag wins over the date
        else:
            fresh = modified is not None and request.headers.get("if-modified-since") == modified
        validators = {"ETag": etag} if etag else {}
        if modified:
            validators["Last-Modified"] = modified
        if fresh:
            return Reply(304, headers=validators)
        return Reply(200, body, {"Content-Type": content_type, **validators})

    return answer


def publish(site: Site, entries: list[Entry]) -> None:
    """The entries' article pages, each with its own story and a date unlike the entry's."""
    for e in entries:
        site.routes[e.path] = html_reply(
            article_html(e.title, STORIES[e.slug], published=PAGE_DATE)
        )


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def stored(engine: Engine) -> dict[str, Article]:
    """Stored articles by URL."""
    with engine.connect() as conn:
        return {a.url or a.locator: a for a in list_articles(conn, ArticleFilter(limit=None))}


def failed(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {f.locator: f.reason for f in list_failures(conn)}


# Feeds that work -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS.keys())
def test_feed_entries_are_stored_with_feed_source_and_entry_dates(
    engine: Engine, settings: Settings, site: Site, kind: str
) -> None:
    build, content_type = FORMATS[kind]
    publish(site, ENTRIES[:2])
    site.routes["/feed"] = conditional(build(site, ENTRIES[:2]), content_type, '"v1"', MODIFIED)

    summary = ingest(engine, settings, feeds=[site.url("/feed")])

    assert (summary.new, summary.failed, summary.failures) == (2, 0, [])
    articles = stored(engine)
    assert sorted(articles) == sorted(site.url(e.path) for e in ENTRIES[:2])
    for e in ENTRIES[:2]:
        article = articles[site.url(e.path)]
        assert article.source == WIRE
        assert article.title == e.title
        assert article.published == e.date
        assert article.locator == site.url(e.path)
        assert all(paragraph in article.text for paragraph in STORIES[e.slug])
        assert "Reader comment" not in article.text
    assert "if-none-match" not in site.requests_for("/feed")[0].headers
    with engine.connect() as conn:
        counts = stats(conn)
    assert (counts["feeds"], counts["by_source"]) == (1, {WIRE: 2})


@pytest.mark.parametrize("kind", FORMATS.keys())
def test_unchanged_feed_is_a_304_and_a_changed_one_fetches_only_new_entries(
    engine: Engine, settings: Settings, site: Site, kind: str
) -> None:
    build, content_type = FORMATS[kind]
    url = site.url("/feed")
    publish(site, ENTRIES[:3])
    site.routes["/feed"] = conditional(build(site, ENTRIES[:2]), content_type, '"v1"', MODIFIED)
    ingest(engine, settings, feeds=[url])

    unchanged = ingest(engine, settings, feeds=[url])

    second = site.requests_for("/feed")[-1]
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == MODIFIED
    assert second.status == 304
    assert (unchanged.new, unchanged.duplicate, unchanged.failed) == (0, 0, 0)
    assert [site.hits(e.path) for e in ENTRIES[:2]] == [1, 1]  # no entry page fetched again

    site.routes["/feed"] = conditional(build(site, ENTRIES[:3]), content_type, '"v2"', LATER)
    changed = ingest(engine, settings, feeds=[url])

    assert site.requests_for("/feed")[-1].status == 200
    assert (changed.new, changed.duplicate, changed.failed) == (1, 0, 0)
    assert [site.hits(e.path) for e in ENTRIES[:3]] == [1, 1, 1]  # only the new entry's page
    assert sorted(stored(engine)) == sorted(site.url(e.path) for e in ENTRIES[:3])
    assert site.requests_for("/feed")[-1].headers["if-none-match"] == '"v1"'
    ingest(engine, settings, feeds=[url])
    assert site.requests_for("/feed")[-1].headers["if-none-match"] == '"v2"'


def test_feed_with_only_last_modified_is_fetched_conditionally(
    engine: Engine, settings: Settings, site: Site
) -> None:
    publish(site, ENTRIES[:1])
    site.routes["/feed"] = conditional(rss(site, ENTRIES[:1]), "text/xml", None, MODIFIED)
    ingest(engine, settings, feeds=[site.url("/feed")])

    again = ingest(engine, settings, feeds=[site.url("/feed")])

    last = site.requests_for("/feed")[-1]
    assert "if-none-match" not in last.headers
    assert (last.headers["if-modified-since"], last.status) == (MODIFIED, 304)
    assert (again.new, again.failed) == (0, 0)
    assert site.hits(ENTRIES[0].path) == 1


def test_relative_entry_links_are_resolved_against_the_final_feed_url(
    engine: Engine, settings: Settings, site: Site
) -> None:
    # Atom allows relative links (RFC 4287 §4.2.7, resolved against the document's URL); the
    # feed is reached through a redirect, so only the final URL gives the right base.
    site.routes["/atom"] = Reply(301, headers={"Location": "/feeds/atom.xml"})
    entry = ENTRIES[0]
    site.routes["/feeds/convoy"] = html_reply(article_html(entry.title, STORIES[entry.slug]))
    body = atom(site, [entry], href=lambda e: e.slug)
    site.routes["/feeds/atom.xml"] = Reply(200, body, {"Content-Type": "application/atom+xml"})

    summary = ingest(engine, settings, feeds=[site.url("/atom")])

    assert (summary.new, summary.failed, summary.failures) == (1, 0, [])
    assert list(stored(engine)) == [site.url("/feeds/convoy")]


def test_utf8_feed_without_encoding_declaration_keeps_its_cyrillic(
    engine: Engine, settings: Settings, site: Site
) -> None:
    # XML without an encoding declaration is UTF-8; Russian-language sources are the norm here.
    entry = Entry("karavan", "Пограничники задержали караван", datetime(2021, 9, 16, tzinfo=UTC))
    site.routes[entry.path] = html_reply(
        article_html(
            entry.title,
            [
                "Пограничники на таджикско-афганской границе задержали караван с наркотиками "
                "у села Пяндж в четверг утром, сообщили в пограничном управлении.",
                "Трое задержанных доставлены в отдел, груз изъят после короткой перестрелки.",
            ],
        )
    )
    body = rss(site, [entry], title="Вести границы").replace(b' encoding="utf-8"', b"")
    site.routes["/ru.xml"] = Reply(200, body, {"Content-Type": "application/rss+xml"})

    summary = ingest(engine, settings, feeds=[site.url("/ru.xml")])

    assert (summary.new, summary.failed) == (1, 0)
    [article] = stored(engine).values()
    assert (article.source, article.title) == ("Вести границы", entry.title)
    assert "караван с наркотиками" in article.text


# Entries and feeds that fail -----------------------------------------------------------------


def test_failed_entry_is_retried_on_the_next_run_until_stored(
    engine: Engine, settings: Settings, site: Site
) -> None:
    url = site.url("/feed")
    good, flaky = ENTRIES[:2]
    publish(site, [good])
    site.routes[flaky.path] = Reply(500, b"database is down")
    site.routes["/feed"] = conditional(rss(site, [good, flaky]), "text/xml", '"v1"', MODIFIED)

    first = ingest(engine, settings, feeds=[url])

    assert (first.new, first.failed) == (1, 1)
    assert first.failures[0].locator == site.url(flaky.path)
    assert first.failures[0].reason.startswith("HTTP 500 from")
    assert failed(engine) == {site.url(flaky.path): first.failures[0].reason}
    with engine.begin() as conn:
        state = feed_state(conn, url)
    assert (state.etag, state.last_modified) == (None, None)  # or the 304 would hide the entry

    publish(site, [flaky])
    second = ingest(engine, settings, feeds=[url])

    request = site.requests_for("/feed")[-1]
    assert "if-none-match" not in request.headers
    assert "if-modified-since" not in request.headers
    assert request.status == 200
    assert (second.new, second.failed) == (1, 0)
    assert (site.hits(good.path), site.hits(flaky.path)) == (1, 2)  # only the failed one again
    assert failed(engine) == {}
    assert stored(engine)[site.url(flaky.path)].published == flaky.date

    third = ingest(engine, settings, feeds=[url])
    assert site.requests_for("/feed")[-1].status == 304
    assert (third.new, third.failed, site.hits(flaky.path)) == (0, 0, 2)


def test_entry_that_keeps_failing_stops_holding_back_conditional_get(
    engine: Engine, settings: Settings, site: Site
) -> None:
    url = site.url("/feed")
    good, dead = ENTRIES[:2]
    publish(site, [good])
    site.routes[dead.path] = Reply(404, b"gone")
    site.routes["/feed"] = conditional(rss(site, [good, dead]), "text/xml", '"v1"', MODIFIED)

    runs = [ingest(engine, settings, feeds=[url]) for _ in range(GIVE_UP_AFTER)]
    assert [r.failed for r in runs] == [1] * GIVE_UP_AFTER
    assert site.hits(dead.path) == GIVE_UP_AFTER
    with engine.begin() as conn:
        state = feed_state(conn, url)
    assert state.etag == '"v1"'  # given up on the dead link: the feed is conditional again

    after = ingest(engine, settings, feeds=[url])
    assert site.requests_for("/feed")[-1].status == 304
    assert (after.failed, site.hits(dead.path)) == (0, GIVE_UP_AFTER)
    assert site.url(dead.path) in failed(engine)  # still listed for the analyst


def test_feed_with_http_500_fails_and_other_feeds_still_work(
    engine: Engine, settings: Settings, site: Site
) -> None:
    publish(site, ENTRIES[:2])
    site.routes["/broken.xml"] = Reply(500, b"internal error")
    site.routes["/good.xml"] = Reply(200, rss(site, ENTRIES[:2]), {"Content-Type": "text/xml"})
    broken = site.url("/broken.xml")

    summary = ingest(engine, settings, feeds=[broken, site.url("/good.xml")])

    assert (summary.new, summary.failed) == (2, 1)
    assert summary.failures[0].locator == broken
    assert summary.failures[0].reason == f"feed: HTTP 500 from {broken}"
    assert failed(engine) == {broken: summary.failures[0].reason}
    assert len(stored(engine)) == 2


NOT_FEEDS = {
    "html-page": article_html("Not a feed", STORIES["convoy"]),
    "xhtml-page": b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Hello</p></body></html>',
    "garbage": bytes(range(256)) * 8,
    "empty": b"",
    "json": b'{"items": [{"url": "http://127.0.0.1/news/x"}]}',
}


@pytest.mark.parametrize("body", NOT_FEEDS.values(), ids=NOT_FEEDS.keys())
def test_document_that_is_not_a_feed_is_a_feed_failure(
    engine: Engine, settings: Settings, site: Site, body: bytes
) -> None:
    publish(site, ENTRIES[:1])
    site.routes["/bad.xml"] = Reply(200, body, {"Content-Type": "application/rss+xml"})
    site.routes["/good.xml"] = Reply(200, rss(site, ENTRIES[:1]), {"Content-Type": "text/xml"})

    summary = ingest(engine, settings, feeds=[site.url("/bad.xml"), site.url("/good.xml")])

    assert (summary.new, summary.failed) == (1, 1)
    [failure] = summary.failures
    assert failure.locator == site.url("/bad.xml")
    assert failure.reason.startswith("feed: not a feed")
    assert list(stored(engine)) == [site.url(ENTRIES[0].path)]


# Hostile XML ---------------------------------------------------------------------------------

SECRET = "SECRET-7f3a-never-stored"


def hostile_feeds(site: Site, secret: Path) -> dict[str, bytes]:
    """Feeds whose entities would read a local file or expand without bound."""
    item = f"<item><title>&xxe;</title><link>{site.url(ENTRIES[0].path)}</link>"
    item += "<description>&xxe;</description></item>"
    channel = f'<rss version="2.0"><channel><title>Wire &xxe;</title>{item}</channel></rss>'
    xxe = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
    laughs = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    laughs = laughs.replace("&lol0;", "&lol;")
    return {
        "external-entity": f'<?xml version="1.0"?>{xxe}{channel}'.encode(),
        "parameter-entity": (
            f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % pe SYSTEM "{secret.as_uri()}">'
            f'%pe;<!ENTITY xxe "x">]>{channel}'
        ).encode(),
        "billion-laughs": (
            f'<?xml version="1.0"?><!DOCTYPE rss [{laughs}<!ENTITY xxe "&lol9;">]>{channel}'
        ).encode(),
        # Not well-formed before the DOCTYPE, so the strict check cannot get to the entities:
        # the lenient fallback must not be a way round the refusal.
        "whitespace-before-declaration": f'\n  <?xml version="1.0"?>{xxe}{channel}'.encode(),
        "junk-before-declaration": f'junk<?xml version="1.0"?>{xxe}{channel}'.encode(),
    }


HOSTILE = [
    "external-entity",
    "parameter-entity",
    "billion-laughs",
    "whitespace-before-declaration",
    "junk-before-declaration",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_feed_declaring_entities_is_refused(
    engine: Engine, settings: Settings, site: Site, tmp_path: Path, name: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    publish(site, ENTRIES[:2])
    body = hostile_feeds(site, secret)[name]
    site.routes["/evil.xml"] = Reply(200, body, {"Content-Type": "application/rss+xml"})
    site.routes["/good.xml"] = Reply(200, rss(site, ENTRIES[1:2]), {"Content-Type": "text/xml"})

    summary = ingest(engine, settings, feeds=[site.url("/evil.xml"), site.url("/good.xml")])

    assert (summary.new, summary.failed) == (1, 1)
    [failure] = summary.failures
    assert failure.locator == site.url("/evil.xml")
    assert failure.reason.startswith("feed: refused: the XML declares entities")
    assert site.hits(ENTRIES[0].path) == 0  # no entry of the refused feed was fetched
    assert_secret_absent(engine)


def test_external_dtd_is_never_fetched(
    engine: Engine, settings: Settings, site: Site, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    publish(site, ENTRIES[:1])
    site.routes["/evil.dtd"] = Reply(
        200, f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">'.encode(), {"Content-Type": "text/xml"}
    )
    body = rss(site, ENTRIES[:1], title="Wire &xxe;").replace(
        b"?>", f'?><!DOCTYPE rss SYSTEM "{site.url("/evil.dtd")}">'.encode(), 1
    )
    site.routes["/feed.xml"] = Reply(200, body, {"Content-Type": "application/rss+xml"})

    ingest(engine, settings, feeds=[site.url("/feed.xml")])

    assert site.hits("/evil.dtd") == 0
    assert_secret_absent(engine)


def assert_secret_absent(engine: Engine) -> None:
    for article in stored(engine).values():
        assert SECRET not in f"{article.text} {article.title} {article.source}"
    assert SECRET not in str(failed(engine))
