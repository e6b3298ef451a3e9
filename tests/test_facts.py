"""Analysis results in the store, on SQLite and PostgreSQL: stored with the pipeline version,
analysed again without duplicates, listed with filters."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select

from outpost.analyze.pipeline import VERSION
from outpost.config import Settings
from outpost.records import EventRow
from outpost.services.analysis import analyze_store
from outpost.services.ingest import ingest
from outpost.store.facts import EventFilter, list_events
from outpost.store.schema import analyses, events, mentions, places, threats
from tests.conftest import EXAMPLES


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (analyses, mentions, places, threats, events)
        }


def test_analysis_is_stored_once_and_redone_in_place(engine: Engine, settings: Settings) -> None:
    ingest(engine, settings, [str(EXAMPLES)])
    assert analyze_store(engine).articles == 8
    first = counts(engine)
    assert analyze_store(engine).articles == 0  # nothing is stale for this pipeline version
    assert analyze_store(engine, redo=True).articles == 8
    assert counts(engine) == first  # replaced, not added to
    assert first["analyses"] == 8 and first["mentions"] > 50 and first["events"] > 3
    with engine.connect() as conn:
        versions = set(conn.execute(select(analyses.c.version)).scalars())
    assert versions == {VERSION}


def test_forked_workers_store_what_one_process_does(engine: Engine, settings: Settings) -> None:
    ingest(engine, settings, [str(EXAMPLES)])
    analyze_store(engine)
    with engine.connect() as conn:
        alone = list_events(conn, EventFilter(limit=None))
    assert analyze_store(engine, batch_size=2, redo=True, workers=2).articles == 8
    with engine.connect() as conn:
        forked = list_events(conn, EventFilter(limit=None))

    def facts(rows: list[EventRow]) -> list[tuple[object, ...]]:
        return sorted((e.article, e.start, e.type, e.score, e.actors, e.date) for e in rows)

    assert facts(forked) == facts(alone) and len(alone) > 3
    assert counts(engine)["analyses"] == 8


def test_events_filters(engine: Engine, settings: Settings) -> None:
    ingest(engine, settings, [str(EXAMPLES)])
    analyze_store(engine)
    with engine.connect() as conn:
        everything = list_events(conn, EventFilter(limit=None))
        putin = list_events(conn, EventFilter(actor="person:putin", limit=None))
        august = list_events(
            conn, EventFilter(since=date(2021, 8, 1), until=date(2021, 9, 1), limit=None)
        )
        drugs = list_events(conn, EventFilter(domain="drug_trafficking", limit=None))
        meetings = list_events(conn, EventFilter(type="MEETING", limit=None))
    assert putin and all("person:putin" in e.actors + e.targets for e in putin)
    assert august and all(e.date and "2021-08-01" <= e.date < "2021-09-01" for e in august)
    assert drugs and all("drug_trafficking" in e.domains for e in drugs)
    assert meetings and all(e.type == "MEETING" for e in meetings)
    assert len(everything) > max(len(putin), len(august), len(drugs), len(meetings))
    for e in everything:
        assert e.evidence and e.start < e.end
