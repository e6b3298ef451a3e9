"""The records an export carries, as JSON and back, losslessly: the payload of Outpost's STIX
property extension (so that export -> import gives equal records), and the rows of CSV and
GeoJSON. Reading back refuses a malformed shape with `ShapeError` naming the field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any, TypeVar

from outpost.export.bundle import EventItem, Judged
from outpost.records import Entity, EventRow, Place, Role, Story, StoryArticle

T = TypeVar("T")
Json = dict[str, Any]


class ShapeError(ValueError):
    """A record's JSON shape is not what it must be; the message names the field."""


def event_json(e: EventItem) -> Json:
    return {**asdict(e), "published": e.published.isoformat()}


def entity_json(e: Entity) -> Json:
    return asdict(e)


def place_json(p: Place) -> Json:
    return asdict(p)


def story_json(s: Story) -> Json:
    data = asdict(s)
    data["first_seen"], data["last_seen"] = s.first_seen.isoformat(), s.last_seen.isoformat()
    data["updated"] = s.updated.isoformat()
    for item in data["articles"]:
        item["published"] = item["published"].isoformat() if item["published"] else None
    return data


def judged_json(j: Judged) -> Json:
    data = asdict(j)
    data["created"], data["updated"] = j.created.isoformat(), j.updated.isoformat()
    data["judgements"] = [list(pair) for pair in j.judgements]
    return data


def judged_from(data: object) -> Judged:
    d = _mapping(data, "assessment")
    pairs = tuple(
        tuple(_list(p, "assessment.judgements[]")) for p in _list(d.get("judgements"), "judgements")
    )
    return _built("assessment", lambda: Judged(**{
        **d, "judgements": pairs,
        "created": _time(d["created"], "assessment.created"),
        "updated": _time(d["updated"], "assessment.updated"),
    }))  # fmt: skip


def event_from(data: object) -> EventItem:
    d = _mapping(data, "event")
    row = _mapping(d.get("row"), "event.row")
    return _built("event", lambda: EventItem(
        row=EventRow(**{**row, "place": _optional_mapping(row.get("place"), "event.row.place")}),
        published=_time(d["published"], "event.published"),
        source=d["source"], url=d["url"], lang=d["lang"],
        lat=d["lat"], lon=d["lon"], admin1=d["admin1"],
    ))  # fmt: skip


def entity_from(data: object) -> Entity:
    d = _mapping(data, "entity")
    names = _mapping(d.get("names"), "entity.names")
    return _built("entity", lambda: Entity(**{
        **d,
        "names": {lang: tuple(_list(v, f"entity.names.{lang}")) for lang, v in names.items()},
        "roles": tuple(Role(**_mapping(r, "entity.roles[]")) for r in _list(d["roles"], "roles")),
    }))  # fmt: skip


def place_from(data: object) -> Place:
    d = _mapping(data, "place")
    return _built("place", lambda: Place(**d))


def story_from(data: object) -> Story:
    d = _mapping(data, "story")
    articles = tuple(
        _story_article(_mapping(a, "story.articles[]"))
        for a in _list(d.get("articles"), "articles")
    )
    return _built("story", lambda: Story(**{
        **d, "articles": articles,
        "first_seen": _time(d["first_seen"], "story.first_seen"),
        "last_seen": _time(d["last_seen"], "story.last_seen"),
        # A record written before stories carried it: its last article is its last change.
        "updated": _time(d.get("updated") or d["last_seen"], "story.updated"),
    }))  # fmt: skip


def _story_article(a: Json) -> StoryArticle:
    published = _time(a["published"], "story.articles[].published") if a.get("published") else None
    return _built("story.articles[]", lambda: StoryArticle(**{**a, "published": published}))


def _built(what: str, make: Callable[[], T]) -> T:
    """Build a record; a missing, extra or wrongly typed field is named."""
    try:
        return make()
    except KeyError as exc:
        raise ShapeError(f"{what}: missing field {exc}") from None
    except TypeError as exc:
        raise ShapeError(f"{what}: {exc}") from None


def _mapping(value: object, what: str) -> Json:
    if not isinstance(value, Mapping):
        raise ShapeError(f"{what}: expected an object, got {type(value).__name__}")
    return dict(value)


def _optional_mapping(value: object, what: str) -> Json | None:
    return None if value is None else _mapping(value, what)


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ShapeError(f"{what}: expected a list, got {type(value).__name__}")
    return value


def _time(value: object, what: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ShapeError(f"{what}: not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise ShapeError(f"{what}: a time without its UTC offset: {value!r}")
    return parsed
