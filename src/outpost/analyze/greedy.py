"""Greedy decoding of spaCy's transition-based components (the recogniser, the parser),
driven from here.

spaCy's wheels for Python before 3.12 are compiled with Cython's profiling hooks (its setup.py:
`"profile": sys.version_info < (3, 12)`). Its decoding loop runs without the GIL, and there
every hooked call, each state's check of each of the 74 moves at every token, takes and
releases the GIL. On the VOA stories that loop cost 28 of the recogniser's 45 ms per article.
Here each step is scored in numpy, in spaCy's own order of arithmetic (`Scorer`), and the
moves are made by spaCy with the GIL held, which makes the hooks cheap. Entities and parses
are identical to spaCy's (tests compare them); the recogniser and the parser each take half
the time.

The recogniser goes further (`biluo`): its moves are decided in numpy too, for hundreds of
sentence-long segments side by side.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]

# Where spaCy's loop is compiled without the hooks it is the faster one.
HOOKED = sys.version_info < (3, 12)
BATCH = 64  # texts decoded side by side; each step's scoring is one matrix product for all
# and at most this many tokens: the layers' arrays grow with them (64 long articles at once
# cost 300 MB more at peak than this, and no time was saved by it)
TOKENS = 4000


def annotate(component: Any, docs: Sequence[Any]) -> None:
    """Set a recogniser's or parser's annotations on spaCy Docs."""
    decoded_here = ours(component)
    for batch in _batches(docs):
        states = decode(component, batch) if decoded_here else component.predict(batch)
        component.set_annotations(batch, states)


def _batches(docs: Sequence[Any]) -> Iterator[list[Any]]:
    """Docs of like length together (a batch takes as many steps as its longest doc), at
    most BATCH of them and TOKENS tokens in all (the layers' arrays grow with the tokens)."""
    return consecutive(sorted(docs, key=len), TOKENS, BATCH)


def ours(component: Any) -> bool:
    """Whether decoding here is the faster: spaCy's loop is hooked, and the component has
    the layers `Scorer` computes."""
    return HOOKED and _maxout_layers(component)


def ensure_labels(component: Any, docs: Sequence[Any]) -> None:
    """Add the labels the docs carry beforehand (the entity ruler's, say) that the
    component lacks, as spaCy's `_ensure_labels_are_added` does; that reads every token in
    Python (2 ms per article), so the docs' labels are first read here as arrays."""
    from spacy.attrs import DEP, ENT_TYPE
    from spacy.pipeline import EntityRecognizer

    attr = ENT_TYPE if isinstance(component, EntityRecognizer) else DEP
    values = {int(v) for doc in docs if len(doc) for v in np.unique(doc.to_array(attr))}
    strings = component.vocab.strings
    if not {strings[v] for v in values if v} <= set(component.labels):
        component._ensure_labels_are_added(docs)


def consecutive(docs: Sequence[Any], tokens: int, most: int = 0) -> Iterator[list[Any]]:
    """The docs in order, in runs of at most `tokens` tokens (or one longer doc) and, if
    `most`, at most that many docs."""
    run: list[Any] = []
    count = 0
    for doc in docs:
        if run and (count + len(doc) > tokens or len(run) == most):
            yield run
            run, count = [], 0
        run.append(doc)
        count += len(doc)
    if run:
        yield run


def _maxout_layers(component: Any) -> bool:
    """Whether the component has the layers `decode` computes (en_core_web_sm's do)."""
    lower = component.model.layers[1]
    return bool(component.model.attrs["has_upper"]) and lower.get_dim("nP") >= 2


def decode(component: Any, docs: list[Any]) -> list[Any]:
    """What spaCy's `greedy_parse` does: score every unfinished state, take each one's best
    valid move, until all are final."""
    from spacy.ml.parser_model import ParserStepModel

    if not any(len(doc) for doc in docs):
        return list(component.moves.init_batch(docs))
    ensure_labels(component, docs)
    batch = component.moves.init_batch(docs)
    score = Scorer.of(component, docs)
    states = [state for state in batch if not state.is_final()]
    while states:
        # The states' context tokens (the next word, the top of the stack...), read in C.
        ids = ParserStepModel.get_token_ids(_SLOTS[score.slots], states)
        states = component.transition_states(states, score(ids))
    return list(batch)


@dataclass(frozen=True)
class Scorer:
    """Every move's score for a batch of states, from their context tokens: spaCy's own
    arithmetic in the same order (so the same floats), without the layers' per-call
    overhead, which would be paid at every token."""

    features: Array  # each token's share of the hidden layer per slot: (tokens + 1, slots,
    bias: Array  # hidden, pieces); row 0 is the padding that stands for a missing token
    weights: Array
    upper_bias: Array
    unseen: tuple[int, ...]  # moves the model never learned: scored lowest

    @classmethod
    def of(cls, component: Any, docs: Sequence[Any], tokens: int = TOKENS) -> Scorer:
        """The scorer of a batch of docs. Their embedding layers read at most `tokens`
        tokens at a time (their arrays grow with them), each distinct token embedded once
        where they allow it (`tokvecs`). spaCy pads between texts, so what a token's
        features are does not depend on the texts read with it (but for the floats' last
        bit)."""
        from outpost.analyze import tokvecs

        tok2vec, lower, upper = component.model.layers
        parts: list[Array] = []
        for part in consecutive(docs, tokens):
            features = lower.predict(tokvecs.predict(tok2vec, part))
            parts.append(features[1:] if parts else features)  # one padding row, the first
        return cls(
            features=np.concatenate(parts),
            bias=lower.get_param("b"),
            weights=upper.get_param("W"),
            upper_bias=upper.get_param("b"),
            unseen=tuple(sorted(component.model.attrs["unseen_classes"])),
        )

    @property
    def slots(self) -> int:
        return int(self.features.shape[1])

    def __call__(self, ids: npt.NDArray[np.integer[Any]]) -> Array:
        """Scores (states, moves) of states whose context tokens are `ids` (states, slots),
        token indices into the batch, -1 where a slot is empty."""
        rows = ids + 1
        summed = self.features[rows[:, 0], 0]
        for slot in range(1, self.slots):
            summed = summed + self.features[rows[:, slot], slot]
        summed += self.bias
        # Maxout, piece by piece: numpy's max over a last axis of two is ten times slower.
        pieces = (summed[..., p] for p in range(summed.shape[2]))
        hidden = functools.reduce(np.maximum, pieces)
        scores: Array = np.dot(hidden, self.weights.T)  # thinc's Linear, as numpy ops do it
        scores += self.upper_bias
        if self.unseen:
            scores[:, list(self.unseen)] = np.nanmin(scores)
        return scores


@dataclass(frozen=True)
class _Lower:
    nF: int  # noqa: N815 - spaCy's name: what `get_token_ids` reads of the model


@dataclass(frozen=True)
class _Slots:
    state2vec: _Lower


_SLOTS = {n: _Slots(_Lower(n)) for n in (1, 2, 3, 6, 8, 13)}  # the context sizes spaCy knows
