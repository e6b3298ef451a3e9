"""Cases: the list (by status, a page at a time, with a count per status), one case with its
links, comments, tasks and timeline, and the forms that work on it (POSTs carrying the CSRF
token). A refused form shows its reason beside the form, on the case's page answered 400 (a
field) or 403 (a role, a marking rule); a hidden case is the same 404 as a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from outpost.markings import TLP
from outpost.respond import cases as rules
from outpost.respond.checks import InvalidError
from outpost.respond.people import NotAllowedError
from outpost.respond.people import NotFoundError as HiddenError
from outpost.services import case_work
from outpost.services import cases as service
from outpost.services.paging import BadQueryError, Window
from outpost.web.forms import Refusal, day, listed_names, marked_change, refusal_of
from outpost.web.page import NotFoundError, Page, SignedIn

router = APIRouter()

SHOWN = 50  # cases on a page
MAX_FIELD = 300  # characters of a title, a username, an id
MAX_BODY = 20_000  # characters of a comment
Field = Annotated[str, Form(max_length=MAX_FIELD)]


@router.get("/cases")
def read_cases(page: SignedIn, status: str = "", cursor: str = "") -> Response:
    chosen = status if status in rules.STATUSES else None
    window = Window(cursor=cursor[:600] or None, limit=SHOWN)
    problem = None
    try:
        found = service.page_cases(page.ctx, window, chosen)
    except BadQueryError as exc:
        problem, found = str(exc), None
    return page.render(
        "cases.html",
        status=400 if problem else 200,
        current="cases",
        found=found,
        chosen=chosen,
        cursor=cursor,
        counts=service.case_counts(page.ctx),
        statuses=rules.STATUSES,
        problem=problem,
    )


@router.get("/cases/new")
def read_new_case(page: SignedIn, origin_kind: str = "manual", origin_id: str = "") -> Response:
    """The form that opens a case: by hand, or from an alert or a story (its origin filled)."""
    kind = origin_kind if origin_kind in rules.ORIGINS else "manual"
    return _new_page(page, kind, origin_id[:MAX_FIELD], "")


@router.post("/cases")
def create_case(
    page: SignedIn,
    title: Field = "",
    origin_kind: Field = "manual",
    origin_id: Field = "",
    marking: Field = TLP.AMBER_STRICT.value,
    orgs: Field = "",
    people: Field = "",
) -> Response:
    try:
        made = service.open_case(
            page.ctx,
            title,
            origin_kind,
            origin_id.strip() or None,
            marking,
            listed_names(orgs),
            listed_names(people),
        )
    except (InvalidError, BadQueryError, NotAllowedError) as exc:
        refused = refusal_of("open", exc)
        return _new_page(page, origin_kind, origin_id, title, refused)
    return page.redirect(f"/cases/{made.id}")


@router.get("/cases/{case_id}")
def read_case(page: SignedIn, case_id: int) -> Response:
    return _case_page(page, case_id)


@router.post("/cases/{case_id}/rename")
def rename_case(page: SignedIn, case_id: int, title: Field = "") -> Response:
    return _act(page, case_id, "rename", lambda: service.rename_case(page.ctx, case_id, title))


@router.post("/cases/{case_id}/status")
def set_case_status(page: SignedIn, case_id: int, status: Field = "") -> Response:
    def change() -> object:
        return service.set_case_status(page.ctx, case_id, status)

    return _act(page, case_id, "status", change)


@router.post("/cases/{case_id}/assign")
def assign_case(page: SignedIn, case_id: int, assignee: Field = "") -> Response:
    def change() -> object:
        return service.assign_case(page.ctx, case_id, assignee.strip() or None)

    return _act(page, case_id, "assign", change)


@router.post("/cases/{case_id}/link")
def link_case(page: SignedIn, case_id: int, kind: Field = "", ident: Field = "") -> Response:
    def change() -> object:
        return case_work.link_case(page.ctx, case_id, kind, ident)

    return _act(page, case_id, "link", change)


@router.post("/cases/{case_id}/unlink")
def unlink_case(page: SignedIn, case_id: int, kind: Field = "", ident: Field = "") -> Response:
    def change() -> object:
        return case_work.unlink_case(page.ctx, case_id, kind, ident)

    return _act(page, case_id, "links", change)


@router.post("/cases/{case_id}/comments")
def comment_case(
    page: SignedIn,
    case_id: int,
    body: Annotated[str, Form(max_length=MAX_BODY)] = "",
    marking: Field = "",
) -> Response:
    def change() -> object:
        return case_work.comment_case(page.ctx, case_id, body, marking or None)

    return _act(page, case_id, "comment", change)


@router.post("/cases/{case_id}/tasks")
def add_task(page: SignedIn, case_id: int, title: Field = "", due: Field = "") -> Response:
    def change() -> object:
        return case_work.add_case_task(page.ctx, case_id, title, day(due, "due"))

    return _act(page, case_id, "task", change)


@router.post("/cases/{case_id}/tasks/{task_id}")
def set_task_done(page: SignedIn, case_id: int, task_id: int, done: Field = "1") -> Response:
    def change() -> object:
        shown = service.get_case(page.ctx, case_id)
        if task_id not in {t.id for t in shown.tasks if t.case_id == case_id}:
            raise HiddenError("no task with this id")  # of another case: as one of none
        return case_work.set_task_done(page.ctx, task_id, done == "1")

    return _act(page, case_id, "tasks", change)


@router.post("/cases/{case_id}/marking")
def mark_case(page: SignedIn, case_id: int, marking: Field = "") -> Response:
    def change() -> object | None:
        return service.mark_case(page.ctx, case_id, marking)

    return marked_change(page, "marking", change, _back(case_id), _again(page, case_id))


@router.post("/cases/{case_id}/share")
def share_case(
    page: SignedIn, case_id: int, orgs: Field = "", people: Field = "", action: Field = "add"
) -> Response:
    def change() -> object | None:
        named, remove = (listed_names(orgs), listed_names(people)), action == "remove"
        return service.share_case(page.ctx, case_id, *named, remove)

    return marked_change(page, "share", change, _back(case_id), _again(page, case_id))


def _back(case_id: int) -> tuple[str, str]:
    return f"/cases/{case_id}", "/cases"


def _again(page: Page, case_id: int) -> Callable[[Refusal], Response]:
    return lambda refused: _case_page(page, case_id, refused)


def _act(page: Page, case_id: int, form: str, change: Callable[[], object]) -> Response:
    """Make the change and show the case again, or the case with the refusal beside the form
    (a hidden case, or a task of none the principal sees: the 404 page)."""
    try:
        change()
    except HiddenError:
        raise NotFoundError from None
    except (InvalidError, BadQueryError, NotAllowedError) as exc:
        return _case_page(page, case_id, refusal_of(form, exc))
    return page.redirect(f"/cases/{case_id}#{form}")


def _case_page(page: Page, case_id: int, refused: Refusal | None = None) -> Response:
    try:
        shown = service.get_case(page.ctx, case_id)
    except HiddenError:
        raise NotFoundError from None
    return page.render(
        "case.html",
        status=refused.status if refused else 200,
        current="cases",
        shown=shown,
        case=shown.case,
        refused=refused,
        statuses=rules.STATUSES,
        link_kinds=rules.LINK_KINDS,
        markings=[m.value for m in TLP],
    )


def _new_page(
    page: Page, kind: str, origin_id: str, title: str, refused: Refusal | None = None
) -> Response:
    return page.render(
        "case_new.html",
        status=refused.status if refused else 200,
        current="cases",
        origin_kind=kind,
        origin_id=origin_id,
        title_text=title,
        refused=refused,
        markings=[m.value for m in TLP],
        default_marking=TLP.AMBER_STRICT.value,
    )
