"""/assessments: analysts' judgements on events, stories and indicator series, each seen
through its TLP 2.0 marking. One that the token's person may not see answers exactly as one
that does not exist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from outpost.api.deps import ContextDep
from outpost.api.filters import Cursor, Limit
from outpost.api.problems import documented
from outpost.api.schemas.assessments import (
    AssessmentCreate,
    AssessmentPublic,
    AssessmentUpdate,
    TaskPublic,
    assessment_public,
    draft,
    judgements,
    task_public,
)
from outpost.api.schemas.common import MAX_ID, Page
from outpost.api.schemas.marked import MarkingChange, ShareChange
from outpost.services import assessments as service
from outpost.services.marking import marking
from outpost.services.paging import BadQueryError, Window

router = APIRouter(
    prefix="/assessments",
    tags=["assessments"],
    responses=documented("unauthorized", "forbidden", "bad-request"),
)
AssessmentId = Annotated[int, Path(ge=1, le=MAX_ID)]
Sort = Annotated[
    str | None,
    Query(pattern="^-?updated$", description="-updated (default: latest change first), updated"),
]
GONE: dict[int | str, dict[str, Any]] = {
    204: {"description": "Changed; the token's person no longer sees the assessment."}
}


@router.get("", response_model=Page[AssessmentPublic], responses=documented("bad-query"))
def read_assessments(
    ctx: ContextDep,
    target_kind: Annotated[str | None, Query(max_length=16)] = None,
    target_id: Annotated[str | None, Query(max_length=80)] = None,
    sort: Sort = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[AssessmentPublic]:
    """The assessments the token's person may see, a page at a time (of one target when
    target_kind and target_id are given)."""
    if (target_kind is None) != (target_id is None):
        raise BadQueryError("target_kind and target_id: give both or neither")
    target = (target_kind, target_id) if target_kind and target_id else None
    page = service.page_assessments(ctx, Window(sort, cursor, limit), target)
    return Page[AssessmentPublic](
        items=[assessment_public(a) for a in page.items],
        total=page.total,
        total_exact=page.exact,
        next_cursor=page.next_cursor,
    )


@router.post(
    "",
    response_model=AssessmentPublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented("validation"),
)
def create_assessment(ctx: ContextDep, body: AssessmentCreate) -> AssessmentPublic:
    """A new assessment of the token's person's organisation (analysts and above)."""
    made = service.create_assessment(
        ctx, draft(body, marking(body.marking)), body.orgs, body.people
    )
    return assessment_public(made)


@router.get("/{assessment_id}", response_model=AssessmentPublic, responses=documented("not-found"))
def read_assessment(ctx: ContextDep, assessment_id: AssessmentId) -> AssessmentPublic:
    return assessment_public(service.get_assessment(ctx, assessment_id))


@router.patch(
    "/{assessment_id}", response_model=AssessmentPublic, responses=documented("not-found")
)
def update_assessment(
    ctx: ContextDep, assessment_id: AssessmentId, body: AssessmentUpdate
) -> AssessmentPublic:
    """Change fields (writers of the owner organisation); the review date's task follows."""
    events, articles = body.evidence_events, body.evidence_articles
    change = service.AssessmentChange(
        title=body.title,
        judgements=judgements(body.judgements) if body.judgements is not None else None,
        confidence=body.confidence,
        reliability=body.reliability,
        credibility=body.credibility,
        evidence_events=tuple(events) if events is not None else None,
        evidence_articles=tuple(articles) if articles is not None else None,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        review=body.review,
    )
    return assessment_public(service.update_assessment(ctx, assessment_id, change))


@router.put(
    "/{assessment_id}/marking",
    response_model=AssessmentPublic,
    responses={**documented("not-found"), **GONE},
)
def mark_assessment(
    ctx: ContextDep, assessment_id: AssessmentId, body: MarkingChange
) -> AssessmentPublic | Response:
    """Tighten (anyone who sees it) or loosen (a coordinator of the owner) the marking."""
    found = service.mark_assessment(ctx, assessment_id, body.marking)
    return assessment_public(found) if found else Response(status_code=204)


@router.post(
    "/{assessment_id}/sharing",
    response_model=AssessmentPublic,
    responses={**documented("not-found"), **GONE},
)
def share_assessment(
    ctx: ContextDep, assessment_id: AssessmentId, body: ShareChange
) -> AssessmentPublic | Response:
    """Name organisations and people on the assessment, or remove them (its owner's writers)."""
    found = service.share_assessment(ctx, assessment_id, body.orgs, body.people, body.remove)
    return assessment_public(found) if found else Response(status_code=204)


@router.get(
    "/{assessment_id}/tasks", response_model=list[TaskPublic], responses=documented("not-found")
)
def read_assessment_tasks(ctx: ContextDep, assessment_id: AssessmentId) -> list[TaskPublic]:
    """Its review, a task due on its review date (none without one)."""
    return [task_public(t) for t in service.assessment_tasks(ctx, assessment_id)]
