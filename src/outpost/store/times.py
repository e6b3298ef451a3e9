"""Times are stored as naive UTC on every dialect; records carry aware UTC times."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def from_db(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A non-null stored time as an aware UTC time."""
    return value.replace(tzinfo=UTC)
