"""The audit log in the store: appended to, read in order. There is no update or delete here:
the log is append-only, and its hash chain (outpost.respond.audit) shows any change made
around this module. Every function takes the caller's Connection and opens no transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, or_, select
from sqlalchemy.sql.elements import ColumnElement

from outpost.records import AuditEntry
from outpost.store.dialect import lock_for_append
from outpost.store.schema import audit_log
from outpost.store.times import aware, to_db

PAGE = 1000  # entries read at a time when the whole chain is walked


def lock_chain(conn: Connection) -> None:
    """Hold the log for the caller's transaction: the last entry it reads next stays the last
    one until it appends after it, so two writers never chain to the same entry."""
    lock_for_append(conn, audit_log)


def last_link(conn: Connection) -> tuple[int, str] | None:
    """The id and hash of the last entry; None for an empty log."""
    row = conn.execute(
        select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
    ).first()
    return None if row is None else (row.id, row.hash)


def append(conn: Connection, entry: AuditEntry) -> None:
    conn.execute(
        insert(audit_log).values(
            id=entry.id,
            at=to_db(entry.at),
            actor=entry.actor,
            action=entry.action,
            target=entry.target,
            detail=entry.detail_json,
            prev_hash=entry.prev_hash,
            hash=entry.hash,
        )
    )


def walk(conn: Connection) -> Iterator[AuditEntry]:
    """Every entry in id order, read a page at a time (the log may be long)."""
    after = None
    while True:
        query = select(audit_log).order_by(audit_log.c.id).limit(PAGE)
        if after is not None:
            query = query.where(audit_log.c.id > after)
        rows = conn.execute(query).all()
        yield from (_entry(row) for row in rows)
        if len(rows) < PAGE:
            return
        after = rows[-1].id


def latest(conn: Connection, limit: int) -> list[AuditEntry]:
    """The last `limit` entries, newest first."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    return [_entry(row) for row in conn.execute(query)]


@dataclass(frozen=True)
class AuditFilter:
    """What a reader of the log asks for; None: any. `action` matches itself and the actions
    under it ("user" finds "user.add" and "user.password"); `since` is inclusive, `until`
    exclusive; `before` is the paging cursor (entries with a smaller id)."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None


def search(
    conn: Connection, asked: AuditFilter, scope: ColumnElement[bool], limit: int
) -> list[AuditEntry]:
    """Up to `limit` entries within `scope` (the reader's visibility condition) matching
    what is asked, newest first."""
    query = select(audit_log).where(scope, *_conditions(asked))
    query = query.order_by(audit_log.c.id.desc()).limit(limit)
    return [_entry(row) for row in conn.execute(query)]


def _conditions(asked: AuditFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if asked.actor is not None:
        found.append(audit_log.c.actor == asked.actor)
    if asked.action is not None:
        found.append(
            or_(
                audit_log.c.action == asked.action,
                audit_log.c.action.startswith(f"{asked.action}.", autoescape=True),
            )
        )
    if asked.target is not None:
        found.append(audit_log.c.target == asked.target)
    if asked.since is not None:
        found.append(audit_log.c.at >= to_db(asked.since))
    if asked.until is not None:
        found.append(audit_log.c.at < to_db(asked.until))
    if asked.before is not None:
        found.append(audit_log.c.id < asked.before)
    return found


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=aware(row.at),
        actor=row.actor,
        action=row.action,
        target=row.target,
        detail_json=row.detail,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
