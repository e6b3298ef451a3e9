"""Whole ingest runs on both databases: the examples, idempotence, and a run killed with
SIGKILL half-way then started again, which must end exactly as a clean run does."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from outpost.config import Settings
from outpost.services.ingest import ingest
from outpost.store import connect
from outpost.store.failures import list_failures
from outpost.store.schema import article_bands, articles, raw_items
from tests.conftest import EXAMPLES
from tests.corpus import write_corpus

ARTICLE = (
    "Defence ministers of the six member states agreed in Dushanbe on a plan of joint exercises "
    "near the southern border for the autumn, officials said on Thursday."
)
OTHER = (
    "Aid agencies counted several thousand families waiting at the crossing point in the "
    "Badakhshan mountains as food and fuel ran short before winter."
)


def snapshot(engine: Engine) -> set[tuple[object, ...]]:
    """Everything that identifies the stored articles and how they relate."""
    c = articles.c
    columns = (c.uid, c.external_id, c.text_hash, c.url, c.near_duplicate_of, c.source, c.lang)
    with engine.connect() as conn:
        rows = {tuple(r) for r in conn.execute(select(*columns))}
        bands = conn.execute(select(func.count()).select_from(article_bands)).scalar_one()
        raws = conn.execute(select(func.count()).select_from(raw_items)).scalar_one()
        failures = {(f.locator, f.reason) for f in list_failures(conn)}
    return rows | {("bands", bands), ("raw", raws), ("failures", frozenset(failures))}


def test_examples_ingest_then_idempotent(engine: Engine, settings: Settings) -> None:
    first = ingest(engine, settings, [str(EXAMPLES)])
    before = snapshot(engine)
    second = ingest(engine, settings, [str(EXAMPLES)])
    assert (first.new, first.failed) == (8, 0)
    assert (second.new, second.near_duplicate, second.duplicate, second.failed) == (0, 0, 8, 0)
    assert snapshot(engine) == before


def test_corpus_counts_and_second_run_stores_nothing(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    corpus = write_corpus(tmp_path / "corpus.jsonl", articles=200)
    first = ingest(engine, settings, [str(corpus)])
    before = snapshot(engine)
    second = ingest(engine, settings, [str(corpus)])
    assert first.new + first.near_duplicate >= 200 and first.duplicate >= 20
    assert first.near_duplicate >= 20 and first.failed == 4
    assert (second.new, second.near_duplicate) == (0, 0)
    assert second.duplicate == first.new + first.near_duplicate + first.duplicate
    assert snapshot(engine) == before


def _run(database_url: str, data_dir: Path, corpus: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "outpost", "ingest", str(corpus)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(articles)).scalar_one())


@pytest.mark.slow
def test_sigkill_half_way_then_rerun_equals_clean_run(
    database_url: str, another_database_url: str, tmp_path: Path
) -> None:
    corpus = write_corpus(tmp_path / "corpus.jsonl", articles=900)
    engine = connect(database_url)
    process = _run(database_url, tmp_path / "d1", corpus)
    deadline = time.monotonic() + 120
    while _count(engine) < 150 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL, "the run ended before it could be killed"
    killed_at = _count(engine)
    assert 0 < killed_at < 900

    assert _run(database_url, tmp_path / "d1", corpus).wait(300) == 1  # 1: the broken lines
    clean = connect(another_database_url)
    assert _run(another_database_url, tmp_path / "d2", corpus).wait(300) == 1
    resumed, expected = snapshot(engine), snapshot(clean)
    engine.dispose()
    clean.dispose()
    assert resumed == expected
    assert len([r for r in expected if isinstance(r[0], str) and len(r) == 7]) > 900


def test_item_the_database_refuses_fails_alone_and_the_run_goes_on(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    # 2,000 random CJK characters are 6,000 bytes that do not compress, over what a PostgreSQL
    # unique index holds: the insert raised out of the run, which ended, and every later line
    # was lost. SQLite stores it.
    chars = random.Random(11)
    long_id = "".join(chr(chars.randrange(0x4E00, 0x9FFF)) for _ in range(2000))
    lines = [
        {"id": long_id, "source": "Wire", "text": ARTICLE},
        {"id": "second", "source": "Wire", "text": OTHER},
    ]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")

    summary = ingest(engine, settings, [str(path)])

    with engine.connect() as conn:
        ids = set(conn.execute(select(articles.c.external_id)).scalars())
        errors = list_failures(conn)
    if engine.dialect.name == "postgresql":
        assert (summary.new, summary.failed, ids) == (1, 1, {"second"})
        [failure] = summary.failures
        assert failure.locator == f"{path}#line=1"
        assert failure.reason.startswith("not stored: ")
        assert "\n" not in failure.reason and len(failure.reason) <= 500
        assert [(e.locator, e.reason) for e in errors] == [(failure.locator, failure.reason)]
    else:
        assert (summary.new, summary.failed, ids) == (2, 0, {"second", lines[0]["id"]})
