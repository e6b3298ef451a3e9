"""The pages of cases and assessments, over the marked world of tests/marked_world.py (four
organisations, a user of each role in each, a case and an assessment of every marking) and
the analysed samples (alerts, stories, events to open cases from and to assess), on SQLite and
PostgreSQL, signed in with passwords as people do.
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
from outpost.markings import TLP
from outpost.services import cases, people
from outpost.services.alerts import list_alerts
from outpost.services.context import Context, operator
from outpost.web.server import create_web_app
from tests import marked_world
from tests.marked_world import PASSWORD, World
from tests.test_web_support import (
    csrf_of,
    database_urls,
    markup_problems,
    password_session,
    prepare,
)

pytestmark = pytest.mark.anyio
OWN_ANALYST = marked_world.WRITER  # m1-analyst: wrote every item of the world
OTHER_ANALYST = "m2-analyst"  # another member state


@dataclass(frozen=True)
class Site:
    app: FastAPI
    world: World

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
    folder = tmp_path_factory.mktemp("cases")
    urls = database_urls(request.param, folder)
    try:
        settings = Settings(data_dir=folder / "data", database_url=next(urls))
        app = create_web_app(settings)
        prepare(app.state.context.engine, settings)
        world = marked_world.build(app.state.context.acting(operator()))
        yield Site(app, world)
        app.state.context.engine.dispose()
    finally:
        urls.close()


@asynccontextmanager
async def as_user(site: Site, username: str, lang: str = "en") -> AsyncIterator[httpx.AsyncClient]:
    async with password_session(site.app, username, PASSWORD, lang) as c:
        yield c


async def post(c: httpx.AsyncClient, path: str, data: dict[str, str], page: str) -> httpx.Response:
    """POST a form with the CSRF token of `page`, as the browser would."""
    form = await c.get(page)
    return await c.post(path, data={**data, "csrf_token": csrf_of(form.text)})


def titles(page: str, kind: str) -> set[str]:
    """The titles the list links to: `kind` is cases or assessments."""
    found = re.findall(rf'<a href="/{kind}/\d+">([^<]*)</a>', page)
    return {html.unescape(t) for t in found}


def assessment_form(kind: str, target: str, title: str) -> dict[str, str]:
    return {
        "target_kind": kind,
        "target_id": target,
        "title": title,
        "judgement": "Militants cross again within a month",
        "likelihood": "very likely",
        "confidence": "moderate",
        "reliability": "B",
        "credibility": "2",
        "marking": TLP.GREEN.value,
    }


def same_page(one: str, other: str) -> bool:
    """The same page but for the address the language form returns to."""
    at = re.compile(r'name="next" value="[^"]*"')
    return at.sub("", one) == at.sub("", other)


def page_problems(page: str) -> list[str]:
    return markup_problems(page, frozenset({"textarea"}))


# --- who sees what -------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["m1-viewer", "m2-analyst", "crc-viewer", "p1-viewer"])
async def test_each_user_sees_exactly_the_cases_the_marking_allows(
    site: Site, username: str
) -> None:
    seen = marked_world.expected(username)
    async with as_user(site, username) as c:
        listed = await c.get("/cases?status=open")
        assert listed.status_code == 200
        shown = {t for t in titles(listed.text, "cases") if t.startswith("Case TLP:")}
        assert shown == {f"Case {m.value}" for m in seen}
        assert f'id="count-open">{len(seen)}<' in listed.text
        for marking, case in site.world.cases.items():
            answer = await c.get(f"/cases/{case}")
            assert answer.status_code == (200 if marking in seen else 404), (marking, username)
            assert (f"Case {marking.value}" in answer.text) is (marking in seen)
        missing = await c.get("/cases/999999")
        hidden = [site.world.cases[m] for m in TLP if m not in seen]
        if hidden:
            refused = await c.get(f"/cases/{hidden[0]}")
            assert refused.status_code == 404
            assert same_page(refused.text, missing.text)  # nothing of the case


@pytest.mark.parametrize("username", ["m1-viewer", "m2-analyst", "p1-viewer"])
async def test_each_user_sees_exactly_the_assessments_the_marking_allows(
    site: Site, username: str
) -> None:
    seen = marked_world.expected(username)
    async with as_user(site, username) as c:
        listed = await c.get("/assessments")
        assert listed.status_code == 200
        shown = {t for t in titles(listed.text, "assessments") if t.startswith("Assessment TLP:")}
        assert shown == {f"Assessment {m.value}" for m in seen}
        missing = await c.get("/assessments/999999")
        assert missing.status_code == 404
        for marking, item in site.world.assessments.items():
            answer = await c.get(f"/assessments/{item}")
            assert answer.status_code == (200 if marking in seen else 404)
            if marking not in seen:
                assert same_page(answer.text, missing.text)


async def test_the_case_page_shows_its_parts_and_passes_the_markup_checks(site: Site) -> None:
    case = site.world.cases[TLP.AMBER]
    async with as_user(site, OWN_ANALYST) as c:
        page = (await c.get(f"/cases/{case}")).text
    assert "A comment on the TLP:AMBER case" in page
    assert 'class="badge tlp tlp-amber"' in page
    assert f'href="/assessments/{site.world.assessments[TLP.CLEAR]}"' in page
    assert "crc" in page  # the organisation named on it
    assert page_problems(page) == []


# --- the forms -----------------------------------------------------------------------------


async def test_an_analyst_opens_a_case_from_an_alert_and_works_on_it(site: Site) -> None:
    alert = list_alerts(site.ctx.acting(operator()), None, limit=1)[0]
    async with as_user(site, OWN_ANALYST) as c:
        inbox = await c.get("/alerts")
        assert f"/cases/new?origin_kind=alert&amp;origin_id={alert.id}" in inbox.text
        new = f"/cases/new?origin_kind=alert&origin_id={alert.id}"
        data = {"title": "<b>Raid</b> on the post", "origin_kind": "alert"}
        data |= {"origin_id": str(alert.id), "marking": TLP.AMBER_STRICT.value}
        made = await post(c, "/cases", data, new)
        assert made.status_code == 303
        where = made.headers["location"]
        page = await c.get(where)
        assert "&lt;b&gt;Raid&lt;/b&gt; on the post" in page.text  # escaped
        assert f'href="/alerts#alert-{alert.id}"' in page.text
        for path, form in [
            ("comments", {"body": "Patrols <script>doubled</script>"}),
            ("status", {"status": "in-progress"}),
            ("assign", {"assignee": "m1-coordinator"}),
            ("tasks", {"title": "Call the border service", "due": "2025-04-01"}),
            ("rename", {"title": "Raid on the border post"}),
            ("link", {"kind": "assessment", "ident": str(site.world.assessments[TLP.GREEN])}),
        ]:
            answer = await post(c, f"{where}/{path}", form, where)
            assert answer.status_code == 303, (path, answer.text)
        page = await c.get(where)
        assert "Patrols &lt;script&gt;doubled&lt;/script&gt;" in page.text
        assert "In progress" in page.text and "m1-coordinator" in page.text
        assert "Call the border service" in page.text
        assert page_problems(page.text) == []
        task = re.search(rf'action="{where}/tasks/(\d+)"', page.text)
        assert task
        done = await post(c, f"{where}/tasks/{task.group(1)}", {"done": "1"}, where)
        assert done.status_code == 303
        assert "Not done" in (await c.get(where)).text


async def test_a_refused_field_is_shown_beside_its_form_with_400(site: Site) -> None:
    where = f"/cases/{site.world.cases[TLP.AMBER_STRICT]}"
    async with as_user(site, OWN_ANALYST) as c:
        answer = await post(c, f"{where}/assign", {"assignee": "m2-analyst"}, where)
        assert answer.status_code == 400
        assert 'id="assign-problem"' in answer.text and "assignee" in answer.text
        answer = await post(c, f"{where}/tasks", {"title": "x", "due": "1st of May"}, where)
        assert answer.status_code == 400 and 'id="task-problem"' in answer.text
        answer = await post(c, "/cases", {"title": " "}, "/cases/new")
        assert answer.status_code == 400 and 'id="open-problem"' in answer.text


async def test_a_viewer_is_refused_every_form_with_403(site: Site) -> None:
    where = f"/cases/{site.world.cases[TLP.GREEN]}"
    async with as_user(site, "m1-viewer") as c:
        for path, form in [
            ("rename", {"title": "Mine now"}),
            ("status", {"status": "closed"}),
            ("comments", {"body": "A viewer's word"}),
            ("tasks", {"title": "A viewer's task"}),
            ("assign", {"assignee": "m1-analyst"}),
            ("link", {"kind": "assessment", "ident": str(site.world.assessments[TLP.CLEAR])}),
            ("share", {"orgs": "m2"}),
        ]:
            answer = await post(c, f"{where}/{path}", form, where)
            assert answer.status_code == 403, path
        opened = await post(c, "/cases", {"title": "A viewer's case"}, "/cases/new")
        assert opened.status_code == 403 and 'id="open-problem"' in opened.text
        item = site.world.assessments[TLP.GREEN]
        data = assessment_form("indicator", "country:TJ", "Changed")
        edit = await post(c, f"/assessments/{item}", data, f"/assessments/{item}")
        assert edit.status_code == 403
        made = await post(c, "/assessments", data, "/assessments/new")
        assert made.status_code == 403 and 'id="write-problem"' in made.text
    assert "Mine now" not in (await _page_as(site, OWN_ANALYST, where))


async def test_loosening_is_refused_to_an_analyst_and_shown_beside_the_form(site: Site) -> None:
    where = f"/cases/{site.world.cases[TLP.AMBER_STRICT]}"
    async with as_user(site, OWN_ANALYST) as c:
        answer = await post(c, f"{where}/marking", {"marking": TLP.GREEN.value}, where)
    assert answer.status_code == 403
    assert 'id="marking-problem"' in answer.text and "coordinator" in answer.text


async def test_a_form_without_its_csrf_token_is_refused(site: Site) -> None:
    where = f"/cases/{site.world.cases[TLP.GREEN]}"
    async with as_user(site, OWN_ANALYST) as c:
        answer = await c.post(f"{where}/comments", data={"body": "no token"})
    assert answer.status_code == 403
    assert "no token" not in await _page_as(site, OWN_ANALYST, where)


async def test_a_marking_change_moves_a_case_out_of_another_organisations_list(
    site: Site,
) -> None:
    async with as_user(site, OWN_ANALYST) as c:
        data = {"title": "Shared with the alliance", "marking": TLP.GREEN.value}
        made = await post(c, "/cases", data, "/cases/new")
        where = made.headers["location"]
    async with as_user(site, OTHER_ANALYST) as c:
        assert "Shared with the alliance" in titles((await c.get("/cases")).text, "cases")
    async with as_user(site, OWN_ANALYST) as c:
        data = {"marking": TLP.AMBER_STRICT.value}
        assert (await post(c, f"{where}/marking", data, where)).status_code == 303
    async with as_user(site, OTHER_ANALYST) as c:
        assert "Shared with the alliance" not in titles((await c.get("/cases")).text, "cases")
        assert (await c.get(where)).status_code == 404


async def test_an_analyst_writes_an_assessment_of_an_event_and_edits_it(site: Site) -> None:
    async with as_user(site, OWN_ANALYST) as c:
        event = re.search(r'href="/events/(\d+)"', (await c.get("/events")).text)
        assert event
        new = f"/assessments/new?target_kind=event&target_id={event.group(1)}"
        form = await c.get(new)
        assert f'name="target_id" value="{event.group(1)}"' in form.text
        assert page_problems(form.text) == []
        data = assessment_form("event", event.group(1), "Crossings <i>will</i> go on")
        data |= {"evidence_events": event.group(1), "review": "2025-06-01"}
        made = await post(c, "/assessments", data, new)
        assert made.status_code == 303, made.text
        where = made.headers["location"]
        page = await c.get(where)
        assert "Crossings &lt;i&gt;will&lt;/i&gt; go on" in page.text
        assert "Very likely" in page.text and ">B2<" in page.text
        assert f'href="/events/{event.group(1)}"' in page.text
        assert page_problems(page.text) == []
        edit = dict(data, title="Crossings will go on", confidence="high")
        assert (await post(c, where, edit, where)).status_code == 303
        assert "Crossings will go on" in (await c.get(where)).text
        bad = await post(c, "/assessments", dict(data, credibility="9"), new)
        assert bad.status_code == 400 and 'id="write-problem"' in bad.text


async def test_the_russian_pages_render(site: Site) -> None:
    where = f"/cases/{site.world.cases[TLP.GREEN]}"
    async with as_user(site, OWN_ANALYST, lang="ru") as c:
        for path in ("/cases", where, "/assessments", "/cases/new", "/assessments/new"):
            answer = await c.get(path)
            assert answer.status_code == 200, path
            assert 'lang="ru"' in answer.text
        assert "Дела" in (await c.get("/cases")).text


async def _page_as(site: Site, username: str, path: str) -> str:
    async with as_user(site, username) as c:
        return (await c.get(path)).text


async def test_the_contexts_lead_to_a_prefilled_form_and_the_target_list(site: Site) -> None:
    async with as_user(site, OWN_ANALYST) as c:
        overview = (await c.get("/")).text
        indicator = re.search(r'href="(/assessments/new\?target_kind=indicator[^"]*)"', overview)
        assert indicator, "no assessment link on an indicator"
        form = await c.get(html.unescape(indicator.group(1)))
        assert re.search(r'name="target_id" value="(country|domain):[^"]+"', form.text)
        story = re.search(r'href="/stories/([^"]+)"', (await c.get("/stories")).text)
        assert story
        page = (await c.get(f"/stories/{story.group(1)}")).text
        assert f"/cases/new?origin_kind=story&amp;origin_id={story.group(1)}" in page
        assert f"/assessments/new?target_kind=story&amp;target_id={story.group(1)}" in page
        listed = await c.get("/assessments?target_kind=indicator&target_id=country%3ATJ")
        assert {f"Assessment {m.value}" for m in marked_world.expected(OWN_ANALYST)} <= titles(
            listed.text, "assessments"
        )
        other = await c.get(f"/assessments?target_kind=story&target_id={story.group(1)}")
        assert not any(t.startswith("Assessment TLP:") for t in titles(other.text, "assessments"))


async def test_sharing_a_case_and_loosening_an_assessment_work_for_their_roles(
    site: Site,
) -> None:
    async with as_user(site, OWN_ANALYST) as c:
        made = await post(
            c, "/cases", {"title": "For the neighbours", "marking": "TLP:AMBER"}, "/cases/new"
        )
        where = made.headers["location"]
        assert (await post(c, f"{where}/share", {"orgs": "m2"}, where)).status_code == 303
        linked = {"kind": "assessment", "ident": str(site.world.assessments[TLP.CLEAR])}
        assert (await post(c, f"{where}/link", linked, where)).status_code == 303
        assert (await post(c, f"{where}/unlink", linked, where)).status_code == 303
        page = (await c.get(where)).text
        assert "Nothing is linked." in page and "Unlinked" in page
    async with as_user(site, OTHER_ANALYST) as c:
        assert (await c.get(where)).status_code == 200
    async with as_user(site, OWN_ANALYST) as c:
        data = assessment_form("indicator", "country:KG", "Loosened later")
        data["marking"] = TLP.AMBER_STRICT.value
        item = (await post(c, "/assessments", data, "/assessments/new")).headers["location"]
        green = {"marking": TLP.GREEN.value}
        refused = await post(c, f"{item}/marking", green, item)
        assert refused.status_code == 403 and 'id="marking-problem"' in refused.text
    async with as_user(site, "m2-analyst") as c:
        assert (await c.get(item)).status_code == 404
    async with as_user(site, "m1-coordinator") as c:
        assert (await post(c, f"{item}/marking", green, item)).status_code == 303
    async with as_user(site, "m2-analyst") as c:
        assert "TLP:GREEN" in (await c.get(item)).text


async def test_the_case_list_goes_page_by_page_with_its_total(site: Site) -> None:
    admin = site.ctx.acting(operator())
    people.add_org(admin, "p9", "Organisation p9", kind="partner")
    people.add_user(admin, "p9-analyst", "p9", "analyst", password=PASSWORD)
    writer = site.ctx.acting(marked_world.World(admin, {}, {}).who("p9-analyst"))
    for n in range(51):
        cases.open_case(writer, f"Paged case {n}")
    async with as_user(site, "p9-analyst") as c:
        first = await c.get("/cases")
        assert "52 cases" in first.text  # its 51 and the world's CLEAR one
        assert len(titles(first.text, "cases")) == 50
        assert page_problems(first.text) == []
        after = re.search(r'href="([^"]*cursor=[^"]+)" rel="next"', first.text)
        assert after
        second = await c.get(html.unescape(after.group(1)))
        assert len(titles(second.text, "cases")) == 2
        assert not titles(second.text, "cases") & titles(first.text, "cases")
        bad = await c.get("/cases?cursor=not-a-cursor")
        assert bad.status_code == 400 and 'id="cases-problem"' in bad.text
        for path in ("/cases/new", "/assessments"):
            assert page_problems((await c.get(path)).text) == []
