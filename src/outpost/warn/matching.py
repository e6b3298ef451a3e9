"""Does an analysed article meet a watch rule, and with what evidence; its CAP 1.2 grading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from outpost.records import Doc, Event
from outpost.warn.rules import Rule

VIOLENT_GROUPS = ("battles", "explosions", "civilians", "riots")


@dataclass(frozen=True)
class Evidence:
    """One reason the rule matched: a sentence of the article and what it shows."""

    article: str  # uid
    kind: str  # event, threat, keyword, place, actor
    label: str  # the event type, domain, keyword, place or actor
    sentence: str
    confidence: float


def match(rule: Rule, doc: Doc, spike: float = 0.0) -> tuple[Evidence, ...] | None:
    """The evidence when every criterion of the rule holds, else None."""
    events = [e for e in doc.events if e.confidence >= rule.min_confidence]
    found: list[Evidence] = []
    for check in (_domains, _event_types, _actors, _places, _keywords):
        evidence = check(rule, doc, events)
        if evidence is None:
            return None
        found += evidence
    if rule.min_spike is not None and spike < rule.min_spike:
        return None
    return tuple(found) or (Evidence(doc.id, "article", "", _lead(doc), 1.0),)


def _event_evidence(doc: Doc, event: Event, kind: str, label: str) -> Evidence:
    return Evidence(doc.id, kind, label, event.evidence, event.confidence)


def _domains(rule: Rule, doc: Doc, events: list[Event]) -> list[Evidence] | None:
    if not rule.domains:
        return []
    found = [
        Evidence(doc.id, "threat", t.domain, t.evidence, t.score)
        for t in doc.threats
        if t.domain in rule.domains and t.score >= rule.min_confidence
    ]
    found += [
        _event_evidence(doc, e, "event", d) for e in events for d in e.domains if d in rule.domains
    ]
    return found or None


def _event_types(rule: Rule, doc: Doc, events: list[Event]) -> list[Evidence] | None:
    if not rule.event_types:
        return []
    found = [_event_evidence(doc, e, "event", e.type) for e in events if e.type in rule.event_types]
    label = doc.event_type
    if label and label.label in rule.event_types and label.score >= rule.min_confidence:
        found.append(Evidence(doc.id, "event", label.label, _lead(doc), label.score))
    return found or None


def _actors(rule: Rule, doc: Doc, events: list[Event]) -> list[Evidence] | None:
    if not rule.actors:
        return []
    named = {m.kb_id: m for m in doc.mentions if m.kb_id in rule.actors}
    found = [
        _event_evidence(doc, e, "actor", a)
        for e in events
        for a in (*e.actors, *e.targets)
        if a in rule.actors
    ]
    found += [
        Evidence(doc.id, "actor", kb, _sentence(doc, m.start), m.confidence)
        for kb, m in named.items()
        if kb is not None
    ]
    return found or None


def _places(rule: Rule, doc: Doc, events: list[Event]) -> list[Evidence] | None:
    if not (rule.countries or rule.divisions or rule.near):
        return []
    places = [*doc.places, *(e.place for e in events if e.place)]
    found = []
    for p in places:
        division = (p.admin1 or "").upper()
        division = division if "-" in division else f"{p.country}-{division}"
        if (
            (rule.countries and p.country in rule.countries)
            or (rule.divisions and division in rule.divisions)
            or (rule.near and rule.near.holds(p.lat, p.lon))
        ):
            found.append(Evidence(doc.id, "place", p.name, _sentence(doc, p.start), p.confidence))
    return found or None


def _keywords(rule: Rule, doc: Doc, events: list[Event]) -> list[Evidence] | None:
    if not rule.keywords:
        return []
    text = doc.text.casefold()
    found = []
    for keyword in rule.keywords:
        at = text.find(keyword)
        if at >= 0:
            found.append(Evidence(doc.id, "keyword", keyword, _sentence(doc, at), 1.0))
        elif doc.title and keyword in doc.title.casefold():
            found.append(Evidence(doc.id, "keyword", keyword, doc.title, 1.0))
    return found or None


def _sentence(doc: Doc, at: int) -> str:
    """The sentence of the original text around offset `at` (at most 300 characters)."""
    text = doc.text
    start = max(text.rfind(". ", 0, at), text.rfind("\n", 0, at)) + 1
    ends = [i for i in (text.find(". ", at), text.find("\n", at)) if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    return text[start:end].strip()[:300]


def _lead(doc: Doc) -> str:
    return doc.title or _sentence(doc, 0)


@dataclass(frozen=True)
class Grade:
    """CAP 1.2 severity, urgency and certainty (lower case)."""

    severity: str
    urgency: str
    certainty: str


def grade(
    rule: Rule,
    evidence: tuple[Evidence, ...],
    published: datetime,
    now: datetime,
    violent: frozenset[str],
) -> Grade:
    """Severity from the rule, else from what happened; urgency from how recent; certainty
    from how sure the evidence is (an event observed in a sentence is more than a threat word)."""
    types = {e.label for e in evidence if e.kind == "event"}
    severity = rule.severity or (
        "severe" if types & violent else "moderate" if evidence else "minor"
    )
    age = now - published
    urgency = (
        "immediate"
        if age <= timedelta(days=1)
        else "expected"
        if age <= timedelta(days=3)
        else "past"
    )
    best = max((e.confidence for e in evidence if e.kind in ("event", "threat")), default=0.0)
    certainty = "observed" if best >= 0.8 else "likely" if best >= 0.5 else "possible"
    return Grade(severity, urgency, certainty)
