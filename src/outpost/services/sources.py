"""Sources: the feeds the watch loop polls, those of the settings file and those added through
the API, with what fetching each has found so far.

A feed is added only when its URL passes the one address policy (outpost.addresses) under
the settings' allow list, so the API cannot be used to make the server poll an address on
its own network; the fetcher checks every address again when it connects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from sqlalchemy import Engine

from outpost.addresses import AddressError, check_url
from outpost.config import FeedSource
from outpost.dedup import sha256
from outpost.respond.people import Action, require_of_people
from outpost.services.context import Context
from outpost.store import feeds as store
from outpost.store.feeds import FeedRow
from outpost.store.times import now

MIN_INTERVAL = 60.0  # seconds: polling a server more often than this is not watching it
MAX_INTERVAL = 7 * 24 * 3600.0
MAX_URL = 2000  # characters


class FeedConflictError(ValueError):
    """The feed is watched already, or comes from the settings file and cannot be removed
    here; the message says which."""


@dataclass(frozen=True)
class FeedInfo:
    """A watched feed: where it comes from and what fetching it has found."""

    origin: str  # "settings" (the settings file) or "api" (added through the API)
    row: FeedRow


def list_feeds(ctx: Context) -> list[FeedInfo]:
    """The settings' feeds first, then those added through the API, oldest first."""
    configured = {f.url: f for f in ctx.settings.feeds}
    with ctx.engine.connect() as conn:
        rows = {row.url: row for row in store.feed_rows(conn, list(configured))}
    found = [
        FeedInfo("settings", _configured(feed, rows.get(url))) for url, feed in configured.items()
    ]
    found += [FeedInfo("api", row) for url, row in rows.items() if url not in configured]
    return found


def _configured(feed: FeedSource, row: FeedRow | None) -> FeedRow:
    """A settings feed as listed: its interval is the settings' one."""
    if row is None:  # never fetched yet
        row = FeedRow(sha256(feed.url), feed.url, None, None, None, None, None, None, None, 0, 0)
    return replace(row, interval=feed.interval, added_by=None, added=None)


def add_feed(ctx: Context, url: str, interval: float = 300.0) -> FeedInfo:
    """Watch the feed at `url` every `interval` seconds from now on, as the acting principal.

    ValueError (AddressError among them) names what is wrong with the URL or interval;
    FeedConflictError when the feed is watched already; NotAllowedError below coordinator."""
    require_of_people(ctx.who, Action.MANAGE_FEEDS)
    url = url.strip()
    if len(url) > MAX_URL:
        raise ValueError(f"url: at most {MAX_URL} characters")
    if not (math.isfinite(interval) and MIN_INTERVAL <= interval <= MAX_INTERVAL):
        raise ValueError(f"interval: between {MIN_INTERVAL:.0f} and {MAX_INTERVAL:.0f} seconds")
    check_url(url, ctx.settings.fetch.allow_networks)  # AddressError, one line
    if url in {f.url for f in ctx.settings.feeds}:
        raise FeedConflictError("this feed is watched already (it is in the settings file)")
    with ctx.engine.begin() as conn:
        if not store.add_feed(conn, url, interval, ctx.who.id, now()):
            raise FeedConflictError("this feed is watched already")
        (row,) = [r for r in store.feed_rows(conn) if r.url == url]
    return FeedInfo("api", row)


def remove_feed(ctx: Context, key: str) -> bool:
    """Stop watching the feed added through the API with this key (its id as listed); False
    when no such feed is watched. FeedConflictError for a feed of the settings file;
    NotAllowedError below coordinator."""
    require_of_people(ctx.who, Action.MANAGE_FEEDS)
    if key in {sha256(f.url) for f in ctx.settings.feeds}:
        raise FeedConflictError("this feed is in the settings file: remove it there")
    with ctx.engine.begin() as conn:
        return store.remove_feed(conn, key, now())


def watched_feeds(engine: Engine, configured: tuple[FeedSource, ...]) -> tuple[FeedSource, ...]:
    """The feeds a watch loop polls now: `configured` (the settings' and the command's), then
    those added through the API and not removed (read again every cycle)."""
    with engine.connect() as conn:
        stored = store.watched_feeds(conn)
    urls = {f.url for f in configured}
    return (*configured, *(FeedSource(url, every) for url, every in stored if url not in urls))


__all__ = [
    "AddressError",
    "FeedConflictError",
    "FeedInfo",
    "add_feed",
    "list_feeds",
    "remove_feed",
    "watched_feeds",
]
