"""Decoding of spaCy's entity recogniser (its BILUO moves), many stretches of text at once.

Each of the recogniser's moves reads one token, and which moves are allowed depends only on
the entity left open (if any) and on the preset annotation of the current and next token
(spaCy's `ner.pyx`). So a text is cut at its sentence ends into segments, and all segments of
a batch are decoded side by side, each as if no entity were open where it starts. Where the
segment before in fact ends inside an entity, the segment is decoded again from that state.
Every move is the one spaCy's own loop makes (tests compare them), but a step scores hundreds
of states in one matrix product, where spaCy's loop scores the few texts of its batch and
checks each state's 74 moves through calls that are profiled, and so slow, in its wheels
(see `greedy`). On the VOA stories this cut the recogniser's decoding (the step scores and
the moves) from about 14 ms per article to under 2.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from outpost.analyze import greedy

Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]

BEGIN, IN, LAST, UNIT, OUT = range(5)
KINDS = {"B": BEGIN, "I": IN, "L": LAST, "U": UNIT, "O": OUT}
NONE = 0  # the open-entity index of a state with no entity open
STOPPED = -1  # the move recorded where no move was allowed: spaCy then ends the text
SEGMENT = 12  # fewest tokens in a segment: shorter ones would add steps, not states
LONGEST = 128  # most tokens in a segment (a text without sentence ends is cut anyway)
BATCH_TOKENS = 16_000  # texts decoded together: their step scores take 1.5 kB a token


def annotate(component: Any, docs: Sequence[Any]) -> None:
    """Set the recogniser's entities on spaCy Docs, as its own `predict` and
    `set_annotations` would."""
    moves = Moves.of(component) if _decodable(component) else None
    if moves is None:
        greedy.annotate(component, docs)
        return
    greedy.ensure_labels(component, docs)
    for batch in greedy.consecutive(docs, BATCH_TOKENS):
        if not any(len(doc) for doc in batch):
            continue  # nothing to decode, nothing spaCy would set
        taken = decode(moves, greedy.Scorer.of(component, batch), batch)
        for doc, doc_moves in zip(batch, taken, strict=True):
            _set_entities(doc, moves, doc_moves)


def _decodable(component: Any) -> bool:
    """A recogniser whose context is three tokens (the next word, the open entity's first
    and last), with the layers `greedy` scores."""
    return greedy.ours(component) and component.model.layers[1].get_dim("nF") == 3


# The moves -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moves:
    """The recogniser's moves, in its order: what each does and with which label."""

    kinds: Ints  # (moves,) BEGIN ... OUT
    labels: npt.NDArray[np.uint64]  # (moves,) the label's hash, 0 for none
    opens: Ints  # (moves,) the open-entity index a move's label has (NONE for label 0)
    open_labels: tuple[int, ...]  # label hash of each open-entity index; NONE's is 0

    @classmethod
    def of(cls, component: Any) -> Moves | None:
        """The component's moves; None if some move is none of B, I, L, U and O."""
        names = [component.moves.get_class_name(i) for i in range(component.moves.n_moves)]
        if not all(name[0] in KINDS for name in names):
            return None
        strings = component.vocab.strings
        labels = [int(strings[name[2:]]) if name[2:] else 0 for name in names]
        open_labels = (0, *sorted({label for label in labels if label}))
        return cls(
            kinds=np.array([KINDS[name[0]] for name in names], dtype=np.int64),
            labels=np.array(labels, dtype=np.uint64),
            opens=np.array([open_labels.index(label) for label in labels], dtype=np.int64),
            open_labels=open_labels,
        )

    def allowed(self, context: Context) -> Flags:
        """(open entities, moves): which moves spaCy allows a state in this context."""
        return _allowed(self.kinds.tobytes(), self.labels.tobytes(), self.open_labels, context)


@dataclass(frozen=True)
class Context:
    """What spaCy's move checks read of the tokens: the preset entity annotation (IOB code
    and label) of the current token and the next, whether the current one is whitespace,
    and whether the next exists and starts a sentence."""

    iob: int
    label: int
    space: bool
    has_next: bool
    next_iob: int
    next_starts: bool

    @classmethod
    def unpack(cls, key: int, labels: Sequence[int]) -> Context:
        """From the bits `Tokens.of` packs; the label as an index into `labels`."""
        return cls(
            iob=key & 3,
            label=int(labels[key >> 7]),
            space=bool(key >> 2 & 1),
            has_next=bool(key >> 3 & 1),
            next_iob=key >> 4 & 3,
            next_starts=bool(key >> 6 & 1),
        )


@functools.cache
def _allowed(kinds: bytes, labels: bytes, open_labels: tuple[int, ...], c: Context) -> Flags:
    kind_of = np.frombuffer(kinds, dtype=np.int64)
    label_of = np.frombuffer(labels, dtype=np.uint64)
    table = np.zeros((len(open_labels), len(kind_of)), dtype=np.bool_)
    for row, open_label in enumerate(open_labels):
        for move, (kind, label) in enumerate(zip(kind_of, label_of, strict=True)):
            table[row, move] = RULES[int(kind)](c, row != NONE, open_label, int(label))
    table.setflags(write=False)
    return table


# spaCy's rules (ner.pyx, `is_valid` of each move class), in its order of checks. `is_open`
# and `open_label` describe the entity left open; a missing next token reads as IOB 0.


def _begin(c: Context, is_open: bool, open_label: int, label: int) -> bool:
    if is_open or not c.has_next or label == 0 or c.iob == 1:
        return False
    if c.iob == 3:  # a preset entity starts here: only its own label, and only if it goes on
        return label == c.label and c.next_iob == 1
    return c.next_iob != 3 and not c.next_starts and not c.space


def _in(c: Context, is_open: bool, open_label: int, label: int) -> bool:
    if not is_open or not c.has_next or label == 0 or open_label != label or c.iob == 3:
        return False
    if c.next_iob == 3:
        return False
    if c.iob == 1:
        return c.next_iob not in (0, 2) and label == c.label
    return not (c.has_next and c.next_starts)


def _last(c: Context, is_open: bool, open_label: int, label: int) -> bool:
    if label == 0 or not is_open:
        return False
    if c.iob == 1 and c.next_iob != 1:
        return label == c.label
    return open_label == label and c.next_iob != 1


def _unit(c: Context, is_open: bool, open_label: int, label: int) -> bool:
    if label == 0:  # only where a preset annotation blocks the token
        return c.label == 0 and c.iob == 3
    if is_open or c.next_iob == 1:
        return False
    if c.iob == 3:
        return label == c.label
    return not c.space


def _out(c: Context, is_open: bool, open_label: int, label: int) -> bool:
    return not is_open and c.iob not in (1, 3)


RULES = {BEGIN: _begin, IN: _in, LAST: _last, UNIT: _unit, OUT: _out}


# Decoding ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    """The batch's tokens, concatenated as the scorer numbers them."""

    offsets: Ints  # (docs + 1,) where each doc's tokens begin, and the end
    contexts: Ints  # (tokens,) index of each token's context in `tables`
    tables: npt.NDArray[np.bool_]  # (contexts, open entities, moves) the allowed moves
    cuts: tuple[tuple[int, ...], ...]  # each doc's segment starts (its own token indices)

    @classmethod
    def of(cls, moves: Moves, docs: Sequence[Any]) -> Tokens:
        from spacy.attrs import ENT_IOB, ENT_TYPE, IS_SPACE, SENT_START

        lengths = [len(doc) for doc in docs]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        attrs = [ENT_IOB, ENT_TYPE, IS_SPACE, SENT_START]
        values = np.concatenate([doc.to_array(attrs) for doc in docs if len(doc)])
        label = values[:, 1]  # a hash: unsigned 64 bits
        iob, space, sent_start = values[:, [0, 2, 3]].astype(np.int64).T  # -1: not a start
        has_next = np.ones(len(values), dtype=np.int64)
        has_next[offsets[1:][np.diff(offsets) > 0] - 1] = 0  # each doc's last token
        next_iob = np.append(iob[1:], 0) * has_next
        next_starts = np.append(sent_start[1:] == 1, False) * has_next
        labels, label_index = np.unique(label, return_inverse=True)
        # Each token's context as one integer (the bits `Context.unpack` reads), so that
        # the few distinct contexts are found by sorting integers, not rows.
        keys = (
            iob
            | space << 2
            | has_next << 3
            | next_iob << 4
            | next_starts << 6
            | label_index.reshape(-1).astype(np.int64) << 7
        )
        distinct, contexts = np.unique(keys, return_inverse=True)
        tables = np.stack(
            [moves.allowed(Context.unpack(int(key), labels.tolist())) for key in distinct]
        )
        return cls(offsets, contexts.reshape(-1).astype(np.int64), tables, _cuts(docs))


SENTENCE_ENDS = (".", "!", "?")


def _cuts(docs: Sequence[Any]) -> tuple[tuple[int, ...], ...]:
    """Where each doc's segments start: after sentence ends and line breaks, at least
    SEGMENT tokens apart, and at most LONGEST. Any cuts would give the same moves (a wrong
    guess is decoded again); these are seldom wrong, since an entity seldom runs over a
    sentence end."""
    from spacy.attrs import IS_SPACE, ORTH

    found: list[tuple[int, ...]] = []
    for doc in docs:
        if not len(doc):
            found.append(())
            continue
        ends = [doc.vocab.strings.add(end) for end in SENTENCE_ENDS]
        orth, space = doc.to_array([ORTH, IS_SPACE]).T
        after = np.flatnonzero(np.isin(orth[:-1], ends) | (space[:-1] == 1)) + 1
        cuts = [0]
        for cut in [*after.tolist(), len(doc)]:
            while cut - cuts[-1] > LONGEST:  # no sentence end for long: cut anyway
                cuts.append(cuts[-1] + LONGEST)
            if cut - cuts[-1] >= SEGMENT and cut < len(doc):
                cuts.append(cut)
        found.append(tuple(cuts))
    return tuple(found)


@dataclass(frozen=True)
class Segment:
    """Tokens [start, end) of one doc, decoded from a given state."""

    doc: int
    start: int
    end: int
    open: int = NONE  # the entity open where it starts (index into Moves.open_labels)
    entity_start: int = -1  # that entity's first token (doc index)


def decode(moves: Moves, score: greedy.Scorer, docs: Sequence[Any]) -> list[Ints]:
    """For each doc, the move taken at each token (STOPPED where none was allowed, and spaCy
    ends the text there)."""
    tokens = Tokens.of(moves, docs)
    taken = [np.full(len(doc), STOPPED, dtype=np.int64) for doc in docs]
    todo = [
        Segment(d, start, end)
        for d, cuts in enumerate(tokens.cuts)
        for start, end in _bounds(cuts, len(docs[d]))
    ]
    decoded: dict[Segment, Ints] = {}
    while todo:
        decoded.update(zip(todo, _decode_segments(moves, score, tokens, todo), strict=True))
        todo = []
        for d, cuts in enumerate(tokens.cuts):
            missing = _assemble(moves, decoded, d, cuts, len(docs[d]), taken[d])
            if missing is not None:
                todo.append(missing)
    return taken


def _assemble(
    moves: Moves, decoded: dict[Segment, Ints], d: int, cuts: Sequence[int], length: int, out: Ints
) -> Segment | None:
    """Chain a doc's decoded segments from its start into `out`; the first segment not yet
    decoded from the state the one before it ends in, if any."""
    state = (NONE, -1)
    for start, end in _bounds(cuts, length):
        segment = Segment(d, start, end, *state)
        if segment not in decoded:
            return segment
        segment_moves = decoded[segment]
        out[start:end] = segment_moves
        if (segment_moves == STOPPED).any():
            return None  # spaCy ends the text where no move is allowed
        state = _end_state(moves, segment_moves, start, state)
    return None


def _bounds(cuts: Sequence[int], length: int) -> list[tuple[int, int]]:
    """[start, end) of each segment of a doc of `length` tokens cut at `cuts`."""
    return list(zip(cuts, (*cuts[1:], length), strict=True)) if cuts else []


def _end_state(moves: Moves, taken: Ints, start: int, state: tuple[int, int]) -> tuple[int, int]:
    """The entity left open after a segment's moves, from the one it started with."""
    kinds = moves.kinds[taken]
    changes = np.flatnonzero((kinds == BEGIN) | (kinds == LAST) | (kinds == UNIT))
    if not len(changes):
        return state
    last = int(changes[-1])
    if kinds[last] == BEGIN:
        return int(moves.opens[taken[last]]), start + last
    return NONE, -1


def _decode_segments(
    moves: Moves, score: greedy.Scorer, tokens: Tokens, segments: Sequence[Segment]
) -> list[Ints]:
    """Decode the segments side by side, one token of each per step."""
    order = sorted(range(len(segments)), key=lambda i: segments[i].start - segments[i].end)
    ranked = [segments[i] for i in order]  # longest first: the live ones are a prefix
    first = np.array([tokens.offsets[s.doc] + s.start for s in ranked], dtype=np.int64)
    lengths = np.array([s.end - s.start for s in ranked], dtype=np.int64)
    opened = np.array([s.open for s in ranked], dtype=np.int64)
    entity_start = np.array(
        [tokens.offsets[s.doc] + s.entity_start for s in ranked], dtype=np.int64
    )
    taken = np.full((len(ranked), int(lengths.max(initial=0))), STOPPED, dtype=np.int64)
    live = len(ranked)
    for step in range(taken.shape[1]):
        while live and lengths[live - 1] <= step:
            live -= 1
        here = first[:live] + step
        is_open = opened[:live] != NONE
        ids = np.stack(
            [here, np.where(is_open, entity_start[:live], -1), np.where(is_open, here - 1, -1)],
            axis=1,
        )
        scores = score(ids)
        allowed = tokens.tables[tokens.contexts[here], opened[:live]]
        best = np.where(allowed, scores, -np.inf).argmax(axis=1)
        best[~allowed.any(axis=1)] = STOPPED
        taken[:live, step] = best
        kinds = moves.kinds[best]
        begun = kinds == BEGIN
        opened[:live][begun] = moves.opens[best[begun]]
        entity_start[:live][begun] = here[begun]
        closed = (kinds == LAST) | (kinds == UNIT)
        opened[:live][closed] = NONE
    result: list[Ints] = [np.empty(0, dtype=np.int64)] * len(segments)
    for rank, i in enumerate(order):
        result[i] = taken[rank, : lengths[rank]]
    return result


# Annotations -----------------------------------------------------------------------------------


def _set_entities(doc: Any, moves: Moves, taken: Ints) -> None:
    """What spaCy's `BiluoPushDown.set_annotations` does with the final state: the closed
    entities set (with the knowledge-base id preset on their first token), every token
    without annotation then marked outside."""
    from spacy.attrs import ENT_IOB
    from spacy.tokens import Span

    if not len(doc):
        return
    stop = np.flatnonzero(taken == STOPPED)
    done = taken[: int(stop[0])] if len(stop) else taken
    kinds = moves.kinds[done]
    starts = np.flatnonzero((kinds == BEGIN) | (kinds == UNIT))
    ends = np.flatnonzero((kinds == LAST) | (kinds == UNIT)) + 1
    starts = starts[: len(ends)]  # an entity still open where the text stopped is dropped
    labels = moves.labels[done[starts]]
    entities = [
        Span(doc, int(s), int(e), label=int(label), kb_id=doc[int(s)].ent_kb_id)
        for s, e, label in zip(starts, ends, labels, strict=True)
    ]
    covered = np.zeros(len(doc), dtype=np.bool_)
    for s, e in zip(starts, ends, strict=True):
        covered[s:e] = True
    unset = (doc.to_array([ENT_IOB]).reshape(-1) == 0) & ~covered
    outside = [Span(doc, int(s), int(e)) for s, e in _runs(unset)]
    doc.set_ents(entities, outside=outside, default="unmodified")


def _runs(flags: Flags) -> Iterator[tuple[int, int]]:
    """[start, end) of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
    return zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True)
