"""Greedy decoding of spaCy's transition-based components (the recogniser, the parser),
driven from here.

spaCy's wheels for Python before 3.12 are compiled with Cython's profiling hooks (its setup.py:
`"profile": sys.version_info < (3, 12)`). Its decoding loop runs without the GIL, and there
every hooked call, each state's check of each of the 74 moves at every token, takes and
releases the GIL. On the VOA stories that loop cost 28 of the recogniser's 45 ms per article.
The same transitions asked for from Python, the GIL held all along, find the hooks cheap,
and the scoring of each step is done here in numpy, in spaCy's own order of arithmetic. The
entities and parses are identical (tests compare them); the recogniser takes 40% less time,
the parser half.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# Where spaCy's loop is compiled without the hooks it is the faster one.
HOOKED = sys.version_info < (3, 12)
BATCH = 64  # texts decoded side by side; each step's scoring is one matrix product for all


def annotate(component: Any, docs: Sequence[Any]) -> None:
    """Set a recogniser's or parser's annotations on spaCy Docs."""
    # Docs of like length share a batch: a batch takes as many steps as its longest doc.
    by_length = sorted(docs, key=len)
    for start in range(0, len(by_length), BATCH):
        batch = by_length[start : start + BATCH]
        ours = HOOKED and _maxout_layers(component)
        states = decode(component, batch) if ours else component.predict(batch)
        component.set_annotations(batch, states)


def _maxout_layers(component: Any) -> bool:
    """Whether the component has the layers `decode` computes (en_core_web_sm's do)."""
    lower = component.model.layers[1]
    return bool(component.model.attrs["has_upper"]) and lower.get_dim("nP") >= 2


def decode(component: Any, docs: list[Any]) -> list[Any]:
    """What spaCy's `greedy_parse` does: score every unfinished state, take each one's best
    valid move, until all are final. The scoring is spaCy's own arithmetic in the same order
    (so the same floats), without the layers' per-call overhead: it runs once per token."""
    from spacy.ml.parser_model import ParserStepModel

    if not any(len(doc) for doc in docs):
        return list(component.moves.init_batch(docs))
    component._ensure_labels_are_added(docs)  # labels set beforehand (the ruler's)
    batch = component.moves.init_batch(docs)
    tok2vec, lower, upper = component.model.layers
    # Each token's share of the hidden layer, for each feature slot it can fill; row 0 is
    # the padding that stands for a missing token (id -1).
    features = lower.predict(tok2vec.predict(docs))  # (tokens + 1, slots, hidden, pieces)
    bias, weights, upper_bias = lower.get_param("b"), upper.get_param("W"), upper.get_param("b")
    unseen = sorted(component.model.attrs["unseen_classes"])
    slots, pieces = range(features.shape[1]), range(features.shape[3])
    states = [state for state in batch if not state.is_final()]
    while states:
        # The states' context tokens (the next word, the open entity's first...), read in C.
        ids = ParserStepModel.get_token_ids(_SLOTS[len(slots)], states) + 1
        summed = features[ids[:, 0], 0]
        for slot in slots[1:]:
            summed = summed + features[ids[:, slot], slot]
        summed += bias
        # Maxout, piece by piece: numpy's max over a last axis of two is ten times slower.
        hidden = functools.reduce(np.maximum, (summed[..., p] for p in pieces))
        scores = np.dot(hidden, weights.T)  # thinc's Linear, as its numpy ops compute it
        scores += upper_bias
        if unseen:
            scores[:, unseen] = np.nanmin(scores)
        states = component.transition_states(states, scores)
    return list(batch)


@dataclass(frozen=True)
class _Lower:
    nF: int  # noqa: N815 - spaCy's name: what `get_token_ids` reads of the model


@dataclass(frozen=True)
class _Slots:
    state2vec: _Lower


_SLOTS = {n: _Slots(_Lower(n)) for n in (1, 2, 3, 8, 13)}  # the context sizes spaCy knows
