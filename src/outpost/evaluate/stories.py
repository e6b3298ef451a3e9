"""Story clustering on the labelled set in `benchmarks/stories/` (see its README).

B-cubed precision and recall (Bagga and Baldwin 1998): for each article, the share of its
predicted story that truly belongs with it, and the share of its true story that was put
with it, averaged over articles. Also the recall over cross-lingual pairs alone: of the
pairs of articles in different languages that belong together, the share put together.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from outpost.records import Doc


def read_set(path: Path) -> tuple[list[Doc], list[str], dict[str, str]]:
    docs, sources, gold = [], [], {}
    for doc, item in labelled_docs(path, "story"):
        docs.append(doc)
        sources.append(item.get("source") or "unknown")
        gold[doc.id] = item["story"]
    return docs, sources, gold


def labelled_docs(path: Path, label: str) -> Iterator[tuple[Doc, dict[str, Any]]]:
    """Each line of a labelled set as an article and its JSON; a bad line names itself."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            published = _when(item["published"])
            doc = Doc(item["id"], item["text"], published, item.get("title"), item.get("lang"))
            if label not in item:
                raise KeyError(label)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path.name}:{number}: {exc!r}") from None
        yield doc, item


def _when(value: str) -> datetime:
    """ISO 8601; a date known only to the month or year is taken at its first day."""
    value = value.replace("Z", "+00:00")
    padded = {4: f"{value}-01-01", 7: f"{value}-01"}.get(len(value), value)
    when = datetime.fromisoformat(padded)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def b_cubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float]:
    members: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item in gold:
        members[("p", predicted[item])].add(item)
        members[("g", gold[item])].add(item)
    precision = recall = 0.0
    for item in gold:
        mine, truth = members[("p", predicted[item])], members[("g", gold[item])]
        both = len(mine & truth)
        precision += both / len(mine)
        recall += both / len(truth)
    return precision / len(gold), recall / len(gold)


def cross_lingual_recall(
    predicted: Mapping[str, str], gold: Mapping[str, str], langs: Mapping[str, str | None]
) -> float:
    pairs = [
        (a, b)
        for a, b in combinations(sorted(gold), 2)
        if gold[a] == gold[b] and langs[a] != langs[b]
    ]
    if not pairs:
        return 0.0
    return sum(predicted[a] == predicted[b] for a, b in pairs) / len(pairs)


def evaluate(path: Path, limit: int | None = None) -> dict[str, float]:
    from outpost.analyze.pipeline import default_pipeline
    from outpost.warn.sketches import sketches
    from outpost.warn.stories import cluster

    docs, sources, gold = read_set(path)
    docs, sources = docs[:limit] if limit else docs, sources[:limit] if limit else sources
    gold = {d.id: gold[d.id] for d in docs}
    analysed = list(default_pipeline().pipe(docs))
    started = time.perf_counter()
    predicted = cluster(sketches(analysed, sources, [d.published for d in docs]))
    seconds = time.perf_counter() - started
    precision, recall = b_cubed(predicted, gold)
    langs = {d.id: d.lang for d in analysed}
    return {
        "b3_precision": precision,
        "b3_recall": recall,
        "b3_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "cross_lingual_recall": cross_lingual_recall(predicted, gold, langs),
        "articles": float(len(docs)),
        "stories": float(len(set(gold.values()))),
        "made": float(len(set(predicted.values()))),
        "seconds": seconds,
    }
