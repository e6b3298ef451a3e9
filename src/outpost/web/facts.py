"""An article's text cut into parts at its facts' offsets, so the page prints each part as
escaped text inside the element its kind calls for (a link to an actor, a place, a date) and
never builds markup out of the article.

Facts overlap (a country is a mention linked to the knowledge base and a place; a place
may sit inside a longer name): each stretch of text shows one, the first of ACTOR, PLACE,
DATE, NAME that covers it, and a fact that overlaps one already shown is left out (the
lists beside the text still name it).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from outpost.kb.actors import load_kb
from outpost.records import ArticleFacts, DateMention, Mention, Place

ACTOR, PLACE, DATE, NAME = "actor", "place", "date", "name"
PRIORITY = {ACTOR: 0, PLACE: 1, DATE: 2, NAME: 3}


@dataclass(frozen=True)
class Part:
    """A stretch of the text: plain (kind None) or one fact."""

    text: str
    kind: str | None = None
    key: str | None = None  # ACTOR: the knowledge-base id; DATE: its ISO value
    place: Place | None = None
    mention: Mention | None = None


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str
    key: str | None = None
    place: Place | None = None
    mention: Mention | None = None


def parts(text: str, facts: ArticleFacts | None) -> list[Part]:
    """The text in parts; offsets that do not fit it (an article changed after it was
    analysed) mark nothing."""
    if facts is None:
        return [Part(text)] if text else []
    chosen = _chosen(_spans(facts), len(text))
    found, at = [], 0
    for span in chosen:
        if span.start > at:
            found.append(Part(text[at : span.start]))
        found.append(
            Part(text[span.start : span.end], span.kind, span.key, span.place, span.mention)
        )
        at = span.end
    if at < len(text):
        found.append(Part(text[at:]))
    return found


def _spans(facts: ArticleFacts) -> list[_Span]:
    kb = load_kb()
    spans = [_mention(m, kb.get(m.kb_id) is not None if m.kb_id else False) for m in facts.mentions]
    spans += [_Span(p.start, p.end, PLACE, place=p) for p in facts.places]
    spans += [_date(d) for d in facts.dates]
    return spans


def _mention(m: Mention, known: bool) -> _Span:
    if known:
        return _Span(m.start, m.end, ACTOR, key=m.kb_id, mention=m)
    return _Span(m.start, m.end, NAME, mention=m)


def _date(d: DateMention) -> _Span:
    return _Span(d.start, d.end, DATE, key=d.value)


def _chosen(spans: list[_Span], length: int) -> list[_Span]:
    """The spans shown, in text order: by priority, then position, none overlapping."""
    starts: list[int] = []  # of the spans taken, sorted, with their ends alongside
    ends: list[int] = []
    taken: list[_Span] = []
    ranked = sorted(spans, key=lambda s: (PRIORITY[s.kind], s.start, s.start - s.end))
    for span in ranked:
        if not 0 <= span.start < span.end <= length:
            continue
        i = bisect.bisect_left(starts, span.start)
        if i > 0 and ends[i - 1] > span.start:  # the one before runs into it
            continue
        if i < len(starts) and starts[i] < span.end:  # it runs into the one after
            continue
        starts.insert(i, span.start)
        ends.insert(i, span.end)
        taken.insert(i, span)
    return taken


def actors_of(facts: ArticleFacts | None) -> list[tuple[str, int]]:
    """The knowledge-base actors the article mentions, with how often, most often first."""
    if facts is None:
        return []
    kb = load_kb()
    counts: dict[str, int] = {}
    for m in facts.mentions:
        if m.kb_id and kb.get(m.kb_id) is not None:
            counts[m.kb_id] = counts.get(m.kb_id, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def places_of(facts: ArticleFacts | None) -> list[Place]:
    """The places the article mentions, each once (the first mention), in text order."""
    if facts is None:
        return []
    seen: set[object] = set()
    found = []
    for p in facts.places:
        key = p.geonames_id or (p.name, p.country)
        if key not in seen:
            seen.add(key)
            found.append(p)
    return found
