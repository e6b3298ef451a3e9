"""Every route of the app, and what each one's access rule is: the table the access matrix
(tests/test_access_matrix.py) checks every route against, as every kind of principal.

To classify a new route, add one line to ROUTES under its (METHOD, path template), the path
as the app writes it (with /api/v1 for the API):

- `public()`: anyone, signed in or not (the sign-in page, the API's health and docs).
- `signed_in(KIND, ...)`: anyone signed in (API token or session); the KINDs are the marked
  kinds whose every item the principal sees it lists (their canaries must be in the answer).
  Every route's every answer is searched for the canaries of what the principal may not see,
  whatever its rule.
- `role(Action.X)`: the role must allow the action (respond.people.PERMISSIONS).
- `item(KIND, Action.X)`: a path parameter names a marked item of KIND (PARAMS says which
  parameter names which kind): a principal who may not see it gets exactly the answer of a
  missing one; one who sees it, the answer its role gives. `only="owner"`: only the owner
  organisation's people may (naming organisations and people on an item, changing it);
  `only="assigned"`: only the people of an organisation the measure is assigned to.

A route that changes something (POST, PUT, PATCH, DELETE) gives `body=`: the request that
does it once, from the filled path parameters and a counter (to make ids unique), and
`works=`: the statuses that say it worked. `gate=True` marks a route whose real work needs
what the world has not (a story to merge, a page to fetch): there `works` is the answer after
the access rule let the request through, e.g. 404 for no such story.

The TAXII server's routes (/taxii2/...) are asked as the API's are, with the principal's
bearer token; a collection is an item of kind "collection" (tests/access_world.COLLECTIONS:
one per marking whose reach it holds), so a collection one may not read must answer exactly
as one that does not exist, and its objects are searched for canaries as every answer is.

A route missing from ROUTES, or an entry with no route, fails test_every_route_is_classified.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from outpost.markings import TLP
from outpost.respond.people import Action
from outpost.services.exports import FORMATS
from tests.access_world import ASSIGNED, MISSING, canary

API = "/api/v1"
Request = dict[str, Any]  # the keyword arguments of httpx's request: json=, data=, files=
Body = Callable[[dict[str, str], int], Request]


class Access(enum.Enum):
    PUBLIC = "public"
    SIGNED_IN = "signed in"
    ROLE = "role"
    ITEM = "item"


OK = frozenset({200})
CREATED = frozenset({201})
MOVED = frozenset({303})  # a page's form, done: back to a page
FOUND = frozenset({200, 404})  # an object the collection may not hold


@dataclass(frozen=True)
class Rule:
    access: Access
    action: Action = Action.READ
    kind: str | None = None  # ITEM: the marked kind the path names
    shows: tuple[str, ...] = ()  # the marked kinds whose every visible item it lists
    only: str | None = None  # "owner": only the owner organisation's people may; "assigned":
    # only those of an organisation the plan's measure is assigned to (ASSIGNED)
    refused: frozenset[int] = frozenset({403})  # the answer to a role that may not
    body: Body | None = None  # a change: the request that does it
    works: frozenset[int] = OK
    gate: bool = False  # `works` is the answer once through the gate, not the work done
    stream: bool = False  # a live update stream: read briefly
    query: str = ""  # what to ask (e.g. a stream's "after=0": from the beginning)


def public(**kw: Any) -> Rule:
    return Rule(Access.PUBLIC, **kw)


def signed_in(*shows: str, **kw: Any) -> Rule:
    return Rule(Access.SIGNED_IN, shows=shows, **kw)


def role(action: Action, **kw: Any) -> Rule:
    return Rule(Access.ROLE, action, **kw)


def item(kind: str, action: Action = Action.READ, **kw: Any) -> Rule:
    return Rule(Access.ITEM, action, kind=kind, **kw)


# Which path parameter names which marked kind; every other parameter is filled from FILL
# (or the world's machine-derived items, `AccessWorld.clear`).
PARAMS = {
    "assessment_id": "assessment",
    "item": "assessment",
    "case_id": "case",
    "task_id": "case",  # a case's task: the case's marking is its
    "plan_id": "plan",
    "number": "plan",  # a plan's measure
    "collection": "collection",  # a TAXII collection (tests/access_world.COLLECTIONS)
    "imported_id": "imported",  # an object a partner sent
}
# Parameters naming what the world does not hold (nothing to see, by anyone): the answer is
# the missing one for all. Actors come from the analysis, which the matrix does not run (its
# other tests do, over the analysed samples); the world's event and story are written as the
# analysis writes them (tests/access_world.py).
FILL = {
    "actor_id": "no-such-actor",
    "feed_id": "a" * 64,
    "token_id": str(MISSING),
    "job_id": str(MISSING),
    "kind": "assessment",
    "target_id": str(MISSING),
}
VARIANTS = {"format": FORMATS}  # a parameter asked with each of its values


def _json(value: dict[str, Any]) -> Body:
    return lambda params, n: {"json": value}


def _bundle(n: int) -> Request:
    """A partner's STIX bundle to import: valid, and holding nothing (what lands is the
    import tests' business; here, who may import)."""
    bundle = {"type": "bundle", "id": f"bundle--00000000-0000-4000-8000-{n:012d}", "objects": []}
    return {"files": {"file": (f"partner-{n}.json", json.dumps(bundle), "application/json")}}


def _form(value: dict[str, str]) -> Body:
    return lambda params, n: {"data": value}


def _same_marking(params: dict[str, str], n: int) -> Request:
    return {
        "json": {"marking": params.get("_marking", "TLP:CLEAR")}
    }  # no change: tightening needs none


def _same_marking_form(params: dict[str, str], n: int) -> Request:
    return {"data": {"marking": params.get("_marking", "TLP:CLEAR")}}


def _same_orgs(params: dict[str, str], n: int) -> Request:
    marking = TLP(params.get("_marking", TLP.CLEAR.value))
    return {"json": {"orgs": sorted(ASSIGNED[marking])}}  # no change: steps rely on them


def _assessment(params: dict[str, str], n: int) -> Request:
    return {"json": _ASSESSMENT | {"title": f"Matrix assessment {n}"}}


def _plan(params: dict[str, str], n: int) -> Request:
    return {"json": {"id": f"matrix-{n}", "title": f"Matrix plan {n}", "marking": "TLP:GREEN"}}


def _feed(params: dict[str, str], n: int) -> Request:
    return {"json": {"url": f"http://127.0.0.1:9/feed-{n}.xml"}}


def _plan_form(params: dict[str, str], n: int) -> Request:
    return {"data": {"how": "empty", "ident": f"matrix-page-{n}", "title": f"Matrix plan {n}",
                     "marking": "TLP:GREEN"}}  # fmt: skip


def _same_orgs_form(params: dict[str, str], n: int) -> Request:
    return {"data": {"orgs": " ".join(_same_orgs(params, n)["json"]["orgs"])}}


def _org_form(params: dict[str, str], n: int) -> Request:
    return {"data": {"code": f"mx{n}", "name": f"Matrix organisation {n}", "kind": "member"}}


def _user_form(params: dict[str, str], n: int) -> Request:
    return {"data": {"username": f"matrix-user-{n}", "org": "m1", "role": "viewer"}}


def _token_form(params: dict[str, str], n: int) -> Request:
    return {"data": {"name": f"matrix-{n}"}}


def _assessment_form(params: dict[str, str], n: int) -> Request:
    """The page's assessment form, every field as the world's item has it (no change)."""
    marking = TLP(params["_marking"]) if "_marking" in params else TLP.GREEN
    title = f"Assessment {canary('assessment', marking)}" if "_marking" in params else "New"
    return {"data": _ASSESSMENT_FORM | {"title": title, "marking": marking.value}}


_ASSESSMENT = {
    "target_kind": "indicator",
    "target_id": "country:TJ",
    "title": "Matrix assessment",
    "judgements": [{"text": "Incursions across the border continue", "likelihood": "likely"}],
    "confidence": "moderate",
    "reliability": "B",
    "credibility": 2,
    "marking": "TLP:GREEN",
}
_ASSESSMENT_FORM = {
    "target_kind": "indicator",
    "target_id": "country:TJ",
    "judgement": "Incursions across the border continue",
    "likelihood": "likely",
    "confidence": "moderate",
    "reliability": "B",
    "credibility": "2",
}
_MEASURE = {"title": "Matrix measure", "orgs": ["m1"], "due": "2030-09-16"}
GATE = frozenset({400, 404, 409, 422})  # refused for what was asked, not for who asked
ANALYST = Action.COMMENT  # what analysts and above may (a measure's steps have no Action)

# fmt: off
ROUTES: dict[tuple[str, str], Rule] = {
    # --- the API ---------------------------------------------------------------------------
    ("GET", f"{API}/openapi.json"): public(),
    ("GET", f"{API}/health"): public(),
    ("GET", "/api/docs"): public(),
    ("GET", f"{API}/me"): signed_in(),
    ("GET", f"{API}/alerts"): signed_in(),
    ("GET", f"{API}/alerts/{{alert_id}}"): signed_in(),
    ("PATCH", f"{API}/alerts/{{alert_id}}"): role(
        Action.HANDLE_ALERTS, body=_json({"state": "acknowledged"})),
    ("GET", f"{API}/rules"): signed_in(),
    ("POST", f"{API}/rules/validate"): signed_in(body=_json({"text": ""}), works=GATE,
                                                 gate=True),
    ("PUT", f"{API}/rules"): role(Action.EDIT_RULES, body=_json({"text": ""}), works=GATE,
                                  gate=True),
    ("GET", f"{API}/feeds"): signed_in(),
    ("POST", f"{API}/feeds"): role(Action.MANAGE_FEEDS, body=_feed, works=CREATED),
    ("GET", f"{API}/feeds/{{feed_id}}"): signed_in(works=frozenset({404})),
    ("DELETE", f"{API}/feeds/{{feed_id}}"): role(Action.MANAGE_FEEDS, body=_json({}),
                                                 works=frozenset({404}), gate=True),
    ("GET", f"{API}/indicators"): signed_in(),
    ("GET", f"{API}/indicators/spikes"): signed_in(),
    ("GET", f"{API}/tokens"): role(Action.OWN_TOKENS),
    ("POST", f"{API}/tokens"): role(Action.OWN_TOKENS, body=_json({"name": "matrix"}),
                                    works=CREATED),
    ("DELETE", f"{API}/tokens/{{token_id}}"): role(Action.OWN_TOKENS, body=_json({}),
                                                   works=frozenset({404}), gate=True),
    ("POST", f"{API}/ingest"): role(Action.INGEST, body=_form({}), works=GATE, gate=True),
    ("POST", f"{API}/import"): role(Action.IMPORT, body=lambda p, n: _bundle(n)),
    ("GET", f"{API}/imports"): signed_in("imported"),
    ("GET", f"{API}/imports/{{imported_id}}"): item("imported"),
    ("GET", f"{API}/jobs"): signed_in(),
    ("GET", f"{API}/jobs/{{job_id}}"): signed_in(works=frozenset({404})),
    ("GET", f"{API}/articles"): signed_in(),
    ("GET", f"{API}/articles/{{article_id}}"): signed_in(),
    ("GET", f"{API}/search"): signed_in(query="q=border"),
    ("GET", f"{API}/events"): signed_in(),
    ("GET", f"{API}/events/{{event_id}}"): signed_in(),
    ("GET", f"{API}/actors"): signed_in(),
    ("GET", f"{API}/actors/{{actor_id}}"): signed_in(works=frozenset({404})),
    ("GET", f"{API}/places"): signed_in(),
    ("GET", f"{API}/map"): signed_in(),
    ("GET", f"{API}/stories"): signed_in(),
    ("GET", f"{API}/stories/stats"): signed_in(),
    ("GET", f"{API}/stories/{{story_id}}"): signed_in(),
    ("GET", f"{API}/stories/{{story_id}}/timeline"): signed_in(),
    ("POST", f"{API}/stories/{{story_id}}/merge"): role(
        Action.CORRECT_STORIES, body=_json({"other": "no-such-other"}), works=GATE, gate=True),
    ("POST", f"{API}/articles/{{article_id}}/split"): role(
        Action.CORRECT_STORIES, body=_json({}), works=GATE, gate=True),
    ("GET", f"{API}/export/{{format}}"): signed_in(),  # events: no marked kind yet
    ("GET", f"{API}/assessments"): signed_in("assessment"),
    ("POST", f"{API}/assessments"): role(Action.WRITE_ASSESSMENT, body=_assessment,
                                         works=CREATED),
    ("GET", f"{API}/assessments/{{assessment_id}}"): item("assessment"),
    ("PATCH", f"{API}/assessments/{{assessment_id}}"): item(
        "assessment", Action.WRITE_ASSESSMENT, only="owner",
        body=_json({"confidence": "moderate"})),
    ("PUT", f"{API}/assessments/{{assessment_id}}/marking"): item(
        "assessment", body=_same_marking),
    ("POST", f"{API}/assessments/{{assessment_id}}/sharing"): item(
        "assessment", Action.WRITE_ASSESSMENT, only="owner", body=_json({"orgs": []})),
    ("GET", f"{API}/assessments/{{assessment_id}}/tasks"): item("assessment"),
    ("GET", f"{API}/cases"): signed_in("case"),
    ("GET", f"{API}/cases/counts"): signed_in(),  # checked by count
    ("POST", f"{API}/cases"): role(Action.MANAGE_CASES, body=_json({"title": "Matrix case"}),
                                   works=CREATED),
    ("GET", f"{API}/cases/{{case_id}}"): item("case"),
    ("PATCH", f"{API}/cases/{{case_id}}"): item(
        "case", Action.MANAGE_CASES, body=_json({"status": "open"})),
    ("PUT", f"{API}/cases/{{case_id}}/marking"): item("case", body=_same_marking),
    ("POST", f"{API}/cases/{{case_id}}/sharing"): item(
        "case", Action.MANAGE_CASES, only="owner", body=_json({"orgs": []})),
    ("POST", f"{API}/cases/{{case_id}}/links"): item(
        "case", Action.MANAGE_CASES, body=_json({"kind": "alert", "id": "1"})),
    ("DELETE", f"{API}/cases/{{case_id}}/links/{{kind}}/{{target_id}}"): item(
        "case", Action.MANAGE_CASES, body=_json({}), works=frozenset({200, 204, 404})),
    ("POST", f"{API}/cases/{{case_id}}/comments"): item(
        "case", Action.COMMENT, body=_json({"body": "Seen."}), works=CREATED),
    ("POST", f"{API}/cases/{{case_id}}/tasks"): item(
        "case", Action.MANAGE_CASES, body=_json({"title": "Matrix task"}), works=CREATED),
    ("PATCH", f"{API}/cases/tasks/{{task_id}}"): item(
        "case", Action.MANAGE_CASES, body=_json({"done": True})),
    ("GET", f"{API}/plans"): signed_in("plan"),
    ("GET", f"{API}/plans/templates"): signed_in(),
    ("GET", f"{API}/plans/board"): signed_in(),
    ("POST", f"{API}/plans"): role(Action.MANAGE_PLANS, body=_plan, works=CREATED),
    ("GET", f"{API}/plans/{{plan_id}}"): item("plan"),
    ("GET", f"{API}/plans/{{plan_id}}/rollup"): item("plan"),
    ("POST", f"{API}/plans/{{plan_id}}/measures"): item(
        "plan", Action.MANAGE_PLANS, only="owner", body=_json(_MEASURE), works=CREATED),
    ("PUT", f"{API}/plans/{{plan_id}}/measures/{{number}}/assignment"): item(
        "plan", Action.MANAGE_PLANS, only="owner", body=_same_orgs),
    ("PUT", f"{API}/plans/{{plan_id}}/measures/{{number}}/dates"): item(
        "plan", Action.MANAGE_PLANS, only="owner", body=_json({"due": "2030-09-16"})),
    ("POST", f"{API}/plans/{{plan_id}}/measures/{{number}}/steps"): item(
        "plan", ANALYST, only="assigned", body=_json({"step": "acknowledge"}), works=OK | GATE,
        gate=True),  # acknowledged once: then 409, already so
    ("PUT", f"{API}/plans/{{plan_id}}/marking"): item("plan", body=_same_marking),
    ("POST", f"{API}/plans/{{plan_id}}/sharing"): item(
        "plan", Action.MANAGE_PLANS, only="owner", body=_json({"orgs": []})),
    ("GET", f"{API}/audit"): role(Action.READ_ORG_AUDIT),  # coordinators: their org's rows
    ("GET", f"{API}/audit/verify"): role(Action.READ_AUDIT),
    # --- the TAXII server: bearer tokens (or Basic); a hidden collection is a missing one --
    ("GET", "/taxii2/"): signed_in(),
    ("GET", "/taxii2/outpost/"): signed_in(),
    ("GET", "/taxii2/outpost/collections/"): signed_in(),
    ("GET", "/taxii2/outpost/collections/{collection}/"): item("collection"),
    ("GET", "/taxii2/outpost/collections/{collection}/objects/"): item("collection"),
    ("GET", "/taxii2/outpost/collections/{collection}/manifest/"): item("collection"),
    # The CLEAR assessment's object: in the public and alliance collections, not org-m1's.
    ("GET", "/taxii2/outpost/collections/{collection}/objects/{object_id}/"): item(
        "collection", works=FOUND),
    ("GET", "/taxii2/outpost/collections/{collection}/objects/{object_id}/versions/"): item(
        "collection", works=FOUND),
    # --- the pages -------------------------------------------------------------------------
    ("GET", "/signin"): public(works=frozenset({200, 303})),  # signed in: on to the pages
    # Empty sign-in forms: refused (401) as a wrong password is, and the session kept.
    ("POST", "/signin"): public(body=_form({}), works=frozenset({401})),
    ("POST", "/signin/code"): public(body=_form({}), works=frozenset({303, 401})),
    ("POST", "/signout"): public(body=_form({}), works=MOVED),
    ("POST", "/language"): public(body=_form({"lang": "en", "next": "/"}), works=MOVED),
    ("GET", "/"): signed_in(),
    ("GET", "/overview/map.json"): signed_in(),
    ("GET", "/overview/charts.json"): signed_in(),
    ("GET", "/alerts"): signed_in(),
    ("POST", "/alerts/{alert_id}/state"): role(
        Action.HANDLE_ALERTS, body=_form({"state": "acknowledged"}), works=MOVED),
    ("GET", "/alerts/stream"): signed_in(stream=True, query="after=0"),
    ("GET", "/cases"): signed_in("case"),
    ("GET", "/cases/new"): signed_in(),
    ("POST", "/cases"): role(Action.MANAGE_CASES, body=_form({"title": "Matrix case"}),
                             works=MOVED),
    ("GET", "/cases/{case_id}"): item("case"),
    ("POST", "/cases/{case_id}/rename"): item(
        "case", Action.MANAGE_CASES, body=lambda p, n: {"data": {"title": _case_title(p)}},
        works=MOVED),
    ("POST", "/cases/{case_id}/status"): item(
        "case", Action.MANAGE_CASES, body=_form({"status": "open"}), works=MOVED),
    ("POST", "/cases/{case_id}/assign"): item(
        "case", Action.MANAGE_CASES, body=_form({"assignee": ""}), works=MOVED),
    ("POST", "/cases/{case_id}/link"): item(
        "case", Action.MANAGE_CASES, body=_form({"kind": "alert", "ident": "1"}), works=MOVED),
    ("POST", "/cases/{case_id}/unlink"): item(
        "case", Action.MANAGE_CASES, body=_form({"kind": "alert", "ident": "1"}), works=MOVED),
    ("POST", "/cases/{case_id}/comments"): item(
        "case", Action.COMMENT, body=_form({"body": "Seen."}), works=MOVED),
    ("POST", "/cases/{case_id}/tasks"): item(
        "case", Action.MANAGE_CASES, body=_form({"title": "Matrix task"}), works=MOVED),
    ("POST", "/cases/{case_id}/tasks/{task_id}"): item(
        "case", Action.MANAGE_CASES, body=_form({"done": "1"}), works=MOVED),
    ("POST", "/cases/{case_id}/marking"): item("case", body=_same_marking_form, works=MOVED),
    ("POST", "/cases/{case_id}/share"): item(
        "case", Action.MANAGE_CASES, only="owner", body=_form({}), works=MOVED),
    ("GET", "/assessments"): signed_in("assessment"),
    ("GET", "/assessments/new"): signed_in(),
    ("POST", "/assessments"): role(Action.WRITE_ASSESSMENT, body=_assessment_form,
                                   works=MOVED),
    ("GET", "/assessments/{item}"): item("assessment"),
    ("POST", "/assessments/{item}"): item(
        "assessment", Action.WRITE_ASSESSMENT, only="owner", body=_assessment_form,
        works=MOVED),
    ("POST", "/assessments/{item}/marking"): item(
        "assessment", body=_same_marking_form, works=MOVED),
    ("POST", "/assessments/{item}/share"): item(
        "assessment", Action.WRITE_ASSESSMENT, only="owner", body=_form({}), works=MOVED),
    ("GET", "/plans"): signed_in("plan"),
    ("GET", "/plans/board"): signed_in(),
    ("GET", "/plans/new"): signed_in(),
    ("POST", "/plans"): role(Action.MANAGE_PLANS, body=_plan_form, works=MOVED),
    ("GET", "/plans/{plan_id}"): item("plan"),
    ("POST", "/plans/{plan_id}/measures"): item(
        "plan", Action.MANAGE_PLANS, only="owner",
        body=_form(_MEASURE | {"orgs": "m1"}), works=MOVED),
    ("POST", "/plans/{plan_id}/measures/{number}/assign"): item(
        "plan", Action.MANAGE_PLANS, only="owner", body=_same_orgs_form, works=MOVED),
    ("POST", "/plans/{plan_id}/measures/{number}/dates"): item(
        "plan", Action.MANAGE_PLANS, only="owner", body=_form({"due": "2030-09-16"}),
        works=MOVED),
    ("POST", "/plans/{plan_id}/measures/{number}/step"): item(
        "plan", ANALYST, only="assigned", body=_form({"step": "start"}),
        works=MOVED | GATE, gate=True),  # acknowledged through the API: started once, then 400
    ("POST", "/plans/{plan_id}/marking"): item("plan", body=_same_marking_form, works=MOVED),
    ("POST", "/plans/{plan_id}/share"): item(
        "plan", Action.MANAGE_PLANS, only="owner", body=_form({}), works=MOVED),
    # People: administrators; the changes made to a spare user, never to one who asks.
    ("GET", "/people/orgs"): role(Action.MANAGE_ORGS),
    ("POST", "/people/orgs"): role(Action.MANAGE_ORGS, body=_org_form, works=MOVED),
    ("GET", "/people/users"): role(Action.MANAGE_USERS),
    ("POST", "/people/users"): role(Action.MANAGE_USERS, body=_user_form),
    ("POST", "/people/users/{username}/role"): role(
        Action.MANAGE_USERS, body=_form({"role": "viewer"}), works=MOVED),
    ("POST", "/people/users/{username}/disable"): role(
        Action.MANAGE_USERS, body=_form({}), works=MOVED),
    ("POST", "/people/users/{username}/enable"): role(
        Action.MANAGE_USERS, body=_form({}), works=MOVED),
    ("POST", "/people/users/{username}/unlock"): role(
        Action.MANAGE_USERS, body=_form({}), works=MOVED),
    ("POST", "/people/users/{username}/password"): role(Action.MANAGE_USERS, body=_form({})),
    # One's own account: everyone signed in. An empty password or code is refused (400),
    # so no principal's password or second factor changes.
    ("GET", "/account"): signed_in(),
    ("POST", "/account/password"): signed_in(body=_form({}), works=GATE, gate=True),
    ("POST", "/account/totp"): signed_in(body=_form({})),  # proposed, nothing stored
    ("POST", "/account/totp/confirm"): signed_in(body=_form({}), works=GATE, gate=True),
    ("POST", "/account/tokens"): signed_in(body=_token_form),
    ("POST", "/account/tokens/{token_id}/revoke"): signed_in(body=_form({}), works=MOVED),
    # The audit log: administrators all of it, coordinators their organisation's rows.
    ("GET", "/audit"): role(Action.READ_ORG_AUDIT),
    ("GET", "/audit/verify"): role(Action.READ_AUDIT),
    ("GET", "/events"): signed_in(),
    ("GET", "/events/export/{format}"): signed_in(),  # as the API's export
    ("GET", "/events/{event_id}"): signed_in(),
    ("GET", "/articles"): signed_in(),
    ("GET", "/articles/{key}"): signed_in(),
    ("GET", "/search"): signed_in(query="q=border"),
    ("GET", "/stories"): signed_in(),
    ("GET", "/stories/{story_id}"): signed_in(),
    ("POST", "/stories/{story_id}/merge"): role(
        Action.CORRECT_STORIES, body=_form({"other": "no-such-other"}), works=GATE, gate=True),
    ("POST", "/stories/{story_id}/split"): role(
        Action.CORRECT_STORIES, body=_form({"article": "none"}), works=GATE, gate=True),
    ("GET", "/actors"): signed_in(),
    ("GET", "/actors/{actor_id}"): signed_in(works=frozenset({404})),
    ("GET", "/sources"): signed_in(),
    ("POST", "/sources/feeds"): role(
        Action.MANAGE_FEEDS, body=lambda p, n: {"data": {"url": f"http://127.0.0.1:9/p{n}"}},
        works=MOVED),
    ("POST", "/sources/feeds/{key}/remove"): role(
        Action.MANAGE_FEEDS, body=_form({}), works=GATE, gate=True),
    ("POST", "/sources/pages"): role(
        Action.INGEST, body=_form({"url": "http://10.0.0.1/page"}), works=MOVED),
    # An upload of nothing is refused before the role is read (so is one over the cap).
    ("POST", "/sources/upload"): role(Action.INGEST, body=_form({}), works=GATE, gate=True,
                                      refused=frozenset({400, 403})),
    ("GET", "/imports"): signed_in("imported"),
    ("GET", "/imports/{imported_id}"): item("imported"),
    ("POST", "/imports/upload"): role(Action.IMPORT, body=lambda p, n: _bundle(n)),
    ("GET", "/jobs/{job_id}"): signed_in(works=frozenset({404})),
    ("GET", "/jobs/{job_id}/progress"): signed_in(works=frozenset({404})),
    ("GET", "/rules"): signed_in(),
    ("POST", "/rules"): signed_in(body=_form({"text": "", "action": "check"}), works=GATE,
                                  gate=True),
    # --- mounted static files --------------------------------------------------------------
    ("MOUNT", "/static"): public(),
    ("MOUNT", "/api/static"): public(),
}
# fmt: on


def _case_title(params: dict[str, str]) -> str:
    return f"Case {canary('case', TLP(params['_marking']))}" if "_marking" in params else "x"


@dataclass(frozen=True)
class Route:
    method: str  # MOUNT for a mounted app that is not a router (static files)
    path: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def is_page(self) -> bool:
        """Asked with the session's cookie; the API and TAXII with a bearer token."""
        return not self.path.startswith(("/api/", "/taxii2/"))


def routes(app: FastAPI) -> list[Route]:
    """Every (method, path template) the app answers, walking included routers and mounts
    (a mounted router's routes under its prefix; a mounted app that is not one, once)."""
    return sorted(set(_walk(app.routes, "")), key=lambda r: (r.path, r.method))


def _walk(found: Any, prefix: str) -> Iterator[Route]:
    for context in iter_route_contexts(found):
        route = context.original_route
        if isinstance(route, Mount):
            inner = getattr(route.app, "routes", None)
            if inner:
                yield from _walk(inner, prefix + route.path)
            else:
                yield Route("MOUNT", prefix + route.path)
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}) or ["GET"]:
            yield Route(method, prefix + str(context.path))
