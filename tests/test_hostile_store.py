"""Issue 11, the store: a hostile query cannot hold the database, every statement has a
time-out, and a database that is away, read-only, full or not ours gives one line naming it.

Real SQLite files and real PostgreSQL schemas throughout (the `database_url` fixture)."""

from __future__ import annotations

import errno
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, func, insert, select, text
from sqlalchemy.exc import OperationalError

from outpost.config import sqlite_url
from outpost.records import Draft
from outpost.services.ingest import save_draft
from outpost.store import StatementTimeoutError, StoreError, connect, describe
from outpost.store.db import head_revision, upgrade
from outpost.store.dialect import MAX_TERMS, Term, query_terms
from outpost.store.errors import SearchRefusedError
from outpost.store.schema import articles, raw_items
from outpost.store.search import search
from tests.conftest import POSTGRES, _postgres_schema_url

SLOW = (  # a statement that runs for minutes: count to 10^9
    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000000) "
    "SELECT count(*) FROM c"
)
NOBODY = 65534  # the unprivileged user of Linux systems
SHORT = ["a", "an", "the", "of", "to", "in", "on", "at", "by", "is"]


def vocabulary(rng: random.Random) -> list[str]:
    """Made-up words (many sharing short prefixes), and common short words, often."""
    syllables = ["ka", "ro", "mi", "ta", "sun", "ber", "gor", "lin", "de", "vo", "ash", "ul"]
    words = {"".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(3000)}
    return sorted(words) + SHORT * 30


def fill(engine: Engine, count: int, words: int = 200) -> None:
    """`count` generated articles of `words` words, inserted straight into the tables."""
    rng = random.Random(11)
    vocab = vocabulary(rng)
    rows = [
        {
            "uid": f"{i:016x}",
            "source": "generated",
            "text": " ".join(rng.choices(vocab, k=words)),
            "fetched": datetime(2026, 1, 1),
            "raw_hash": "0" * 64,
            "text_hash": f"{i:064x}",
            "fingerprint": "",
            "locator": f"generated/{i}",
        }
        for i in range(count)
    ]
    with engine.begin() as conn:
        raw = {"hash": "0" * 64, "media_type": "text/plain", "size": 0, "content": b""}
        conn.execute(insert(raw_items).values(**raw))
        for start in range(0, count, 1000):
            conn.execute(insert(articles), rows[start : start + 1000])


def draft(text_: str) -> Draft:
    return Draft(
        text=text_, source="test", locator="test", raw=text_.encode(), media_type="text/plain"
    )


def one_line(message: str) -> bool:
    return "\n" not in message and "Traceback" not in message and len(message) < 300


# --- item 6: bounded search ---------------------------------------------------------------


def test_query_terms_drop_repeats_and_match_short_words_whole() -> None:
    assert query_terms("a A a, a; a") == [Term("a", prefix=False)]
    assert query_terms("US trafficking traffickers") == [
        Term("us", prefix=False),
        Term("traffick", prefix=True),
    ]
    assert query_terms("foo_bar") == [Term("foo", prefix=True), Term("bar", prefix=True)]
    assert query_terms(" ".join(["Afghanistan"] * 10_000)) == [Term("afghanistan", prefix=True)]


def test_a_query_over_the_caps_is_refused_in_one_line() -> None:
    words = [f"word{i}x" for i in range(MAX_TERMS + 1)]
    assert len(query_terms(" ".join(words[:MAX_TERMS]))) == MAX_TERMS
    with pytest.raises(SearchRefusedError, match="at most 12 different words") as many:
        query_terms(" ".join(words))
    with pytest.raises(SearchRefusedError, match="at most 64 characters") as long:
        query_terms("border " + "x" * 100_000)
    assert one_line(str(many.value)) and one_line(str(long.value))
    with pytest.raises(SearchRefusedError, match="ask for 1 to 1000 hits, not 1000000000"):
        # refused before the database is asked: no connection is needed
        search(None, "border", limit=10**9)  # type: ignore[arg-type]
    assert isinstance(many.value, StoreError)  # the CLI prints it as it prints every StoreError


def test_hostile_queries_answer_quickly_on_thousands_of_articles(engine: Engine) -> None:
    fill(engine, 3000)
    save_draft(engine, draft("The convoy used the northern road."))  # "used", never "us"
    hostile = [
        " ".join(["a"] * 300),  # the shape: 100 of them ran 12-14 s on 5,000 articles
        " ".join(SHORT * 30),
        " ".join(["ka ro mi ta de vo ul"] * 40),
        "kar rom mit tas sun ber gor lin ash ula dek vor",  # 12 short prefixes, the worst kept
    ]
    with engine.connect() as conn:
        for query in hostile:
            start = time.perf_counter()
            hits = search(conn, query)
            elapsed = time.perf_counter() - start
            assert elapsed < 2.0, (query[:40], elapsed)
            assert len(hits) <= 20
        a_hits = search(conn, " ".join(["a"] * 300))
        us_hits = search(conn, "us")
    assert a_hits and all(" a " in f" {h.article.text} " for h in a_hits)
    assert us_hits == []  # a short word is matched whole


# --- item 6: statement time-outs ----------------------------------------------------------


def test_a_slow_statement_is_cut_at_the_time_out_and_the_engine_goes_on(database_url: str) -> None:
    engine = connect(database_url, statement_timeout=1.0)
    try:
        start = time.perf_counter()
        with pytest.raises(StatementTimeoutError) as cut, engine.connect() as conn:
            conn.execute(text(SLOW)).all()
        elapsed = time.perf_counter() - start
        message = str(cut.value)
        assert 0.9 < elapsed < 5.0, elapsed
        assert "time-out of 1 s" in message and "OUTPOST_STATEMENT_TIMEOUT" in message
        assert one_line(message) and describe(cut.value) == message
        stored = save_draft(engine, draft("After the time-out, writes still commit."))
        with engine.connect() as conn:
            found = conn.execute(select(articles.c.uid)).scalars().all()
        assert found == [stored.uid]
    finally:
        engine.dispose()


@pytest.mark.parametrize("seconds", [0.0, -1.0, float("nan"), float("inf")])
def test_a_time_out_that_cannot_time_out_is_refused(tmp_path: Path, seconds: float) -> None:
    with pytest.raises(ValueError, match="statement_timeout"):
        connect(sqlite_url(tmp_path / "outpost.db"), statement_timeout=seconds)


def test_a_query_whose_client_is_gone_is_cancelled_by_the_server() -> None:
    urls = _postgres_schema_url()
    url = next(urls)
    marker = f"outpost_gone_{uuid.uuid4().hex[:8]}"
    child = subprocess.Popen(
        [sys.executable, "-c", GONE_CLIENT, url, f"/* {marker} */ {SLOW}"],
        cwd=Path(__file__).resolve().parents[1],
    )
    admin = create_engine(POSTGRES)
    try:
        started = time.monotonic()
        assert wait_until(lambda: running(admin, marker), 10), "the statement never started"
        child.kill()  # the client is gone; PostgreSQL does not notice while it computes
        child.wait()
        time.sleep(0.3)
        assert running(admin, marker)
        assert wait_until(lambda: not running(admin, marker), 10)
        assert time.monotonic() - started < 2.0 + 3.0  # its 2 s time-out, and start-up
    finally:
        child.kill()
        child.wait()
        with admin.connect() as conn:  # a failed run leaves no statement running for minutes
            conn.execute(text(CANCEL), {"marker": f"/* {marker} */%"}).all()
        admin.dispose()
        urls.close()


GONE_CLIENT = """
import sys
from sqlalchemy import text
from outpost.store import connect
with connect(sys.argv[1], statement_timeout=2.0).connect() as conn:
    conn.execute(text(sys.argv[2])).all()
"""


CANCEL = "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE :marker"


def running(admin: Engine, marker: str) -> bool:
    sql = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE :marker"
    with admin.connect() as conn:
        return bool(conn.execute(text(sql), {"marker": f"/* {marker} */%"}).scalar_one())


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_postgresql_sessions_carry_the_time_out() -> None:
    urls = _postgres_schema_url()
    url = next(urls)
    default = connect(url)
    short = connect(url, statement_timeout=1.5)
    try:
        with default.connect() as conn, short.connect() as other:
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "30s"
            assert other.execute(text("SHOW statement_timeout")).scalar_one() == "1500ms"
            # the search path the URL's own options set is kept beside the time-out
            assert other.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        default.dispose()
        short.dispose()
        urls.close()


def test_migrations_run_without_the_time_out(database_url: str) -> None:
    engine = connect(database_url, statement_timeout=0.001)  # 1 ms: no migration fits in it
    engine.dispose()
    plain = create_engine(database_url)
    with plain.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == (
            head_revision()
        )
        assert conn.execute(select(func.count()).select_from(articles)).scalar_one() == 0
    plain.dispose()


def test_a_database_in_memory_is_migrated_in_its_own_engine() -> None:
    engine = connect("sqlite://", statement_timeout=1.0)
    try:
        stored = save_draft(engine, draft("Kept in memory only."))
        with engine.connect() as conn:
            assert conn.execute(select(articles.c.uid)).scalars().all() == [stored.uid]
            with pytest.raises(StatementTimeoutError):
                conn.execute(text(SLOW)).all()
    finally:
        engine.dispose()


# --- item 11: one line for a database that is away, not ours, read-only or full ----------


def test_a_closed_port_is_one_line_naming_the_database_without_its_password() -> None:
    url = "postgresql+psycopg://outpost:s3cret@127.0.0.1:1/test"
    with pytest.raises(StoreError) as refused:
        connect(url)
    message = str(refused.value)
    assert one_line(message), message
    assert "127.0.0.1:1" in message and "connection refused" in message
    assert "s3cret" not in message and "***" in message


def test_a_missing_postgresql_database_is_named() -> None:
    with pytest.raises(StoreError, match=r"no_such_outpost_db.*(does not exist|no such)") as gone:
        connect("postgresql+psycopg://127.0.0.1:5432/no_such_outpost_db")
    assert one_line(str(gone.value))


def test_a_file_that_is_not_sqlite_is_named(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("These are my notes, not a database.\n" * 200)
    with pytest.raises(StoreError, match="not an SQLite database") as wrong:
        connect(sqlite_url(path))
    assert one_line(str(wrong.value)) and str(path) in str(wrong.value)
    assert path.read_text().startswith("These are my notes")  # nothing written over it


def test_a_database_of_another_program_is_not_migrated(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, body TEXT)")
    with pytest.raises(StoreError, match="not an Outpost database"):
        connect(sqlite_url(path))


def test_a_newer_schema_is_refused_and_left_alone(database_url: str) -> None:
    engine = connect(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"revision 0099_future\) is newer") as newer:
        connect(database_url)
    assert one_line(str(newer.value))
    again = create_engine(database_url)  # a plain engine: look without opening it as ours
    with again.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == (
            "0099_future"
        )
    again.dispose()


def read_only_url(path: Path) -> str:
    return f"sqlite:///file:{path}?mode=ro&uri=true"


def test_a_read_only_sqlite_database_is_read_and_a_write_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "outpost.db"
    writable = connect(sqlite_url(path))
    stored = save_draft(writable, draft("Border guards detained three smugglers near Termez."))
    writable.dispose()
    engine = connect(read_only_url(path))  # at head: no migration, no write pragma
    try:
        with engine.connect() as conn:
            hits = search(conn, "smugglers Termez")
        assert [h.article.uid for h in hits] == [stored.uid]
        with pytest.raises(StoreError, match="read-only") as refused:
            save_draft(engine, draft("A second story that cannot be written."))
        assert one_line(str(refused.value)) and "outpost.db" in str(refused.value)
    finally:
        engine.dispose()


def as_another_user(work: Callable[[], str]) -> str:
    """What `work` returns when run by a user without rights: a forked child that drops root
    (permission bits do not stop root), or this process when it is not root."""
    if os.getuid() != 0:
        return work()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        os.close(reader)
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            result = work()
        except BaseException as exc:
            result = f"raised {type(exc).__name__}: {exc}"
        os.write(writer, result.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        result = pipe.read().decode()
    os.waitpid(pid, 0)
    return result


@pytest.mark.parametrize("folder_mode", [0o777, 0o555], ids=["file-read-only", "folder-too"])
def test_a_file_without_write_permission_opens_for_reading(folder_mode: int) -> None:
    # A folder another user can reach: pytest's tmp_path sits in a folder only root may enter.
    with tempfile.TemporaryDirectory() as top:
        folder = Path(top) / "store"
        folder.mkdir()
        path = folder / "outpost.db"
        writable = connect(sqlite_url(path))
        stored = save_draft(writable, draft("Border guards detained three smugglers."))
        with writable.connect() as conn:  # the modules a search needs, loaded while root
            search(conn, "smugglers")
        writable.dispose()
        Path(top).chmod(0o755)
        path.chmod(0o444)
        folder.chmod(folder_mode)

        def work() -> str:
            engine = connect(sqlite_url(path))
            with engine.connect() as conn:
                found = [h.article.uid for h in search(conn, "smugglers")]
            try:
                save_draft(engine, draft("A story that cannot be written."))
                wrote = "wrote"
            except StoreError as exc:
                wrote = str(exc)
            engine.dispose()
            return f"{found}|{wrote}"

        result = as_another_user(work)
        folder.chmod(0o755)
    assert "|" in result, result  # else the child raised: the message says what
    found, wrote = result.split("|", 1)
    assert found == str([stored.uid]), result
    assert "read-only" in wrote and one_line(wrote), result


def test_a_url_or_a_folder_outpost_cannot_use_is_one_line() -> None:
    with pytest.raises(StoreError, match="cannot be read") as unreadable:
        connect("outpost at s3cret@home")
    with pytest.raises(StoreError, match="SQLite or PostgreSQL only") as other:
        connect("mysql://outpost:s3cret@127.0.0.1/news")
    for refused in (unreadable, other):
        assert one_line(str(refused.value)) and "s3cret" not in str(refused.value)
    with tempfile.TemporaryDirectory() as top:
        Path(top).chmod(0o755)  # another user may enter, not write
        path = Path(top) / "new" / "outpost.db"

        def work() -> str:
            try:
                connect(sqlite_url(path)).dispose()
            except StoreError as exc:
                return str(exc)
            return "opened"

        message = as_another_user(work)
    assert "Permission denied" in message and str(path.parent) in message, message
    assert one_line(message)


def test_a_read_only_database_that_needs_migrating_says_so(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = connect(sqlite_url(path), migrate=False)
    upgrade(old, "0004")
    old.dispose()
    with pytest.raises(StoreError, match="read-only and its schema must be upgraded"):
        connect(read_only_url(path))
    upgraded = connect(sqlite_url(path))  # writable again: it migrates as before
    upgraded.dispose()


def test_a_full_disk_is_one_line_and_loses_nothing_stored(tmp_path: Path) -> None:
    path = tmp_path / "outpost.db"
    engine = connect(sqlite_url(path))
    engine.dispose()  # the next connections get a page cap: a real SQLITE_FULL

    @event.listens_for(engine, "connect")
    def cap(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 40}")

    rng = random.Random(5)
    stored = []
    with pytest.raises(StoreError, match=r"full \(SQLITE_FULL\)") as full:
        for i in range(500):
            words = " ".join(rng.choices([*SHORT, "border", "convoy", f"n{i}"], k=300))
            stored.append(save_draft(engine, draft(f"Story {i}: {words}")).uid)
    engine.dispose()
    assert one_line(str(full.value)) and str(path) in str(full.value)
    again = connect(sqlite_url(path))
    with again.connect() as conn:
        kept = conn.execute(select(articles.c.uid)).scalars().all()
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    again.dispose()
    assert stored and sorted(kept) == sorted(stored)


def test_a_read_only_postgresql_database_is_read_and_a_write_is_one_line() -> None:
    urls = _postgres_schema_url()
    url = next(urls)
    try:
        writable = connect(url)
        stored = save_draft(writable, draft("Border guards detained three smugglers."))
        writable.dispose()
        read_only = url + "%20-cdefault_transaction_read_only%3Don"  # as on a standby
        engine = connect(read_only)  # at head: nothing to write
        with engine.connect() as conn:
            assert [h.article.uid for h in search(conn, "smugglers")] == [stored.uid]
        with pytest.raises(StoreError, match="read-only") as refused:
            save_draft(engine, draft("A story that cannot be written."))
        engine.dispose()
        assert one_line(str(refused.value))
    finally:
        urls.close()


def test_an_empty_read_only_postgresql_database_cannot_be_migrated_and_says_so() -> None:
    urls = _postgres_schema_url()
    try:
        with pytest.raises(StoreError, match="read-only") as refused:
            connect(next(urls) + "%20-cdefault_transaction_read_only%3Don")
        assert one_line(str(refused.value))
    finally:
        urls.close()


def test_a_lost_connection_and_a_locked_file_are_described(tmp_path: Path) -> None:
    urls = _postgres_schema_url()
    engine = connect(next(urls))
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with create_engine(POSTGRES).connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(OperationalError) as lost:
            conn.exec_driver_sql("SELECT 1")
    engine.dispose()
    urls.close()
    reason = describe(lost.value)
    assert reason is not None and "ended the connection" in reason and one_line(reason)
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as locked:
        waiter.execute("INSERT INTO t VALUES (1)")
    holder.close()
    waiter.close()
    assert describe(locked.value) == "the database is locked by another writer (SQLITE_BUSY)"


def test_describe_says_what_a_database_condition_is_and_nothing_else() -> None:
    raw = create_engine("postgresql+psycopg://127.0.0.1:1/test")  # not through connect()
    with pytest.raises(OperationalError) as refused, raw.connect():
        pass
    raw.dispose()
    reason = describe(refused.value)
    assert reason is not None and "connection refused" in reason and one_line(reason)
    assert describe(OSError(errno.ENOSPC, "No space left on device")) == (
        "the disk is full (ENOSPC)"
    )
    assert describe(ValueError("not a database matter")) is None
    assert describe(KeyError("x")) is None
