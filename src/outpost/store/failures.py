"""Failed items, one row per place (file, line, URL): the latest reason and how often it failed.
A place that later succeeds is cleared, so the list shows what is still broken."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select, update

from outpost.dedup import sha256
from outpost.records import Failure, IngestError
from outpost.store import dialect
from outpost.store.schema import ingest_errors
from outpost.store.times import from_db, now, to_db


def record_failure(conn: Connection, failure: Failure) -> None:
    key = sha256(failure.locator)
    when = to_db(now())
    dialect.insert_ignore(
        conn,
        ingest_errors,
        {
            "locator_key": key,
            "locator": failure.locator,
            "reason": failure.reason,
            "first_seen": when,
            "last_seen": when,
            "attempts": 0,
        },
    )
    conn.execute(
        update(ingest_errors)
        .where(ingest_errors.c.locator_key == key)
        .values(reason=failure.reason, last_seen=when, attempts=ingest_errors.c.attempts + 1)
    )


def failed_locators(conn: Connection) -> set[str]:
    return set(conn.execute(select(ingest_errors.c.locator)).scalars())


def failure_attempts(conn: Connection, locator: str) -> int:
    """How often the item at `locator` has failed so far (0 if it has not, or was cleared)."""
    query = select(ingest_errors.c.attempts).where(ingest_errors.c.locator_key == sha256(locator))
    return int(conn.execute(query).scalar() or 0)


def clear_failure(conn: Connection, locator: str) -> None:
    conn.execute(delete(ingest_errors).where(ingest_errors.c.locator_key == sha256(locator)))


def list_failures(conn: Connection, limit: int | None = None) -> list[IngestError]:
    query = select(ingest_errors).order_by(
        ingest_errors.c.last_seen.desc(), ingest_errors.c.locator
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        IngestError(
            locator=r.locator,
            reason=r.reason,
            first_seen=from_db(r.first_seen) or now(),
            last_seen=from_db(r.last_seen) or now(),
            attempts=r.attempts,
        )
        for r in conn.execute(query)
    ]
