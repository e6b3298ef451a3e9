"""Bulk loading for benchmarks/workspace_data.py: rows straight into the tables through the
driver (COPY on PostgreSQL, executemany on SQLite), with the secondary indexes and the
full-text index dropped while loading and built again at the end (then the planner's
statistics gathered)."""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

# Every table the generator fills, in the order of their foreign keys.
TABLES = (
    "articles",
    "analyses",
    "mentions",
    "places",
    "dates",
    "threats",
    "events",
    "event_parties",
    "event_domains",
    "article_series",
    "stories",
    "story_articles",
)
SERIAL = ("articles", "mentions", "places", "dates", "threats", "events")  # ids from sequences

# Indexes that do not back a constraint (those stay: they are checked while loading).
POSTGRES_INDEXES = text(
    """
    SELECT i.relname, pg_get_indexdef(i.oid)
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND t.relname = ANY(:tables)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    """
)
SQLITE_INDEXES = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
    "AND tbl_name IN (SELECT value FROM json_each(:tables))"
)
SQLITE_FTS_TRIGGER = "articles_fts_insert"


class Bulk:
    """Loads rows into an empty store; `finish` builds what loading put off."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection = engine.connect()
        self.postgres = engine.dialect.name == "postgresql"
        self.raw: Any = self.conn.connection.driver_connection
        self.indexes: list[tuple[str, str]] = []
        self.trigger: str | None = None

    def start(self) -> None:
        """Drop the secondary indexes (and on SQLite the full-text trigger), remembered."""
        if self.postgres:
            self.conn.exec_driver_sql("SET synchronous_commit = off")
            found = self.conn.execute(POSTGRES_INDEXES, {"tables": list(TABLES)}).all()
        else:
            self.conn.exec_driver_sql("PRAGMA synchronous = OFF")
            self.conn.exec_driver_sql("PRAGMA cache_size = -1000000")  # 1 GB
            found = self.conn.execute(SQLITE_INDEXES, {"tables": json.dumps(TABLES)}).all()
            self.trigger = self.conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = :name"),
                {"name": SQLITE_FTS_TRIGGER},
            ).scalar_one()
            self.conn.exec_driver_sql(f"DROP TRIGGER {SQLITE_FTS_TRIGGER}")
        self.indexes = [(name, sql) for name, sql in found]
        for name, _ in self.indexes:
            self.conn.exec_driver_sql(f"DROP INDEX {name}")
        self.conn.commit()

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        if self.postgres:
            with (
                self.raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor = self.raw.cursor()
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", [_sqlite(r) for r in rows]
            )
            cursor.close()

    def commit(self) -> None:
        self.conn.commit()

    def finish(self) -> None:
        """Build the indexes again, fill the full-text index, move the sequences past the
        ids given, and gather the planner's statistics; each step timed."""
        if self.postgres:
            self.conn.exec_driver_sql("SET maintenance_work_mem = '1GB'")
            for table in SERIAL:
                self.conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
        else:
            _timed(
                "full-text index",
                self.conn.exec_driver_sql,
                "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
            )
            assert self.trigger is not None
            self.conn.exec_driver_sql(self.trigger)
        for name, sql in self.indexes:
            _timed(f"index {name}", self.conn.exec_driver_sql, sql)
        self.conn.commit()
        if self.postgres:  # VACUUM too, as autovacuum would: index-only scans need it
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
                _timed("VACUUM ANALYZE", auto.exec_driver_sql, "VACUUM ANALYZE")
        else:
            _timed("ANALYZE", self.conn.exec_driver_sql, "ANALYZE")
            self.conn.commit()
            # Everything into the database file, so readers do not search a WAL of gigabytes
            _timed("checkpoint", self.conn.exec_driver_sql, "PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self.conn.close()


def _timed(what: str, call: Any, *args: Any) -> None:
    started = time.perf_counter()
    call(*args)
    print(f"  {what}: {time.perf_counter() - started:.1f} s", flush=True)


def _sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Times and days as SQLAlchemy writes them in SQLite, so they compare as its do."""
    return tuple(
        v.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(v, datetime)
        else v.isoformat()
        if isinstance(v, date)
        else v
        for v in row
    )
