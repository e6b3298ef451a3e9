"""One plan: its measures with their organisations, owner, dates, state and history, what
it adds up to, and the forms that work on it. Adding, assigning and dating measures is its
owner's coordinators'; a measure's steps are its assigned organisations' (analysts and
above); the marking is tightened by anyone who sees the plan and loosened, like its names,
by its owner's coordinators. The services decide; a refusal shows beside its form (400 a
field, 403 a role or a marking rule), and a hidden plan is the same 404 as a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from outpost.markings import TLP
from outpost.records import Evidence
from outpost.respond.checks import InvalidError
from outpost.respond.measures import STEPS
from outpost.respond.people import NotAllowedError
from outpost.respond.people import NotFoundError as HiddenError
from outpost.services import plan_sharing as sharing
from outpost.services import plan_work as work
from outpost.services import plans as service
from outpost.services.paging import BadQueryError
from outpost.web.forms import Refusal, day, listed_names, marked_change, refusal_of
from outpost.web.page import NotFoundError, Page, SignedIn

router = APIRouter()

MAX_FIELD = 300
MAX_TEXT = 20_000  # characters of a description, a report, a reason
Field = Annotated[str, Form(max_length=MAX_FIELD)]
Text = Annotated[str, Form(max_length=MAX_TEXT)]


@router.get("/plans/{plan_id}")
def read_plan(page: SignedIn, plan_id: str) -> Response:
    return _plan_page(page, plan_id)


@router.post("/plans/{plan_id}/measures")
def add_measure(
    page: SignedIn,
    plan_id: str,
    title: Field = "",
    orgs: Field = "",
    due: Field = "",
    critical: Field = "",
    owner: Field = "",
    description: Text = "",
) -> Response:
    def change() -> object:
        when = day(due, "due")
        if when is None:
            raise InvalidError("due: the day the measure is due, as YYYY-MM-DD")
        return work.add_measure(
            page.ctx,
            plan_id,
            title,
            listed_names(orgs),
            when,
            day(critical, "critical"),
            description,
            owner.strip() or None,
        )

    return _act(page, plan_id, "measure", change)


@router.post("/plans/{plan_id}/measures/{number}/assign")
def assign_measure(
    page: SignedIn, plan_id: str, number: int, orgs: Field = "", owner: Field = ""
) -> Response:
    def change() -> object:
        named = listed_names(orgs)
        return work.assign_measure(page.ctx, plan_id, number, named, owner.strip() or None)

    return _act(page, plan_id, f"assign-{number}", change)


@router.post("/plans/{plan_id}/measures/{number}/dates")
def date_measure(
    page: SignedIn, plan_id: str, number: int, due: Field = "", critical: Field = ""
) -> Response:
    def change() -> object:
        when = day(due, "due")
        if when is None:
            raise InvalidError("due: the day the measure is due, as YYYY-MM-DD")
        return work.date_measure(page.ctx, plan_id, number, when, day(critical, "critical"))

    return _act(page, plan_id, f"dates-{number}", change)


@router.post("/plans/{plan_id}/measures/{number}/step")
def step_measure(
    page: SignedIn,
    plan_id: str,
    number: int,
    step: Field = "",
    note: Text = "",
    report: Text = "",
    reason: Text = "",
    evidence: Text = "",
) -> Response:
    """A step of the measure's life; done takes a report and, if given, evidence (a line
    each: a reference or the sentence that shows it)."""

    def change() -> object:
        shown = tuple(
            Evidence(quote=line.strip()) for line in evidence.splitlines() if line.strip()
        )
        return work.step_measure(
            page.ctx, plan_id, number, step, note, report or None, reason or None, shown
        )

    return _act(page, plan_id, f"step-{number}", change, f"measure-{number}")


@router.post("/plans/{plan_id}/marking")
def mark_plan(page: SignedIn, plan_id: str, marking: Field = "") -> Response:
    def change() -> object | None:
        return sharing.mark_plan(page.ctx, plan_id, marking)

    return marked_change(page, "marking", change, _back(plan_id), _again(page, plan_id))


@router.post("/plans/{plan_id}/share")
def share_plan(
    page: SignedIn, plan_id: str, orgs: Field = "", people: Field = "", action: Field = "add"
) -> Response:
    def change() -> object | None:
        named, remove = (listed_names(orgs), listed_names(people)), action == "remove"
        return sharing.share_plan(page.ctx, plan_id, *named, remove)

    return marked_change(page, "share", change, _back(plan_id), _again(page, plan_id))


def _back(plan_id: str) -> tuple[str, str]:
    return f"/plans/{plan_id}", "/plans"


def _again(page: Page, plan_id: str) -> Callable[[Refusal], Response]:
    return lambda refused: _plan_page(page, plan_id, refused)


def _act(
    page: Page, plan_id: str, form: str, change: Callable[[], object], anchor: str = ""
) -> Response:
    """Make the change and show the plan again, or the plan with the refusal beside the form
    (a hidden plan, or a measure it has not: the 404 page)."""
    try:
        change()
    except HiddenError:
        raise NotFoundError from None
    except (InvalidError, BadQueryError, NotAllowedError) as exc:
        return _plan_page(page, plan_id, refusal_of(form, exc))
    return page.redirect(f"/plans/{plan_id}#{anchor or form}")


def _plan_page(page: Page, plan_id: str, refused: Refusal | None = None) -> Response:
    try:
        view = service.plan_view(page.ctx, plan_id)
    except HiddenError:
        raise NotFoundError from None
    return page.render(
        "plan.html",
        status=refused.status if refused else 200,
        current="plans",
        view=view,
        plan=view.stored.plan,
        sharing=view.stored.sharing,
        rolled=view.rollup,
        refused=refused,
        markings=[m.value for m in TLP],
        steps={s.name: s for s in STEPS},
    )
