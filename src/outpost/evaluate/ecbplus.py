"""Story clustering on independently written reports: ECB+ (dev half, all on one day).

Each ECB+ topic holds two real events of one kind (two earthquakes, two rehab check-ins);
its documents were written by different outlets. Every document is dated the same day, so
the time window never separates two stories and only what the texts say decides. Scored as
the labelled set of `benchmarks/stories` is (B-cubed against the gold events), plus:
- `made`: the number of stories made, against `stories`, the number there are;
- `merged kinds`: topics whose two events share their main story (the story holding most
  of each event's documents): two earthquakes counted as one;
- the same figures with the documents arriving in seven other orders (their times dealt out
  anew, with fixed seeds): a single-pass clustering depends on the order, and how much is
  worth knowing. The held-out half comes in one order of its own, so the mean over the
  eight orders (`b3_f1 mean order`) is the better guess of its figure than any one order.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from outpost.evaluate.stories import b_cubed, read_set
from outpost.records import Doc, Sketch

ORDERS = range(1, 8)  # seeds of the other arrival orders


def merged_kinds(predicted: Mapping[str, str], gold: Mapping[str, str]) -> int:
    """Topics ("12" and "12+" are its two events) whose events share their main story."""
    main = {}
    for event in set(gold.values()):
        held = Counter(predicted[doc] for doc, label in gold.items() if label == event)
        main[event] = min(held.items(), key=lambda item: (-item[1], item[0]))[0]
    return sum(
        1
        for event, story in main.items()
        if not event.endswith("+") and main.get(f"{event}+") == story
    )


def reordered(sketches: Sequence[Sketch], seed: int) -> list[Sketch]:
    """The same sketches, their times dealt out anew: another order of arrival."""
    times = [s.when for s in sketches]
    random.Random(seed).shuffle(times)
    return [replace(s, when=when) for s, when in zip(sketches, times, strict=True)]


def figures(predicted: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, int]:
    precision, recall = b_cubed(predicted, gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, merged_kinds(predicted, gold)


def evaluate(path: Path, limit: int | None = None) -> dict[str, float]:
    from outpost.analyze.pipeline import default_pipeline
    from outpost.warn.sketches import sketches
    from outpost.warn.stories import cluster

    docs, sources, gold = read_set(path)
    docs, sources = docs[:limit] if limit else docs, sources[:limit] if limit else sources
    gold = {d.id: gold[d.id] for d in docs}
    analysed: list[Doc] = list(default_pipeline().pipe(docs))
    found = sketches(analysed, sources, [d.published for d in docs])
    predicted = cluster(found)
    precision, recall = b_cubed(predicted, gold)
    others = [figures(cluster(reordered(found, seed)), gold) for seed in ORDERS]
    f1, merged = figures(predicted, gold)
    every = [*others, (f1, merged)]
    return {
        "b3_precision": precision,
        "b3_recall": recall,
        "b3_f1": f1,
        "stories": float(len(set(gold.values()))),
        "made": float(len(set(predicted.values()))),
        "merged kinds": float(merged),
        "b3_f1 worst order": min(f1 for f1, _ in others),
        "b3_f1 mean order": sum(f1 for f1, _ in every) / len(every),
        "merged kinds worst order": float(max(m for _, m in others)),
        "merged kinds mean order": sum(m for _, m in every) / len(every),
    }
