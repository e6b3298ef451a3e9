"""The pages' guard and sessions, in-process on SQLite and PostgreSQL: the policy and headers
on every page and static file, no inline script or style in any page, CSRF refused in every
way it can be missing or wrong, the request size cap, signing in and out, the session cookie
(flags, tampering, expiry, the key file), and the API beside the pages left alone."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from outpost.records import Principal
from outpost.services.alerts import list_alerts
from outpost.services.tokens import create_api_token, revoke_api_token
from outpost.web.security import MAX_BODY
from outpost.web.server import create_web_app
from outpost.web.sessions import (
    COOKIE,
    KEY_FILE,
    Session,
    SessionKeyError,
    encode,
    installation_key,
    new_session,
)
from tests.test_web_support import (
    PRINCIPAL,
    Site,
    client,
    csrf_of,
    hostile_events,
    markup_problems,
    sign_in,
    signed_in,
    site,
)

__all__ = ["site"]
pytestmark = pytest.mark.anyio

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "object-src": "'none'",
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pages(site: Site) -> list[str]:
    [event, *_] = hostile_events(site.ctx)
    [alert, *_] = list_alerts(site.ctx)
    return [
        "/",
        "/alerts",
        "/alerts?state=new",
        "/events",
        f"/events/{event.id}",
        "/articles",
        "/articles/hostile-1",
        f"/stories/{alert.story_id}",
        "/stories",
        "/search?q=border",
        "/actors",
        "/sources",
        "/rules",
        "/events/999999",  # not found: a page too
    ]


def assert_guarded(answer: httpx.Response) -> None:
    policy = {
        name: value
        for name, _, value in (
            d.strip().partition(" ") for d in answer.headers["content-security-policy"].split(";")
        )
    }
    assert {k: policy.get(k) for k in POLICY} == POLICY, answer.url
    assert "unsafe" not in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-frame-options"] == "DENY"


# Headers and markup ----------------------------------------------------------------------------


async def test_every_page_has_the_policy_and_no_inline_script_or_style(site: Site) -> None:
    async with signed_in(site) as c:
        answers = [await c.get(path) for path in pages(site)]
        answers.append(await c.get("/overview/map.json"))
        answers.append(await c.get("/overview/charts.json"))
    async with client(site.app) as c:
        answers.append(await c.get("/signin"))
    for answer in answers:
        assert answer.status_code in (200, 404), answer.url
        assert_guarded(answer)
        assert answer.headers["cache-control"] == "no-store"
        if answer.headers["content-type"].startswith("text/html"):
            editor = frozenset({"textarea"}) if answer.url.path == "/rules" else frozenset()
            assert markup_problems(answer.text, editor) == [], answer.url
            assert answer.text.count("<textarea") == len(editor), answer.url
            assert "<script src=" in answer.text


async def test_static_files_are_guarded_and_kept_by_their_version(site: Site) -> None:
    web = site.app.state.web
    async with client(site.app) as c:
        versioned = await c.get(web.assets.url("app.css"))
        stale = await c.get("/static/app.css?v=0000")
        bare = await c.get("/static/vendor/leaflet/images/layers.png")
        missing = await c.get("/static/nothing.js")
        outside = await c.get("/static/../server.py")
    assert versioned.status_code == 200 and "text/css" in versioned.headers["content-type"]
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert stale.headers["cache-control"] == bare.headers["cache-control"] == "no-cache"
    for answer in (versioned, stale, bare, missing):
        assert_guarded(answer)
    assert missing.status_code == 404 and outside.status_code == 404


async def test_pages_name_every_static_file_with_its_version(site: Site) -> None:
    async with signed_in(site) as c:
        page = (await c.get("/")).text
    web = site.app.state.web
    for name in ("app.css", "map.js", "charts.js", "vendor/leaflet/leaflet.js"):
        assert f'"{web.assets.url(name)}"' in page


# CSRF ------------------------------------------------------------------------------------------


async def test_a_change_without_the_sessions_token_is_refused(site: Site) -> None:
    [alert, *_] = list_alerts(site.ctx, "new")
    url = f"/alerts/{alert.id}/state"
    async with signed_in(site) as c, signed_in(site) as other:
        token = csrf_of((await c.get("/alerts")).text)
        theirs = csrf_of((await other.get("/alerts")).text)
        refused = [
            await c.post(url, data={"state": "closed"}),
            await c.post(url, data={"state": "closed", "csrf_token": ""}),
            await c.post(url, data={"state": "closed", "csrf_token": token[:-2] + "xx"}),
            await c.post(url, data={"state": "closed", "csrf_token": theirs}),
            await c.post(url, data={"state": "closed"}, headers={"X-CSRF-Token": theirs}),
            # the token in a form body htmx does not send: only urlencoded forms are read
            await c.post(url, files={"csrf_token": (None, token), "state": (None, "closed")}),
        ]
        allowed = await c.post(url, data={"state": "acknowledged"}, headers={"X-CSRF-Token": token})
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert all("did not come from this site" in r.text for r in refused)
    assert theirs != token
    assert allowed.status_code == 303
    [now] = [a for a in list_alerts(site.ctx, limit=None) if a.id == alert.id]
    assert now.state == "acknowledged"


async def test_signing_in_and_out_and_the_language_need_the_token(site: Site) -> None:
    async with client(site.app) as c:
        await c.get("/signin")  # a session, so only the token is missing
        signin = await c.post("/signin", data={"token": site.secret, "next": "/"})
        language = await c.post("/language", data={"lang": "ru"})
    async with signed_in(site) as c:
        signout = await c.post("/signout")
        still = await c.get("/")
    assert signin.status_code == language.status_code == signout.status_code == 403
    assert still.status_code == 200


async def test_a_token_from_before_signing_in_is_not_valid_after(site: Site) -> None:
    """Signing in starts a new session nonce: a token an attacker planted is worthless."""
    async with client(site.app) as c:
        before = csrf_of((await c.get("/signin")).text)
        await sign_in(c, site.secret)
        after = csrf_of((await c.get("/alerts")).text)
        refused = await c.post("/signout", data={"csrf_token": before})
        accepted = await c.post("/signout", data={"csrf_token": after})
    assert before != after
    assert refused.status_code == 403 and accepted.status_code == 303


async def test_a_request_over_the_cap_is_refused_before_it_is_read(site: Site) -> None:
    async with signed_in(site) as c:
        token = csrf_of((await c.get("/alerts")).text)
        big = await c.post(
            "/signout",
            content=b"csrf_token=" + token.encode() + b"&pad=" + b"x" * MAX_BODY,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        still = await c.get("/")
    assert big.status_code == 413
    assert still.status_code == 200  # not signed out


# Signing in and out ----------------------------------------------------------------------------


async def test_sign_in_with_a_token_then_out(site: Site) -> None:
    async with client(site.app) as c:
        before = await c.get("/alerts?state=new")
        form = await c.get(before.headers["location"])
        answer = await sign_in(c, site.secret, next="/alerts?state=new")
        page = await c.get("/alerts?state=new")
        token = csrf_of(page.text)
        out = await c.post("/signout", data={"csrf_token": token})
        after = await c.get("/")
    assert before.status_code == 303
    assert before.headers["location"] == "/signin?next=/alerts%3Fstate%3Dnew"
    assert 'name="next" value="/alerts?state=new"' in form.text
    assert answer.status_code == 303 and answer.headers["location"] == "/alerts?state=new"
    assert page.status_code == 200 and "Signed in as" in page.text and PRINCIPAL in page.text
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert f'{COOKIE}=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert after.status_code == 303


async def test_a_wrong_or_revoked_token_signs_no_one_in(site: Site) -> None:
    token, secret = create_api_token(site.ctx, "to revoke", PRINCIPAL)
    revoke_api_token(site.ctx, token.id)
    async with client(site.app) as c:
        wrong = await sign_in(c, "op_not-a-token")
        revoked = await sign_in(c, secret)
        empty = await sign_in(c, "")
        page = await c.get("/")
    for answer in (wrong, revoked, empty):
        assert answer.status_code == 401
        assert "This token is not valid" in answer.text and 'role="alert"' in answer.text
    assert page.status_code == 303


async def test_revoking_the_token_ends_the_sessions_signed_in_with_it(site: Site) -> None:
    [alert, *_] = list_alerts(site.ctx, "new")
    token, secret = create_api_token(site.ctx, "revoked later", PRINCIPAL)
    async with client(site.app) as c:
        await sign_in(c, secret)
        before = await c.get("/alerts")
        revoke_api_token(site.ctx, token.id)
        after = await c.get("/")
        change = {"state": "closed", "csrf_token": csrf_of(before.text)}
        posted = await c.post(f"/alerts/{alert.id}/state", data=change)
    assert before.status_code == 200 and "Signed in as" in before.text
    assert after.status_code == 303 and after.headers["location"] == "/signin?next=/"
    assert posted.status_code == 303 and posted.headers["location"].startswith("/signin")
    [still] = [a for a in list_alerts(site.ctx, limit=None) if a.id == alert.id]
    assert still.state == "new"


async def test_a_session_without_its_token_is_no_session(site: Site) -> None:
    someone = Principal("person:boss", "The Boss")
    tokenless = encode(site.app.state.web.key, new_session(datetime.now(UTC), someone))
    async with client(site.app) as c:
        c.cookies.set(COOKIE, tokenless)
        answer = await c.get("/")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")


async def test_sign_in_goes_back_only_to_this_site(site: Site) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:1"):
        async with client(site.app) as c:
            answer = await sign_in(c, site.secret, next=target)
        assert answer.headers["location"] == "/", target


async def test_the_session_cookie_is_httponly_strict_and_secure_over_https(site: Site) -> None:
    async with client(site.app) as c:
        plain = await sign_in(c, site.secret)
    async with client(site.app, https=True) as c:
        secure = await sign_in(c, site.secret)
    for answer in (plain, secure):
        cookie = answer.headers["set-cookie"].lower()
        assert cookie.startswith(f"{COOKIE}=") and "httponly" in cookie
        assert "samesite=strict" in cookie and "path=/" in cookie
    assert "secure" not in plain.headers["set-cookie"].lower()
    assert "; secure" in secure.headers["set-cookie"].lower()


async def test_a_forged_or_expired_session_is_no_session(site: Site) -> None:
    key = site.app.state.web.key
    now = datetime.now(UTC)
    someone = Principal("person:boss", "The Boss")
    token, _ = create_api_token(site.ctx, "the boss's", someone.id)
    forged = encode(b"k" * 32, new_session(now, someone, token.id))
    expired = encode(key, Session("n" * 24, now - timedelta(seconds=1), someone, token.id))
    genuine = encode(key, new_session(now, someone, token.id))
    tampered = genuine.replace(genuine.split(".")[1], genuine.split(".")[1][:-2] + "AA")
    answers = {}
    for name, value in [("forged", forged), ("expired", expired), ("tampered", tampered)]:
        async with client(site.app) as c:
            c.cookies.set(COOKIE, value)
            answers[name] = await c.get("/")
    async with client(site.app) as c:
        c.cookies.set(COOKIE, genuine)
        ok = await c.get("/")
    assert {k: v.status_code for k, v in answers.items()} == dict.fromkeys(answers, 303)
    assert ok.status_code == 200 and "The Boss" in ok.text


async def test_htmx_without_a_session_is_told_where_to_sign_in(site: Site) -> None:
    async with client(site.app) as c:
        answer = await c.get("/alerts", headers={"HX-Request": "true"})
        stream = await c.get("/alerts/stream")
    assert answer.status_code == 401 and answer.headers["hx-redirect"] == "/signin?next=/alerts"
    assert stream.status_code == 204  # EventSource gives up instead of retrying


async def test_the_acting_principal_is_the_tokens_owner(site: Site) -> None:
    _, secret = create_api_token(site.ctx, "second analyst", "person:second")
    async with client(site.app) as c:
        await sign_in(c, secret)
        page = (await c.get("/")).text
    assert "person:second (token second analyst)" in page


# The key and the API beside the pages ----------------------------------------------------------


def test_the_key_is_made_once_private_and_kept_across_restarts(site: Site) -> None:
    path = site.settings.data_dir / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = create_web_app(site.settings)
    assert again.state.web.key == site.app.state.web.key == path.read_bytes()
    again.state.context.engine.dispose()


def test_a_key_others_may_read_is_refused(tmp_path: Path) -> None:
    installation_key(tmp_path)
    (tmp_path / KEY_FILE).chmod(0o644)
    with pytest.raises(SessionKeyError, match=r"chmod 600"):
        installation_key(tmp_path)


async def test_the_api_beside_the_pages_is_left_to_its_own_rules(site: Site) -> None:
    """A route the pages did not add (the REST API's) gets no CSRF check and no page headers:
    it authenticates by bearer token, never by the session cookie."""
    app = create_web_app(site.settings)

    @app.post("/api/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    async with client(app) as c:
        answer = await c.post("/api/ping", content=b"x" * (MAX_BODY + 10))
    assert answer.status_code == 200 and answer.json() == {"pong": "yes"}
    assert "content-security-policy" not in answer.headers
    app.state.context.engine.dispose()
