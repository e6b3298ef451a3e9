"""`outpost demo` and `outpost version`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from outpost import __version__
from outpost.cli.alerts import alerts_table
from outpost.cli.analysis import analyze_stored
from outpost.cli.app import command
from outpost.cli.articles import articles_table, ingest_with_progress, print_article, print_summary
from outpost.cli.context import context, settings
from outpost.cli.events import events_table
from outpost.cli.indicators import indicators_table
from outpost.cli.output import JsonOpt, out, print_json
from outpost.cli.plans import plan_json
from outpost.cli.serve import serve
from outpost.cli.stories import cluster_with_progress, stories_table
from outpost.config import sqlite_url
from outpost.records import Organisation
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
from outpost.services.demo_people import Seeded, seed_demo_people
from outpost.services.demo_plans import seed_demo_plan
from outpost.services.events import read_events
from outpost.services.indicators import read_indicators
from outpost.services.rules import checked_rules
from outpost.services.stories import list_stories
from outpost.services.tokens import create_api_token
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
def demo(
    as_json: JsonOpt = False,
    serve_it: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the dashboard after loading.")
    ] = True,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8000,
) -> None:
    """Load the bundled sample articles into a fresh SQLite database (ingest, analyse,
    cluster, read against the sample rules), show what was stored, then serve the dashboard on
    127.0.0.1 with a new token to sign in with (Ctrl-C stops it). --no-serve only loads."""
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
    orgs, seeded = seed_demo_people(ctx)
    seed_plan = seed_demo_plan(ctx)
    if as_json:
        print_json(
            {
                "summary": summary_json(summary),
                "articles": [article_json(a) for a in items],
                "events": [event_json(e) for e in found],
                "stories": [story_json(s) for s in grouped],
                "alerts": [alert_json(a) for a in raised],
                "indicators": [reading_json(r) for r in countries],
                "people": [_person_json(s) for s in seeded],
                "plans": [plan_json(seed_plan)],
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
    out.print(people_table(orgs, seeded))
    out.print(
        f"Seed plan [bold]{shown(seed_plan.plan.title)}[/] ({shown(seed_plan.plan.id)}, "
        f"{seed_plan.sharing.marking}), due {seed_plan.plan.due}: "
        f"{len(seed_plan.plan.measures)} measures for {', '.join(seed_plan.sharing.orgs)}",
        soft_wrap=True,
    )
    out.print(
        f"Explore it: [bold]OUTPOST_DATABASE_URL={shown(sqlite_url(path))} "
        "outpost search Afghanistan[/]"
    )
    if summary.failed:
        raise typer.Exit(1)
    if serve_it:
        _, secret = create_api_token(ctx, "demo")
        ctx.engine.dispose()
        serve(ctx.settings, "127.0.0.1", port, watch=False, token=secret)


def people_table(orgs: list[Organisation], seeded: list[Seeded]) -> Table:
    """The demo's users with the passwords made now: shown this once, kept only as hashes."""
    names = {o.code: o.name for o in orgs}
    table = Table(
        title="The demo's people: sign in at /signin (passwords shown once, never stored)",
        title_justify="left",
    )
    for column in ("username", "organisation", "role", "password"):
        table.add_column(column, no_wrap=column in ("username", "password"))
    for s in seeded:
        org = f"{shown(s.user.org)} ({shown(names.get(s.user.org, ''))})"
        password = s.password if s.password is not None else "(existed already: unchanged)"
        table.add_row(shown(s.user.username), org, s.user.role, password)
    return table


def _person_json(s: Seeded) -> dict[str, object]:
    u = s.user
    return {"username": u.username, "org": u.org, "role": u.role, "password": s.password}
