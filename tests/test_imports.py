"""Imports, on SQLite and PostgreSQL: a STIX bundle exported from one Outpost (analysed
articles, for real) and imported into a second, empty one gives the same objects and markings
when the second exports again; the same for a MISP export; a re-import changes nothing; a
newer object updates; an invalid object is refused by name and the rest lands; a RED or AMBER
item imported is seen only by whom its marking allows; the CLI and the API do the same."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from outpost.cli import app
from outpost.config import FetchSettings, Settings, sqlite_url
from outpost.export.stix_ids import EXTENSION
from outpost.export.tlp import MARKING_IDS, MARKINGS_BY_ID
from outpost.markings import TLP
from outpost.records import AssessmentDraft, Judgement
from outpost.respond.people import NotAllowedError, principal_for
from outpost.services import assessments, people
from outpost.services.analysis import analyze_store
from outpost.services.audit import list_audit
from outpost.services.context import Context, operator
from outpost.services.exports import export_selection, write_export
from outpost.services.imports import ImportRefusedError, import_bytes, import_path
from outpost.services.ingest import ingest
from outpost.services.paging import Filters
from outpost.services.stories import cluster_store
from outpost.services.tokens import create_user_token
from outpost.store import connect
from outpost.store import people as people_store
from tests.conftest import EXAMPLES, _postgres_schema_url
from tests.lists_store import dialects
from tests.test_api_auth import problem, running_api

PASSWORD = "a long enough password"
ORGS = {"crc": "centre", "m1": "member", "m2": "member", "p1": "partner"}
Obj = dict[str, Any]


def _store(dialect: str, folder: Path) -> Iterator[Context]:
    urls = iter([sqlite_url(folder / "outpost.db")]) if dialect == "sqlite" else None
    for url in urls or _postgres_schema_url():
        engine = connect(url)
        settings = Settings(data_dir=folder / "data", database_url=url, fetch=FetchSettings())
        ctx = Context(engine, settings, operator())
        for code, kind in ORGS.items():
            people.add_org(ctx, code, f"Organisation {code}", kind=kind)
            for role in ("viewer", "analyst"):
                people.add_user(ctx, f"{code}-{role}", code, role, password=PASSWORD)
        try:
            yield ctx
        finally:
            engine.dispose()


def as_(ctx: Context, username: str) -> Context:
    with ctx.engine.connect() as conn:
        user = people_store.user_by_name(conn, username)
    assert user is not None
    return ctx.acting(principal_for(user))


@pytest.fixture(scope="module", params=dialects())
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def source(dialect: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    """The first Outpost: the bundled examples ingested, analysed and clustered."""
    folder = tmp_path_factory.mktemp("source")
    for ctx in _store(dialect, folder):
        ingest(ctx.engine, ctx.settings, [str(EXAMPLES)])
        analyze_store(ctx.engine)
        cluster_store(ctx.engine)
        _assess(ctx)
        yield ctx


JUDGED = (TLP.CLEAR, TLP.GREEN, TLP.AMBER_STRICT, TLP.RED)  # the source's assessments


def _assess(ctx: Context) -> None:
    """The centre's analyst assesses the first event at every marking of JUDGED, and a story."""
    writer = as_(ctx, "crc-analyst")
    first = export_selection(writer, Filters())
    event = str(first.events[0].item.row.id)
    for tlp in JUDGED:
        assessments.create_assessment(writer, _draft("event", event, tlp))
    story = first.stories[0].item.id
    assessments.create_assessment(writer, _draft("story", story, TLP.GREEN))


def _draft(kind: str, target: str, marking: TLP) -> AssessmentDraft:
    return AssessmentDraft(
        target_kind=kind,
        target_id=target,
        title=f"Assessment of the {kind} {marking.value}",
        judgements=(Judgement("Incursions across the border continue", "likely"),),
        confidence="moderate",
        reliability="B",
        credibility=2,
        marking=marking,
    )


@pytest.fixture(scope="module")
def exported(source: Context, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The first Outpost's exports, made by the centre's analyst."""
    folder = tmp_path_factory.mktemp("exported")
    made = {}
    for name, file in (("stix", "bundle.json"), ("misp", "event.json"), ("misp-feed", "feed")):
        write_export(as_(source, "crc-analyst"), name, Filters(), folder / file)
        made[name] = folder / file
    return made


@pytest.fixture
def second(dialect: str, tmp_path: Path) -> Iterator[Context]:
    """A second, empty Outpost of the same dialect, with the same organisations and people."""
    yield from _store(dialect, tmp_path)


def bundle_of(ctx: Context, tmp_path: Path, who: str = "m1-analyst") -> Obj:
    out = tmp_path / f"re-export-{who}.json"
    write_export(as_(ctx, who), "stix", Filters(), out)
    data: Obj = json.loads(out.read_text(encoding="utf-8"))
    return data


def outpost_objects(bundle: Obj) -> dict[str, Obj]:
    """The objects that carry an Outpost record (and the relationships and opinions), by id:
    what they are, their markings and their content, without who made them and when they were
    exported (the producer of a re-export is the second Outpost's organisation)."""
    kept = {}
    for o in bundle["objects"]:
        payload = o.get("extensions", {}).get(EXTENSION, {})
        derived = o["type"] in ("relationship", "opinion")  # made from the records again
        if payload.get("kind") == "producer" or (not payload and not derived):
            continue
        # a story's report is published when it is exported, like every object's `modified`
        when = ("modified", "published") if "story" in o.get("labels", []) else ("modified",)
        kept[o["id"]] = {k: v for k, v in o.items() if k not in ("created_by_ref", *when)}
    return kept


def test_a_stix_bundle_imported_into_an_empty_outpost_exports_the_same_objects(
    exported: dict[str, Path], second: Context, tmp_path: Path
) -> None:
    sent = json.loads(exported["stix"].read_text(encoding="utf-8"))
    report = import_path(as_(second, "m1-analyst"), exported["stix"])
    assert report.refused == () and report.updated == 0 and report.added > 0
    assert report.source.startswith("Organisation crc (")
    again = outpost_objects(bundle_of(second, tmp_path))
    original = outpost_objects(sent)
    kinds = {"report", "location", "identity", "note", "opinion"}
    assert {o["type"] for o in original.values()} >= kinds
    notes = [o for o in original.values() if o["type"] == "note"]
    assert {MARKINGS_BY_ID[o["object_marking_refs"][0]] for o in notes} == set(JUDGED)
    assert len(notes) == len(JUDGED) + 1
    assert again.keys() == original.keys()
    assert differences(again, original) == {}


def differences(a: dict[str, Obj], b: dict[str, Obj]) -> dict[str, list[str]]:
    """By object id, the properties that differ (so a failure names them)."""
    found = {
        i: sorted(k for k in a[i].keys() | b[i].keys() if a[i].get(k) != b[i].get(k)) for i in a
    }
    return {i: keys for i, keys in found.items() if keys}


def test_a_re_import_changes_nothing_and_a_newer_object_updates(
    exported: dict[str, Path], second: Context, tmp_path: Path
) -> None:
    ctx = as_(second, "m1-analyst")
    first = import_path(ctx, exported["stix"])
    before = bundle_of(second, tmp_path)
    same = import_path(ctx, exported["stix"])
    assert (same.added, same.updated, same.unchanged) == (0, 0, first.added)
    assert outpost_objects(bundle_of(second, tmp_path)) == outpost_objects(before)
    sent = json.loads(exported["stix"].read_text(encoding="utf-8"))
    place = next(o for o in sent["objects"] if o["type"] == "location")
    older = copy.deepcopy(sent)
    _object(older, place["id"])["extensions"][EXTENSION]["record"]["name"] = "Renamed"
    assert import_bytes(ctx, "older.json", json.dumps(older).encode()).updated == 0
    newer = copy.deepcopy(older)
    _object(newer, place["id"])["modified"] = "2099-01-01T00:00:00.000Z"
    assert import_bytes(ctx, "newer.json", json.dumps(newer).encode()).updated == 1
    shown = {o["id"]: o for o in bundle_of(second, tmp_path)["objects"]}
    assert shown[place["id"]]["extensions"][EXTENSION]["record"]["name"] == "Renamed"
    entries = [e for e in list_audit(second, limit=500) if e.action == "import"]
    assert len(entries) == 4 and all(e.actor == "user:m1-analyst" for e in entries)


def _object(bundle: Obj, ident: str) -> Obj:
    found: Obj = next(o for o in bundle["objects"] if o["id"] == ident)
    return found


def test_an_invalid_object_is_refused_by_name_and_the_others_land(
    exported: dict[str, Path], second: Context, tmp_path: Path
) -> None:
    sent = json.loads(exported["stix"].read_text(encoding="utf-8"))
    event = next(o for o in sent["objects"] if "event" in o.get("labels", []))
    del _object(sent, event["id"])["published"]  # a report MUST have it
    report = import_bytes(as_(second, "m1-analyst"), "bad.json", json.dumps(sent).encode())
    assert [i for i, _ in report.refused] == [event["id"]]
    assert "published" in report.refused[0][1]
    landed = outpost_objects(bundle_of(second, tmp_path))
    assert event["id"] not in landed
    objects = outpost_objects(sent)
    # what the event alone named: an actor or place no other record refers to (relationships
    # are not records: they are made again from the records that land)
    records = {
        j: json.dumps(o)
        for j, o in objects.items()
        if j != event["id"] and o["type"] != "relationship"
    }
    alone = {
        i
        for i, o in objects.items()
        if o["type"] in ("identity", "location")
        and not any(i in text for j, text in records.items() if j != i)
    }
    rest = {  # all else, but what judged it and what it alone made (relationships)
        i
        for i, o in objects.items()
        if i != event["id"]
        and event["id"] not in o.get("object_refs", [])
        and o["type"] != "relationship"
        and i not in alone
    }
    assert rest and rest <= landed.keys()
    with pytest.raises(ImportRefusedError, match="not JSON"):
        import_bytes(as_(second, "m1-analyst"), "broken.json", b"{ not json")


def test_a_red_or_amber_item_imported_is_seen_only_by_whom_its_marking_allows(
    exported: dict[str, Path], second: Context
) -> None:
    sent = json.loads(exported["stix"].read_text(encoding="utf-8"))
    events = [o for o in sent["objects"] if "event" in o.get("labels", [])]
    marks = {TLP.RED: events[0], TLP.AMBER_STRICT: events[1], TLP.GREEN: events[2]}
    for tlp, o in marks.items():
        _object(sent, o["id"])["object_marking_refs"] = [MARKING_IDS[tlp]]
    import_bytes(as_(second, "m1-analyst"), "marked.json", json.dumps(sent).encode())
    row = {tlp: o["extensions"][EXTENSION]["record"]["row"]["id"] for tlp, o in marks.items()}

    def seen(who: str) -> set[TLP]:
        ids = {m.item.row.id for m in export_selection(as_(second, who), Filters()).events}
        return {tlp for tlp, i in row.items() if i in ids}

    assert seen("m1-analyst") == {TLP.RED, TLP.AMBER_STRICT, TLP.GREEN}  # imported the RED
    assert seen("m1-viewer") == {TLP.AMBER_STRICT, TLP.GREEN}  # the owner organisation
    assert seen("m2-analyst") == {TLP.GREEN}  # the alliance
    assert seen("p1-analyst") == set()  # a partner
    clear = {m.item.row.id for m in export_selection(as_(second, "p1-viewer"), Filters()).events}
    assert clear and not clear & set(row.values())  # the CLEAR events, and only them


def test_only_a_person_of_an_organisation_who_may_write_imports(
    exported: dict[str, Path], second: Context
) -> None:
    data = exported["stix"].read_bytes()
    with pytest.raises(NotAllowedError):
        import_bytes(as_(second, "m1-viewer"), "b.json", data)
    with pytest.raises(NotAllowedError):
        import_bytes(second, "b.json", data)  # the operator: no organisation


def test_the_cli_and_the_api_import_as_the_tokens_person(
    exported: dict[str, Path], second: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = create_user_token(second, "cli", "m1-analyst")[1]
    monkeypatch.setenv("OUTPOST_DATABASE_URL", second.settings.database_url)
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(second.settings.data_dir))
    monkeypatch.setenv("OUTPOST_TOKEN", secret)
    done = CliRunner().invoke(app, ["import", str(exported["stix"]), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["added"] > 0
    for api in running_api(second.settings):
        with exported["stix"].open("rb") as f:
            answer = api.call("POST", "/import", secret, files={"file": ("b.json", f)})
        assert answer.status_code == 200, answer.text
        assert answer.json()["added"] == 0 and answer.json()["unchanged"] > 0
        bad = api.call("POST", "/import", secret, files={"file": ("x.json", b'{"x": 1}')})
        assert "not a MISP event" in problem(bad, 422, "validation")["detail"]
        torn = api.call(  # a multipart body whose part has no headers: unreadable, not a 500
            "POST",
            "/import",
            secret,
            content=b"--b\r\n[1, 2]--b--\r\n",
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        problem(torn, 400, "bad-request")
        cut = api.call(  # a whole part, then the body ends before its closing boundary
            "POST",
            "/import",
            secret,
            content=b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.json"'
            + b'\r\n\r\n{"x": 1}\r\n--b\r\nContent-Disposition: form-data; name="no',
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert "closing boundary" in problem(cut, 400, "bad-request")["detail"]
        viewer = create_user_token(second, "v", "m1-viewer")[1]
        with exported["stix"].open("rb") as f:
            refused = api.call("POST", "/import", viewer, files={"file": ("b.json", f)})
        problem(refused, 403, "forbidden")


def test_an_export_holds_the_assessments_its_viewer_may_see_as_notes_and_opinions(
    source: Context, tmp_path: Path
) -> None:
    def notes(who: str) -> set[TLP]:
        found = bundle_of(source, tmp_path, who)["objects"]
        opinions = {o["object_refs"][0] for o in found if o["type"] == "opinion"}
        made = [o for o in found if o["type"] == "note" and "story" not in o["abstract"]]
        assert {o["object_refs"][0] for o in made} <= opinions
        return {MARKINGS_BY_ID[o["object_marking_refs"][0]] for o in made}

    assert notes("crc-analyst") == set(JUDGED)  # its writer: named on the RED one
    assert notes("crc-viewer") == {TLP.CLEAR, TLP.GREEN, TLP.AMBER_STRICT}
    assert notes("m2-analyst") == {TLP.CLEAR, TLP.GREEN}
    assert notes("p1-viewer") == {TLP.CLEAR}
    note = next(
        o for o in bundle_of(source, tmp_path, "crc-analyst")["objects"] if o["type"] == "note"
    )
    assert "Admiralty grading: B2" in note["content"] and note["confidence"] == 50


def test_a_misp_event_holds_the_assessments_as_reports_and_is_as_strict_as_they_are(
    source: Context, tmp_path: Path
) -> None:
    for who, strictest in (("crc-analyst", "tlp:red"), ("m2-analyst", "tlp:green")):
        out = tmp_path / f"{who}.json"
        write_export(as_(source, who), "misp", Filters(), out)
        event = json.loads(out.read_text(encoding="utf-8"))
        assert strictest in {t["name"] for t in event["Tag"]}
        reports = event.get("EventReport", [])
        assert reports and all("Admiralty grading: B2" in r["content"] for r in reports)
        if who == "m2-analyst":
            assert not any("RED" in r["content"] or "STRICT" in r["content"] for r in reports)


def test_a_misp_feed_imported_into_an_empty_outpost_exports_the_same_events(
    exported: dict[str, Path], second: Context, tmp_path: Path
) -> None:
    ctx = as_(second, "m1-analyst")
    first = import_path(ctx, exported["misp-feed"])
    assert first.refused == () and first.added > 0
    again = import_path(ctx, exported["misp-feed"])
    assert (again.added, again.updated) == (0, 0)
    write_export(ctx, "misp-feed", Filters(), tmp_path / "feed")
    sent, back = feed_items(exported["misp-feed"]), feed_items(tmp_path / "feed")
    assert sent and back == sent


def feed_items(folder: Path) -> dict[str, Any]:
    """Each event of a feed by uuid: its TLP tag, and its attributes and objects by uuid with
    their type, value and tags (objects: name and their attributes)."""
    found = {}
    for name in json.loads((folder / "manifest.json").read_text(encoding="utf-8")):
        event = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))["Event"]
        attributes = {
            a["uuid"]: (a["type"], a["value"], sorted(t["name"] for t in a.get("Tag", [])))
            for a in event.get("Attribute", [])
        }
        objects = {
            o["uuid"]: (
                o["name"],
                sorted((a["object_relation"], a["value"]) for a in o["Attribute"]),
            )
            for o in event.get("Object", [])
        }
        tags = sorted(t["name"] for t in event.get("Tag", []))
        found[name] = (event["info"], tags, attributes, objects)
    return found
