"""The alerts inbox: the list, acknowledge and close (htmx POSTs carrying the CSRF token), and
live updates by server-sent events.

The stream polls the store once a second for alerts changed since what it last sent and
sends each as a fragment htmx swaps out of band: an alert raised after the page was made is
put at the top (after removing any copy of it, so a race between the page and the stream
never shows it twice), an older one is replaced where it is, one that no longer matches the
page's filter is removed. It ends when the browser goes away or the session expires.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import Response
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from outpost.records import Alert
from outpost.services.alerts import STATES, alerts_changed, get_alert, list_alerts, set_alert_state
from outpost.services.context import Context
from outpost.web.page import Page, SignedIn, Visitor, still_signed_in

router = APIRouter()

SHOWN = 100  # alerts on the page
POLL_SECONDS = 1.0
POLLED = 500  # alerts read per poll at most, oldest change first: the rest come next poll
PING_SECONDS = 15


@router.get("/alerts")
def read_alerts(page: SignedIn, state: str | None = None) -> Response:
    chosen = state if state in STATES else None
    opened = datetime.now(UTC)  # before reading: what changes after it, the stream sends
    found = list_alerts(page.ctx, chosen, limit=SHOWN)
    query = f"after={opened.timestamp():.6f}" + (f"&state={chosen}" if chosen else "")
    return page.render(
        "alerts.html",
        current="alerts",
        alerts=found,
        state=chosen,
        states=STATES,
        stream=f"/alerts/stream?{query}",
    )


@router.post("/alerts/{alert_id}/state")
def update_alert_state(
    page: SignedIn, alert_id: int, state: Annotated[str, Form(max_length=20)]
) -> Response:
    if state not in STATES:
        raise HTTPException(400, "state: new, acknowledged or closed")
    if not set_alert_state(page.ctx, alert_id, state, datetime.now(UTC)):
        raise HTTPException(404, "no such alert")
    if not page.request.headers.get("hx-request"):
        return page.redirect("/alerts")  # a browser without scripts posted the form
    alert = _find(page.ctx, alert_id)
    if alert is None:  # pragma: no cover - removed between the update and the read
        raise HTTPException(404, "no such alert")
    return page.render("_alert.html", alert=alert)


def _find(ctx: Context, alert_id: int) -> Alert | None:
    found = get_alert(ctx, alert_id)
    return found.alert if found else None


@router.get("/alerts/stream")
async def stream_alerts(page: Visitor, after: str = "", state: str | None = None) -> Response:
    if not page.session.signed_in:
        return Response(status_code=204)  # EventSource stops reconnecting on 204
    try:
        since = datetime.fromtimestamp(float(after), UTC)
    except (ValueError, OverflowError, OSError):
        since = datetime.now(UTC)
    chosen = state if state in STATES else None
    return EventSourceResponse(_changes(page, since, chosen), ping=PING_SECONDS)


async def _changes(
    page: Page, opened: datetime, state: str | None
) -> AsyncIterator[ServerSentEvent]:
    sent: dict[int, datetime] = {}  # alert id -> the version of it last sent
    cursor = opened
    while datetime.now(UTC) < page.session.expires:
        if await page.request.is_disconnected():
            return
        if not await run_in_threadpool(still_signed_in, page.ctx, page.session):
            return  # its token was revoked
        found = await run_in_threadpool(alerts_changed, page.ctx, cursor, POLLED)
        changed = [a for a in found if sent.get(a.id) != a.updated]
        if changed:
            cursor = max(a.updated for a in changed)
            sent.update((a.id, a.updated) for a in changed)
            yield ServerSentEvent(_fragments(page, changed, opened, state), event="alerts")
        if len(found) < POLLED:  # else more are waiting: read on at once
            await asyncio.sleep(POLL_SECONDS)


def _fragments(page: Page, changed: list[Alert], opened: datetime, state: str | None) -> str:
    oldest_first = sorted(changed, key=lambda a: (a.updated, a.id))
    template = page.web.environments[page.lang].get_template("_alert_oob.html")
    return template.render(**page.common(), alerts=oldest_first, opened=opened, state=state)
