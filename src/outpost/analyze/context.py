"""Which state a passage is about, to settle a name that bodies of several states share.

«ГКНБ» is Kyrgyzstan's State Committee for National Security in a report from Bishkek and
Tajikistan's in one from Dushanbe; «МВД» and "Foreign Ministry" are every state's. Each clue
to a state in the article votes for it: the states and the actors of one state that linking
found, the words the knowledge base gives as a state's clues («киргизского», "Tajik"), the
places the gazetteer knows («Оше», "Khujand"), and the language of the article when it is a
state's own (Tajik, Kyrgyz; never Russian or English, read across the region). A clue right
beside the name counts most («ГКНБ Таджикистана», "Kyrgyzstan's GKNB", «киргизского ГКНБ»),
then one in the same sentence, then one in the paragraph, then one elsewhere in the article.

The name goes to the candidate whose state wins clearly, with twice the votes of any other
state (a candidate's or not: "Japan's Foreign Ministry" in an article that also names Russia is
not Russia's). Where it does not, the same name settled elsewhere in the article lends its
identity, when all its settled mentions agree (one sense per article); otherwise it links to
none, as a surname two people share does.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from outpost.analyze.edits import original_span
from outpost.analyze.linking import Candidates, fold
from outpost.kb.actors import KnowledgeBase
from outpost.records import Doc, Entity, Mention, Span

# A clue's vote by how near the name it is.
BESIDE, SENTENCE, PARAGRAPH, ARTICLE = 8.0, 4.0, 2.0, 1.0
BETWEEN = frozenset({"", "'s", "’s"})  # what may stand between a name and a clue beside it
LANGUAGE = 2.0  # the article written in a state's own language
MARGIN = 2.0  # the winner needs this many times the votes of any other state
CONTEXT = 0.9  # a link made by context is a little less sure than one made by the name
WORD = re.compile(r"\w+(?:['’ʼʻ`]\w+)*")
KIND_RANK = {"country": 3, "admin1": 2, "city": 1}  # which reading of a place to trust
MIN_PLACE = 3  # letters: the scan offers a capitalised «В» at a sentence's start as a place


@dataclass(frozen=True)
class Clue:
    """A stretch of the article that points to a state."""

    start: int  # in the original text, like mentions
    end: int
    country: str  # ISO 3166-1 alpha-2


def settle(
    doc: Doc,
    mentions: Sequence[Mention],
    shared: Mapping[int, Candidates],
    kb: KnowledgeBase,
    gazetteer: Any = None,
) -> list[Mention]:
    """The mentions, with each shared name (index -> its candidates) linked where the
    context decides; `method` says "context". The gazetteer (optional) adds places as clues."""
    out = list(mentions)
    if not shared:
        return out
    pending = [(out[i].start, out[i].end) for i in shared]
    found = clues(doc, out, kb, gazetteer, pending)
    chosen = {i: choose(c, votes(doc, out[i], found, kb)) for i, c in shared.items()}
    for i, candidates in shared.items():
        pick = chosen[i] or _agreed(candidates, shared, chosen)
        if pick is not None:
            entity, confidence = pick
            out[i] = replace(
                out[i],
                kb_id=entity.id,
                name=entity.name,
                type=entity.type,
                confidence=round(confidence * CONTEXT, 3),
                method="context",
            )
    return out


def _agreed(
    candidates: Candidates,
    shared: Mapping[int, Candidates],
    chosen: Mapping[int, tuple[Entity, float] | None],
) -> tuple[Entity, float] | None:
    """The one actor the same shared name was settled to elsewhere in the article."""
    ids = {e.id for e, _ in candidates}
    picks = {
        pick[0].id: pick
        for i, pick in chosen.items()
        if pick is not None and {e.id for e, _ in shared[i]} == ids
    }
    return next(iter(picks.values())) if len(picks) == 1 else None


def choose(candidates: Candidates, votes: Mapping[str, float]) -> tuple[Entity, float] | None:
    """The candidate of the state that wins by MARGIN, or None."""
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] <= 0:
        return None
    top, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if score < MARGIN * runner_up:
        return None
    return next(((e, c) for e, c in candidates if e.country == top), None)


def votes(doc: Doc, mention: Mention, found: Sequence[Clue], kb: KnowledgeBase) -> dict[str, float]:
    """Each state's votes around one mention."""
    sentence = _around(mention.start, _original(doc, doc.sentences))
    paragraph = _paragraph(doc, mention.start)
    counted: defaultdict[str, float] = defaultdict(float)
    for clue in found:
        if clue.start < mention.end and mention.start < clue.end:
            continue
        counted[clue.country] += (
            BESIDE
            if _beside(doc.text, mention, clue)
            else SENTENCE
            if _within(clue, sentence)
            else PARAGRAPH
            if _within(clue, paragraph)
            else ARTICLE
        )
    # The article's language, not the paragraph's: a short Russian paragraph is often
    # guessed as Kyrgyz or Bulgarian.
    for code in kb.states_speaking(doc.lang):
        counted[code] += LANGUAGE
    return dict(counted)


def clues(
    doc: Doc,
    mentions: Sequence[Mention],
    kb: KnowledgeBase,
    gazetteer: Any = None,
    pending: Sequence[tuple[int, int]] = (),
) -> list[Clue]:
    """Every clue to a state in the article: linked actors of one state first, then the KB's
    clue words and the gazetteer's places where no mention already stands."""
    found = [
        Clue(m.start, m.end, country)
        for m in mentions
        if m.kb_id and (country := _country(kb.get(m.kb_id)))
    ]
    taken = [(c.start, c.end) for c in found] + list(pending)
    for clue in (*_clue_words(doc.text, kb), *_places(doc, mentions, gazetteer)):
        if all(clue.end <= s or e <= clue.start for s, e in taken):
            found.append(clue)
            taken.append((clue.start, clue.end))
    return found


def _country(entity: Entity | None) -> str | None:
    return entity.country if entity is not None else None


def _clue_words(text: str, kb: KnowledgeBase) -> Iterator[Clue]:
    prefixes = [
        (fold(word), ident.partition(":")[2]) for ident, words in kb.clues.items() for word in words
    ]
    for match in WORD.finditer(text):
        word = fold(match.group())
        for prefix, code in prefixes:
            if word.startswith(prefix):
                yield Clue(match.start(), match.end(), code)
                break


def _places(doc: Doc, mentions: Sequence[Mention], gazetteer: Any) -> Iterator[Clue]:
    """Places the recogniser found but the KB does not know («Оше», "Khujand"), and those a
    dictionary scan of the gazetteer finds (for languages without a recogniser)."""
    if gazetteer is None:
        return
    from outpost.analyze.places import scan

    spans = [
        (m.start, m.end, m.name or m.text) for m in mentions if m.type == "LOC" and not m.kb_id
    ]
    spans += [(s, e, doc.text[s:e]) for s, e in scan(doc.text, doc.lang, gazetteer)]
    for start, end, name in spans:
        if len(name) < MIN_PLACE:
            continue
        candidates = gazetteer.lookup(name, doc.lang)
        if candidates:
            best = max(
                candidates,
                key=lambda c: (KIND_RANK.get(c.entry.kind, 0), c.alias, c.entry.population),
            )
            if best.entry.country:
                yield Clue(start, end, best.entry.country)


def _original(doc: Doc, spans: Sequence[Span]) -> list[Span]:
    return [Span(*original_span(doc.offsets, s.start, s.end)) for s in spans]


def _around(at: int, spans: Sequence[Span]) -> Span | None:
    return next((s for s in spans if s.start <= at < s.end), None)


def _paragraph(doc: Doc, at: int) -> Span | None:
    return _around(at, _original(doc, [span for span, _ in doc.paragraphs]))


def _beside(text: str, mention: Mention, clue: Clue) -> bool:
    gap = (
        text[mention.end : clue.start]
        if clue.start >= mention.end
        else text[clue.end : mention.start]
    )
    return len(gap) <= 3 and gap.strip() in BETWEEN


def _within(clue: Clue, span: Span | None) -> bool:
    return span is not None and span.start <= clue.start and clue.end <= span.end
