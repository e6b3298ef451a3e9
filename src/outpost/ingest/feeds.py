"""RSS and Atom feeds: a conditional GET, then each new entry's page fetched and extracted.

Every feed and every entry is its own failure domain: whatever goes wrong with one (a hostile
document, a page that breaks the parser, a bug of ours) becomes a Failure with a one-line
reason, and the run goes on with the next one. The feed's validators (ETag, Last-Modified) are
saved only when every entry is stored, so an entry whose page failed, or one left over by the
per-run caps (FetchSettings.max_entries, max_pages), is taken on the next run instead of hiding
behind a 304. A 429 or 503 with Retry-After is remembered: the feed is not asked again before.
The document is decoded once and checked for entity declarations as decoded (feed_text.py),
and every field read from it is bounded, so no entry can cost more than its page.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

import feedparser
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeXML

from outpost.dedup import sha256
from outpost.ingest.feed_text import feed_document, first_entries
from outpost.ingest.pages import Extract, extract_page
from outpost.ingest.reasons import one_line
from outpost.ingest.web import Fetcher, FetchError, Response
from outpost.records import Draft, Failure
from outpost.store.feeds import FeedState
from outpost.store.times import now
from outpost.values import ItemError

GIVE_UP_AFTER = 3  # failed tries of one entry
MAX_TITLE = 1000  # characters of an entry's title; cut beyond
MAX_SOURCE = 200  # characters of the feed's title, the articles' source (indexed); cut beyond
MAX_SUMMARY = 10_000  # characters of a summary (only used to tell entries apart); cut beyond
MAX_LINK = 2048  # characters of an entry's link: an identity is refused, never cut
# UTF-8 bytes of an entry's id: stored with the source under one unique index, whose entries
# PostgreSQL caps at 2704 bytes (a longer one makes the insert fail); refused beyond.
MAX_ID_BYTES = 1024
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

DOCUMENT_ENTRIES = 5  # times max_entries: entries of a document parsed at all (the first)


class FeedLedger(Protocol):
    """What a feed run keeps between runs; the services layer keeps it in the store, one
    transaction per call."""

    def state(self, url: str) -> FeedState: ...

    def seen(self, state: FeedState) -> set[str]: ...

    def retry_after(self, state: FeedState, until: datetime) -> None: ...

    def finish(
        self, state: FeedState, status: int, etag: str | None, modified: str | None, clear: bool
    ) -> None: ...

    def attempts(self, locator: str) -> int: ...


@dataclass(frozen=True)
class _Parsed:
    feed: Any  # feedparser's result
    cut: int | None  # the document was cut after this many entries


@dataclass(frozen=True)
class Entry:
    """The fields of one feed entry that are used, each bounded and of the right type."""

    key: str
    link: str | None
    ident: str | None
    title: str | None
    published: datetime | None

    @property
    def locator(self) -> str:
        return self.link or f"feed entry {self.ident or self.title}"


def read_feed(
    fetcher: Fetcher, ledger: FeedLedger, url: str, extract: Extract = extract_page
) -> Iterator[Draft | Failure]:
    """The feed's new entries as Drafts and Failures; never raises for what the feed holds."""
    try:
        yield from _read_feed(fetcher, ledger, url, extract)
    except Exception as exc:  # the feed is its own failure domain, whatever went wrong
        yield Failure(url, one_line(exc, "feed: "))


def _read_feed(
    fetcher: Fetcher, ledger: FeedLedger, url: str, extract: Extract
) -> Iterator[Draft | Failure]:
    state = ledger.state(url)
    if state.retry_after and state.retry_after > now():
        when = state.retry_after.isoformat(timespec="seconds")
        yield Failure(url, f"feed: not fetched before {when}, as its server asked (Retry-After)")
        return
    try:
        response = fetcher.get(url, _conditional(state))
    except ItemError as exc:
        yield Failure(url, f"feed: {exc}{_remember_retry(ledger, state, exc)}")
        return
    if response.status == 304:
        ledger.finish(state, 304, state.etag, state.last_modified, True)
        return
    document_cap = DOCUMENT_ENTRIES * fetcher.settings.max_entries
    document, cut = first_entries(feed_document(response.body), document_cap)
    parsed = parse_document(document, response.url)
    entries = _Parsed(parsed, document_cap if cut else None)
    yield from _read_entries(fetcher, ledger, state, response, entries, extract)


def _conditional(state: FeedState) -> dict[str, str]:
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def _remember_retry(ledger: FeedLedger, state: FeedState, exc: ItemError) -> str:
    """For a 429/503 with Retry-After (FetchError.retry_after: seconds, at most a day): the
    time before which the feed is not fetched again, saved, and the words that say so."""
    seconds = exc.retry_after if isinstance(exc, FetchError) else None
    if not seconds:  # none asked for, or a date already past
        return ""
    until = now() + timedelta(seconds=seconds)
    ledger.retry_after(state, until)
    return f"; not fetched again before {until.isoformat(timespec='seconds')} (Retry-After)"


def _read_entries(
    fetcher: Fetcher,
    ledger: FeedLedger,
    state: FeedState,
    response: Response,
    read: _Parsed,
    extract: Extract,
) -> Iterator[Draft | Failure]:
    parsed = read.feed
    seen = ledger.seen(state)
    source = bounded_text(parsed.feed.get("title"), MAX_SOURCE) or urlsplit(state.url).hostname
    new = [e for e in _entries(parsed) if e.key not in seen]
    caps = fetcher.settings
    done = pages = 0
    complete = True
    for entry in new[: caps.max_entries]:
        if entry.link and pages >= caps.max_pages:
            break
        pages, done = pages + bool(entry.link), done + 1
        item = _entry_item(fetcher, entry, source or state.url, state.key, extract)
        complete = complete and not _worth_retrying(ledger, item)
        yield item
    complete = complete and done == len(new)  # the rest waits: not seen, validators not saved
    validators = (response.headers.get("etag"), response.headers.get("last-modified"))
    capped = _capped(len(new) - done, len(new), caps.max_entries, caps.max_pages, read.cut)
    if capped:
        yield Failure(state.url, capped)
    status = response.status
    etag, modified = validators if complete else (None, None)
    ledger.finish(state, status, etag, modified, not capped)


def _capped(left: int, new: int, max_entries: int, max_pages: int, cut: int | None) -> str:
    """The reason a feed run stopped short of the feed, or "" when it did not."""
    notes = []
    if left:
        notes.append(
            f"{left} of {new} new entries left for the next run (at most {max_entries} "
            f"entries and {max_pages} pages per run: feed_max_entries, feed_max_pages)"
        )
    if cut:
        notes.append(f"the document lists over {cut} entries; the ones after are not read")
    return f"feed: capped: {'; '.join(notes)}" if notes else ""


def _worth_retrying(ledger: FeedLedger, item: Draft | Failure) -> bool:
    """Whether a failed entry should keep the feed's validators unsaved, so the next run
    fetches the feed again. An entry that keeps failing (a dead link) must not cost the feed
    its conditional GET for ever: after GIVE_UP_AFTER failures it stays in `ingest-errors`."""
    if isinstance(item, Draft):
        return False
    return ledger.attempts(item.locator) + 1 < GIVE_UP_AFTER


def parse_feed(body: bytes, url: str | None = None) -> Any:
    """The parsed feed; `url` (where it was fetched from, after redirects) is the base that
    relative entry links are resolved against, as Atom allows (RFC 4287, xml:base aside)."""
    return parse_document(feed_document(body), url)


def parse_document(document: bytes, url: str | None) -> Any:
    """The parsed feed of a document exactly as decoded and checked by feed_document."""
    try:
        SafeXML.fromstring(document, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ItemError(f"refused: the XML declares entities ({type(exc).__name__})") from None
    except ParseError as exc:
        parsed = _feedparser(document, url)  # feedparser's lenient parser may still read it
        if not parsed.entries:
            raise ItemError(f"not a feed: the document is not well-formed XML ({exc})") from None
        return parsed
    parsed = _feedparser(document, url)
    if not parsed.version and not parsed.entries:
        raise ItemError("not a feed: no RSS or Atom elements in the document")
    return parsed


def _feedparser(document: bytes, url: str | None) -> Any:
    # Without a base, relative links stay relative and every such entry fails as "not http".
    # The neutral XML media type keeps feedparser's encoding choice what the (rewritten)
    # declaration says, UTF-8; headers without a media type make it guess ISO-8859-1.
    headers = {"content-type": "application/xml"}
    if url:
        headers["content-location"] = url
    return feedparser.parse(document, response_headers=headers)


def _entries(parsed: Any) -> Iterator[Entry]:
    for entry in parsed.entries:
        yield _entry(entry)


def _entry(entry: Any) -> Entry:
    link = _identity(entry.get("link"))
    ident = _identity(entry.get("id"))
    title = bounded_text(entry.get("title"), MAX_TITLE)
    summary = bounded_text(entry.get("summary"), MAX_SUMMARY)
    key = sha256(str(ident or link or (title or "") + (summary or "")))
    return Entry(key, link, ident, title, _entry_time(entry))


def _identity(value: object) -> str | None:
    """A link or id as read: a string, whole. One over MAX_LINK is kept cut only so the entry
    can be named; _entry_item refuses it (a cut identity could name another entry)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return CONTROL.sub("", value.strip()[: MAX_LINK + 1])


def bounded_text(value: object, cap: int) -> str | None:
    """A one-line text field from a feed: control characters out, spaces collapsed, at most
    `cap` characters (cut with an ellipsis: a title of a gigabyte is not a title)."""
    if not isinstance(value, str):
        return None
    text = " ".join(CONTROL.sub(" ", value[: cap * 4]).split())
    if len(text) > cap:
        text = text[: cap - 1] + "…"
    return text or None


def _entry_item(
    fetcher: Fetcher, entry: Entry, source: str, feed_key: str, extract: Extract
) -> Draft | Failure:
    try:
        return _entry_article(fetcher, entry, source, feed_key, extract)
    except Exception as exc:  # one entry is its own failure domain, whatever went wrong
        return Failure(entry.locator[:MAX_LINK], one_line(exc))


def _entry_article(
    fetcher: Fetcher, entry: Entry, source: str, feed_key: str, extract: Extract
) -> Draft | Failure:
    if entry.link and len(entry.link) > MAX_LINK:
        raise ItemError(f"feed entry's link is over {MAX_LINK} characters")
    if entry.ident and len(entry.ident.encode("utf-8", errors="replace")) > MAX_ID_BYTES:
        raise ItemError(f"feed entry's id is over {MAX_ID_BYTES} bytes")
    if not entry.link:
        return Failure(entry.locator, "feed entry has no link to fetch")
    response = fetcher.get(entry.link)
    page = extract(response.body, response.url)
    return Draft(
        text=page.text,
        source=source,
        locator=entry.link,
        raw=response.body,
        media_type=response.media_type or "text/html",
        title=entry.title or page.title,
        url=page.url or response.url,
        published=entry.published or page.published,
        lang=page.lang,
        # No external id: a feed names itself, so its entry ids are kept per feed (feed_entry,
        # by the feed's URL) and never share the (source, id) key another source may own.
        external_id=None,
        feed_entry=(feed_key, entry.key),
    )


def _entry_time(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError, TypeError):  # a year 99999 is no date
        return None
