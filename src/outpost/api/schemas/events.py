"""Events as the API shows them: in a list, and one with who takes part and the text its
evidence points into."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from outpost.api.schemas.articles import PlaceMentionPublic
from outpost.records import EventDetail, EventRow, Party


class EventPublic(BaseModel):
    id: int
    article: str = Field(description="The id of the article it was found in.")
    title: str | None = Field(description="That article's title.")
    type: str = Field(description="ATTACK, ARREST, AGREEMENT...")
    score: float
    confidence: float
    date: str | None = Field(description="When it happened: YYYY-MM-DD (or YYYY-MM, YYYY).")
    deadline: str | None = Field(description="For a decision or commitment: by when.")
    country: str | None = Field(description="ISO 3166-1 alpha-2, of its place.")
    place: PlaceMentionPublic | None
    actors: list[str] = Field(description="Knowledge-base ids where linked, else names.")
    targets: list[str]
    domains: list[str] = Field(description="The threat domains it touches.")
    evidence: str = Field(description="The sentence that proves it.")
    start: int = Field(description="Where the evidence starts in the article's text.")
    end: int


class PartyPublic(BaseModel):
    """Who takes part: a knowledge-base actor, or a name it does not know (id null)."""

    id: str | None
    name: str
    role: str = Field(description="actor or target")
    kind: str | None = Field(description="The actor's finer type: head_of_state, armed_group...")


class EventDetailPublic(EventPublic):
    published: datetime = Field(description="Its article's publication (else fetch) time.")
    lang: str | None
    source: str
    url: str | None = Field(description="Its article's URL.")
    lat: float | None
    lon: float | None
    admin1: str | None
    parties: list[PartyPublic] = Field(description="Actors first, in the event's order.")
    text: str = Field(description="Its article's text, which start and end point into.")


def event_public(e: EventRow) -> EventPublic:
    return EventPublic(
        id=e.id,
        article=e.article,
        title=e.title,
        type=e.type,
        score=e.score,
        confidence=e.confidence,
        date=e.date,
        deadline=e.deadline,
        country=e.country,
        # The place as analysis stored it (serialize.place_json), checked against its schema.
        place=PlaceMentionPublic.model_validate(e.place) if e.place else None,
        actors=list(e.actors),
        targets=list(e.targets),
        domains=list(e.domains),
        evidence=e.evidence,
        start=e.start,
        end=e.end,
    )


def event_detail_public(d: EventDetail) -> EventDetailPublic:
    return EventDetailPublic(
        **event_public(d.event).model_dump(),
        published=d.published,
        lang=d.lang,
        source=d.source,
        url=d.article.url,
        lat=d.lat,
        lon=d.lon,
        admin1=d.admin1,
        parties=[party_public(p) for p in d.parties],
        text=d.article.text,
    )


def party_public(p: Party) -> PartyPublic:
    return PartyPublic(id=p.id, name=p.name, role=p.role, kind=p.kind)
