"""What every table of marked items shares: reading who owns an item and who is named on it,
changing its marking, and a page of those a principal may see.

Every function takes the caller's Connection; the service owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, Select, Table, func, literal, select, update

from outpost.records import Principal, Sharing
from outpost.store.lists.keyset import COUNTED, Listed, Slice, Sort
from outpost.store.schema import organisations, shared_orgs, shared_people, users
from outpost.store.visibility import visible

T = TypeVar("T")
SORTED = "sort_value"  # the label of the sort's value in a page's rows


def with_people(table: Table) -> Select[Any]:
    """The item's row with its owner organisation's code and its maker's username."""
    maker = users.alias("maker")
    return (
        select(table, organisations.c.code.label("owner_code"), maker.c.username.label("maker"))
        .join_from(table, organisations, organisations.c.id == table.c.owner_org)
        .outerjoin(maker, maker.c.id == table.c.created_by)
    )


def sharing(conn: Connection, kind: str, rows: Sequence[Row[Any]]) -> dict[int, Sharing]:
    """Each row's Sharing (rows read with `with_people`), in two queries for all of them."""
    ids = [row.id for row in rows]
    orgs: dict[int, list[str]] = {i: [] for i in ids}
    people: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        named = (
            select(shared_orgs.c.item_id, organisations.c.code)
            .join(organisations, organisations.c.id == shared_orgs.c.org_id)
            .where(shared_orgs.c.kind == kind, shared_orgs.c.item_id.in_(ids))
            .order_by(organisations.c.code)
        )
        for item, code in conn.execute(named):
            orgs[item].append(code)
        persons = (
            select(shared_people.c.item_id, users.c.username)
            .join(users, users.c.id == shared_people.c.user_id)
            .where(shared_people.c.kind == kind, shared_people.c.item_id.in_(ids))
            .order_by(users.c.username)
        )
        for item, name in conn.execute(persons):
            people[item].append(name)
    return {
        row.id: Sharing(row.marking, row.owner_code, tuple(orgs[row.id]), tuple(people[row.id]))
        for row in rows
    }


def set_marking(conn: Connection, table: Table, item: int, marking: str) -> None:
    conn.execute(update(table).where(table.c.id == item).values(marking=marking))


def page(
    conn: Connection,
    table: Table,
    query: Select[Any],
    where: Sequence[Any],
    sort: Sort,
    s: Slice,
    convert: Callable[[Sequence[Row[Any]]], Iterable[T]],
) -> Listed[T]:
    """A page of `query` (already limited to what the viewer may see by `where`), with the
    total of what matches counted up to COUNTED."""
    counted = select(literal(1)).select_from(table).where(*where).limit(COUNTED + 1)
    total = int(conn.execute(select(func.count()).select_from(counted.subquery())).scalar_one())
    if total == 0:
        return Listed((), 0, None)
    after = [sort.after(s.after)] if s.after is not None else []
    ordered = query.add_columns(sort.value.label(SORTED)).where(*where, *after)
    found = conn.execute(ordered.order_by(*sort.order()).limit(s.limit + 1)).all()
    shown = found[: s.limit]
    items = tuple(convert(shown))
    last = shown[-1] if len(found) > s.limit else None
    key = None if last is None else (_json(last._mapping[SORTED]), last.id)
    return Listed(items, min(total, COUNTED), key, exact=total <= COUNTED)


def _json(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def org_id(conn: Connection, code: str) -> int | None:
    return conn.execute(select(organisations.c.id).where(organisations.c.code == code)).scalar()


def user_id(conn: Connection, username: str) -> int | None:
    return conn.execute(select(users.c.id).where(users.c.username == username)).scalar()


def seen(conn: Connection, who: Principal, table: Table, kind: str, item: int) -> bool:
    """Whether the item exists and `who` may see it (one answer for both: see the rule)."""
    query = select(table.c.id).where(table.c.id == item, visible(who, table, kind))
    return conn.execute(query).first() is not None


def maker_id(conn: Connection, table: Table, item: int) -> int | None:
    return conn.execute(select(table.c.created_by).where(table.c.id == item)).scalar()
