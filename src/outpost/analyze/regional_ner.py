"""People, organisations and places in Persian/Dari and Kazakh text, by models trained here.

Neither spaCy nor natasha reads these languages, so Outpost ships its own small models in
`ner_weights/` beside this module, each with a model card saying what it was trained on and
how it measures: a BiLSTM-CRF for each (`ner_lstm`), reading multilingual-e5-small's vectors
of each word in context (`context_vectors`). The CRF (`Tagger` below) shipped for Kazakh
before them and is still built for comparison. `benchmarks/ner/train_lstm.py` and
`benchmarks/ner/train.py` rebuild them from the public data sets with the tokenizer,
normalisation and place marks below, so what a model saw in training is what it sees here.

The text is cut into tokens by a regular expression that keeps offsets; the characters are
normalised for the features only (Arabic ي and ك are the Persian ی and ک; a zero-width
non-joiner separates tokens, as PEYMA writes those words with a space), never in the offsets.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol

WEIGHTS = "outpost.analyze.ner_weights"
LANGS = ("fa", "kk")
# Dari is the Afghan standard of Persian: the Persian model reads it.
MODEL_OF = {"fa": "fa", "prs": "fa", "kk": "kk"}
# The data sets' own types, as Outpost's. Every other type (dates, money, KazNERD's twenty
# more) is trained on, since telling them apart sharpens the three we keep, and dropped here.
KEPT = {
    "PER": "PER",
    "LOC": "LOC",
    "ORG": "ORG",
    "PERSON": "PER",
    "GPE": "LOC",
    "LOCATION": "LOC",
    "ORGANISATION": "ORG",
}
MAX_PLACE_WORDS = 4

# A word: letters, digits and the marks Arabic script writes over them, joined by hyphens or
# apostrophes; anything else but spaces and the non-joiner is a token of its own.
TOKEN = re.compile(
    r"[\w\u064b-\u065f\u0670]+(?:[-'’][\w\u064b-\u065f\u0670]+)*|[^\w\s\u200c\u200d\u200f\u200e]"
)
ARABIC_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا"})
MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # short vowels and the stretching tatweel


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str


def tokens(text: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]


def normal(word: str) -> str:
    """The form a feature sees: Persian letters, no short vowels, digits as ASCII, lower case."""
    word = MARKS.sub("", word.translate(ARABIC_LETTERS))
    if any(c.isdigit() for c in word):
        word = "".join(str(unicodedata.digit(c, 0)) if c.isdigit() else c for c in word)
    return word.lower()


# Kazakh adds its case, plural and possessive endings to names: «Астанаға», «Алматыдағы»,
# «Қазақстанның». Taking them off gives the name the place list knows and a stem the model
# can share across cases.
KAZAKH_ENDINGS = sorted(
    (
        "ның нің дың дің тың тің ға ге қа ке на не а е да де та те нда нде дан ден тан тен "
        "нан нен ды ді ты ті н ны ні мен бен пен лар лер дар дер тар тер дағы дегі тағы тегі "
        "ндағы ндегі ымен імен сы сі ы і ын ін ына іне сына сіне сын сін сының сінің ынан інен "
        "сынан сінен ында інде сында сінде ымыз іміз ға дай дей"
    ).split(),
    key=len,
    reverse=True,
)


def kazakh_stem(word: str) -> str:
    """The word without up to two Kazakh endings, keeping at least three letters."""
    for _ in range(2):
        for ending in KAZAKH_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                word = word[: -len(ending)]
                break
        else:
            break
    return word


def shape(word: str) -> str:
    out: list[str] = []
    for c in word[:6]:
        kind = "X" if c.isupper() else "x" if c.isalpha() else "d" if c.isdigit() else c
        if not out or out[-1] != kind:
            out.append(kind)
    return "".join(out)


def place_marks(words: Sequence[str], places: frozenset[str]) -> list[str]:
    """Per word: 'B' or 'I' when it begins or continues a run of words the place list knows
    (the longest from the left), else ''."""
    marks = [""] * len(words)
    i = 0
    while i < len(words):
        for n in range(min(MAX_PLACE_WORDS, len(words) - i), 0, -1):
            if " ".join(words[i : i + n]) in places:
                marks[i : i + n] = ["B"] + ["I"] * (n - 1)
                i += n
                break
        else:
            i += 1
    return marks


def marks_of(lang: str, norm: Sequence[str], places: frozenset[str]) -> list[str]:
    """place_marks of normalised words; in Kazakh of their stems too: a place in an oblique
    case, «Астанаға», is «Астана» plus an ending."""
    marks = place_marks(norm, places)
    if lang == "kk":
        stem_marks = place_marks([kazakh_stem(w) for w in norm], places)
        marks = [m or s for m, s in zip(marks, stem_marks, strict=True)]
    return marks


# Kinds of cue words (`Lexicon`): the last word of an organisation's or a place's name, a word
# said before a person's name, and one said after it («мырза», «ханым»).
CUE_KINDS = ("ORG", "LOC", "PER", "PER+")
CUE_REACH = 6  # how far ahead a name's last word is looked for
CUE_BREAK = frozenset(",.;:!?()—–[]")


@dataclass(frozen=True)
class Lexicon:
    """What a model knows of words beyond the sentence: cue words by kind, each a stem
    (`kazakh_stem`) or, at five letters or more, also the beginning of the words it stands
    for: «министрлі» is «министрлігі», «министрлігінің»...; and, where they ship, guesses
    of what kind of name a stem is («PER3», «LOC1», «O»...), learnt from a pretrained model's
    vectors of words (`benchmarks/ner/kk_guesses.py`)."""

    cues: dict[str, frozenset[str]]
    guesses: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def kinds(self, low: str, stem: str) -> list[str]:
        found = []
        for kind in CUE_KINDS:
            known = self.cues.get(kind, frozenset())
            if stem in known or any(low[:n] in known for n in range(5, min(len(low), 12) + 1)):
                found.append(kind)
        return found


def read_lexicon(lines: Iterable[str]) -> Lexicon:
    """A Lexicon of `KIND word` lines."""
    words: dict[str, set[str]] = {kind: set() for kind in CUE_KINDS}
    for line in lines:
        if line.strip():
            kind, word = line.split()
            words[kind].add(word)
    return Lexicon({kind: frozenset(found) for kind, found in words.items()})


def read_guesses(lines: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """A Lexicon's guesses of `stem guess...` lines."""
    out = {}
    for line in lines:
        stem, *ids = line.split() or [""]
        if ids:
            out[stem] = tuple(ids)
    return out


def guess_features(stems: Sequence[str], guesses: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    """Per token, the guesses for its stem and its neighbours' (one either side: all; two:
    the first); a stem not guessed has none."""
    ids = [guesses.get(stem, ()) for stem in stems]
    out: list[list[str]] = []
    for i in range(len(stems)):
        f = [f"k{n}={c}" for n, c in enumerate(ids[i])]
        for d in (-2, -1, 1, 2):
            if 0 <= i + d < len(stems):
                near = ids[i + d] if abs(d) == 1 else ids[i + d][:1]
                f += [f"{d}k{n}={c}" for n, c in enumerate(near)]
        out.append(f)
    return out


def cue_features(
    words: Sequence[str], norm: Sequence[str], stems: Sequence[str], lexicon: Lexicon
) -> list[list[str]]:
    """Per token, what the cue words around it say: an organisation's or place's last word
    n words ahead (within the same clause), with whether this word is capitalised; one n words
    behind; a person's cue before or after; and inside «quotes», the word after the closing
    quote (a name in quotes is followed by what it names: «Нұр Отан» партиясы)."""
    kinds = [lexicon.kinds(low, stem) for low, stem in zip(norm, stems, strict=True)]
    out: list[list[str]] = [[f"c{k}" for k in found] for found in kinds]
    n = len(words)
    for i in range(n):
        cap = "X" if words[i][:1].isupper() else "x"
        f = out[i]
        for kind in ("ORG", "LOC", "PER+"):
            for j in range(i + 1, min(n, i + CUE_REACH + 1)):
                if words[j] in CUE_BREAK:
                    break
                if kind in kinds[j]:
                    f += [f"{kind}>{j - i}", f"{kind}>{j - i}{cap}"]
                    break
        for kind in ("ORG", "LOC", "PER"):
            for j in range(i - 1, max(-1, i - 4), -1):
                if words[j] in CUE_BREAK:
                    break
                if kind in kinds[j]:
                    f.append(f"{kind}<{i - j}")
                    break
    i = 0
    while i < n:
        if words[i] in ("«", '"', "“"):
            close = next(
                (j for j in range(i + 1, min(n, i + 12)) if words[j] in ("»", '"', "”")), None
            )
            if close is not None:
                after = stems[close + 1] if close + 1 < n else "<end>"
                named = [f"qk={kind}" for kind in kinds[close + 1]] if close + 1 < n else []
                for j in range(i + 1, close):
                    out[j] += ["inq", f"qn={after}", f"qd={min(close - j, 4)}", *named]
                out[i].append(f"qopen={after}")
                out[close].append(f"qclose={after}")
                i = close
        i += 1
    return out


def features(
    lang: str, words: Sequence[str], places: frozenset[str], lexicon: Lexicon | None = None
) -> list[list[str]]:
    """The CRF's features of each token of one sentence (`words` as written); with a lexicon,
    its cue words' too."""
    norm = [normal(w) for w in words]
    stems = [kazakh_stem(w) for w in norm] if lang == "kk" else norm
    marks = marks_of(lang, norm, places)
    extra = cue_features(words, norm, stems, lexicon) if lexicon else [[] for _ in words]
    if lexicon and lexicon.guesses:
        for f, k in zip(extra, guess_features(stems, lexicon.guesses), strict=True):
            f += k
    own = []
    for word, low, stem, mark in zip(words, norm, stems, marks, strict=True):
        f = [
            f"w={low}",
            f"s={stem}",
            f"p2={low[:2]}",
            f"p3={low[:3]}",
            f"x2={low[-2:]}",
            f"x3={low[-3:]}",
            f"x4={low[-4:]}",
            f"sh={shape(word)}",
            f"g={mark}",
        ]
        if len(low) <= 2:
            f.append("short")
        own.append(f)
    out = []
    for i, f in enumerate(own):
        row = ["bias", *f]
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < len(words):
                row += [f"{d}w={norm[j]}", f"{d}s={stems[j]}", f"{d}g={marks[j]}"]
                if abs(d) == 1:
                    row += [f"{d}sh={shape(words[j])}", f"{d}x3={norm[j][-3:]}"]
            else:
                row.append(f"{d}edge")
        if i > 0:
            row.append(f"-1w|w={norm[i - 1]}|{norm[i]}")
        if i + 1 < len(words):
            row.append(f"w|+1w={norm[i]}|{norm[i + 1]}")
        if i == 0:
            row.append("first")
        out.append(row + extra[i])
    return out


SENTENCE_END = re.compile(r"[.!?؟…]|\n")


def sentences(found: Sequence[Token]) -> Iterator[list[Token]]:
    """Tokens in sentences: cut after a full stop, question or exclamation mark (Persian ؟ too),
    and at line ends; a run of more than 120 tokens is cut as well (a list, a table)."""
    current: list[Token] = []
    for token in found:
        current.append(token)
        if (SENTENCE_END.fullmatch(token.text) and len(current) > 1) or len(current) >= 120:
            yield current
            current = []
    if current:
        yield current


def spans_of(tags: Sequence[str], found: Sequence[Token]) -> Iterator[tuple[int, int, str]]:
    """(start, end, type) of each run of B-/I- tags of one type, by the tokens' offsets."""
    start: Token | None = None
    kind = ""
    last: Token | None = None
    for tag, token in zip((*tags, "O"), (*found, None), strict=True):
        if start is not None and last is not None and (tag[:2] != "I-" or tag[2:] != kind):
            yield start.start, last.end, kind
            start = None
        if tag[:2] == "B-" or (tag[:2] == "I-" and start is None):
            start, kind = token, tag[2:]
        last = token


class Tagger:
    """One language's CRF, the place list its features look up and its lexicon, if any."""

    def __init__(
        self, lang: str, model: Any, places: frozenset[str], lexicon: Lexicon | None = None
    ) -> None:
        self.lang = lang
        self.model = model
        self.places = places
        self.lexicon = lexicon
        self.method = f"crf-{lang}"  # Mention.method of what it finds

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, PER|LOC|ORG) of each name in the text, offsets into it."""
        found = []
        for sentence in sentences(tokens(text)):
            words = [t.text for t in sentence]
            tags = self.model.tag(features(self.lang, words, self.places, self.lexicon))
            for start, end, kind in spans_of(tags, sentence):
                if kind in KEPT:
                    found.append((start, end, KEPT[kind]))
        return found


def read_places(lines: Iterable[str]) -> frozenset[str]:
    return frozenset(line.strip() for line in lines if line.strip())


class NameTagger(Protocol):
    lang: str
    method: str

    def spans(self, text: str) -> list[tuple[int, int, str]]: ...


def tagger(lang: str) -> NameTagger:
    """The shipped model of a language (fa, prs or kk), loaded once per process: the BiLSTM-CRF
    where one ships (`{lang}.lstm.pt`), else the CRF (with its cue words, `{lang}.cues.txt`,
    where they ship)."""
    return _load(MODEL_OF[lang])


@functools.cache
def _load(name: str) -> NameTagger:
    folder = resources.files(WEIGHTS)
    places = read_places((folder / f"{name}.places.txt").read_text(encoding="utf-8").splitlines())
    if (folder / f"{name}.lstm.pt").is_file():
        from outpost.analyze import ner_lstm

        return ner_lstm.load(name, folder, places)
    lexicon = None
    if (folder / f"{name}.cues.txt").is_file():
        lexicon = read_lexicon(
            (folder / f"{name}.cues.txt").read_text(encoding="utf-8").splitlines()
        )
        guesses = folder / f"{name}.guesses.txt"
        if guesses.is_file():
            text = guesses.read_text(encoding="utf-8")
            lexicon = Lexicon(lexicon.cues, read_guesses(text.splitlines()))
    return crf(name, places, lexicon)


def crf(lang: str, places: frozenset[str], lexicon: Lexicon | None = None) -> Tagger:
    """The shipped CRF of a language, with the place list and the lexicon given."""
    import pycrfsuite

    model = pycrfsuite.Tagger()
    with resources.as_file(resources.files(WEIGHTS) / f"{lang}.crfsuite") as path:
        model.open(str(path))
    return Tagger(lang, model, places, lexicon)
