"""Token-per-line NER sets (PEYMA, ParsTwiNER, KazNERD) as texts with gold spans, and their
entity-level score.

A sentence's tokens are joined with single spaces into a text, and the gold names become
character spans of it; the pipeline then reads that text as it would read an article, so the
score includes its tokenizer. A name counts when its start, end and type are exactly a gold
one's (the CoNLL measure); PER, LOC and ORG are scored, every other type is left out.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

TYPES = ("PER", "LOC", "ORG")
Span = tuple[int, int, str]


@dataclass(frozen=True)
class Sentence:
    words: tuple[str, ...]
    tags: tuple[str, ...]  # IOB2 as B-TYPE / I-TYPE / O, the set's own types


@dataclass(frozen=True)
class Markup:
    text: str
    spans: tuple[Span, ...]  # start, end, type (the set's own type)


def read(path: Path) -> list[Sentence]:
    """Sentences of a token-per-line file: `token|TAG` (PEYMA, B_/I_ tags), `token<TAB>TAG`
    (ParsTwiNER) or `token TAG` (KazNERD); a blank line ends a sentence."""
    found: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.rstrip("\r")
        if not line.strip():
            if words:
                found.append(Sentence(tuple(words), tags=tuple(tags)))
            words, tags = [], []
            continue
        separator = "|" if "|" in line and "\t" not in line else "\t" if "\t" in line else " "
        word, tag = line.rsplit(separator, 1)
        if not word.strip():  # PEYMA has a few tokens that are a space
            continue
        words.append(word)
        tags.append(tag[:2].replace("_", "-") + tag[2:] if tag != "O" else "O")
    if words:
        found.append(Sentence(tuple(words), tuple(tags)))
    return found


def markup(sentence: Sentence) -> Markup:
    """The sentence as text, its tokens joined by spaces, with its names as character spans."""
    starts, position = [], 0
    for word in sentence.words:
        starts.append(position)
        position += len(word) + 1
    spans: list[Span] = []
    for i, tag in enumerate(sentence.tags):
        end = starts[i] + len(sentence.words[i])
        if tag.startswith("B-") or (tag.startswith("I-") and (not spans or i == 0)):
            spans.append((starts[i], end, tag[2:]))
        elif tag.startswith("I-") and sentence.tags[i - 1][2:] == tag[2:]:
            spans[-1] = (spans[-1][0], end, spans[-1][2])
        elif tag.startswith("I-"):
            spans.append((starts[i], end, tag[2:]))
    return Markup(" ".join(sentence.words), tuple(spans))


def counts(gold: Sequence[Span], predicted: Sequence[Span]) -> Counter[str]:
    """Per type: names predicted, names in gold, and names in both (exact start, end, type)."""
    found: Counter[str] = Counter()
    right = set(gold)
    for span in set(predicted):
        found[f"{span[2]} predicted"] += 1
        found[f"{span[2]} correct"] += span in right
    for span in right:
        found[f"{span[2]} gold"] += 1
    return found


def scores(found: Counter[str]) -> dict[str, float]:
    result: dict[str, float] = {}
    for kind in (*TYPES, "all"):
        kinds = TYPES if kind == "all" else (kind,)
        correct = sum(found[f"{k} correct"] for k in kinds)
        predicted = sum(found[f"{k} predicted"] for k in kinds)
        gold = sum(found[f"{k} gold"] for k in kinds)
        precision = correct / predicted if predicted else 0.0
        recall = correct / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        name = "overall" if kind == "all" else kind
        result |= {f"{name} precision": precision, f"{name} recall": recall, f"{name} F1": f1}
    return result


def score(
    markups: Sequence[Markup], kept: Callable[[str], str | None], predicted: Iterable[list[Span]]
) -> dict[str, float]:
    """Scores of the predicted names (PER/LOC/ORG, one list per markup, in order) against the
    markups' gold names, whose own types `kept` turns into PER/LOC/ORG (None: not scored)."""
    found: Counter[str] = Counter()
    for m, names in zip(markups, predicted, strict=True):
        gold = [(s, e, k) for s, e, t in m.spans if (k := kept(t)) is not None]
        found += counts(gold, names)
    return scores(found)


def pipeline_spans(lang: str) -> Callable[[Sequence[str]], Iterator[list[Span]]]:
    """A function from texts to the names the pipeline's entity stage finds in each, read as
    articles in `lang`."""
    from outpost.analyze.pipeline import Pipeline
    from outpost.records import Doc

    pipeline = Pipeline.load(stages=("clean", "entities"))

    def spans(texts: Sequence[str]) -> Iterator[list[Span]]:
        docs = (Doc(id=f"{lang}-{i}", text=t, lang=lang) for i, t in enumerate(texts))
        for doc in pipeline.pipe(docs):
            yield [(m.start, m.end, m.type) for m in doc.mentions]

    return spans


def evaluate_set(
    markups: Sequence[Markup], lang: str, kept: Callable[[str], str | None]
) -> dict[str, float]:
    """The pipeline's names on the set's sentences, scored; with the count and the time."""
    read_all = pipeline_spans(lang)
    start = time.perf_counter()
    predicted = list(read_all([m.text for m in markups]))
    seconds = time.perf_counter() - start
    return score(markups, kept, predicted) | {
        "sentences": float(len(markups)),
        "seconds": seconds,
    }
