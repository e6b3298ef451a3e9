"""Actors, sources and rules: what the store and the settings say about them."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter
from fastapi.responses import Response

from outpost.services.articles import ingest_errors, store_stats
from outpost.services.rules import read_rules
from outpost.services.stories import list_stories
from outpost.store.stories import StoryFilter
from outpost.warn.rules import RuleError
from outpost.web.page import SignedIn

router = APIRouter()

STORIES_READ = 500  # the recent stories whose actors are counted
LISTED = 100


@router.get("/actors")
def read_actors(page: SignedIn) -> Response:
    """Actors named in the recent stories, by the number of articles naming them."""
    counts: Counter[str] = Counter()
    stories: Counter[str] = Counter()
    for story in list_stories(page.ctx, StoryFilter(limit=STORIES_READ)):
        counts.update(story.actors)
        stories.update(story.actors.keys())
    ranked = [(key, n, stories[key]) for key, n in counts.most_common(LISTED)]
    return page.render("actors.html", current="actors", actors=ranked)


@router.get("/sources")
def read_sources(page: SignedIn) -> Response:
    stats = store_stats(page.ctx)
    return page.render(
        "sources.html",
        current="sources",
        stats=stats,
        sources=list(stats["by_source"].items())[:LISTED],
        languages=list(stats["by_lang"].items()),
        failures=ingest_errors(page.ctx, limit=LISTED),
    )


@router.get("/rules")
def read_rule_list(page: SignedIn) -> Response:
    settings = page.ctx.settings
    try:
        rules, errors = read_rules(settings), []
    except RuleError as exc:
        rules, errors = None, list(exc.errors)
    except OSError as exc:
        rules, errors = None, [str(exc)]
    return page.render(
        "rules.html", current="rules", rules=rules, errors=errors, configured=bool(settings.rules)
    )
