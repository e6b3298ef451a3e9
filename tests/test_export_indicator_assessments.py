"""An assessment of an indicator series goes with the events that count in it, on SQLite and
PostgreSQL: in STIX as a note and an opinion referring to those events' reports, in MISP as
an event report; not when no exported event counts in the series, and only to whom its
marking allows (the analysed examples, for real)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from outpost.export.bundle import series_of
from outpost.export.stix_ids import EXTENSION
from outpost.markings import TLP
from outpost.services import assessments
from outpost.services.analysis import analyze_store
from outpost.services.context import Context
from outpost.services.exports import export_selection, write_export
from outpost.services.ingest import ingest
from outpost.services.paging import Filters
from tests.conftest import EXAMPLES
from tests.lists_store import dialects
from tests.test_imports import _draft, _store, as_

Obj = dict[str, Any]


@pytest.fixture(scope="module", params=dialects())
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Context]:
    for ctx in _store(str(request.param), tmp_path_factory.mktemp("indicator")):
        ingest(ctx.engine, ctx.settings, [str(EXAMPLES)])
        analyze_store(ctx.engine)
        yield ctx


def _bundle(ctx: Context, who: str, tmp_path: Path, filters: Filters) -> Obj:
    out = tmp_path / f"{who}.json"
    write_export(as_(ctx, who), "stix", filters, out)
    data: Obj = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_an_assessment_of_a_series_refers_to_the_events_that_count_in_it(
    store: Context, tmp_path: Path
) -> None:
    events = export_selection(as_(store, "m1-analyst"), Filters()).events
    country = next(m.item.row.country for m in events if m.item.row.country)
    series = f"country:{country}"
    draft = _draft("indicator", series, TLP.AMBER_STRICT)
    made = assessments.create_assessment(as_(store, "m1-analyst"), draft)
    counted = {m.item.row.id for m in events if series in series_of(m.item)}
    assert counted and len(counted) < len(events)

    bundle = _bundle(store, "m1-viewer", tmp_path, Filters())
    [note] = [o for o in bundle["objects"] if o.get("abstract") == draft.title]
    [opinion] = [o for o in bundle["objects"] if o["type"] == "opinion"
                 and draft.title in o["explanation"]]  # fmt: skip
    reports = {o["id"]: o for o in bundle["objects"] if "event" in o.get("labels", ())}
    rows = {i: o["extensions"][EXTENSION]["record"]["row"]["id"] for i, o in reports.items()}
    assert {rows[i] for i in note["object_refs"]} == counted
    assert opinion["object_refs"] == note["object_refs"]
    assert note["object_marking_refs"] != reports[note["object_refs"][0]]["object_marking_refs"]

    other = Filters(country=next(m.item.row.country for m in events
                                 if m.item.row.country not in (None, country)))  # fmt: skip
    assert not any(o.get("abstract") == draft.title
                   for o in _bundle(store, "m1-viewer", tmp_path, other)["objects"])  # fmt: skip
    hidden = _bundle(store, "m2-analyst", tmp_path, Filters())  # AMBER+STRICT: m1's only
    assert draft.title not in json.dumps(hidden)

    write_export(as_(store, "m1-viewer"), "misp", Filters(), tmp_path / "event.json")
    event = json.loads((tmp_path / "event.json").read_text(encoding="utf-8"))
    assert any(draft.title in r["name"] or draft.title in r["content"]
               for r in event["EventReport"]), made  # fmt: skip
