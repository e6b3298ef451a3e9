"""Time of the workspace's lists on a big store (made by benchmarks/workspace_data.py):
each list's first page and a page deep in it, with no filter, with each filter alone, and
with three together; p50 and p95 over repeated runs, by one client or many at once.

    .venv/bin/python benchmarks/workspace_lists.py --database URL [--runs 20] [--clients 1]

The deep page starts from a cursor in the middle of the list (its sort value and id, read
once before timing): with keyset pages it should cost what the first page does. Every call
goes through the services, as the API's and the pages' will, on one engine shared by the
clients (its pool holds 15 connections: more clients wait for one, as a server's would).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import desc, func, select

from outpost.config import load_settings
from outpost.services.actors import find_actors, get_actor
from outpost.services.articles import article_facts, find_articles
from outpost.services.context import Context, operator
from outpost.services.events import find_events, get_event
from outpost.services.paging import Filters, Window, encode_cursor
from outpost.services.places import event_map, find_places
from outpost.services.stories import find_stories, story_timeline
from outpost.store import connect
from outpost.store.schema import ARTICLE_TIME, articles, events, stories
from outpost.store.times import aware


@dataclass(frozen=True)
class Listing:
    name: str
    find: Callable[[Context, Filters, Window], Any]
    sort: str
    middle: Callable[[Context], str]  # a cursor in the middle of the whole list


def _middle(ctx: Context, sort: str, value: Any, ident: Any, table: Any) -> str:
    with ctx.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(table)).scalar_one()
        row = conn.execute(
            select(value, ident).order_by(desc(value), desc(ident)).offset(total // 2).limit(1)
        ).one()
    found = row[0].isoformat() if isinstance(row[0], datetime) else row[0]
    return encode_cursor(sort, found, row[1])


LISTS = [
    Listing(
        "events",
        find_events,
        "-published",
        lambda ctx: _middle(ctx, "-published", events.c.published, events.c.id, events),
    ),
    Listing(
        "articles",
        find_articles,
        "-published",
        lambda ctx: _middle(ctx, "-published", ARTICLE_TIME, articles.c.id, articles),
    ),
    Listing(
        "stories",
        find_stories,
        "-last_seen",
        lambda ctx: _middle(ctx, "-last_seen", stories.c.last_seen, stories.c.id, stories),
    ),
]


def filter_sets(ctx: Context) -> dict[str, Filters]:
    """No filter, each filter alone (with a value common in the data), and three at once."""
    with ctx.engine.connect() as conn:
        latest = conn.execute(select(func.max(events.c.published))).scalar_one()
    since = aware(latest) - timedelta(days=90)
    return {
        "none": Filters(),
        "since 90 days": Filters(since=since),
        "country": Filters(country="AF"),
        "admin1": Filters(admin1="TJ-DU"),
        "bbox (Tajikistan)": Filters(bbox=(67.3, 36.6, 75.2, 41.1)),
        "domain": Filters(domain="drug_trafficking"),
        "event_type": Filters(event_type="MEETING"),
        "actor": Filters(actor="person:putin"),
        "lang": Filters(lang="ru"),
        "source": Filters(source="Voice of America (voanews.com)"),
        "q": Filters(q="border"),
        "3: since, country, domain": Filters(since=since, country="AF", domain="terrorism"),
    }


def timed(call: Callable[[], Any], runs: int, clients: int) -> tuple[list[float], Any]:
    """Seconds of each call, `runs` calls by each of `clients` threads started together."""
    result: list[Any] = []
    times: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client() -> None:
        barrier.wait()
        for _ in range(runs):
            started = time.perf_counter()
            found = call()
            spent = time.perf_counter() - started
            with lock:
                times.append(spent)
                result[:] = [found]

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, result[0]


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) > 1 else times[0]


def measure(
    ctx: Context, listing: Listing, filters: Filters, middle: str, args: argparse.Namespace
) -> list[str]:
    """The total, and p50 and p95 of the first page and of the deep one, in ms."""
    row: list[str] = []
    for cursor in (None, middle):
        window = Window(listing.sort, cursor, args.limit)
        call = partial(listing.find, ctx, filters, window)
        times, page = timed(call, args.runs, args.clients)
        row = row or [f"{page.total:,}"]
        row += [f"{statistics.median(times) * 1000:.0f}", f"{p95(times) * 1000:.0f}"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--runs", type=int, default=20, help="calls per client and case")
    parser.add_argument("--clients", type=int, default=1, help="threads calling at once")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--only", help="one list: events, articles or stories")
    args = parser.parse_args()
    engine = connect(args.database, statement_timeout=120)
    ctx = Context(engine, load_settings().with_database(args.database), operator())
    table = Table(
        title=f"workspace lists on {engine.dialect.name}, {args.clients} client(s), "
        f"{args.runs} runs each, {args.limit} items a page (ms)"
    )
    for column in ("list", "filters", "total", "first p50", "first p95", "deep p50", "deep p95"):
        table.add_column(column, justify="right" if column not in ("list", "filters") else "left")
    cases = filter_sets(ctx)
    for listing in LISTS:
        if args.only and listing.name != args.only:
            continue
        middle = listing.middle(ctx)
        for name, filters in cases.items():
            row = [listing.name, name, *measure(ctx, listing, filters, middle, args)]
            table.add_row(*row)
            print(" | ".join(row), flush=True)
    Console().print(table)
    if not args.only:
        Console().print(others(ctx, args))
    engine.dispose()


def others(ctx: Context, args: argparse.Namespace) -> Table:
    """The other lists (places, actors, the map) and the pages of one item."""
    since = filter_sets(ctx)["since 90 days"]
    with ctx.engine.connect() as conn:
        event_id = conn.execute(select(func.max(events.c.id))).scalar_one()
        uid = conn.execute(select(articles.c.uid).order_by(articles.c.id.desc())).scalar()
        story = conn.execute(select(stories.c.id).order_by(stories.c.article_count.desc())).scalar()
    calls: dict[str, Callable[[], Any]] = {
        "places, first page": lambda: find_places(ctx, Filters(), Window(limit=args.limit)),
        "places, since 90 days": lambda: find_places(ctx, since, Window(limit=args.limit)),
        "places, country": lambda: find_places(ctx, Filters(country="AF"), Window()),
        "places, by name": lambda: find_places(ctx, Filters(q="ka"), Window("name")),
        "map, world, 2000 cells": lambda: event_map(ctx, Filters(), 2000),
        "map, since 90 days": lambda: event_map(ctx, since, 2000),
        "map, Tajikistan": lambda: event_map(ctx, Filters(bbox=(67.3, 36.6, 75.2, 41.1)), 2000),
        "actors, first page": lambda: find_actors(ctx, None, Window(limit=args.limit)),
        "actors, q=put": lambda: find_actors(ctx, "put", Window(limit=args.limit)),
        "actor page (Putin)": lambda: get_actor(ctx, "person:putin"),
        "event page": lambda: get_event(ctx, event_id),
        "article facts": lambda: article_facts(ctx, uid),
        "story timeline (largest)": lambda: story_timeline(ctx, story),
    }
    table = Table(title=f"other lists and pages, {args.clients} client(s) (ms)")
    for column in ("call", "p50", "p95"):
        table.add_column(column, justify="left" if column == "call" else "right")
    for name, call in calls.items():
        times, _ = timed(call, args.runs, args.clients)
        row = [name, f"{statistics.median(times) * 1000:.0f}", f"{p95(times) * 1000:.0f}"]
        table.add_row(*row)
        print(" | ".join(row), flush=True)
    return table


if __name__ == "__main__":
    main()
