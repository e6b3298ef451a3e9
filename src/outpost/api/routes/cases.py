"""/cases: work on an alert, a story or a question, each seen through its TLP 2.0 marking,
with what the token's person may see of its links, comments, timeline and tasks. A case one
may not see answers exactly as one that does not exist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from outpost.api.deps import ContextDep
from outpost.api.filters import Cursor, Limit
from outpost.api.problems import documented
from outpost.api.schemas.assessments import TaskPublic, task_public
from outpost.api.schemas.cases import (
    CaseCreate,
    CaseDetail,
    CasePublic,
    CaseUpdate,
    CommentCreate,
    CommentPublic,
    LinkBody,
    TaskCreate,
    TaskUpdate,
    case_detail,
    case_public,
    comment_public,
)
from outpost.api.schemas.common import MAX_ID, Page
from outpost.api.schemas.marked import MarkingChange, ShareChange
from outpost.services import case_work as work
from outpost.services import cases as service
from outpost.services.paging import Window

router = APIRouter(
    prefix="/cases",
    tags=["cases"],
    responses=documented("unauthorized", "forbidden", "bad-request"),
)
CaseId = Annotated[int, Path(ge=1, le=MAX_ID)]
TaskId = Annotated[int, Path(ge=1, le=MAX_ID)]
Sort = Annotated[
    str | None,
    Query(pattern="^-?updated$", description="-updated (default: latest change first), updated"),
]
GONE: dict[int | str, dict[str, Any]] = {
    204: {"description": "Changed; the token's person no longer sees the case."}
}


@router.get("", response_model=Page[CasePublic], responses=documented("bad-query"))
def read_cases(
    ctx: ContextDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    sort: Sort = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[CasePublic]:
    page = service.page_cases(ctx, Window(sort, cursor, limit), status)
    return Page[CasePublic](
        items=[case_public(c) for c in page.items],
        total=page.total,
        total_exact=page.exact,
        next_cursor=page.next_cursor,
    )


@router.get("/counts", response_model=dict[str, int])
def read_case_counts(ctx: ContextDep) -> dict[str, int]:
    """How many cases the token's person may see, by status."""
    return service.case_counts(ctx)


@router.post("", response_model=CaseDetail, status_code=status.HTTP_201_CREATED)
def create_case(ctx: ContextDep, body: CaseCreate) -> CaseDetail:
    """Open a case of the token's person's organisation (analysts and above)."""
    made = service.open_case(
        ctx, body.title, body.origin_kind, body.origin_id, body.marking, body.orgs, body.people
    )
    return case_detail(service.get_case(ctx, made.id))


@router.get("/{case_id}", response_model=CaseDetail, responses=documented("not-found"))
def read_case(ctx: ContextDep, case_id: CaseId) -> CaseDetail:
    return case_detail(service.get_case(ctx, case_id))


@router.patch("/{case_id}", response_model=CaseDetail, responses=documented("not-found"))
def update_case(ctx: ContextDep, case_id: CaseId, body: CaseUpdate) -> CaseDetail:
    """Rename it, set its status, assign it (to a user who may see it; null: to no one)."""
    if body.title is not None:
        service.rename_case(ctx, case_id, body.title)
    if body.status is not None:
        service.set_case_status(ctx, case_id, body.status)
    if "assignee" in body.model_fields_set:
        service.assign_case(ctx, case_id, body.assignee)
    return case_detail(service.get_case(ctx, case_id))


@router.put(
    "/{case_id}/marking", response_model=CaseDetail, responses={**documented("not-found"), **GONE}
)
def mark_case(ctx: ContextDep, case_id: CaseId, body: MarkingChange) -> CaseDetail | Response:
    """Tighten (anyone who sees it) or loosen (a coordinator of the owner) the marking."""
    if service.mark_case(ctx, case_id, body.marking) is None:
        return Response(status_code=204)
    return case_detail(service.get_case(ctx, case_id))


@router.post(
    "/{case_id}/sharing", response_model=CaseDetail, responses={**documented("not-found"), **GONE}
)
def share_case(ctx: ContextDep, case_id: CaseId, body: ShareChange) -> CaseDetail | Response:
    if service.share_case(ctx, case_id, body.orgs, body.people, body.remove) is None:
        return Response(status_code=204)
    return case_detail(service.get_case(ctx, case_id))


@router.post("/{case_id}/links", response_model=CaseDetail, responses=documented("not-found"))
def link_case(ctx: ContextDep, case_id: CaseId, body: LinkBody) -> CaseDetail:
    """Link a story, event, alert or assessment (one the token's person sees)."""
    work.link_case(ctx, case_id, body.kind, body.id)
    return case_detail(service.get_case(ctx, case_id))


@router.delete(
    "/{case_id}/links/{kind}/{target_id}",
    response_model=CaseDetail,
    responses=documented("not-found"),
)
def unlink_case(
    ctx: ContextDep,
    case_id: CaseId,
    kind: Annotated[str, Path(max_length=16)],
    target_id: Annotated[str, Path(max_length=80)],
) -> CaseDetail:
    work.unlink_case(ctx, case_id, kind, target_id)
    return case_detail(service.get_case(ctx, case_id))


@router.post(
    "/{case_id}/comments",
    response_model=CommentPublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented("not-found"),
)
def create_comment(ctx: ContextDep, case_id: CaseId, body: CommentCreate) -> CommentPublic:
    return comment_public(work.comment_case(ctx, case_id, body.body, body.marking))


@router.post(
    "/{case_id}/tasks",
    response_model=TaskPublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented("not-found"),
)
def create_task(ctx: ContextDep, case_id: CaseId, body: TaskCreate) -> TaskPublic:
    return task_public(work.add_case_task(ctx, case_id, body.title, body.due))


@router.patch("/tasks/{task_id}", response_model=TaskPublic, responses=documented("not-found"))
def update_task(ctx: ContextDep, task_id: TaskId, body: TaskUpdate) -> TaskPublic:
    """Mark a task done, or not: a case's own, or an assessment's review."""
    return task_public(work.set_task_done(ctx, task_id, body.done))
