"""The `outpost` command: thin wrappers over plain functions, output as Rich tables or JSON."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from outpost import __version__
from outpost.config import Settings, SettingsError, load_settings, sqlite_url
from outpost.ingest.errors import ItemError
from outpost.ingest.run import ingest
from outpost.ingest.values import parse_time
from outpost.records import Alert, Article, Stored, Summary
from outpost.store import connect
from outpost.store.articles import ArticleFilter, get_article, list_articles
from outpost.store.errors import describe
from outpost.store.failures import list_failures
from outpost.store.search import search
from outpost.store.stats import stats
from outpost.terminal import console, dumps, plain, shown

app = typer.Typer(
    help="Outpost: open early-warning and joint crisis-response platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # OUTPOST_DEBUG=1 must not print secrets in locals
)
out = console()
err = console(stderr=True)
SAMPLES = Path(__file__).with_name("samples")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def main() -> None:
    """The one boundary of the command: whatever goes wrong ends as one line on standard
    error and exit status 2 (1 stays "some items failed"); OUTPOST_DEBUG=1 shows the
    traceback instead."""
    try:
        app()
    except Exception as exc:
        if os.environ.get("OUTPOST_DEBUG"):
            raise
        if isinstance(exc, OSError) and exc.errno in LOST_OUTPUT:
            _drop_stdout()
        with contextlib.suppress(OSError):  # nowhere left to say it: the status still does
            sys.stderr.write(f"outpost: {plain(reason(exc))}\n")
        sys.exit(2)


# Errors of the output itself: what is still buffered would fail again as Python exits.
LOST_OUTPUT = {errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT}


def _drop_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def reason(exc: Exception) -> str:
    """One line that names what went wrong; an unexpected error says how to see more."""
    described = _store_reason(exc)
    if described:
        return described
    if isinstance(exc, SettingsError):
        return f"settings: {_first_line(exc)}"
    if isinstance(exc, SQLAlchemyError):
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        return f"database: {_first_line(cause)}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror.lower()}{where}"
    return (
        f"unexpected {type(exc).__name__}: {_first_line(exc)} "
        "(set OUTPOST_DEBUG=1 for the traceback)"
    )


def _store_reason(exc: Exception) -> str | None:
    """The store's own account of a database condition (StoreError, or one `describe`
    recognises: locked, read-only, full, refused...)."""
    line = describe(exc)
    return _first_line(line) if line else None


def _first_line(value: object) -> str:
    lines = [line.strip() for line in str(value).splitlines() if line.strip()]
    first = lines[0] if lines else "(no message)"
    return first if len(first) <= 300 else first[:299] + "…"


def _register_analysis() -> None:
    from outpost.analysis_cli import analyze_cli, eval_cli, events_cli

    app.command("analyze")(analyze_cli)
    app.command("events")(events_cli)
    app.command("eval")(eval_cli)


def _register_warning() -> None:
    from outpost.warn_cli import (
        alerts_cli,
        cluster_cli,
        indicators_cli,
        merge_cli,
        rules_check_cli,
        split_cli,
        stories_cli,
        story_cli,
        warn_cli,
        watch_cli,
    )

    app.command("cluster")(cluster_cli)
    app.command("stories")(stories_cli)
    app.command("story")(story_cli)
    app.command("story-merge")(merge_cli)
    app.command("story-split")(split_cli)
    app.command("indicators")(indicators_cli)
    app.command("rules-check")(rules_check_cli)
    app.command("warn")(warn_cli)
    app.command("alerts")(alerts_cli)
    app.command("watch")(watch_cli)


_register_analysis()
_register_warning()


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        err.print(f"outpost: [red]settings:[/] {shown(exc)}", soft_wrap=True)
        raise typer.Exit(2) from None


def _engine(settings: Settings | None = None) -> Engine:
    chosen = settings or _settings()
    return connect(chosen.database_url, statement_timeout=chosen.statement_timeout)


def _print_json(data: Any) -> None:
    typer.echo(dumps(data))


def _time(value: str | None, name: str) -> datetime | None:
    try:
        return parse_time(value) if value else None
    except ItemError:
        raise typer.BadParameter(
            f"not a date or time: {plain(repr(value))}", param_hint=name
        ) from None


@app.command("version")
def version() -> None:
    """Print Outpost's version."""
    typer.echo(__version__)


@app.command("ingest")
def ingest_cli(
    sources: Annotated[
        list[str] | None, typer.Argument(help="Files, folders or URLs of web pages.")
    ] = None,
    feed: Annotated[list[str] | None, typer.Option("--feed", help="An RSS/Atom feed URL.")] = None,
    source: Annotated[
        str | None, typer.Option(help="Source name for items that do not name one.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest files (txt, html, json, jsonl, Telegram exports), web pages and feeds.

    Exit status 1 when any item failed (see `outpost ingest-errors`).
    """
    if not sources and not feed:
        raise typer.BadParameter("give at least one file, folder, URL or --feed")
    settings = _settings()
    summary = _run_ingest(_engine(settings), settings, sources or [], feed or [], source)
    if as_json:
        _print_json(summary.as_dict())
    else:
        _print_summary(summary)
    raise typer.Exit(1 if summary.failed else 0)


class _Bar:
    """A Rich progress bar that counts outcomes as they come."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.summary = Summary()
        self.task = progress.add_task("ingesting", total=0, counts="")

    def expect(self, items: int) -> None:
        total = self.progress.tasks[self.task].total or 0
        self.progress.update(self.task, total=total + items)

    def advance(self, stored: Stored) -> None:
        self.summary.add(stored.outcome)
        s = self.summary
        counts = f"{s.new} new · {s.duplicate} dup · {s.near_duplicate} near · {s.failed} failed"
        self.progress.update(self.task, advance=1, counts=counts)


def _run_ingest(
    engine: Engine, settings: Settings, sources: list[str], feeds: list[str], source: str | None
) -> Summary:
    columns = (
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[counts]}"),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        return ingest(engine, settings, sources, feeds, source=source, tracker=_Bar(progress))


def _print_summary(summary: Summary) -> None:
    table = Table(title="Ingest summary", show_header=True)
    for name in ("new", "duplicate", "near duplicate", "failed"):
        table.add_column(name, justify="right")
    table.add_row(
        str(summary.new), str(summary.duplicate), str(summary.near_duplicate), str(summary.failed)
    )
    out.print(table)
    for failure in summary.failures[:20]:
        out.print(f"[red]failed[/] {shown(failure.locator)}: {shown(failure.reason)}")
    if len(summary.failures) > 20:
        out.print(f"… and {len(summary.failures) - 20} more: see `outpost ingest-errors`")


def article_dict(a: Article, *, text: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": a.uid,
        "external_id": a.external_id,
        "source": a.source,
        "title": a.title,
        "url": a.url,
        "lang": a.lang,
        "published": a.published.isoformat() if a.published else None,
        "fetched": a.fetched.isoformat(),
        "near_duplicate_of": a.near_duplicate_of,
        "similarity": a.similarity,
        "raw_hash": a.raw_hash,
        "fingerprint": a.fingerprint,
        "locator": a.locator,
    }
    if text:
        data["text"] = a.text
    return data


def _articles_table(items: list[Article], title: str) -> Table:
    table = Table(title=title)
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("ext. id", no_wrap=True)
    table.add_column("published", no_wrap=True)
    table.add_column("source", max_width=24, no_wrap=True, overflow="ellipsis")
    table.add_column("lang", no_wrap=True)
    table.add_column("title", ratio=1)
    for a in items:
        title_text = shown(a.title or a.text[:80])
        if a.near_duplicate_of:
            title_text += f" [dim](near duplicate of {shown(a.near_duplicate_of)})[/]"
        table.add_row(
            shown(a.uid),
            shown(a.external_id or ""),
            a.published.strftime("%Y-%m-%d %H:%M") if a.published else "",
            shown(a.source),
            shown(a.lang or ""),
            title_text,
        )
    return table


@app.command("articles")
def articles_cli(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    lang: Annotated[str | None, typer.Option(help="Only this language (ISO 639-1).")] = None,
    since: Annotated[str | None, typer.Option(help="Published at or after (ISO date).")] = None,
    until: Annotated[str | None, typer.Option(help="Published before (ISO date).")] = None,
    originals: Annotated[bool, typer.Option(help="Leave near duplicates out.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """List stored articles, newest first."""
    f = ArticleFilter(
        source=source,
        lang=lang,
        since=_time(since, "--since"),
        until=_time(until, "--until"),
        include_near_duplicates=not originals,
        limit=limit,
        offset=offset,
    )
    with _engine().connect() as conn:
        items = list_articles(conn, f)
    if as_json:
        _print_json([article_dict(a) for a in items])
    else:
        out.print(_articles_table(items, f"Articles ({len(items)} shown)"))


@app.command("article")
def article_cli(
    key: Annotated[str, typer.Argument(help="Article id (or a unique prefix), or external id.")],
    as_json: JsonOpt = False,
) -> None:
    """Show one article with its text."""
    with _engine().connect() as conn:
        article = get_article(conn, key)
    if article is None:
        err.print(f"[red]no article[/] with id or external id {shown(repr(key))}", soft_wrap=True)
        raise typer.Exit(1)
    if as_json:
        _print_json(article_dict(article))
        return
    _print_article(article, chars=None)


def _print_article(a: Article, chars: int | None = 600) -> None:
    when = a.published.strftime("%Y-%m-%d %H:%M UTC") if a.published else "date unknown"
    head = f"[bold]{shown(a.title or '(untitled)')}[/]\n[dim]{shown(a.source)} · {when} · "
    head += f"{shown(a.lang or '?')} · id {shown(a.uid)}"
    head += f" · {shown(a.external_id)}" if a.external_id else ""
    if a.url:
        head += f"\n{shown(a.url)}"
    if a.near_duplicate_of:
        head += f"\nnear duplicate of {shown(a.near_duplicate_of)} (similarity {a.similarity})"
    body = a.text if chars is None or len(a.text) <= chars else a.text[:chars].rstrip() + " …"
    out.print(Panel(f"{head}[/]\n\n{shown(body, lines=True)}", expand=True))


@app.command("search")
def search_cli(
    query: Annotated[str, typer.Argument(help="Words to find, in any language and inflection.")],
    limit: Annotated[int, typer.Option(min=1)] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Full-text search over titles and texts (Russian and English)."""
    with _engine().connect() as conn:
        hits = search(conn, query, limit)
    if as_json:
        _print_json([{**article_dict(h.article, text=False), "snippet": h.snippet} for h in hits])
        return
    table = Table(title=f"{len(hits)} articles match {shown(repr(query))}")
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("published", no_wrap=True)
    table.add_column("title / snippet")
    for h in hits:
        a = h.article
        table.add_row(
            shown(a.uid),
            a.published.strftime("%Y-%m-%d") if a.published else "",
            Text.assemble((plain(a.title or ""), "bold"), "\n", _snippet(h.snippet)),
        )
    out.print(table)


def _snippet(snippet: str) -> Text:
    """The snippet with the matched words (between « and ») in bold yellow. Built as Text,
    not markup: the article's own « and » (Russian quotes) must not open or close a style."""
    shown_snippet = Text()
    for i, part in enumerate(re.split(r"«([^«»]*)»", snippet)):
        shown_snippet.append(plain(part), "bold yellow" if i % 2 else "")
    return shown_snippet


@app.command("stats")
def stats_cli(as_json: JsonOpt = False) -> None:
    """Counts: articles (near duplicates included), failures, by source and language."""
    with _engine().connect() as conn:
        data = stats(conn)
    if as_json:
        _print_json(data)
        return
    table = Table(title="Outpost store", show_header=False)
    for key in ("articles", "near_duplicates", "originals", "failures", "feeds"):
        table.add_row(key.replace("_", " "), str(data[key]))
    first, last = data["published_first"] or "?", data["published_last"] or "?"
    table.add_row("published", f"{shown(first)} … {shown(last)}")
    for key in ("by_source", "by_lang"):
        parts = ", ".join(f"{shown(k)} {v}" for k, v in data[key].items())
        table.add_row(key.replace("_", " "), parts or "—")
    out.print(table)


@app.command("ingest-errors")
def ingest_errors_cli(
    limit: Annotated[int, typer.Option(min=1)] = 100, as_json: JsonOpt = False
) -> None:
    """Items that failed and have not been ingested since, with the reason."""
    with _engine().connect() as conn:
        failures = list_failures(conn, limit)
    if as_json:
        _print_json(
            [
                {
                    "locator": f.locator,
                    "reason": f.reason,
                    "first_seen": f.first_seen.isoformat(),
                    "last_seen": f.last_seen.isoformat(),
                    "attempts": f.attempts,
                }
                for f in failures
            ]
        )
        return
    table = Table(title=f"Ingest errors ({len(failures)})")
    table.add_column("where")
    table.add_column("reason")
    table.add_column("tries", justify="right")
    table.add_column("last", no_wrap=True)
    for f in failures:
        table.add_row(
            shown(f.locator),
            shown(f.reason),
            str(f.attempts),
            f.last_seen.strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)


def _demo_alerts(engine: Engine) -> list[Alert]:
    """The sample rules read against the sample articles (in-app only: no receivers)."""
    from outpost.store.alerts import list_alerts
    from outpost.store.times import now
    from outpost.warn.alerting import check_articles, check_spikes
    from outpost.warn_cli import read_rules

    rules = read_rules(SAMPLES / "rules.yaml")
    check_articles(engine, rules, now())
    check_spikes(engine, rules, now())
    with engine.connect() as conn:
        return list_alerts(conn, limit=None)


@app.command("demo")
def demo(as_json: JsonOpt = False) -> None:
    """Ingest the bundled sample articles into a fresh SQLite database and show what was stored."""
    settings = _settings()
    path = settings.data_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    settings = settings.with_database(sqlite_url(path))
    engine = _engine(settings)
    if not as_json:
        out.print(f"[bold]Outpost demo[/]: ingesting the sample articles into {shown(path)}")
    summary = _run_ingest(engine, settings, [str(SAMPLES)], [], None)
    from outpost.analysis_cli import analyze_store, events_table
    from outpost.store.facts import EventFilter, list_events
    from outpost.store.indicators import readings
    from outpost.store.stories import StoryFilter, list_stories
    from outpost.warn.delivery import payload
    from outpost.warn_cli import (
        alerts_table,
        cluster_with_progress,
        indicators_table,
        stories_table,
        story_dict,
    )

    analyze_store(engine)
    cluster_with_progress(engine)
    raised = _demo_alerts(engine)
    with engine.connect() as conn:
        items = list_articles(conn, ArticleFilter(limit=None))
        counts = stats(conn)
        found = list_events(conn, EventFilter(limit=None))
        grouped = list_stories(conn, StoryFilter(limit=None), with_articles=as_json)
        countries = readings(conn, "country")
    if as_json:
        _print_json(
            {
                "summary": summary.as_dict(),
                "articles": [article_dict(a) for a in items],
                "events": [asdict(e) for e in found],
                "stories": [story_dict(s) for s in grouped],
                "alerts": [payload(a) for a in raised],
                "indicators": [
                    {**asdict(r), "day": r.day.isoformat(), "spike": r.spike} for r in countries
                ],
            }
        )
        return
    _print_summary(summary)
    out.print(_articles_table(items, f"{counts['articles']} articles stored"))
    for article in items:
        _print_article(article)
    out.print(events_table(found))
    out.print(stories_table(grouped))
    out.print(indicators_table(countries[:8], "country", "articles"))
    out.print(alerts_table(raised))
    out.print(
        f"Explore it: [bold]OUTPOST_DATABASE_URL={shown(sqlite_url(path))} "
        "outpost search Afghanistan[/]"
    )
    raise typer.Exit(1 if summary.failed else 0)
