"""/plans: joint response plans and their measures, each plan seen through its TLP 2.0
marking (its measures through it); the board of an organisation's measures. A plan one may
not see answers exactly as one that does not exist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from outpost.api.deps import ContextDep
from outpost.api.filters import Cursor, Limit
from outpost.api.problems import documented
from outpost.api.schemas.common import Page
from outpost.api.schemas.marked import MarkingChange, ShareChange
from outpost.api.schemas.plans import (
    BoardItemPublic,
    MeasureAssign,
    MeasureCreate,
    MeasureDates,
    MeasureStep,
    PlanCreate,
    PlanPublic,
    RollupPublic,
    TemplatePublic,
    board_item_public,
    plan_public,
    rollup_public,
    template_public,
)
from outpost.records import Evidence, StoredPlan
from outpost.respond.checks import InvalidError
from outpost.services import plan_sharing as sharing
from outpost.services import plan_work as work
from outpost.services import plans as service
from outpost.services.context import Context
from outpost.services.paging import Window

router = APIRouter(
    prefix="/plans",
    tags=["plans"],
    responses=documented("unauthorized", "forbidden", "bad-request"),
)
PlanId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Number = Annotated[int, Path(ge=1, le=100_000)]
Sort = Annotated[
    str | None,
    Query(pattern="^-?updated$", description="-updated (default: latest change first), updated"),
]
GONE: dict[int | str, dict[str, Any]] = {
    204: {"description": "Changed; the token's person no longer sees the plan."}
}


@router.get("", response_model=Page[PlanPublic], responses=documented("bad-query"))
def read_plans(
    ctx: ContextDep, sort: Sort = None, cursor: Cursor = None, limit: Limit = 50
) -> Page[PlanPublic]:
    page = service.page_plans(ctx, Window(sort, cursor, limit))
    return Page[PlanPublic](
        items=[plan_public(p) for p in page.items],
        total=page.total,
        total_exact=page.exact,
        next_cursor=page.next_cursor,
    )


@router.get("/templates", response_model=list[TemplatePublic])
def read_templates(ctx: ContextDep) -> list[TemplatePublic]:
    """The plan templates: standard procedures with their measures."""
    return [template_public(t) for t in service.templates()]


@router.get("/board", response_model=list[BoardItemPublic])
def read_board(
    ctx: ContextDep,
    org: Annotated[str | None, Query(max_length=40, description="Default: your own.")] = None,
) -> list[BoardItemPublic]:
    """The measures assigned to an organisation in the plans the token's person may see,
    earliest due first, each with what that organisation does next."""
    return [board_item_public(i) for i in service.org_board(ctx, org)]


@router.post("", response_model=PlanPublic, status_code=status.HTTP_201_CREATED)
def create_plan(ctx: ContextDep, body: PlanCreate, response: Response) -> PlanPublic:
    """Make a plan of the token's person's organisation (its coordinators). Its id (in the
    answer and in Location) is the `id` asked for with a random ending."""
    made = _create(ctx, body)
    response.headers["Location"] = f"/api/v1/plans/{made.plan.id}"
    return plan_public(made)


def _create(ctx: Context, body: PlanCreate) -> StoredPlan:
    if body.template is not None:
        if body.start is None:
            raise InvalidError("start: required with a template (the day the plan starts)")
        return service.create_from_template(
            ctx, body.template, body.id, body.start, body.orgs, body.marking
        )
    if body.title is None:
        raise InvalidError("title: required for a plan not made from a template")
    if body.draft_from_events:
        orgs = body.orgs or None
        return service.draft_from_events(ctx, body.id, body.title, body.events, orgs, body.marking)
    return service.create_plan(ctx, body.id, body.title, body.description, body.due, body.marking)


@router.get("/{plan_id}", response_model=PlanPublic, responses=documented("not-found"))
def read_plan(ctx: ContextDep, plan_id: PlanId) -> PlanPublic:
    return plan_public(service.get_plan(ctx, plan_id))


@router.put(
    "/{plan_id}/marking", response_model=PlanPublic, responses={**documented("not-found"), **GONE}
)
def mark_plan(ctx: ContextDep, plan_id: PlanId, body: MarkingChange) -> PlanPublic | Response:
    """Tighten (anyone who sees it) or loosen (a coordinator of the owner) the marking."""
    after = sharing.mark_plan(ctx, plan_id, body.marking)
    return Response(status_code=204) if after is None else plan_public(after)


@router.post(
    "/{plan_id}/sharing", response_model=PlanPublic, responses={**documented("not-found"), **GONE}
)
def share_plan(ctx: ContextDep, plan_id: PlanId, body: ShareChange) -> PlanPublic | Response:
    """Name organisations and people on the plan, or remove them (the owner's coordinators)."""
    after = sharing.share_plan(ctx, plan_id, body.orgs, body.people, body.remove)
    return Response(status_code=204) if after is None else plan_public(after)


@router.get("/{plan_id}/rollup", response_model=RollupPublic, responses=documented("not-found"))
def read_rollup(ctx: ContextDep, plan_id: PlanId) -> RollupPublic:
    """What the plan adds up to: its measures by state, and its own state."""
    return rollup_public(service.plan_rollup(ctx, plan_id))


@router.post(
    "/{plan_id}/measures",
    response_model=PlanPublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented("not-found"),
)
def create_measure(ctx: ContextDep, plan_id: PlanId, body: MeasureCreate) -> PlanPublic:
    made = work.add_measure(
        ctx,
        plan_id,
        body.title,
        body.orgs,
        body.due,
        body.critical,
        body.description,
        body.owner,
        body.domain,
    )
    return plan_public(made)


@router.put(
    "/{plan_id}/measures/{number}/assignment",
    response_model=PlanPublic,
    responses=documented("not-found"),
)
def assign_measure(
    ctx: ContextDep, plan_id: PlanId, number: Number, body: MeasureAssign
) -> PlanPublic:
    return plan_public(work.assign_measure(ctx, plan_id, number, body.orgs, body.owner))


@router.put(
    "/{plan_id}/measures/{number}/dates",
    response_model=PlanPublic,
    responses=documented("not-found"),
)
def date_measure(
    ctx: ContextDep, plan_id: PlanId, number: Number, body: MeasureDates
) -> PlanPublic:
    return plan_public(work.date_measure(ctx, plan_id, number, body.due, body.critical))


@router.post(
    "/{plan_id}/measures/{number}/steps",
    response_model=PlanPublic,
    responses=documented("not-found"),
)
def step_measure(ctx: ContextDep, plan_id: PlanId, number: Number, body: MeasureStep) -> PlanPublic:
    """Move the measure: acknowledge, start, report, block, unblock, reopen."""
    shown = tuple(Evidence(quote=e) for e in body.evidence if e.strip())
    moved = work.step_measure(
        ctx, plan_id, number, body.step, body.note, body.report, body.reason, shown
    )
    return plan_public(moved)
