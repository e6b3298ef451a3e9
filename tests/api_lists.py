"""What the tests of the API's lists share: walking a list page after page through its
cursors, and times written as a client would write them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tests.test_api_auth import Api

DUSHANBE = timezone(timedelta(hours=5))  # a time with an offset, converted to UTC by the API


def walk(
    api: Api, path: str, params: dict[str, Any] | None = None, limit: int = 7
) -> tuple[list[dict[str, Any]], set[int]]:
    """Every item of a list, page after page, and the totals the pages gave; each item
    once (the cursor goes on after the last one shown)."""
    items: list[dict[str, Any]] = []
    totals: set[int] = set()
    cursor = None
    for _ in range(1000):
        asked = {**(params or {}), "limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = api.get(path, params=asked)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= limit
        items += page["items"]
        totals.add(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items, totals
        assert page["items"], "a page that says more follow has items"
    raise AssertionError("more than 1,000 pages")


def iso(moment: datetime) -> str:
    """The moment as ISO 8601 with an offset other than UTC's."""
    return moment.astimezone(DUSHANBE).isoformat()


def ids(items: list[dict[str, Any]], key: str = "id") -> list[Any]:
    return [item[key] for item in items]
