"""Page ingestion over real HTTP: a loopback server answers, ingest() fetches, extracts, stores.

Every failure case runs in a batch with a good page after it, so each test also shows that one
bad URL never stops the run. Address checks for non-loopback networks only call check_address,
which resolves numeric hosts locally: no traffic ever leaves the machine.
"""

from __future__ import annotations

import gzip
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from outpost.config import FetchSettings, Settings
from outpost.ingest.web import Fetcher, FetchError
from outpost.records import Article, IngestError
from outpost.services.ingest import ingest
from outpost.store.articles import ArticleFilter, list_articles
from outpost.store.failures import list_failures
from tests.loopback_site import Reply, Site, article_html, html_reply, serve

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
BOILERPLATE = ["menu item", "Sign in", "Reader comment", "subscribe", "Copyright", "Cookie"]

CONVOY = [
    "Border guards on the Tajik-Afghan border stopped a convoy of trucks carrying narcotics "
    "near the village of Panj on Thursday morning, officials said.",
    "The regional command reported that three people were detained and the cargo was seized "
    "after a brief exchange of fire with smugglers.",
    "Patrols along the river will be reinforced during the coming weeks, the command added.",
]
GOOD = "/news/good"
GOOD_PAGE = article_html(
    "Ministers agree on joint exercises",
    [
        "Defence ministers of the six member states agreed in Dushanbe on a plan of joint "
        "exercises near the southern border for the autumn.",
        "The plan names the units taking part and the dates of each stage of the exercises.",
    ],
    published="2021-09-17T12:00:00+00:00",
)


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def with_fetch(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, fetch=replace(settings.fetch, **changes))


def stored(engine: Engine) -> list[Article]:
    with engine.connect() as conn:
        return list_articles(conn, ArticleFilter(limit=None))


def failures(engine: Engine) -> list[IngestError]:
    with engine.connect() as conn:
        return list_failures(conn)


# A page that works ---------------------------------------------------------------------------


def test_article_page_is_stored_with_main_text_and_metadata(
    engine: Engine, settings: Settings, site: Site
) -> None:
    site.routes["/print/convoy"] = html_reply(
        article_html(
            "Border guards stop convoy",
            CONVOY,
            published="2021-09-16T08:30:00+00:00",
            canonical=site.url("/news/convoy"),
        )
    )
    url = site.url("/print/convoy")

    summary = ingest(engine, settings, [url])

    assert (summary.new, summary.failed, summary.failures) == (1, 0, [])
    [article] = stored(engine)
    assert all(paragraph in article.text for paragraph in CONVOY)
    assert not [junk for junk in BOILERPLATE if junk in article.text]
    assert article.title == "Border guards stop convoy"
    assert article.url == site.url("/news/convoy")  # the page's canonical link, not the fetched URL
    assert article.locator == url
    assert article.published == datetime(2021, 9, 16, 8, 30, tzinfo=UTC)
    assert article.source == f"127.0.0.1:{site.port}"
    assert article.lang == "en"
    assert site.requests_for("/print/convoy")[0].headers["user-agent"].startswith("Outpost/")


def test_second_run_of_the_same_page_stores_nothing_new(
    engine: Engine, settings: Settings, site: Site
) -> None:
    site.routes[GOOD] = html_reply(GOOD_PAGE)
    ingest(engine, settings, [site.url(GOOD)])

    again = ingest(engine, settings, [site.url(GOOD)])

    assert (again.new, again.duplicate, again.near_duplicate, again.failed) == (0, 1, 0, 0)
    assert len(stored(engine)) == 1
    assert site.hits(GOOD) == 2  # fetched again, recognised as the stored article


def test_failed_page_is_counted_and_cleared_once_it_works(
    engine: Engine, settings: Settings, site: Site
) -> None:
    url = site.url("/news/flaky")
    site.routes["/news/flaky"] = Reply(503, b"busy")
    ingest(engine, settings, [url])
    ingest(engine, settings, [url])
    assert [(f.locator, f.attempts) for f in failures(engine)] == [(url, 2)]

    site.routes["/news/flaky"] = html_reply(article_html("Convoy stopped", CONVOY))
    summary = ingest(engine, settings, [url])

    assert (summary.new, summary.failed) == (1, 0)
    assert failures(engine) == []


# Redirects -----------------------------------------------------------------------------------


def test_relative_redirect_is_followed_and_stored_under_the_final_url(
    engine: Engine, settings: Settings, site: Site
) -> None:
    site.routes["/old/story"] = Reply(301, headers={"Location": "../news/convoy"})
    site.routes["/news/convoy"] = html_reply(article_html("Border guards stop convoy", CONVOY))

    summary = ingest(engine, settings, [site.url("/old/story")])

    assert (summary.new, summary.failed) == (1, 0)
    [article] = stored(engine)
    assert article.url == site.url("/news/convoy")
    assert article.locator == site.url("/old/story")
    assert [r.path for r in site.requests] == ["/old/story", "/news/convoy"]


def test_redirects_are_followed_up_to_the_cap_and_no_further(
    engine: Engine, settings: Settings, site: Site
) -> None:
    capped = with_fetch(settings, max_redirects=2)
    site.routes["/a1"] = Reply(302, headers={"Location": "a2"})
    site.routes["/a2"] = Reply(302, headers={"Location": GOOD})
    site.routes[GOOD] = html_reply(GOOD_PAGE)
    site.routes["/b1"] = Reply(302, headers={"Location": "/b2"})
    site.routes["/b2"] = Reply(302, headers={"Location": "/b3"})
    site.routes["/b3"] = Reply(302, headers={"Location": "/news/never"})
    site.routes["/news/never"] = html_reply(article_html("Convoy stopped", CONVOY))

    summary = ingest(engine, capped, [site.url("/b1"), site.url("/a1")])

    assert (summary.new, summary.failed) == (1, 1)
    assert summary.failures[0].reason == (
        f"more than 2 redirects from {site.url('/b1')} (the last to {site.url('/news/never')})"
    )
    assert site.hits("/news/never") == 0
    assert [a.url for a in stored(engine)] == [site.url(GOOD)]


# Failures, each in a batch with a good page --------------------------------------------------


@dataclass(frozen=True)
class Bad:
    reply: Reply
    reason: str  # a part of the one-line reason
    fetch: dict[str, Any] = field(default_factory=dict)  # FetchSettings changes


BIG = article_html("Long report", [f"Paragraph {i} of a long report. " * 8 for i in range(200)])
BAD = {
    "http-404": Bad(Reply(404, b"gone"), "HTTP 404"),
    "http-500": Bad(Reply(500, b"oops"), "HTTP 500"),
    "redirect-loop": Bad(Reply(302, headers={"Location": "/bad"}), "more than 5 redirects"),
    "redirect-to-file": Bad(
        Reply(302, headers={"Location": "file:///etc/passwd"}), "only http and https URLs"
    ),
    "slower-than-timeout": Bad(
        Reply(200, article_html("Late", CONVOY), delay=3.0), "timed out after 1", {"timeout": 1}
    ),
    "body-trickles-past-deadline": Bad(
        Reply(200, article_html("Drip", CONVOY), chunked=True, chunk_size=64, drip=0.25),
        "took longer than 1.5s (the fetch deadline)",
        {"timeout": 0.5, "deadline": 1.5},
    ),
    "content-length-over-cap": Bad(
        html_reply(BIG), f"is {len(BIG)} bytes, over the 20000 cap", {"max_bytes": 20_000}
    ),
    "chunked-body-over-cap": Bad(
        Reply(200, BIG, {"Content-Type": "text/html"}, chunked=True),
        "over the 20000-byte cap",
        {"max_bytes": 20_000},
    ),
    "gzip-bomb-over-cap": Bad(
        Reply(200, gzip.compress(b" " * 5_000_000), {"Content-Encoding": "gzip"}),
        "over the 20000-byte cap",
        {"max_bytes": 20_000},
    ),
    "no-article": Bad(
        html_reply(b"<html><body><nav><a href='/'>Home</a></nav><p>Soon.</p></body></html>"),
        "no article text found",
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_page_is_a_failure_and_the_batch_goes_on(
    engine: Engine, settings: Settings, site: Site, case: Bad
) -> None:
    site.routes["/bad"] = case.reply
    site.routes[GOOD] = html_reply(GOOD_PAGE)
    bad = site.url("/bad")

    summary = ingest(engine, with_fetch(settings, **case.fetch), [bad, site.url(GOOD)])

    assert (summary.new, summary.failed) == (1, 1)
    [failure] = summary.failures
    assert failure.locator == bad
    assert case.reason in failure.reason
    assert "\n" not in failure.reason
    assert [(f.locator, f.reason, f.attempts) for f in failures(engine)] == [
        (bad, failure.reason, 1)
    ]
    [article] = stored(engine)
    assert article.url == site.url(GOOD)
    assert "root:" not in article.text


def test_redirect_loop_stops_after_the_cap(engine: Engine, settings: Settings, site: Site) -> None:
    site.routes["/loop"] = Reply(307, headers={"Location": site.url("/loop")})

    summary = ingest(engine, settings, [site.url("/loop")])

    assert summary.failed == 1
    assert site.hits("/loop") == settings.fetch.max_redirects + 1


# Addresses -----------------------------------------------------------------------------------


def test_loopback_is_refused_unless_its_network_is_allowed(
    engine: Engine, settings: Settings, site: Site
) -> None:
    site.routes[GOOD] = html_reply(GOOD_PAGE)
    closed = with_fetch(settings, allow_networks=())
    urls = [site.url(GOOD), f"http://localhost:{site.port}{GOOD}"]

    summary = ingest(engine, closed, urls)

    assert (summary.new, summary.failed) == (0, 2)
    numeric, named = summary.failures
    assert "127.0.0.1 is a private, loopback or link-local address" in numeric.reason
    assert named.locator == urls[1]
    assert "loopback" in named.reason
    assert "127.0.0.1" in named.reason or "::1" in named.reason
    assert site.requests == []  # refused before any connection
    assert {f.locator for f in failures(engine)} == set(urls)


def check(url: str, allow: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> None:
    """Only resolves the (numeric or local) host: nothing is sent anywhere."""
    with Fetcher(FetchSettings(allow_networks=allow)) as fetcher:
        fetcher.check_address(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1/admin",
        "http://172.16.0.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0:8080/",
        "http://[::ffff:10.0.0.1]/",  # IPv4-mapped IPv6 must not slip through
        "http://[fe80::1]/",
        "http://[fd00::1]/",
    ],
)
def test_check_address_refuses_private_and_link_local(url: str) -> None:
    with pytest.raises(FetchError, match="private, loopback or link-local"):
        check(url, LOOPBACK_ONLY)


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1]/",
        "http://127.0.0.1/",
        "http://127.1.2.3:8080/",
        "http://localhost/",
        "http://2130706433/",  # 127.0.0.1 written as one number
    ],
)
def test_check_address_refuses_loopback_unless_allowed(url: str) -> None:
    with pytest.raises(FetchError, match="loopback"):
        check(url, ())
    check(url, LOOPBACK_ONLY)  # allowed: no error


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1:70/", "http:///path"]
)
def test_check_address_refuses_other_schemes_and_missing_hosts(url: str) -> None:
    with pytest.raises(FetchError, match=r"^(only http and https URLs|no host in URL)"):
        check(url, LOOPBACK_ONLY)


@pytest.mark.parametrize("url", ["http://93.184.216.34/", "https://[2606:4700:4700::1111]/"])
def test_check_address_accepts_public_addresses(url: str) -> None:
    check(url, ())
