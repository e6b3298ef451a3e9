"""People sign in: the pages with a username and password (and a TOTP code on a second step),
the API with a person's token, and the roles on every write route that was there before
(alerts, stories, ingest, rules, feeds, tokens), on the pages and the API alike.

One app (the API and the pages) over a store of the analysed samples, on SQLite and
PostgreSQL; the people are made through the services as the local operator.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient
from typer.testing import CliRunner

from outpost.api.app import PREFIX, create_app
from outpost.cli import app as cli
from outpost.config import FetchSettings, Settings
from outpost.records import Story
from outpost.services import people
from outpost.services.alerts import list_alerts
from outpost.services.context import Context, operator
from outpost.services.paging import Filters, Window
from outpost.services.signin import MAX_FAILURES, authenticate
from outpost.services.stories import find_stories, story_timeline
from outpost.services.tokens import create_api_token
from tests.conftest import EXAMPLES, LOOPBACK
from tests.test_web_support import client, csrf_of, database_urls, prepare

pytestmark = pytest.mark.anyio
ROLES = ("viewer", "analyst", "coordinator", "administrator")
WRONG = "Wrong username or password."
FEED = "http://127.0.0.1:9/feed.xml"  # allowed (loopback), never fetched by these tests


@dataclass(frozen=True)
class People:
    app: FastAPI
    passwords: dict[str, str]  # username -> password
    totp: str  # the TOTP secret of "kz.totp"
    legacy: str  # a token of no person (made before users existed)

    @property
    def ctx(self) -> Context:
        ctx: Context = self.app.state.context
        return ctx

    @property
    def admin(self) -> Context:
        return self.ctx.acting(operator())

    def token(self, username: str) -> str:
        """A token of the user, made as the user (its own, as POST /tokens makes it)."""
        who = authenticate(self.ctx, username, self.passwords[username])
        return create_api_token(self.ctx.acting(who), "tests")[1]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[People]:
    folder = tmp_path_factory.mktemp("signin")
    urls = database_urls(request.param, folder)
    rules = folder / "rules.yaml"
    shutil.copy(EXAMPLES / "rules.yaml", rules)
    try:
        fetch = FetchSettings(timeout=3.0, max_bytes=512 * 1024, allow_networks=LOOPBACK)
        settings = Settings(
            data_dir=folder / "data", database_url=next(urls), rules=rules, fetch=fetch
        )
        app = create_app(settings)
        prepare(app.state.context.engine, settings)
        yield _people(app)
        app.state.context.engine.dispose()
    finally:
        urls.close()


def _people(app: FastAPI) -> People:
    admin: Context = app.state.context.acting(operator())
    people.add_org(admin, "crc", "Crisis Response Centre", "centre")
    people.add_org(admin, "kz-knb", "National Security Committee", "member", "KZ")
    passwords = {}
    for role in ROLES:
        org = "crc" if role in ("coordinator", "administrator") else "kz-knb"
        passwords[f"kz.{role}"] = people.add_user(admin, f"kz.{role}", org, role)[1]
    passwords["kz.totp"] = people.add_user(admin, "kz.totp", "kz-knb", "analyst")[1]
    _, secret = people.enroll_totp(admin, "kz.totp")
    _, legacy = create_api_token(admin.acting(admin.who), "legacy", "integration:ci")
    return People(app, passwords, secret, legacy)


# --- the pages -------------------------------------------------------------------------------


async def post_form(
    c: httpx.AsyncClient, path: str, data: dict[str, str], page: str = "/signin"
) -> httpx.Response:
    """POST a form with the CSRF token of `page`, as the browser would."""
    form = await c.get(page)
    return await c.post(path, data={**data, "csrf_token": csrf_of(form.text)})


async def password_sign_in(c: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await post_form(c, "/signin", {"username": username, "password": password})


@asynccontextmanager
async def as_user(
    site: People, username: str, lang: str = "en"
) -> AsyncIterator[httpx.AsyncClient]:
    async with client(site.app) as c:
        c.cookies.set("outpost_lang", lang)
        answer = await password_sign_in(c, username, site.passwords[username])
        assert answer.status_code == 303, answer.text
        yield c


def error_of(page: str) -> str:
    found = re.search(r'<p class="error" role="alert" id="signin-error">([^<]*)</p>', page)
    assert found, "no error on the page"
    return html.unescape(found.group(1))


async def test_a_password_signs_in_and_the_header_shows_org_and_role(site: People) -> None:
    async with client(site.app) as c:
        before = await c.get("/")
        answer = await password_sign_in(c, "kz.analyst", site.passwords["kz.analyst"])
        page = await c.get("/")
        out = await post_form(c, "/signout", {}, page="/")
        after = await c.get("/")
    assert before.status_code == 303
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert page.status_code == 200
    header = page.text.split("<main")[0]
    assert "Signed in as kz.analyst" in header
    assert '<span class="org">kz-knb</span>' in header
    assert '<span class="role">Analyst</span>' in header
    assert out.status_code == 303 and after.status_code == 303


async def test_the_header_speaks_russian(site: People) -> None:
    async with as_user(site, "kz.coordinator", lang="ru") as c:
        page = await c.get("/")
    header = page.text.split("<main")[0]
    assert "Вы вошли как kz.coordinator" in header
    assert '<span class="org">crc</span>' in header
    assert '<span class="role">Координатор</span>' in header


async def test_a_totp_account_is_asked_for_its_code_on_a_second_step(site: People) -> None:
    code = pyotp.TOTP(site.totp)
    async with client(site.app) as c:
        first = await password_sign_in(c, "kz.totp", site.passwords["kz.totp"])
        not_yet = await c.get("/")
        wrong = await c.post(
            "/signin/code",
            data={
                "code": "000000" if code.now() != "000000" else "111111",
                "csrf_token": csrf_of(first.text),
            },
        )
        right = await c.post(
            "/signin/code", data={"code": code.now(), "csrf_token": csrf_of(wrong.text)}
        )
        page = await c.get("/")
    assert first.status_code == 200 and 'id="code"' in first.text
    assert 'name="password"' not in first.text  # the password is not asked (nor sent) again
    assert not_yet.status_code == 303  # a right password alone signs no one in
    assert wrong.status_code == 401 and "This code is not right" in error_of(wrong.text)
    assert right.status_code == 303
    assert page.status_code == 200 and "Signed in as kz.totp" in page.text


async def test_a_code_without_a_right_password_signs_no_one_in(site: People) -> None:
    async with client(site.app) as c:
        answer = await post_form(c, "/signin/code", {"code": pyotp.TOTP(site.totp).now()})
        page = await c.get("/")
    assert answer.status_code == 401 and error_of(answer.text) == WRONG
    assert page.status_code == 303


async def test_every_refusal_says_the_same_lock_out_included(site: People) -> None:
    admin = site.admin
    _, locked_password = people.add_user(admin, "kz.locked", "kz-knb", "analyst")
    _, disabled_password = people.add_user(admin, "kz.disabled", "kz-knb", "analyst")
    people.disable_user(admin, "kz.disabled")
    async with client(site.app) as c:
        answers = [
            await password_sign_in(c, "nobody.here", "a password of no one"),
            await password_sign_in(c, "kz.analyst", "not the password at all"),
            await password_sign_in(c, "kz.disabled", disabled_password),
        ]
        for _ in range(MAX_FAILURES):
            await password_sign_in(c, "kz.locked", "wrong, again and again")
        answers.append(await password_sign_in(c, "kz.locked", locked_password))  # right, locked
        page = await c.get("/")
    assert [a.status_code for a in answers] == [401] * 4
    assert {error_of(a.text) for a in answers} == {WRONG}
    assert page.status_code == 303


async def test_a_disabled_users_open_session_ends_at_its_next_request(site: People) -> None:
    _, password = people.add_user(site.admin, "kz.leaving", "kz-knb", "analyst")
    async with client(site.app) as c:
        await password_sign_in(c, "kz.leaving", password)
        before = await c.get("/alerts")
        people.disable_user(site.admin, "kz.leaving")
        after = await c.get("/alerts")
    assert before.status_code == 200 and "Signed in as kz.leaving" in before.text
    assert after.status_code == 303 and after.headers["location"].startswith("/signin")


async def test_the_sign_in_forms_need_the_csrf_token(site: People) -> None:
    password = site.passwords["kz.analyst"]
    async with client(site.app) as c:
        await c.get("/signin")  # a session: only the token is missing
        without = await c.post("/signin", data={"username": "kz.analyst", "password": password})
        code = await c.post("/signin/code", data={"code": "123456"})
        page = await c.get("/")
    assert without.status_code == code.status_code == 403
    assert page.status_code == 303


async def test_a_persons_token_signs_in_on_the_pages_as_the_person(site: People) -> None:
    secret = site.token("kz.viewer")
    async with client(site.app) as c:
        answer = await post_form(c, "/signin", {"token": secret})
        page = await c.get("/")
    assert answer.status_code == 303
    assert '<span class="role">Viewer</span>' in page.text.split("<main")[0]


# --- roles on the pages ----------------------------------------------------------------------


def a_story(site: People) -> tuple[Story, str]:
    """A story of at least two articles, and one of them."""
    found = find_stories(site.ctx, Filters(), Window(None, None, 100))
    story = next(s for s in found.items if s.article_count >= 2 and not s.merged_into)
    timeline = story_timeline(site.ctx, story.id)
    assert timeline is not None
    return story, timeline.days[-1].articles[-1].uid


def page_writes(site: People) -> dict[str, tuple[str, dict[str, str]]]:
    """Each write form of the pages: (path, fields)."""
    [alert, *_] = list_alerts(site.ctx, "new")
    story, article = a_story(site)
    rules = (EXAMPLES / "rules.yaml").read_text()
    return {
        "alert": (f"/alerts/{alert.id}/state", {"state": "acknowledged"}),
        "merge": (f"/stories/{story.id}/merge", {"other": story.id}),
        "split": (f"/stories/{story.id}/split", {"article": article}),
        "page": ("/sources/pages", {"url": "http://127.0.0.1:9/page.html"}),
        "feed": ("/sources/feeds", {"url": FEED, "minutes": "5"}),
        "remove": (f"/sources/feeds/{'a' * 64}/remove", {}),
        "rules": ("/rules", {"text": rules, "action": "save"}),
    }


async def test_a_viewer_is_refused_every_write_form_with_a_403_page(site: People) -> None:
    writes = page_writes(site)
    async with as_user(site, "kz.viewer") as c:
        answers = {
            name: await post_form(c, path, data, "/") for name, (path, data) in writes.items()
        }
        upload = await _upload(c)
    for name, answer in {**answers, "upload": upload}.items():
        assert answer.status_code == 403, (name, answer.text[:300])
        assert "Your role does not allow this" in answer.text, name
    assert list_alerts(site.ctx, "new")  # nothing was acknowledged


async def _upload(c: httpx.AsyncClient) -> httpx.Response:
    token = csrf_of((await c.get("/sources")).text)
    files = {"files": ("note.txt", b"Border guards met in Khorog on Monday.", "text/plain")}
    return await c.post("/sources/upload", data={"csrf_token": token}, files=files)


async def test_an_analyst_handles_alerts_and_stories_and_ingests_but_not_rules(
    site: People,
) -> None:
    writes = page_writes(site)
    async with as_user(site, "kz.analyst") as c:
        answers = {
            name: await post_form(c, path, data, "/") for name, (path, data) in writes.items()
        }
    # The merge is allowed by the role, then refused for what it asks (a story into itself):
    # the page's own answer, not a 403.
    allowed = {"alert": 303, "page": 303, "split": 303, "merge": 400}
    for name, status in allowed.items():
        assert answers[name].status_code == status, (name, answers[name].text[:300])
    for name in ("feed", "remove", "rules"):
        assert answers[name].status_code == 403, name


async def test_a_coordinator_edits_rules_and_feeds(site: People) -> None:
    writes = page_writes(site)
    async with as_user(site, "kz.coordinator") as c:
        feed = await post_form(c, *writes["feed"], page="/")
        rules = await post_form(c, *writes["rules"], page="/")
        remove = await post_form(c, *writes["remove"], page="/")
    assert feed.status_code == 303 and rules.status_code == 303
    assert remove.status_code == 404  # allowed; no feed of that id


# --- the API ---------------------------------------------------------------------------------


@asynccontextmanager
async def api(site: People, secret: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client(site.app, Authorization=f"Bearer {secret}") as c:
        yield c


def api_writes(site: People) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Each write route of the API before people: (method, path, request keywords)."""
    [alert, *_] = list_alerts(site.ctx, "new")
    story, _ = a_story(site)
    rules = (EXAMPLES / "rules.yaml").read_text()
    return {
        "alert": ("PATCH", f"/alerts/{alert.id}", {"json": {"state": "acknowledged"}}),
        "merge": ("POST", f"/stories/{story.id}/merge", {"json": {"other": "no-such-story"}}),
        "split": ("POST", "/articles/no-such-article/split", {}),
        "ingest": ("POST", "/ingest", {"data": {"urls": "http://127.0.0.1:9/api.html"}}),
        "feed": ("POST", "/feeds", {"json": {"url": FEED + "?api", "interval": 600}}),
        "remove": ("DELETE", f"/feeds/{'b' * 64}", {}),
        "rules": ("PUT", "/rules", {"json": {"text": rules}}),
        "token": ("POST", "/tokens", {"json": {"name": "mine"}}),
    }


async def answers_of(site: People, secret: str) -> dict[str, httpx.Response]:
    async with api(site, secret) as c:
        return {
            name: await c.request(method, PREFIX + path, **kw)
            for name, (method, path, kw) in api_writes(site).items()
        }


def forbidden(answer: httpx.Response) -> bool:
    return (
        answer.status_code == 403
        and answer.headers["content-type"] == "application/problem+json"
        and answer.json()["type"] == "urn:outpost:problem:forbidden"
    )


async def test_the_api_refuses_a_viewer_every_write_but_its_own_tokens(site: People) -> None:
    answers = await answers_of(site, site.token("kz.viewer"))
    refused = {name for name, answer in answers.items() if forbidden(answer)}
    assert refused == {"alert", "merge", "split", "ingest", "feed", "remove", "rules"}
    assert answers["token"].status_code == 201
    assert "viewer" in answers["alert"].json()["detail"]


async def test_the_api_lets_an_analyst_and_a_coordinator_do_what_the_table_says(
    site: People,
) -> None:
    analyst = await answers_of(site, site.token("kz.analyst"))
    coordinator = await answers_of(site, site.token("kz.coordinator"))
    assert {n for n, a in analyst.items() if forbidden(a)} == {"feed", "remove", "rules"}
    assert analyst["alert"].status_code == 200 and analyst["ingest"].status_code == 202
    assert analyst["merge"].status_code == analyst["split"].status_code == 404  # allowed
    assert not any(forbidden(a) for a in coordinator.values())
    assert coordinator["feed"].status_code == 201 and coordinator["rules"].status_code == 200


async def test_a_token_of_no_person_keeps_the_rights_it_had(site: People) -> None:
    answers = await answers_of(site, site.legacy)
    assert not any(forbidden(a) for a in answers.values())
    assert answers["rules"].status_code == 200


async def test_me_says_who_the_token_acts_for(site: People) -> None:
    async with api(site, site.token("kz.analyst")) as c:
        person = (await c.get(f"{PREFIX}/me")).json()
        made = (await c.post(f"{PREFIX}/tokens", json={"name": "second"})).json()
    async with api(site, made["secret"]) as c:
        again = (await c.get(f"{PREFIX}/me")).json()
    async with api(site, site.legacy) as c:
        legacy = (await c.get(f"{PREFIX}/me")).json()
    assert person == {
        "id": "user:kz.analyst",
        "name": "kz.analyst",
        "username": "kz.analyst",
        "org": "kz-knb",
        "role": "analyst",
    }
    assert again == person  # a token made with a person's token acts as the person too
    assert legacy["username"] is None and legacy["role"] is None
    assert legacy["id"] == "integration:ci"


async def test_a_persons_token_stops_when_the_person_is_disabled(site: People) -> None:
    _, password = people.add_user(site.admin, "kz.gone", "kz-knb", "viewer")
    site.passwords["kz.gone"] = password
    secret = site.token("kz.gone")
    async with api(site, secret) as c:
        before = await c.get(f"{PREFIX}/me")
        people.disable_user(site.admin, "kz.gone")
        after = await c.get(f"{PREFIX}/me")
    assert before.status_code == 200 and after.status_code == 401


def test_an_administrator_makes_a_users_token_at_the_cli(database_url: str, tmp_path: Path) -> None:
    env = {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--admin", "root"], env=env).exit_code == 0
    added = runner.invoke(cli, ["user", "add", "ana", "--org", "crc", "--role", "analyst"], env=env)
    assert added.exit_code == 0, added.output
    made = runner.invoke(cli, ["token", "create", "laptop", "--user", "ana"], env=env)
    missing = runner.invoke(cli, ["token", "create", "laptop", "--user", "nobody"], env=env)
    assert made.exit_code == 0, made.output
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.output
    secret = made.stdout.strip().splitlines()[0]
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    with TestClient(create_app(settings)) as c:
        me = c.get(f"{PREFIX}/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert (me["username"], me["org"], me["role"]) == ("ana", "crc", "analyst")
