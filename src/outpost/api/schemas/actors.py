"""Actors of the knowledge base as the API shows them: in a list, with how often the store
names them, and one actor's profile."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from outpost.api.schemas.stories import StoryPublic, story_public
from outpost.records import ActorProfile, ActorSummary, Counted


class ActorPublic(BaseModel):
    id: str = Field(description="Stable: person:tokayev, org:csto, country:KZ.")
    name: str = Field(description="Its canonical English name.")
    type: str = Field(description="PER, ORG or LOC")
    kind: str = Field(description="Finer type: state, head_of_state, armed_group...")
    country: str | None = Field(description="ISO 3166-1 alpha-2")
    names: dict[str, list[str]] = Field(
        description="Language -> its names and spellings there, canonical first."
    )
    events: int = Field(description="Events it takes part in, as actor or target.")
    articles: int = Field(description="Articles that mention it.")


class RolePublic(BaseModel):
    title: str
    of: str = Field(description="A country (ISO 3166-1 alpha-2) or an organisation's id.")
    start: str | None = Field(description="ISO date")
    end: str | None = Field(description="ISO date; null: holds it still.")


class CountedPublic(BaseModel):
    key: str = Field(description="The spelling, or the actor's id.")
    name: str
    count: int


class DayCountPublic(BaseModel):
    day: date
    count: int


class ActorProfilePublic(ActorPublic):
    wikidata: str | None
    roles: list[RolePublic]
    spellings: list[CountedPublic] = Field(
        description="How its most recent articles write it, most frequent first."
    )
    days: list[DayCountPublic] = Field(
        description="Its events per day, oldest first (days without one left out)."
    )
    stories: list[StoryPublic] = Field(
        description="The stories of its most recent articles, latest activity first."
    )
    beside: list[CountedPublic] = Field(
        description="Actors mentioned in the same articles, most often first."
    )


def actor_public(a: ActorSummary) -> ActorPublic:
    return ActorPublic(
        id=a.id,
        name=a.name,
        type=a.type,
        kind=a.kind,
        country=a.country,
        names={lang: list(names) for lang, names in a.names.items()},
        events=a.events,
        articles=a.articles,
    )


def actor_profile_public(p: ActorProfile) -> ActorProfilePublic:
    return ActorProfilePublic(
        **actor_public(p.actor).model_dump(),
        wikidata=p.wikidata,
        roles=[RolePublic(title=r.title, of=r.of, start=r.start, end=r.end) for r in p.roles],
        spellings=[counted_public(c) for c in p.spellings],
        days=[DayCountPublic(day=d.day, count=d.count) for d in p.days],
        stories=[story_public(s) for s in p.stories],
        beside=[counted_public(c) for c in p.beside],
    )


def counted_public(c: Counted) -> CountedPublic:
    return CountedPublic(key=c.key, name=c.name, count=c.count)
