"""The pages of people, one's own account and the audit log, and the API's /audit, on SQLite
and PostgreSQL, through the ASGI app with httpx, signed in with passwords as people do.

A small world, made once per module: the centre (crc) with its administrator, and two member
states (m1, m2) with a coordinator and a viewer each. Each test that changes people makes
its own, so the tests do not depend on their order.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from outpost.api.app import create_app
from outpost.config import Settings
from outpost.records import AuditEntry, Principal, User
from outpost.respond.people import principal_for
from outpost.services import people
from outpost.services.audit import check_audit, list_audit
from outpost.services.context import Context, operator
from outpost.services.tokens import create_user_token
from outpost.store.schema import audit_log
from tests.test_web_support import client, csrf_of, database_urls, markup_problems

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery staple"
ADMIN, COORD, VIEWER, OTHER_VIEWER = "adm", "m1-coord", "m1-viewer", "m2-viewer"
ADMIN_ONLY = ("/people/users", "/people/orgs", "/audit/verify")


@dataclass(frozen=True)
class Site:
    app: FastAPI

    @property
    def ctx(self) -> Context:
        ctx: Context = self.app.state.context
        return ctx.acting(operator())


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("people")
    urls = database_urls(request.param, folder)
    try:
        settings = Settings(data_dir=folder / "data", database_url=next(urls))
        app = create_app(settings)
        built = Site(app)
        people.add_org(built.ctx, "crc", "Crisis Response Centre", "centre")
        for code in ("m1", "m2"):
            people.add_org(built.ctx, code, f"Member {code}", "member")
        for name, org, role in (
            (ADMIN, "crc", "administrator"),
            (COORD, "m1", "coordinator"),
            (VIEWER, "m1", "viewer"),
            (OTHER_VIEWER, "m2", "viewer"),
        ):
            people.add_user(built.ctx, name, org, role, password=PASSWORD)
        yield built
        app.state.context.engine.dispose()
    finally:
        urls.close()


async def _sign_in(c: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    form = await c.get("/signin")
    data = {"username": username, "password": password, "csrf_token": csrf_of(form.text)}
    return await c.post("/signin", data=data)


@asynccontextmanager
async def as_user(
    site: Site, username: str, password: str = PASSWORD, lang: str = "en"
) -> AsyncIterator[httpx.AsyncClient]:
    async with client(site.app) as c:
        c.cookies.set("outpost_lang", lang)
        answer = await _sign_in(c, username, password)
        assert answer.status_code == 303, answer.text
        yield c


async def post(c: httpx.AsyncClient, path: str, data: dict[str, str], page: str) -> httpx.Response:
    """POST a form with the CSRF token of `page`, as the browser would."""
    form = await c.get(page)
    return await c.post(path, data={**data, "csrf_token": csrf_of(form.text)})


def secret_of(page: str, element: str = "secret") -> str:
    found = re.search(rf'id="{element}"[^>]*>([^<]+)<', page)
    assert found, f"no #{element} in the page"
    return found.group(1)


async def signs_in(site: Site, username: str, password: str) -> bool:
    async with client(site.app) as c:
        return (await _sign_in(c, username, password)).status_code == 303


def menu(page: str) -> set[str]:
    """The addresses the header's menu links to."""
    found = re.search(r'<nav class="menu".*?</nav>', page, re.S)
    return set(re.findall(r'href="([^"]+)"', found.group(0))) if found else set()


# --- who may use the pages -------------------------------------------------------------------


async def test_a_viewer_is_refused_the_administration_pages_and_has_no_menu_entry(
    site: Site,
) -> None:
    async with as_user(site, VIEWER) as c:
        account = await c.get("/account")
        assert account.status_code == 200
        assert "/account" in menu(account.text)
        assert not {"/people/users", "/audit"} & menu(account.text)
        for path in (*ADMIN_ONLY, "/audit"):
            assert (await c.get(path)).status_code == 403, path
        made = await post(c, "/people/users", {"username": "sneaky", "org": "m1"}, "/account")
        assert made.status_code == 403
        assert f'id="user-{VIEWER}"' not in made.text  # the 403 page, not the list of users
        org = await post(c, "/people/orgs", {"code": "sneaky", "name": "S"}, "/account")
        assert org.status_code == 403 and 'id="org-m1"' not in org.text
        role = await post(c, f"/people/users/{VIEWER}/role", {"role": "administrator"}, "/account")
        assert role.status_code == 403
    assert "sneaky" not in {u.username for u in people.list_users(site.ctx)}
    assert people.own_user(site.ctx.acting(_principal(site, VIEWER))).role == "viewer"


async def test_a_form_without_its_csrf_token_is_refused(site: Site) -> None:
    async with as_user(site, ADMIN) as c:
        answer = await c.post("/people/orgs", data={"code": "nocsrf", "name": "No token"})
        assert answer.status_code == 403
    assert "nocsrf" not in {o.code for o in people.list_orgs(site.ctx)}


async def test_the_administrator_sees_the_menu_and_the_lists(site: Site) -> None:
    async with as_user(site, ADMIN) as c:
        users = await c.get("/people/users")
        assert users.status_code == 200
        assert {"/people/users", "/audit", "/account"} <= menu(users.text)
        for name in (ADMIN, COORD, VIEWER, OTHER_VIEWER):
            assert f'id="user-{name}"' in users.text
        orgs = await c.get("/people/orgs")
        row = re.search(r'<tr id="org-m1">.*?</tr>', orgs.text, re.S)
        assert row and ">2<" in row.group(0)  # two members
        assert markup_problems(users.text) == [] and markup_problems(orgs.text) == []


# --- organisations and users ----------------------------------------------------------------


async def test_an_added_user_signs_in_with_the_password_shown_once(site: Site) -> None:
    async with as_user(site, ADMIN) as c:
        org = await post(
            c,
            "/people/orgs",
            {"code": "m3", "name": "Member three", "kind": "member"},
            "/people/orgs",
        )
        assert org.status_code == 303
        taken = await post(c, "/people/orgs", {"code": "m3", "name": "Again"}, "/people/orgs")
        assert taken.status_code == 400 and "taken" in taken.text
        made = await post(
            c,
            "/people/users",
            {"username": "m3-analyst", "org": "m3", "role": "analyst"},
            "/people/users",
        )
        assert made.status_code == 200
        assert made.headers["cache-control"] == "no-store"
        secret = secret_of(made.text)
        listed = await c.get("/people/users")
        assert secret not in listed.text  # shown once, never again
        assert 'id="user-m3-analyst"' in listed.text
    assert await signs_in(site, "m3-analyst", secret)
    added = [e for e in _entries(site) if e.target == "user:m3-analyst"]
    assert (added[-1].action, added[-1].actor) == ("user.add", f"user:{ADMIN}")  # the oldest
    assert any(e.action == "org.add" and e.target == "org:m3" for e in _entries(site))


async def test_role_disable_enable_reset_and_unlock(site: Site) -> None:
    people.add_user(site.ctx, "m2-changed", "m2", "viewer", password=PASSWORD)
    where = "/people/users"
    async with as_user(site, ADMIN) as c:
        base = "/people/users/m2-changed"
        assert (await post(c, f"{base}/role", {"role": "analyst"}, where)).status_code == 303
        assert (await post(c, f"{base}/disable", {}, where)).status_code == 303
        assert not await signs_in(site, "m2-changed", PASSWORD)
        listed = await c.get(where)
        row = re.search(r'<tr id="user-m2-changed">.*?</tr>', listed.text, re.S)
        assert row and "Analyst" in row.group(0) and "disabled" in row.group(0)
        assert (await post(c, f"{base}/enable", {}, where)).status_code == 303
        assert await signs_in(site, "m2-changed", PASSWORD)
        reset = await post(c, f"{base}/password", {}, where)
        assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"
        new = secret_of(reset.text)
        assert not await signs_in(site, "m2-changed", PASSWORD)  # 1 wrong attempt
        for _ in range(5):  # locked out
            await signs_in(site, "m2-changed", "wrong password, again")
        assert not await signs_in(site, "m2-changed", new)
        locked = await c.get(where)
        assert f'action="{base}/unlock"' in locked.text
        assert (await post(c, f"{base}/unlock", {}, where)).status_code == 303
        nobody = await post(c, "/people/users/no-such-one/disable", {}, where)
        assert nobody.status_code == 404
        own = await post(c, f"/people/users/{ADMIN}/role", {"role": "viewer"}, where)
        assert own.status_code == 400 and "own role" in own.text
    assert await signs_in(site, "m2-changed", new)
    actions = [e.action for e in _entries(site) if e.target == "user:m2-changed"]
    for done in ("user.role", "user.disable", "user.enable", "user.password", "user.unlock"):
        assert done in actions


# --- one's own account ----------------------------------------------------------------------


async def test_one_changes_ones_own_password_knowing_the_current_one(site: Site) -> None:
    people.add_user(site.ctx, "m1-own", "m1", "analyst", password=PASSWORD)
    new = "a new and long passphrase"
    async with as_user(site, "m1-own") as c:
        form = {"current": "not the password", "new": new, "again": new}
        wrong = await post(c, "/account/password", form, "/account")
        assert wrong.status_code == 400 and "current password is wrong" in wrong.text
        differ = {"current": PASSWORD, "new": new, "again": new + "!"}
        assert (await post(c, "/account/password", differ, "/account")).status_code == 400
        right = {"current": PASSWORD, "new": new, "again": new}
        assert (await post(c, "/account/password", right, "/account")).status_code == 303
    assert not await signs_in(site, "m1-own", PASSWORD)
    assert await signs_in(site, "m1-own", new)


async def test_a_second_factor_is_on_only_once_a_code_confirms_it(site: Site) -> None:
    people.add_user(site.ctx, "m1-totp", "m1", "viewer", password=PASSWORD)
    async with as_user(site, "m1-totp") as c:
        started = await post(c, "/account/totp", {}, "/account")
        assert started.status_code == 200 and started.headers["cache-control"] == "no-store"
        secret = secret_of(started.text, "totp-secret")
        assert "otpauth://totp/" in started.text
        wrong = {"secret": secret, "code": "000000"}
        if pyotp.TOTP(secret).verify("000000", valid_window=1):  # pragma: no cover - 1 in 10^5
            wrong["code"] = "999999"
        refused = await post(c, "/account/totp/confirm", wrong, "/account")
        assert refused.status_code == 400
        assert secret_of(refused.text, "totp-secret") == secret  # the app has it already
        assert not _user(site, "m1-totp").totp
        code = pyotp.TOTP(secret).now()
        done = await post(c, "/account/totp/confirm", {"secret": secret, "code": code}, "/account")
        assert done.status_code == 303
    assert _user(site, "m1-totp").totp
    assert any(e.action == "user.totp" and e.target == "user:m1-totp" for e in _entries(site))


async def test_own_tokens_are_made_shown_once_and_revoked(site: Site) -> None:
    others = create_user_token(site.ctx, "not yours", OTHER_VIEWER)[0]
    async with as_user(site, VIEWER) as c:
        made = await post(c, "/account/tokens", {"name": "laptop"}, "/account")
        assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
        secret = secret_of(made.text, "token-secret")
        listed = await c.get("/account")
        assert secret not in listed.text and "laptop" in listed.text
        token_id = re.search(r'<tr id="token-(\d+)">', listed.text)
        assert token_id
        mine = await post(c, f"/account/tokens/{token_id.group(1)}/revoke", {}, "/account")
        theirs = await post(c, f"/account/tokens/{others.id}/revoke", {}, "/account")
        missing = await post(c, "/account/tokens/999999/revoke", {}, "/account")
        assert mine.headers["location"].endswith("changed=revoked#tokens")
        assert theirs.headers["location"] == missing.headers["location"]  # as if not there
    actions = {(e.action, e.target) for e in _entries(site)}
    assert ("token.add", f"user:{VIEWER}") in actions
    assert ("token.revoke", f"user:{VIEWER}") in actions
    async with client(site.app) as api:
        answer = await api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 401  # revoked


# --- the audit log --------------------------------------------------------------------------


async def test_a_coordinator_reads_the_entries_about_its_own_organisation_only(
    site: Site,
) -> None:
    async with as_user(site, COORD) as c:
        page = await c.get("/audit")
        assert page.status_code == 200
        assert f"user:{VIEWER}" in page.text and "org:m1" in page.text
        assert f"user:{OTHER_VIEWER}" not in page.text and "org:m2" not in page.text
        assert 'href="/audit/verify"' not in page.text
        assert (await c.get("/audit/verify")).status_code == 403
        # Asking for another organisation's entries finds none, as if there were none.
        other = await c.get(f"/audit?target=user:{OTHER_VIEWER}")
        nothing = await c.get("/audit?target=user:nobody-at-all")
        assert other.status_code == nothing.status_code == 200
        assert 'id="entry-' not in other.text and 'id="entry-' not in nothing.text


async def test_the_audit_list_filters_and_pages(site: Site) -> None:
    for n in range(60):
        people.add_org(site.ctx, f"p{n:02d}", f"Paged {n}", "partner")
    async with as_user(site, ADMIN) as c:
        first = await c.get("/audit?action=org")
        ids = [int(i) for i in re.findall(r'<tr id="entry-(\d+)">', first.text)]
        assert len(ids) == 50 and ids == sorted(ids, reverse=True)
        older = re.search(r'href="(/audit\?[^"]+)" rel="next"', first.text)
        assert older
        second = await c.get(older.group(1).replace("&amp;", "&"))
        more = [int(i) for i in re.findall(r'<tr id="entry-(\d+)">', second.text)]
        assert more and max(more) < min(ids)
        assert "user.add" not in first.text + second.text  # only the org.* actions
        today = datetime.now(UTC).date().isoformat()
        dated = await c.get(f"/audit?target=org:p00&since={today}&until={today}")
        assert dated.text.count('<tr id="entry-') == 1
        past = await c.get("/audit?target=org:p00&until=2001-01-01")
        assert '<tr id="entry-' not in past.text
        bad = await c.get("/audit?since=yesterday")
        assert bad.status_code == 400


async def test_verify_names_the_first_broken_link_and_the_api_says_the_same(site: Site) -> None:
    admin = create_user_token(site.ctx, "audit", ADMIN)[1]
    coord = create_user_token(site.ctx, "audit", COORD)[1]
    viewer = create_user_token(site.ctx, "audit", VIEWER)[1]
    async with as_user(site, ADMIN) as c, client(site.app) as api:
        intact = await c.get("/audit/verify")
        assert intact.status_code == 200 and "The chain is intact" in intact.text
        as_admin = {"Authorization": f"Bearer {admin}"}
        assert (await api.get("/api/v1/audit/verify", headers=as_admin)).json()["intact"]
        coord_api = await api.get("/api/v1/audit", headers={"Authorization": f"Bearer {coord}"})
        targets = {e["target"] for e in coord_api.json()["items"]}
        assert f"user:{VIEWER}" in targets and f"user:{OTHER_VIEWER}" not in targets
        for token, path in ((coord, "/api/v1/audit/verify"), (viewer, "/api/v1/audit")):
            answer = await api.get(path, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 403
        victim, original = _tamper(site, f"user:{COORD}")
        try:
            broken = await c.get("/audit/verify")
            assert f"The chain is broken at entry {victim}" in broken.text
            checked = (await api.get("/api/v1/audit/verify", headers=as_admin)).json()
            assert (checked["intact"], checked["broken_id"]) == (False, victim)
        finally:
            _restore(site, victim, original)
    assert check_audit(site.ctx).intact


async def test_the_pages_speak_russian(site: Site) -> None:
    async with as_user(site, ADMIN, lang="ru") as c:
        users = await c.get("/people/users")
        assert "<h1>Пользователи</h1>" in users.text
        account = await c.get("/account")
        assert "Ваша учётная запись" in account.text
        audit = await c.get("/audit")
        assert "Журнал аудита" in audit.text


# --- helpers --------------------------------------------------------------------------------


def _principal(site: Site, username: str) -> Principal:
    return principal_for(_user(site, username))


def _user(site: Site, username: str) -> User:
    found = [u for u in people.list_users(site.ctx) if u.username == username]
    assert found
    return found[0]


def _entries(site: Site) -> list[AuditEntry]:
    return list_audit(site.ctx, 10_000)


def _tamper(site: Site, target: str) -> tuple[int, str]:
    """Change the detail of the first entry about `target` in the store itself, as someone
    with access to the database would; its id and the detail it had."""
    with site.app.state.context.engine.begin() as conn:
        row = conn.execute(
            select(audit_log.c.id, audit_log.c.detail)
            .where(audit_log.c.target == target)
            .order_by(audit_log.c.id)
        ).first()
        assert row is not None
        conn.execute(
            update(audit_log).where(audit_log.c.id == row.id).values(detail='{"role":"viewer"}')
        )
        return int(row.id), str(row.detail)


def _restore(site: Site, entry: int, detail: str) -> None:
    with site.app.state.context.engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.id == entry).values(detail=detail))
