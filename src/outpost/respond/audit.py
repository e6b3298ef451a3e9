"""The audit chain: each entry's hash covers its own fields and the hash of the entry before
it, so changing any stored field of an entry, or removing one, breaks the chain at that
entry; the verifier names the first broken link.

What a chain cannot show by itself: entries cut off at the end (the last ones removed leave
a shorter chain that still verifies). Comparing the count or the last hash with a copy kept
elsewhere finds that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from outpost.records import AuditEntry, AuditValue

GENESIS = "0" * 64  # the prev_hash of the first entry
MAX_TEXT = 500  # characters of one detail value, of an actor or target: audit notes, not data


@dataclass(frozen=True)
class BrokenLink:
    """The first entry where the chain does not hold, and why."""

    id: int
    why: str


def detail_json(detail: Mapping[str, AuditValue]) -> str:
    """The canonical JSON text of a flat detail object (sorted keys, no spaces, UTF-8 kept):
    stored as it is, and hashed as stored."""
    for key, value in detail.items():
        if not isinstance(value, str | int | float | bool | type(None)):
            raise TypeError(f"audit detail {key!r}: expected a plain value, got {value!r}")
    cut = {k: v[:MAX_TEXT] if isinstance(v, str) else v for k, v in detail.items()}
    return _canonical(cut)


def stored_time(at: datetime) -> str:
    """The time as the store keeps it (naive UTC, to the microsecond), as text: what is
    hashed must be what is read back."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def link_hash(
    prev_hash: str, id: int, at: datetime, actor: str, action: str, target: str, detail: str
) -> str:
    """The sha256 hex of the canonical JSON of prev_hash and the entry's fields."""
    fields = {
        "prev_hash": prev_hash,
        "id": id,
        "at": stored_time(at),
        "actor": actor,
        "action": action,
        "target": target,
        "detail": detail,
    }
    return hashlib.sha256(_canonical(fields).encode("utf-8")).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    """What the hash of this entry must be, from its stored fields."""
    return link_hash(
        entry.prev_hash,
        entry.id,
        entry.at,
        entry.actor,
        entry.action,
        entry.target,
        entry.detail_json,
    )


def first_break(entries: Iterable[AuditEntry]) -> BrokenLink | None:
    """The first link that does not hold in entries read in id order, else None.

    A link holds when its id follows the one before (the first is 1), its prev_hash is the
    hash of the one before (GENESIS for the first), and its own hash matches its fields.
    """
    before_id, before_hash = 0, GENESIS
    for entry in entries:
        broken = _check(entry, before_id, before_hash)
        if broken is not None:
            return broken
        before_id, before_hash = entry.id, entry.hash
    return None


def _check(entry: AuditEntry, before_id: int, before_hash: str) -> BrokenLink | None:
    if entry.id != before_id + 1:  # read in id order, so a larger id: entries removed
        missing = before_id + 1
        what = (
            f"entry {missing}" if entry.id == missing + 1 else f"entries {missing}-{entry.id - 1}"
        )
        after = f"entry {before_id}" if before_id else "the start"
        return BrokenLink(missing, f"{what} missing: entry {entry.id} follows {after}")
    if entry.prev_hash != before_hash:
        before = f"entry {before_id}" if before_id else "the start"
        return BrokenLink(entry.id, f"its prev_hash is not the hash of {before}")
    if entry_hash(entry) != entry.hash:
        return BrokenLink(entry.id, "its fields do not match its hash (changed after writing)")
    return None


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
