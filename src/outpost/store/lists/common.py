"""What every list shares: the filters as asked and checked, the sorts, keyset pages, totals,
the time range, the bounding box and the text query."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import (
    Connection,
    DateTime,
    Float,
    Integer,
    Row,
    Select,
    String,
    and_,
    false,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from outpost.store import dialect
from outpost.store.errors import SearchRefusedError
from outpost.store.times import to_db

T = TypeVar("T")
Key = tuple[Any, Any]  # (sort value as JSON, id) of an item: what a cursor holds

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


def text_match(conn: Connection, ident: ColumnElement[Any], q: list[dialect.Term]) -> Any:
    """`ident` (an article id) is one of the articles the full-text index finds for q."""
    if not q:
        return false()  # a query without a word matches nothing, as search does
    return ident.in_(dialect.matching_ids(conn.dialect.name, q))


@dataclass(frozen=True)
class Sort:
    """A sort: its value and the id that breaks ties, both in one direction."""

    value: ColumnElement[Any]
    ident: ColumnElement[Any]
    descending: bool

    def order(self) -> list[Any]:
        if self.descending:
            return [self.value.desc(), self.ident.desc()]
        return [self.value.asc(), self.ident.asc()]

    def after(self, key: Key) -> ColumnElement[bool]:
        """The items after `key` in this order: a row-value comparison, which both SQLite
        and PostgreSQL answer from an index on (value, id)."""
        value, ident = self._decoded(key)
        mine = tuple_(self.value, self.ident)
        theirs = tuple_(literal(value, self.value.type), literal(ident, self.ident.type))
        return mine < theirs if self.descending else mine > theirs

    def key(self, row: Row[Any]) -> Key:
        value, ident = row._mapping["sort_value"], row._mapping["sort_id"]
        return (value.isoformat() if isinstance(value, datetime) else value), ident

    def _decoded(self, key: Key) -> tuple[Any, Any]:
        value, ident = key
        wanted = _python_type(self.ident.type)
        if not isinstance(ident, wanted) or isinstance(ident, bool):
            raise ListError("cursor: not a cursor this list gave")
        return _value(value, self.value.type), ident


def _python_type(kind: TypeEngine[Any]) -> type:
    return int if isinstance(kind, Integer) else str if isinstance(kind, String) else float


def _value(value: object, kind: TypeEngine[Any]) -> object:
    """A cursor's sort value as the column holds it; ListError for anything else."""
    if isinstance(kind, DateTime) and isinstance(value, str):
        try:
            return to_db(datetime.fromisoformat(value))
        except ValueError:
            pass
    elif isinstance(kind, Float) and isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value):
            return float(value)
    elif isinstance(kind, Integer) and isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ListError("cursor: not a cursor this list gave")


@dataclass(frozen=True)
class Slice:
    """Which page: the sort's name, the key of the last item shown (None: the first page),
    and how many items."""

    sort: str
    after: Key | None = None
    limit: int = 50


@dataclass(frozen=True)
class Listed(Generic[T]):
    items: tuple[T, ...]
    total: int  # all that match the filters
    after: Key | None  # the last item's key when more follow, else None


def sort_of(sorts: dict[str, Sort], name: str) -> Sort:
    if name not in sorts:
        raise ListError(f"sort: one of {', '.join(sorts)}")
    return sorts[name]


def page(
    conn: Connection,
    query: Select[Any],
    sort: Sort,
    s: Slice,
    convert: Callable[[Row[Any]], T],
) -> tuple[tuple[T, ...], Key | None]:
    """One page of `query` in the sort's order, after s.after; and the key to go on from."""
    query = query.add_columns(sort.value.label("sort_value"), sort.ident.label("sort_id"))
    if s.after is not None:
        query = query.where(sort.after(s.after))
    rows = conn.execute(query.order_by(*sort.order()).limit(s.limit + 1)).all()
    shown = rows[: s.limit]
    after = sort.key(shown[-1]) if len(rows) > s.limit else None
    return tuple(convert(row) for row in shown), after


def count(conn: Connection, table: Any, conditions: Sequence[Any]) -> int:
    query = select(func.count()).select_from(table).where(*conditions)
    return int(conn.execute(query).scalar_one())
