"""`outpost analyze` and `outpost eval`: thin wrappers over the pipeline and the evaluations."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from outpost.analyze.facts import doc_json, error_json, read_inputs
from outpost.records import Doc

err = Console(stderr=True)


def analyze_cli(
    source: Annotated[
        str | None, typer.Argument(help="JSONL input file, or - for standard input.")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="Output format (jsonl).")] = "jsonl",
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per batch.")] = 32,
) -> None:
    """Analyse articles: one JSON object of facts per input line, in order, on standard output.

    Input lines are objects {"id", "text", "title"?, "published"?, "lang"?}; nothing is
    stored. A line that cannot be read gives {"id", "error"} and the rest go on.
    """
    if format != "jsonl":
        raise typer.BadParameter("only jsonl is supported", param_hint="--format")
    if source is None:
        raise typer.BadParameter("give an input file or - for standard input")
    from outpost.pipeline import Pipeline

    stream: TextIO = sys.stdin if source == "-" else _open(source)
    pipeline = Pipeline.load()
    items = list(read_inputs(stream))
    docs = [item for item in items if isinstance(item, Doc)]
    with _progress(len(docs)) as advance:
        analysed = iter(_counted(pipeline.pipe(docs, batch_size=batch_size), advance))
        for item in items:
            result = doc_json(next(analysed)) if isinstance(item, Doc) else error_json(*item)
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    failed = sum(1 for item in items if not isinstance(item, Doc))
    raise typer.Exit(1 if failed else 0)


def _open(path: str) -> TextIO:
    try:
        return Path(path).open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}") from None


def _counted(docs: Iterator[Doc], advance: object) -> Iterator[Doc]:
    for doc in docs:
        advance()  # type: ignore[operator]
        yield doc


class _progress:
    """A Rich progress bar on standard error (standard output carries the JSON)."""

    def __init__(self, total: int) -> None:
        columns = (
            TextColumn("analysing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        self.progress = Progress(*columns, console=err, transient=True)
        self.task = self.progress.add_task("analysing", total=total)

    def __enter__(self) -> object:
        self.progress.start()
        return lambda: self.progress.advance(self.task)

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
