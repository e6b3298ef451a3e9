"""The Imports page, on SQLite and PostgreSQL: an analyst uploads a partner's STIX bundle
(with its CSRF token first, as the form sends it) and sees what it did; each imported object
is listed with its marking and provenance to whom its marking allows; a viewer is refused;
a file that is no bundle is named beside the form; the Russian page renders."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from outpost.config import Settings
from outpost.export.bundle import Marked, Producer, Selection
from outpost.export.stix import bundle
from outpost.markings import TLP
from outpost.records import Place
from outpost.services import people
from outpost.services.context import Context, operator
from outpost.services.jobs import get_job
from outpost.web.server import create_web_app
from tests.test_imports_foreign import list_received
from tests.test_web_support import client, csrf_of, database_urls

pytestmark = pytest.mark.anyio
PASSWORD = "a long enough password"
KABUL = Place("Kabul", 0, 5, "Kabul", 34.53, 69.17, "AF", "AF-KAB", 1138958, "city", 0.9)
HERAT = Place("Herat", 0, 5, "Herat", 34.35, 62.2, "AF", "AF-HER", 1140026, "city", 0.9)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    folder = tmp_path_factory.mktemp("imports")
    urls = database_urls(request.param, folder)
    try:
        made = create_web_app(Settings(data_dir=folder / "data", database_url=next(urls)))
        ctx: Context = made.state.context.acting(operator())
        for code in ("m1", "m2"):
            people.add_org(ctx, code, f"Organisation {code}", kind="member")
            for role in ("viewer", "analyst"):
                people.add_user(ctx, f"{code}-{role}", code, role, password=PASSWORD)
        yield made
        made.state.context.engine.dispose()
    finally:
        urls.close()


def partner_bundle() -> bytes:
    """A partner's bundle: a GREEN place and an AMBER+STRICT one."""
    sel = Selection(
        producer=Producer("org:kz", "Partner KZ"),
        as_of=datetime(2025, 4, 1, tzinfo=UTC),
        places=(Marked(KABUL, TLP.GREEN), Marked(HERAT, TLP.AMBER_STRICT)),
    )
    return json.dumps(bundle(sel)).encode()


@asynccontextmanager
async def as_user(
    app: FastAPI, username: str, lang: str = "en"
) -> AsyncIterator[httpx.AsyncClient]:
    async with client(app) as c:
        c.cookies.set("outpost_lang", lang)
        form = await c.get("/signin")
        answer = await c.post(
            "/signin",
            data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        )
        assert answer.status_code == 303, answer.text
        yield c


async def upload(c: httpx.AsyncClient, name: str, data: bytes) -> httpx.Response:
    form = await c.get("/imports")
    token = csrf_of(form.text)
    return await c.post("/imports/upload", data={"csrf_token": token}, files={"file": (name, data)})


async def test_an_analyst_imports_a_bundle_and_each_user_sees_what_the_marking_allows(
    app: FastAPI,
) -> None:
    async with as_user(app, "m1-analyst") as c:
        done = await upload(c, "partner.json", partner_bundle())
        assert done.status_code == 200, done.text
        assert "Partner KZ (partner.json): 2 added, 0 updated, 0 unchanged, 0 refused" in done.text
        again = await upload(c, "partner.json", partner_bundle())
        assert "0 added, 0 updated, 2 unchanged" in again.text
    async with as_user(app, "m1-viewer") as c:
        page = (await c.get("/imports")).text
        assert page.count("TLP:GREEN") == 1 and page.count("TLP:AMBER+STRICT") == 1
        assert "m1-analyst" in page and "Partner KZ (partner.json)" in page
        refused = await upload(c, "partner.json", partner_bundle())
        assert refused.status_code == 403
    async with as_user(app, "m2-analyst") as c:
        page = (await c.get("/imports")).text
        assert page.count("TLP:GREEN") == 1 and "TLP:AMBER+STRICT" not in page


async def test_a_file_that_is_no_bundle_is_named_beside_the_form(app: FastAPI) -> None:
    async with as_user(app, "m1-analyst") as c:
        bad = await upload(c, "x.txt", b"hello")
        assert bad.status_code == 400
        assert "neither JSON" in bad.text and 'role="alert"' in bad.text


@pytest.mark.parametrize(
    ("page", "field"), [("/imports", "file"), ("/sources", "files")], ids=["imports", "sources"]
)
async def test_an_upload_form_answers_a_malformed_body_with_its_page(
    app: FastAPI, page: str, field: str
) -> None:
    """A body that ends before its closing boundary (the parser alone would take the parts
    before the tear) or whose part has no headers: the form's 400 page naming it, not a 500,
    and nothing imported or ingested."""
    before = list_received(app.state.context.acting(operator()))
    async with as_user(app, "m1-analyst") as c:
        token = csrf_of((await c.get(page)).text)
        first = f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        file = f'--b\r\nContent-Disposition: form-data; name="{field}"; filename="a.json"\r\n'
        note = '--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nunfin'  # torn
        torn = f"{first}{file}\r\n{partner_bundle().decode()}\r\n{note}"
        bodies = {
            "the multipart body ends before its closing boundary": torn.encode(),
            "Invalid multipart data": f"{first}--b\r\n[1, 2]--b--\r\n".encode(),
        }
        for reason, body in bodies.items():
            answer = await c.post(
                f"{page}/upload",
                content=body,
                headers={"Content-Type": "multipart/form-data; boundary=b"},
            )
            assert answer.status_code == 400, answer.text
            assert reason in answer.text and 'role="alert"' in answer.text
    assert list_received(app.state.context.acting(operator())) == before
    assert get_job(app.state.context, 1) is None


async def test_the_russian_page_renders(app: FastAPI) -> None:
    async with as_user(app, "m1-analyst", lang="ru") as c:
        page = await c.get("/imports")
        assert page.status_code == 200 and "Импорт от партнёра" in page.text
