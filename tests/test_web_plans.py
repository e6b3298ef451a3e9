"""The pages of joint response plans, on SQLite and PostgreSQL, signed in with passwords as
people do: the centre's coordinator makes plans (empty, from a template, drafted from the
seed articles' decisions, analysed for real), adds and assigns measures; a member state's
analyst takes its measure's steps; viewers are refused (403); a plan one may not see is
the same 404 as a missing one; marking and sharing as on cases.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from outpost.config import Settings
from outpost.services import plans
from outpost.services.analysis import analyze_store
from outpost.services.context import Context
from outpost.services.ingest import ingest
from outpost.store import audit
from outpost.web.server import create_web_app
from tests import plan_world
from tests.plan_world import PASSWORD
from tests.test_web_support import csrf_of, database_urls, markup_problems, password_session

pytestmark = pytest.mark.anyio
COORD, KZ, TJ = "crc-coordinator", "kz-knb-analyst", "tj-gkn-analyst"


@dataclass(frozen=True)
class Site:
    app: FastAPI

    @property
    def ctx(self) -> Context:
        ctx: Context = self.app.state.context
        return ctx


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("plans")
    articles = plan_world.seed_articles(folder)
    urls = database_urls(request.param, folder)
    try:
        settings = Settings(data_dir=folder / "data", database_url=next(urls))
        app = create_web_app(settings)
        engine = app.state.context.engine
        assert ingest(engine, settings, [str(articles)]).new == 2
        analyze_store(engine)
        plan_world.build(settings).ctx.engine.dispose()
        yield Site(app)
        engine.dispose()
    finally:
        urls.close()


@asynccontextmanager
async def as_user(site: Site, username: str, lang: str = "en") -> AsyncIterator[httpx.AsyncClient]:
    async with password_session(site.app, username, PASSWORD, lang) as c:
        yield c


async def post(
    c: httpx.AsyncClient, path: str, data: dict[str, str | list[str]], page: str
) -> httpx.Response:
    """POST a form with the CSRF token of `page`, as the browser would."""
    form = await c.get(page)
    assert form.status_code == 200, form.text
    return await c.post(path, data={**data, "csrf_token": csrf_of(form.text)})


def problem_of(page: str, form: str) -> str:
    found = re.search(rf'<p class="error" role="alert" id="{form}-problem">([^<]*)</p>', page)
    assert found, f"no refusal beside {form}"
    return html.unescape(found.group(1))


async def make_plan(c: httpx.AsyncClient, ident: str, marking: str) -> str:
    """The id of the plan made: `ident` with a random ending."""
    data: dict[str, str | list[str]] = {
        "how": "empty",
        "ident": ident,
        "title": f"Plan {ident}",
        "due": "2021-09-30",
        "marking": marking,
    }
    made = await post(c, "/plans", data, "/plans/new")
    assert made.status_code == 303, made.text
    made_id = made.headers["location"].removeprefix("/plans/")
    assert re.fullmatch(rf"{ident}-[a-z2-9]{{5}}", made_id), made_id
    return made_id


async def add_measure(c: httpx.AsyncClient, ident: str, title: str, org: str, due: str) -> None:
    data: dict[str, str | list[str]] = {"title": title, "orgs": org, "due": due}
    added = await post(c, f"/plans/{ident}/measures", data, f"/plans/{ident}")
    assert added.status_code == 303, added.text


async def test_a_coordinator_builds_a_plan_and_a_member_state_reports_on_it(site: Site) -> None:
    async with as_user(site, COORD) as c:
        border = await make_plan(c, "border", "TLP:AMBER")
        await add_measure(c, border, "Close the crossing", "kz-knb", "2021-09-16")
        await add_measure(c, border, "Count the refugees", "tj-gkn", "2021-09-20")
        page = (await c.get(f"/plans/{border}")).text
        assert "Close the crossing" in page and "Count the refugees" in page
        assert not markup_problems(page, frozenset({"textarea"}))
        listed = (await c.get("/plans")).text
        assert f'href="/plans/{border}"' in listed and "TLP:AMBER" in listed
    async with as_user(site, KZ) as c:
        board = (await c.get("/plans/board")).text
        assert "Close the crossing" in board and "Count the refugees" not in board
        for step in ("acknowledge", "start"):
            data: dict[str, str | list[str]] = {"step": step}
            moved = await post(c, f"/plans/{border}/measures/1/step", data, f"/plans/{border}")
            assert moved.status_code == 303, moved.text
        report = {"step": "report", "report": "Closed on the 15th", "evidence": "Order 12/2021"}
        done = await post(c, f"/plans/{border}/measures/1/step", report, f"/plans/{border}")
        assert done.status_code == 303, done.text
        # Another state's measure is not this analyst's to move.
        theirs = await post(
            c, f"/plans/{border}/measures/2/step", {"step": "acknowledge"}, f"/plans/{border}"
        )
        assert theirs.status_code == 403
        assert "only an analyst or above of tj-gkn" in problem_of(theirs.text, "step-2")
    measure = plans.get_plan(plan_world.PlanWorld(site.ctx).as_(COORD), border).plan.measures[0]
    assert measure.state.value == "done" and measure.report == "Closed on the 15th"
    assert [e.quote for e in measure.evidence] == ["Order 12/2021"]
    assert measure.owner is not None  # who acknowledged it answers for it


async def test_viewers_are_refused_and_hidden_plans_answer_as_missing(site: Site) -> None:
    async with as_user(site, COORD) as c:
        secret = await make_plan(c, "secret", "TLP:AMBER+STRICT")
        shared = await make_plan(c, "shared", "TLP:AMBER")
        await add_measure(c, shared, "Watch the border", "kz-knb", "2021-09-16")
    async with as_user(site, "kz-knb-viewer") as c:
        step = await post(
            c, f"/plans/{shared}/measures/1/step", {"step": "acknowledge"}, f"/plans/{shared}"
        )
        assert step.status_code == 403
        made = await post(c, "/plans", {"how": "empty", "ident": "v", "title": "V"}, "/plans/new")
        assert made.status_code == 403 and "create a plan" in problem_of(made.text, "empty")
    async with as_user(site, KZ) as c:
        hidden, missing = await c.get(f"/plans/{secret}"), await c.get("/plans/nothing")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text.replace(secret, "nothing") == missing.text
        listed = (await c.get("/plans")).text
        assert "secret" not in listed
        form = await c.get(f"/plans/{shared}")
        token = csrf_of(form.text)
        for path in (secret, "nothing"):
            answers = [
                await c.post(
                    f"/plans/{path}/measures/1/step",
                    data={"step": "acknowledge", "csrf_token": token},
                ),
                await c.post(
                    f"/plans/{path}/marking", data={"marking": "TLP:RED", "csrf_token": token}
                ),
                await c.post(f"/plans/{path}/share", data={"orgs": "kz-knb", "csrf_token": token}),
            ]
            assert [a.status_code for a in answers] == [404, 404, 404]
        # No CSRF token: refused before anything is read.
        bare = await c.post(f"/plans/{shared}/measures/1/step", data={"step": "acknowledge"})
        assert bare.status_code == 403


async def test_marking_and_sharing_on_the_plan_page(site: Site) -> None:
    async with as_user(site, COORD) as c:
        marked = await make_plan(c, "marked", "TLP:AMBER")
        shared = await post(c, f"/plans/{marked}/share", {"orgs": "kz-knb"}, f"/plans/{marked}")
        assert shared.status_code == 303
    async with as_user(site, KZ) as c:
        looser = await post(
            c, f"/plans/{marked}/marking", {"marking": "TLP:GREEN"}, f"/plans/{marked}"
        )
        assert looser.status_code == 403 and problem_of(looser.text, "marking")
        named = await post(c, f"/plans/{marked}/share", {"orgs": "tj-gkn"}, f"/plans/{marked}")
        assert named.status_code == 403 and problem_of(named.text, "share")
        tighter = await post(
            c, f"/plans/{marked}/marking", {"marking": "TLP:AMBER+STRICT"}, f"/plans/{marked}"
        )
        assert tighter.status_code == 303 and tighter.headers["location"] == "/plans"
        assert (await c.get(f"/plans/{marked}")).status_code == 404
    with site.ctx.engine.connect() as conn:
        done = [(e.action, e.target) for e in audit.walk(conn) if e.target == f"plan:{marked}"]
    assert [a for a, _ in done] == ["plan.create", "plan.share", "plan.marking"]


async def test_plans_from_a_template_and_drafted_from_decisions(site: Site) -> None:
    async with as_user(site, COORD) as c:
        form = (await c.get("/plans/new")).text
        events = re.findall(r'name="events" value="(\d+)"', form)
        assert events, "the seed articles' decisions are offered"
        drafted = await post(
            c,
            "/plans",
            {
                "how": "draft",
                "ident": "draft",
                "title": "From the summit",
                "events": events,
                "orgs": "crc",
                "marking": "TLP:AMBER",
            },
            "/plans/new",
        )
        assert drafted.status_code == 303, drafted.text
        draft_id = drafted.headers["location"].removeprefix("/plans/")
        assert draft_id.startswith("draft-")
        page = (await c.get(drafted.headers["location"])).text
        assert "16 Sept" in page or "Sep 16" in page, page  # the deadline, due on the day
        assert "<q>" in page  # the sentence that asks for it, as evidence
        seeded = {
            "how": "template",
            "ident": "afg",
            "template": "afghanistan-joint-response",
            "start": "2021-08-23",
            "orgs": "crc kz-knb tj-gkn",
            "marking": "TLP:AMBER",
        }
        made = await post(c, "/plans", seeded, "/plans/new")
        assert made.status_code == 303, made.text
        empty = await post(c, "/plans", {"how": "draft", "ident": "x", "title": "X"}, "/plans/new")
        assert empty.status_code == 400 and "events" in problem_of(empty.text, "draft")
        again = await post(c, "/plans", {**seeded}, "/plans/new")  # a second plan, its own id
        assert again.status_code == 303 and again.headers["location"] != made.headers["location"]
        unnamed = await post(c, "/plans", {**seeded, "ident": ""}, "/plans/new")
        assert unnamed.headers["location"].startswith("/plans/afghanistan-joint-response-")
    draft = plans.get_plan(plan_world.PlanWorld(site.ctx).as_(COORD), draft_id).plan
    assert {m.due.isoformat() for m in draft.measures} == {"2021-09-16"}
    assert all(m.evidence and m.evidence[0].quote for m in draft.measures)


async def test_the_pages_in_russian(site: Site) -> None:
    async with as_user(site, COORD, lang="ru") as c:
        for path in ("/plans", "/plans/new", "/plans/board"):
            page = await c.get(path)
            assert page.status_code == 200
            assert page.status_code == 200 and "Планы" in page.text, path
        board = (await c.get("/plans/board")).text
        assert "Доска моей организации" in board and "My organisation" not in board
