"""Feed state: validators for conditional GET, the entries already stored, and until when the
server asked not to be fetched again.

Validators come from the feed's server, so they are untrusted input that we would send back
in our next request: a value with CR/LF could inject headers, a non-ASCII or huge one makes the
request itself fail, and the feed could never be read again. Both directions are checked: a bad
value is not saved, and a bad value saved before this check existed is ignored when read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from outpost.dedup import sha256
from outpost.store import dialect
from outpost.store.schema import feed_entries, feeds
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
