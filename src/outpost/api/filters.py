"""The query parameters of the lists: the filters (services.paging.Filters), read and checked
for their form here; whether a list can use them, and with what values, the services say
(BadQueryError: a bad-query problem).

A time is ISO 8601 with its UTC offset ("2025-03-01T08:00:00+03:00", "…Z"), converted to UTC,
or a date ("2025-03-01": its midnight UTC); a time without an offset is refused, as the
moment it names depends on a zone the server would have to guess."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError

from outpost.services.paging import MAX_CURSOR, MAX_LIMIT, Filters

LONGEST_TIME = 64  # characters of a time as written


def sort_query(sorts: Sequence[str], meaning: str) -> object:
    """The `sort` parameter of a list whose sorts are `sorts` (the first is its default)."""
    pattern = "^(" + "|".join(sorts) + ")$"  # names of letters, "_" and a leading "-"
    return Query(pattern=pattern, description=f"{meaning} One of {', '.join(sorts)}.")


Cursor = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR, description="next_cursor of the page before (same sort)."),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items of one page.")]
Since = Annotated[
    str | None,
    Query(
        max_length=LONGEST_TIME,
        description="From this time on (inclusive): ISO 8601 with its offset, or a date "
        "(its midnight UTC).",
        examples=["2025-03-01", "2025-03-01T08:00:00+03:00"],
    ),
]
Until = Annotated[
    str | None,
    Query(
        max_length=LONGEST_TIME,
        description="Before this time (exclusive): ISO 8601 with its offset, or a date "
        "(its midnight UTC).",
        examples=["2025-04-01"],
    ),
]
Country = Annotated[
    str | None,
    Query(
        pattern="^[A-Za-z]{2}$",
        description="ISO 3166-1 alpha-2 code, like AF.",
        examples=["AF"],
    ),
]
Admin1 = Annotated[
    str | None,
    Query(description="First-level division, as the gazetteer keys it: AF-BAL, PK.02."),
]
Bbox = Annotated[
    str | None,
    Query(
        max_length=200,
        description="A box: west,south,east,north in degrees (WGS84); west greater than east "
        "crosses the antimeridian.",
        examples=["60,29,75,39"],
    ),
]
Domain = Annotated[
    str | None, Query(description="Threat domain, like terrorism or drug_trafficking.")
]
EventType = Annotated[str | None, Query(description="Event type, like ATTACK.")]
Actor = Annotated[
    str | None, Query(description="Knowledge-base id of an actor, like person:tokayev.")
]
Lang = Annotated[str | None, Query(description="ISO 639-1 language code, like ru.")]
Source = Annotated[str | None, Query(description="The source, as articles name it.")]
Text = Annotated[
    str | None,
    Query(description="Full text: every word, in any inflection (at most 12 different words)."),
]
PlaceName = Annotated[
    str | None, Query(description="The start of the place's name, case aside.", max_length=200)
]


def list_filters(
    since: Since = None,
    until: Until = None,
    country: Country = None,
    admin1: Admin1 = None,
    bbox: Bbox = None,
    domain: Domain = None,
    event_type: EventType = None,
    actor: Actor = None,
    lang: Lang = None,
    source: Source = None,
    q: Text = None,
) -> Filters:
    """Every filter (articles, events, stories, the map)."""
    return Filters(
        since=moment(since, "since"),
        until=moment(until, "until"),
        country=country,
        admin1=admin1,
        bbox=box(bbox),
        domain=domain,
        event_type=event_type,
        actor=actor,
        lang=lang,
        source=source,
        q=q,
    )


def place_filters(
    since: Since = None,
    until: Until = None,
    country: Country = None,
    admin1: Admin1 = None,
    bbox: Bbox = None,
    lang: Lang = None,
    source: Source = None,
    q: PlaceName = None,
) -> Filters:
    """The filters of places: the time, language and source of the articles that mention
    them; the country, division, box and name of the places."""
    return Filters(
        since=moment(since, "since"),
        until=moment(until, "until"),
        country=country,
        admin1=admin1,
        bbox=box(bbox),
        lang=lang,
        source=source,
        q=q,
    )


ListFilters = Annotated[Filters, Depends(list_filters)]
PlaceFilters = Annotated[Filters, Depends(place_filters)]


def moment(value: str | None, name: str) -> datetime | None:
    """An aware UTC time from a date or an ISO 8601 time with its offset."""
    if value is None:
        return None
    text = value.strip()
    wrong = "not a date (YYYY-MM-DD) or an ISO 8601 time with its offset"
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise invalid(name, wrong) from None
    if parsed.tzinfo is None:
        raise invalid(name, "a time needs its UTC offset (Z, +03:00), or give a date")
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        raise invalid(name, wrong) from None


def box(value: str | None) -> tuple[float, float, float, float] | None:
    """Four numbers; whether they make a box the lists check (a bad-query problem)."""
    if value is None:
        return None
    parts = value.split(",")
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise invalid("bbox", "four numbers: west,south,east,north")
    west, south, east, north = numbers
    return west, south, east, north


def invalid(name: str, message: str) -> RequestValidationError:
    """A query parameter of the wrong form, as FastAPI's own validation names one."""
    return RequestValidationError([{"loc": ("query", name), "msg": message, "type": "value_error"}])
