"""/api/v1/events, /api/v1/places and /api/v1/map on the analysed samples, on SQLite and
PostgreSQL: each event filter lists exactly the events the store's facts say it must, pages
walk every event once in each order with a total that matches, one event comes with its
parties and the text its evidence points into; places narrowed by their own filters, and a
filter places cannot use refused; the map counts the events the filters find, per cell."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from outpost.store.lists import keyset
from outpost.store.schema import places
from tests.api_lists import ids, iso, walk
from tests.lists_store import EventFact, Fact, facts, in_box, most_common, searched
from tests.test_api_auth import Api, problem

Known = tuple[dict[int, Fact], dict[int, EventFact]]
Case = tuple[dict[str, Any], Callable[[EventFact], bool]]


@pytest.fixture(scope="module")
def known(lists_api: Api) -> Known:
    return facts(lists_api.context.engine)


def cases(api: Api, known: Known) -> dict[str, Case]:
    """A filter of each kind, its value taken from the data, and what it must find."""
    articles, events = known
    every = list(events.values())
    n = len(every)
    country = most_common((e.country for e in every), n)
    admin1 = most_common((e.admin1 for e in every), n)
    domain = most_common((d for e in every for d in e.domains), n)
    kind = most_common((e.type for e in every), n)
    actor = most_common((p for e in every for p in e.parties), n)
    source = most_common((e.source for e in every), n)
    lat, lon = next(e.point for e in every if e.point and e.country == "PK")
    box = (lon - 2, lat - 2, lon + 2, lat + 2)
    times = sorted(e.time for e in every)
    since, until = times[n // 4], times[3 * n // 4]
    uids = searched(api.context, "train attack")
    found = {a.id for a in articles.values() if a.uid in uids}
    return {
        "country": ({"country": country.lower()}, lambda e: e.country == country),
        "admin1": ({"admin1": admin1}, lambda e: e.admin1 == admin1),
        "bbox": ({"bbox": ",".join(map(str, box))}, lambda e: in_box(e.point, box)),
        "domain": ({"domain": domain}, lambda e: domain in e.domains),
        "event_type": ({"event_type": kind}, lambda e: e.type == kind),
        "actor": ({"actor": actor}, lambda e: actor in e.parties),
        "lang": ({"lang": "ru"}, lambda e: e.lang == "ru"),
        "source": ({"source": source}, lambda e: e.source == source),
        "q": ({"q": "train attack"}, lambda e: e.article in found),
        "since": ({"since": iso(since)}, lambda e: e.time >= since),
        "until": ({"until": iso(until)}, lambda e: e.time < until),
        "three": (
            {"since": iso(since - timedelta(days=3650)), "country": country, "domain": domain},
            lambda e: e.country == country and domain in e.domains,
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
        "three",
    ],
)
def test_each_filter_lists_exactly_the_events_it_must(
    lists_api: Api, known: Known, name: str
) -> None:
    params, wanted = cases(lists_api, known)[name]
    found = sorted((e for e in known[1].values() if wanted(e)), key=lambda e: (e.time, e.id))
    expected = [e.id for e in reversed(found)]  # newest first
    items, totals = walk(lists_api, "/events", params, limit=5)
    assert 0 < len(expected) < len(known[1]), f"{name}: the case must narrow"
    assert ids(items) == expected
    assert totals == {len(expected)}
    if name == "country":  # every event listed says so itself
        assert {i["country"] for i in items} == {params["country"].upper()}


@pytest.mark.parametrize("sort", ["-published", "published", "-score"])
def test_pages_walk_every_event_once_in_order(lists_api: Api, known: Known, sort: str) -> None:
    items, totals = walk(lists_api, "/events", {"sort": sort}, limit=13)
    assert sorted(ids(items)) == sorted(known[1]) and len(set(ids(items))) == len(items)
    assert totals == {len(known[1])}
    if sort == "-score":
        keys = [(i["score"], i["id"]) for i in items]
        assert keys == sorted(keys, reverse=True)
    else:
        keys = [(known[1][i].time, i) for i in ids(items)]
        assert keys == sorted(keys, reverse=sort[0] == "-")


def test_a_total_past_the_count_bound_is_not_exact(
    lists_api: Api, known: Known, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = len(known[1])
    assert lists_api.get("/events").json()["total_exact"] is True
    monkeypatch.setattr(keyset, "COUNTED", every - 1)
    page = lists_api.get("/events", params={"limit": 1}).json()
    assert (page["total"], page["total_exact"]) == (every - 1, False)
    assert page["next_cursor"]


def test_one_event_with_its_parties_and_evidence(lists_api: Api, known: Known) -> None:
    linked = [e for e in known[1].values() if any(":" in p for p in e.parties)]  # KB ids
    event = max(linked, key=lambda e: (len(e.parties), e.id))
    answer = lists_api.get(f"/events/{event.id}")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["id"] == event.id and found["type"] == event.type
    assert found["text"][found["start"] : found["end"]] == found["evidence"]
    assert {p["id"] or p["name"] for p in found["parties"]} == event.parties
    assert [p["role"] for p in found["parties"]] == sorted(
        (p["role"] for p in found["parties"]), key=lambda role: role != "actor"
    )
    assert any(p["id"] and p["name"] != p["id"] for p in found["parties"])  # named from the KB
    assert found["source"] == event.source and set(found["domains"]) == event.domains
    listed = lists_api.get("/events", params={"source": event.source, "limit": 500}).json()
    (same,) = [i for i in listed["items"] if i["id"] == event.id]
    assert {k: found[k] for k in same} == same  # the detail holds the list's item
    problem(lists_api.get("/events/999999"), 404, "not-found")
    problem(lists_api.get("/events/0"), 422, "validation")


def test_events_refuse_what_they_cannot_use(lists_api: Api) -> None:
    problem(lists_api.get("/events", params={"sort": "-articles"}), 422, "validation")
    body = problem(lists_api.get("/events", params={"cursor": "bm9wZQ"}), 400, "bad-query")
    assert body["detail"].startswith("cursor: ")
    body = problem(lists_api.get("/events", params={"actor": "x" * 201}), 400, "bad-query")
    assert body["detail"].startswith("actor: ")


# --- places -----------------------------------------------------------------------------------


def test_places_are_counted_and_narrowed_by_their_filters(lists_api: Api) -> None:
    with lists_api.context.engine.connect() as conn:
        rows = conn.execute(select(places)).all()
    every: dict[str, set[int]] = {}
    in_tj: set[str] = set()
    for r in rows:
        key = f"geonames:{r.geonames_id}" if r.geonames_id else f"name:{r.name}"
        every.setdefault(key, set()).add(r.article_id)
        in_tj |= {key} if r.country == "TJ" else set()
    items, totals = walk(lists_api, "/places", limit=50)
    assert totals == {len(every)} and len(items) == len(every)
    assert {p["key"]: p["articles"] for p in items} == {k: len(v) for k, v in every.items()}
    counts = [(p["articles"], p["key"]) for p in items]
    assert counts == sorted(counts, reverse=True)  # most mentioned first
    tj, _ = walk(lists_api, "/places", {"country": "tj"}, limit=50)
    assert {p["key"] for p in tj} == in_tj and {p["country"] for p in tj} == {"TJ"}
    named = lists_api.get("/places", params={"q": "dusH", "sort": "name"}).json()
    assert ids(named["items"], "name") == ["Dushanbe"] and named["total"] == 1
    box = (66.0, 29.0, 71.0, 34.0)
    boxed, _ = walk(lists_api, "/places", {"bbox": "66,29,71,34"}, limit=50)
    assert boxed and all(in_box((p["lat"], p["lon"]), box) for p in boxed)
    assert len(boxed) < len(items)


@pytest.mark.parametrize("name", ["domain", "event_type", "actor"])
def test_places_refuse_the_filters_of_events(lists_api: Api, name: str) -> None:
    body = problem(lists_api.get("/places", params={name: "x"}), 400, "bad-query")
    assert body["detail"].startswith(f"{name}: not a filter of this list")
    assert "since" in body["detail"]  # it names those it has


# --- the map ----------------------------------------------------------------------------------


def test_the_map_counts_the_events_the_filters_find(lists_api: Api, known: Known) -> None:
    events = [e for e in known[1].values() if e.point]
    world = lists_api.get("/map").json()
    assert world["total"] == sum(c["count"] for c in world["cells"]) == len(events)
    drugs = [e for e in events if "drug_trafficking" in e.domains]
    found = lists_api.get("/map", params={"domain": "drug_trafficking", "cells": 50}).json()
    assert found["total"] == len(drugs) > 0 and len(found["cells"]) <= 50
    assert all(c["domains"]["drug_trafficking"] == c["count"] for c in found["cells"])
    box = (60.0, 20.0, 80.0, 45.0)
    boxed = lists_api.get("/map", params={"bbox": "60,20,80,45", "cells": 400}).json()
    assert boxed["total"] == sum(in_box(e.point, box) for e in events) > 0
    for cell in boxed["cells"]:
        half = cell["size"] / 2
        assert box[1] - half <= cell["lat"] <= box[3] + half
        assert box[0] - half <= cell["lon"] <= box[2] + half
        assert math.isclose(cell["size"], boxed["cells"][0]["size"])
    pk = lists_api.get("/map", params={"country": "PK"}).json()
    assert pk["total"] == sum(e.country == "PK" for e in events) > 0
    problem(lists_api.get("/map", params={"cells": 0}), 422, "validation")
    problem(lists_api.get("/map", params={"cursor": "x"}), 422, "validation")
