"""/api/v1/actors on the analysed samples, on SQLite and PostgreSQL: the knowledge base's
actors found by any of their names, a page at a time in either order with the total, each
with its events and articles in the store; one actor's profile as the store's facts say."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from outpost.kb.actors import load_kb
from outpost.store.schema import mentions
from tests.api_lists import ids, walk
from tests.lists_store import EventFact, Fact, facts
from tests.test_api_auth import Api, problem

Known = tuple[dict[int, Fact], dict[int, EventFact]]


@pytest.fixture(scope="module")
def known(lists_api: Api) -> Known:
    return facts(lists_api.context.engine)


def test_actors_are_found_by_any_name_with_their_counts(lists_api: Api, known: Known) -> None:
    articles, events = known
    found = lists_api.get("/actors", params={"q": "ПУТИН"}).json()  # a Russian spelling
    (putin,) = found["items"]
    assert found["total"] == 1 and found["next_cursor"] is None
    assert putin["id"] == "person:putin" and putin["name"] == "Vladimir Putin"
    assert "Путин" in " ".join(putin["names"]["ru"])
    assert putin["events"] == sum("person:putin" in e.parties for e in events.values()) > 0
    assert putin["articles"] == sum("person:putin" in a.actors for a in articles.values()) > 0


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_pages_walk_every_actor_once_by_name(lists_api: Api, sort: str) -> None:
    kb = load_kb()
    everyone, totals = walk(lists_api, "/actors", {"sort": sort}, limit=40)
    assert totals == {len(kb.entities)} and sorted(ids(everyone)) == sorted(kb.entities)
    names = [(a["name"].casefold(), a["id"]) for a in everyone]
    assert names == sorted(names, reverse=sort == "-name")


def test_an_actors_profile(lists_api: Api, known: Known) -> None:
    articles = known[0]
    answer = lists_api.get("/actors/person:putin")
    assert answer.status_code == 200, answer.text
    profile = answer.json()
    assert profile["id"] == "person:putin" and profile["wikidata"]
    assert sum(d["count"] for d in profile["days"]) == profile["events"]
    assert ids(profile["days"], "day") == sorted(ids(profile["days"], "day"))
    with lists_api.context.engine.connect() as conn:
        texts = select(mentions.c.text).where(mentions.c.kb_id == "person:putin")
        written = Counter(conn.execute(texts).scalars().all())
    assert {s["key"]: s["count"] for s in profile["spellings"]} == dict(written)
    with_putin = [a for a in articles.values() if "person:putin" in a.actors]
    beside = Counter(x for a in with_putin for x in a.actors if x != "person:putin")
    ranked = sorted(beside.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    assert [(c["key"], c["count"]) for c in profile["beside"]] == ranked
    assert {s["id"] for s in profile["stories"]} == {a.story for a in with_putin}
    assert any(r["of"] == "RU" for r in profile["roles"])


def test_actor_refusals(lists_api: Api) -> None:
    problem(lists_api.get("/actors/person:nobody"), 404, "not-found")
    body = problem(lists_api.get("/actors", params={"q": "x" * 201}), 400, "bad-query")
    assert body["detail"].startswith("q: ")
    body = problem(lists_api.get("/actors", params={"country": "RU"}), 400, "bad-query")
    assert body["detail"] == "country: not a filter of this list (these are: q)"
    problem(lists_api.get("/actors", params={"sort": "-events"}), 422, "validation")
    problem(lists_api.get("/actors", params={"cursor": "eyJ4Ijox"}), 400, "bad-query")
