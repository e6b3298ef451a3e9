"""Articles as the API shows them: in a list, one with what its analysis found in it, and a
search hit. Where the server keeps an article (its locator, its hashes) is not shown."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from outpost.records import Article, ArticleFacts, DateMention, Mention, Place, Related
from outpost.store.search import Hit


class ArticlePublic(BaseModel):
    id: str
    external_id: str | None = Field(description="The id its source gives it.")
    source: str
    title: str | None
    url: str | None = Field(description="Canonical URL, when it has one.")
    lang: str | None = Field(description="ISO 639-1, as detected.")
    published: datetime | None
    fetched: datetime
    near_duplicate_of: str | None = Field(description="The article this one nearly repeats.")
    similarity: float | None = Field(description="How near it is to that article (0 to 1).")


class MentionPublic(BaseModel):
    """A name in the text (start and end are character offsets into `text`, end exclusive)."""

    text: str
    type: str = Field(description="PER, ORG or LOC")
    start: int
    end: int
    name: str = Field(description="Its normal form, or the knowledge base's name when linked.")
    kb_id: str | None = Field(description="The knowledge-base actor it names, when linked.")
    confidence: float
    method: str = Field(
        description="What found it: the recogniser of its language (spacy, natasha, bilstm-crf-fa, "
        "bilstm-crf-kk), the knowledge base's scan (kb), the article's context (context), the "
        "gazetteer, a surname or a role; empty for articles analysed before it was kept."
    )


class PlaceMentionPublic(BaseModel):
    """A place named in the text, resolved to the gazetteer."""

    text: str
    start: int
    end: int
    name: str
    lat: float
    lon: float
    country: str | None = Field(description="ISO 3166-1 alpha-2")
    admin1: str | None = Field(description="First-level division: AF-BAL, PK.02.")
    geonames_id: int | None
    kind: str = Field(description="country, admin1, city or region")
    confidence: float


class DatePublic(BaseModel):
    text: str
    start: int
    end: int
    value: str = Field(description="YYYY-MM-DD, or YYYY-MM or YYYY when that is all it says.")
    role: str = Field(description="event, deadline or mention")
    confidence: float


class RelatedPublic(BaseModel):
    """An article named beside another: its near duplicate, or the original it repeats."""

    id: str
    title: str | None
    source: str
    published: datetime | None
    similarity: float | None


class ArticleDetail(ArticlePublic):
    """An article with its text and what its analysis found in it, in text order."""

    text: str
    mentions: list[MentionPublic]
    places: list[PlaceMentionPublic]
    dates: list[DatePublic]
    original: RelatedPublic | None = Field(description="The article this one nearly repeats.")
    near_duplicates: list[RelatedPublic] = Field(
        description="The articles that nearly repeat this one (or its original), as they came."
    )


class HitPublic(BaseModel):
    article: ArticlePublic
    snippet: str = Field(description="The words that matched, between « and ».")


class SearchPublic(BaseModel):
    """The best hits first, at most `limit` of them, and how many articles match in all."""

    items: list[HitPublic]
    total: int = Field(
        ge=0, description="How many articles match: exact up to 10,000 (see total_exact)."
    )
    total_exact: bool = Field(
        description="False when more than `total` match: counting stops at 10,000."
    )


def article_public(a: Article) -> ArticlePublic:
    return ArticlePublic(
        id=a.uid,
        external_id=a.external_id,
        source=a.source,
        title=a.title,
        url=a.url,
        lang=a.lang,
        published=a.published,
        fetched=a.fetched,
        near_duplicate_of=a.near_duplicate_of,
        similarity=a.similarity,
    )


def article_detail(a: Article, facts: ArticleFacts) -> ArticleDetail:
    return ArticleDetail(
        **article_public(a).model_dump(),
        text=a.text,
        mentions=[mention_public(m) for m in facts.mentions],
        places=[place_mention_public(p) for p in facts.places],
        dates=[date_public(d) for d in facts.dates],
        original=related_public(facts.original) if facts.original else None,
        near_duplicates=[related_public(r) for r in facts.near_duplicates],
    )


def mention_public(m: Mention) -> MentionPublic:
    return MentionPublic(
        text=m.text,
        type=m.type,
        start=m.start,
        end=m.end,
        name=m.name,
        kb_id=m.kb_id,
        confidence=m.confidence,
        method=m.method,
    )


def place_mention_public(p: Place) -> PlaceMentionPublic:
    return PlaceMentionPublic(
        text=p.text,
        start=p.start,
        end=p.end,
        name=p.name,
        lat=p.lat,
        lon=p.lon,
        country=p.country,
        admin1=p.admin1,
        geonames_id=p.geonames_id,
        kind=p.kind,
        confidence=p.confidence,
    )


def date_public(d: DateMention) -> DatePublic:
    return DatePublic(
        text=d.text, start=d.start, end=d.end, value=d.value, role=d.role, confidence=d.confidence
    )


def related_public(r: Related) -> RelatedPublic:
    return RelatedPublic(
        id=r.uid, title=r.title, source=r.source, published=r.published, similarity=r.similarity
    )


def hit_public(hit: Hit) -> HitPublic:
    return HitPublic(article=article_public(hit.article), snippet=hit.snippet)
