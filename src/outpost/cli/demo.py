"""`outpost demo` and `outpost version`."""

from __future__ import annotations

from pathlib import Path

import typer

from outpost import __version__
from outpost.cli.alerts import alerts_table
from outpost.cli.analysis import analyze_stored
from outpost.cli.app import command
from outpost.cli.articles import articles_table, ingest_with_progress, print_article, print_summary
from outpost.cli.context import context, settings
from outpost.cli.events import events_table
from outpost.cli.indicators import indicators_table
from outpost.cli.output import JsonOpt, out, print_json
from outpost.cli.stories import cluster_with_progress, stories_table
from outpost.config import sqlite_url
from outpost.serialize import (
    alert_json,
    article_json,
    event_json,
    reading_json,
    story_json,
    summary_json,
)
from outpost.services.alerts import check, list_alerts
from outpost.services.articles import list_articles, store_stats
from outpost.services.events import read_events
from outpost.services.indicators import read_indicators
from outpost.services.rules import checked_rules
from outpost.services.stories import list_stories
from outpost.store.articles import ArticleFilter
from outpost.store.facts import EventFilter
from outpost.store.stories import StoryFilter
from outpost.store.times import now
from outpost.terminal import shown

SAMPLES = Path(__file__).parent.parent / "samples"


@command("version")
def version() -> None:
    """Print Outpost's version."""
    typer.echo(__version__)


@command("demo")
def demo(as_json: JsonOpt = False) -> None:
    """Ingest the bundled sample articles into a fresh SQLite database and show what was stored."""
    chosen = settings()
    path = chosen.data_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    ctx = context(chosen.with_database(sqlite_url(path)))
    if not as_json:
        out.print(f"[bold]Outpost demo[/]: ingesting the sample articles into {shown(path)}")
    summary = ingest_with_progress(ctx, [str(SAMPLES)], [], None)
    analyze_stored(ctx)
    cluster_with_progress(ctx)
    # The sample rules read against the sample articles (in-app only: no receivers).
    check(ctx, checked_rules(SAMPLES / "rules.yaml"), now())
    raised = list_alerts(ctx, limit=None)
    items = list_articles(ctx, ArticleFilter(limit=None))
    counts = store_stats(ctx)
    found = read_events(ctx, EventFilter(limit=None))
    grouped = list_stories(ctx, StoryFilter(limit=None), with_articles=as_json)
    countries = read_indicators(ctx, "country")
    if as_json:
        print_json(
            {
                "summary": summary_json(summary),
                "articles": [article_json(a) for a in items],
                "events": [event_json(e) for e in found],
                "stories": [story_json(s) for s in grouped],
                "alerts": [alert_json(a) for a in raised],
                "indicators": [reading_json(r) for r in countries],
            }
        )
        return
    print_summary(summary)
    out.print(articles_table(items, f"{counts['articles']} articles stored"))
    for article in items:
        print_article(article)
    out.print(events_table(found))
    out.print(stories_table(grouped))
    out.print(indicators_table(countries[:8], "country", "articles"))
    out.print(alerts_table(raised))
    out.print(
        f"Explore it: [bold]OUTPOST_DATABASE_URL={shown(sqlite_url(path))} "
        "outpost search Afghanistan[/]"
    )
    raise typer.Exit(1 if summary.failed else 0)
