"""Threat domains of an article or of one event's sentence (stage 8).

The taxonomy and its lexicons are data (`outpost/kb/threats.yaml`). Matching is by words, not
by one big regex: the text is split into lower-case words once, and each word is looked up in
two dictionaries — whole words, and stems by their length — which stays fast with a thousand
cues in eight languages (a regex alternation of that size tries every cue at every position).
Stems make Russian inflection match without a morphological analyser.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from outpost import records

WORD = re.compile(r"\w+")
GAP = "..."
MAX_GAP = 10  # words allowed between the parts of a "a ... b" cue
SATURATION = 1.2  # total weight at which an article's score reaches 1 - 1/e
NO_ANCHOR_CAP = 0.2  # a domain seen only through weak cues stays under this
MIN_SCORE = 0.1
WORD_CACHE = 200_000  # distinct words remembered with their candidate cues
NEGATIVE_IN_SENTENCE = 0.25
NEGATIVE_IN_ARTICLE = 0.5
SENTENCE = re.compile(r"[^\n.!?…]*(?:[.!?…]+[\"'»”’)\]]*|\n|$)")


@dataclass(frozen=True)
class Domain:
    id: str
    name: str
    description: str
    parent: str | None = None


@dataclass(frozen=True)
class Cue:
    """A phrase of the lexicon: words (a trailing "*" makes a stem), GAP between parts."""

    words: tuple[str, ...]
    domain: str
    weight: float  # 0 for a negative cue
    negative: bool = False


@dataclass(frozen=True)
class _Hit:
    cue: int  # index into the cues
    sentence: int


@dataclass
class _Tally:
    """What one domain collected in one article (mutable while the words are read)."""

    by_sentence: dict[int, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    negative_sentences: set[int] = field(default_factory=set)


def _cue_words(phrase: str) -> tuple[str, ...]:
    """Split a cue the way the text is split: hyphens and apostrophes separate words."""
    out: list[str] = []
    for part in phrase.lower().split():
        if part == GAP:
            out.append(GAP)
            continue
        stem = part.endswith("*")
        pieces = WORD.findall(part.rstrip("*"))
        out.extend(pieces[:-1])
        if pieces:
            out.append(pieces[-1] + ("*" if stem else ""))
    return tuple(out)


def _variants(phrase: str) -> Iterable[str]:
    """Uzbek writes its apostrophe several ways; ʻ and ʼ are letters to the tokenizer."""
    yield phrase
    if "'" in phrase:
        yield phrase.replace("'", "ʻ")
        yield phrase.replace("'", "ʼ")


def sentence_spans(text: str) -> list[records.Span]:
    """A simple, fast splitter on . ! ? … and line ends, for callers without sentences."""
    spans = []
    for m in SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append(records.Span(start, end))
    return spans


class ThreatTagger:
    """Multi-label threat domains with evidence; build once with `load()`, then call freely."""

    def __init__(self, domains: Sequence[Domain], cues: Sequence[Cue]) -> None:
        self.domains = {d.id: d for d in domains}
        self.cues = tuple(cues)
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._stems: dict[str, list[int]] = defaultdict(list)
        for i, cue in enumerate(self.cues):
            first = cue.words[0]
            if first.endswith("*"):
                self._stems[first[:-1]].append(i)
            else:
                self._exact[first].append(i)
        self._stem_lengths = tuple(sorted({len(s) for s in self._stems}))
        self._seen: dict[str, tuple[int, ...]] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> ThreatTagger:
        """The taxonomy shipped in the package, or the YAML file at `path`."""
        if path is None:
            raw = resources.files("outpost.kb").joinpath("threats.yaml").read_text("utf-8")
        else:
            raw = path.read_text("utf-8")
        return cls.from_data(yaml.safe_load(raw))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ThreatTagger:
        weights: dict[str, float] = data["weights"]
        domains: list[Domain] = []
        cues: list[Cue] = []
        for entry in data["domains"]:
            domain = Domain(entry["id"], entry["name"], entry["description"].strip(),
                            entry.get("parent"))  # fmt: skip
            domains.append(domain)
            for tier, weight in weights.items():
                for phrases in (entry.get(tier) or {}).values():
                    cues.extend(_cues(phrases, domain.id, weight))
            for phrases in (entry.get("negative") or {}).values():
                cues.extend(_cues(phrases, domain.id, 0.0, negative=True))
        return cls(domains, cues)

    # Matching ----------------------------------------------------------------------------------

    def _candidates(self, word: str) -> tuple[int, ...]:
        """Cues that may start at `word`; remembered, since news repeats its words."""
        found = self._seen.get(word)
        if found is None:
            hits = list(self._exact.get(word, ()))
            for length in self._stem_lengths:
                if length > len(word):
                    break
                hits.extend(self._stems.get(word[:length], ()))
            if len(self._seen) > WORD_CACHE:
                self._seen.clear()
            found = self._seen[word] = tuple(hits)
        return found

    @staticmethod
    def _fits(pattern: str, word: str) -> bool:
        return word.startswith(pattern[:-1]) if pattern.endswith("*") else word == pattern

    def _match_end(self, cue: Cue, words: Sequence[str], i: int) -> int | None:
        """Index after the last word of `cue` matched from words[i], or None."""
        j, k = i + 1, 1
        while k < len(cue.words):
            pattern = cue.words[k]
            if pattern == GAP:
                target = cue.words[k + 1]
                found = next(
                    (n for n in range(j, min(len(words), j + MAX_GAP + 1))
                     if self._fits(target, words[n])),
                    None,
                )  # fmt: skip
                if found is None:
                    return None
                j, k = found + 1, k + 2
                continue
            if j >= len(words) or not self._fits(pattern, words[j]):
                return None
            j, k = j + 1, k + 1
        return j

    def _scan(self, words: Sequence[str], sentence: int, tallies: dict[str, _Tally]) -> None:
        """Add the cues found in one sentence's words; a phrase hides the cues inside it."""
        covered: dict[str, int] = {}
        for i, word in enumerate(words):
            best: dict[str, tuple[float, int, int]] = {}  # domain -> (weight, end, cue)
            for index in self._candidates(word):
                cue = self.cues[index]
                if covered.get(cue.domain, 0) > i and not cue.negative:
                    continue
                end = self._match_end(cue, words, i)
                if end is None:
                    continue
                if cue.negative:
                    tallies[cue.domain].negative_sentences.add(sentence)
                    continue
                if (cue.weight, end) > best.get(cue.domain, (0.0, 0, 0))[:2]:
                    best[cue.domain] = (cue.weight, end, index)
            for domain, (weight, end, index) in best.items():
                covered[domain] = end
                tallies[domain].by_sentence[sentence][index] = weight

    # Scoring -----------------------------------------------------------------------------------

    def _score(self, tally: _Tally) -> tuple[float, int]:
        """(score, best sentence) of one domain from its weighted cues."""
        article_negative = len(tally.negative_sentences) >= 2
        total, anchored, best, best_value = 0.0, False, -1, 0.0
        for sentence, cues in tally.by_sentence.items():
            value = 0.0
            for weight in cues.values():
                if weight < 1.0 and sentence in tally.negative_sentences:
                    weight *= NEGATIVE_IN_SENTENCE
                elif weight < 1.0 and article_negative:
                    weight *= NEGATIVE_IN_ARTICLE
                anchored = anchored or weight >= 0.6
                value += weight
            total += value
            if value > best_value or (value == best_value and sentence < best):
                best, best_value = sentence, value
        score = 1.0 - math.exp(-total / SATURATION)
        return (score if anchored else min(score, NO_ANCHOR_CAP)), best

    def _threats(
        self, text: str, spans: Sequence[records.Span], tallies: dict[str, _Tally]
    ) -> list[records.Threat]:
        scored = {d: self._score(t) for d, t in tallies.items() if t.by_sentence}
        # a sub-domain found means its parent is found at least as strongly
        for domain_id, (score, best) in list(scored.items()):
            parent = self.domains[domain_id].parent
            if parent and score > scored.get(parent, (0.0, -1))[0]:
                scored[parent] = (score, best)
        threats = [
            records.Threat(
                domain=domain_id,
                score=round(score, 3),
                evidence=text[spans[best].start : spans[best].end],
                start=spans[best].start,
                end=spans[best].end,
            )
            for domain_id, (score, best) in scored.items()
            if score >= MIN_SCORE
        ]
        threats.sort(key=lambda t: (-t.score, t.start, t.domain))
        return threats

    # The stage ---------------------------------------------------------------------------------

    def tag(
        self, text: str, sentences: Sequence[records.Span] = (), lang: str | None = None
    ) -> list[records.Threat]:
        """Threat domains of an article, best first, each with its best evidence sentence.

        `sentences` are spans of `text`; without them the text is split here. The lexicons of
        all languages are used whatever `lang` says: articles mix languages, and words of
        different languages seldom collide.
        """
        spans = list(sentences) or sentence_spans(text)
        lower = text.lower()
        if len(lower) != len(text):  # a few letters lower-case to two characters ("İ")
            lower = "".join(c.lower()[:1] or c for c in text)
        tallies: dict[str, _Tally] = defaultdict(_Tally)
        for n, span in enumerate(spans):
            self._scan(WORD.findall(lower, span.start, span.end), n, tallies)
        return self._threats(text, spans, tallies)

    def tag_sentence(
        self, text: str, start: int = 0, end: int | None = None, lang: str | None = None
    ) -> list[records.Threat]:
        """Threat domains of one sentence (an event's evidence), scored on that sentence alone."""
        span = records.Span(start, len(text) if end is None else end)
        return self.tag(text, [span], lang)


def _cues(phrases: Iterable[str], domain: str, weight: float, negative: bool = False) -> list[Cue]:
    return [
        Cue(words, domain, weight, negative)
        for phrase in phrases
        for variant in _variants(str(phrase))
        if (words := _cue_words(variant))
    ]
