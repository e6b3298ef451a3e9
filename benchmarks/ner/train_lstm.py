"""Train the BiLSTM-CRF tagger (outpost.analyze.ner_lstm) for one language; print dev figures.

    PYTHONPATH=src python benchmarks/ner/train_lstm.py --lang fa [--epochs 12] [--context 2,3,4]
        [--seeds 0,1,2] [--average 0.998] [--finish 4]

Same data, tokenizer, place list and features of the place list as the CRF of
benchmarks/ner/train.py; it writes `{lang}.lstm.pt` (the weights), `{lang}.lstm.json` (the
vocabularies) and `{lang}.places.txt` into src/outpost/analyze/ner_weights/ (or `--out`). One
thread, seeded. The epoch kept is the one with the best dev F1 (PER/LOC/ORG together),
printed after each epoch; with `--average D`, the net kept is instead a moving average of the
weights (each step: D of the average, 1 - D of the net) after the last epoch, so the dev
set only reports and chooses nothing, and `--finish N` adds N epochs on the first training set
alone (PEYMA, the news the Persian model is measured on) at a quarter of the learning rate,
the net restarted from the average. With `--context` (the default: layers 2, 3 and 4) the net also
reads each word's vectors in context from those layers of multilingual-e5-small
(`outpost.analyze.context_vectors`), computed once per sentence before the first epoch (2 to
6 minutes for the Persian sets on one core); `--context ""` trains without them. With more
than one seed, one net is trained per seed on the same vectors and the file holds them all:
the tagger sums their scores (an ensemble), and the last line gives its dev figures.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train as crf_training

from outpost.analyze import context_vectors, ner_lstm, regional_ner
from outpost.evaluate import ner_sets

WEIGHTS = crf_training.WEIGHTS
WORD_DROPOUT = 0.1  # known words read as unknown in training, so unseen names are learnt
CONTEXT = "2,3,4"  # the encoder layers mixed; deeper ones add little for their time


class DevTagger(ner_lstm.LstmTagger):
    """The tagger as shipped, reading the dev sentences' vectors from a table made once
    rather than from the encoder at every epoch."""

    table: ClassVar[dict[tuple[str, ...], torch.Tensor]] = {}

    def _vectors(self, sentences: Sequence[Sequence[str]]) -> torch.Tensor | None:
        if not self.layers:
            return None
        encoder = context_vectors.load(max(self.layers))
        found = []
        for words in sentences:
            key = tuple(words)
            if key not in self.table:
                self.table[key] = encoder.words(words, self.layers).half()
            found.append(self.table[key])
        return ner_lstm.padded(found)


def sentence_vectors(
    sentences: Sequence[Sequence[str]], layers: Sequence[int]
) -> list[torch.Tensor]:
    """Each sentence's vectors in context, kept in half precision (a gigabyte or two)."""
    if not layers:
        return [torch.zeros(0) for _ in sentences]
    encoder = context_vectors.load(max(layers))
    start, out = time.perf_counter(), []
    for n, words in enumerate(sentences):
        out.append(encoder.words(words, layers).half())
        if n % 1000 == 999:
            print(f"vectors in context: {n + 1} sentences ({time.perf_counter() - start:.0f} s)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=regional_ner.LANGS, required=True)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--out", type=Path, default=WEIGHTS, help="where the model goes")
    parser.add_argument("--context", default=CONTEXT, help="encoder layers read, or ''")
    parser.add_argument("--sentences", type=int, help="only the first N of each set (a check)")
    parser.add_argument("--seeds", default="0", help="one net per seed; more: an ensemble")
    parser.add_argument("--average", type=float, default=0.0, help="keep the moving average")
    parser.add_argument("--finish", type=int, default=0, help="epochs more on the first set")
    args = parser.parse_args()
    layers = [int(n) for n in args.context.split(",") if n.strip()]
    torch.set_num_threads(1)
    lang = args.lang
    train_set, dev = crf_training.data_sets(lang, args.data)
    if args.sentences:
        train_set, dev = train_set[: args.sentences], dev[: args.sentences]
    first_set = min(crf_training.first_set_size(lang, args.data) or len(train_set), len(train_set))
    names = crf_training.place_names(lang)
    (args.out / f"{lang}.places.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    places = frozenset(names)
    train_examples = tagged_examples(train_set, lang, places)
    vocab: dict[str, Any] = vocabulary(train_examples)
    vocab["cased"] = lang == "kk"  # Kazakh's capitals say much; Persian script has none
    if layers:
        vocab["context_layers"] = layers
    words = {w: i + 2 for i, w in enumerate(vocab["words"])}
    letters = {c: i + 2 for i, c in enumerate(vocab["letters"])}
    tag_ids = {t: i for i, t in enumerate(vocab["tags"])}
    encoded = [
        (ner_lstm.encode(written, norm, marks, words, letters), [tag_ids[t] for t in tags])
        for written, norm, marks, tags in train_examples
    ]
    vectors = sentence_vectors([written for written, *_ in train_examples], layers)
    markups = [ner_sets.markup(s) for s in dev]

    def dev_scores(nets: list[ner_lstm.Net]) -> dict[str, float]:
        tagger = DevTagger(lang, nets, words, letters, vocab["tags"], places, layers)
        return ner_sets.score(
            markups, regional_ner.KEPT.get, [tagger.spans(m.text) for m in markups]
        )

    def net() -> ner_lstm.Net:
        return ner_lstm.Net(
            len(words) + 2,
            len(letters) + 2,
            len(tag_ids),
            cased=vocab["cased"],
            context=len(layers),
        )

    members = []
    for seed in (int(n) for n in args.seeds.split(",")):
        print(f"seed {seed}", flush=True)
        training = Training(
            encoded, vectors if layers else None, _seeded(seed, layers), args.epochs
        )
        if args.average:
            news = frozenset(range(first_set))
            kept = training.averaged(net(), dev_scores, args.average, news, args.finish)
            members.append(kept)
        else:
            members.append(training.best(net(), dev_scores))
    # half precision halves the file; the tags it gives on the dev set are the same
    halves = [{k: v.half() for k, v in state.items()} for state in members]
    torch.save(halves[0] if len(halves) == 1 else halves, args.out / f"{lang}.lstm.pt")
    (args.out / f"{lang}.lstm.json").write_text(json.dumps(vocab, ensure_ascii=False))
    nets = []
    for state in members:
        nets.append(net())
        nets[-1].load_state_dict(state)
        nets[-1].eval()
    print(f"kept: dev F1 {_figures(dev_scores(nets))} ({len(nets)} nets)")


Example = tuple[list[str], list[str], list[int], list[str]]  # written, normal, marks, tags


def tagged_examples(
    sentences: Sequence[ner_sets.Sentence], lang: str, places: frozenset[str]
) -> list[Example]:
    """Each sentence's words as written and normalised, their place-list marks, their tags."""
    found = []
    for words, tags in crf_training.examples(sentences):
        norm = [regional_ner.normal(w) for w in words]
        found.append((words, norm, regional_ner.marks_of(lang, norm, places), tags))
    return found


def vocabulary(examples: Sequence[Example]) -> dict[str, list[str]]:
    """The words seen twice or more, the letters seen five times or more, the tags."""
    word_counts = Counter(w for _, norm, _, _ in examples for w in norm)
    letter_counts = Counter(c for _, norm, _, _ in examples for w in norm for c in w)
    return {
        "words": sorted(w for w, n in word_counts.items() if n >= 2),
        "letters": sorted(c for c, n in letter_counts.items() if n >= 5),
        "tags": sorted({t for *_, tags in examples for t in tags}),
    }


def _seeded(seed: int, layers: Sequence[int]) -> random.Random:
    """Seed torch (the net's first weights, its dropout) and a Random (the batches, the words
    dropped) for one net. Where the net reads the encoder, also draw the random numbers that
    making the encoder's layers draws (first weights the file's replace): the shipped nets
    were trained one seed a run, the encoder made after the seed was set, so a seed gives the
    same net here."""
    torch.manual_seed(seed)
    if layers:
        layer = context_vectors.load(max(layers)).layers[0]
        for _ in range(max(layers)):
            context_vectors.Layer(
                layer.query.in_features, layer.inner.out_features, layer.heads, layer.eps
            )
    return random.Random(seed)


class Training:
    """One net's training (`_seeded` first); the epoch kept is the one with the best dev F1."""

    def __init__(
        self,
        encoded: Sequence[tuple[ner_lstm.Encoded, list[int]]],
        vectors: Sequence[torch.Tensor] | None,
        rng: random.Random,
        epochs: int,
    ) -> None:
        self.encoded, self.vectors, self.rng, self.epochs = encoded, vectors, rng, epochs

    def best(
        self, net: ner_lstm.Net, dev_scores: Callable[[list[ner_lstm.Net]], dict[str, float]]
    ) -> dict[str, torch.Tensor]:
        optimiser = torch.optim.Adam(net.parameters(), lr=2e-3)
        best, best_state = -1.0, None
        for epoch in range(self.epochs):
            start = time.perf_counter()
            net.train()
            total = sum(self._step(net, optimiser, chosen) for chosen in self._batches())
            net.eval()
            figures = dev_scores([net])
            print(epoch_line(epoch, total / len(self.encoded), figures, start), flush=True)
            if figures["overall F1"] > best:
                best = figures["overall F1"]
                best_state = {k: v.clone() for k, v in net.state_dict().items()}
        assert best_state is not None
        return best_state

    def averaged(
        self,
        net: ner_lstm.Net,
        dev_scores: Callable[[list[ner_lstm.Net]], dict[str, float]],
        decay: float,
        news: frozenset[int],
        finish: int,
    ) -> dict[str, torch.Tensor]:
        """The moving average of the net's weights after every epoch, then after `finish`
        epochs more on the sentences `news` alone, the net restarted from the average. A
        fixed schedule: the dev figures are printed, never used to choose."""
        average = copy.deepcopy(net)
        stages: list[tuple[int, frozenset[int] | None, float, str]] = [
            (self.epochs, None, 2e-3, "")
        ]
        if finish:
            stages.append((finish, news, 5e-4, " (first set alone)"))
        for epochs, chosen, rate, label in stages:
            if chosen is not None:  # the finish starts from the average
                net.load_state_dict(average.state_dict())
            optimiser = torch.optim.Adam(net.parameters(), lr=rate)
            for epoch in range(epochs):
                start = time.perf_counter()
                net.train()
                total, seen = 0.0, 0
                for batch in self._batches():
                    batch = [i for i in batch if chosen is None or i in chosen]
                    if batch:
                        total += self._step(net, optimiser, batch)
                        seen += len(batch)
                        _move(average, net, decay)
                average.eval()
                figures = dev_scores([average])
                print(epoch_line(epoch, total / seen, figures, start) + label, flush=True)
        return {k: v.clone() for k, v in average.state_dict().items()}

    def _batches(self) -> list[list[int]]:
        encoded, rng = self.encoded, self.rng
        order = sorted(range(len(encoded)), key=lambda i: (len(encoded[i][1]), rng.random()))
        batches = [order[i : i + 32] for i in range(0, len(order), 32)]
        rng.shuffle(batches)
        return batches

    def _step(
        self, net: ner_lstm.Net, optimiser: torch.optim.Optimizer, chosen: list[int]
    ) -> float:
        inputs = []
        for i in chosen:
            (w, c, m, k), _ = self.encoded[i]
            w = [ner_lstm.UNKNOWN if self.rng.random() < WORD_DROPOUT else x for x in w]
            inputs.append((w, c, m, k))
        tensors = ner_lstm.batch(inputs)
        context = None
        if self.vectors is not None:
            context = ner_lstm.padded([self.vectors[i] for i in chosen])
        mask = tensors[-1]
        gold = torch.zeros(mask.shape, dtype=torch.long)
        for row, i in enumerate(chosen):
            gold[row, : len(self.encoded[i][1])] = torch.tensor(self.encoded[i][1])
        optimiser.zero_grad()
        loss = net.loss(net.emissions(*tensors, vectors=context), gold, mask)
        (loss / len(chosen)).backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimiser.step()
        return float(loss.detach())


def _move(average: ner_lstm.Net, net: ner_lstm.Net, decay: float) -> None:
    """One step of the moving average: `decay` of it, 1 - `decay` of the net."""
    with torch.no_grad():
        for kept, weight in zip(average.parameters(), net.parameters(), strict=True):
            kept.mul_(decay).add_(weight.detach(), alpha=1 - decay)


def epoch_line(epoch: int, loss: float, figures: dict[str, float], start: float) -> str:
    """What an epoch printed: its mean loss, the dev figures, its time since `start`."""
    elapsed = time.perf_counter() - start
    return f"epoch {epoch + 1}: loss {loss:.3f}, dev F1 {_figures(figures)} ({elapsed:.0f} s)"


def _figures(figures: dict[str, float]) -> str:
    return f"{figures['overall F1']:.3f} " + " ".join(
        f"{k} {figures[f'{k} F1']:.3f}" for k in ("PER", "LOC", "ORG")
    )


if __name__ == "__main__":
    main()
