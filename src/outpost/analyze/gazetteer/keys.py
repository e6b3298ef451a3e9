"""Index keys of a name: folded (case, accents, dots, apostrophes, hyphens), lemmatised for
Cyrillic, and stripped of Turkic case endings."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from outpost.analyze.gazetteer.tables import tables

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
WORD = re.compile(r"\w+")
APOSTROPHES = dict.fromkeys(map(ord, "'’‘`ʻʼ´"), None)
COMBINING = re.compile(r"[\u0300-\u036f\u0483-\u0489\u064b-\u065f\u0670\u06d6-\u06ed]")
SEPARATORS = re.compile(r"[\-‐‑–—_/,()\[\]\"«»]+")
FOLDS = {ord("ё"): "е", ord("ي"): "ی", ord("ك"): "ک", ord("\u200c"): " ", ord("."): None}
TURKIC = frozenset("uz kk ky tk az tr tt ba".split())


def norm(text: str) -> str:
    """The index key of a name: case, accents, dots, apostrophes and hyphens folded."""
    text = text.casefold().translate(FOLDS)
    if not text.isascii():  # the fast path matters: the build folds two million names
        text = COMBINING.sub("", unicodedata.normalize("NFKD", text))
    text = SEPARATORS.sub(" ", text.translate(APOSTROPHES))
    return " ".join(text.split())


@functools.cache
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=200_000)
def _lemmas(word: str) -> tuple[str, ...]:
    """Normal forms of a Russian word, place-name readings (Geox) first, at most two."""
    parses = _morph().parse(word)
    ordered = sorted(parses, key=lambda p: "Geox" not in p.tag)
    forms = dict.fromkeys(p.normal_form for p in ordered)
    return tuple(forms)[:2]


def lemma_keys(text: str) -> list[str]:
    """Keys of a Cyrillic name with every word lemmatised («Нагорном Карабахе» -> two words)."""
    words = WORD.findall(text.casefold())
    if not words or len(words) > 5 or not CYRILLIC.search(text):
        return []
    keys: list[list[str]] = [[]]
    for word in words:
        options = _lemmas(word) if CYRILLIC.search(word) else (word,)
        keys = [[*k, o] for k in keys for o in options][:4]
    return list(dict.fromkeys(norm(" ".join(k)) for k in keys))


def strip_suffix(key: str, index: dict[str, tuple[int, ...]]) -> str:
    """Turkic case endings off a one-word name: Toshkentda, Afgʻonistondan -> the stem."""
    for suffix in tables().turkic_suffixes:
        stem = key[: -len(suffix)]
        if key.endswith(suffix) and len(stem) >= 4 and stem in index:
            return stem
    return key
