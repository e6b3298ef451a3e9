"""Indicators: the daily counts of the store read against their baselines."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from outpost.records import Reading
from outpost.services.context import Context
from outpost.services.kept import kept
from outpost.store.indicators import daily_counts, first_day, latest_day, window
from outpost.warn.indicators import HISTORY_DAYS, KINDS, reading

MEASURES = ("articles", "events")
# The days a reading can be asked for: a baseline reaches weeks back, and no store counts
# news before 1900 or after 2999 (a day beyond date's range cannot even be computed).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def read_indicators(
    ctx: Context, kind: str, day: date | None = None, measure: str = "articles"
) -> list[Reading]:
    """Every series of the kind on `day` (default: the latest day counted), most unusual
    first. An unknown kind or measure is a ValueError that names the choices."""
    if kind not in KINDS:
        raise ValueError(f"kind: one of {', '.join(KINDS)}")
    _check(day, measure)

    def compute() -> tuple[Reading, ...]:
        with ctx.engine.connect() as conn:
            return tuple(readings(conn, kind, day, measure))

    # Kept a few seconds (services.kept): at a million events one costs a quarter second.
    return list(kept(ctx.engine, ("readings", kind, day, measure), compute))


def _check(day: date | None, measure: str) -> None:
    if measure not in MEASURES:
        raise ValueError(f"measure: one of {', '.join(MEASURES)}")
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"day: between {FIRST_DAY} and {LAST_DAY}")


def readings(
    conn: Connection, kind: str, day: date | None = None, measure: str = "articles"
) -> list[Reading]:
    """`read_indicators` inside a caller's transaction (alert checks read many days)."""
    day = day or latest_day(conn)
    if day is None:
        return []
    first, last = window(day, HISTORY_DAYS + 1)
    first = max(first, first_day(conn) or first)
    found = [
        reading(kind, key, day, counts)
        for key, counts in daily_counts(conn, kind, first, last, measure).items()
    ]
    return sorted(found, key=lambda r: (-r.score, -r.observed, r.key))


def read_spikes(ctx: Context, day: date | None = None, measure: str = "articles") -> list[Reading]:
    """The series of every kind that spike on `day` (default: the latest day counted), most
    unusual first."""
    _check(day, measure)
    with ctx.engine.connect() as conn:
        found = [r for kind in KINDS for r in readings(conn, kind, day, measure) if r.spike]
    return sorted(found, key=lambda r: (-r.score, -r.observed, r.kind, r.key))
