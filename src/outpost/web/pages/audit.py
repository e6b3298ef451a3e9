"""The audit log: its entries (newest first, a page at a time, filtered by who, action,
target and days), and checking its hash chain, which names the first broken link.

Who reads what is services.audit's rule: an administrator the whole log and the check; a
coordinator the entries about its own organisation and its people; anyone else the 403
page. An entry outside one's part is not in the list, as if it did not exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from outpost.respond.checks import InvalidError
from outpost.respond.people import Action, may, refusal
from outpost.services.audit import (
    AuditCheck,
    audit_filter,
    check_audit,
    may_read_audit,
    search_audit,
)
from outpost.store.audit import AuditFilter
from outpost.web.forms import day
from outpost.web.page import Page, SignedIn

router = APIRouter()

AUDIT_PATH = "/audit"
SHOWN = 50  # entries on a page
MAX_FIELD = 300


@router.get(AUDIT_PATH)
def read_audit(
    page: SignedIn,
    actor: str = "",
    action: str = "",
    target: str = "",
    since: str = "",
    until: str = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    return _audit_page(page, _typed(actor, action, target, since, until), before)


@router.get(AUDIT_PATH + "/verify")
def verify_audit(page: SignedIn) -> Response:
    """Check the whole chain (administrators: check_audit refuses anyone else)."""
    return _audit_page(page, {}, None, check_audit(page.ctx))


def _typed(*values: str) -> dict[str, str]:
    names = ("actor", "action", "target", "since", "until")
    return {name: value.strip()[:MAX_FIELD] for name, value in zip(names, values, strict=True)}


def _audit_page(
    page: Page, typed: dict[str, str], before: int | None, checked: AuditCheck | None = None
) -> Response:
    if not may_read_audit(page.ctx.who):  # first: a refusal says nothing of the filters
        raise refusal(page.ctx.who, "read the audit log")
    problem = None
    try:
        asked = _filter(typed, before)
        entries = search_audit(page.ctx, asked, SHOWN + 1)  # one more: is there a next page
    except InvalidError as exc:
        problem, entries = str(exc), []
    return page.render(
        "audit.html",
        status=400 if problem else 200,
        current="audit",
        entries=entries[:SHOWN],
        next_before=entries[SHOWN - 1].id if len(entries) > SHOWN else None,
        typed=typed,
        query={k: v for k, v in typed.items() if v},
        problem=problem,
        checked=checked,
        may_verify=may(page.ctx.who, Action.READ_AUDIT),
    )


def _filter(typed: dict[str, str], before: int | None) -> AuditFilter:
    since, until = day(typed.get("since", ""), "since"), day(typed.get("until", ""), "until")
    after = until + timedelta(days=1) if until else None  # the "To" day is included
    return audit_filter(
        typed.get("actor"), typed.get("action"), typed.get("target"), since, after, before
    )
