"""The API in-process (Starlette's TestClient, the app's lifespan run) on a real SQLite file and
a real PostgreSQL schema: every route but /health wants a valid token, and every error of
any kind is RFC 9457 problem details with a stable type and nothing of the server's inside.

The fixtures here (`api`, and `Api` with its helpers) serve the other tests/test_api_*.py.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient
from typer.testing import CliRunner

from outpost import __version__
from outpost.api.app import PREFIX, create_app
from outpost.cli import app as cli
from outpost.config import Settings
from outpost.records import Principal
from outpost.services.context import Context
from outpost.services.tokens import create_api_token, revoke_api_token
from outpost.store.errors import StatementTimeoutError

ALICE = Principal("operator:alice", "alice")
BOB = Principal("operator:bob", "bob")
PROBLEM = "application/problem+json"


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    settings: Settings
    secret: str  # alice's token

    @property
    def context(self) -> Context:
        ctx: Context = self.app.state.context
        return ctx

    def token(self, who: Principal, name: str = "tests") -> str:
        return create_api_token(self.context.acting(who), name)[1]

    def headers(self, secret: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {secret or self.secret}"}

    def call(self, method: str, path: str, secret: str | None = None, **kw: Any) -> httpx.Response:
        headers = {**self.headers(secret), **kw.pop("headers", {})}
        return self.client.request(method, PREFIX + path, headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.call("GET", path, **kw)


def running_api(settings: Settings) -> Iterator[Api]:
    app = create_app(settings)
    # Server errors come back as answers (500 problems), as a real client would see them.
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(app, client, settings, "")
        api.secret = api.token(ALICE)
        yield api


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    yield from running_api(settings)


def problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    """The problem body, after checking it is one of `kind` with `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM, response.headers
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:outpost:problem:{kind}", body
    assert body["status"] == status and body["title"] and body["detail"], body
    assert body["instance"] == response.request.url.path, body
    return body


def operations(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every operation of the OpenAPI document, path parameters filled."""
    found = []
    for path, item in app.openapi()["paths"].items():
        filled = re.sub(r"\{feed_id\}", "a" * 64, path)
        filled = re.sub(r"\{\w+\}", "999999", filled)  # no such thing: nothing is changed
        found += [(method.upper(), filled) for method in item]
    return found


# --- authentication ---------------------------------------------------------------------------


def test_every_route_but_health_wants_a_valid_token(api: Api) -> None:
    revoked = api.token(ALICE, "to revoke")
    assert revoke_api_token(api.context, revoked)
    guarded = [(m, p) for m, p in operations(api.app) if p != f"{PREFIX}/health"]
    assert len(guarded) >= 15
    kinds = {
        "none": {},
        "unknown": {"Authorization": "Bearer op_" + "A" * 43},
        "revoked": {"Authorization": f"Bearer {revoked}"},
        "malformed": {"Authorization": f"Bearer {api.secret}x"},
        "not bearer": {"Authorization": f"Basic {api.secret}"},
    }
    for method, path in guarded:
        for name, headers in kinds.items():
            answer = api.client.request(method, path, headers=headers)
            body = problem(answer, 401, "unauthorized")
            assert answer.headers["www-authenticate"].startswith("Bearer"), (method, path)
            assert api.secret[8:] not in answer.text, (name, method, path)
    # The valid token passes on each of them (whatever the route then says of the request).
    answered = [api.client.request(m, p, headers=api.headers()).status_code for m, p in guarded]
    assert 401 not in answered
    assert body["detail"]


def test_a_token_acts_for_its_owner(api: Api) -> None:
    bobs = api.token(BOB, "bob's")
    mine = api.get("/tokens").json()
    theirs = api.get("/tokens", secret=bobs).json()
    assert {t["owner"] for t in mine} == {"operator:alice"} and len(mine) == 1
    assert [t["name"] for t in theirs] == ["bob's"]
    # Bob cannot revoke Alice's token: to him it is not there.
    problem(api.call("DELETE", f"/tokens/{mine[0]['id']}", secret=bobs), 404, "not-found")
    made = api.call("POST", "/tokens", json={"name": "ci"})
    assert made.status_code == 201 and made.json()["secret"].startswith("op_")
    assert api.get("/tokens", secret=made.json()["secret"]).status_code == 200
    assert api.call("DELETE", f"/tokens/{made.json()['id']}").status_code == 204
    problem(api.get("/tokens", secret=made.json()["secret"]), 401, "unauthorized")
    assert "secret" not in str(api.get("/tokens").json())


def test_health_needs_no_token_and_says_the_version(api: Api) -> None:
    answer = api.client.get(f"{PREFIX}/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "version": __version__, "database": "ok"}


# --- problems ---------------------------------------------------------------------------------


def test_framework_errors_are_problems(api: Api) -> None:
    body = problem(api.client.get("/no/such/route"), 404, "not-found")
    assert body["instance"] == "/no/such/route"
    wrong = api.client.put(f"{PREFIX}/alerts", headers=api.headers())
    problem(wrong, 405, "method-not-allowed")
    assert wrong.headers["allow"] == "GET"
    body = problem(api.get("/alerts", params={"limit": 0, "state": "lost"}), 422, "validation")
    assert {e["location"] for e in body["errors"]} == {"query.limit", "query.state"}
    assert "lost" not in body["detail"]  # the value is not echoed
    body = problem(api.call("PATCH", "/alerts/1", content=b"{not json"), 422, "validation")
    assert body["errors"][0]["location"].startswith("body")
    problem(api.get(f"/alerts/{2**31}"), 422, "validation")
    # A parameter the route does not take is refused, not ignored: the answer would not be
    # the one asked for.
    body = problem(api.get("/alerts", params={"stat": "new"}), 422, "validation")
    assert body["errors"] == [
        {"location": "query.stat", "message": "not a parameter of this route"}
    ]
    body = problem(api.call("POST", "/tokens", json={"name": "  "}), 422, "validation")
    assert body["errors"][0]["location"] == "body.name"


def test_an_unexpected_error_is_a_500_problem_with_nothing_inside(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    @api.app.get(f"{PREFIX}/boom")
    def boom() -> None:
        raise RuntimeError("password=hunter2 in /srv/secret/place.py")

    with caplog.at_level(logging.ERROR, logger="outpost.api"):
        answer = api.client.get(f"{PREFIX}/boom")
    body = problem(answer, 500, "internal")
    for leak in ("hunter2", "/srv/secret", "RuntimeError", "Traceback", "place.py"):
        assert leak not in answer.text
    assert set(body) == {"type", "title", "status", "detail", "instance"}
    logged = [r for r in caplog.records if r.exc_info]
    assert logged and "hunter2" in str(logged[0].exc_info[1])  # the server's log has it all


def test_a_store_that_cannot_answer_is_a_503_problem(api: Api) -> None:
    @api.app.get(f"{PREFIX}/slow")
    def slow() -> None:
        raise StatementTimeoutError("database postgresql://user@db/outpost: statement timed out")

    body = problem(api.client.get(f"{PREFIX}/slow"), 503, "unavailable")
    assert "postgresql" not in body["detail"] and "user@" not in str(body)


def test_a_body_too_large_for_any_route_is_a_413_problem(api: Api) -> None:
    text = "x" * (5 * 1024 * 1024)
    problem(api.call("POST", "/rules/validate", json={"text": text}), 413, "too-large")


# --- the document and the docs ----------------------------------------------------------------


def test_the_openapi_document_is_3_1_typed_and_names_operations_by_function(api: Api) -> None:
    document = api.client.get(f"{PREFIX}/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    for expected in ("read_alerts", "update_alert", "read_rules", "validate_rules", "read_job"):
        assert expected in ids
    schemas = document["components"]["schemas"]
    untyped = [
        f"{name}.{field}"
        for name, schema in schemas.items()
        for field, spec in schema.get("properties", {}).items()
        if spec == {} or spec.get("additionalProperties") is True
    ]
    assert not untyped, f"fields without a type (Any) in responses: {untyped}"
    for item in document["paths"].values():
        for op in item.values():
            for status, answer in op["responses"].items():
                if status >= "400" and op["operationId"] != "read_health":  # 503: its own body
                    assert list(answer["content"]) == [PROBLEM], (op["operationId"], status)


def test_docs_are_served_from_this_origin_only(api: Api) -> None:
    page = api.client.get("/api/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert policy.startswith("default-src 'self';") and "unsafe" not in policy
    assert "http://" not in page.text and "https://" not in page.text
    assert "<script>" not in page.text  # no inline script: the init script is a file
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(sources) == 3
    for source in sources:
        served = api.client.get(source)
        assert served.status_code == 200, source
        assert served.headers["content-type"].split(";")[0] in ("text/javascript", "text/css")
    init = api.client.get("/api/static/docs.js").text
    assert "validatorUrl: null" in init and "http" not in init
    assert re.search(r'data-openapi="/api/v1/openapi.json"', page.text)


# --- outpost token ----------------------------------------------------------------------------


def test_token_commands_create_list_and_revoke(database_url: str, tmp_path: Path) -> None:
    env = {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    made = runner.invoke(cli, ["token", "create", "dashboard", "--owner", "org:kz"], env=env)
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("op_") and "shown once" in made.stderr
    listed = runner.invoke(cli, ["token", "list", "--json"], env=env)
    (token,) = json.loads(listed.stdout)
    assert token["name"] == "dashboard" and token["owner"] == "org:kz"
    assert token["prefix"] == secret[:8] and secret[8:] not in listed.stdout
    table = runner.invoke(cli, ["token", "list"], env=env)
    assert "dashboard" in table.stdout and secret[8:] not in table.stdout
    assert runner.invoke(cli, ["token", "revoke", secret[:8]], env=env).exit_code == 0
    assert json.loads(runner.invoke(cli, ["token", "list", "--json"], env=env).stdout) == []
    every = json.loads(runner.invoke(cli, ["token", "list", "--all", "--json"], env=env).stdout)
    assert every[0]["revoked"] is not None
    missing = runner.invoke(cli, ["token", "revoke", secret[:8]], env=env)
    assert missing.exit_code == 1 and "No valid token" in missing.stderr
    helped = runner.invoke(cli, ["token", "--help"], env=env)
    assert all(word in helped.stdout for word in ("create", "list", "revoke"))
