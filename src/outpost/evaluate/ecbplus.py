"""Story clustering on independently written reports: ECB+ (dev half, all on one day).

Each ECB+ topic holds two real events of one kind (two earthquakes, two rehab check-ins);
its documents were written by different outlets. Every document is dated the same day, so
the time window never separates two stories and only what the texts say decides. Scored as
the labelled set of `benchmarks/stories` is (B-cubed against the gold events), plus the
number of stories made against the number there are.
"""

from __future__ import annotations

from pathlib import Path

from outpost.evaluate import stories


def evaluate(path: Path, limit: int | None = None) -> dict[str, float]:
    return stories.evaluate(path, limit)
