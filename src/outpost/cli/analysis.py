"""`outpost analyze` and `outpost eval`: the pipeline over a file or the store, and its scores."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.table import Table

from outpost.analyze.facts import read_inputs
from outpost.analyze.pipeline import BATCH_SIZE
from outpost.cli.app import command
from outpost.cli.context import context
from outpost.cli.output import err, out, print_json
from outpost.cli.progress import Bar, bar
from outpost.records import Doc
from outpost.serialize import doc_json, error_json
from outpost.services.context import Context
from outpost.terminal import dumps, plain, shown


@command("analyze")
def analyze_cli(
    source: Annotated[
        str | None, typer.Argument(help="JSONL input file, or - for standard input.")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="Output format (jsonl).")] = "jsonl",
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per batch.")] = BATCH_SIZE,
    all_: Annotated[
        bool, typer.Option("--all", help="Analyse the stored articles not yet analysed.")
    ] = False,
    redo: Annotated[bool, typer.Option(help="With --all: analyse every article again.")] = False,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes to analyse in (they share the loaded models).")
    ] = 1,
) -> None:
    """Analyse articles.

    With a JSONL file (or - for standard input) of objects {"id", "text", "title"?,
    "published"?, "lang"?}: one JSON object of facts per input line, in order, on standard
    output; nothing is stored, and a line that cannot be read gives {"id", "error"}.

    With --all: the stored articles that this pipeline version has not analysed yet; their
    facts are stored, each article's at once, so a stopped run loses nothing done.
    """
    if format != "jsonl":
        raise typer.BadParameter("only jsonl is supported", param_hint="--format")
    if all_:
        analyze_stored(context(), batch_size, redo, workers)
        return
    if source is None:
        raise typer.BadParameter("give an input file, - for standard input, or --all")
    from outpost.analyze.pipeline import Pipeline

    stream: TextIO = sys.stdin if source == "-" else _open(source)
    pipeline = Pipeline.load(workers=workers)
    items = list(read_inputs(stream))
    docs = [item for item in items if isinstance(item, Doc)]
    with bar("analysing") as shown_bar:
        shown_bar.start(len(docs))
        analysed = iter(_counted(pipeline.pipe(docs, batch_size, workers), shown_bar))
        for item in items:
            result = doc_json(next(analysed)) if isinstance(item, Doc) else error_json(*item)
            sys.stdout.write(dumps(result, indent=None) + "\n")
    failed = sum(1 for item in items if not isinstance(item, Doc))
    raise typer.Exit(1 if failed else 0)


def analyze_stored(
    ctx: Context, batch_size: int = BATCH_SIZE, redo: bool = False, workers: int = 1
) -> None:
    from outpost.services.analysis import analyze_articles

    err.print("Analysing the stored articles (the models load first, if any is new)…")
    with bar("analysing") as shown_bar:
        done = analyze_articles(
            ctx, batch_size=batch_size, redo=redo, workers=workers, progress=shown_bar
        )
    if not done.articles:
        err.print("Every article is analysed by this pipeline version.")
        return
    err.print(
        f"Analysed {done.articles} articles ({done.failed} with a stage that failed; see notes)."
    )


def _open(path: str) -> TextIO:
    try:
        return Path(path).open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {plain(path)}: {exc.strerror}") from None


def _counted(docs: Iterator[Doc], progress: Bar) -> Iterator[Doc]:
    for doc in docs:
        progress.advance()
        yield doc


@command("eval")
def eval_cli(
    data: Annotated[
        Path | None,
        typer.Option(
            help="Folder of the dev sets (not distributed with Outpost); "
            "default: $OUTPOST_EVAL_DATA, else ../shared/data.",
            show_default=False,
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Only these tasks: case, factru, peyma, kaznerd, lgl, events, stories, "
            "ecbplus, semeval, semeval_mt, coverage."
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many items each.")] = None,
    check: Annotated[bool, typer.Option(help="Exit 1 when a metric is under its floor.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score the pipeline on the labelled dev sets; one table."""
    from outpost.evaluate.run import MissingDataError, below_floor, floors, run

    try:
        results = run(data, tuple(only or ()), limit)
    except MissingDataError as exc:
        err.print(f"outpost: [red]eval:[/] {shown(exc)}", soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        print_json({r.task.name: r.metrics for r in results})
    else:
        pinned = floors()
        table = Table(title="outpost eval")
        for column in ("task", "metric", "value", "floor"):
            table.add_column(column)
        for r in results:
            for metric in r.task.shown:
                floor = pinned.get(r.task.name, {}).get(metric)
                value = r.metrics.get(metric)
                table.add_row(
                    r.task.title,
                    metric,
                    f"{value:.3f}" if value is not None else "—",
                    f"{floor:.3f}" if floor is not None else "",
                )
            seconds = r.metrics.get("seconds")
            if seconds is not None:
                table.add_row(r.task.title, "seconds", f"{seconds:.1f}", "")
        out.print(table)
    failures = below_floor(results) if check else []
    for line in failures:
        err.print(f"[red]below floor[/] {shown(line)}")
    raise typer.Exit(1 if failures else 0)
