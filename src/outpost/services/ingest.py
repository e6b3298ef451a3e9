"""Ingesting: expand the sources, read each item, store it, count what happened.

The readers (outpost.ingest) turn a source into drafts and failures; this module stores them,
one transaction per item, and keeps the feeds' state between runs (StoreLedger)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from outpost.analyze.language import guess_language
from outpost.config import Settings
from outpost.ingest.feeds import read_feed
from outpost.ingest.files import estimate, expand, read_file, shown
from outpost.ingest.limits import admit
from outpost.ingest.pages import Extract
from outpost.ingest.parse_budget import budgeted
from outpost.ingest.reasons import one_line
from outpost.ingest.web import Fetcher
from outpost.records import Draft, Failure, Outcome, Stored, Summary
from outpost.services.context import Context
from outpost.store import feeds as feed_store
from outpost.store.articles import store_draft, stored_duplicate
from outpost.store.failures import (
    clear_failure,
    failed_locators,
    failure_attempts,
    record_failure,
)
from outpost.values import ItemError, single_line


class Tracker(Protocol):
    """Progress of a run: the CLI shows it as a Rich progress bar."""

    def expect(self, items: int) -> None: ...

    def advance(self, stored: Stored) -> None: ...


class _Silent:
    def expect(self, items: int) -> None:
        pass

    def advance(self, stored: Stored) -> None:
        pass


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def ingest_sources(
    ctx: Context,
    sources: Sequence[str] = (),
    feeds: Sequence[str] = (),
    *,
    source: str | None = None,
    tracker: Tracker | None = None,
) -> Summary:
    """Ingest files, folders and page URLs (`sources`) and feeds; failures never stop the run."""
    return ingest(ctx.engine, ctx.settings, sources, feeds, source=source, tracker=tracker)


def ingest(
    engine: Engine,
    settings: Settings,
    sources: Sequence[str] = (),
    feeds: Sequence[str] = (),
    *,
    source: str | None = None,
    tracker: Tracker | None = None,
) -> Summary:
    """`ingest_sources` on an engine and settings (the watch loop and tests)."""
    tracker = tracker or _Silent()
    summary = Summary()
    with engine.connect() as conn:
        failed_before = failed_locators(conn)  # cleared when they succeed this time
    with Fetcher(settings.fetch) as fetcher:
        extract = budgeted(settings.limits)  # every page under the time and memory budget
        for found in _items(engine, fetcher, extract, sources, feeds, source, tracker):
            item = _admitted(found, settings)
            item, stored = _contained(engine, item, failed_before)
            summary.add(stored.outcome)
            if isinstance(item, Failure):
                summary.failures.append(item)
            tracker.advance(stored)
    return summary


def _contained(
    engine: Engine, item: Draft | Failure, failed_before: set[str]
) -> tuple[Draft | Failure, Stored]:
    """The item stored, or, when storing it fails (a value the database refuses, a lost
    connection), a Failure naming why: one item is its own failure domain, the run goes on."""
    try:
        return item, _store(engine, item, failed_before)
    except Exception as exc:
        failure = Failure(item.locator, one_line(exc, "not stored: "))
    # A database that refuses even the failure (a locator it cannot hold): the summary has it.
    with contextlib.suppress(Exception):
        _store(engine, failure, failed_before)
    return failure, Stored(Outcome.FAILED, "", failure.locator)


def _items(
    engine: Engine,
    fetcher: Fetcher,
    extract: Extract,
    sources: Sequence[str],
    feeds: Sequence[str],
    source: str | None,
    tracker: Tracker,
) -> Iterator[Draft | Failure]:
    urls = [s for s in sources if is_url(s)]
    paths = [p for s in sources if not is_url(s) for p in expand(Path(s))]  # never raises
    tracker.expect(sum(estimate(p) for p in paths) + len(urls))
    for path in paths:
        yield from _contained_reader(shown(path), read_file(path, source, extract))
    for url in urls:
        yield _read_page(fetcher, extract, url, source)
    for feed in feeds:
        yield from _counted(read_feed(fetcher, StoreLedger(engine), feed, extract), tracker)


def _contained_reader(locator: str, items: Iterator[Draft | Failure]) -> Iterator[Draft | Failure]:
    """A reader's items; should the reader itself raise, one Failure for what it had left, and
    the run goes on with the next source (each file is its own failure domain)."""
    try:
        yield from items
    except Exception as exc:
        yield Failure(locator, one_line(exc))


def _counted(items: Iterable[Draft | Failure], tracker: Tracker) -> Iterator[Draft | Failure]:
    """Items whose number was not known in advance (feed entries)."""
    for item in items:
        tracker.expect(1)
        yield item


def _read_page(fetcher: Fetcher, extract: Extract, url: str, source: str | None) -> Draft | Failure:
    try:
        response = fetcher.get(url)
        page = extract(response.body, response.url)
    except Exception as exc:  # one page is its own failure domain, whatever went wrong
        return Failure(url, one_line(exc))
    host = response.url.split("/")[2] if "//" in response.url else url
    return Draft(
        text=page.text,
        source=source or page.sitename or host,
        locator=url,
        raw=response.body,
        media_type=response.media_type or "text/html",
        title=page.title,
        url=page.url or response.url,
        published=page.published,
        lang=page.lang,
    )


def _admitted(item: Draft | Failure, settings: Settings) -> Draft | Failure:
    if isinstance(item, Failure):  # a locator or reason may quote hostile input: one clean line
        return Failure(single_line(item.locator) or ascii(item.locator), single_line(item.reason))
    try:
        return admit(item, settings.limits)
    except ItemError as exc:
        return Failure(item.locator, str(exc))


def _store(engine: Engine, item: Draft | Failure, failed_before: set[str]) -> Stored:
    if isinstance(item, Failure):
        with engine.begin() as conn:
            record_failure(conn, item)
        return Stored(Outcome.FAILED, "", item.locator)
    stored = save_draft(engine, item, lang=item.lang or guess_language(item.text))
    if item.locator in failed_before:
        with engine.begin() as conn:
            clear_failure(conn, item.locator)
    return stored


def save_draft(engine: Engine, draft: Draft, lang: str | None = None) -> Stored:
    """Store a draft in its own transaction unless it repeats a stored article."""
    try:
        with engine.begin() as conn:
            return store_draft(conn, draft, lang)
    except IntegrityError:
        # Another writer stored the same article between our check and our insert.
        with engine.begin() as conn:
            existing = stored_duplicate(conn, draft)
        if existing is None:
            raise
        return existing


class StoreLedger:
    """A feed run's memory (outpost.ingest.feeds.FeedLedger) in the store: one short
    transaction per call, so what a run learnt is kept however it ends."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def state(self, url: str) -> feed_store.FeedState:
        with self.engine.begin() as conn:
            return feed_store.feed_state(conn, url)

    def seen(self, state: feed_store.FeedState) -> set[str]:
        with self.engine.begin() as conn:
            return feed_store.seen_entries(conn, state)

    def retry_after(self, state: feed_store.FeedState, until: datetime) -> None:
        with self.engine.begin() as conn:
            feed_store.save_retry_after(conn, state, until)

    def finish(
        self,
        state: feed_store.FeedState,
        status: int,
        etag: str | None,
        modified: str | None,
        clear: bool,
    ) -> None:
        """Save what this fetch found; a feed read to its end no longer counts as failed."""
        with self.engine.begin() as conn:
            feed_store.save_check(conn, state, status, etag, modified)
            if clear:
                clear_failure(conn, state.url)

    def attempts(self, locator: str) -> int:
        with self.engine.connect() as conn:
            return failure_attempts(conn, locator)
