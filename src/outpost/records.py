"""The records that flow through Outpost: frozen dataclasses, no database rows."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Draft:
    """An article as read from a source, before de-duplication and storage."""

    text: str
    source: str
    locator: str  # where it came from: a path (with #line or #message), or a URL
    raw: bytes  # the item exactly as read, kept so extraction can be redone later
    media_type: str
    title: str | None = None
    url: str | None = None
    published: datetime | None = None  # aware, UTC
    lang: str | None = None
    external_id: str | None = None
    feed_entry: tuple[str, str] | None = None  # (feed key, entry key): marked seen when stored


@dataclass(frozen=True)
class Failure:
    """An item that could not be read; the batch goes on without it."""

    locator: str
    reason: str  # one line that names the problem


@dataclass(frozen=True)
class Article:
    """A stored article."""

    uid: str
    source: str
    text: str
    title: str | None
    url: str | None  # canonical
    published: datetime | None
    fetched: datetime
    lang: str | None
    external_id: str | None
    raw_hash: str
    text_hash: str
    fingerprint: str
    locator: str
    near_duplicate_of: str | None = None
    similarity: float | None = None


class Outcome(enum.StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    NEAR_DUPLICATE = "near-duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class Stored:
    """What happened to one item offered to the store."""

    outcome: Outcome
    uid: str
    locator: str
    of: str | None = None  # for duplicates: the uid of the article it repeats


@dataclass(frozen=True)
class IngestError:
    """A recorded failure, as listed by `outpost ingest-errors`."""

    locator: str
    reason: str
    first_seen: datetime
    last_seen: datetime
    attempts: int


@dataclass
class Summary:
    """Counts of one ingest run (mutable while the run adds to it)."""

    new: int = 0
    duplicate: int = 0
    near_duplicate: int = 0
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        match outcome:
            case Outcome.NEW:
                self.new += 1
            case Outcome.DUPLICATE:
                self.duplicate += 1
            case Outcome.NEAR_DUPLICATE:
                self.near_duplicate += 1
            case Outcome.FAILED:
                self.failed += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "new": self.new,
            "duplicate": self.duplicate,
            "near_duplicate": self.near_duplicate,
            "failed": self.failed,
            "failures": [{"locator": f.locator, "reason": f.reason} for f in self.failures],
        }
