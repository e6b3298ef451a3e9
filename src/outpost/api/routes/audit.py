"""/audit: the audit log's entries the principal may read (an administrator all, a
coordinator those about its organisation and its people: services.audit.search_audit),
newest first, filtered, a page at a time; /audit/verify checks the whole chain
(administrators only) and names its first broken link."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from outpost.api.deps import ContextDep
from outpost.api.problems import documented
from outpost.api.schemas.audit import (
    AuditCheckPublic,
    AuditPage,
    check_public,
    entry_public,
)
from outpost.api.schemas.common import MAX_ID
from outpost.services.audit import audit_filter, check_audit, search_audit

router = APIRouter(
    prefix="/audit", tags=["audit"], responses=documented("unauthorized", "forbidden")
)
Text = Annotated[str | None, Query(max_length=300)]


@router.get("", response_model=AuditPage)
def read_audit(
    ctx: ContextDep,
    actor: Text = None,
    action: Text = None,
    target: Text = None,
    since: Annotated[date | None, Query(description="From this day (UTC).")] = None,
    until: Annotated[date | None, Query(description="Before this day (UTC).")] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Older than.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPage:
    """Entries newest first. `action` finds itself and the actions under it ("user" finds
    user.add and user.password)."""
    asked = audit_filter(actor, action, target, since, until, before)
    found = search_audit(ctx, asked, limit + 1)  # one more: is there a next page
    items = [entry_public(e) for e in found[:limit]]
    return AuditPage(items=items, next_before=found[limit - 1].id if len(found) > limit else None)


@router.get("/verify", response_model=AuditCheckPublic)
def read_audit_check(ctx: ContextDep) -> AuditCheckPublic:
    """Check the whole hash chain (administrators only)."""
    return check_public(check_audit(ctx))
