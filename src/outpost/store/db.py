"""Open a database: create the engine, apply the dialect's settings, migrate it.

Migrations run on every open that needs them, so a new release upgrades an old store by
itself; a store already at the head revision is only read, so a read-only one opens too.
Every statement has a time-out (the server cancels it on PostgreSQL, a progress handler
interrupts it on SQLite), so no query, however hostile, holds the database for long; a
migration has none, as a large store's upgrade may take long.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError

from outpost.store.errors import (
    StatementTimeoutError,
    StoreError,
    describe,
    timed_out,
    timeout_reason,
)

MIGRATIONS = Path(__file__).with_name("migrations")
_CLOCK = "outpost_statement_clock"  # key of a SQLite connection's clock in its info dict
_PROGRESS_STEPS = 10_000  # SQLite VM steps between two looks at the clock (well under 1 ms)


@dataclass(frozen=True)
class Target:
    """A database to open: how to connect, how to name it in messages, whether read-only."""

    url: URL
    name: str  # the URL as given, password masked
    read_only: bool = False

    @property
    def in_memory(self) -> bool:
        sqlite = self.url.get_backend_name() == "sqlite"
        return sqlite and self.url.database in (None, "", ":memory:")


def connect(url: str, *, migrate: bool = True, statement_timeout: float = 30.0) -> Engine:
    """An engine for `url`, with its schema brought up to date (unless `migrate` is False),
    whose statements each run at most `statement_timeout` seconds.

    Raises StoreError, one line naming the database and the cause, when it cannot be opened.
    """
    if not (math.isfinite(statement_timeout) and statement_timeout > 0):
        raise ValueError(f"statement_timeout: expected positive seconds, got {statement_timeout}")
    target = _target(url)
    engine = _engine(target, statement_timeout)
    # Opening (reading the revision, migrating) is not timed: a large store's upgrade may
    # take long. A database in memory lives in its engine, so that one opens it.
    opener = engine if target.in_memory else _engine(target, None)
    try:
        _open(opener, target, migrate)
    except Exception as exc:
        engine.dispose()
        if isinstance(exc, StoreError):
            raise
        reason = describe(exc)
        if reason is None:
            raise
        raise StoreError(f"database {target.name}: {reason}") from exc
    finally:
        if opener is not engine:
            opener.dispose()
    return engine


def _open(engine: Engine, target: Target, migrate: bool) -> None:
    """Connect once (so an unreachable database is said now), and migrate if need be."""
    with engine.begin() as conn, _untimed(conn):
        revision = _revision(conn, target.name) if migrate else None
    if migrate and revision != head_revision():
        _migrate(engine, target, revision)


def _target(url: str) -> Target:
    try:
        parsed = make_url(url)
    except ArgumentError:  # the URL is not echoed: it may hold a password
        raise StoreError(
            "the database URL cannot be read; expected sqlite:///path or postgresql://host/db"
        ) from None
    name = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(f"database {name}: Outpost stores in SQLite or PostgreSQL only")
    if backend == "sqlite":
        try:
            return _sqlite_target(parsed, name)
        except OSError as exc:  # the folder cannot be made
            raise StoreError(f"database {name}: {exc.strerror}: {exc.filename}") from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return Target(parsed, name)


def _sqlite_target(parsed: URL, name: str) -> Target:
    """A file that cannot be written (or whose folder cannot, where WAL keeps its side files)
    is opened read-only through SQLite's URI form, so it can at least be read."""
    database = parsed.database
    if not database or database == ":memory:" or parsed.query.get("uri"):
        return Target(parsed, name, read_only=parsed.query.get("mode") == "ro")
    path = Path(database)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        return Target(parsed, name)
    folder_writable = os.access(path.parent, os.W_OK | os.X_OK)
    if os.access(path, os.W_OK) and folder_writable:
        return Target(parsed, name)
    query = {"mode": "ro", "uri": "true"}
    if not folder_writable and not path.with_name(path.name + "-wal").exists():
        # No one can write it without a -wal file in that folder, and without one a WAL
        # database can only be read as immutable (SQLite cannot make its -shm file there).
        query["immutable"] = "1"
    uri = "file:" + quote(str(path.absolute()))
    return Target(parsed.set(database=uri, query=query), name, read_only=True)


def _engine(target: Target, statement_timeout: float | None) -> Engine:
    """An engine whose statements run at most `statement_timeout` seconds (None: no limit)."""
    if target.url.get_backend_name() == "sqlite":
        engine = create_engine(target.url, connect_args={"timeout": 60})
        event.listen(engine, "connect", _sqlite_setup(target.read_only, statement_timeout))
        event.listen(engine, "before_cursor_execute", _arm)
        event.listen(engine, "after_cursor_execute", _disarm)
    else:
        url = target.url
        if "connect_timeout" not in url.query:  # a host that drops packets hangs for minutes
            url = url.update_query_dict({"connect_timeout": "10"})
        engine = create_engine(url, pool_pre_ping=True)
        if statement_timeout is not None:
            event.listen(engine, "connect", _postgres_setup(statement_timeout))
    event.listen(engine, "handle_error", _on_error(target.name, statement_timeout))
    return engine


def _postgres_setup(seconds: float) -> Callable[[Any, Any], None]:
    """Give each session its statement time-out: the server itself then cancels a statement
    past it, even one whose client has gone away. Set after SQLAlchemy's first look at the
    server (its version, its settings), which a very short time-out would cut."""
    millis = max(1, round(seconds * 1000))

    def setup(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {millis}")
        dbapi_connection.commit()  # a SET rolled back with its transaction would be undone

    return setup


def _sqlite_setup(read_only: bool, seconds: float | None) -> Callable[[Any, Any], None]:
    def setup(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if not read_only:  # both write the file: a read-only connection cannot
            # WAL lets readers (the CLI, later the web app) work while an ingest writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()
        clock = StatementClock(seconds)
        dbapi_connection.set_progress_handler(clock.expired, _PROGRESS_STEPS)
        record.info[_CLOCK] = clock

    return setup


class StatementClock:
    """When the statement running on one SQLite connection must stop (its progress handler).

    Armed when a statement is sent and disarmed when it returns, so it bounds the work SQLite
    does before a statement's first row: all of it for a sort, a count or a ranked search.
    Rows fetched afterwards are not timed, since the caller's own work between fetches
    would count against the statement. Mutable by nature: every statement re-arms it.
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds  # None: statements are not timed
        self.deadline: float | None = None
        self.suspended = False  # during migrations

    def arm(self) -> None:
        if self.seconds is None or self.suspended:
            self.deadline = None
        else:
            self.deadline = time.monotonic() + self.seconds

    def disarm(self) -> None:
        self.deadline = None

    def expired(self) -> int:
        """Non-zero makes SQLite interrupt the statement (SQLITE_INTERRUPT)."""
        return int(self.deadline is not None and time.monotonic() > self.deadline)


def _clock(conn: Connection | None) -> StatementClock | None:
    clock = conn.info.get(_CLOCK) if conn is not None else None
    return clock if isinstance(clock, StatementClock) else None


def _arm(conn: Connection, *_: Any) -> None:
    clock = _clock(conn)
    if clock is not None:
        clock.arm()


def _disarm(conn: Connection, *_: Any) -> None:
    clock = _clock(conn)
    if clock is not None:
        clock.disarm()


def _on_error(name: str, seconds: float | None) -> Callable[[ExceptionContext], None]:
    """Turn a database condition (time-out, read-only, disk full, locked...) met by a
    statement into a one-line StoreError; leave every other error (an integrity error a
    caller handles, a lost connection the pool recovers from) as SQLAlchemy raised it."""

    def on_error(context: ExceptionContext) -> None:
        clock = _clock(context.connection)
        if clock is not None:
            clock.disarm()  # else a later COMMIT on this connection would be interrupted
        if context.is_disconnect or context.is_pre_ping:
            return
        reason = describe(context.original_exception)
        if reason is None:
            return
        if timed_out(context.original_exception):
            raise StatementTimeoutError(f"database {name}: {timeout_reason(seconds)}")
        raise StoreError(f"database {name}: {reason}")

    return on_error


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str | None:
    """The newest schema revision this version of Outpost knows."""
    return _scripts().get_current_head()


def _revision(conn: Connection, name: str) -> str | None:
    """The database's schema revision; StoreError when it is not one this version knows."""
    revision = MigrationContext.configure(conn).get_current_revision()
    if revision is None:
        if "articles" in inspect(conn).get_table_names():
            raise StoreError(f"database {name}: not an Outpost database (no schema version)")
        return None
    known = {script.revision for script in _scripts().walk_revisions()}
    if revision not in known:
        raise StoreError(
            f"database {name}: its schema (revision {revision}) is newer than this version of "
            "Outpost knows, or not Outpost's; upgrade Outpost"
        )
    return revision


def _migrate(engine: Engine, target: Target, revision: str | None) -> None:
    if target.read_only:
        raise StoreError(
            f"database {target.name} is read-only and its schema must be upgraded "
            f"(from {revision or 'empty'} to {head_revision()}); "
            "open it once where it can be written"
        )
    upgrade(engine)


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = _config()
    with engine.begin() as connection, _untimed(connection):
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def _untimed(connection: Connection) -> Iterator[None]:
    """No statement time-out for what runs inside (a migration may rewrite a large store)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")  # until the commit
    clock = _clock(connection)
    if clock is not None:
        clock.suspended = True
    try:
        yield
    finally:
        if clock is not None:
            clock.suspended = False
