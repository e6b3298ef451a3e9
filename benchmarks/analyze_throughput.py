"""Throughput of the whole analysis pipeline on this machine: articles per second, time per
stage, peak memory, on the VOA stories (English) and the factRuEval texts (Russian).

    .venv/bin/python benchmarks/analyze_throughput.py [--workers 2] [--batch-size 32]

Models load before timing (a service loads them once). With --workers N the articles are
split between N processes, each with its own pipeline, as `outpost analyze --all` does.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

from outpost.pipeline import Pipeline
from outpost.records import Doc

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def voa() -> list[Doc]:
    lines = (DATA / "voa" / "voa_stories.jsonl").read_text(encoding="utf-8").splitlines()
    return [Doc(id=o["id"], text=o["text"], title=o["title"]) for o in map(json.loads, lines)]


def factru() -> list[Doc]:
    paths = sorted((DATA / "factru" / "dev").glob("book_*.txt"))
    return [Doc(id=p.stem, text=p.read_text(encoding="utf-8")) for p in paths]


_pipeline: Pipeline | None = None


def _load() -> None:
    global _pipeline
    warnings.simplefilter("ignore")
    import torch

    torch.set_num_threads(1)  # one core per worker: more threads only fight each other
    _pipeline = Pipeline.load()
    list(_pipeline.pipe([Doc(id="warm", text="Warm-up: Putin met Tokayev in Dushanbe.")]))
    _pipeline.seconds = dict.fromkeys(_pipeline.seconds, 0.0)


def _work(docs: list[Doc], batch_size: int) -> tuple[int, dict[str, float], float]:
    assert _pipeline is not None
    n = sum(1 for _ in _pipeline.pipe(docs, batch_size=batch_size))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return n, dict(_pipeline.seconds), peak


def measure(name: str, docs: list[Doc], workers: int, batch_size: int) -> dict[str, object]:
    chunks = [docs[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers, initializer=_load) as pool:
        list(pool.map(time.sleep, [0.0] * workers))  # wait until every worker has loaded
        started = time.perf_counter()
        results = list(pool.map(_work, chunks, [batch_size] * workers))
        elapsed = time.perf_counter() - started
    stages: dict[str, float] = {}
    for _, seconds, _ in results:
        for stage, s in seconds.items():
            stages[stage] = stages.get(stage, 0.0) + s
    return {
        "set": name,
        "articles": sum(r[0] for r in results),
        "chars": sum(len(d.text) for d in docs),
        "seconds": elapsed,
        "stages": stages,
        "peak_mb": max(r[2] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    rows = [
        measure("VOA (en)", voa(), args.workers, args.batch_size),
        measure("factRuEval (ru)", factru(), args.workers, args.batch_size),
    ]
    console = Console()
    table = Table(title=f"Analysis throughput ({args.workers} worker processes)")
    for column in ("set", "articles", "avg chars", "seconds", "articles/s", "peak MB/worker"):
        table.add_column(column, justify="right")
    for r in rows:
        n, secs = int(str(r["articles"])), float(str(r["seconds"]))
        table.add_row(
            str(r["set"]),
            str(n),
            f"{int(str(r['chars'])) // n}",
            f"{secs:.1f}",
            f"{n / secs:.1f}",
            f"{float(str(r['peak_mb'])):.0f}",
        )
    console.print(table)
    stages = Table(title="Time per stage (CPU seconds summed over workers, ms per article)")
    stages.add_column("stage")
    for r in rows:
        stages.add_column(str(r["set"]), justify="right")
    names = list(rows[0]["stages"])  # type: ignore[call-overload]
    for stage in names:
        cells = [
            f"{1000 * r['stages'][stage] / int(str(r['articles'])):.1f}"  # type: ignore[index]
            for r in rows
        ]
        stages.add_row(stage, *cells)
    console.print(stages)


if __name__ == "__main__":
    main()
