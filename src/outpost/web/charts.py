"""What the indicator charts read: per series, the daily counts up to the latest day, the
baseline each day was read against, and which days were spikes.

A reading carries its series' counts (the history and the day itself); the baseline and
the spike of each earlier day are computed here from the counts before it, with the same
function the alerts use, so a marked day is one that would have warned (a day with fewer
than two weeks counted before it is never marked: warn.indicators.MIN_HISTORY).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from outpost.records import Reading
from outpost.warn.indicators import reading

SHOWN_DAYS = 42  # days drawn: six weeks, the recent past at a glance


def series_json(r: Reading, label: str) -> dict[str, Any]:
    counts = [*r.history, r.observed]
    first = max(0, len(counts) - SHOWN_DAYS)
    days = range(first, len(counts))
    start = r.day - timedelta(days=len(counts) - 1 - first)
    expected, spikes = [], []
    for index in days:
        if index == len(counts) - 1:  # the reading itself: no need to compute it again
            expected.append(round(r.expected, 3))
            spikes.append(r.spike)
            continue
        day = r.day - timedelta(days=len(counts) - 1 - index)
        past = reading(r.kind, r.key, day, counts[: index + 1])
        expected.append(round(past.expected, 3))
        spikes.append(past.spike)
    return {
        "kind": r.kind,
        "key": r.key,
        "label": label,
        "start": start.isoformat(),
        "values": counts[first:],
        "expected": expected,
        "spikes": [i for i, spike in enumerate(spikes) if spike],
        "observed": r.observed,
        "day": r.day.isoformat(),
        "one_in_days": round(r.one_in_days, 1),
        "spike": r.spike,
    }


def charts_json(
    groups: Sequence[tuple[str, Sequence[Reading]]], name: Callable[[str, str], str]
) -> dict[str, Any]:
    """{"groups": [{"kind", "series": [...]}]}, `name(kind, key)` the label of a series."""
    return {
        "groups": [
            {"kind": kind, "series": [series_json(r, name(kind, r.key)) for r in found]}
            for kind, found in groups
        ]
    }
