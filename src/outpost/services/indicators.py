"""Indicators: the daily counts of the store read against their baselines."""

from __future__ import annotations

import threading
import time
from datetime import date

from sqlalchemy import Connection

from outpost.records import Reading
from outpost.services.context import Context
from outpost.store.indicators import daily_counts, first_day, latest_day, window
from outpost.warn.indicators import HISTORY_DAYS, KINDS, reading

MEASURES = ("articles", "events")
# Readings are reused for FRESH seconds (pages and API clients ask for the same ones again
# and again; at a million events one costs a quarter of a second), and forgotten at once
# when this process analyses; what another process (`outpost watch`) stores shows within
# FRESH seconds. Alert checks read through `readings`, never from here.
FRESH = 30.0
KEPT = 256  # readings kept at most (per store, kind, day and measure)
_kept: dict[tuple[object, ...], tuple[float, tuple[Reading, ...]]] = {}
_computing = threading.Lock()
_generation = 0
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
    key = (id(ctx.engine), _generation, kind, day, measure)
    with _computing:  # one computes what many ask at once; the others take it
        kept = _kept.get(key)
        if kept is not None and time.monotonic() - kept[0] < FRESH:
            return list(kept[1])
        with ctx.engine.connect() as conn:
            found = readings(conn, kind, day, measure)
        if len(_kept) >= KEPT:
            _kept.clear()
        _kept[key] = (time.monotonic(), tuple(found))
        return found


def counted() -> None:
    """This process changed the counts (an analysis stored facts): the readings kept are
    stale now."""
    global _generation
    with _computing:
        _generation += 1
        _kept.clear()


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
