"""The audit log: `record` appends an entry inside the caller's transaction (so the entry and
the change it describes are written together or not at all); `check_audit` walks the whole
chain and names its first broken link."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Connection

from outpost.records import AuditEntry, AuditValue, Principal
from outpost.respond.audit import GENESIS, MAX_TEXT, BrokenLink, detail_json, first_break
from outpost.respond.audit import link_hash as chain_hash
from outpost.respond.people import Action, PeopleError, may, refusal, require
from outpost.services.context import Context
from outpost.store import audit as store
from outpost.store.audit import AuditFilter
from outpost.store.times import now
from outpost.store.visibility import audit_rows

MAX_LIST = 10_000


@dataclass(frozen=True)
class AuditCheck:
    entries: int  # how many entries were read before the first broken link (or in all)
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def record(
    conn: Connection,
    who: Principal,
    action: str,
    target: str,
    detail: Mapping[str, AuditValue] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append an entry after the last one, in the caller's transaction. The log is held until
    that transaction ends, so entries are written one after another, never two after one."""
    store.lock_chain(conn)
    prev_id, prev_hash = store.last_link(conn) or (0, GENESIS)
    when = at or now()
    text = detail_json(detail or {})
    entry_id = prev_id + 1
    actor, target = who.id[:MAX_TEXT], target[:MAX_TEXT]
    digest = chain_hash(prev_hash, entry_id, when, actor, action, target, text)
    entry = AuditEntry(entry_id, when, actor, action, target, text, prev_hash, digest)
    store.append(conn, entry)
    return entry


def check_audit(ctx: Context) -> AuditCheck:
    """Read the whole chain in order (an administrator's task) and stop at its first broken
    link."""
    require(ctx.who, Action.READ_AUDIT)
    with ctx.engine.connect() as conn:
        counted = _Counted(store.walk(conn))
        broken = first_break(counted)
        return AuditCheck(counted.seen, broken)


def verify_audit(ctx: Context) -> BrokenLink | None:
    """The first broken link of the chain (its id and why), or None when it holds."""
    return check_audit(ctx).broken


def list_audit(ctx: Context, limit: int = 50) -> list[AuditEntry]:
    """The last `limit` entries, newest first."""
    require(ctx.who, Action.READ_AUDIT)
    if not 1 <= limit <= MAX_LIST:
        raise PeopleError(f"limit: expected 1 to {MAX_LIST}, got {limit}")
    with ctx.engine.connect() as conn:
        return store.latest(conn, limit)


def audit_filter(
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    since: date | None = None,
    until: date | None = None,
    before: int | None = None,
) -> AuditFilter:
    """What a reader asks for, with days (UTC): from the start of `since` to the start of
    `until` (exclusive, as the API's lists take it; the pages' "To" day adds one)."""
    return AuditFilter(
        actor=actor or None,
        action=action or None,
        target=target or None,
        since=_start(since),
        until=_start(until),
        before=before,
    )


def _start(of: date | None) -> datetime | None:
    return None if of is None else datetime.combine(of, time(), tzinfo=UTC)


def may_read_audit(who: Principal) -> bool:
    """Whether `who` may read any of the log (the whole of it, or its organisation's part)."""
    return may(who, Action.READ_AUDIT) or may(who, Action.READ_ORG_AUDIT)


def search_audit(ctx: Context, asked: AuditFilter, limit: int = 50) -> list[AuditEntry]:
    """The entries the principal may read that match what is asked, newest first: an
    administrator reads the whole log; a coordinator the entries about its own organisation
    and its people (store.visibility.audit_rows); anyone else is refused. An entry outside
    the reader's part answers as one that does not exist: it is not in the list."""
    if not may_read_audit(ctx.who):
        raise refusal(ctx.who, "read the audit log")
    if not 1 <= limit <= MAX_LIST:
        raise PeopleError(f"limit: expected 1 to {MAX_LIST}, got {limit}")
    scope = audit_rows(ctx.who, may(ctx.who, Action.READ_AUDIT))
    with ctx.engine.connect() as conn:
        return store.search(conn, asked, scope, limit)


class _Counted:
    """The entries, counting those read (the verifier stops at the first broken one)."""

    def __init__(self, entries: Iterable[AuditEntry]) -> None:
        self.entries = entries
        self.seen = 0

    def __iter__(self) -> Iterator[AuditEntry]:
        for entry in self.entries:
            self.seen += 1
            yield entry
