"""/assessments and /cases in-process, on a real SQLite file and a real PostgreSQL schema, as
people of organisations through their API tokens: what each sees, what each may do, and a
hidden item answered exactly as a missing one (the whole problem but its path)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from outpost.config import Settings
from outpost.markings import TLP
from outpost.respond.people import principal_for
from outpost.services import people
from outpost.services.context import operator
from tests.marked_world import DISABLED, World, build, expected, usernames
from tests.test_api_alerts import raise_alerts
from tests.test_api_auth import Api, problem, running_api

PASSWORD = "a long enough password"
USERS = {
    "m1-analyst": ("m1", "analyst"),
    "m1-coord": ("m1", "coordinator"),
    "m1-viewer": ("m1", "viewer"),
    "m2-analyst": ("m2", "analyst"),
    "p1-analyst": ("p1", "analyst"),
}
MISSING = 2**31 - 1
ASSESSMENT = {
    "target_kind": "indicator",
    "target_id": "country:TJ",
    "title": "Militants regroup near the border",
    "judgements": [{"text": "Incursions will continue this month", "likelihood": "likely"}],
    "confidence": "moderate",
    "reliability": "B",
    "credibility": 2,
}


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    yield from running_api(settings)


@pytest.fixture
def tokens(api: Api) -> dict[str, str]:
    """An API token of each user (acting as that user), by username."""
    ctx = api.context.acting(operator())  # the command line's administrator
    for code, kind in (("m1", "member"), ("m2", "member"), ("crc", "centre"), ("p1", "partner")):
        people.add_org(ctx, code, f"Organisation {code}", kind=kind)
    found = {}
    for name, (org, role) in USERS.items():
        user, _ = people.add_user(ctx, name, org, role, password=PASSWORD)
        found[name] = api.token(principal_for(user), f"{name}'s")
    return found


def as_(api: Api, secret: str, method: str, path: str, **kw: Any) -> httpx.Response:
    return api.call(method, path, secret=secret, **kw)


def without_path(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "instance"}


def test_an_assessment_is_seen_by_its_marking_and_refused_by_name(
    api: Api, tokens: dict[str, str]
) -> None:
    m1, m2 = tokens["m1-analyst"], tokens["m2-analyst"]
    made = as_(api, m1, "POST", "/assessments", json=ASSESSMENT)
    assert made.status_code == 201, made.text
    item = made.json()
    assert item["sharing"] == {
        "marking": "TLP:AMBER+STRICT",  # what people write, until they choose
        "owner_org": "m1",
        "orgs": [],
        "people": [],
    }
    assert as_(api, m1, "GET", f"/assessments/{item['id']}").json() == item
    hidden = problem(as_(api, m2, "GET", f"/assessments/{item['id']}"), 404, "not-found")
    missing = problem(as_(api, m2, "GET", f"/assessments/{MISSING}"), 404, "not-found")
    assert without_path(hidden) == without_path(missing)
    for secret, total in ((m1, 1), (m2, 0), (api.secret, 0)):  # api.secret: no person's
        listed = as_(api, secret, "GET", "/assessments").json()
        assert listed["total"] == total == len(listed["items"])
    # A change refused for the hidden one is the refusal for a missing one, too.
    for method, suffix, body in (
        ("PATCH", "", {"title": "x"}),
        ("PUT", "/marking", {"marking": "red"}),
        ("POST", "/sharing", {"orgs": ["m2"]}),
        ("GET", "/tasks", None),
    ):
        answers = [
            as_(api, m2, method, f"/assessments/{i}{suffix}", json=body)
            for i in (item["id"], MISSING)
        ]
        bodies = [without_path(problem(a, 404, "not-found")) for a in answers]
        assert bodies[0] == bodies[1], (method, suffix)
    # Shared GREEN by the owner's coordinator, every member state sees it.
    green = as_(api, tokens["m1-coord"], "PUT", f"/assessments/{item['id']}/marking",
                json={"marking": "TLP:GREEN"})  # fmt: skip
    assert green.status_code == 200 and green.json()["sharing"]["marking"] == "TLP:GREEN"
    assert as_(api, m2, "GET", f"/assessments/{item['id']}").status_code == 200
    assert as_(api, tokens["p1-analyst"], "GET", "/assessments").json()["total"] == 0


def test_refusals_say_who_may_not_do_what_and_which_field_is_wrong(
    api: Api, tokens: dict[str, str]
) -> None:
    viewer, m1 = tokens["m1-viewer"], tokens["m1-analyst"]
    refused = problem(as_(api, viewer, "POST", "/assessments", json=ASSESSMENT), 403, "forbidden")
    assert refused["detail"] == "user:m1-viewer (viewer) may not write assessment"
    wrong = problem(
        as_(api, m1, "POST", "/assessments", json={**ASSESSMENT, "credibility": 7}),
        422,
        "validation",
    )
    assert wrong["detail"].startswith("credibility: 1 to 6")
    assert wrong["errors"][0]["location"] == "body.credibility"
    unknown = {**ASSESSMENT, "judgements": [{"text": "x", "likelihood": "probably"}]}
    wrong = problem(as_(api, m1, "POST", "/assessments", json=unknown), 422, "validation")
    assert wrong["detail"].startswith("judgements[0].likelihood: one of almost no chance")
    made = as_(api, m1, "POST", "/assessments", json={**ASSESSMENT, "marking": "green"}).json()
    loosen = as_(api, m1, "PUT", f"/assessments/{made['id']}/marking", json={"marking": "clear"})
    assert (
        "only a coordinator of the owner organisation (m1)"
        in problem(loosen, 403, "forbidden")["detail"]
    )


def test_a_case_from_an_alert_shows_each_viewer_what_it_may_see(
    api: Api, tokens: dict[str, str]
) -> None:
    (alert,) = raise_alerts(api.context, 1)
    m1, m2, partner = tokens["m1-analyst"], tokens["m2-analyst"], tokens["p1-analyst"]
    opened = as_(
        api,
        m1,
        "POST",
        "/cases",
        json={"title": "Shots at post 0", "origin_kind": "alert", "origin_id": str(alert),
              "marking": "amber", "orgs": ["p1"]},
    )  # fmt: skip
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert [(x["kind"], x["id"], x["marking"]) for x in case["links"]] == [
        ("alert", str(alert), "TLP:CLEAR")
    ]
    strict = as_(api, m1, "POST", "/assessments", json=ASSESSMENT).json()  # AMBER+STRICT
    amber = as_(api, m1, "POST", "/assessments", json={**ASSESSMENT, "marking": "amber"}).json()
    for linked in (strict, amber):
        done = as_(api, m1, "POST", f"/cases/{case['id']}/links",
                   json={"kind": "assessment", "id": str(linked["id"])})  # fmt: skip
        assert done.status_code == 200, done.text
    as_(api, m1, "POST", f"/cases/{case['id']}/comments", json={"body": "Border closed"})
    as_(api, m1, "POST", f"/cases/{case['id']}/comments",
        json={"body": "Our source", "marking": "amber+strict"})  # fmt: skip
    mine = as_(api, m1, "GET", f"/cases/{case['id']}").json()
    theirs = as_(api, partner, "GET", f"/cases/{case['id']}").json()
    assert [x["kind"] for x in mine["links"]] == ["alert", "assessment", "assessment"]
    assert mine["shown_marking"] == "TLP:AMBER+STRICT"
    # The partner is named on the case: it sees the case, its AMBER comment and the AMBER
    # assessment its owner linked; never the AMBER+STRICT ones, nor entries about them.
    assert [(x["kind"], x["id"]) for x in theirs["links"]] == [
        ("alert", str(alert)),
        ("assessment", str(amber["id"])),
    ]
    assert [c["body"] for c in theirs["comments"]] == ["Border closed"]
    assert theirs["shown_marking"] == "TLP:AMBER"
    about = [
        e["detail"]["id"] for e in theirs["timeline"] if e["detail"].get("kind") == "assessment"
    ]
    assert about == [str(amber["id"])]  # no entry about what the partner may not see
    assert all("id" not in e for e in theirs["timeline"])  # nor a gap in entries' ids
    assert "Our source" not in str(theirs)
    hidden = problem(as_(api, m2, "GET", f"/cases/{case['id']}"), 404, "not-found")
    assert without_path(hidden) == without_path(
        problem(as_(api, m2, "GET", f"/cases/{MISSING}"), 404, "not-found")
    )
    counts = {name: as_(api, tokens[name], "GET", "/cases/counts").json() for name in USERS}
    assert counts["p1-analyst"] == counts["m1-viewer"] == {"open": 1, "in-progress": 0, "closed": 0}
    assert counts["m2-analyst"]["open"] == 0


def test_status_assignee_tasks_and_a_tightening_that_hides_the_case(
    api: Api, tokens: dict[str, str]
) -> None:
    m1, partner = tokens["m1-analyst"], tokens["p1-analyst"]
    case = as_(api, m1, "POST", "/cases", json={"title": "Flows", "marking": "amber",
                                                 "orgs": ["p1"]}).json()  # fmt: skip
    path = f"/cases/{case['id']}"
    changed = as_(api, m1, "PATCH", path, json={"status": "in-progress", "assignee": "p1-analyst"})
    assert changed.json()["status"] == "in-progress" and changed.json()["assignee"] == "p1-analyst"
    task = as_(api, m1, "POST", f"{path}/tasks", json={"title": "Call", "due": "2025-04-01"})
    assert task.status_code == 201
    done = as_(api, m1, "PATCH", f"/cases/tasks/{task.json()['id']}", json={"done": True})
    assert done.json()["done_by"] == "user:m1-analyst"
    refused = as_(api, m1, "PATCH", path, json={"assignee": "m2-analyst"})
    assert problem(refused, 422, "validation")["detail"] == (
        "assignee: no active user 'm2-analyst' who may see this case"
    )
    # The partner tightens the case out of its own sight: 204, and it is gone for it.
    assert (
        as_(api, partner, "PUT", f"{path}/marking", json={"marking": "amber+strict"}).status_code
        == 204
    )
    problem(as_(api, partner, "GET", path), 404, "not-found")
    after = as_(api, m1, "GET", path).json()
    assert after["assignee"] is None  # the partner may no longer see it
    whats = [e["what"] for e in after["timeline"]]
    assert whats == ["opened", "status", "assigned", "task", "task", "marking", "assigned"]


def test_the_access_matrix_through_the_api(settings: Settings) -> None:
    """tests/marked_world.py's matrix (every role × organisation × marking × RED named or
    not) through the routes: lists and totals, each item by id (a hidden one answered as a
    missing one, whole problem but its path), each case's linked assessments and comments."""
    for api in running_api(settings):
        world = build(api.context.acting(operator()))
        secrets = {name: api.token(world.who(name)) for name in usernames()}
        secrets["(no person)"] = api.secret  # a token of no person's: CLEAR only
        for name, secret in secrets.items():
            if name == DISABLED:  # its token no longer acts at all
                problem(as_(api, secret, "GET", "/assessments"), 401, "unauthorized")
                continue
            want = expected(None if name == "(no person)" else name)
            check_lists(api, secret, world, want)
            check_items(api, secret, world, want)


def check_lists(api: Api, secret: str, world: World, want: set[TLP]) -> None:
    for path, ids in (("/assessments", world.assessments), ("/cases", world.cases)):
        listed = as_(api, secret, "GET", path).json()
        assert listed["total"] == len(want) == len(listed["items"]), path
        assert {i["sharing"]["marking"] for i in listed["items"]} == {m.value for m in want}
        assert {i["id"] for i in listed["items"]} == {ids[m] for m in want}
    counts = as_(api, secret, "GET", "/cases/counts").json()
    assert counts == {"open": len(want), "in-progress": 0, "closed": 0}


def check_items(api: Api, secret: str, world: World, want: set[TLP]) -> None:
    for path, ids in (("/assessments", world.assessments), ("/cases", world.cases)):
        missing = without_path(
            problem(as_(api, secret, "GET", f"{path}/{MISSING}"), 404, "not-found")
        )
        for marking, ident in ids.items():
            answer = as_(api, secret, "GET", f"{path}/{ident}")
            if marking not in want:
                assert without_path(problem(answer, 404, "not-found")) == missing
                continue
            assert answer.status_code == 200
            if path == "/cases":
                case = answer.json()
                linked = {int(x["id"]) for x in case["links"] if x["kind"] == "assessment"}
                assert linked == {world.assessments[m] for m in want}
                assert [c["sharing"]["marking"] for c in case["comments"]] == [marking.value]
                assert case["shown_marking"] == max(want | {marking}).value
