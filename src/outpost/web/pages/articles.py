"""Articles and search: the list (the shared filters, a page at a time), one article with
its actors, places and dates marked in the text, and the search page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from outpost.services.articles import article_facts, find_articles, get_article
from outpost.web.facts import actors_of, parts, places_of
from outpost.web.filters import FilterQuery, Shown, listed
from outpost.web.page import NotFoundError, SignedIn
from outpost.web.search import excerpt

router = APIRouter()

MAX_KEY = 200  # characters of an article's id, id prefix or external id


@router.get("/articles")
def read_articles(page: SignedIn, asked: FilterQuery) -> Response:
    shown = listed(asked, lambda: find_articles(page.ctx, asked.filters, asked.window()))
    return page.render(
        "articles.html",
        status=shown.status,
        current="articles",
        asked=shown.asked,
        found=shown.page,
    )


@router.get("/articles/{key}")
def read_article(page: SignedIn, key: str) -> Response:
    article = get_article(page.ctx, key[:MAX_KEY])
    if article is None:
        raise NotFoundError
    facts = article_facts(page.ctx, article.uid)
    return page.render(
        "article.html",
        current="articles",
        article=article,
        facts=facts,
        parts=parts(article.text, facts),
        actors=actors_of(facts),
        places=places_of(facts),
    )


@router.get("/search")
def read_search(page: SignedIn, asked: FilterQuery) -> Response:
    """Articles with every word of q (in any inflection), narrowed by the other filters."""
    shown = (
        listed(asked, lambda: find_articles(page.ctx, asked.filters, asked.window()))
        if asked.filters.q is not None or asked.cursor is not None or asked.problems
        else Shown(asked, None)
    )
    hits = (
        [(a, excerpt(a.text, asked.filters.q or "")) for a in shown.page.items]
        if shown.page
        else []
    )
    return page.render(
        "search.html",
        status=shown.status,
        current="search",
        asked=shown.asked,
        found=shown.page,
        hits=hits,
    )
