"""Date expressions resolved against the publication date (stage 6).

A date is never guessed from a bare number ("21 passengers", "45%", "2024 cases"): every
candidate starts at a head word — a month, a weekday, "yesterday", "ago", a year with a temporal
cue or "году" — and is then extended to the left ("On Thursday, 16" before "September").
Each head pattern starts with plain literals, which lets the regex engine skip ahead with a fast
prefix scan; a pattern that starts with a lookbehind or ``\\b`` costs ten times more.

The pieces are already known (day, month, year), so they are resolved here rather than by
``dateparser.parse``: a hundred times faster, and the missing year is chosen by nearness to the
publication date ("August 20" in a story of 23 August 2021 is 2021-08-20; "by September 16" is
2021-09-16). dateparser still supplies month names and "yesterday" in languages other than
English and Russian.
"""

from __future__ import annotations

from outpost.analyze.dates.mentions import find_dates

__all__ = ["find_dates"]
