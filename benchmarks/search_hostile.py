"""Search time of hostile queries (issue 11: many repeated short words once ran for minutes)
on generated articles, in a fresh SQLite file and a fresh PostgreSQL schema.

    .venv/bin/python benchmarks/search_hostile.py [--articles 100000] [--words 200]
        [--postgres URL] [--timeout 30]

Articles are made-up words (many sharing short prefixes) mixed with common short words,
inserted straight into the tables. Each query runs once through `outpost.store.search` on
an engine with the given statement time-out; a refused query shows its reason.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, insert, text

from outpost.config import sqlite_url
from outpost.store import StoreError, connect
from outpost.store.schema import articles, raw_items
from outpost.store.search import search

SHORT = ["a", "an", "the", "of", "to", "in", "on", "at", "by", "is"]
SYLLABLES = ["ka", "ro", "mi", "ta", "sun", "ber", "gor", "lin", "de", "vo", "ash", "ul"]
QUERIES = {
    "one word": "gorlin",
    "'a' x100": " ".join(["a"] * 100),
    "'a' x1000": " ".join(["a"] * 1000),
    "10 short words x30": " ".join(SHORT * 30),
    "12 three-letter prefixes": "kar rom mit tas sun ber gor lin ash ula dek vor",
    "13 different words": "kar rom mit tas sun ber gor lin ash ula dek vor tam",
}


def fill(engine: Engine, count: int, words: int) -> None:
    rng = random.Random(11)
    vocab = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(3000)})
    vocab += SHORT * 30
    with engine.begin() as conn:
        raw = {"hash": "0" * 64, "media_type": "text/plain", "size": 0, "content": b""}
        conn.execute(insert(raw_items).values(**raw))
        for start in range(0, count, 2000):
            rows = [
                _row(i, " ".join(rng.choices(vocab, k=words)))
                for i in range(start, min(count, start + 2000))
            ]
            conn.execute(insert(articles), rows)


def _row(i: int, body: str) -> dict[str, object]:
    return {
        "uid": f"{i:016x}",
        "source": "generated",
        "text": body,
        "fetched": datetime(2026, 1, 1),
        "raw_hash": "0" * 64,
        "text_hash": f"{i:064x}",
        "fingerprint": "",
        "locator": f"generated/{i}",
    }


def timings(url: str, args: argparse.Namespace) -> dict[str, str]:
    engine = connect(url, statement_timeout=args.timeout)
    start = time.perf_counter()
    fill(engine, args.articles, args.words)
    out = {"fill": f"{time.perf_counter() - start:.1f} s"}
    for name, query in QUERIES.items():
        start = time.perf_counter()
        try:
            with engine.connect() as conn:
                hits = len(search(conn, query))
            result = f"{hits} hits"
        except StoreError as exc:
            result = str(exc).split(": ", 1)[-1][:40]
        out[name] = f"{time.perf_counter() - start:.3f} s ({result})"
    engine.dispose()
    return out


@contextmanager
def postgres_schema(server: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{server}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=200)
    parser.add_argument("--postgres", default="postgresql+psycopg://127.0.0.1:5432/test")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        lite = timings(sqlite_url(Path(folder) / "bench.db"), args)
    with postgres_schema(args.postgres) as url:
        pg = timings(url, args)
    table = Table(title=f"search on {args.articles:,} articles of {args.words} words")
    for column in ("query", "SQLite", "PostgreSQL"):
        table.add_column(column)
    for name in lite:
        table.add_row(name, lite[name], pg[name])
    Console().print(table)


if __name__ == "__main__":
    main()
