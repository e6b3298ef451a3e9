"""The TAXII collections' pure part (outpost.export.taxii): which object goes in which
collection by its marking, and the spec's filters and paging over them, on hand-made objects
(the server's own tests read a real one with taxii2-client)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outpost.export.taxii import (
    MAX_LIMIT,
    Query,
    TaxiiQueryError,
    added_times,
    collections,
    entries,
    select,
)
from outpost.export.tlp import MARKING_IDS, marking_definition
from outpost.markings import TLP


def obj(n: int, marking: TLP = TLP.CLEAR, kind: str = "note", day: int = 1) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--00000000-0000-4000-8000-{n:012d}",
        "created": f"2025-01-{day:02d}T00:00:00.000Z",
        "modified": f"2025-01-{day:02d}T00:00:00.000Z",
        "object_marking_refs": [MARKING_IDS[marking]],
    }


def keys(org: str | None, kind: str | None) -> list[str]:
    return [c.key for c in collections(org, kind)]


def test_the_collections_of_each_kind_of_caller() -> None:
    assert keys(None, None) == ["public"]
    assert keys("p1", "partner") == ["public", "org-p1"]
    assert keys("m1", "member") == ["public", "alliance", "org-m1"]
    assert keys("crc", "centre") == ["public", "alliance", "org-crc"]
    assert collections("m1", "member")[2].id != collections("m2", "member")[2].id


def test_each_object_goes_where_its_marking_says() -> None:
    made = [obj(i, marking) for i, marking in enumerate(TLP)] + [marking_definition(TLP.RED)]
    public, alliance, org = collections("m1", "member")
    assert [e.object for e in entries(made, public)] == [marking_definition(TLP.RED), made[0]]
    assert {e.id for e in entries(made, alliance)} == {made[0]["id"], made[1]["id"], made[5]["id"]}
    assert [e.object for e in entries(made, org)] == made[2:5]


@given(st.lists(st.integers(1, 28), max_size=30), st.integers(1, 7))
def test_paging_gives_every_object_once_in_order(days: list[int], limit: int) -> None:
    public = collections(None, None)[0]
    found = entries([obj(i, day=d) for i, d in enumerate(days)], public)
    seen: list[str] = []
    token: str | None = None
    while True:
        page = select(found, Query(limit=limit, next=token))
        assert len(page.entries) <= limit
        seen += [e.id for e in page.entries]
        if not page.more:
            break
        token = page.next
    assert seen == [e.id for e in found]


def test_filters() -> None:
    made = [obj(1, day=1), obj(2, kind="report", day=2), obj(3, day=3)]
    found = entries(made, collections(None, None)[0])

    def ids(query: Query) -> list[str]:
        return [e.id for e in select(found, query).entries]

    assert ids(Query(added_after="2025-01-02T00:00:00Z")) == [made[2]["id"]]
    assert ids(Query(types=("report",))) == [made[1]["id"]]
    assert ids(Query(ids=(made[0]["id"], made[2]["id"]))) == [made[0]["id"], made[2]["id"]]
    assert ids(Query(versions=("2025-01-03T00:00:00.000Z",))) == [made[2]["id"]]
    assert ids(Query(versions=("first",))) == ids(Query(versions=("all",))) == ids(Query())
    assert ids(Query(spec_versions=("2.0",))) == []


def test_a_limit_above_the_cap_is_capped_not_refused() -> None:
    found = entries([obj(i) for i in range(MAX_LIMIT + 5)], collections(None, None)[0])
    page = select(found, Query(limit=10_000))
    assert len(page.entries) == MAX_LIMIT and page.more
    assert len(select(found, Query(next=page.next)).entries) == 5


@pytest.mark.parametrize(
    "query",
    [
        Query(added_after="yesterday"),
        Query(added_after="2025-01-01T00:00:00"),  # no zone
        Query(versions=("latest",)),
        Query(limit=0),
        Query(next="not a token"),
        Query(next="bm90IGEgdG9rZW4="),  # base64 of text that is not ours
    ],
)
def test_a_filter_that_cannot_be_is_refused_by_name(query: Query) -> None:
    found = entries([obj(1)], collections(None, None)[0])
    with pytest.raises(TaxiiQueryError):
        select(found, query)


def event(n: int, article: str, refs: list[str], day: int = 1) -> dict[str, Any]:
    return obj(n, kind="report", day=day) | {
        "labels": ["event", "attack"],
        "object_refs": refs,
        "external_references": [{"source_name": "voa", "external_id": article}],
    }


def test_an_object_is_added_when_the_article_that_brought_it_was_fetched() -> None:
    """Published in January, fetched in March: a partner polling since February gets the
    event, the actors and place it brought, the relationship between them and its story."""
    actor, target, place = (
        obj(n, kind=k) for n, k in ((10, "identity"), (11, "identity"), (12, "location"))
    )
    early = event(1, "a1", [actor["id"]], day=1)
    late = event(2, "a2", [actor["id"], target["id"], place["id"]], day=2)
    targets = obj(20, kind="relationship") | {"source_ref": actor["id"], "target_ref": target["id"]}
    story = obj(30, kind="report") | {"labels": ["story"], "object_refs": [early["id"], late["id"]]}
    note = obj(40, day=5)
    made = [actor, target, place, early, late, targets, story, note]
    fetched = {"a1": datetime(2025, 1, 3, tzinfo=UTC), "a2": datetime(2025, 3, 1, tzinfo=UTC)}
    found = entries(made, collections(None, None)[0], added_times(made, fetched))
    since = select(found, Query(added_after="2025-02-01T00:00:00Z")).entries
    assert {e.id for e in since} == {x["id"] for x in (target, place, late, targets, story)}
    by_id = {e.id: e for e in found}
    assert by_id[late["id"]].manifest()["date_added"] == "2025-03-01T00:00:00.000Z"
    assert by_id[late["id"]].manifest()["version"] == late["modified"]  # the version stays
    assert by_id[actor["id"]].date_added == "2025-01-03T00:00:00.000Z"  # its first report's
    assert by_id[note["id"]].date_added == note["modified"]  # made here: its version
    # Fetched before its version (a clock ahead of the feed): added no earlier than that.
    ahead = added_times([early], {"a1": datetime(2024, 12, 1, tzinfo=UTC)})
    assert entries([early], collections(None, None)[0], ahead)[0].date_added == early["modified"]
