"""Feed state: validators for conditional GET, the entries already stored, and until when the
server asked not to be fetched again.

Validators come from the feed's server, so they are untrusted input that we would send back
in our next request: a value with CR/LF could inject headers, a non-ASCII or huge one makes the
request itself fail, and the feed could never be read again. Both directions are checked: a bad
value is not saved, and a bad value saved before this check existed is ignored when read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, update

from outpost.dedup import sha256
from outpost.store import dialect
from outpost.store.schema import feed_entries, feeds, ingest_errors
from outpost.store.times import from_db, now, to_db

MAX_VALIDATOR = 256  # characters; real ETags are hashes or counters, dates are ~30


@dataclass(frozen=True)
class FeedState:
    key: str
    url: str
    etag: str | None
    last_modified: str | None
    retry_after: datetime | None = None  # aware UTC: not fetched again before this


def valid_validator(value: str | None) -> str | None:
    """The value if it can be sent back as a header as it is, else None: printable ASCII only
    (no CR, LF or other control characters) and at most MAX_VALIDATOR characters."""
    if not value or len(value) > MAX_VALIDATOR:
        return None
    if not all(" " <= c <= "~" for c in value):
        return None
    return value


def feed_state(conn: Connection, url: str) -> FeedState:
    """The feed's state, registering it on first sight."""
    key = sha256(url)
    dialect.insert_ignore(conn, feeds, {"url_key": key, "url": url})
    row = conn.execute(select(feeds).where(feeds.c.url_key == key)).one()
    return FeedState(
        key,
        url,
        valid_validator(row.etag),
        valid_validator(row.last_modified),
        from_db(row.retry_after),
    )


def save_check(
    conn: Connection, state: FeedState, status: int, etag: str | None, last_modified: str | None
) -> None:
    """What one fetch of the feed found; it clears any earlier Retry-After."""
    dialect.upsert(
        conn,
        feeds,
        {
            "url_key": state.key,
            "url": state.url,
            "etag": valid_validator(etag),
            "last_modified": valid_validator(last_modified),
            "checked": to_db(now()),
            "status": status,
            "retry_after": None,
        },
        update=["etag", "last_modified", "checked", "status", "retry_after"],
    )


def save_retry_after(conn: Connection, state: FeedState, until: datetime) -> None:
    """The server refused (429/503) and asked not to be fetched before `until`; the feed's
    validators stay as they were."""
    conn.execute(
        update(feeds)
        .where(feeds.c.url_key == state.key)
        .values(checked=to_db(now()), retry_after=to_db(until))
    )


def seen_entries(conn: Connection, state: FeedState) -> set[str]:
    rows = conn.execute(
        select(feed_entries.c.entry_key).where(feed_entries.c.feed_key == state.key)
    )
    return {r.entry_key for r in rows}


# --- feeds added through the API ----------------------------------------------------------


@dataclass(frozen=True)
class FeedRow:
    """A feed as listed: who added it (if it was added through the API) and what fetching
    it has found so far."""

    key: str  # sha256 of the URL: the feed's id
    url: str
    interval: float | None  # seconds between polls (None: not added through the API)
    added_by: str | None
    added: datetime | None
    checked: datetime | None  # the last fetch
    status: int | None  # its HTTP status
    retry_after: datetime | None
    last_error: str | None  # why it last failed, until it succeeds again
    failures: int  # times it failed since it last succeeded
    entries: int  # entries seen


def add_feed(conn: Connection, url: str, interval: float, who: str, when: datetime) -> bool:
    """Watch the feed from now on; False when it is watched already (nothing changes). A feed
    removed before is watched again; its fetch state and entries seen are kept."""
    key = sha256(url)
    dialect.insert_ignore(conn, feeds, {"url_key": key, "url": url})
    added = conn.execute(
        update(feeds)
        .where(feeds.c.url_key == key, or_(feeds.c.added.is_(None), feeds.c.removed.isnot(None)))
        .values(interval=interval, added_by=who, added=to_db(when), removed=None)
        .returning(feeds.c.url_key)
    ).first()
    return added is not None


def remove_feed(conn: Connection, key: str, when: datetime) -> bool:
    """Stop watching the feed with this key; False when no watched feed has it."""
    removed = conn.execute(
        update(feeds)
        .where(_watched(), feeds.c.url_key == key)
        .values(removed=to_db(when))
        .returning(feeds.c.url_key)
    ).first()
    return removed is not None


def watched_feeds(conn: Connection) -> list[tuple[str, float]]:
    """(url, interval) of every feed added through the API and not removed, oldest first."""
    query = select(feeds.c.url, feeds.c.interval).where(_watched()).order_by(feeds.c.added)
    return [(row.url, float(row.interval or 300.0)) for row in conn.execute(query)]


def feed_rows(conn: Connection, urls: Sequence[str] = ()) -> list[FeedRow]:
    """The feeds with these URLs that the store knows (fetched at least once), and every
    feed added through the API and not removed."""
    entries = (
        select(feed_entries.c.feed_key, func.count().label("entries"))
        .group_by(feed_entries.c.feed_key)
        .subquery()
    )
    query = (
        select(feeds, ingest_errors.c.reason, ingest_errors.c.attempts, entries.c.entries)
        .outerjoin(ingest_errors, ingest_errors.c.locator_key == feeds.c.url_key)
        .outerjoin(entries, entries.c.feed_key == feeds.c.url_key)
        .where(or_(_watched(), feeds.c.url_key.in_([sha256(u) for u in urls])))
        .order_by(feeds.c.added, feeds.c.url)
    )
    return [_feed_row(row) for row in conn.execute(query)]


def _watched() -> ColumnElement[bool]:
    return and_(feeds.c.added.isnot(None), feeds.c.removed.is_(None))


def _feed_row(row: Any) -> FeedRow:
    watched = row.added is not None and row.removed is None
    return FeedRow(
        key=row.url_key,
        url=row.url,
        interval=row.interval if watched else None,
        added_by=row.added_by if watched else None,
        added=from_db(row.added) if watched else None,
        checked=from_db(row.checked),
        status=row.status,
        retry_after=from_db(row.retry_after),
        last_error=row.reason,
        failures=int(row.attempts or 0),
        entries=int(row.entries or 0),
    )
