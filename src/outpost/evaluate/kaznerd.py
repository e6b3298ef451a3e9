"""Kazakh NER on KazNERD (TV news): entity-level precision, recall and F1 of PER, LOC and
ORG, read by the pipeline's entity stage (the shipped `bilstm-crf-kk` model).

Only KazNERD's validation file is at hand, so the shipped model is trained on its first 80%
of sentences and scored here on the last 20%: a contiguous block, since neighbouring
sentences come from one story and are often near duplicates. KazNERD's PERSON is PER, GPE and
LOCATION are LOC, ORGANISATION is ORG; its other 22 types are not scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from outpost.evaluate import ner_sets

DEV_SHARE = 0.2
TYPES = {"PERSON": "PER", "GPE": "LOC", "LOCATION": "LOC", "ORGANISATION": "ORG"}


def split(
    sentences: Sequence[ner_sets.Sentence],
) -> tuple[list[ner_sets.Sentence], list[ner_sets.Sentence]]:
    """The training block (the first 80%) and the dev block (the last 20%)."""
    cut = round(len(sentences) * (1 - DEV_SHARE))
    return list(sentences[:cut]), list(sentences[cut:])


def evaluate(path: Path, limit: int | None = None) -> dict[str, float]:
    dev = split(ner_sets.read(path))[1][:limit]
    return ner_sets.evaluate_set([ner_sets.markup(s) for s in dev], "kk", TYPES.get)
