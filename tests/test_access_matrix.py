"""The access matrix: every route of the app (the API and the pages, read from its route
table) × every role in the owner organisation and another member state, the centre and a
partner, the person a RED item names, and nobody signed in × an item of every marked kind at
every TLP 2.0 marking (tests/access_world.py), on SQLite and PostgreSQL.

For each request: an allowed one works; a refused one is refused as its rule says (401 with
no one signed in, 403 for a role that may not); an item the principal may not see answers
exactly as a missing one (status and body, but for the path); and no answer (lists, counts,
search, exports, errors, the live stream) holds a canary of an item the principal may not
see. The routes' rules are tests/access_routes.py's table: a route missing from it fails.

Run with -s to see the counts (routes, principals, markings, checks).
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
import zipfile
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from outpost.api.app import create_app
from outpost.config import FetchSettings, Settings, sqlite_url
from outpost.markings import TLP
from outpost.records import Principal
from outpost.respond.people import Role, may
from outpost.services.context import operator
from tests.access_routes import API, FILL, PARAMS, ROUTES, VARIANTS, Access, Route, Rule, routes
from tests.access_world import ASSIGNED, MARKED, AccessWorld, build, canary, comment_canary, sees
from tests.conftest import LOOPBACK
from tests.marked_world import PASSWORD
from tests.test_web_support import csrf_of, database_urls

pytestmark = pytest.mark.anyio
OWNER = "m1"  # owns every item of the world
# Who asks: every role of the owner; of another member state, its viewer (the person the
# RED items name; refused by role what analysts may) and its coordinator (who may by role
# what the owner alone may: refused for its organisation); an analyst of the centre (named
# on the AMBER items); a partner's viewer (not of the alliance: no GREEN); and nobody
# signed in. The other member state's analyst and administrator add no case: the roles
# are nested (respond.people.Role), they see what its coordinator sees, and what they may
# that it may not (the people pages, the whole audit log) depends on no organisation, as
# the owner's administrator shows.
PRINCIPALS: tuple[str | None, ...] = (
    *(f"m1-{r.value}" for r in Role),
    "m2-viewer",
    "m2-coordinator",
    "crc-analyst",
    "p1-viewer",
    None,
)
# Known leaks, reported, each with its strict xfail at the end: their answers are not
# searched for canaries in the matrix (the xfail fails the day the leak is fixed; then drop it
# from here).
KNOWN_LEAKS: set[tuple[str, str]] = set()
LAST = ("/language", "/signout")  # changes asked last: they end or change the session
COUNTS: Counter[str] = Counter()  # over both dialects, for the summary


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass(frozen=True)
class Site:
    app: FastAPI
    world: AccessWorld
    dialect: str


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("matrix")
    urls = database_urls(request.param, folder)
    try:
        # Feeds on loopback may be added (none is fetched: no watch loop runs here).
        fetch = FetchSettings(allow_networks=LOOPBACK)
        settings = Settings(data_dir=folder / "data", database_url=next(urls), fetch=fetch)
        app = create_app(settings)
        world = build(app.state.context.acting(operator()))
        yield Site(app, world, request.param)
        # As the app's lifespan would (httpx's ASGI transport runs none): the page fetches'
        # jobs end here, not loading the analysis models beside the next dialect's matrix.
        app.state.jobs.stop()
        app.state.context.engine.dispose()
    finally:
        urls.close()


# --- the route table ---------------------------------------------------------------------------


def test_every_route_is_classified(tmp_path: Path) -> None:
    """Every route of the app has a rule in the table, and every rule a route: a route added
    later fails here until it is classified (see tests/access_routes.py)."""
    app = create_app(
        Settings(data_dir=tmp_path / "data", database_url=sqlite_url(tmp_path / "o.db"))
    )
    found = {r.key for r in routes(app)}
    unclassified = sorted(found - ROUTES.keys())
    stale = sorted(ROUTES.keys() - found)
    assert not unclassified, f"routes the access matrix does not classify: {unclassified}"
    assert not stale, f"classified routes the app does not have: {stale}"
    for (method, path), rule in ROUTES.items():
        changes = method in ("POST", "PUT", "PATCH", "DELETE")
        assert (rule.body is not None) is changes, f"{method} {path}: a body iff a change"
        names = set(re.findall(r"{(\w+)}", path))
        kinds = {PARAMS[n] for n in names if n in PARAMS}
        assert kinds == ({rule.kind} if rule.kind else set()), f"{method} {path}: its kind"
    COUNTS["routes"] = len(found)
    COUNTS["api routes"] = sum(1 for m, p in found if p.startswith("/api/"))


# --- asking as a principal -------------------------------------------------------------------


@dataclass
class Asker:
    """One principal's clients: a bearer token for the API, a cookie session for the pages."""

    site: Site
    name: str | None
    api: httpx.AsyncClient
    pages: httpx.AsyncClient
    who: Principal | None  # read once: the rule is asked of it for every request
    made: int = 0  # a counter for the unique ids changes ask for

    def client(self, route: Route) -> httpx.AsyncClient:
        return self.pages if route.is_page else self.api


@asynccontextmanager
async def asker(site: Site, name: str | None) -> AsyncIterator[Asker]:
    transport = httpx.ASGITransport(app=site.app)
    base = "http://outpost.test"
    headers = {"Authorization": f"Bearer {site.world.tokens[name]}"} if name else {}
    async with (
        httpx.AsyncClient(transport=transport, base_url=base, headers=headers) as api,
        httpx.AsyncClient(transport=transport, base_url=base) as pages,
    ):
        if name is not None:  # signed in as people do: the form, with its CSRF token
            form = await pages.get("/signin")
            fields = {"username": name, "password": PASSWORD, "csrf_token": csrf_of(form.text)}
            answer = await pages.post("/signin", data=fields)
            assert answer.status_code == 303, answer.text
            pages.headers["x-csrf-token"] = csrf_of((await pages.get("/cases/new")).text)
        else:  # a visitor has a session too: the sign-in form's
            pages.headers["x-csrf-token"] = csrf_of((await pages.get("/signin")).text)
        who = site.world.who(name) if name else None
        yield Asker(site, name, api, pages, who)


@dataclass(frozen=True)
class Ask:
    """One request of the matrix: a route with its parameters filled."""

    route: Route
    rule: Rule
    path: str
    marking: TLP | None  # the marked item's the path names; None: names none
    missing: bool = False  # names a marked item that does not exist


def asks(route: Route, world: AccessWorld) -> Iterator[Ask]:
    """The route with its path parameters filled: for a marked kind, once for each marking's
    item and once for a missing one; every other parameter from the world or FILL."""
    rule = ROUTES[route.key]
    if route.method == "MOUNT":
        yield Ask(route, rule, f"{route.path}/missing.css", None)
        return
    base = {**FILL, **world.clear}
    for variant in _variants(route.path):
        if rule.kind is None:
            yield Ask(route, rule, _fill(route.path, base | variant), None)
            continue
        yield Ask(route, rule, _fill(route.path, base | world.missing[rule.kind]), None, True)
        for marking, params in world.items[rule.kind].items():
            filled = base | params | {"_marking": marking.value}
            yield Ask(route, rule, _fill(route.path, filled), marking)


def _variants(path: str) -> list[dict[str, str]]:
    for name, values in VARIANTS.items():
        if f"{{{name}}}" in path:
            return [{name: v} for v in values]
    return [{}]


def _fill(path: str, params: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda m: quote(params[m.group(1)], safe=""), path)


def _params(ask: Ask, world: AccessWorld) -> dict[str, str]:
    if ask.marking is None:
        return {}
    assert ask.rule.kind is not None
    return world.items[ask.rule.kind][ask.marking] | {"_marking": ask.marking.value}


# --- what an answer must be ----------------------------------------------------------------


@dataclass
class Answer:
    status: int
    text: str
    path: str  # asked at
    location: str | None = None


async def send(a: Asker, ask: Ask, change: bool) -> Answer:
    c = a.client(ask.route)
    url = ask.path + (f"?{ask.rule.query}" if ask.rule.query else "")
    if ask.rule.stream:
        return await _first_of_stream(a, ask.path, ask.rule.query)
    kw: dict[str, Any] = {}
    if change:
        assert ask.rule.body is not None
        a.made += 1
        kw = ask.rule.body(_params(ask, a.site.world), a.made + 1000 * PRINCIPALS.index(a.name))
    method = "GET" if ask.route.method == "MOUNT" else ask.route.method
    if method == "DELETE":  # httpx's delete() takes no body: ours need none
        kw = {}
    answer = await c.request(method, url, **kw)
    return Answer(answer.status_code, _text(answer), ask.path, answer.headers.get("location"))


def _text(answer: httpx.Response) -> str:
    """The answer's text; a zip's (a MISP feed) files' texts."""
    if answer.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(answer.content)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return answer.content.decode("utf-8", "replace")


async def _first_of_stream(a: Asker, path: str, query: str, wait: float = 0.5) -> Answer:
    """A live update stream, read until its first alerts event (for `wait` seconds at most,
    or to its end), then left: straight
    over ASGI, as httpx's transport would wait for an end that never comes."""
    cookie = "; ".join(f"{k}={v}" for k, v in a.pages.cookies.items())
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "server": ("outpost.test", 80),
        "client": ("127.0.0.1", 1),
        "headers": [(b"host", b"outpost.test"), (b"cookie", cookie.encode())],
    }  # fmt: skip
    left = asyncio.Event()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await left.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    def alerted() -> bool:
        return any(b"event: alerts" in m.get("body", b"") for m in sent)

    task = asyncio.create_task(a.site.app(scope, receive, send))
    ends = time.monotonic() + wait
    done: set[asyncio.Task[None]] = set()
    while not done and not alerted() and time.monotonic() < ends:  # left once it is read
        done, _ = await asyncio.wait({task}, timeout=0.02)
    left.set()
    if not done:
        try:
            await asyncio.wait_for(task, 5)
        except TimeoutError:  # pragma: no cover - a stream that does not see the client go
            task.cancel()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(start["status"], body.decode("utf-8", "replace"), path)


@dataclass
class Verdicts:
    """What the matrix found, for the summary."""

    counts: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)  # by route, to find the slow ones
    problems: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str, why: str) -> None:
        self.counts["checks"] += 1
        if not ok:
            self.problems.append(f"{what}: {why}")


def expected(a: Asker, ask: Ask) -> str:
    """works, anonymous, refused, hidden (answers as the missing one) or missing."""
    rule, who = ask.rule, a.who
    if rule.access is Access.PUBLIC:
        return "works"
    if who is None:
        return "anonymous"
    if ask.missing:
        return "missing"
    if rule.kind is not None and ask.marking and not sees(a.name, rule.kind, ask.marking):
        return "hidden"
    if not may(who, rule.action) or not _of_org(rule, who, ask.marking):
        return "refused"
    return "works"


def _of_org(rule: Rule, who: Principal, marking: TLP | None) -> bool:
    if rule.only == "owner":
        return who.org == OWNER
    if rule.only == "assigned":
        assert marking is not None
        return who.org in ASSIGNED[marking]
    return True


def judge(
    v: Verdicts, a: Asker, ask: Ask, got: Answer, change: bool, missing: Answer | None
) -> None:
    what = f"{ask.route.method} {ask.path} as {a.name or 'nobody'}"
    want = expected(a, ask)
    v.counts[want] += 1
    if want == "works":
        works = frozenset({404}) if ask.route.method == "MOUNT" else ask.rule.works
        v.check(
            got.status in works,
            what,
            f"works: {sorted(works)} expected, got {got.status} {got.text[:300]}",
        )
        if ask.rule.stream:  # read for real: the world's alert came in its first event
            v.check("event: alerts" in got.text, what, f"no alerts in {got.text[:300]!r}")
    elif want == "anonymous":
        v.check(
            got.status == _anonymous(ask), what, f"anonymous: got {got.status} {got.text[:200]}"
        )
        if ask.route.is_page and got.status == 303:
            v.check((got.location or "").startswith("/signin"), what, f"to {got.location}")
    elif want == "refused":
        v.check(
            got.status in ask.rule.refused,
            what,
            f"refused: 403 expected, got {got.status} {got.text[:300]}",
        )
    elif want == "missing":
        v.check(got.status in (403, 404), what, f"missing: got {got.status} {got.text[:300]}")
    else:  # hidden
        assert missing is not None
        same = got.status == missing.status and _bare(got) == _bare(missing)
        v.check(
            same,
            what,
            f"hidden answered unlike missing: {got.status} {got.text[:300]!r} "
            f"vs {missing.status} {missing.text[:300]!r}",
        )
    if ask.route.key not in KNOWN_LEAKS:
        _no_canary(v, a, ask, got, what)
    if want == "works" and ask.rule.shows and not change:
        _shows(v, a, ask, got, what)


def _anonymous(ask: Ask) -> int:
    if ask.rule.stream:
        return 204  # EventSource stops asking on 204
    if not ask.route.is_page:
        return 401
    return 303  # to the sign-in page, whatever the method


def _bare(answer: Answer) -> str:
    """The answer without the path it was asked at (a problem's instance, a page's way
    back in its language form), so that the answers for two ids compare: the ids then
    differ nowhere else."""
    try:
        body = json.loads(answer.text)
    except ValueError:
        text = answer.text
        for written in (answer.path, quote(answer.path, safe=""), quote(answer.path)):
            text = text.replace(written, "{path}")
        return text
    if isinstance(body, dict):
        body.pop("instance", None)
    return json.dumps(body, sort_keys=True)


def _no_canary(v: Verdicts, a: Asker, ask: Ask, got: Answer, what: str) -> None:
    for kind in MARKED:
        for marking in TLP:
            if sees(a.name, kind, marking):
                continue
            words = [canary(kind, marking)]
            if kind == "case":
                words.append(comment_canary(marking))
            for word in words:
                v.check(word not in got.text, what, f"shows {word}, which it may not see")


def _shows(v: Verdicts, a: Asker, ask: Ask, got: Answer, what: str) -> None:
    for kind in ask.rule.shows:
        seen = [m for m in TLP if sees(a.name, kind, m)]
        for marking in seen:
            word = canary(kind, marking)
            v.check(word in got.text, what, f"does not list {word}, which it may see")
        if not ask.route.is_page:
            total = json.loads(got.text)["total"]
            v.check(total == len(seen), what, f"total {total}, {len(seen)} seen")


async def ask_all(site: Site, askers: list[Asker], v: Verdicts, change: bool) -> None:
    """Every route as every principal: the reads (change False) or the changes, which keep
    the world as the reads found it (no marking loosened, nothing hidden), the session's end
    last. Every principal reads before any changes, so lists and counts are the world's; of
    a change, those refused ask before those allowed (whose change, e.g. a measure
    acknowledged, would make the next ask wrong for a reason other than who asks)."""
    table = routes(site.app)
    reads = [r for r in table if r.method in ("GET", "MOUNT")]
    chosen = sorted((r for r in table if r not in reads), key=lambda r: r.path in LAST)
    for route in chosen if change else reads:
        missing: dict[str | None, Answer] = {}
        began = time.monotonic()
        for ask in asks(route, site.world):  # the missing item's first: the hidden's like
            order = sorted(askers, key=lambda a: expected(a, ask) == "works")
            for a, got in zip(order, await _answers(order, ask, change), strict=True):
                if ask.missing:
                    missing[a.name] = got
                judge(v, a, ask, got, change, missing.get(a.name))
                v.counts["requests"] += 1
        v.seconds[f"{route.method} {route.path}"] += time.monotonic() - began


async def _answers(order: list[Asker], ask: Ask, change: bool) -> list[Answer]:
    """Every principal's answer to `ask`: a read asked by all at once (the app answers a
    read from one thread while it waits on the database for another: the matrix's time),
    a change one after the other, in `order`."""
    if not change:
        return list(await asyncio.gather(*(send(a, ask, change) for a in order)))
    return [await send(a, ask, change) for a in order]


async def _counts(v: Verdicts, a: Asker) -> None:
    """The case counts count only what the principal sees."""
    got = (await a.api.get(f"{API}/cases/counts")).json()
    seen = sum(1 for m in TLP if sees(a.name, "case", m))
    v.check(
        got == {"open": seen, "in-progress": 0, "closed": 0},
        f"counts as {a.name}",
        f"{got} for {seen} seen",
    )


async def test_the_access_matrix(site: Site) -> None:
    started = time.monotonic()
    v = Verdicts()
    async with AsyncExitStack() as stack:
        askers = [await stack.enter_async_context(asker(site, n)) for n in PRINCIPALS]
        for a in askers:
            if a.name is not None:
                await _counts(v, a)
        for change in (False, True):
            await ask_all(site, askers, v, change)
    elapsed = time.monotonic() - started
    COUNTS.update({f"{site.dialect} {k}": n for k, n in v.counts.items()})
    print(
        f"\naccess matrix on {site.dialect}: {len(routes(site.app))} routes × "
        f"{len(PRINCIPALS)} principals × {len(TLP)} markings (+ a missing item) of "
        f"{len(MARKED)} kinds: {v.counts['requests']} requests, {v.counts['checks']} checks "
        f"({dict(v.counts)}) in {elapsed:.1f} s; slowest: "
        + ", ".join(f"{r} {t:.1f} s" for r, t in v.seconds.most_common(8))
    )
    assert not v.problems, f"{len(v.problems)} problems:\n" + "\n".join(v.problems)


async def test_a_taken_plan_id_tells_nothing_of_a_hidden_plan(site: Site) -> None:
    async with asker(site, "m2-coordinator") as a:
        hidden = site.world.items["plan"][TLP.AMBER_STRICT]["plan_id"]  # m1's alone
        answer = await a.api.post(f"{API}/plans", json={"id": hidden, "title": "Ours"})
        assert answer.status_code == 201, answer.text  # as for an id no plan has
        assert re.fullmatch(rf"{re.escape(hidden)}-[a-z2-9]{{5}}", answer.json()["id"])


async def test_the_audit_log_shows_no_title_of_a_hidden_item(site: Site) -> None:
    """The log's details hold titles; an administrator of another organisation reads the
    entries about people and organisations, but none about an item TLP hides from it."""
    async with asker(site, "m2-administrator") as a:
        answer = await a.api.get(f"{API}/audit", params={"limit": 500})
        assert answer.status_code == 200, answer.text
        for kind in ("case", "plan"):
            assert canary(kind, TLP.AMBER_STRICT) not in answer.text, answer.text
            assert canary(kind, TLP.GREEN) in answer.text  # what it sees, it reads
        assert '"target":"user:' in answer.text.replace(" ", "")
