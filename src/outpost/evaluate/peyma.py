"""Persian NER on PEYMA's dev file (news): entity-level precision, recall and F1 of PER, LOC
and ORG, read by the pipeline's entity stage (the shipped `bilstm-crf-fa` model). PEYMA's dates,
times, money and percentages are not names and are not scored."""

from __future__ import annotations

from pathlib import Path

from outpost.evaluate import ner_sets


def kept(kind: str) -> str | None:
    return kind if kind in ner_sets.TYPES else None


def evaluate(path: Path, limit: int | None = None) -> dict[str, float]:
    markups = [ner_sets.markup(s) for s in ner_sets.read(path)[:limit]]
    return ner_sets.evaluate_set(markups, "fa", kept)
