"""Stories as the API shows them: in a list, one with its articles, how one grew day by day,
an analyst's merge, what a merge or split leaves, and how often analysts had to correct."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from outpost.records import (
    Story,
    StoryArticle,
    StoryDay,
    StoryState,
    StoryStats,
    StoryTimeline,
)

StoryStateName = Literal["open", "closed", "merged"]


class StoryPublic(BaseModel):
    """Articles about one real-world development, across sources and languages; each
    summary counts its articles (an article may count under several keys)."""

    id: str
    title: str
    state: StoryStateName
    merged_into: str | None = Field(description="The story a merged one now is part of.")
    first_seen: datetime
    last_seen: datetime
    article_count: int
    languages: dict[str, int]
    sources: dict[str, int]
    places: dict[str, int]
    actors: dict[str, int] = Field(description="By knowledge-base id.")
    event_types: dict[str, int]
    domains: dict[str, int]


class StoryArticlePublic(BaseModel):
    id: str
    external_id: str | None
    title: str | None
    lang: str | None
    source: str
    url: str | None
    published: datetime | None
    score: float = Field(description="The similarity that placed it (1 for the first, pinned).")
    pinned: bool = Field(description="An analyst put it there.")


class StoryDetail(StoryPublic):
    articles: list[StoryArticlePublic] = Field(description="Oldest first.")


class StoryDayPublic(BaseModel):
    day: date
    count: int = Field(description="Its articles that day.")
    total: int = Field(description="Its articles up to the end of that day.")
    sources: int = Field(description="Its different sources up to the end of that day.")
    articles: list[StoryArticlePublic] = Field(description="That day's, oldest first.")


class StoryTimelinePublic(BaseModel):
    """How the story grew: its days from the first article to the last (days without an
    article left out; the articles named are the first 2,000, all are counted)."""

    story: StoryPublic
    days: list[StoryDayPublic]


class StoryMerge(BaseModel):
    """The story to merge into this one: its articles move here, and it redirects here."""

    model_config = ConfigDict(extra="forbid")

    other: str = Field(
        min_length=1,
        max_length=100,
        pattern="^[^\\x00]+$",  # the store's text cannot hold NUL
        description="The other story's id.",
    )


class StoryStatePublic(BaseModel):
    """A story as a merge or split leaves it."""

    id: str
    title: str
    first_seen: datetime
    last_seen: datetime
    articles: list[str] = Field(description="Its articles' ids, oldest first.")
    languages: dict[str, int]
    sources: dict[str, int]
    places: dict[str, int]
    actors: dict[str, int]
    event_types: dict[str, int]
    domains: dict[str, int]


def story_public(s: Story) -> StoryPublic:
    return StoryPublic(
        id=s.id,
        title=s.title,
        state=cast(StoryStateName, s.state),  # pydantic checks it is one
        merged_into=s.merged_into,
        first_seen=s.first_seen,
        last_seen=s.last_seen,
        article_count=s.article_count,
        languages=dict(s.languages),
        sources=dict(s.sources),
        places=dict(s.places),
        actors=dict(s.actors),
        event_types=dict(s.event_types),
        domains=dict(s.domains),
    )


def story_detail(s: Story) -> StoryDetail:
    return StoryDetail(
        **story_public(s).model_dump(), articles=[story_article(a) for a in s.articles]
    )


def story_article(a: StoryArticle) -> StoryArticlePublic:
    return StoryArticlePublic(
        id=a.uid,
        external_id=a.external_id,
        title=a.title,
        lang=a.lang,
        source=a.source,
        url=a.url,
        published=a.published,
        score=a.score,
        pinned=a.pinned,
    )


def timeline_public(t: StoryTimeline) -> StoryTimelinePublic:
    return StoryTimelinePublic(story=story_public(t.story), days=[_day(d) for d in t.days])


def _day(d: StoryDay) -> StoryDayPublic:
    return StoryDayPublic(
        day=d.day,
        count=d.count,
        total=d.total,
        sources=d.sources,
        articles=[story_article(a) for a in d.articles],
    )


def story_state_public(s: StoryState) -> StoryStatePublic:
    return StoryStatePublic(
        id=s.id,
        title=s.title,
        first_seen=s.first,
        last_seen=s.last,
        articles=list(s.articles),
        languages=dict(s.langs),
        sources=dict(s.sources),
        places=dict(s.places),
        actors=dict(s.actors),
        event_types=dict(s.types),
        domains=dict(s.domains),
    )


class StoryStatsPublic(BaseModel):
    """What clustering made and how often analysts corrected it (as `outpost stories --stats`)."""

    since: datetime | None = Field(description="Counted from then (UTC); null: all.")
    articles_placed: int
    stories_open: int
    stories_closed: int
    stories_of_two_articles_or_more: int
    stories_merged_by_analysts: int
    articles_split_out_by_analysts: int
    corrections_per_100_articles: float = Field(
        description="Merges and splits per hundred articles placed."
    )


def story_stats_public(s: StoryStats) -> StoryStatsPublic:
    return StoryStatsPublic(
        since=s.since,
        articles_placed=s.articles,
        stories_open=s.open,
        stories_closed=s.closed,
        stories_of_two_articles_or_more=s.several,
        stories_merged_by_analysts=s.merged,
        articles_split_out_by_analysts=s.split,
        corrections_per_100_articles=round(s.per_hundred, 2),
    )
