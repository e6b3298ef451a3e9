"""Throughput of the whole analysis pipeline on this machine: articles per second, time per
stage, peak memory, on the VOA stories (English) and the factRuEval texts (Russian).

    .venv/bin/python benchmarks/analyze_throughput.py [--workers 2] [--batch-size 16] [--repeat 1]
        [--skip STAGE]

Models load before timing (a service loads them once). With --workers N the batches are
analysed in N processes forked from the one that loaded the models, as `outpost analyze
--workers N` does. Peak memory is the summed proportional set size (PSS) of all of them, so
pages the workers share with their parent are counted once; it is sampled in a second pass, so
that sampling does not slow the timed one.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
import warnings
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from outpost.analyze.pipeline import BATCH_SIZE, DEFAULT, Pipeline
from outpost.records import Doc

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def voa() -> list[Doc]:
    lines = (DATA / "voa" / "voa_stories.jsonl").read_text(encoding="utf-8").splitlines()
    return [Doc(id=o["id"], text=o["text"], title=o["title"]) for o in map(json.loads, lines)]


def factru() -> list[Doc]:
    paths = sorted((DATA / "factru" / "dev").glob("book_*.txt"))
    return [Doc(id=p.stem, text=p.read_text(encoding="utf-8")) for p in paths]


def repeated(docs: list[Doc], times: int) -> list[Doc]:
    return [replace(d, id=f"{d.id}#{n}") for n in range(times) for d in docs]


def _pss_mb(pid: int) -> float:
    """Proportional set size: shared pages split between the processes that share them."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:  # the process has just ended
        return 0.0
    return next((int(x.split()[1]) / 1024 for x in lines if x.startswith("Pss:")), 0.0)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class MemorySampler(threading.Thread):
    """Peak of the summed PSS of this process and its workers, sampled every 50 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.05):
            total = sum(_pss_mb(pid) for pid in (me, *_children(me)))
            self.peak = max(self.peak, total)


def measure(
    pipeline: Pipeline, name: str, docs: list[Doc], workers: int, batch_size: int
) -> dict[str, object]:
    """Time one pass, then take peak memory from a second: reading /proc/PID/smaps_rollup of
    three processes of over 400 MB every 50 ms costs a fifth of a core, which would be
    charged to the pipeline if both were measured in the same pass."""
    pipeline.seconds = dict.fromkeys(pipeline.seconds, 0.0)
    started = time.perf_counter()
    n = sum(1 for _ in pipeline.pipe(docs, batch_size, workers))
    elapsed = time.perf_counter() - started
    stages = dict(pipeline.seconds)
    sampler = MemorySampler()
    sampler.start()
    sum(1 for _ in pipeline.pipe(docs, batch_size, workers))
    sampler.stop.set()
    sampler.join()
    return {
        "set": name,
        "articles": n,
        "chars": sum(len(d.text) for d in docs),
        "seconds": elapsed,
        "stages": stages,
        "peak_mb": sampler.peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="read each set this many times over, as a longer stream (the workers' start-up "
        "and first page copies are then spread over more articles, as in a long run)",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=DEFAULT,
        help="leave this stage out (repeatable): to compare with a commit that lacked it, "
        "such as the lead's vector, made by clustering before it moved into analysis",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    stages = [name for name in DEFAULT if name not in args.skip]
    pipeline = Pipeline.load(stages, workers=args.workers)  # once, as `outpost analyze` does
    list(pipeline.pipe([Doc(id="warm", text="Warm-up: Putin met Tokayev in Dushanbe.")]))
    rows = [
        measure(pipeline, "VOA (en)", repeated(voa(), args.repeat), args.workers, args.batch_size),
        measure(
            pipeline,
            "factRuEval (ru)",
            repeated(factru(), args.repeat),
            args.workers,
            args.batch_size,
        ),
    ]
    console = Console()
    title = f"Analysis throughput ({args.workers} workers; peak MB: all processes, PSS)"
    table = Table(title=title)
    for column in ("set", "articles", "avg chars", "seconds", "articles/s", "peak MB"):
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
