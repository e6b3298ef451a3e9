"""Events: who did what to whom, where and when, each with the sentence that proves it.

A sentence becomes a candidate when it has an event word (a verb such as "attacked",
"detained", "agreed", «задержали», «провели учения»): classifying every sentence of every
article would cost more than the rest of the pipeline together. Candidates from the whole
batch are typed at once by the event-type classifier (character n-grams), and words that
name an event's kind outright tip close calls (`event_words.cued`). Each kept event takes its
actors and targets from the parse of its sentence (subjects and objects of the trigger verb;
only kept sentences with a possible party are parsed) or, without one, from the names before
and after the trigger; its place from the sentence or the article's focus; its date from the
sentence or the article's event date; its threat domains from the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from outpost.analyze.edits import original_span
from outpost.analyze.event_words import TRIGGERS, WORD_REST, cued, first_trigger
from outpost.kb.actors import load_kb
from outpost.records import Clause, DateMention, Doc, Event, Label, Mention, Place, Span

# Below this the sentence classifier (30+ types, character n-grams) is guessing. Chosen on the
# labelled set in benchmarks/events: 0.15 gives the best F1 of events found with the right type.
MIN_SCORE = 0.15
# Types whose sides act together: everyone named takes part, no one is done to.
JOINT = {"MEETING", "AGREEMENT"}
MAX_PER_DOC = 12  # the first candidates of a long article: news tells its events early


Classify = Callable[[Sequence[str]], list[tuple[Label, ...]]]
Parse = Callable[[Sequence[tuple[int, str]]], list[list[Clause]]]  # (offset, sentence) → clauses
Domains = Callable[[str, str | None], list[str]]


@dataclass(frozen=True)
class Candidate:
    doc: int
    sentence: Span  # in the cleaned text
    trigger: Span


class EventStage:
    name = "events"

    def __init__(
        self,
        classify: Classify,
        domains: Domains,
        parse: Parse | None = None,
        min_score: float = MIN_SCORE,
    ) -> None:
        self.classify = classify
        self.domains = domains
        self.parse = parse
        self.min_score = min_score

    def __call__(self, doc: Doc) -> Doc:
        return self.pipe([doc])[0]

    def pipe(self, docs: Sequence[Doc]) -> list[Doc]:
        candidates = [c for i, doc in enumerate(docs) for c in candidates_of(doc, i)]
        texts = [docs[c.doc].clean[c.sentence.start : c.sentence.end] for c in candidates]
        ranking = self.classify(texts) if texts else []
        labels = [cued(text, ranked) for text, ranked in zip(texts, ranking, strict=True)]
        kept = [
            (c, ranked[0])
            for c, ranked in zip(candidates, labels, strict=True)
            if ranked and ranked[0].score >= self.min_score
        ]
        # Who acted and who was acted on: a joint event's sides are all actors, so only the
        # others need the parse.
        docs = self._with_clauses(docs, [c for c, label in kept if label.label not in JOINT])
        found: list[list[Event]] = [[] for _ in docs]
        for candidate, label in kept:
            doc = docs[candidate.doc]
            candidate = replace(
                candidate, trigger=_trigger(doc, candidate.sentence) or candidate.trigger
            )
            found[candidate.doc].append(self._event(doc, candidate, label))
        return [replace(doc, events=tuple(found[i])) for i, doc in enumerate(docs)]

    def _with_clauses(self, docs: Sequence[Doc], kept: Sequence[Candidate]) -> list[Doc]:
        """The docs with the clauses of their kept English sentences: parsed after typing, so
        that only sentences that became events are parsed."""
        # A sentence without a name that could be a party has no one for the parse to place.
        english = [
            c
            for c in kept
            if _english_at(docs[c.doc], c.sentence.start) and party_names(docs[c.doc], c.sentence)
        ]
        if self.parse is None or not english:
            return list(docs)
        sentences = [
            (c.sentence.start, docs[c.doc].clean[c.sentence.start : c.sentence.end])
            for c in english
        ]
        clauses: list[list[Clause]] = [[] for _ in docs]
        for c, found in zip(english, self.parse(sentences), strict=True):
            clauses[c.doc].extend(found)
        return [
            replace(doc, clauses=doc.clauses + tuple(clauses[i])) if clauses[i] else doc
            for i, doc in enumerate(docs)
        ]

    def _event(self, doc: Doc, c: Candidate, label: Label) -> Event:
        start, end = _original(doc, c.sentence)
        actors, targets = roles(label.label, *parties(doc, c))
        place = _place_in(doc, start, end) or doc.focus
        when, deadline = _dates_in(doc, start, end)
        evidence = doc.text[start:end]
        confidence = label.score * (0.8 + 0.1 * bool(actors) + 0.1 * bool(place))
        return Event(
            type=label.label,
            score=label.score,
            evidence=evidence,
            start=start,
            end=end,
            trigger=doc.clean[c.trigger.start : c.trigger.end],
            actors=actors,
            targets=targets,
            place=place,
            date=when,
            deadline=deadline,
            domains=tuple(self.domains(evidence, doc.lang)),
            confidence=round(min(confidence, 1.0), 3),
        )


def candidates_of(doc: Doc, index: int) -> list[Candidate]:
    found = []
    for sentence in doc.sentences:
        text = doc.clean[sentence.start : sentence.end]
        match = first_trigger(text)
        if match is None or len(text) < 25:
            continue
        word_end = match.end() + len(WORD_REST.match(text, match.end()).group())  # type: ignore[union-attr]
        trigger = _trigger(doc, sentence) or Span(
            sentence.start + match.start(), sentence.start + word_end
        )
        found.append(Candidate(index, sentence, trigger))
    return found[:MAX_PER_DOC]


def _english_at(doc: Doc, offset: int) -> bool:
    """Whether the paragraph at this offset of the cleaned text is English."""
    for span, lang in doc.paragraphs:
        if span.start <= offset < span.end:
            return (lang or doc.lang) == "en"
    return doc.lang == "en"


def _trigger(doc: Doc, sentence: Span) -> Span | None:
    """The first clause verb of the sentence that is an event word."""
    for clause in _clauses_in(doc, sentence):
        word = doc.clean[clause.verb.start : clause.verb.end].lower()
        if TRIGGERS.match(word) or TRIGGERS.match(clause.lemma.lower()):
            return clause.verb
    return None


def _clauses_in(doc: Doc, sentence: Span) -> list[Clause]:
    return [c for c in doc.clauses if sentence.start <= c.verb.start < sentence.end]


def party_names(doc: Doc, sentence: Span) -> list[Mention]:
    """The names in the sentence that can be a party: people, organisations and states act;
    towns and regions are where, not who (a "person" or "organisation" the gazetteer resolved
    as a town is a place too), and so is a country the sentence is in or about."""
    start, end = _original(doc, sentence)
    towns = [(p.start, p.end) for p in doc.places if p.kind != "country" and start <= p.start < end]
    return [
        m
        for m in doc.mentions
        if start <= m.start < end
        and (m.type in ("PER", "ORG") or (m.kb_id or "").startswith("country:"))
        and not (m.kb_id is None and any(a < m.end and m.start < b for a, b in towns))
        and not _where_or_about(doc, m)
    ]


def parties(doc: Doc, c: Candidate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Actors and targets: from the trigger's clause when there is a parse, else the names
    before the trigger and after it."""
    names = party_names(doc, c.sentence)
    clause = next((cl for cl in _clauses_in(doc, c.sentence) if cl.verb == c.trigger), None)
    trigger_at = _original(doc, c.trigger)[0]
    if clause is not None:
        actors = _within(doc, names, clause.subjects)
        targets = _within(doc, names, clause.objects)
    else:
        actors = [m for m in names if m.end <= trigger_at]
        targets = [m for m in names if m.start >= trigger_at]
    return _ids(actors), _ids([m for m in targets if m not in actors])


def roles(
    label: str, actors: tuple[str, ...], targets: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Actors and targets as the event type reads them: "Putin met Erdogan" has two actors."""
    if label in JOINT:
        actors, targets = tuple(dict.fromkeys(actors + targets)), ()
    return _without_own_states(actors), _without_own_states(targets)


def _without_own_states(ids: tuple[str, ...]) -> tuple[str, ...]:
    """ "Russian President Vladimir Putin" names Russia to say whose president he is: a state
    is no second party beside one of its own people or bodies."""
    kb = load_kb()  # read once per process
    countries = set()
    for kb_id in ids:
        entity = kb.get(kb_id) if not kb_id.startswith("country:") else None
        if entity is not None and entity.country:
            countries.add(f"country:{entity.country}")
    return tuple(i for i in ids if i not in countries)


# "killed in Afghanistan", "talks on Afghanistan", «ситуацию в Афганистане»: a country after
# one of these words is where or what, not who.
PLACE_WORDS = re.compile(
    r"\b(in|at|near|across|inside|throughout|within|on|about|over|regarding|from|"
    r"в|во|на|по|о|об|обо|из|около|вблизи)\s+(the\s+)?$",
    re.IGNORECASE,
)


def _where_or_about(doc: Doc, m: Mention) -> bool:
    if not (m.kb_id or "").startswith("country:"):
        return False
    return PLACE_WORDS.search(doc.text[max(0, m.start - 20) : m.start]) is not None


def _within(doc: Doc, names: list[Mention], spans: Sequence[Span]) -> list[Mention]:
    ranges = [_original(doc, s) for s in spans]
    return [m for m in names if any(s <= m.start and m.end <= e for s, e in ranges)]


def _ids(mentions: list[Mention]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.kb_id or m.name for m in mentions))


def _original(doc: Doc, span: Span) -> tuple[int, int]:
    return original_span(doc.offsets, span.start, span.end)


# "attacked in Kabul", «учения на полигоне»: the words that say where something happened.
LOCATIVE = re.compile(
    r"\b(in|at|near|inside|outside|across|throughout|within|into|"
    r"в|во|на|около|вблизи|под)\s+(the\s+)?$",
    re.IGNORECASE,
)


def _place_in(doc: Doc, start: int, end: int) -> Place | None:
    """Where the sentence says it happened: a place after "in", "at", "near" first, else a
    town or province it names; a country named without such a word is more often whose
    ("a British Embassy car", "Three Americans") than where, so the article's focus wins."""
    inside = [p for p in doc.places if start <= p.start < end]
    located = [p for p in inside if LOCATIVE.search(doc.text[max(0, p.start - 20) : p.start])]
    below_country = [p for p in inside if p.kind != "country"]
    chosen = located or below_country or ([] if doc.focus else inside)
    # the most specific: a city before a province before a country
    rank = {"city": 0, "feature": 0, "admin1": 1, "region": 3, "country": 2}
    return min(chosen, key=lambda p: (rank.get(p.kind, 4), -p.confidence), default=None)


def _dates_in(doc: Doc, start: int, end: int) -> tuple[str | None, str | None]:
    """The event's date (the sentence's own, else the article's event date, else the day of
    publication) and, for a commitment, its deadline."""
    inside: list[DateMention] = [d for d in doc.dates if start <= d.start < end]
    deadline = next((d.value for d in inside if d.role == "deadline"), None)
    own = next((d.value for d in inside if d.role == "event"), None)
    own = own or next((d.value for d in inside if d.role == "mention"), None)
    article = next((d.value for d in doc.dates if d.role == "event"), None)
    published = doc.published.date().isoformat() if doc.published else None
    return own or article or published, deadline
