"""RSS and Atom feeds: a conditional GET, then each new entry's page fetched and extracted.

The feed's validators (ETag, Last-Modified) are saved only when every entry is stored, so an
entry whose page failed is tried again on the next run instead of hiding behind a 304.
Feed XML is checked with defusedxml first: a document that declares entities is refused
before feedparser sees it (no external entity expansion, no entity bombs).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

import feedparser
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeXML
from sqlalchemy import Engine

from outpost.ingest.dedup import sha256
from outpost.ingest.errors import ItemError
from outpost.ingest.pages import extract_page
from outpost.ingest.web import Fetcher
from outpost.records import Draft, Failure
from outpost.store import feeds as state_store
from outpost.store.failures import failure_attempts

# Found in ASCII-compatible encodings only; for the rest, feedparser strips unsafe declarations.
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
GIVE_UP_AFTER = 3  # failed tries of one entry


def read_feed(fetcher: Fetcher, engine: Engine, url: str) -> Iterator[Draft | Failure]:
    with engine.begin() as conn:
        state = state_store.feed_state(conn, url)
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        response = fetcher.get(url, headers)
        if response.status == 304:
            with engine.begin() as conn:
                state_store.save_check(conn, state, 304, state.etag, state.last_modified)
            return
        parsed = parse_feed(response.body, response.url)
    except ItemError as exc:
        yield Failure(url, f"feed: {exc}")
        return
    with engine.begin() as conn:
        seen = state_store.seen_entries(conn, state)
    source = str(parsed.feed.get("title") or urlsplit(url).hostname or url)
    complete = True
    for entry in parsed.entries:
        key = entry_key(entry)
        if key in seen:
            continue
        item = _entry_article(fetcher, entry, source, (state.key, key))
        complete = complete and not _worth_retrying(engine, item)
        yield item
    with engine.begin() as conn:
        etag = response.headers.get("etag") if complete else None
        modified = response.headers.get("last-modified") if complete else None
        state_store.save_check(conn, state, response.status, etag, modified)


def _worth_retrying(engine: Engine, item: Draft | Failure) -> bool:
    """Whether a failed entry should keep the feed's validators unsaved, so the next run
    fetches the feed again. An entry that keeps failing (a dead link) must not cost the feed
    its conditional GET for ever: after GIVE_UP_AFTER failures it stays in `ingest-errors`."""
    if isinstance(item, Draft):
        return False
    with engine.connect() as conn:
        before = failure_attempts(conn, item.locator)
    return before + 1 < GIVE_UP_AFTER


def parse_feed(body: bytes, url: str | None = None) -> Any:
    """The parsed feed; `url` (where it was fetched from, after redirects) is the base that
    relative entry links are resolved against, as Atom allows (RFC 4287, xml:base aside)."""
    try:
        SafeXML.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ItemError(f"refused: the XML declares entities ({type(exc).__name__})") from None
    except ParseError as exc:
        # A syntax error before the DOCTYPE (even blank space before <?xml) stops the strict
        # check before it sees any entity, so the refusal is repeated here by hand: the
        # lenient fallback must not be a way round it.
        if ENTITY_DECLARATION.search(body):
            raise ItemError("refused: the XML declares entities (not well-formed)") from None
        parsed = _feedparser(body, url)  # feedparser's lenient parser may still read it
        if not parsed.entries:
            raise ItemError(f"not a feed: the document is not well-formed XML ({exc})") from None
        return parsed
    parsed = _feedparser(body, url)
    if not parsed.version and not parsed.entries:
        raise ItemError("not a feed: no RSS or Atom elements in the document")
    return parsed


def _feedparser(body: bytes, url: str | None) -> Any:
    # Without a base, relative links stay relative and every such entry fails as "not http".
    # The neutral XML media type keeps feedparser's encoding choice what it is without headers
    # (the XML declaration, else UTF-8); headers without a media type make it guess ISO-8859-1
    # and flag the feed as not XML.
    if not url:
        return feedparser.parse(body)
    headers = {"content-location": url, "content-type": "application/xml"}
    return feedparser.parse(body, response_headers=headers)


def entry_key(entry: Any) -> str:
    ident = (
        entry.get("id") or entry.get("link") or (entry.get("title", "") + entry.get("summary", ""))
    )
    return sha256(str(ident))


def _entry_article(
    fetcher: Fetcher, entry: Any, source: str, feed_entry: tuple[str, str]
) -> Draft | Failure:
    link = entry.get("link")
    locator = str(link or f"feed entry {entry.get('id') or entry.get('title')}")
    if not link:
        return Failure(locator, "feed entry has no link to fetch")
    try:
        response = fetcher.get(link)
        page = extract_page(response.body, response.url)
    except ItemError as exc:
        return Failure(locator, str(exc))
    return Draft(
        text=page.text,
        source=source,
        locator=locator,
        raw=response.body,
        media_type=response.media_type or "text/html",
        title=entry.get("title") or page.title,
        url=page.url or response.url,
        published=_entry_time(entry) or page.published,
        lang=page.lang,
        external_id=entry.get("id"),
        feed_entry=feed_entry,
    )


def _entry_time(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
