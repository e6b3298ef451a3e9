"""Exports through the services, on SQLite and PostgreSQL, over analysed articles: a filter
exports exactly the events the list finds, with the actors, places and stories they name and
nothing else; every format is written and reads back; too many events is refused with the
count; each export is in the audit log; the CLI writes the same."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pymisp import MISPEvent
from typer.testing import CliRunner

from outpost.cli import app
from outpost.export.bundle import place_key
from outpost.export.stix_in import read_bundle
from outpost.markings import TLP
from outpost.services.audit import list_audit
from outpost.services.context import Context
from outpost.services.exports import FORMATS, export_selection, write_export
from outpost.services.paging import BadQueryError, Filters
from tests.lists_store import EventFact, analysed_context, dialects, facts, most_common
from tests.test_api_auth import problem, running_api


@pytest.fixture(scope="module", params=dialects())
def ctx(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Context]:
    yield from analysed_context(request.param, tmp_path_factory.mktemp("exports"))


@pytest.fixture(scope="module")
def events(ctx: Context) -> dict[int, EventFact]:
    return facts(ctx.engine)[1]


def test_a_filter_exports_exactly_the_events_it_finds_and_what_they_name(
    ctx: Context, events: dict[int, EventFact]
) -> None:
    country = most_common((e.country for e in events.values()), len(events))
    chosen = export_selection(ctx, Filters(country=country))
    ids = {m.item.row.id for m in chosen.events}
    assert ids == {i for i, e in events.items() if e.country == country}
    named = {p for m in chosen.events for p in (*m.item.row.actors, *m.item.row.targets)}
    assert {m.item.id for m in chosen.actors} <= named  # KB actors only, and none besides
    placed = {place_key(m.item.row.place) for m in chosen.events if m.item.row.place}
    assert {place_key(m.item) for m in chosen.places} == placed
    articles = {m.item.row.article for m in chosen.events}
    for story in (m.item for m in chosen.stories):
        assert {a.uid for a in story.articles} & articles, story.id
    assert {m.marking for m in chosen.events} == {TLP.CLEAR}  # machine-derived


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_is_written_and_reads_back(
    ctx: Context, events: dict[int, EventFact], tmp_path: Path, name: str
) -> None:
    out = tmp_path / f"export-{name}"
    done = write_export(ctx, name, Filters(), out)
    assert done.events == len(events) and done.format == name
    if name == "stix":
        imported = read_bundle(out.read_text(encoding="utf-8")).selection
        assert {m.item.row.id for m in imported.events} == set(events)
    elif name == "csv":
        with out.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert sorted(int(r["event_id"]) for r in rows) == sorted(events)
    elif name == "geojson":
        located = [e for e in events.values() if e.point]
        features = json.loads(out.read_text(encoding="utf-8"))["features"]
        assert len(features) == len(located)
    elif name == "misp":
        event = MISPEvent()
        event.load(out.read_text(encoding="utf-8"))
        assert event.attributes and event.info.endswith(f"{len(events)} events")
    else:
        assert (out / "manifest.json").is_file() and (out / "hashes.csv").is_file()


def test_too_many_events_are_refused_with_their_count(
    ctx: Context, events: dict[int, EventFact], tmp_path: Path
) -> None:
    out = tmp_path / "big.csv"
    with pytest.raises(BadQueryError, match=rf"^filters: {len(events)} events match; .* 3 "):
        write_export(ctx, "csv", Filters(), out, limit=3)
    assert not out.exists()
    every = [m.item.row.id for m in export_selection(ctx, Filters()).events]
    newest = export_selection(ctx, Filters(), limit=3, newest=True)  # as TAXII asks
    assert [m.item.row.id for m in newest.events] == every[:3] and len(every) > 3
    with pytest.raises(BadQueryError, match=r"^format: unknown export format 'xml'"):
        write_export(ctx, "xml", Filters(), out)
    with pytest.raises(BadQueryError, match=r"^country: "):
        write_export(ctx, "csv", Filters(country="Afghanistan"), out)


def test_each_export_is_in_the_audit_log_with_its_filters_and_counts(
    ctx: Context, tmp_path: Path
) -> None:
    done = write_export(ctx, "geojson", Filters(domain="terrorism"), tmp_path / "t.geojson")
    [entry] = list_audit(ctx, 1)
    detail = json.loads(entry.detail_json)
    assert (entry.action, entry.target, entry.actor) == ("export", "geojson", ctx.who.id)
    assert detail["filter.domain"] == "terrorism" and detail["events"] == done.events


def test_the_cli_writes_an_export_and_names_a_refusal(
    ctx: Context, events: dict[int, EventFact], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTPOST_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(ctx.settings.data_dir))
    out = tmp_path / "events.csv"
    runner = CliRunner()
    done = runner.invoke(app, ["export", "csv", "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert f"{len(events)} events" in done.output and out.is_file()
    refused = runner.invoke(app, ["export", "csv", "-o", str(out), "--limit", "2"])
    assert refused.exit_code == 2 and "an export holds at most 2" in refused.output


def test_the_api_answers_an_export_as_a_file_and_a_feed_as_a_zip(
    ctx: Context, events: dict[int, EventFact]
) -> None:
    for api in running_api(ctx.settings):
        stix = api.get("/export/stix", params={"domain": "terrorism"})
        assert stix.status_code == 200, stix.text
        assert stix.headers["content-type"].startswith("application/stix+json")
        assert 'filename="outpost-export.json"' in stix.headers["content-disposition"]
        terror = {i for i, e in events.items() if "terrorism" in e.domains}
        imported = read_bundle(stix.text).selection
        assert {m.item.row.id for m in imported.events} == terror
        feed = api.get("/export/misp-feed")
        assert feed.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(feed.content)) as archive:
            assert {"manifest.json", "hashes.csv"} <= set(archive.namelist())
        problem(api.get("/export/csv", params={"limit": 2}), 400, "bad-query")
        assert api.get("/export/xml").status_code == 422
        assert api.get("/export/csv", headers={"Authorization": ""}).status_code == 401
