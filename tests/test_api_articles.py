"""/api/v1/articles and /api/v1/search on the analysed samples, on SQLite and PostgreSQL: each
filter, given as a client writes it, lists exactly the articles the store's facts say it must,
pages walk every article once with a total that matches, one article comes with its facts
(spans that point into its text, its near duplicates), search finds what the full-text index
finds, and what cannot be asked is the problem that says why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from outpost.store.search import MAX_HITS, search
from tests.api_lists import ids, iso, walk
from tests.lists_store import TIED, EventFact, Fact, facts, in_box, most_common, searched
from tests.test_api_auth import Api, problem

Known = tuple[dict[int, Fact], dict[int, EventFact]]
Case = tuple[dict[str, Any], Callable[[Fact], bool]]


@pytest.fixture(scope="module")
def known(lists_api: Api) -> Known:
    return facts(lists_api.context.engine)


def cases(api: Api, known: Known) -> dict[str, Case]:
    """A filter of each kind, its value taken from the data, and what it must find."""
    every = list(known[0].values())
    n = len(every)
    country = most_common((c for a in every for c in a.countries), n)
    admin1 = most_common((d for a in every for d in a.admin1), n)
    domain = most_common((d for a in every for d in a.domains), n)
    kind = most_common((t for a in every for t in a.types), n)
    actor = most_common((x for a in every for x in a.actors), n)
    box = (66.0, 29.0, 71.0, 34.0)  # around Balochistan
    times = sorted(a.time for a in every)
    since, until = times[n // 3], times[2 * n // 3]
    uids = searched(api.context, "Pakistan")
    return {
        "country": ({"country": country.lower()}, lambda a: country in a.countries),
        "admin1": ({"admin1": admin1}, lambda a: admin1 in a.admin1),
        "bbox": (
            {"bbox": ",".join(map(str, box))},
            lambda a: any(in_box(p, box) for p in a.event_points),
        ),
        "domain": ({"domain": domain}, lambda a: domain in a.domains),
        "event_type": ({"event_type": kind}, lambda a: kind in a.types),
        "actor": ({"actor": actor}, lambda a: actor in a.actors),
        "lang": ({"lang": "ru"}, lambda a: a.lang == "ru"),
        "source": ({"source": "ties"}, lambda a: a.source == "ties"),
        "q": ({"q": "Pakistan"}, lambda a: a.uid in uids),
        "since": ({"since": iso(since)}, lambda a: a.time >= since),
        "until": ({"until": iso(until)}, lambda a: a.time < until),
        "a day": (
            {"since": TIED[:10], "until": "2025-03-21"},
            lambda a: a.time.date() == date(2025, 3, 20),
        ),
        "three": (
            {"until": iso(until), "domain": domain, "country": country},
            lambda a: a.time < until and domain in a.domains and country in a.countries,
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "country",
        "admin1",
        "bbox",
        "domain",
        "event_type",
        "actor",
        "lang",
        "source",
        "q",
        "since",
        "until",
        "a day",
        "three",
    ],
)
def test_each_filter_lists_exactly_the_articles_it_must(
    lists_api: Api, known: Known, name: str
) -> None:
    params, wanted = cases(lists_api, known)[name]
    found = sorted((a for a in known[0].values() if wanted(a)), key=lambda a: (a.time, a.id))
    expected = [a.uid for a in reversed(found)]  # newest first
    items, totals = walk(lists_api, "/articles", params, limit=3)
    assert 0 < len(expected) < len(known[0]), f"{name}: the case must narrow"
    assert ids(items) == expected
    assert totals == {len(expected)}


@pytest.mark.parametrize("sort", ["-published", "published"])
def test_pages_walk_every_article_once_in_order(lists_api: Api, known: Known, sort: str) -> None:
    ordered = sorted(known[0].values(), key=lambda a: (a.time, a.id), reverse=sort[0] == "-")
    items, totals = walk(lists_api, "/articles", {"sort": sort}, limit=2)
    assert ids(items) == [a.uid for a in ordered]
    assert totals == {len(ordered)}
    times = [datetime.fromisoformat(i["published"] or i["fetched"]) for i in items]
    assert times == sorted(times, reverse=sort[0] == "-")
    assert sum(t == datetime.fromisoformat(TIED) for t in times) >= 4, "ties on the sort value"
    assert "text" not in items[0] and "locator" not in items[0]  # the list is light


def test_one_article_with_its_facts(lists_api: Api, known: Known) -> None:
    article = max(known[0].values(), key=lambda a: len(a.points))
    answer = lists_api.get(f"/articles/{article.uid}")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["id"] == article.uid and found["source"] == article.source
    assert found["mentions"] and found["places"] and found["dates"]
    for span in (*found["mentions"], *found["places"], *found["dates"]):
        assert found["text"][span["start"] : span["end"]] == span["text"]
    assert {m["kb_id"] for m in found["mentions"] if m["kb_id"]} == article.actors
    assert {p["country"] for p in found["places"] if p["country"]} <= article.countries
    problem(lists_api.get("/articles/no-such-article"), 404, "not-found")
    body = problem(lists_api.get("/articles/a%00b"), 422, "validation")
    assert body["errors"][0]["location"] == "path.article_id"


def test_an_article_names_its_near_duplicates_both_ways(lists_api: Api) -> None:
    ties, _ = walk(lists_api, "/articles", {"source": "ties"}, limit=50)
    (near,) = [a for a in ties if a["near_duplicate_of"] is not None]
    original = lists_api.get(f"/articles/{near['near_duplicate_of']}").json()
    copy = lists_api.get(f"/articles/{near['id']}").json()
    assert ids(original["near_duplicates"]) == [near["id"]] and original["original"] is None
    assert copy["original"]["id"] == near["near_duplicate_of"] and copy["near_duplicates"] == []


def test_search_finds_what_the_index_finds_with_the_total(lists_api: Api) -> None:
    with lists_api.context.engine.connect() as conn:
        ranked = [hit.article.uid for hit in search(conn, "Pakistan attack", MAX_HITS)]
    assert len(ranked) > 3
    found = lists_api.get("/search", params={"q": "Pakistan attack", "limit": 3}).json()
    assert [h["article"]["id"] for h in found["items"]] == ranked[:3]  # best first
    assert found["total"] == len(ranked)
    assert all("«" in h["snippet"] for h in found["items"])
    listed = lists_api.get("/articles", params={"q": "Pakistan attack"}).json()
    assert listed["total"] == found["total"]  # the list's q finds the same articles
    nothing = lists_api.get("/search", params={"q": "zzzqqq"}).json()
    assert nothing == {"items": [], "total": 0, "total_exact": True}


def test_a_search_refused_is_a_bad_query_not_a_server_error(lists_api: Api) -> None:
    many = " ".join(f"word{n}" for n in range(13))
    body = problem(lists_api.get("/search", params={"q": many}), 400, "bad-query")
    assert body["detail"].startswith("q: ") and "12" in body["detail"]
    problem(lists_api.get("/search", params={"q": "x" * 65}), 400, "bad-query")
    problem(lists_api.get("/articles", params={"q": "x" * 65}), 400, "bad-query")
    problem(lists_api.get("/search"), 422, "validation")
    problem(lists_api.get("/search", params={"q": "Pakistan", "limit": 101}), 422, "validation")


@pytest.mark.parametrize(
    ("params", "status", "kind", "named"),
    [
        ({"cursor": "x"}, 400, "bad-query", "cursor"),
        ({"cursor": "W10"}, 400, "bad-query", "cursor"),
        ({"sort": "-score"}, 422, "validation", "query.sort"),  # an events sort
        ({"since": "2025-03-20T09:00:00"}, 422, "validation", "query.since"),  # no offset
        ({"until": "yesterday"}, 422, "validation", "query.until"),
        ({"until": "0001-01-01T00:00+01:00"}, 422, "validation", "query.until"),
        ({"country": "AFG"}, 422, "validation", "query.country"),
        ({"bbox": "60,29,75"}, 422, "validation", "query.bbox"),
        ({"bbox": "60,29,75,nan"}, 422, "validation", "query.bbox"),
        ({"bbox": "60,29,75,91"}, 400, "bad-query", "bbox"),
        ({"lang": "x" * 17}, 400, "bad-query", "lang"),
        ({"limit": 0}, 422, "validation", "query.limit"),
        ({"topic": "drugs"}, 422, "validation", "query.topic"),
        ({"source": "a\x00b"}, 422, "validation", "query.source"),  # PostgreSQL refuses NUL
    ],
)
def test_what_cannot_be_asked_is_a_problem_naming_it(
    lists_api: Api, params: dict[str, Any], status: int, kind: str, named: str
) -> None:
    body = problem(lists_api.get("/articles", params=params), status, kind)
    if kind == "validation":
        assert [e["location"] for e in body["errors"]] == [named]
    else:
        assert body["detail"].startswith(f"{named}: ")


def test_a_cursor_of_another_sort_is_a_bad_query(lists_api: Api) -> None:
    cursor = lists_api.get("/articles", params={"limit": 2}).json()["next_cursor"]
    assert cursor
    again = lists_api.get("/articles", params={"limit": 2, "cursor": cursor}).json()
    assert again["items"]
    other = lists_api.get("/articles", params={"sort": "published", "cursor": cursor})
    assert "cursor" in problem(other, 400, "bad-query")["detail"]
    stories = lists_api.get("/stories", params={"cursor": cursor})  # another list's
    problem(stories, 400, "bad-query")


@pytest.mark.parametrize(
    "path",
    [
        "/articles",
        "/articles/x",
        "/search?q=a",
        "/events",
        "/events/1",
        "/actors",
        "/actors/person:putin",
        "/places",
        "/map",
        "/stories",
        "/stories/s-x",
        "/stories/s-x/timeline",
        "/jobs",
    ],
)
def test_every_list_and_item_wants_a_token(lists_api: Api, path: str) -> None:
    problem(lists_api.client.get(f"/api/v1{path}"), 401, "unauthorized")
    wrong = {"Authorization": "Bearer op_" + "A" * 43}
    problem(lists_api.client.get(f"/api/v1{path}", headers=wrong), 401, "unauthorized")
