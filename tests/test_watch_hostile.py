"""Issue 11, proven end to end: `outpost watch` polls, in the same cycles, one good feed and
every kind of hostile feed the issue lists, all on real loopback servers (HTTP and SMTP), on
SQLite and PostgreSQL. The watch never stops, each hostile feed fails alone with a one-line
reason, nothing private is contacted, nothing hostile reaches a stored single-line field, and
the good feed's alert is delivered by webhook and by mail.
"""

from __future__ import annotations

import io
import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from outpost.analyze.pipeline import default_pipeline
from outpost.config import FeedSource, Limits, Settings
from outpost.ingest.parse_budget import budgeted
from outpost.services.context import SYSTEM_WATCH
from outpost.services.watch import Watcher
from outpost.store.alerts import list_alerts
from outpost.store.schema import articles
from outpost.warn.rules import load_rules
from tests.loopback_site import Reply, Site, article_html, html_reply, serve
from tests.smtp_receiver import Mailroom
from tests.smtp_receiver import running as smtp_running
from tests.test_alerts import SECRET
from tests.test_feeds import ENTRIES, STORIES, Entry, rss
from tests.test_hostile_feeds import crowded_page, dense_page, entity_bomb
from tests.webhook_receiver import Receiver

RSS = {"Content-Type": "application/rss+xml"}
DAY = datetime(2021, 9, 16, 8, 0, tzinfo=UTC)
# Characters XML allows that a terminal obeys: a one-character CSI (C1), bidi overrides
CONTROL_TITLE = "Convoy \u009b2J\u202eattack\u2066 at Panj\u0085"
ONLY_THIS_HOST = (ipaddress.ip_network("127.0.0.1/32"),)  # 127.0.0.2 and ::1 stay private
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

RULES = """
rules:
  - id: frontier
    name: The southern frontier
    places: {{countries: [TJ, AF, KG]}}
    deliver: [webhook:ops, webhook:inside, email:duty]
webhooks:
  ops: {{url: "{ops}", secret_env: OPS_SECRET}}
  inside: {{url: "http://169.254.169.254/latest/meta-data", secret_env: OPS_SECRET}}
email:
  duty: {{to: [duty@example.org]}}
smtp: {{host: 127.0.0.1, port: {smtp}, sender: outpost@example.org}}
"""


def feed_of(site: Site, links: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}#{n}</guid></item>"
        for n, (title, link) in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Hostile'
        f"</title><link>{site.url('/')}</link>{items}</channel></rss>"
    ).encode()


def raw_response(status: str, headers: list[bytes], body: bytes) -> bytes:
    head = b"\r\n".join([f"HTTP/1.1 {status}".encode(), *headers, b"Connection: close"])
    return head + f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


def hostile_routes(site: Site) -> dict[str, Reply]:
    """Each hostile feed of the issue, by the item it replays."""
    etag, controls = Entry("etag", "Etag story", DAY), Entry("ctl", CONTROL_TITLE, DAY)
    many = [(f"Entry {i}", site.url(f"/many/{i}")) for i in range(1000)]
    etag_feed = rss(site, [etag])
    return {
        # 1. invalid URLs and ports in redirects and links; a validator that cannot be sent back
        "/redirect.xml": Reply(302, b"", {"Location": "http://127.0.0.1:99999/x"}),
        "/links.xml": Reply(
            200,
            feed_of(site, [("Bad port", "http://127.0.0.1:abc/"), ("Bad v6", "http://[::1")]),
            RSS,
        ),
        "/etag.xml": Reply(
            raw=raw_response("200 OK", [b'ETag: "\xe9t\xe9"', b"Content-Type: text/xml"], etag_feed)
        ),
        etag.path: html_reply(article_html("Etag story", STORIES["convoy"])),
        # 3. an entity bomb in EBCDIC
        "/bomb.xml": Reply(200, entity_bomb(site, "cp037", "cp037"), {"Content-Type": "text/xml"}),
        # 4. attributes by the ten thousand, a page over its budget, a million-entry-like feed,
        # headers dripped a byte at a time
        "/crowded.xml": Reply(200, feed_of(site, [("Crowded", site.url("/crowded"))]), RSS),
        "/crowded": html_reply(crowded_page(40_000)),
        "/dense.xml": Reply(200, feed_of(site, [("Dense", site.url("/dense"))]), RSS),
        "/dense": html_reply(dense_page()),
        "/many.xml": Reply(200, feed_of(site, many), RSS),
        "/drip.xml": Reply(
            raw=raw_response("200 OK", [b"X-Pad: " + b"x" * 200], b""), drip=0.2, chunk_size=1
        ),
        # 7. control sequences in titles and in the feed's name
        "/controls.xml": Reply(
            200,
            rss(site, [controls], title="Wire \u009b2J\u2066"),
            RSS,
        ),
        controls.path: html_reply(article_html("Controls", STORIES["convoy"])),
        # 8. links to private addresses in every notation
        "/private.xml": Reply(
            200,
            feed_of(
                site,
                [
                    ("Metadata", "http://169.254.169.254/latest/meta-data"),
                    ("NAT64", f"http://[64:ff9b::7f00:2]:{site.port}/x"),
                    ("Decimal", f"http://2130706434:{site.port}/x"),
                    ("Other loopback", f"http://127.0.0.2:{site.port}/x"),
                ],
            ),
            RSS,
        ),
        # 11. a feed that asks to be left alone for an hour; and plain garbage
        "/busy.xml": Reply(503, b"busy", {"Retry-After": "3600"}),
        "/garbage.xml": Reply(200, b"\x00\xff<rss>" * 50, {"Content-Type": "text/xml"}),
    }


@pytest.fixture
def wire() -> Iterator[Site]:
    with serve() as site:
        site.routes["/good.xml"] = Reply(200, rss(site, ENTRIES), RSS)
        for entry in ENTRIES:
            site.routes[entry.path] = html_reply(article_html(entry.title, STORIES[entry.slug]))
        site.routes.update(hostile_routes(site))
        yield site


@pytest.fixture
def rogue(wire: Site) -> Iterator[Site]:
    """5. Another site, whose page claims the good article's URL as its canonical."""
    claim = wire.url(ENTRIES[0].path)
    text = ["A hostile text that claims another site's URL as its own. " * 3]
    with serve() as site:
        site.routes["/hijack.xml"] = Reply(
            200, feed_of(site, [("Hijack", site.url("/hijack"))]), RSS
        )
        site.routes["/hijack"] = html_reply(article_html("Hijack", text, canonical=claim))
        yield site


@pytest.fixture
def mailroom() -> Iterator[Mailroom]:
    with smtp_running() as room:
        yield room


PARSE_SECONDS = 0.6  # see hostile_settings


def hostile_settings(settings: Settings) -> Settings:
    fetch = replace(
        settings.fetch,
        allow_networks=ONLY_THIS_HOST,
        deadline=3.0,
        max_entries=20,
        max_pages=10,
        max_bytes=8 * 1024 * 1024,
    )
    # The dense page takes 1.2 to 1.7 s to extract on a fast core, the others a few ms: a
    # budget of 1.5 s let it through there, so the test missed the time-out it exists for.
    limits = Limits(parse_seconds=PARSE_SECONDS, article_chars=5_000_000)
    return replace(settings, fetch=fetch, limits=limits)


def test_watch_survives_every_hostile_feed_and_delivers_the_good_alert(
    engine: Engine,
    settings: Settings,
    wire: Site,
    rogue: Site,
    receiver: Receiver,
    mailroom: Mailroom,
    tmp_path: Path,
) -> None:
    settings = hostile_settings(settings)
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.format(ops=receiver.url, smtp=mailroom.port), encoding="utf-8")
    rules = load_rules(path, env={"OPS_SECRET": SECRET})
    hostile = [p for p in wire.routes if p.endswith(".xml") and p != "/good.xml"]
    urls = [wire.url(p) for p in ["/good.xml", *hostile]] + [rogue.url("/hijack.xml")]
    feeds = tuple(FeedSource(url, 0.5) for url in urls)
    log = io.StringIO()
    watcher = Watcher(engine, settings, feeds, rules, default_pipeline(), log, every=0.5)
    try:
        watcher.run(cycles=2)
    finally:
        budgeted(settings.limits).close()

    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    cycles = [x for x in lines if x["event"] == "cycle"]
    assert [c["cycle"] for c in cycles] == [1, 2]
    assert not [x for x in lines if x["event"] in ("cycle-error", "delivery-error")]
    assert cycles[0]["feeds"] == len(feeds)

    # Each hostile feed failed alone, with one line naming what was wrong.
    reasons = {x["locator"]: x["reason"] for x in lines if x["event"] == "failure"}
    assert all("\n" not in r and "Traceback" not in r for r in reasons.values()), reasons
    for feed in ("/redirect.xml", "/bomb.xml", "/drip.xml", "/busy.xml", "/garbage.xml"):
        assert wire.url(feed) in reasons, feed
    assert "99999" in reasons[wire.url("/redirect.xml")]
    assert "entit" in reasons[wire.url("/bomb.xml")]
    assert "deadline" in reasons[wire.url("/drip.xml")]
    assert any("parse_timeout" in r for r in reasons.values()), "\n".join(
        f"{k}: {v}" for k, v in reasons.items()
    )
    assert sum("private" in r for r in reasons.values()) >= 4

    # Nothing private was contacted; the busy feed was asked once; the big feed was capped.
    assert wire.hits("/busy.xml") == 1
    assert not any(r.path == "/x" for r in wire.requests)
    assert sum(r.path.startswith("/many/") for r in wire.requests) <= 2 * settings.fetch.max_pages

    with engine.connect() as conn:
        rows = conn.execute(select(articles.c.url, articles.c.title, articles.c.source)).all()
    urls = {row.url for row in rows}
    # The hijacker lives under its own address; the good article under the good one.
    assert rogue.url("/hijack") in urls and wire.url(ENTRIES[0].path) in urls
    assert {wire.url(e.path) for e in ENTRIES} <= urls
    assert {wire.url(p) for p in ("/crowded", "/news/etag", "/news/ctl")} <= urls
    for row in rows:
        assert not CONTROL.search(row.title or "") and not CONTROL.search(row.source), row

    # The good feed's alert went out by webhook and by mail; the private webhook was refused.
    with engine.connect() as conn:
        raised = [a for a in list_alerts(conn, SYSTEM_WATCH) if a.rule_id == "frontier"]
    assert raised
    for alert in raised:
        states = {d.target: d for d in alert.deliveries}
        assert states["webhook:ops"].state == "sent" and states["email:duty"].state == "sent"
        assert states["webhook:inside"].state != "sent"
        assert "fetch_allow_networks" in (states["webhook:inside"].last_error or "")
    assert sorted(json.loads(body)["id"] for _, body in receiver.got) == sorted(
        a.id for a in raised
    )
    # Parsed as a mail client would: a long header is folded (CRLF and a space), and unfolded.
    subjects = [str(message_from_bytes(m, policy=default)["Subject"]) for m in mailroom.messages]
    assert len(subjects) == len(raised)
    assert all(s and not CONTROL.search(s) for s in subjects), subjects
