"""Plans: the list of those one may see (a page at a time), the organisation's board of its
own measures, and the form that makes a plan: from a template, empty, or drafted from the
decisions the analysis found. Making one is the coordinators' (the services refuse others,
shown beside the form with 403); the page of one plan is in web.pages.plan_page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from outpost.markings import TLP
from outpost.records import StoredPlan
from outpost.respond.checks import InvalidError
from outpost.respond.people import NotAllowedError
from outpost.respond.plans import DEFAULT_MARKING
from outpost.services import plans as service
from outpost.services.paging import BadQueryError, Window
from outpost.web.forms import Refusal, day, listed_names, refusal_of
from outpost.web.page import Page, SignedIn

router = APIRouter()

SHOWN = 50  # plans on a page
MAX_FIELD = 300  # characters of a title, an id, a list of codes
MAX_TEXT = 20_000  # characters of a description
Field = Annotated[str, Form(max_length=MAX_FIELD)]
HOWS = ("template", "draft", "empty")  # the three forms of the new plan page
MAX_PICKED = 500  # events picked for a draft (the store drafts from no more)


@router.get("/plans")
def read_plans(page: SignedIn, cursor: str = "") -> Response:
    window = Window(cursor=cursor[:600] or None, limit=SHOWN)
    problem = None
    try:
        found = service.page_plans(page.ctx, window)
    except BadQueryError as exc:
        problem, found = str(exc), None
    rollups = {p.plan.id: service.rollup_of(p) for p in found.items} if found else {}
    return page.render(
        "plans.html",
        status=400 if problem else 200,
        current="plans",
        found=found,
        rollups=rollups,
        cursor=cursor,
        problem=problem,
    )


@router.get("/plans/board")
def read_board(page: SignedIn) -> Response:
    """The measures assigned to the signed-in person's organisation, earliest due first."""
    org = page.ctx.who.org
    items = service.org_board(page.ctx) if org else []
    return page.render("plan_board.html", current="plans", items=items, org=org)


@router.get("/plans/new")
def read_new_plan(page: SignedIn) -> Response:
    return _new_page(page)


@router.post("/plans")
def create_plan(
    page: SignedIn,
    how: Field = "empty",
    ident: Field = "",
    title: Field = "",
    description: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    template: Field = "",
    start: Field = "",
    due: Field = "",
    orgs: Field = "",
    marking: Field = DEFAULT_MARKING.value,
    events: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """Make a plan `how`: from a template, drafted from the picked decisions, or empty."""
    how = how if how in HOWS else "empty"
    try:
        made = _made(
            page,
            how,
            ident.strip(),
            title,
            description,
            template,
            start,
            due,
            orgs,
            marking,
            (events or [])[:MAX_PICKED],
        )
    except (InvalidError, BadQueryError, NotAllowedError) as exc:
        return _new_page(page, refusal_of(how, exc))
    return page.redirect(f"/plans/{made.plan.id}")


def _made(
    page: Page,
    how: str,
    ident: str,
    title: str,
    description: str,
    template: str,
    start: str,
    due: str,
    orgs: str,
    marking: str,
    events: list[int],
) -> StoredPlan:
    if how == "template":
        begins = day(start, "start")
        if begins is None:
            raise InvalidError("start: the day the plan starts, as YYYY-MM-DD")
        return service.create_from_template(
            page.ctx, template, ident, begins, listed_names(orgs), marking, decisions=True
        )
    if how == "draft":
        if not events:
            raise InvalidError("events: pick at least one decision to draft the plan from")
        named = listed_names(orgs) or None
        return service.draft_from_events(page.ctx, ident, title, events, named, marking)
    return service.create_plan(page.ctx, ident, title, description, day(due, "due"), marking)


def _new_page(page: Page, refused: Refusal | None = None) -> Response:
    return page.render(
        "plan_new.html",
        status=refused.status if refused else 200,
        current="plans",
        refused=refused,
        templates=service.templates(),
        decisions=service.decisions(page.ctx),
        markings=[m.value for m in TLP],
        default_marking=DEFAULT_MARKING.value,
    )
