"""What every list shares: the filters as asked and checked, the time range, the bounding
box, the text query, and the filters another table answers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import String, and_, exists, false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from outpost.store import dialect
from outpost.store.errors import SearchRefusedError
from outpost.store.times import to_db

FILTERS = (
    "since",
    "until",
    "country",
    "admin1",
    "bbox",
    "domain",
    "event_type",
    "actor",
    "lang",
    "source",
    "q",
)
# The longest value a filter may have: longer ones match nothing, so they are refused
# before they cost a query (actor: event_parties.party holds 200 characters).
LONGEST = {"admin1": 64, "domain": 64, "event_type": 64, "actor": 200, "lang": 16, "source": 500}


class ListError(ValueError):
    """A filter, sort or cursor a list cannot use; the message names it and says why."""


class Wanted(Protocol):
    """The filters a list is asked for (outpost.services.paging.Filters)."""

    @property
    def since(self) -> datetime | None: ...
    @property
    def until(self) -> datetime | None: ...
    @property
    def country(self) -> str | None: ...
    @property
    def admin1(self) -> str | None: ...
    @property
    def bbox(self) -> tuple[float, float, float, float] | None: ...
    @property
    def domain(self) -> str | None: ...
    @property
    def event_type(self) -> str | None: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def lang(self) -> str | None: ...
    @property
    def source(self) -> str | None: ...
    @property
    def q(self) -> str | None: ...


@dataclass(frozen=True)
class Asked:
    """The filters checked and normalised: codes in their case, times naive UTC as stored,
    the text query as the full-text index's terms."""

    since: datetime | None = None
    until: datetime | None = None
    country: str | None = None
    admin1: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    domain: str | None = None
    event_type: str | None = None
    actor: str | None = None
    lang: str | None = None
    source: str | None = None
    q: list[dialect.Term] | None = None

    def given(self) -> set[str]:
        return {name for name in FILTERS if getattr(self, name) is not None}


def asked(wanted: Wanted, applicable: Sequence[str], what: str) -> Asked:
    """The filters checked for a list of `what`; ListError names the first one that does not
    apply to it (none is ignored silently) or that no item could match."""
    given = [name for name in FILTERS if getattr(wanted, name) is not None]
    for name in given:
        if name not in applicable:
            raise ListError(f"{name}: not a filter of {what} (these are: {', '.join(applicable)})")
    for name in given:  # the store's text cannot hold NUL: PostgreSQL refuses it in a query
        value = getattr(wanted, name)
        if isinstance(value, str) and "\x00" in value:
            raise ListError(f"{name}: NUL is not allowed")
    for name, longest in LONGEST.items():
        value = getattr(wanted, name)
        if value is not None and not 0 < len(value) <= longest:
            raise ListError(f"{name}: 1 to {longest} characters")
    country = wanted.country
    if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise ListError("country: an ISO 3166-1 alpha-2 code, like AF")
    return Asked(
        since=to_db(wanted.since),
        until=to_db(wanted.until),
        country=country.upper() if country else None,
        admin1=wanted.admin1.upper() if wanted.admin1 else None,
        bbox=checked_bbox(wanted.bbox) if wanted.bbox is not None else None,
        domain=wanted.domain,
        event_type=wanted.event_type,
        actor=wanted.actor,
        lang=wanted.lang.lower() if wanted.lang else None,
        source=wanted.source,
        q=terms(wanted.q) if wanted.q is not None else None,
    )


def terms(q: str) -> list[dialect.Term]:
    """The text query as search reads it, within search's bounds (dialect.query_terms)."""
    try:
        return dialect.query_terms(q)
    except SearchRefusedError as exc:
        raise ListError(f"q: {str(exc).removeprefix('search: ')}") from None


def checked_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    """West, south, east, north in degrees. West greater than east is a box across the
    antimeridian (from 170 to -170 is 20 degrees wide), which is answered, not refused."""
    if len(bbox) != 4 or not all(isinstance(v, int | float) and math.isfinite(v) for v in bbox):
        raise ListError("bbox: four numbers, west, south, east, north")
    west, south, east, north = (float(v) for v in bbox)
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise ListError("bbox: west and east between -180 and 180")
    if not -90 <= south <= north <= 90:
        raise ListError("bbox: south and north between -90 and 90, south not above north")
    return west, south, east, north


def in_box(
    lat: ColumnElement[Any], lon: ColumnElement[Any], bbox: tuple[float, float, float, float]
) -> ColumnElement[bool]:
    west, south, east, north = bbox
    across = or_(lon >= west, lon <= east) if west > east else lon.between(west, east)
    return and_(lat.between(south, north), across)


def in_time(column: ColumnElement[Any], a: Asked) -> list[ColumnElement[bool]]:
    """Since inclusive, until exclusive."""
    found = []
    if a.since is not None:
        found.append(column >= a.since)
    if a.until is not None:
        found.append(column < a.until)
    return found


@dataclass(frozen=True)
class Among:
    """A filter another table answers: `ident` (the list's id, or the id of its article) is
    one of the `column` values of the rows that meet `where`.

    It is written three ways, and the list picks one by what it is doing and how many items
    match (keyset.listed): `leading`, `ident IN (SELECT column ...)`, lets the database start
    from those rows, best when they are few; `following` reads them once into a set that
    each row found through another index is looked up in (the identity arithmetic keeps
    the database from leading with them), best for counting along a narrow index; `checked`,
    a correlated EXISTS, tests each row read in the sort's order, best when many match, as a
    page is then found after reading a few rows more than it shows. A test that costs much
    each time (a full-text prefix, which merges the lists of every word it starts; a column
    stored after an article's text) is never repeated per row: its `checked` is `following`.
    """

    ident: ColumnElement[Any]
    column: ColumnElement[Any]
    where: Conditions
    costly: bool = False  # to test one row
    unique: bool = False  # each row names another item (counted without DISTINCT)

    def leading(self) -> ColumnElement[bool]:
        return self.ident.in_(self._rows())

    def following(self) -> ColumnElement[bool]:
        same = self.ident + ("" if isinstance(self.ident.type, String) else 0)
        return same.in_(self._rows())

    def checked(self) -> ColumnElement[bool]:
        if self.costly:
            return self.following()
        return exists().where(self.column == self.ident, *self.where.checked())

    def _rows(self) -> Any:
        return select(self.column).where(*self.where.leading())


@dataclass(frozen=True)
class Conditions:
    """A list's filters: on its own columns (`plain`), those other tables answer (`among`),
    and those on its own columns that an index answers but that keep many rows (`broad`, a
    box: every event at those latitudes), as pairs (as written, and so that no index
    serves it): a page read in the sort's order tests them row by row instead of starting
    from their index and sorting all it finds."""

    plain: tuple[Any, ...] = ()
    among: tuple[Among, ...] = ()
    broad: tuple[tuple[Any, Any], ...] = ()
    text: bool = False  # a full-text filter is among them (dialect.index_first)

    @property
    def own(self) -> tuple[Any, ...]:
        """Every condition on the list's own columns, as written."""
        return self.plain + tuple(indexed for indexed, _ in self.broad)

    def leading(self) -> list[Any]:
        return [*self.own, *(a.leading() for a in self.among)]

    def following(self) -> list[Any]:
        return [*self.own, *(a.following() for a in self.among)]

    def checked(self) -> list[Any]:
        tested = (unindexed for _, unindexed in self.broad)
        return [*self.plain, *tested, *(a.checked() for a in self.among)]

    def __add__(self, other: Conditions) -> Conditions:
        return Conditions(
            self.plain + other.plain,
            self.among + other.among,
            self.broad + other.broad,
            self.text or other.text,
        )


def text_match(dialect_name: str, ident: ColumnElement[Any], q: list[dialect.Term]) -> Conditions:
    """`ident` (an article id) is one of the articles the full-text index finds for q."""
    if not q:
        return Conditions(plain=(false(),))  # a query without a word matches nothing, as search
    column, where = dialect.text_filter(dialect_name, q)
    return Conditions(
        among=(Among(ident, column, Conditions(tuple(where)), costly=True, unique=True),),
        text=True,
    )
