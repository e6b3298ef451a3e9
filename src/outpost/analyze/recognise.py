"""English names: spaCy's entity ruler and recogniser, with the recogniser's greedy decoding
driven from here.

spaCy's wheels for Python before 3.12 are compiled with Cython's profiling hooks (its setup.py:
`"profile": sys.version_info < (3, 12)`). Its decoding loop runs without the GIL, and there
every hooked call, each state's check of each of the 74 moves at every token, takes and
releases the GIL. On the VOA stories that loop cost 28 of the recogniser's 45 ms per article.
The same transitions asked for from Python, the GIL held all along, find the hooks cheap:
the entities are identical (a test compares them) and the recogniser takes a third less
time. The dependency parser checks a handful of moves per state and gains nothing, so it
keeps spaCy's own loop.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

# Where spaCy's loop is compiled without the hooks it is the faster one.
HOOKED = sys.version_info < (3, 12)
BATCH = 64  # texts decoded side by side; each step's scoring is one matrix product for all


def recognise(nlp: Any, texts: Sequence[str]) -> list[Any]:
    """spaCy Docs of `texts`, in order, with the ruler's and the recogniser's entities."""
    docs = [nlp.make_doc(text) for text in texts]
    if "entity_ruler" in nlp.pipe_names:
        ruler = nlp.get_pipe("entity_ruler")
        docs = [ruler(doc) for doc in docs]
    ner = nlp.get_pipe("ner")
    # Texts of like length share a batch: a batch takes as many steps as its longest text.
    by_length = sorted(docs, key=len)
    for start in range(0, len(by_length), BATCH):
        batch = by_length[start : start + BATCH]
        states = _decode(ner, batch) if HOOKED else ner.predict(batch)
        ner.set_annotations(batch, states)
    return docs


def _decode(ner: Any, docs: list[Any]) -> list[Any]:
    """What spaCy's `greedy_parse` does: score every unfinished state, take each one's best
    valid move, until all are final."""
    if not any(len(doc) for doc in docs):
        return list(ner.moves.init_batch(docs))
    ner._ensure_labels_are_added(docs)  # labels the ruler set that the model lacks
    batch = ner.moves.init_batch(docs)
    model = ner.model.predict(docs)  # token vectors and their precomputed hidden layer
    states = [state for state in batch if not state.is_final()]
    while states:
        states = ner.transition_states(states, model.predict(states))
    model.clear_memory()
    return list(batch)
