"""Keyset pages: a sort is a value and the id that breaks its ties, a page starts after the
key of the last item shown, and a page costs what the first one does however deep it is."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Connection,
    DateTime,
    Float,
    Integer,
    Row,
    Select,
    String,
    and_,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from outpost.store import dialect
from outpost.store.lists.common import Conditions, ListError
from outpost.store.times import to_db

T = TypeVar("T")
Key = tuple[Any, Any]  # (sort value as JSON, id) of an item: what a cursor holds

# How a page is found depends on how many items match (the total, counted first) and how
# many meet the filters on the list's own columns (`plain`: a time range, a country...):
# - more than DRIVE match: the list is read in the sort's order through its index, each row
#   tested against the other filters, and a page's worth is met early (one row in N/DRIVE);
# - fewer, and fewer than SCAN rows meet the plain filters: the same, reading at most SCAN;
# - else: the database starts from the other filters' rows (fewer than DRIVE items in all)
#   and sorts what it finds.
# So a rare filter never scans the whole list, and a common one never sorts a hundred
# thousand rows (migration 0008 shows the plans).
DRIVE = 2000
SCAN = 20_000
# A total is exact up to COUNTED; past it a list says "more than COUNTED" (as search engines
# do): counting a million matches costs a hundred times what finding a page does, and no
# one pages through ten thousand items.
COUNTED = 10_000


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
        and PostgreSQL answer from an index on (value, id); with the value alone compared
        too, which SQLite needs to seek in an index on an expression (the articles' time),
        where it reads a row value only as a filter (from the index's start)."""
        value, ident = self._decoded(key)
        bound = literal(value, self.value.type)
        mine = tuple_(self.value, self.ident)
        theirs = tuple_(bound, literal(ident, self.ident.type))
        if self.descending:
            return and_(self.value <= bound, mine < theirs)
        return and_(self.value >= bound, mine > theirs)

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


def sort_of(sorts: dict[str, Sort], name: str) -> Sort:
    if name not in sorts:
        raise ListError(f"sort: one of {', '.join(sorts)}")
    return sorts[name]


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
    total: int  # all that match the filters, up to COUNTED when not `exact`
    after: Key | None  # the last item's key when more follow, else None
    exact: bool = True  # False: more than `total` match


@dataclass(frozen=True)
class Source(Generic[T]):
    """What a list reads: its table and id, and how to read the rows of given ids."""

    table: Any
    ident: ColumnElement[Any]
    rows: Callable[[Sequence[Any]], Select[Any]]  # the full rows of these ids, with sort_id
    convert: Callable[[Row[Any]], T]


def listed(
    conn: Connection, source: Source[T], conditions: Conditions, sort: Sort, s: Slice
) -> Listed[T]:
    """The total of what meets the conditions, and the page `s` asks for, in two steps: the
    keys of the page (from the indexes, without the rows' text), then those rows."""
    if conditions.text:
        dialect.index_first(conn)
    total = count(conn, source, conditions, COUNTED + 1)
    if total == 0:
        return Listed((), 0, None)
    where = _written(conn, source, conditions, total)
    if s.after is not None:
        where.append(sort.after(s.after))
    keys = select(sort.value, sort.ident).where(*where).order_by(*sort.order()).limit(s.limit + 1)
    found = conn.execute(keys).all()
    shown = found[: s.limit]
    rows = {row.sort_id: row for row in conn.execute(source.rows([k[1] for k in shown]))}
    # A row gone between the two steps (its article analysed again) is left out.
    items = tuple(source.convert(rows[k[1]]) for k in shown if k[1] in rows)
    after = _key(shown[-1]) if len(found) > s.limit else None
    return Listed(items, min(total, COUNTED), after, exact=total <= COUNTED)


def _written(
    conn: Connection, source: Source[Any], conditions: Conditions, total: int
) -> list[Any]:
    """The conditions written for finding a page (see DRIVE)."""
    if total > DRIVE or not conditions.among:
        return conditions.checked()
    if not conditions.own:
        return conditions.leading()
    some = select(literal(1)).select_from(source.table).where(*conditions.own).limit(SCAN)
    plain = conn.execute(select(func.count()).select_from(some.subquery())).scalar_one()
    return conditions.checked() if plain < SCAN else conditions.leading()


def _key(row: Any) -> Key:
    value, ident = row[0], row[1]
    return (value.isoformat() if isinstance(value, datetime) else value), ident


def count(
    conn: Connection, source: Source[Any], conditions: Conditions, upto: int | None = None
) -> int:
    """How many items meet the conditions (`upto` at most: the count stops there), read the
    cheapest way the plans showed:

    - one filter of another table and nothing else: the ids it gives, counted there (every
      one is an item's: they are foreign keys, or the full-text index of the articles);
    - on SQLite with filters on the list's own columns: along the index that serves those,
      each row looked up in the others' ids, rather than fetching every row those give (an
      article's row holds its text: fetching thousands costs far more than reading an index);
    - else as the database plans it.
    """
    among = conditions.among
    if not conditions.own and len(among) == 1 and among[0].ident is source.ident:
        only = among[0]
        some = select(only.column).where(*only.where.leading())
        # DISTINCT only where needed: PostgreSQL meets it by reading the column's index in
        # order, testing each row, rather than from the filter's own index.
        some = some if only.unique else some.distinct()
    else:
        some = select(literal(1)).select_from(source.table).where(*every(conn, conditions))
    if upto is not None:
        some = some.limit(upto)
    return int(conn.execute(select(func.count()).select_from(some.subquery())).scalar_one())


def every(conn: Connection, conditions: Conditions) -> list[Any]:
    """The conditions as written to read every item that meets them (see `count`)."""
    follow = conditions.own and conn.dialect.name == "sqlite"
    return conditions.following() if follow else conditions.leading()
