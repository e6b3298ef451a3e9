"""Articles: ingest, list, show, search, count, and what failed to ingest."""

from __future__ import annotations

import re
from typing import Annotated

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

from outpost.cli.app import command
from outpost.cli.context import context
from outpost.cli.dates import moment
from outpost.cli.output import JsonOpt, err, out, print_json
from outpost.records import Article, Stored, Summary
from outpost.serialize import article_json, failure_json, summary_json
from outpost.services.articles import (
    get_article,
    ingest_errors,
    list_articles,
    search_articles,
    store_stats,
)
from outpost.services.context import Context
from outpost.services.ingest import ingest_sources
from outpost.store.articles import ArticleFilter
from outpost.terminal import plain, shown


@command("ingest")
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
    summary = ingest_with_progress(context(), sources or [], feed or [], source)
    if as_json:
        print_json(summary_json(summary))
    else:
        print_summary(summary)
    raise typer.Exit(1 if summary.failed else 0)


class IngestBar:
    """A Rich progress bar that counts outcomes as they come (services.ingest.Tracker)."""

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


def ingest_with_progress(
    ctx: Context, sources: list[str], feeds: list[str], source: str | None
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
        return ingest_sources(ctx, sources, feeds, source=source, tracker=IngestBar(progress))


def print_summary(summary: Summary) -> None:
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


def articles_table(items: list[Article], title: str) -> Table:
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


@command("articles")
def articles_cli(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    lang: Annotated[str | None, typer.Option(help="Only this language (ISO 639-1).")] = None,
    since: Annotated[
        str | None, typer.Option(help="Published at or after (ISO date or time; UTC unless given).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Published before (ISO date or time; UTC unless given).")
    ] = None,
    originals: Annotated[bool, typer.Option(help="Leave near duplicates out.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """List stored articles, newest first."""
    f = ArticleFilter(
        source=source,
        lang=lang,
        since=moment(since, "--since"),
        until=moment(until, "--until"),
        include_near_duplicates=not originals,
        limit=limit,
        offset=offset,
    )
    items = list_articles(context(), f)
    if as_json:
        print_json([article_json(a) for a in items])
    else:
        out.print(articles_table(items, f"Articles ({len(items)} shown)"))


@command("article")
def article_cli(
    key: Annotated[str, typer.Argument(help="Article id (or a unique prefix), or external id.")],
    as_json: JsonOpt = False,
) -> None:
    """Show one article with its text."""
    article = get_article(context(), key)
    if article is None:
        err.print(f"[red]no article[/] with id or external id {shown(repr(key))}", soft_wrap=True)
        raise typer.Exit(1)
    if as_json:
        print_json(article_json(article))
        return
    print_article(article, chars=None)


def print_article(a: Article, chars: int | None = 600) -> None:
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


@command("search")
def search_cli(
    query: Annotated[str, typer.Argument(help="Words to find, in any language and inflection.")],
    limit: Annotated[int, typer.Option(min=1)] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Full-text search over titles and texts (Russian and English)."""
    hits = search_articles(context(), query, limit)
    if as_json:
        print_json([{**article_json(h.article, text=False), "snippet": h.snippet} for h in hits])
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


@command("stats")
def stats_cli(as_json: JsonOpt = False) -> None:
    """Counts: articles (near duplicates included), failures, by source and language."""
    data = store_stats(context())
    if as_json:
        print_json(data)
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


@command("ingest-errors")
def ingest_errors_cli(
    limit: Annotated[int, typer.Option(min=1)] = 100, as_json: JsonOpt = False
) -> None:
    """Items that failed and have not been ingested since, with the reason."""
    failures = ingest_errors(context(), limit)
    if as_json:
        print_json([failure_json(f) for f in failures])
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
