"""The read-only TAXII 2.1 server (/taxii2/) on a real uvicorn server on loopback, over a
real SQLite file and a real PostgreSQL schema, read with taxii2-client as partners read it:
discovery, the collections each caller may read, paging, one object, versions, the
manifest; and the markings: another organisation's AMBER object is absent, a RED one is
there only for the person it names, and a hidden collection or object answers exactly as a
missing one. The world is tests/marked_world (an assessment of every marking, owned by m1;
AMBER names the centre crc, RED names m2-viewer), built once per dialect."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select, update
from taxii2client.v20 import Server as Server20
from taxii2client.v21 import Collection, Server, as_pages

from outpost.api.app import create_app
from outpost.config import Settings, sqlite_url
from outpost.export.stix_ids import EXTENSION, timestamp
from outpost.export.taxii import MEDIA_TYPE, collection_id
from outpost.export.tlp import MARKINGS_BY_ID
from outpost.markings import TLP
from outpost.records import Draft, StoryState
from outpost.services import people
from outpost.services.assessments import create_assessment
from outpost.services.context import Context, open_context, operator
from outpost.services.tokens import create_api_token, create_user_token
from outpost.store.schema import articles, assessments, audit_log, events, stories
from outpost.store.stories import assign, save_state
from outpost.store.times import aware
from tests.conftest import _postgres_schema_url
from tests.marked_world import (
    DISABLED,
    NAMED,
    PASSWORD,
    WRITER,
    World,
    build,
    operator_context,
    save_event,
)
from tests.marked_world import _principal as principal_of
from tests.marked_world import draft as draft_of
from tests.test_serve import free_port

HEADERS = {"Accept": MEDIA_TYPE}
EVENT_JUDGED = "Event judged"


@dataclass(frozen=True)
class Live:
    base: str  # http://127.0.0.1:PORT
    world: World
    bearer: str  # an API token of the centre's viewer
    judged: int  # the id of the event the CLEAR "Event judged" assessment is on

    @property
    def discovery(self) -> str:
        return f"{self.base}/taxii2/"

    def collection_url(self, key: str) -> str:
        return f"{self.base}/taxii2/outpost/collections/{collection_id(key)}/"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("taxii")
    if request.param == "sqlite":
        yield from _serve(sqlite_url(folder / "outpost.db"), folder)
    else:
        for url in _postgres_schema_url():
            yield from _serve(url, folder)


def _serve(url: str, folder: Path) -> Iterator[Live]:
    settings = Settings(data_dir=folder / "data", database_url=url)
    app = create_app(settings)
    ctx = open_context(settings, operator())
    world = build(ctx)
    judged = _events(ctx)
    _, bearer = create_user_token(ctx, "taxii", "crc-viewer")
    try:
        with running(app) as base:
            yield Live(base, world, bearer, judged)
    finally:
        ctx.engine.dispose()


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """The app on a real uvicorn server on loopback, until the block ends; its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server never started"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _events(ctx: Context) -> int:
    """Three articles' events, written as the analysis writes them, and a CLEAR assessment
    of the first; that event's id."""
    made = []
    for n in range(3):
        draft = Draft(
            text=f"Militants crossed the border near post {n}.", source="Wire", locator=f"wire/{n}",
            raw=f"raw {n}".encode(), media_type="text/plain", title=f"Crossing {n}", url=None,
            published=datetime(2025, 1, 10 + n, tzinfo=UTC), lang="en",
        )  # fmt: skip
        made.append(save_event(ctx, draft))
    judged = replace(draft_of(TLP.CLEAR, EVENT_JUDGED), target_kind="event", target_id=str(made[0]))
    create_assessment(ctx.acting(principal_of(ctx, WRITER)), judged)
    # The world's assessments (one of each marking) judge an indicator, which no export holds:
    # here they judge the second event, so that the export, and TAXII, carry them.
    with ctx.engine.begin() as conn:
        on = assessments.c.target_kind == "indicator"
        conn.execute(
            update(assessments).where(on).values(target_kind="event", target_id=str(made[1]))
        )
    return made[0]


class Bearer(requests.auth.AuthBase):
    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.secret}"
        return r


def server(live: Live, username: str) -> Server:
    return Server(live.discovery, user=username, password=PASSWORD)


def everything(collection: Collection, per_request: int = 2) -> list[dict[str, Any]]:
    """Every object of a collection, page by page as a partner polls it."""
    found: list[dict[str, Any]] = []
    for envelope in as_pages(collection.get_objects, per_request=per_request):
        assert len(envelope.get("objects", [])) <= per_request
        found += envelope.get("objects", [])
    return found


def markings(objects: list[dict[str, Any]]) -> set[TLP]:
    return {
        MARKINGS_BY_ID[o["object_marking_refs"][0]]
        for o in objects
        if o["type"] == "note"  # the assessments: the world's marked items
    }


def notes(objects: list[dict[str, Any]]) -> set[str]:
    return {o["abstract"] for o in objects if o["type"] == "note"}


def title(marking: TLP) -> str:
    return f"Assessment {marking.value}"


def test_discovery_root_and_the_collections_each_caller_reads(live: Live) -> None:
    found = server(live, "m1-viewer")
    assert found.title == "Outpost TAXII 2.1"
    root = found.default
    assert root is not None and root.url == f"{live.base}/taxii2/outpost/"
    assert root.versions == [MEDIA_TYPE]
    keys = {c.alias for c in root.collections}
    assert keys == {"public", "alliance", "org-m1"}
    assert all(c.can_read and not c.can_write for c in root.collections)
    partner = server(live, "p1-analyst").default
    assert partner is not None
    assert {c.alias for c in partner.collections} == {"public", "org-p1"}


def fetched_times(live: Live, reports: list[dict[str, Any]]) -> dict[str, str]:
    """When the events' articles were fetched, as STIX timestamps, by report id."""
    article = {str(o["external_references"][0]["external_id"]): o["id"] for o in reports}
    with live.world.ctx.engine.connect() as conn:
        asked = select(articles.c.uid, articles.c.fetched).where(articles.c.uid.in_(article))
        rows = conn.execute(asked).all()
    return {article[uid]: timestamp(when.replace(tzinfo=UTC)) for uid, when in rows}


def test_paging_through_a_collection_gives_each_object_once(live: Live) -> None:
    public = Collection(live.collection_url("public"), user="m2-viewer", password=PASSWORD)
    paged = everything(public, per_request=2)
    whole = public.get_objects(limit=1000)["objects"]
    assert [o["id"] for o in paged] == [o["id"] for o in whole]
    assert len(paged) > 4  # more than two pages
    kinds = {o["type"] for o in whole}
    assert {"marking-definition", "identity", "extension-definition", "note"} <= kinds
    assert notes(whole) == {title(TLP.CLEAR), EVENT_JUDGED}
    manifest = public.get_manifest(limit=1000)["objects"]
    assert [m["id"] for m in manifest] == [o["id"] for o in whole]
    assert all(m["date_added"] >= m["version"] for m in manifest)
    # An event's report was added when its article was fetched (today), not published.
    fetched = fetched_times(live, [o for o in whole if "event" in o.get("labels", ())])
    added = {m["id"]: m["date_added"] for m in manifest}
    assert fetched and all(added[i] == when for i, when in fetched.items())
    assert all(when > "2021-12-31" for when in fetched.values())  # published in 2021


def test_events_are_reports_in_public_and_alliance_and_an_assessment_refers_to_one(
    live: Live,
) -> None:
    root = server(live, "m2-analyst").default
    assert root is not None
    by_alias = {c.alias: everything(c, 3) for c in root.collections}
    reports = [o for o in by_alias["public"] if "event" in o.get("labels", ())]
    assert sorted(o["name"] for o in reports) == ["ATTACK: Crossing 0", "ATTACK: Crossing 1",
                                                  "ATTACK: Crossing 2"]  # fmt: skip
    assert all(o["published"] == o["modified"] for o in reports)  # stable versions
    assert {o["id"] for o in reports} <= {o["id"] for o in by_alias["alliance"]}
    judged = next(o for o in by_alias["public"] if o.get("abstract") == EVENT_JUDGED)
    (target,) = judged["object_refs"]
    assert target in {o["id"] for o in reports}
    (record,) = (o for o in reports if o["id"] == target)
    assert record["extensions"][EXTENSION]["record"]["row"]["id"] == live.judged


def test_filters_an_object_and_its_versions(live: Live) -> None:
    public = Collection(live.collection_url("public"), user="m2-viewer", password=PASSWORD)
    whole = public.get_objects()["objects"]
    written = [o for o in whole if o["type"] == "note"]
    assert public.get_objects(type="note")["objects"] == written
    note = written[0]
    assert public.get_objects(id=note["id"])["objects"] == [note]
    assert public.get_objects(version=note["modified"], type="note")["objects"] == [note]
    assert public.get_object(note["id"])["objects"] == [note]
    assert public.object_versions(note["id"])["versions"] == [note["modified"]]
    added = {m["id"]: m["date_added"] for m in public.get_manifest(limit=1000)["objects"]}
    later = public.get_objects(added_after=added[note["id"]], limit=1000)["objects"]
    assert note["id"] not in {o["id"] for o in later}
    assert {o["id"] for o in later} == {i for i, when in added.items() if when > added[note["id"]]}


def test_another_organisations_amber_is_absent_and_red_only_for_its_named_person(
    live: Live,
) -> None:
    seen = {}
    for username in ("m1-viewer", WRITER, "m2-analyst", NAMED, "crc-viewer", "p1-analyst"):
        root = server(live, username).default
        assert root is not None
        seen[username] = {n for c in root.collections for n in notes(everything(c, 5))}
    everyone = {title(TLP.CLEAR), EVENT_JUDGED}
    alliance = everyone | {title(TLP.GREEN)}
    own = alliance | {title(TLP.AMBER), title(TLP.AMBER_STRICT)}
    assert seen["m1-viewer"] == own
    assert seen[WRITER] == own | {title(TLP.RED)}  # named when it made the RED one
    assert seen["m2-analyst"] == alliance  # another member state: no AMBER of m1
    assert seen[NAMED] == alliance | {title(TLP.RED)}  # the person the RED one names
    assert seen["crc-viewer"] == alliance | {title(TLP.AMBER)}  # named on the AMBER one
    assert seen["p1-analyst"] == everyone  # a partner: not the alliance


def test_a_hidden_collection_or_object_answers_as_a_missing_one(live: Live) -> None:
    auth = ("m2-analyst", PASSWORD)
    own = Collection(live.collection_url("org-m1"), user=WRITER, password=PASSWORD)
    red = next(o for o in own.get_objects()["objects"] if title(TLP.RED) == o.get("abstract"))

    def get(url: str) -> httpx.Response:
        return httpx.get(url, auth=auth, headers=HEADERS)

    hidden = get(live.collection_url("org-m1"))
    missing = get(live.collection_url("org-nobody"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    partner = httpx.get(
        f"{live.collection_url('alliance')}objects/", auth=("p1-analyst", PASSWORD), headers=HEADERS
    )  # GREEN is not the partners'
    assert (partner.status_code, partner.json()) == (404, missing.json())
    assert hidden.headers["content-type"] == MEDIA_TYPE
    assert hidden.json()["http_status"] == "404"
    mine = live.collection_url("org-m2")
    hidden = get(f"{mine}objects/{red['id']}/")  # RED, not naming m2-analyst
    missing = get(f"{mine}objects/note--00000000-0000-4000-8000-000000000000/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert get(f"{mine}objects/{red['id']}/versions/").json() == missing.json()
    with pytest.raises(requests.HTTPError):
        Collection(live.collection_url("org-m1"), user="m2-analyst", password=PASSWORD).refresh()


def test_a_bearer_token_reads_as_its_person(live: Live) -> None:
    root = Server(live.discovery, auth=Bearer(live.bearer)).default
    assert root is not None
    keys = {c.alias for c in root.collections}
    assert keys == {"public", "alliance", "org-crc"}
    org = next(c for c in root.collections if c.alias == "org-crc")
    assert notes(everything(org)) == {title(TLP.AMBER)}


def test_no_credentials_wrong_ones_read_only_and_accept(live: Live) -> None:
    url = live.collection_url("public")
    for auth in (None, ("m1-viewer", "wrong password"), ("nobody", PASSWORD), (DISABLED, PASSWORD)):
        refused = httpx.get(url, auth=auth, headers=HEADERS)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == MEDIA_TYPE
        assert "Basic" in refused.headers["www-authenticate"]
    refused = httpx.get(url, headers={**HEADERS, "Authorization": "Bearer op_not-a-token"})
    assert refused.status_code == 401
    auth = ("m1-viewer", PASSWORD)
    bundle = {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000"}
    posted = httpx.post(f"{url}objects/", auth=auth, json={"objects": [bundle]}, headers=HEADERS)
    assert posted.status_code == 405
    assert posted.headers["content-type"] == MEDIA_TYPE
    assert posted.json()["http_status"] == "405"
    wrong = httpx.get(url, auth=auth, headers={"Accept": "text/html"})
    assert wrong.status_code == 406
    older = httpx.get(url, auth=auth, headers={"Accept": "application/taxii+json;version=2.0"})
    assert older.status_code == 406
    bad = httpx.get(f"{url}objects/", auth=auth, headers=HEADERS, params={"limit": "none"})
    assert bad.status_code == 400 and bad.json()["http_status"] == "400"
    unknown = httpx.get(f"{url}objects/", auth=auth, headers=HEADERS, params={"match[x]": "1"})
    assert unknown.status_code == 400
    with pytest.raises(requests.HTTPError) as told:  # a TAXII 2.0 client is told, not answered
        Server20(live.discovery, user="m1-viewer", password=PASSWORD).refresh()
    assert told.value.response.status_code == 406


def test_every_read_of_objects_is_audited_as_an_export(live: Live) -> None:
    with live.world.ctx.engine.connect() as conn:
        before = conn.execute(select(audit_log.c.id).where(audit_log.c.action == "export")).all()
    public = Collection(live.collection_url("public"), user="m1-viewer", password=PASSWORD)
    public.get_objects(type="note")
    with live.world.ctx.engine.connect() as conn:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.action == "export").order_by(audit_log.c.id)
        ).all()
    assert len(rows) == len(before) + 1
    last = rows[-1]
    assert (last.actor, last.target) == ("user:m1-viewer", "taxii")
    detail = json.loads(last.detail)
    assert (detail["collection"], detail["endpoint"], detail["filter.type"]) == (
        "public", "objects", "note",
    )  # fmt: skip
    assert detail["objects"] == 2  # the two CLEAR assessments


def test_basic_credentials_are_checked_once_and_a_change_to_the_user_ends_them(
    live: Live,
) -> None:
    """A client polling with Basic costs one sign-in (one argon2 check, one audit entry), not
    one per request; a new password, or disabling the user, refuses the old pair at once."""
    ctx = operator_context(live.world.ctx)
    people.add_user(ctx, "taxii-poller", "m1", "viewer", password=PASSWORD)
    url, auth = live.collection_url("public"), ("taxii-poller", PASSWORD)

    def sign_ins() -> int:
        with ctx.engine.connect() as conn:
            on = (audit_log.c.action == "sign-in") & (audit_log.c.target == "user:taxii-poller")
            return len(conn.execute(select(audit_log.c.id).where(on)).all())

    for _ in range(3):
        assert httpx.get(url, auth=auth, headers=HEADERS).status_code == 200
    assert sign_ins() == 1
    assert (
        httpx.get(url, auth=("taxii-poller", "not the password"), headers=HEADERS).status_code
        == 401
    )
    people.set_password(ctx, "taxii-poller", "another long password")
    assert httpx.get(url, auth=auth, headers=HEADERS).status_code == 401
    renewed = ("taxii-poller", "another long password")
    assert httpx.get(url, auth=renewed, headers=HEADERS).status_code == 200
    people.disable_user(ctx, "taxii-poller")
    assert httpx.get(url, auth=renewed, headers=HEADERS).status_code == 401
    assert sign_ins() == 2


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_of_its_own(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database no other test reads (a story grows in it)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "own.db")
    else:
        yield from _postgres_schema_url()


def test_a_story_that_an_event_joins_gets_a_new_version(
    store_of_its_own: str, tmp_path: Path
) -> None:
    """A story held two events; a third joins it (an article published between them, so its
    first and last seen stay): a partner polling by version, or by date added, learns that
    it grew; its creation stays, and reading it again gives the same version."""
    settings = Settings(data_dir=tmp_path / "data", database_url=store_of_its_own)
    app = create_app(settings)
    ctx = open_context(settings, operator())
    _, secret = create_api_token(ctx, "partner", "person:partner")
    made = {day: _article(ctx, day) for day in (10, 12, 11)}
    story = StoryState("story-crossings", _day(10), _day(12), title="Crossings")
    try:
        with running(app) as base:
            url = f"{base}/taxii2/outpost/collections/{collection_id('public')}/"
            public = Collection(url, auth=Bearer(secret))
            _join(ctx, story, made[10], made[12])
            before = _story_report(public)
            added = _date_added(public, before)
            updated = _join(ctx, story, made[11])
            after = _story_report(public)
            assert after == _story_report(public)  # the same store state, the same version
            by_version = public.get_objects(id=after["id"], version=before["modified"])
            polled = public.get_objects(added_after=added, limit=1000)["objects"]
            assert _date_added(public, after) > added
    finally:
        ctx.engine.dispose()
    assert before["created"] == after["created"] == timestamp(_day(10))
    assert after["modified"] > before["modified"] >= before["created"]
    assert after["modified"] == after["published"] == timestamp(updated)
    assert set(before["object_refs"]) < set(after["object_refs"])  # the third event is in it
    assert by_version.get("objects", []) == []  # the version asked for is not the one served
    assert after["id"] in {o["id"] for o in polled}


def _day(day: int) -> datetime:
    return datetime(2025, 2, day, 8, tzinfo=UTC)


def _article(ctx: Context, day: int) -> tuple[int, str]:
    """An article of that day with its event, written as the analysis writes it: (id, uid)."""
    draft = Draft(
        text=f"Militants crossed the border on the {day}th.", source="Wire", locator=f"x/{day}",
        raw=f"raw {day}".encode(), media_type="text/plain", title=f"Crossing on the {day}th",
        url=None, published=_day(day), lang="en",
    )  # fmt: skip
    event = save_event(ctx, draft)
    with ctx.engine.connect() as conn:
        found = select(articles.c.id, articles.c.uid).join(events).where(events.c.id == event)
        row = conn.execute(found).one()
    return int(row.id), str(row.uid)


def _join(ctx: Context, story: StoryState, *joining: tuple[int, str]) -> datetime:
    """The articles joined to the story, written as clustering writes them; when the store
    last changed the story."""
    with ctx.engine.begin() as conn:
        for article_id, uid in joining:
            story.articles.append(uid)
            save_state(conn, story)  # first: the assignment refers to it
            assign(conn, article_id, story.id, 0.9, pinned=False)
        changed = conn.execute(select(stories.c.updated).where(stories.c.id == story.id))
        return aware(changed.scalar_one())


def _story_report(public: Collection) -> dict[str, Any]:
    (report,) = (o for o in everything(public, 100) if "story" in o.get("labels", ()))
    return report


def _date_added(public: Collection, report: dict[str, Any]) -> str:
    (entry,) = public.get_manifest(id=report["id"])["objects"]
    assert entry["version"] == report["modified"] <= entry["date_added"]
    return str(entry["date_added"])
