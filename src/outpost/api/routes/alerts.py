"""/alerts: the analysts' inbox; an alert acknowledged or closed records who and when."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from outpost.api.deps import ContextDep
from outpost.api.problems import documented, not_found
from outpost.api.schemas.alerts import AlertPublic, AlertUpdate, State, alert_public
from outpost.api.schemas.common import MAX_ID, Page
from outpost.services import alerts as service
from outpost.services.paging import MAX_CURSOR, MAX_LIMIT, Window
from outpost.store.times import now

router = APIRouter(prefix="/alerts", tags=["alerts"], responses=documented("unauthorized"))
AlertId = Annotated[int, Path(ge=1, le=MAX_ID)]
Sort = Annotated[
    str | None,
    Query(
        pattern="^-?(updated|created)$",
        description="-updated (default: newest activity first), updated, -created, created",
    ),
]
Cursor = Annotated[
    str | None, Query(max_length=MAX_CURSOR, description="next_cursor of the page before.")
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.get("", response_model=Page[AlertPublic], responses=documented("bad-query"))
def read_alerts(
    ctx: ContextDep,
    state: State | None = None,
    sort: Sort = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[AlertPublic]:
    """The inbox, a page at a time, with each alert's evidence and deliveries."""
    page = service.page_alerts(ctx, state, Window(sort, cursor, limit))
    return Page[AlertPublic](
        items=[alert_public(a) for a in page.items],
        total=page.total,
        total_exact=page.exact,
        next_cursor=page.next_cursor,
    )


@router.get("/{alert_id}", response_model=AlertPublic, responses=documented("not-found"))
def read_alert(ctx: ContextDep, alert_id: AlertId) -> AlertPublic:
    found = service.get_alert(ctx, alert_id)
    if found is None:
        raise not_found("alert")
    return alert_public(found)


@router.patch(
    "/{alert_id}",
    response_model=AlertPublic,
    responses=documented("not-found", "bad-request", "forbidden"),
)
def update_alert(ctx: ContextDep, alert_id: AlertId, change: AlertUpdate) -> AlertPublic:
    """Acknowledge or close the alert as the token's principal (who and when are kept); an
    alert already in that state keeps who put it there."""
    found = service.handle_alert(ctx, alert_id, change.state, now())
    if found is None:
        raise not_found("alert")
    return alert_public(found)
