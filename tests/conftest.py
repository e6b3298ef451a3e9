"""Fixtures: real databases (a SQLite file, and a fresh schema in the real PostgreSQL server),
the shared data folder, and settings that allow fetching from loopback only."""

from __future__ import annotations

import ipaddress
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from outpost.config import FetchSettings, Settings, sqlite_url
from outpost.store import connect
from tests.webhook_receiver import Receiver, running

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"
POSTGRES = os.environ.get("OUTPOST_TEST_POSTGRES", "postgresql+psycopg://127.0.0.1:5432/test")
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))

# Cheap argon2id in tests, for this process and the CLI and servers it starts: each hash at
# the deployment default costs 0.3 s, and the tests make hundreds. What is tested is how
# hashes are used, not argon2's cost; test_passwords checks the default cost on its own.
for _key, _value in (("MEMORY_KIB", "256"), ("TIME_COST", "1"), ("LANES", "1")):
    os.environ.setdefault(f"OUTPOST_PASSWORD_{_key}", _value)


def _postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a new, empty schema; the schema is dropped afterwards.

    A missing server fails the test: PostgreSQL support is part of the product, never skipped.
    """
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # pragma: no cover - only when the server is missing
        pytest.fail(f"PostgreSQL at {POSTGRES} is required for these tests: {exc}")
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "outpost.db")
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = connect(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        fetch=FetchSettings(timeout=3.0, max_bytes=512 * 1024, allow_networks=LOOPBACK),
    )


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():  # pragma: no cover
        pytest.fail(f"the shared data folder is missing: {SHARED}")
    return SHARED


@pytest.fixture
def another_database_url(request: pytest.FixtureRequest, database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A second empty database of the same dialect as `database_url` (to compare two runs)."""
    if database_url.startswith("sqlite"):
        yield sqlite_url(tmp_path / "another.db")
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real webhook receiver on loopback (tests/webhook_receiver.py)."""
    with running() as state:
        yield state


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def lists_api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The API on the analysed, clustered samples of tests/lists_store.py, built once per
    dialect for every tests/test_api_*.py that reads it (analysing them takes minutes).
    Only read: a test that changes stories makes a store of its own."""
    from tests.lists_store import analysed_context  # the pipeline, imported when needed
    from tests.test_api_auth import running_api

    for ctx in analysed_context(request.param, tmp_path_factory.mktemp("api-lists")):
        yield from running_api(ctx.settings)
