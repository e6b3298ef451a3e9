"""From text to plan: the decisions the analysis found, with their deadlines, as a draft plan.

An event becomes a measure when it is of a type in which states decide or commit (below) and
carries a deadline: the deadline is its due date, its sentence (article uid and span) its
evidence. The coordinator then reassigns, retitles and dates the draft as the plan needs.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime

from outpost.markings import TLP
from outpost.records import EventRow, Evidence, Measure, MeasureState, Plan, Principal, Transition
from outpost.respond.plans import DEFAULT_MARKING, PlanError, check_measure, codes, new_plan

# The event types (outpost/kb/event_types.yaml) in which states decide or commit. There is no
# separate "decision" or "instruction" type: AGREEMENT covers joint decisions, instructions
# with deadlines and action plans; DIPLO official stances and calls to act; MEETING summits
# and sessions "whatever they then decide", and the classifier types a summit's decisions so
# ("The leaders expect these instructions to be implemented by September 16" is a MEETING).
# A deadline is itself a strong cue: the date analysis marks one only after "by", "until",
# "no later than"... (analyze/dates/roles.py).
COMMITMENT_TYPES = frozenset({"AGREEMENT", "DIPLO", "MEETING"})
TITLE_CHARS = 120
DEADLINE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def draft_plan(
    events: Sequence[EventRow],
    who: Principal,
    *,
    plan_id: str,
    title: str,
    now: datetime,
    orgs: Sequence[str] | None = None,
    marking: TLP = DEFAULT_MARKING,
    description: str = "",
    types: Iterable[str] = COMMITMENT_TYPES,
) -> Plan:
    """A draft plan owned by the organisation of `who` (a coordinator of it), one measure per
    decision with a deadline, assigned to `orgs` (by default the owner itself, to reassign).
    The same sentence found twice (in two copies of an article) is one measure with both
    pieces of evidence. The plan is due on the latest deadline."""
    kinds = frozenset(types)
    chosen = [e for e in events if e.type in kinds and e.deadline]
    if not chosen:
        raise PlanError(
            f"no decision with a deadline among {len(events)} event(s) (types "
            f"{', '.join(sorted(kinds))}): nothing to draft a plan from"
        )
    grouped = _by_sentence(chosen)
    plan = new_plan(
        who,
        id=plan_id,
        title=title,
        description=description,
        due=max(due for due, _ in grouped),
        marking=marking,
    )
    assigned = codes(orgs) if orgs is not None else (plan.owner,)
    measures = tuple(
        _measure(f"{plan.id}/{i}", due, group, assigned, who, now)
        for i, (due, group) in enumerate(sorted(grouped, key=lambda g: g[0]), 1)
    )
    for measure in measures:
        check_measure(plan, measure)
    return replace(plan, measures=measures)


def _by_sentence(events: Sequence[EventRow]) -> list[tuple[date, list[EventRow]]]:
    """The events grouped by due date and sentence (spacing and case aside), first seen
    first."""
    groups: dict[tuple[date, str], list[EventRow]] = {}
    for event in events:
        due = deadline_date(event)
        groups.setdefault((due, " ".join(event.evidence.split()).lower()), []).append(event)
    return [(due, group) for (due, _), group in groups.items()]


def deadline_date(event: EventRow) -> date:
    """The day a deadline falls on: "2021-09-16"; "2021-09" (by September) is its last day,
    "2021" (by the end of the year) the year's."""
    found = DEADLINE.fullmatch(event.deadline or "")
    try:
        if found is None:
            raise ValueError("not YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = found.groups()
        if month is None:
            return date(int(year), 12, 31)
        if day is None:
            return date(int(year), int(month), calendar.monthrange(int(year), int(month))[1])
        return date(int(year), int(month), int(day))
    except ValueError as exc:
        raise PlanError(f"event {event.id}: deadline {event.deadline!r}: {exc}") from None


def _measure(
    id: str,
    due: date,
    group: list[EventRow],
    orgs: tuple[str, ...],
    who: Principal,
    now: datetime,
) -> Measure:
    first = group[0]
    sentence = " ".join(first.evidence.split())
    source = f"{first.title} ({first.article})" if first.title else first.article
    return Measure(
        id=id,
        title=shorten(sentence, TITLE_CHARS),
        description=f"{sentence}\n\nFrom: {source}",
        orgs=orgs,
        due=due,
        critical=due,
        evidence=tuple(
            Evidence(article=e.article, event=e.id, start=e.start, end=e.end, quote=e.evidence)
            for e in group
        ),
        history=(Transition(who.id, now, None, MeasureState.ASSIGNED, "drafted from text"),),
    )


def shorten(text: str, limit: int) -> str:
    """The text cut at a word before `limit` characters, with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut}…"
