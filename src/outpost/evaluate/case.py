"""Event type on CASE 2021 task 2 (fine-grained event classification), the dev set in
`case2021/dev.tsv` of the dev-set folder (`outpost eval --data`).

How the alliance's own types are scored: they never occur in CASE, so each snippet is
classified among the 30 CASE types only (the classifier renormalises over them). A snippet
the full taxonomy would call MEETING is therefore scored by its best CASE type (most often
DIPLO or AGREEMENT), which is what an analyst filtering on CASE types would see.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

from outpost.analyze.event_types import EventTypeClassifier


@dataclass(frozen=True)
class Row:
    id: str
    text: str
    label: str


def read_rows(tsv_path: Path) -> list[Row]:
    """Tab-separated with a header; no quoting (some snippets hold a lone `"`)."""
    lines = tsv_path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    if header != ["id", "EventSnippet", "SubType"]:
        raise ValueError(f"{tsv_path.name}: unexpected header {header}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != 3:
            raise ValueError(f"{tsv_path.name}:{number}: expected 3 fields, got {len(fields)}")
        rows.append(Row(*fields))
    return rows


def scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    return {
        "weighted_f1": float(f1_score(gold, predicted, average="weighted", zero_division=0)),
        "macro_f1": float(f1_score(gold, predicted, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(gold, predicted)),
    }


def evaluate(
    tsv_path: Path, classifier: EventTypeClassifier | None = None, cache_dir: Path | None = None
) -> dict[str, float]:
    """Weighted and macro F1, accuracy, rows, seconds and snippets/s (classification only,
    not the classifier's load)."""
    rows = read_rows(tsv_path)
    classifier = classifier or EventTypeClassifier.load(cache_dir)
    case_types = classifier.taxonomy.of_source("case")
    started = time.perf_counter()
    labels = classifier.classify([row.text for row in rows], among=case_types, top=1)
    seconds = time.perf_counter() - started
    result = scores([row.label for row in rows], [best[0].label for best in labels])
    return {
        **result,
        "rows": float(len(rows)),
        "seconds": seconds,
        "snippets_per_s": len(rows) / seconds if seconds > 0 else 0.0,
    }


def main() -> None:  # pragma: no cover - a convenience for measuring by hand
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("tsv", type=Path)
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    classifier = EventTypeClassifier.load(args.cache_dir)
    loaded = time.perf_counter() - started
    print(json.dumps({"load_seconds": loaded, **evaluate(args.tsv, classifier)}, indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
