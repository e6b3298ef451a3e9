"""Migration 0008 on a store with analysed articles, on SQLite and PostgreSQL: the columns it
adds to events are filled from the place and the article exactly as new analyses fill them,
and going down and up again keeps every event's parties and domains (a copy of the table on
SQLite, with foreign keys on, would have deleted them)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, func, inspect, select

from outpost.config import Settings
from outpost.services.analysis import analyze_store
from outpost.services.ingest import ingest
from outpost.store.db import _config, upgrade
from outpost.store.schema import event_domains, event_parties, events
from tests.conftest import EXAMPLES

ADDED = ("lat", "lon", "admin1", "published", "lang", "source")


def downgrade(engine: Engine, revision: str) -> None:
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def snapshot(engine: Engine) -> tuple[list[tuple[object, ...]], int, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(events.c.id, *(events.c[name] for name in ADDED)).order_by(events.c.id)
        ).all()
        parties = conn.execute(select(func.count()).select_from(event_parties)).scalar_one()
        domains = conn.execute(select(func.count()).select_from(event_domains)).scalar_one()
    return [tuple(r) for r in rows], parties, domains


def test_the_backfill_gives_what_analysis_writes(engine: Engine, settings: Settings) -> None:
    ingest(engine, settings, [str(EXAMPLES)])
    analyze_store(engine)
    written = snapshot(engine)
    rows, parties, domains = written
    assert rows and parties and domains
    assert all(r[4] is not None and r[6] for r in rows)  # published, source
    assert any(r[1] is not None and r[3] for r in rows)  # lat, admin1
    downgrade(engine, "0007")
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("events")}
    assert not columns & set(ADDED)
    upgrade(engine)
    assert snapshot(engine) == written
