"""Assessments: written by analysts of an organisation, read through the visibility rule,
their marking tightened or loosened and their names changed as outpost.services.marking
says; every change audited in its own transaction.

An assessment's review date is a task: one per assessment, shown with it and in every case
that links it (one review, however many cases look at it).

Reading asks for no role: what one sees is the markings' business, not the roles' (a
principal of no organisation, a token of no person, sees what is CLEAR).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date

from sqlalchemy import Connection

from outpost.markings import TLP
from outpost.records import Assessment, AssessmentDraft, AuditValue, Judgement, Task
from outpost.respond.assessments import checked
from outpost.respond.checks import InvalidError
from outpost.respond.people import Action, require
from outpost.services import marking as rule
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.services.paging import Page, Window, paged
from outpost.store import assessments as store
from outpost.store.schema import assessments as table
from outpost.store.times import now
from outpost.store.visibility import name_people

ASSESSMENT = rule.Marked("assessment", table, Action.WRITE_ASSESSMENT)
SORTS = tuple(store.SORTS)


@dataclass(frozen=True)
class AssessmentChange:
    """The fields to change (None: unchanged). The target, the marking and the names change
    by their own calls."""

    title: str | None = None
    judgements: tuple[Judgement, ...] | None = None
    confidence: str | None = None
    reliability: str | None = None
    credibility: int | None = None
    evidence_events: tuple[int, ...] | None = None
    evidence_articles: tuple[int, ...] | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    review: date | None = None


def create_assessment(
    ctx: Context, draft: AssessmentDraft, orgs: Sequence[str] = (), people: Sequence[str] = ()
) -> Assessment:
    """A new assessment owned by the writer's organisation, naming `orgs` and `people`."""
    require(ctx.who, Action.WRITE_ASSESSMENT)
    good = checked(draft)
    with ctx.engine.begin() as conn:
        owner, maker = rule.owner_of(conn, ctx.who)
        _check_references(conn, good)
        item = store.insert(conn, good, owner, maker, now())
        if good.marking is TLP.RED:
            name_people(conn, ASSESSMENT.kind, item, [maker])
        if orgs or people:
            rule.share(conn, ctx.who, ASSESSMENT, item, orgs, people)
        _review(conn, item, good)
        detail: dict[str, AuditValue] = {
            "marking": good.marking.value,
            "target": f"{good.target_kind}:{good.target_id}",
        }
        record(conn, ctx.who, "assessment.create", f"assessment:{item}", detail)
        return _seen(conn, ctx, item)


def get_assessment(ctx: Context, item: int) -> Assessment:
    """The assessment; NotFoundError alike when there is none and when it may not be seen."""
    with ctx.engine.connect() as conn:
        return _seen(conn, ctx, item)


def page_assessments(
    ctx: Context, window: Window, target: tuple[str, str] | None = None
) -> Page[Assessment]:
    """A page of the assessments the principal may see, most recently changed first; of one
    target (kind, id) when given."""
    with ctx.engine.connect() as conn:
        return paged(window, SORTS, lambda s: store.page(conn, ctx.who, target, s))


def update_assessment(ctx: Context, item: int, change: AssessmentChange) -> Assessment:
    """Change fields of an assessment (writers of its owner organisation), audited with the
    names of the fields changed."""
    with ctx.engine.begin() as conn:
        found = _seen(conn, ctx, item)
        rule.require_owner(ctx.who, ASSESSMENT, found.sharing, "change an assessment")
        given = {f.name: getattr(change, f.name) for f in fields(change)}
        given = {name: value for name, value in given.items() if value is not None}
        good = checked(replace(_draft(found), **given))
        _check_references(conn, good)
        store.replace_fields(conn, item, good, now())
        _review(conn, item, good)
        detail: dict[str, AuditValue] = {"fields": ",".join(sorted(given))}
        record(conn, ctx.who, "assessment.update", f"assessment:{item}", detail)
        return _seen(conn, ctx, item)


def mark_assessment(ctx: Context, item: int, marking: str) -> Assessment | None:
    """Tighten (anyone who sees it) or loosen (a coordinator of its owner) its marking; the
    assessment as it is now, or None when the principal no longer sees it."""
    new = rule.marking(marking)
    require(ctx.who, Action.READ)
    with ctx.engine.begin() as conn:
        found = _seen(conn, ctx, item)
        if rule.change(conn, ctx.who, ASSESSMENT, item, found.sharing, new):
            store.touch(conn, item, now())
        return _still_seen(conn, ctx, item)


def share_assessment(
    ctx: Context,
    item: int,
    orgs: Sequence[str] = (),
    people: Sequence[str] = (),
    remove: bool = False,
) -> Assessment | None:
    """Name organisations and people on the assessment (or remove them), as its owner; None
    when the principal no longer sees it (its own name removed from a RED one)."""
    with ctx.engine.begin() as conn:
        found = _seen(conn, ctx, item)
        rule.require_owner(ctx.who, ASSESSMENT, found.sharing, "share an assessment")
        (rule.unshare if remove else rule.share)(conn, ctx.who, ASSESSMENT, item, orgs, people)
        return _still_seen(conn, ctx, item)


def assessment_tasks(ctx: Context, item: int) -> list[Task]:
    with ctx.engine.connect() as conn:
        _seen(conn, ctx, item)
        return store.review_tasks(conn, [item])


def _seen(conn: Connection, ctx: Context, item: int) -> Assessment:
    found = store.get(conn, ctx.who, item)
    if found is None:
        raise rule.not_found(ASSESSMENT.kind)
    return found


def _still_seen(conn: Connection, ctx: Context, item: int) -> Assessment | None:
    """The assessment after a change that may have put it out of the principal's sight (a
    tightening, a name removed): None then; the change is made all the same."""
    return store.get(conn, ctx.who, item)


def _draft(found: Assessment) -> AssessmentDraft:
    return AssessmentDraft(
        target_kind=found.target_kind,
        target_id=found.target_id,
        title=found.title,
        judgements=found.judgements,
        confidence=found.confidence,
        reliability=found.reliability,
        credibility=found.credibility,
        evidence_events=found.evidence_events,
        evidence_articles=found.evidence_articles,
        valid_from=found.valid_from,
        valid_until=found.valid_until,
        review=found.review,
        marking=rule.marking(found.sharing.marking),
    )


def _check_references(conn: Connection, draft: AssessmentDraft) -> None:
    """The target and the evidence exist; InvalidError names the field and the ids."""
    if not store.target_exists(conn, draft.target_kind, draft.target_id):
        raise InvalidError(f"target_id: no {draft.target_kind} {draft.target_id}")
    for field, table_of in store.EVIDENCE.items():
        gone = store.missing(conn, table_of, getattr(draft, field))
        if gone:
            raise InvalidError(f"{field}: no such ids: {', '.join(map(str, gone))}")


def _review(conn: Connection, item: int, draft: AssessmentDraft) -> None:
    title = f"Review assessment {item}: {draft.title}"
    store.set_review_task(conn, item, title[:300], draft.review, now())
