"""Assessments as rules: the fixed scales (estimative language, analytic confidence, the
Admiralty code) and what a valid assessment is. Pure: the services check targets and
evidence against the store.
"""

from __future__ import annotations

from dataclasses import replace

from outpost.records import AssessmentDraft, Judgement
from outpost.respond.checks import InvalidError, choice, ids, number, story, text, title

# The estimative scale, least likely first (the words of ICD 203's probability scale).
LIKELIHOODS = (
    "almost no chance",
    "very unlikely",
    "unlikely",
    "roughly even chance",
    "likely",
    "very likely",
    "almost certain",
)
CONFIDENCES = ("low", "moderate", "high")
RELIABILITY = ("A", "B", "C", "D", "E", "F")  # completely reliable ... cannot be judged
CREDIBILITY = (1, 2, 3, 4, 5, 6)  # confirmed ... cannot be judged
TARGET_KINDS = ("event", "story", "indicator")
SERIES = ("country", "admin1", "domain", "event_type")  # an indicator's kinds
MAX_JUDGEMENTS = 50


def checked(draft: AssessmentDraft) -> AssessmentDraft:
    """The draft normalised, or InvalidError naming the first field that is wrong."""
    kind = choice(draft.target_kind, TARGET_KINDS, "target_kind")
    if draft.valid_from and draft.valid_until and draft.valid_until < draft.valid_from:
        raise InvalidError("valid_until: before valid_from")
    if draft.credibility not in CREDIBILITY or isinstance(draft.credibility, bool):
        raise InvalidError(f"credibility: 1 to 6 (Admiralty); got {draft.credibility!r}")
    return replace(
        draft,
        target_kind=kind,
        target_id=target(kind, draft.target_id),
        title=title(draft.title),
        judgements=judgements(draft.judgements),
        confidence=choice(draft.confidence, CONFIDENCES, "confidence"),
        reliability=choice(
            draft.reliability.lower(), [r.lower() for r in RELIABILITY], "reliability"
        ).upper(),
        evidence_events=ids(draft.evidence_events, "evidence_events"),
        evidence_articles=ids(draft.evidence_articles, "evidence_articles"),
    )


def target(kind: str, value: str) -> str:
    """The target's id as stored: an event's number, a story's id, a series 'kind:key'."""
    if kind == "event":
        return number(value, "target_id", "an event")
    if kind == "story":
        return story(value, "target_id")
    given = value.strip()
    series, _, key = given.partition(":")
    if series not in SERIES or not key or len(given) > 80 or "\x00" in given:
        raise InvalidError(
            f"target_id: an indicator series is KIND:KEY with KIND one of {', '.join(SERIES)} "
            f"(e.g. country:TJ); got {value!r}"
        )
    return given


def judgements(given: tuple[Judgement, ...]) -> tuple[Judgement, ...]:
    if not given:
        raise InvalidError("judgements: at least one key judgement")
    if len(given) > MAX_JUDGEMENTS:
        raise InvalidError(f"judgements: at most {MAX_JUDGEMENTS}")
    return tuple(
        Judgement(
            text(j.text, f"judgements[{n}].text"),
            choice(j.likelihood, LIKELIHOODS, f"judgements[{n}].likelihood"),
        )
        for n, j in enumerate(given)
    )
