"""Train the BiLSTM-CRF tagger (outpost.analyze.ner_lstm) for one language; print dev figures.

    PYTHONPATH=src python benchmarks/ner/train_lstm.py --lang fa [--epochs 12] [--context 2,3,4]

Same data, tokenizer, place list and features of the place list as the CRF of
benchmarks/ner/train.py; it writes `{lang}.lstm.pt` (the weights), `{lang}.lstm.json` (the
vocabularies) and `{lang}.places.txt` into src/outpost/analyze/ner_weights/ (or `--out`). One
thread, seeded: a rerun gives the same weights. The epoch kept is the one with the best dev F1
(PER/LOC/ORG together), printed after each epoch. With `--context` (the default: layers 2,
3 and 4) the net also reads each word's vectors in context from those layers of
multilingual-e5-small (`outpost.analyze.context_vectors`), computed once per sentence before
the first epoch (about 12 minutes for the Persian sets on one core); `--context ""` trains
without them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

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
    args = parser.parse_args()
    layers = [int(n) for n in args.context.split(",") if n.strip()]
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = random.Random(0)
    lang = args.lang
    train_set, dev = crf_training.data_sets(lang, args.data)
    if args.sentences:
        train_set, dev = train_set[: args.sentences], dev[: args.sentences]
    names = crf_training.place_names(lang)
    (args.out / f"{lang}.places.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    places = frozenset(names)
    train_examples = []
    for words, tags in crf_training.examples(train_set):
        norm = [regional_ner.normal(w) for w in words]
        train_examples.append((words, norm, regional_ner.marks_of(lang, norm, places), tags))
    word_counts = Counter(w for _, norm, _, _ in train_examples for w in norm)
    letter_counts = Counter(c for _, norm, _, _ in train_examples for w in norm for c in w)
    vocab = {"words": sorted(w for w, n in word_counts.items() if n >= 2)}
    vocab["letters"] = sorted(c for c, n in letter_counts.items() if n >= 5)
    vocab["tags"] = sorted({t for *_, tags in train_examples for t in tags})
    words = {w: i + 2 for i, w in enumerate(vocab["words"])}
    letters = {c: i + 2 for i, c in enumerate(vocab["letters"])}
    tag_ids = {t: i for i, t in enumerate(vocab["tags"])}
    encoded = [
        (ner_lstm.encode(written, norm, marks, words, letters), [tag_ids[t] for t in tags])
        for written, norm, marks, tags in train_examples
    ]
    vectors = sentence_vectors([written for written, *_ in train_examples], layers)
    net = ner_lstm.Net(
        len(words) + 2, len(letters) + 2, len(tag_ids), cased=lang == "kk", context=len(layers)
    )
    vocab["cased"] = net.cased
    if layers:
        vocab["context_layers"] = layers
    optimiser = torch.optim.Adam(net.parameters(), lr=2e-3)
    markups = [ner_sets.markup(s) for s in dev]
    best, best_state = -1.0, None
    for epoch in range(args.epochs):
        start = time.perf_counter()
        net.train()
        order = sorted(range(len(encoded)), key=lambda i: (len(encoded[i][1]), rng.random()))
        batches = [order[i : i + 32] for i in range(0, len(order), 32)]
        rng.shuffle(batches)
        total = 0.0
        for chosen in batches:
            inputs = []
            for i in chosen:
                (w, c, m, k), _ = encoded[i]
                w = [ner_lstm.UNKNOWN if rng.random() < WORD_DROPOUT else x for x in w]
                inputs.append((w, c, m, k))
            tensors = ner_lstm.batch(inputs)
            context = ner_lstm.padded([vectors[i] for i in chosen]) if layers else None
            mask = tensors[-1]
            gold = torch.zeros(mask.shape, dtype=torch.long)
            for row, i in enumerate(chosen):
                gold[row, : len(encoded[i][1])] = torch.tensor(encoded[i][1])
            optimiser.zero_grad()
            loss = net.loss(net.emissions(*tensors, vectors=context), gold, mask)
            (loss / len(chosen)).backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            optimiser.step()
            total += float(loss.detach())
        net.eval()
        tagger = DevTagger(lang, net, words, letters, vocab["tags"], places, layers)
        figures = ner_sets.score(
            markups, regional_ner.KEPT.get, [tagger.spans(m.text) for m in markups]
        )
        f1 = figures["overall F1"]
        print(
            f"epoch {epoch + 1}: loss {total / len(encoded):.3f}, dev F1 {f1:.3f} "
            + " ".join(f"{k} {figures[f'{k} F1']:.3f}" for k in ("PER", "LOC", "ORG"))
            + f" ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        if f1 > best:
            best, best_state = f1, {k: v.clone() for k, v in net.state_dict().items()}
    assert best_state is not None
    # half precision halves the file; the tags it gives on the dev set are the same
    torch.save({k: v.half() for k, v in best_state.items()}, args.out / f"{lang}.lstm.pt")
    (args.out / f"{lang}.lstm.json").write_text(json.dumps(vocab, ensure_ascii=False))
    print(f"kept dev F1 {best:.3f}")


if __name__ == "__main__":
    main()
