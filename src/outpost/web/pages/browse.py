"""Articles, stories and search: lists and single items, read through the services."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from outpost.services.articles import get_article, list_articles, search_articles
from outpost.services.stories import get_story, list_stories
from outpost.store.articles import ArticleFilter
from outpost.store.errors import SearchRefusedError
from outpost.store.stories import StoryFilter
from outpost.web.labels import DOMAINS
from outpost.web.page import NotFoundError, SignedIn

router = APIRouter()

PER_PAGE = 50
MAX_QUERY = 500  # characters of a search query


@router.get("/articles")
def read_articles(page: SignedIn, offset: int = 0) -> Response:
    offset = max(0, min(offset, 1_000_000))
    found = list_articles(page.ctx, ArticleFilter(limit=PER_PAGE + 1, offset=offset))
    return page.render(
        "articles.html",
        current="articles",
        articles=found[:PER_PAGE],
        offset=offset,
        more=len(found) > PER_PAGE,
        per_page=PER_PAGE,
    )


@router.get("/articles/{key}")
def read_article(page: SignedIn, key: str) -> Response:
    article = get_article(page.ctx, key[:200])
    if article is None:
        raise NotFoundError
    return page.render("article.html", current="articles", article=article)


@router.get("/stories")
def read_stories(page: SignedIn, domain: str | None = None) -> Response:
    chosen = domain if domain in DOMAINS else None
    found = list_stories(page.ctx, StoryFilter(domain=chosen, limit=PER_PAGE))
    return page.render(
        "stories.html", current="stories", stories=found, domain=chosen, domains=DOMAINS
    )


@router.get("/stories/{story_id}")
def read_story(page: SignedIn, story_id: str) -> Response:
    story = get_story(page.ctx, story_id[:200])
    if story is None:
        raise NotFoundError
    return page.render("story.html", current="stories", story=story)


@router.get("/search")
def read_search(page: SignedIn, q: str = "") -> Response:
    query = q.strip()[:MAX_QUERY]
    refused = None
    hits = []
    if query:
        try:
            hits = search_articles(page.ctx, query, limit=PER_PAGE)
        except SearchRefusedError:
            refused = True
    return page.render("search.html", current="search", q=query, hits=hits, refused=refused)
