"""A small BiLSTM-CRF name tagger in torch: words and their letters in, IOB2 tags out.

Each token is read as its normalised word (known words only; the rest share one vector), a
convolution over its letters (what carries an unseen name: endings, prefixes), and whether a
place list knows it; where the vocabularies name `context_layers`, also a learnt mix of those
layers' vectors of the word in its sentence from multilingual-e5-small (`context_vectors`).
A bidirectional LSTM reads the sentence, and a CRF layer picks the best sequence of tags, so
an I- never follows the wrong B-. `ner_weights/` holds the trained weights with the
vocabularies, written by `benchmarks/ner/train_lstm.py`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib.resources.abc import Traversable
from typing import Any

import numpy as np
import torch
from torch import nn

MAX_LETTERS = 20  # a word's letters beyond these add little and cost time
PAD, UNKNOWN = 0, 1
CONTEXT_WIDTH = 384  # of multilingual-e5-small's vectors (context_vectors)


class Net(nn.Module):
    def __init__(
        self,
        words: int,
        letters: int,
        tags: int,
        cased: bool = False,
        width: int = 128,
        context: int = 0,
    ) -> None:
        super().__init__()
        self.cased, self.context = cased, context
        self.words = nn.Embedding(words, 100, padding_idx=PAD)
        self.letters = nn.Embedding(letters, 32, padding_idx=PAD)
        self.convolution = nn.Conv1d(32, 64, kernel_size=3, padding=1)
        self.marks = nn.Embedding(3, 8)
        if cased:  # Kazakh's capitals say much; Persian script has none
            self.cases = nn.Embedding(len(CASES), 8)
        self.drop = nn.Dropout(0.4)
        size = 100 + 64 + 8 + (8 if cased else 0)
        if context:  # a learnt mix of `context` encoder layers' word vectors, made smaller
            self.mix = nn.Parameter(torch.zeros(context))
            self.reduce = nn.Linear(CONTEXT_WIDTH, width)
            size += width
        self.lstm = nn.LSTM(size, width, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * width, tags)
        self.transitions = nn.Parameter(torch.zeros(tags, tags))  # [from, to]
        self.start = nn.Parameter(torch.zeros(tags))
        self.end = nn.Parameter(torch.zeros(tags))

    def emissions(
        self, words: Any, letters: Any, marks: Any, cases: Any, mask: Any, vectors: Any = None
    ) -> Any:
        """Scores of each tag at each token: (batch, length, tags); `vectors` are the
        words' vectors in context (batch, length, layers, width) where the net reads them.
        The sentences are packed, so the backward LSTM of a short one does not start in its
        padding."""
        batch, length, width = letters.shape
        chars = self.letters(letters.view(batch * length, width)).transpose(1, 2)
        chars = torch.relu(self.convolution(chars)).max(dim=2).values.view(batch, length, -1)
        parts = [self.words(words), chars, self.marks(marks)]
        if self.cased:
            parts.append(self.cases(cases))
        if self.context:
            mixed = (vectors * torch.softmax(self.mix, 0)[:, None]).sum(dim=2)
            parts.append(self.reduce(mixed))
        x = torch.cat(parts, dim=2)
        lengths = mask.sum(dim=1).long()
        packed = nn.utils.rnn.pack_padded_sequence(
            self.drop(x), lengths, batch_first=True, enforce_sorted=False
        )
        hidden, _ = nn.utils.rnn.pad_packed_sequence(
            self.lstm(packed)[0], batch_first=True, total_length=length
        )
        return self.out(self.drop(hidden))

    def loss(self, scores: Any, tags: Any, mask: Any) -> Any:
        """The CRF's negative log-likelihood of the gold tags, summed over the batch."""
        batch = torch.arange(scores.shape[0])
        gold = self.start[tags[:, 0]] + scores[batch, 0, tags[:, 0]]
        total = self.start + scores[:, 0]
        for i in range(1, scores.shape[1]):
            on = mask[:, i]
            step = self.transitions[tags[:, i - 1], tags[:, i]] + scores[batch, i, tags[:, i]]
            gold = gold + step * on
            moved = torch.logsumexp(
                total.unsqueeze(2) + self.transitions + scores[:, i].unsqueeze(1), dim=1
            )
            total = torch.where(on.unsqueeze(1).bool(), moved, total)
        last = tags[batch, mask.sum(dim=1).long() - 1]
        gold = gold + self.end[last]
        return (torch.logsumexp(total + self.end, dim=1) - gold).sum()


def crf_weights(nets: Sequence[Net]) -> tuple[Any, Any, Any]:
    """The CRF's transitions, start and end scores, summed over the nets of an ensemble as
    their emissions are (the best path of the members' summed scores: a product of experts)."""
    return tuple(
        sum(getattr(net, name).detach().numpy() for net in nets)
        for name in ("transitions", "start", "end")
    )


def viterbi(
    emitted: Any, moves: Any, start: Any, end: Any, lengths: Sequence[int]
) -> list[list[int]]:
    """The best tag sequence of each sentence, in numpy, all sentences at once (a step is far
    cheaper there than in torch): emitted (batch, length, tags), moves [from, to]."""
    best = start + emitted[:, 0]
    back = []
    for i in range(1, emitted.shape[1]):
        total = best[:, :, None] + moves  # (batch, from, to)
        index = total.argmax(axis=1)
        stepped = np.take_along_axis(total, index[:, None, :], axis=1)[:, 0] + emitted[:, i]
        inside = (np.asarray(lengths) > i)[:, None]
        best = np.where(inside, stepped, best)  # a finished sentence keeps its score
        back.append(index)
    paths = []
    for row, length in enumerate(lengths):
        tag = int((best[row] + end).argmax())
        path = [tag]
        for index in reversed(back[: length - 1]):
            tag = int(index[row, tag])
            path.append(tag)
        paths.append(path[::-1])
    return paths


Encoded = tuple[list[int], list[list[int]], list[int], list[int]]
CASES = ("other", "lower", "Title", "UPPER")


def case(word: str) -> int:
    if word.isupper():
        return 3
    if word[:1].isupper():
        return 2
    return 1 if word.islower() else 0


def encode(
    written: Sequence[str],
    norm: Sequence[str],
    marks: Sequence[str],
    words: dict[str, int],
    letters: dict[str, int],
) -> Encoded:
    """A sentence as the network's inputs: ids of its normalised words and of their letters,
    its place marks, and the case of each word as written."""
    word_ids = [words.get(w, UNKNOWN) for w in norm]
    letter_ids = [[letters.get(c, UNKNOWN) for c in w[:MAX_LETTERS]] for w in norm]
    mark_ids = [{"": 0, "B": 1, "I": 2}[m] for m in marks]
    return word_ids, letter_ids, mark_ids, [case(w) for w in written]


def batch(encoded: Sequence[Encoded]) -> tuple[Any, Any, Any, Any, Any]:
    """Padded tensors of a batch of encoded sentences, and the mask of real tokens."""
    length = max(len(e[0]) for e in encoded)
    width = max(len(w) for e in encoded for w in e[1]) or 1
    words = np.zeros((len(encoded), length), dtype=np.int64)
    letters = np.zeros((len(encoded), length, width), dtype=np.int64)
    marks = np.zeros((len(encoded), length), dtype=np.int64)
    cases = np.zeros((len(encoded), length), dtype=np.int64)
    mask = np.zeros((len(encoded), length), dtype=np.float32)
    for i, (w, c, m, k) in enumerate(encoded):
        words[i, : len(w)] = w
        marks[i, : len(m)] = m
        cases[i, : len(k)] = k
        mask[i, : len(w)] = 1
        for j, chars in enumerate(c):
            letters[i, j, : len(chars)] = chars
    arrays = (words, letters, marks, cases, mask)
    return tuple(torch.from_numpy(a) for a in arrays)  # type: ignore[return-value]


def padded(vectors: Sequence[torch.Tensor]) -> torch.Tensor:
    """A batch's vectors in context, each sentence's (layers, length, width), as one
    (batch, length, layers, width) tensor with zeros after each sentence's end."""
    layers, _, width = vectors[0].shape
    out = torch.zeros(len(vectors), max(v.shape[1] for v in vectors), layers, width)
    for row, v in enumerate(vectors):
        out[row, : v.shape[1]] = v.float().transpose(0, 1)
    return out


class LstmTagger:
    """The network with its vocabularies, reading text as regional_ner.Tagger does."""

    def __init__(
        self,
        lang: str,
        nets: Sequence[Net],
        words: dict[str, int],
        letters: dict[str, int],
        tags: Sequence[str],
        places: frozenset[str],
        layers: Sequence[int] = (),
    ) -> None:
        self.lang, self.nets, self.words, self.letters = lang, list(nets), words, letters
        self.tags, self.places, self.layers = list(tags), places, tuple(layers)
        self.method = f"bilstm-crf-{lang}"  # Mention.method of what it finds

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        from outpost.analyze import regional_ner

        found: list[tuple[int, int, str]] = []
        cut = list(regional_ner.sentences(regional_ner.tokens(text)))
        if not cut:
            return found
        encoded = []
        for sentence in cut:
            written = [t.text for t in sentence]
            norm = [regional_ner.normal(w) for w in written]
            marks = regional_ner.marks_of(self.lang, norm, self.places)
            encoded.append(encode(written, norm, marks, self.words, self.letters))
        # One thread: on matrices this small, a second one costs twenty times the work in
        # waiting (measured on 2 busy cores); the other stages keep their own setting.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            vectors = self._vectors([[t.text for t in sentence] for sentence in cut])
            inputs = batch(encoded)
            with torch.no_grad():  # an ensemble's members' scores are summed
                scores = sum(net.emissions(*inputs, vectors=vectors) for net in self.nets)
        finally:
            torch.set_num_threads(threads)
        lengths = [len(sentence) for sentence in cut]
        paths = viterbi(scores.numpy(), *crf_weights(self.nets), lengths)
        for sentence, path in zip(cut, paths, strict=True):
            tags = [self.tags[t] for t in path]
            for start, end, kind in regional_ner.spans_of(tags, sentence):
                if kind in regional_ner.KEPT:
                    found.append((start, end, regional_ner.KEPT[kind]))
        return found

    def _vectors(self, sentences: Sequence[Sequence[str]]) -> torch.Tensor | None:
        """The words' vectors in context, where the net reads them: the encoder is loaded
        on the first text that needs it, so a process that never meets one never pays."""
        if not self.layers:
            return None
        from outpost.analyze import context_vectors

        encoder = context_vectors.load(max(self.layers))
        return padded(encoder.sentences(sentences, self.layers))


def load(lang: str, folder: Traversable, places: frozenset[str]) -> LstmTagger:
    """The shipped network of a language with its vocabularies (`{lang}.lstm.json`)."""
    vocab = json.loads((folder / f"{lang}.lstm.json").read_text(encoding="utf-8"))
    words = {w: i + 2 for i, w in enumerate(vocab["words"])}
    letters = {c: i + 2 for i, c in enumerate(vocab["letters"])}
    layers = vocab.get("context_layers", [])
    with (folder / f"{lang}.lstm.pt").open("rb") as weights:
        states = torch.load(weights, weights_only=True)  # kept in half precision: half the size
    nets = []
    for state in states if isinstance(states, list) else [states]:  # a list: an ensemble
        net = Net(
            len(words) + 2,
            len(letters) + 2,
            len(vocab["tags"]),
            cased=vocab["cased"],
            context=len(layers),
        )
        net.load_state_dict({k: v.float() for k, v in state.items()})
        nets.append(net.eval())
    return LstmTagger(lang, nets, words, letters, vocab["tags"], places, layers)
