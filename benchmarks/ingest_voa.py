"""Ingest rate of the VOA stories (../shared/data/voa/voa_stories.jsonl) read as JSONL, into a
fresh SQLite file and a fresh PostgreSQL schema, through `outpost.services.ingest.ingest`.

    .venv/bin/python benchmarks/ingest_voa.py [--repeat 5] [--postgres URL]

Each repeat ingests the whole file into an empty database; the table gives the median.
Models (language identification) are loaded once before timing, as in a long-running service.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from outpost.analyze.language import guess_language
from outpost.config import load_settings, sqlite_url
from outpost.services.ingest import ingest
from outpost.store import connect

VOA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "voa" / "voa_stories.jsonl"


def run_once(url: str) -> tuple[float, int]:
    engine = connect(url)
    settings = load_settings().with_database(url)
    start = time.perf_counter()
    summary = ingest(engine, settings, [str(VOA)])
    elapsed = time.perf_counter() - start
    engine.dispose()
    if summary.failed:
        raise SystemExit(f"{summary.failed} items failed: {summary.failures[:3]}")
    return elapsed, summary.new + summary.near_duplicate


def sqlite_run(folder: Path, i: int) -> tuple[float, int]:
    return run_once(sqlite_url(folder / f"bench{i}.db"))


def postgres_run(server: str) -> tuple[float, int]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        return run_once(f"{server}?options=-csearch_path%3D{schema}")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default="postgresql+psycopg://127.0.0.1:5432/test")
    args = parser.parse_args()
    guess_language("warm up the language model before timing")
    table = Table(title=f"Ingest of {VOA.name} (median of {args.repeat} runs, fresh database each)")
    for column in ("database", "articles", "seconds", "articles/s", "min s", "max s"):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        runs = {
            "SQLite": [sqlite_run(Path(tmp), i) for i in range(args.repeat)],
            "PostgreSQL": [postgres_run(args.postgres) for _ in range(args.repeat)],
        }
    for name, results in runs.items():
        seconds = [s for s, _ in results]
        median = statistics.median(seconds)
        count = results[0][1]
        table.add_row(
            name,
            str(count),
            f"{median:.3f}",
            f"{count / median:.1f}",
            f"{min(seconds):.3f}",
            f"{max(seconds):.3f}",
        )
    Console().print(table)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Console().print(f"peak memory (max RSS of this process): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
