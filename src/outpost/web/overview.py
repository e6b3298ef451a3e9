"""The overview's content, read through the services: what changed since the last visit, the
events on the map, the indicator charts and the top stories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from outpost.records import Alert, Reading, Story
from outpost.services.alerts import list_alerts
from outpost.services.context import Context
from outpost.services.indicators import read_indicators
from outpost.services.kept import kept
from outpost.services.paging import Filters
from outpost.services.places import placed_events
from outpost.services.stories import list_stories
from outpost.store.stories import StoryFilter
from outpost.web.charts import charts_json
from outpost.web.mapdata import cells, located_groups

PERIODS = (7, 30, 90, 365)  # days the map may show
DEFAULT_PERIOD = 30
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


KINDS = ("country", "domain")  # the indicators the overview shows


def indicators(ctx: Context) -> dict[str, list[Reading]]:
    """The readings of each kind shown, on the latest day counted; read once per page."""
    return {kind: read_indicators(ctx, kind) for kind in KINDS}


def latest_day(found: dict[str, list[Reading]]) -> date | None:
    """The latest day counted: the overview shows the store's recent past, not the clock's
    (an archive of last year's articles still has a picture)."""
    days = [readings[0].day for readings in found.values() if readings]
    return max(days) if days else None


def period(days: int | None) -> int:
    return days if days in PERIODS else DEFAULT_PERIOD


def changes(ctx: Context, since: datetime | None, found: dict[str, list[Reading]]) -> Changes:
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
    spikes = [r for readings in found.values() for r in readings if r.spike]
    return Changes(since, fresh[:LISTED], new[:LISTED], growing[:LISTED], spikes)


def top_stories(ctx: Context, limit: int = LISTED) -> list[Story]:
    """Stories of the recent past told in most languages, then by most articles."""
    found = list_stories(ctx, StoryFilter(limit=RECENT_STORIES))
    found.sort(key=lambda s: (-len(s.languages), -s.article_count, -s.last_seen.timestamp()))
    return found[:limit]


def map_json(ctx: Context, days: int, domain_names: dict[str, str]) -> dict[str, Any]:
    """The events published in the last `days` days the store counted, on the map: counted
    by the database per place, then summed into cells here when there are many places (kept
    a few seconds, as the counts are: summing thousands of places is most of its cost)."""
    found = kept(ctx.engine, ("overview map", days), lambda: _map(ctx, days))
    return {**found.json(), "domains": domain_names}


@dataclass(frozen=True)
class _Map:
    first: date
    last: date
    events: int
    located: int
    degrees: float
    cells: tuple[dict[str, Any], ...]

    def json(self) -> dict[str, Any]:
        return {
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "events": self.events,
            "located": self.located,
            "cell_degrees": self.degrees,
            "cells": list(self.cells),
        }


def _map(ctx: Context, days: int) -> _Map:
    last = latest_day(indicators(ctx)) or datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, time(), UTC)
    groups = placed_events(ctx, Filters(since=start, until=start + timedelta(days=days)))
    found = located_groups(groups)
    shown, degrees = cells(found)
    located = sum(item.count for item in found)
    return _Map(first, last, sum(g.count for g in groups), located, degrees, tuple(shown))


def chart_readings(
    found: dict[str, list[Reading]], limit: int = CHARTS_PER_KIND
) -> list[tuple[str, list[Reading]]]:
    """The most unusual series of each kind charted: (kind, readings)."""
    return [(kind, readings[:limit]) for kind, readings in found.items()]


def indicator_charts(
    ctx: Context, country_name: Callable[[str], str], domain_name: Callable[[str], str]
) -> dict[str, Any]:
    groups = chart_readings(indicators(ctx))

    def name(kind: str, key: str) -> str:
        return country_name(key) if kind == "country" else domain_name(key)

    return charts_json(groups, name)
