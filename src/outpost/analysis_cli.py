"""`outpost analyze` and `outpost eval`: thin wrappers over the pipeline and the evaluations."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from outpost.analyze.facts import doc_json, error_json, read_inputs
from outpost.pipeline import BATCH_SIZE
from outpost.records import Article, Doc
from outpost.store.facts import EventRow
from outpost.terminal import console, dumps, plain, shown

if TYPE_CHECKING:
    from outpost.pipeline import Pipeline

err = console(stderr=True)


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
        _analyze_store(batch_size, redo, workers)
        return
    if source is None:
        raise typer.BadParameter("give an input file, - for standard input, or --all")
    from outpost.pipeline import Pipeline

    stream: TextIO = sys.stdin if source == "-" else _open(source)
    pipeline = Pipeline.load(workers=workers)
    items = list(read_inputs(stream))
    docs = [item for item in items if isinstance(item, Doc)]
    with _Progress(len(docs)) as advance:
        analysed = iter(_counted(pipeline.pipe(docs, batch_size, workers), advance))
        for item in items:
            result = doc_json(next(analysed)) if isinstance(item, Doc) else error_json(*item)
            sys.stdout.write(dumps(result, indent=None) + "\n")
    failed = sum(1 for item in items if not isinstance(item, Doc))
    raise typer.Exit(1 if failed else 0)


def _analyze_store(batch_size: int, redo: bool, workers: int) -> None:
    from outpost.cli import _engine

    analyze_store(_engine(), batch_size, redo, workers)


def analyze_store(
    engine: Engine,
    batch_size: int = BATCH_SIZE,
    redo: bool = False,
    workers: int = 1,
    pipeline: Pipeline | None = None,
    quiet: bool = False,
) -> int:
    """Analyse the stored articles this pipeline version has not analysed; how many were.
    A long-running caller passes its loaded `pipeline` (and `quiet`: no progress, no notes)."""
    from outpost.pipeline import VERSION
    from outpost.pipeline import Pipeline as Loaded
    from outpost.store.facts import save_analysis, stale_articles

    with engine.connect() as conn:
        todo = stale_articles(conn, VERSION, everything=redo)
    if not todo:
        if not quiet:
            err.print("Every article is analysed by this pipeline version.")
        return 0
    if pipeline is None:
        err.print("Loading the analysis models…")
        pipeline = Loaded.load(workers=workers)
    ids = {a.uid: article_id for article_id, a in todo}
    docs = (article_doc(a) for _, a in todo)
    failed = 0
    with _Progress(0 if quiet else len(todo)) as advance:
        for doc in pipeline.pipe(docs, batch_size, workers):
            save_analysis(engine, ids[doc.id], doc, VERSION)
            failed += any(": failed:" in note for note in doc.notes)
            advance()  # type: ignore[operator]
    if not quiet:
        err.print(f"Analysed {len(todo)} articles ({failed} with a stage that failed; see notes).")
    return len(todo)


def article_doc(article: Article) -> Doc:
    return Doc(
        id=article.uid,
        text=article.text,
        published=article.published,
        title=article.title,
        lang=article.lang,
    )


def _open(path: str) -> TextIO:
    try:
        return Path(path).open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {plain(path)}: {exc.strerror}") from None


def _counted(docs: Iterator[Doc], advance: object) -> Iterator[Doc]:
    for doc in docs:
        advance()  # type: ignore[operator]
        yield doc


class _Progress:
    """A Rich progress bar on standard error (standard output carries the JSON); none for a
    total of 0 (nothing to show, or a quiet caller)."""

    def __init__(self, total: int) -> None:
        columns = (
            TextColumn("analysing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        self.shown = total > 0
        self.progress = Progress(*columns, console=err, transient=True)
        self.task = self.progress.add_task("analysing", total=total)

    def __enter__(self) -> object:
        if self.shown:
            self.progress.start()
        return lambda: self.progress.advance(self.task)

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            self.progress.stop()


def events_cli(
    type: Annotated[
        str | None, typer.Option("--type", help="Event type, e.g. ARMED_CLASH.")
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="Threat domain, e.g. drug_trafficking.")
    ] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 country code.")] = None,
    actor: Annotated[str | None, typer.Option(help="KB id of an actor or target.")] = None,
    since: Annotated[str | None, typer.Option(help="Event date on or after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Event date before (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the events found in stored articles, newest first."""
    from outpost.cli import _engine, _print_json
    from outpost.store.facts import EventFilter, list_events

    f = EventFilter(
        type, domain, country, actor, _day(since, "--since"), _day(until, "--until"), limit
    )
    with _engine().connect() as conn:
        rows = list_events(conn, f)
    if as_json:
        _print_json([asdict(r) for r in rows])
        return
    console().print(events_table(rows))


def events_table(rows: list[EventRow]) -> Table:
    """Events, one row each: when, what, where, then who did it to whom, the threat domains
    and the sentence that proves it (wrapped, so it reads on a narrow terminal too)."""
    table = Table(title=f"{len(rows)} events")
    table.add_column("when", no_wrap=True)
    table.add_column("what / where", no_wrap=True)
    table.add_column("who → whom · domains · evidence", ratio=1)
    for r in rows:
        where = (r.place or {}).get("name", "") if r.place else ""
        when = shown(r.date or "")
        if r.deadline:
            when += f"\nby {shown(r.deadline)}"
        parties = f"{', '.join(r.actors) or '?'} → {', '.join(r.targets) or '?'}"
        domains = f" · {shown(', '.join(r.domains))}" if r.domains else ""
        table.add_row(
            when,
            f"{shown(r.type)} ({r.score:.2f})\n{shown(where)} {shown(r.country or '')}",
            f"[bold]{shown(parties)}[/]{domains}\n[dim]{shown(r.evidence[:200])}[/]",
        )
    return table


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value!r}", param_hint=name) from None


def eval_cli(
    data: Annotated[
        Path, typer.Option(help="Folder of the dev sets (the workspace's shared/data).")
    ] = Path("../shared/data"),
    only: Annotated[
        list[str] | None, typer.Option(help="Only these tasks: case, factru, lgl, events, stories.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many items each.")] = None,
    check: Annotated[bool, typer.Option(help="Exit 1 when a metric is under its floor.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score the pipeline on the labelled dev sets; one table."""
    from rich.table import Table

    from outpost.cli import _print_json
    from outpost.evaluate.run import below_floor, floors, run

    try:
        results = run(data, tuple(only or ()), limit)
    except FileNotFoundError as exc:
        raise typer.BadParameter(str(exc), param_hint="--data") from None
    if as_json:
        _print_json({r.task.name: r.metrics for r in results})
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
        console().print(table)
    failures = below_floor(results) if check else []
    for line in failures:
        err.print(f"[red]below floor[/] {shown(line)}")
    raise typer.Exit(1 if failures else 0)
