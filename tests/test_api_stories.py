"""/api/v1/stories on SQLite and PostgreSQL: on the analysed samples, each filter lists the
stories with an article that meets it (as the store's facts say), pages walk every story once
in each order, one story and how it grew; on a store of their own, an analyst's merge and
split change what the stories show, and what they cannot do is the problem that says why."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from outpost.config import Settings
from outpost.store.schema import stories
from outpost.store.times import aware
from tests.api_lists import ids, iso, walk
from tests.lists_store import Fact, facts, most_common
from tests.test_api_auth import Api, problem, running_api
from tests.test_stories import CSTO_AUGUST, clustered_examples


@dataclass(frozen=True)
class StoryFact:
    id: str
    first: datetime
    last: datetime
    count: int
    members: tuple[Fact, ...]


@pytest.fixture(scope="module")
def known(lists_api: Api) -> dict[str, StoryFact]:
    articles, _ = facts(lists_api.context.engine)
    with lists_api.context.engine.connect() as conn:
        rows = conn.execute(select(stories).where(stories.c.state != "merged")).all()
    return {
        r.id: StoryFact(
            r.id,
            aware(r.first_seen),
            aware(r.last_seen),
            r.article_count,
            tuple(a for a in articles.values() if a.story == r.id),
        )
        for r in rows
    }


def cases(known: dict[str, StoryFact]) -> dict[str, tuple[dict[str, Any], Callable[..., bool]]]:
    every = [a for s in known.values() for a in s.members]
    n = len(known)
    country = most_common(
        (c for s in known.values() for c in {c for a in s.members for c in a.countries}), n
    )
    domain = most_common((d for a in every for d in a.domains), len(every))
    since = sorted(s.last for s in known.values())[n // 2]
    until = sorted(s.first for s in known.values())[n // 2]

    def member(test: Callable[[Fact], bool]) -> Callable[[StoryFact], bool]:
        return lambda s: any(test(a) for a in s.members)

    return {
        "country": ({"country": country}, member(lambda a: country in a.countries)),
        "lang": ({"lang": "ru"}, member(lambda a: a.lang == "ru")),
        "source": ({"source": "ties"}, member(lambda a: a.source == "ties")),
        "since": ({"since": iso(since)}, lambda s: s.last >= since),
        "until": ({"until": iso(until)}, lambda s: s.first < until),
        "same article": (
            {"lang": "en", "domain": domain, "country": country},
            member(lambda a: a.lang == "en" and domain in a.domains and country in a.countries),
        ),
    }


@pytest.mark.parametrize("name", ["country", "lang", "source", "since", "until", "same article"])
def test_each_filter_lists_exactly_the_stories_it_must(
    lists_api: Api, known: dict[str, StoryFact], name: str
) -> None:
    params, wanted = cases(known)[name]
    found = sorted((s for s in known.values() if wanted(s)), key=lambda s: (s.last, s.id))
    expected = [s.id for s in reversed(found)]  # latest activity first
    items, totals = walk(lists_api, "/stories", params, limit=2)
    assert 0 < len(expected) < len(known), f"{name}: the case must narrow"
    assert ids(items) == expected and totals == {len(expected)}
    assert all("articles" not in s for s in items)  # a list carries no articles


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("-last_seen", lambda s: (s.last, s.id)),
        ("last_seen", lambda s: (s.last, s.id)),
        ("-article_count", lambda s: (s.count, s.id)),
    ],
)
def test_pages_walk_every_story_once_in_order(
    lists_api: Api, known: dict[str, StoryFact], sort: str, key: Callable[[StoryFact], Any]
) -> None:
    expected = [s.id for s in sorted(known.values(), key=key, reverse=sort[0] == "-")]
    items, totals = walk(lists_api, "/stories", {"sort": sort}, limit=3)
    assert ids(items) == expected and totals == {len(expected)}


def test_one_story_and_how_it_grew(lists_api: Api, known: dict[str, StoryFact]) -> None:
    biggest = max(known.values(), key=lambda s: (s.count, s.id))
    story = lists_api.get(f"/stories/{biggest.id}").json()
    assert story["article_count"] == biggest.count == len(story["articles"])
    by_time = sorted(biggest.members, key=lambda a: (a.time, a.id))
    assert ids(story["articles"]) == [a.uid for a in by_time]  # oldest first
    assert sum(story["languages"].values()) == biggest.count
    timeline = lists_api.get(f"/stories/{biggest.id}/timeline").json()
    days = timeline["days"]
    assert timeline["story"]["id"] == biggest.id and "articles" not in timeline["story"]
    assert ids(days, "day") == [d.isoformat() for d in sorted({a.time.date() for a in by_time})]
    assert [d["total"] for d in days] == [
        sum(x["count"] for x in days[: i + 1]) for i in range(len(days))
    ]
    assert days[-1]["total"] == biggest.count
    assert days[-1]["sources"] == len({a.source for a in biggest.members})
    assert [a["id"] for d in days for a in d["articles"]] == [a.uid for a in by_time]
    problem(lists_api.get("/stories/no-such-story"), 404, "not-found")
    problem(lists_api.get("/stories/no-such-story/timeline"), 404, "not-found")


def test_stories_refuse_what_they_cannot_use(lists_api: Api) -> None:
    problem(lists_api.get("/stories", params={"sort": "-published"}), 422, "validation")
    cursor = lists_api.get("/stories", params={"limit": 1}).json()["next_cursor"]
    again = lists_api.get("/stories", params={"sort": "-article_count", "cursor": cursor})
    assert problem(again, 400, "bad-query")["detail"].startswith("cursor: ")


# --- merge and split, on a store of their own -----------------------------------------------


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    for api in running_api(settings):
        clustered_examples(api.context.engine, settings)
        yield api


def externals(api: Api, story_id: str) -> set[str]:
    story = api.get(f"/stories/{story_id}").json()
    return {a["external_id"] for a in story["articles"]}


def test_merge_then_split_change_what_the_stories_show(api: Api) -> None:
    listed = api.get("/stories").json()
    by_members = {frozenset(externals(api, s["id"])): s["id"] for s in listed["items"]}
    august, september = by_members[frozenset(CSTO_AUGUST)], by_members[frozenset({"seed-000"})]
    refusals(api, august)
    assert api.get("/stories").json() == listed
    before = api.get("/stories/stats").json()
    assert before["articles_placed"] == 8 and before["stories_merged_by_analysts"] == 0
    assert before["stories_open"] + before["stories_closed"] == listed["total"]

    merged = api.call("POST", f"/stories/{august}/merge", json={"other": september})
    assert merged.status_code == 200, merged.text
    assert merged.json()["id"] == august and len(merged.json()["articles"]) == 3
    assert externals(api, august) == CSTO_AUGUST | {"seed-000"}
    gone = api.get(f"/stories/{september}").json()
    assert gone["state"] == "merged" and gone["merged_into"] == august and gone["articles"] == []
    after = api.get("/stories").json()
    assert after["total"] == listed["total"] - 1 and september not in ids(after["items"])
    again = api.call("POST", f"/stories/{august}/merge", json={"other": september})
    assert "already merged" in problem(again, 409, "conflict")["detail"]

    split = api.call("POST", "/articles/kremlin-ru-66433/split")
    assert split.status_code == 201, split.text
    alone = split.json()
    assert split.headers["location"] == f"/api/v1/stories/{alone['id']}"
    assert alone["id"] not in (august, september) and len(alone["articles"]) == 1
    moved = api.get(f"/stories/{alone['id']}").json()
    assert [(a["external_id"], a["pinned"]) for a in moved["articles"]] == [
        ("kremlin-ru-66433", True)
    ]
    rest = api.get(f"/stories/{august}").json()
    assert rest["article_count"] == 2 and rest["languages"] == {"en": 2}
    assert externals(api, august) == {"seed-002", "seed-000"}
    timeline = api.get(f"/stories/{august}/timeline").json()
    assert timeline["days"][-1]["total"] == 2
    assert api.get("/stories").json()["total"] == listed["total"]  # one gone, one made
    lonely = api.call("POST", "/articles/kremlin-ru-66433/split")
    assert "already alone" in problem(lonely, 409, "conflict")["detail"]
    stats = api.get("/stories/stats").json()
    assert stats["articles_placed"] == 8  # the split article moved; none was added
    assert (stats["stories_merged_by_analysts"], stats["articles_split_out_by_analysts"]) == (1, 1)
    assert stats["corrections_per_100_articles"] == 25.0 and stats["since"] is None
    later = api.get("/stories/stats", params={"since": "2999-01-01"}).json()
    assert later["articles_placed"] == 0 and later["since"].startswith("2999-01-01T00:00")
    problem(api.get("/stories/stats", params={"since": "soon"}), 422, "validation")


def refusals(api: Api, some: str) -> None:
    """What merge and split cannot do (nothing changes)."""
    itself = api.call("POST", f"/stories/{some}/merge", json={"other": some})
    assert problem(itself, 422, "validation")["errors"][0]["location"] == "body.other"
    missing = api.call("POST", f"/stories/{some}/merge", json={"other": "s-nope"})
    assert "s-nope" in problem(missing, 404, "not-found")["detail"]
    problem(api.call("POST", "/stories/s-nope/merge", json={"other": some}), 404, "not-found")
    problem(api.call("POST", f"/stories/{some}/merge", json={}), 422, "validation")
    extra = {"other": "s-nope", "by": "mallory"}
    problem(api.call("POST", f"/stories/{some}/merge", json=extra), 422, "validation")
    problem(api.call("POST", "/articles/no-such-article/split"), 404, "not-found")
    problem(api.call("POST", "/articles/a%00/split"), 422, "validation")  # no id holds NUL
    nul = api.call("POST", f"/stories/{some}/merge", json={"other": "s-\x00"})
    problem(nul, 422, "validation")
    problem(api.call("POST", f"/stories/{some}/merge", secret="op_x", json={}), 401, "unauthorized")
