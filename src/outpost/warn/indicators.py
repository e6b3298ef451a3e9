"""Indicators: daily counts of articles and events per series, their baseline, and how unusual
a day is.

A series is a country, a first-level division, a threat domain or an event type. Its
baseline for a day is what the previous weeks lead one to expect on that weekday:
- the level is the mean of the last 28 days with the busiest tenth dropped, empty days
  counted as zeros (a median would be 0 for any series quieter than every other day, and
  then a single article would look like an alarm);
- the weekly rhythm is the weekday's share over the last 8 weeks, shrunk towards 1 while
  there is little data (news is thinner on weekends; a quiet Sunday is not a lull).
The spike score has a plain meaning: how many days one waits, on average, for a day at least
this busy if nothing has changed (the Poisson tail at the baseline). "1 in 500 days" is
unusual; "1 in 3 days" is not. The score is its base-10 logarithm, so 2 means 1 in 100.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from outpost.analyze.series import KINDS as KINDS  # the kinds a reading is of
from outpost.records import Reading

LEVEL_DAYS = 28
RHYTHM_WEEKS = 8
TRIM = 0.1  # share of the busiest days left out of the level
FLOOR = 0.1  # expected count never below this: a quiet series still has some chance
PRIOR_DAYS = 4.0  # how many days of evidence the weekly factor needs to move far from 1
SPIKE_SCORE = 2.0  # 1 in 100 days and rarer: a spike
MIN_HISTORY = 14  # days of counting before a series can spike (zeros before it are unknown)
HISTORY_DAYS = 7 * RHYTHM_WEEKS  # what a reading looks back on


def expected(history: Sequence[int], day: date) -> float:
    """The baseline for `day` from the counts of the days before it (oldest first, zeros
    for empty days, the last one being the day before)."""
    recent = sorted(history[-LEVEL_DAYS:])
    if not recent:
        return FLOOR
    kept = recent[: max(1, len(recent) - int(len(recent) * TRIM))]
    level = sum(kept) / len(kept)
    return max(FLOOR, level * weekly_factor(history, day))


def weekly_factor(history: Sequence[int], day: date) -> float:
    window = list(history[-7 * RHYTHM_WEEKS :])
    if not window:
        return 1.0
    mean = sum(window) / len(window)
    # history[-1] is the day before `day`: walk back in steps of 7 from a week before it.
    same = [window[i] for i in range(len(window) - 7, -1, -7)]
    if not same or mean == 0:
        return 1.0
    return (sum(same) + PRIOR_DAYS * mean) / (len(same) * mean + PRIOR_DAYS * mean)


def one_in_days(observed: int, mean: float) -> float:
    """1 / P(X >= observed) for X ~ Poisson(mean)."""
    from scipy.special import pdtrc  # type: ignore[import-untyped]

    if observed <= 0:
        return 1.0
    # P(X > observed - 1), as scipy.stats.poisson.sf computes it, without importing
    # scipy.stats (half a second) or its argument checks.
    tail = float(pdtrc(observed - 1, mean))
    return 1.0 / max(tail, 1e-300)


def reading(kind: str, key: str, day: date, counts: Sequence[int]) -> Reading:
    """`counts`: the series' days up to and including `day`, oldest first, from the first
    day the store counted (days before it are unknown, not quiet)."""
    history, observed = counts[:-1], counts[-1]
    mean = expected(history, day)
    rare = one_in_days(observed, mean)
    score = math.log10(rare)
    # Unusual enough to warn, once the store has counted long enough to know.
    spike = len(history) >= MIN_HISTORY and score >= SPIKE_SCORE
    return Reading(kind, key, day, observed, mean, rare, score, tuple(history), spike)
