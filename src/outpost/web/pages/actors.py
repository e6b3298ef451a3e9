"""Actors: the knowledge base's people, organisations and states, found by any of their names
(a page at a time), and one actor's profile: every spelling, events and stories over time,
and whom they appear with."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter
from fastapi.responses import Response

from outpost.records import ActorProfile, DayCount
from outpost.services.actors import find_actors, get_actor
from outpost.web.filters import Asked, listed, read_filters
from outpost.web.page import NotFoundError, SignedIn

router = APIRouter()

MAX_ID = 200  # characters of an actor's id


@router.get("/actors")
def read_actors(page: SignedIn, q: str | None = None, cursor: str | None = None) -> Response:
    asked = read_filters({"q": q, "cursor": cursor}, fields=("q",))
    shown = listed(asked, lambda: find_actors(page.ctx, asked.filters.q, asked.window()))
    return page.render(
        "actors.html",
        status=shown.status,
        current="actors",
        asked=shown.asked,
        found=shown.page,
    )


@router.get("/actors/{actor_id}")
def read_actor(page: SignedIn, actor_id: str) -> Response:
    profile = get_actor(page.ctx, actor_id[:MAX_ID])
    if profile is None:
        raise NotFoundError
    days = profile.days
    return page.render(
        "actor.html",
        current="actors",
        profile=profile,
        who=profile.actor,
        spellings=spelling_languages(profile),
        months=_months(days),
        chart={"x": [d.day.isoformat() for d in days], "count": [d.count for d in days]},
        links=_links(profile.actor.id),
    )


def spelling_languages(profile: ActorProfile) -> list[tuple[str, int, list[str]]]:
    """Each spelling the articles use, how often, and the languages whose names in the
    knowledge base it is (none: an inflected form, a title, a spelling the base lacks)."""
    names = profile.actor.names
    found = []
    for spelling in profile.spellings:
        wanted = spelling.key.casefold()
        langs = [lang for lang, written in names.items() if wanted in map(str.casefold, written)]
        found.append((spelling.key, spelling.count, langs))
    return found


def _months(days: tuple[DayCount, ...]) -> list[tuple[str, int]]:
    """Events per month (YYYY-MM), oldest first: the chart's numbers in a table short
    enough to read."""
    counts: Counter[str] = Counter()
    for d in days:
        counts[d.day.isoformat()[:7]] += d.count
    return sorted(counts.items())


def _links(actor_id: str) -> dict[str, str]:
    asked: Asked = read_filters({"actor": actor_id})
    return {"events": asked.link("/events"), "articles": asked.link("/articles")}
