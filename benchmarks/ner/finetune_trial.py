"""Trial (not shipped): the Persian BiLSTM-CRF trained together with the encoder's layers.

    PYTHONPATH=src python benchmarks/ner/finetune_trial.py --depth 12 --read 10,11,12 --epochs 3
    PYTHONPATH=src python benchmarks/ner/finetune_trial.py --depth 4 --read 2,3,4 --init \
        --net-lr 5e-4 --epochs 3

The shipped tagger reads frozen vectors in context (`train_lstm.py`). Here every weight of the
encoder's first `--depth` layers (and its embedding norm; the 4-bit word embeddings stay as
they are) is trained with the net, in bfloat16 autocast with dropout 0.1 inside the layers:
AdamW, the encoder's learning rate warmed up over a tenth of an epoch and then decayed
linearly to zero, the net's constant. `--init` starts the net from the shipped `fa.lstm.pt`
(which reads layers 2, 3 and 4), `--resume` from a file this script wrote. The dev F1 after
each epoch is that of the package's tagger, scored as `outpost eval --only peyma` scores it;
the best epoch's weights are written to `--out`. About 10 minutes an epoch at depth 4 and 26
at depth 12 on one busy core. The model card (`fa.md`) records what it measured.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train as crf_training
import train_lstm

from outpost.analyze import context_vectors, ner_lstm, regional_ner
from outpost.evaluate import ner_sets

MAX_PIECES = 8  # of one word: a longer one is cut, so a batch's passes stay short
DROPOUT = 0.1  # inside the encoder's layers, in training
BATCH = 32


def trainable_encoder(depth: int) -> context_vectors.ContextVectors:
    """A reading of its own, in float32, so that training changes no shared one."""
    data = (
        resources.files(context_vectors.MODEL_PACKAGE) / context_vectors.MODEL_FILE
    ).read_bytes()
    return context_vectors.ContextVectors(data, depth)


def trained(encoder: context_vectors.ContextVectors) -> list[nn.Parameter]:
    found = list(encoder.norm.parameters())
    for layer in encoder.layers:
        found.extend(layer.parameters())
    return found


def _cut(
    encoder: context_vectors.ContextVectors, words: Sequence[str]
) -> tuple[list[int], list[tuple[int, int]]]:
    """A sentence's piece ids with the marks, and each word's span in them."""
    ids, spans = [encoder.vocabulary.first], []
    for word in words:
        pieces = encoder.pieces(word)[:MAX_PIECES]
        if len(ids) + len(pieces) > context_vectors.WINDOW:
            pieces = pieces[:0]
        spans.append((len(ids), len(ids) + len(pieces)))
        ids.extend(pieces)
    return [*ids, encoder.vocabulary.last], spans


def vectors(
    encoder: context_vectors.ContextVectors,
    sentences: Sequence[Sequence[str]],
    layers: Sequence[int],
    training: bool,
) -> torch.Tensor:
    """(batch, words, len(layers), width): the words' vectors after the layers asked for,
    each the mean of its pieces', with gradients through the encoder; padded sentences."""
    cuts = [_cut(encoder, words) for words in sentences]
    length = max(len(ids) for ids, _ in cuts)
    x = torch.zeros(len(cuts), length, encoder.width)
    keep = torch.zeros(len(cuts), length, dtype=torch.bool)
    average = torch.zeros(len(cuts), max(len(w) for w in sentences), length)
    for row, (ids, spans) in enumerate(cuts):
        rows = context_vectors.dequantise(encoder._words[ids].tobytes(), len(ids), encoder.width)
        x[row, : len(ids)] = torch.from_numpy(rows)
        keep[row, : len(ids)] = True
        for n, (a, b) in enumerate(spans):
            if b > a:
                average[row, n, a:b] = 1.0 / (b - a)
    x = encoder.norm(x + encoder.positions[:length] + encoder.segment)
    found = {}
    with torch.autocast("cpu", dtype=torch.bfloat16):
        for n, layer in enumerate(encoder.layers, start=1):
            x = _layer(layer, x, keep[:, None, None, :], training)
            if n in layers:
                found[n] = x.float()
    return torch.einsum("bwl,blkd->bwkd", average, torch.stack([found[n] for n in layers], 2))


def _layer(
    layer: context_vectors.Layer, x: torch.Tensor, mask: torch.Tensor, training: bool
) -> torch.Tensor:
    """context_vectors.Layer.forward over a padded batch, with dropout in training."""
    split = (*x.shape[:2], layer.heads, x.shape[2] // layer.heads)
    q, k, v = (f(x).view(split).transpose(1, 2) for f in (layer.query, layer.key, layer.value))
    attended = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    attended = layer.attended(attended.transpose(1, 2).reshape(x.shape))
    x = layer.attention_norm(x + nn.functional.dropout(attended, DROPOUT, training))
    inner = layer.outer(nn.functional.gelu(layer.inner(x)))
    return layer.output_norm(x + nn.functional.dropout(inner, DROPOUT, training))  # type: ignore[no-any-return]


class TunedTagger(ner_lstm.LstmTagger):
    """The package's tagger reading the encoder being trained."""

    encoder: context_vectors.ContextVectors

    def _vectors(self, sentences: Sequence[Sequence[str]]) -> torch.Tensor | None:
        with torch.no_grad():
            found = vectors(self.encoder, sentences, self.layers, training=False)
        for row, words in enumerate(sentences):
            found[row, len(words) :] = 0
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--depth", type=int, default=12)
    parser.add_argument("--read", default="10,11,12", help="the layers the net reads")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-5, help="the encoder's, at its peak")
    parser.add_argument("--net-lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init", action="store_true", help="start from the shipped net")
    parser.add_argument("--resume", type=Path, help="start from a file this script wrote")
    parser.add_argument("--out", type=Path, default=Path("finetune-trial"))
    parser.add_argument("--sentences", type=int, help="only the first N of each set (a check)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    layers = [int(n) for n in args.read.split(",")]
    train_set, dev = crf_training.data_sets("fa", args.data)
    if args.sentences:
        train_set, dev = train_set[: args.sentences], dev[: args.sentences]
    places = frozenset(crf_training.place_names("fa"))
    examples = train_lstm.tagged_examples(train_set, "fa", places)
    vocab = train_lstm.vocabulary(examples)
    words = {w: i + 2 for i, w in enumerate(vocab["words"])}
    letters = {c: i + 2 for i, c in enumerate(vocab["letters"])}
    tag_ids = {t: i for i, t in enumerate(vocab["tags"])}
    encoded = [
        (ner_lstm.encode(w, norm, marks, words, letters), [tag_ids[t] for t in tags], w)
        for w, norm, marks, tags in examples
    ]
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    encoder = trainable_encoder(args.depth)
    net = ner_lstm.Net(len(words) + 2, len(letters) + 2, len(tag_ids), context=len(layers))
    if args.init:
        shipped = train_lstm.WEIGHTS / "fa"
        known = json.loads(shipped.with_suffix(".lstm.json").read_text(encoding="utf-8"))
        if any(known[k] != vocab[k] for k in vocab) or len(layers) != 3:
            sys.exit("--init: the shipped net's vocabularies or layers differ from these")
        state = torch.load(shipped.with_suffix(".lstm.pt"), weights_only=True)
        net.load_state_dict({k: v.float() for k, v in state.items()})
    if args.resume:
        state = torch.load(args.resume, weights_only=True)
        net.load_state_dict(state["net"])
        for layer, weights in zip(encoder.layers, state["encoder"], strict=True):
            layer.load_state_dict(weights)
        encoder.norm.load_state_dict(state["norm"])
    optimiser = torch.optim.AdamW(
        [
            {"params": net.parameters(), "lr": args.net_lr, "weight_decay": 0.0},
            {"params": trained(encoder), "lr": args.lr, "weight_decay": 0.01},
        ]
    )
    markups = [ner_sets.markup(s) for s in dev]
    steps = (len(encoded) + BATCH - 1) // BATCH
    step, best = 0, -1.0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        order = sorted(range(len(encoded)), key=lambda i: (len(encoded[i][1]), rng.random()))
        batches = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]
        rng.shuffle(batches)
        net.train()
        total = 0.0
        for chosen in batches:
            warm, decay = (step + 1) / (0.1 * steps), 1 - step / (steps * args.epochs)
            optimiser.param_groups[1]["lr"] = args.lr * max(0.0, min(warm, decay))
            total += _step(net, encoder, optimiser, [encoded[i] for i in chosen], layers, rng)
            step += 1
        net.eval()
        tagger = TunedTagger("fa", [net], words, letters, vocab["tags"], places, layers)
        tagger.encoder = encoder
        figures = ner_sets.score(
            markups, regional_ner.KEPT.get, [tagger.spans(m.text) for m in markups]
        )
        print(train_lstm.epoch_line(epoch, total / len(encoded), figures, start), flush=True)
        if figures["overall F1"] > best:
            best = figures["overall F1"]
            args.out.mkdir(parents=True, exist_ok=True)
            torch.save(
                {
                    "net": net.state_dict(),
                    "encoder": [layer.state_dict() for layer in encoder.layers],
                    "norm": encoder.norm.state_dict(),
                },
                args.out / f"fa-depth{args.depth}-seed{args.seed}.pt",
            )


def _step(
    net: ner_lstm.Net,
    encoder: context_vectors.ContextVectors,
    optimiser: torch.optim.Optimizer,
    chosen: Sequence[tuple[ner_lstm.Encoded, list[int], list[str]]],
    layers: Sequence[int],
    rng: random.Random,
) -> float:
    inputs = []
    for (w, c, m, k), _, _ in chosen:
        w = [ner_lstm.UNKNOWN if rng.random() < train_lstm.WORD_DROPOUT else x for x in w]
        inputs.append((w, c, m, k))
    tensors = ner_lstm.batch(inputs)
    mask = tensors[-1]
    context = vectors(encoder, [written for *_, written in chosen], layers, training=True)
    context = context[:, : mask.shape[1]] * mask[:, :, None, None]
    gold = torch.zeros(mask.shape, dtype=torch.long)
    for row, (_, tags, _) in enumerate(chosen):
        gold[row, : len(tags)] = torch.tensor(tags)
    optimiser.zero_grad()
    loss = net.loss(net.emissions(*tensors, vectors=context), gold, mask)
    (loss / len(chosen)).backward()
    torch.nn.utils.clip_grad_norm_([*net.parameters(), *trained(encoder)], 5.0)
    optimiser.step()
    return float(loss.detach())


if __name__ == "__main__":
    main()
