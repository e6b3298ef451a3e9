"""The passage of an article a search hit shows: around the first word that matches the query
the way the full-text index matched it (the start of a word, its stem: "Афганистане" finds
"Афганистана"), with every matching word in it marked. The page prints the parts escaped,
<mark> around the matched ones."""

from __future__ import annotations

import re

from outpost.store.dialect import query_terms
from outpost.store.errors import SearchRefusedError

AROUND = 110  # characters shown before the first match, and about twice that after it
SHOWN = 320


def excerpt(text: str, q: str) -> list[tuple[str, bool]]:
    """(text, matched) parts of the passage; the text's start when nothing matches."""
    pattern = _pattern(q)
    first = pattern.search(text) if pattern else None
    start = _word_start(text, max(0, first.start() - AROUND)) if first else 0
    end = min(len(text), start + SHOWN)
    passage = " ".join(text[start:end].split())
    found: list[tuple[str, bool]] = [("… ", False)] if start > 0 else []
    at = 0
    for match in pattern.finditer(passage) if pattern else ():
        found += [(passage[at : match.start()], False), (match.group(), True)]
        at = match.end()
    found.append((passage[at:] + (" …" if end < len(text) else ""), False))
    return [part for part in found if part[0]]


def _pattern(q: str) -> re.Pattern[str] | None:
    try:
        terms = query_terms(q)
    except SearchRefusedError:
        return None
    if not terms:
        return None
    words = sorted((re.escape(t.text) + (r"\w*" if t.prefix else r"\b") for t in terms), key=len)
    return re.compile(r"\b(?:" + "|".join(reversed(words)) + ")", re.IGNORECASE)


def _word_start(text: str, at: int) -> int:
    """`at`, moved on to the start of the next word unless it is at one."""
    if at == 0 or text[at - 1].isspace():
        return at
    space = text.find(" ", at, at + 40)
    return space + 1 if space >= 0 else at
