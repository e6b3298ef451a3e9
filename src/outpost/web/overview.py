"""The overview's content, read through the services: what changed since the last visit, the
events on the map, the indicator charts and the top stories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from outpost.records import Alert, Reading, Story
from outpost.services.alerts import list_alerts
from outpost.services.context import Context
from outpost.services.events import read_events
from outpost.services.indicators import read_indicators
from outpost.services.stories import list_stories
from outpost.store.facts import EventFilter
from outpost.store.stories import StoryFilter
from outpost.web.charts import charts_json
from outpost.web.mapdata import cells, located

PERIODS = (7, 30, 90, 365)  # days the map may show
DEFAULT_PERIOD = 30
MAP_EVENTS = 20_000  # events read for the map at most (services.places will sum in SQL)
CHARTS_PER_KIND = 6
RECENT_ALERTS = 200  # alerts looked at for "new since your last visit"
RECENT_STORIES = 200  # stories looked at for it, and for the top stories
LISTED = 8  # items of each list in "what changed"


@dataclass(frozen=True)
class Changes:
    since: datetime | None  # None: the first visit
    alerts: list[Alert]
    new_stories: list[Story]
    growing_stories: list[Story]
    spikes: list[Reading]


def latest_day(ctx: Context) -> date | None:
    """The latest day counted: the overview shows the store's recent past, not the clock's
    (an archive of last year's articles still has a picture)."""
    found = read_indicators(ctx, "country") or read_indicators(ctx, "domain")
    return found[0].day if found else None


def period(days: int | None) -> int:
    return days if days in PERIODS else DEFAULT_PERIOD


def changes(ctx: Context, since: datetime | None) -> Changes:
    alerts = list_alerts(ctx, limit=RECENT_ALERTS)
    if since is None:
        fresh = [a for a in alerts if a.state == "new"]
        stories = list_stories(ctx, StoryFilter(limit=LISTED))
        new, growing = stories, []
    else:
        fresh = [a for a in alerts if a.created > since]
        stories = list_stories(ctx, StoryFilter(since=since, limit=RECENT_STORIES))
        new = [s for s in stories if s.first_seen >= since]
        growing = [s for s in stories if s.first_seen < since]
    spikes = [r for kind in ("country", "domain") for r in read_indicators(ctx, kind) if r.spike]
    return Changes(since, fresh[:LISTED], new[:LISTED], growing[:LISTED], spikes)


def top_stories(ctx: Context, limit: int = LISTED) -> list[Story]:
    """Stories of the recent past told in most languages, then by most articles."""
    found = list_stories(ctx, StoryFilter(limit=RECENT_STORIES))
    found.sort(key=lambda s: (-len(s.languages), -s.article_count, -s.last_seen.timestamp()))
    return found[:limit]


def map_json(ctx: Context, days: int, domain_names: dict[str, str]) -> dict[str, Any]:
    last = latest_day(ctx) or datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    rows = read_events(
        ctx, EventFilter(since=first, until=last + timedelta(days=1), limit=MAP_EVENTS)
    )
    found = located(rows)
    shown, degrees = cells(found)
    return {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "events": len(rows),
        "located": len(found),
        "truncated": len(rows) >= MAP_EVENTS,
        "cell_degrees": degrees,
        "cells": shown,
        "domains": domain_names,
    }


def chart_readings(ctx: Context, limit: int = CHARTS_PER_KIND) -> list[tuple[str, list[Reading]]]:
    """The most unusual series of each kind charted: (kind, readings)."""
    return [(kind, read_indicators(ctx, kind)[:limit]) for kind in ("country", "domain")]


def indicator_charts(
    ctx: Context, country_name: Callable[[str], str], domain_name: Callable[[str], str]
) -> dict[str, Any]:
    groups = chart_readings(ctx)

    def name(kind: str, key: str) -> str:
        return country_name(key) if kind == "country" else domain_name(key)

    return charts_json(groups, name)
