"""/api/v1/alerts on SQLite and PostgreSQL: the inbox a page at a time (a cursor that goes on
after the last alert shown, the total of every page), one alert, and an acknowledgement or
closing that records who did it and when; the CLI's records its operator the same way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from outpost.config import Settings
from outpost.services.alerts import set_alert_state
from outpost.services.context import SYSTEM_WATCH, Context
from outpost.store.alerts import get_handled, raise_alert
from tests.test_api_auth import BOB, Api, problem, running_api

T0 = datetime(2025, 3, 1, 8, tzinfo=UTC)


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    yield from running_api(settings)


def raise_alerts(ctx: Context, count: int) -> list[int]:
    """`count` alerts, the n-th created at T0 + n hours, with its evidence."""
    ids = []
    for n in range(count):
        evidence = [
            {
                "article": f"a{n}",
                "kind": "event",
                "label": "ATTACK",
                "sentence": f"Shots were fired at post {n}.",
                "confidence": 0.8,
                "url": f"https://news.example/{n}",
            }
        ]
        grade = {"severity": "severe", "urgency": "immediate", "certainty": "likely"}
        with ctx.engine.begin() as conn:
            alert_id, _ = raise_alert(
                conn,
                "border",
                f"story-{n}",
                None,
                grade,
                f"Alert {n}",
                evidence,
                (),
                T0 + timedelta(hours=n),
            )
        ids.append(alert_id)
    return ids


def test_the_inbox_pages_with_a_cursor_and_a_total(api: Api) -> None:
    ids = raise_alerts(api.context, 5)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/alerts", params=params).json()
        assert page["total"] == 5
        seen += [a["id"] for a in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1] and pages == 3  # newest activity first, each alert once
    oldest = api.get("/alerts", params={"sort": "created", "limit": 10}).json()
    assert [a["id"] for a in oldest["items"]] == ids
    first = oldest["items"][0]
    assert first["evidence"] == [
        {
            "kind": "event",
            "label": "ATTACK",
            "sentence": "Shots were fired at post 0.",
            "confidence": 0.8,
            "article": "a0",
            "url": "https://news.example/0",
        }
    ]
    assert first["state"] == "new" and first["acknowledged_by"] is None
    assert first["created"] == "2025-03-01T08:00:00Z"


def test_a_bad_cursor_or_one_of_another_sort_is_a_bad_query(api: Api) -> None:
    raise_alerts(api.context, 3)
    cursor = api.get("/alerts", params={"limit": 1}).json()["next_cursor"]
    body = problem(
        api.get("/alerts", params={"cursor": cursor, "sort": "created"}), 400, "bad-query"
    )
    assert "cursor" in body["detail"]
    for bad in ("x", cursor[:-3], "eyJhIjoxfQ", "W10"):
        problem(api.get("/alerts", params={"cursor": bad}), 400, "bad-query")


def test_acknowledge_and_close_record_who_and_when(api: Api) -> None:
    (alert_id, other) = raise_alerts(api.context, 2)
    before = datetime.now(UTC)
    acked = api.call("PATCH", f"/alerts/{alert_id}", json={"state": "acknowledged"}).json()
    assert acked["state"] == "acknowledged" and acked["acknowledged_by"] == "operator:alice"
    assert before <= datetime.fromisoformat(acked["acknowledged_at"]) <= datetime.now(UTC)
    # Bob acknowledging it again changes nothing: Alice did, then.
    bobs = api.token(BOB)
    again = api.call("PATCH", f"/alerts/{alert_id}", secret=bobs, json={"state": "acknowledged"})
    assert again.json()["acknowledged_by"] == "operator:alice"
    assert again.json()["acknowledged_at"] == acked["acknowledged_at"]
    closed = api.call("PATCH", f"/alerts/{alert_id}", secret=bobs, json={"state": "closed"}).json()
    assert closed["state"] == "closed" and closed["closed_by"] == "operator:bob"
    assert closed["acknowledged_by"] == "operator:alice" and closed["closed_at"]
    assert api.get(f"/alerts/{alert_id}").json() == closed
    listed = api.get("/alerts", params={"state": "closed"}).json()
    assert [a["id"] for a in listed["items"]] == [alert_id] and listed["total"] == 1
    # Acknowledging a closed alert reopens it; who closed it is no longer said.
    reopened = api.call("PATCH", f"/alerts/{alert_id}", json={"state": "acknowledged"}).json()
    assert reopened["state"] == "acknowledged" and reopened["closed_by"] is None
    # The CLI's path (the service the CLI calls) records the operator it acts as.
    operator = api.context.acting(BOB)
    assert set_alert_state(operator, other, "closed", datetime.now(UTC))
    with api.context.engine.connect() as conn:
        handled = get_handled(conn, SYSTEM_WATCH, other)
    assert handled is not None and handled.closed_by == "operator:bob"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "kind"),
    [
        ("GET", "/alerts/999", None, 404, "not-found"),
        ("PATCH", "/alerts/999", {"state": "closed"}, 404, "not-found"),
        ("PATCH", "/alerts/1", {"state": "new"}, 422, "validation"),
        ("PATCH", "/alerts/1", {"state": "closed", "who": "mallory"}, 422, "validation"),
        ("GET", "/alerts/0", None, 422, "validation"),
        ("GET", "/alerts?sort=title", None, 422, "validation"),
        ("GET", "/alerts?limit=501", None, 422, "validation"),
    ],
)
def test_alert_errors_are_problems(
    api: Api, method: str, path: str, body: object, status: int, kind: str
) -> None:
    raise_alerts(api.context, 1)
    problem(api.call(method, path, json=body), status, kind)
