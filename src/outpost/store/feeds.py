"""Feed state: validators for conditional GET, and the entries already stored."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from outpost.ingest.dedup import sha256
from outpost.store import dialect
from outpost.store.schema import feed_entries, feeds
from outpost.store.times import now, to_db


@dataclass(frozen=True)
class FeedState:
    key: str
    url: str
    etag: str | None
    last_modified: str | None


def feed_state(conn: Connection, url: str) -> FeedState:
    """The feed's state, registering it on first sight."""
    key = sha256(url)
    dialect.insert_ignore(conn, feeds, {"url_key": key, "url": url})
    row = conn.execute(select(feeds).where(feeds.c.url_key == key)).one()
    return FeedState(key, url, row.etag, row.last_modified)


def save_check(
    conn: Connection, state: FeedState, status: int, etag: str | None, last_modified: str | None
) -> None:
    dialect.upsert(
        conn,
        feeds,
        {
            "url_key": state.key,
            "url": state.url,
            "etag": etag,
            "last_modified": last_modified,
            "checked": to_db(now()),
            "status": status,
        },
        update=["etag", "last_modified", "checked", "status"],
    )


def seen_entries(conn: Connection, state: FeedState) -> set[str]:
    rows = conn.execute(
        select(feed_entries.c.entry_key).where(feed_entries.c.feed_key == state.key)
    )
    return {r.entry_key for r in rows}
