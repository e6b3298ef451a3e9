"""Russian NER on factRuEval-2016 (dev): precision, recall and F1 per PER / LOC / ORG.

Scored the way published results on this set are (naeval's scheme), so the figures compare:
gold mentions are a Person object's whole extent, an Org object's `org_name` spans, and a
Location or LocOrg object's `loc_name` spans (as LOC); overlapping spans keep the first;
spans that do not fall on token boundaries are dropped; then every token is in or out of
each type, and precision and recall count tokens over the whole set.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

TOKEN = re.compile(r"\w+|[^\w\s]")
TYPES = ("PER", "LOC", "ORG")


@dataclass(frozen=True)
class Markup:
    text: str
    spans: tuple[tuple[int, int, str], ...]  # start, end, type


def load(folder: Path) -> list[Markup]:
    """The dev set's documents with their gold spans, in file order."""
    docs = []
    for path in sorted(folder.glob("book_*.txt"), key=lambda p: int(p.stem.split("_")[1])):
        text = path.read_text(encoding="utf-8")
        docs.append(Markup(text, tuple(_gold(path.with_suffix(""), text))))
    return docs


def _gold(stem: Path, text: str) -> list[tuple[int, int, str]]:
    spans: dict[str, tuple[str, int, int]] = {}
    for line in Path(f"{stem}.spans").read_text(encoding="utf-8").splitlines():
        fields = line.split("#")[0].split()
        if len(fields) >= 4:
            spans[fields[0]] = (fields[1], int(fields[2]), int(fields[2]) + int(fields[3]))
    found: list[tuple[int, int, str]] = []
    for line in Path(f"{stem}.objects").read_text(encoding="utf-8").splitlines():
        fields = line.split("#")[0].split()
        if len(fields) < 3:
            continue
        kind, parts = fields[1], [spans[s] for s in fields[2:] if s in spans]
        if kind == "Person" and parts:
            found.append((min(p[1] for p in parts), max(p[2] for p in parts), "PER"))
        elif kind == "Org":
            found.extend((s, e, "ORG") for t, s, e in parts if t == "org_name")
        elif kind in ("Location", "LocOrg"):
            found.extend((s, e, "LOC") for t, s, e in parts if t == "loc_name")
    return _aligned(_non_overlapping(found), text)


def _non_overlapping(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def _aligned(spans: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    starts = {m.start() for m in TOKEN.finditer(text)}
    ends = {m.end() for m in TOKEN.finditer(text)}
    return [s for s in spans if s[0] in starts and s[1] in ends]


def token_counts(
    text: str, gold: Sequence[tuple[int, int, str]], predicted: Sequence[tuple[int, int, str]]
) -> Counter[str]:
    """Per type: tokens predicted, tokens in gold, and tokens in both."""
    gold_of = _token_types(text, gold)
    pred_of = _token_types(text, _aligned(_non_overlapping(predicted), text))
    counts: Counter[str] = Counter()
    for token, kind in pred_of.items():
        counts[f"{kind} predicted"] += 1
        if gold_of.get(token) == kind:
            counts[f"{kind} correct"] += 1
    for kind in gold_of.values():
        counts[f"{kind} gold"] += 1
    return counts


def _token_types(text: str, spans: Sequence[tuple[int, int, str]]) -> dict[int, str]:
    types = {}
    for m in TOKEN.finditer(text):
        for start, end, kind in spans:
            if start <= m.start() and m.end() <= end:
                types[m.start()] = kind
                break
    return types


def scores(counts: Counter[str]) -> dict[str, float]:
    result: dict[str, float] = {}
    for kind in TYPES:
        correct = counts[f"{kind} correct"]
        precision = correct / counts[f"{kind} predicted"] if counts[f"{kind} predicted"] else 0.0
        recall = correct / counts[f"{kind} gold"] if counts[f"{kind} gold"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result |= {f"{kind} precision": precision, f"{kind} recall": recall, f"{kind} F1": f1}
    return result


def evaluate(folder: Path, limit: int | None = None) -> dict[str, float]:
    """Scores of the pipeline's Russian NER on the factRuEval dev folder."""
    from outpost.analyze.pipeline import Pipeline
    from outpost.records import Doc

    docs = load(folder)[:limit]
    pipeline = Pipeline.load(stages=("clean", "language", "entities", "linking"))
    start = time.perf_counter()
    analysed = pipeline.pipe(
        Doc(id=f"factru-{i}", text=d.text, lang="ru") for i, d in enumerate(docs)
    )
    counts: Counter[str] = Counter()
    for doc, gold in zip(analysed, docs, strict=True):
        # a post that names its holder ("президента России") is linking, not a named entity
        predicted = [(m.start, m.end, m.type) for m in doc.mentions if m.method != "role"]
        counts += token_counts(gold.text, gold.spans, predicted)
    seconds = time.perf_counter() - start
    return scores(counts) | {"documents": float(len(docs)), "seconds": seconds}
